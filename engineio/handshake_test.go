package engineio_test

// Section A1 (endpoint and query) and A2 (handshake) of protocol.md.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// A1: the server serves whatever path it is mounted at; /engine.io/ is the
// default the clients use and /socket.io/ is where Socket.IO mounts it.
func TestEndpoint_PathIsWhereItIsMounted(t *testing.T) {
	srv := engineio.NewServer(engineio.HandlerFunc(func(s *engineio.Session) engineio.SessionHandler {
		return &rec{s: s, msgs: make(chan engineio.Message, 16), closed: make(chan closeEvent, 1)}
	}), &engineio.Options{Logger: quiet})
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	mux.Handle("/socket.io/", srv)
	mux.Handle("/custom/path/", srv)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	defer srv.Close()
	for _, path := range []string{"/engine.io/", "/socket.io/", "/custom/path/"} {
		res, err := ts.Client().Get(ts.URL + path + "?EIO=4&transport=polling")
		if err != nil {
			t.Fatal(err)
		}
		var b [1]byte
		_, _ = res.Body.Read(b[:])
		res.Body.Close()
		if res.StatusCode != http.StatusOK || b[0] != '0' {
			t.Errorf("%s: status %d, first byte %q", path, res.StatusCode, b[0])
		}
	}
	res, err := ts.Client().Get(ts.URL + "/elsewhere/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("unmounted path: %d, want 404", res.StatusCode)
	}
}

func TestHandshake_MissingEIOIs400Code5(t *testing.T) {
	h := newHarness(t, nil, nil)
	wantError(t, h.do(http.MethodGet, "transport=polling", "", nil), 400, engineio.CodeUnsupported)
}

func TestHandshake_EIO3RejectedCode5(t *testing.T) {
	h := newHarness(t, nil, nil)
	res := h.do(http.MethodGet, "EIO=3&transport=polling", "", nil)
	wantError(t, res, 400, engineio.CodeUnsupported)
	if !strings.Contains(res.body, "Unsupported protocol version") {
		t.Errorf("body = %q", res.body)
	}
}

func TestHandshake_NonNumericEIORejectedCode5(t *testing.T) {
	h := newHarness(t, nil, nil)
	for _, q := range []string{"EIO=abc&transport=polling", "EIO=&transport=polling", "EIO=5&transport=polling", "EIO=04&transport=polling"} {
		wantError(t, h.do(http.MethodGet, q, "", nil), 400, engineio.CodeUnsupported)
	}
}

func TestHandshake_MissingTransportIs400Code0(t *testing.T) {
	h := newHarness(t, nil, nil)
	res := h.do(http.MethodGet, "EIO=4", "", nil)
	wantError(t, res, 400, engineio.CodeUnknownTransport)
	if !strings.Contains(res.body, "Transport unknown") {
		t.Errorf("body = %q", res.body)
	}
}

func TestHandshake_UnknownTransportIs400Code0(t *testing.T) {
	h := newHarness(t, nil, nil)
	for _, tr := range []string{"flashsocket", "Polling", "webtransport", "jsonp"} {
		wantError(t, h.do(http.MethodGet, "EIO=4&transport="+tr, "", nil), 400, engineio.CodeUnknownTransport)
	}
}

func TestHandshake_DisallowedTransportIs400Code0(t *testing.T) {
	h := newHarness(t, &engineio.Options{Transports: []string{engineio.WebSocket}}, nil)
	wantError(t, h.do(http.MethodGet, "EIO=4&transport=polling", "", nil), 400, engineio.CodeUnknownTransport)
	ws, _, _ := h.wsHandshake()
	_ = ws.CloseNow()
}

func TestRequest_UnknownSIDIs400Code1(t *testing.T) {
	h := newHarness(t, nil, nil)
	res := h.do(http.MethodGet, sidQuery("nope"), "", nil)
	wantError(t, res, 400, engineio.CodeUnknownSID)
	if !strings.Contains(res.body, "Session ID unknown") {
		t.Errorf("body = %q", res.body)
	}
	wantError(t, h.do(http.MethodPost, sidQuery("nope"), "4hi", nil), 400, engineio.CodeUnknownSID)
	_, r, err := h.dial("EIO=4&transport=websocket&sid=nope", nil)
	if err == nil || r == nil || r.StatusCode != 400 {
		t.Fatalf("websocket with unknown sid: %v %v", err, r)
	}
}

func TestHandshake_NonGETIs400Code2(t *testing.T) {
	h := newHarness(t, nil, nil)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		res := h.do(m, "EIO=4&transport=polling", "4hi", nil)
		wantError(t, res, 400, engineio.CodeBadHandshake)
		if !strings.Contains(res.body, "Bad handshake method") {
			t.Errorf("%s: body = %q", m, res.body)
		}
	}
	if n := h.srv.Len(); n != 0 {
		t.Errorf("%d sessions opened by refused handshakes", n)
	}
}

func TestHandshake_WebSocketWithoutUpgradeIs400Code3(t *testing.T) {
	h := newHarness(t, nil, nil)
	res := h.do(http.MethodGet, "EIO=4&transport=websocket", "", nil)
	wantError(t, res, 400, engineio.CodeBadRequest)
	if !strings.Contains(res.body, "Bad request") {
		t.Errorf("body = %q", res.body)
	}
}

func TestRequest_TransportMismatchIs400Code3(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, o, _ := h.wsHandshake()
	defer ws.CloseNow()
	wantError(t, h.do(http.MethodGet, sidQuery(o.SID), "", nil), 400, engineio.CodeBadRequest)
	wantError(t, h.do(http.MethodPost, sidQuery(o.SID), "4hi", nil), 400, engineio.CodeBadRequest)
	// The session is not hurt by the stray requests.
	writeText(t, ws, "4still here")
	if h.srv.Len() != 1 {
		t.Errorf("Len = %d", h.srv.Len())
	}
}

func TestRequest_UnknownQueryParamsIgnored(t *testing.T) {
	h := newHarness(t, &engineio.Options{}, func(r *rec) { r.echo = true })
	res := h.do(http.MethodGet, "EIO=4&transport=polling&t=Pabc123&foo=bar&b64=1", "", nil)
	if res.status != 200 {
		t.Fatalf("handshake: %d %s", res.status, res.body)
	}
	sid := parseOpen(t, res.body).SID
	h.session()
	if res := h.do(http.MethodPost, sidQuery(sid)+"&t=x1&zzz=1", "4hi", nil); res.status != 200 || res.body != "ok" {
		t.Fatalf("POST: %d %q", res.status, res.body)
	}
	if res := h.do(http.MethodGet, "t=x2&"+sidQuery(sid)+"&j=0", "", nil); res.status != 200 || res.body != "4hi" {
		t.Fatalf("GET: %d %q", res.status, res.body)
	}
}

// A1: a WebSocket with bad parameters is answered 400 instead of 101.
func TestWebSocket_FailedUpgradeGets400(t *testing.T) {
	h := newHarness(t, nil, nil)
	for _, q := range []string{"EIO=3&transport=websocket", "transport=websocket", "EIO=4&transport=nope", "EIO=4&transport=websocket&sid=unknown"} {
		ws, res, err := h.dial(q, nil)
		if err == nil {
			_ = ws.CloseNow()
			t.Fatalf("%s: upgraded", q)
		}
		if res == nil || res.StatusCode != 400 {
			t.Fatalf("%s: %v %v", q, err, res)
		}
	}
}

// A2: the open packet has exactly sid, upgrades, pingInterval, pingTimeout
// and maxPayload, with the configured values.
func TestHandshake_OpenPacketHasExactlyTheKeys(t *testing.T) {
	h := newHarness(t, &engineio.Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond, MaxPayload: 12345}, nil)
	res := h.do(http.MethodGet, "EIO=4&transport=polling", "", nil)
	if res.status != 200 || !strings.HasPrefix(res.body, "0{") {
		t.Fatalf("handshake: %d %q", res.status, res.body)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(res.body[1:]), &raw); err != nil {
		t.Fatal(err)
	}
	keys := []string{}
	for k := range raw {
		keys = append(keys, k)
	}
	if len(raw) != 5 {
		t.Fatalf("keys = %v, want exactly sid, upgrades, pingInterval, pingTimeout, maxPayload", keys)
	}
	o := parseOpen(t, res.body)
	if o.PingInterval != 300 || o.PingTimeout != 200 || o.MaxPayload != 12345 || o.SID == "" || o.Upgrades == nil {
		t.Errorf("open = %+v", o)
	}
	h.session()
}

func TestHandshake_DefaultsAdvertised(t *testing.T) {
	h := newHarness(t, nil, nil)
	_, o, _ := h.handshake()
	if o.PingInterval != 25000 || o.PingTimeout != 20000 || o.MaxPayload != 1000000 {
		t.Errorf("open = %+v, want the reference defaults 25000/20000/1e6", o)
	}
}

func TestHandshake_PollingAdvertisesWebSocketUpgrade(t *testing.T) {
	h := newHarness(t, nil, nil)
	_, o, _ := h.handshake()
	if len(o.Upgrades) != 1 || o.Upgrades[0] != "websocket" {
		t.Errorf("upgrades = %q", o.Upgrades)
	}
}

func TestHandshake_WebSocketAdvertisesNoUpgrades(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, o, _ := h.wsHandshake()
	defer ws.CloseNow()
	if o.Upgrades == nil || len(o.Upgrades) != 0 {
		t.Errorf("upgrades = %q, want []", o.Upgrades)
	}
}

func TestHandshake_NoUpgradesWhenDisabled(t *testing.T) {
	for _, opts := range []*engineio.Options{{DisableUpgrades: true}, {Transports: []string{engineio.Polling}}} {
		h := newHarness(t, opts, nil)
		sid, o, _ := h.handshake()
		if len(o.Upgrades) != 0 {
			t.Errorf("%+v: upgrades = %q", opts, o.Upgrades)
		}
		_, res, err := h.dial("EIO=4&transport=websocket&sid="+sid, nil)
		if err == nil || res == nil || res.StatusCode != 400 {
			t.Errorf("%+v: websocket upgrade allowed: %v", opts, err)
		}
	}
}

// A2: a WebSocket-only session needs no polling: 0{...} is its first frame.
func TestHandshake_WebSocketOnlySessionGetsOpenAsFirstFrame(t *testing.T) {
	h := newHarness(t, &engineio.Options{}, func(r *rec) { r.echo = true })
	ws, o, r := h.wsHandshake()
	if o.SID != r.s.ID() || r.s.Transport() != engineio.WebSocket {
		t.Fatalf("open %+v for session %s on %s", o, r.s.ID(), r.s.Transport())
	}
	writeText(t, ws, "4hello")
	if got := readText(t, ws); got != "4hello" {
		t.Fatalf("echo = %q", got)
	}
}

func TestPolling_ResponseHeaders(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) { r.echo = true })
	res := h.do(http.MethodGet, "EIO=4&transport=polling", "", nil)
	for _, res := range []response{res} {
		if ct := res.header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
			t.Errorf("handshake Content-Type = %q", ct)
		}
		if cc := res.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("handshake Cache-Control = %q", cc)
		}
	}
	sid := parseOpen(t, res.body).SID
	h.session()
	h.post(sid, "4x")
	res = h.do(http.MethodGet, sidQuery(sid), "", nil)
	if ct := res.header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
		t.Errorf("GET Content-Type = %q", ct)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("GET Cache-Control = %q", cc)
	}
}

// A2: the sid is unguessable: 20 URL-safe characters from 120 random bits,
// never repeated.
func TestHandshake_SIDIsRandomAnd20Chars(t *testing.T) {
	h := newHarness(t, nil, nil)
	valid := regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`)
	seen := map[string]bool{}
	var bits [20 * 6]int
	const n = 200
	for range n {
		sid, _, _ := h.handshake()
		if !valid.MatchString(sid) {
			t.Fatalf("sid %q is not 20 base64url characters", sid)
		}
		if seen[sid] {
			t.Fatalf("sid %q repeated", sid)
		}
		seen[sid] = true
		for i, c := range sid {
			v := strings.IndexRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", c)
			for b := range 6 {
				bits[i*6+b] += v >> b & 1
			}
		}
	}
	// Every bit position is set in some sids and clear in others: no fixed
	// prefix, counter or timestamp. (Chance of a false failure: ~120/2^199.)
	for i, c := range bits {
		if c == 0 || c == n {
			t.Errorf("bit %d of the sid is constant", i)
		}
	}
}

// A2: a WebSocket-only session's sid has the same form as a polling one.
func TestHandshake_WebSocketSIDFormat(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, o, _ := h.wsHandshake()
	defer ws.CloseNow()
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`).MatchString(o.SID) {
		t.Errorf("sid %q", o.SID)
	}
}

// A1: with a sid, only GET and POST are polling requests.
func TestRequest_OtherMethodsWithSIDAre400Code3(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) { r.echo = true })
	sid, _, _ := h.handshake()
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		wantError(t, h.do(m, sidQuery(sid), "4x", nil), 400, engineio.CodeBadRequest)
	}
	h.post(sid, "4still open")
	if got := h.get(sid); len(got) != 1 || got[0] != "4still open" {
		t.Fatalf("GET = %q", got)
	}
}
