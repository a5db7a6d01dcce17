package engineio_test

// Server options and the Session API: CORS, cookie, compression,
// AllowRequest, queue bounds, volatile sends, shutdown, panics and the
// ordering of SessionHandler calls.

import (
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// A3: with CORS set, a preflight gets 204 and the Access-Control headers.
func TestCORS_Preflight(t *testing.T) {
	h := newHarness(t, &engineio.Options{CORS: &engineio.CORS{
		Origins: []string{"https://good.example"}, Credentials: true, MaxAge: time.Hour,
	}}, nil)
	res := h.do(http.MethodOptions, "EIO=4&transport=polling", "", http.Header{
		"Origin":                         {"https://good.example"},
		"Access-Control-Request-Method":  {"POST"},
		"Access-Control-Request-Headers": {"content-type, x-custom"},
	})
	if res.status != http.StatusNoContent {
		t.Fatalf("preflight: %d %q", res.status, res.body)
	}
	want := map[string]string{
		"Access-Control-Allow-Origin":      "https://good.example",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Headers":     "content-type, x-custom",
		"Access-Control-Max-Age":           "3600",
	}
	for k, v := range want {
		if got := res.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if m := res.header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") || !strings.Contains(m, "GET") {
		t.Errorf("Access-Control-Allow-Methods = %q", m)
	}
	if v := res.header.Values("Vary"); !strings.Contains(strings.Join(v, ","), "Origin") {
		t.Errorf("Vary = %q", v)
	}
	if h.srv.Len() != 0 {
		t.Error("a preflight opened a session")
	}

	// A disallowed origin is refused.
	res = h.do(http.MethodOptions, "EIO=4&transport=polling", "", http.Header{"Origin": {"https://evil.example"}})
	wantError(t, res, http.StatusForbidden, engineio.CodeForbidden)
	if got := res.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("refused origin allowed: %q", got)
	}
}

// A3: configured methods and headers replace the defaults in a preflight.
func TestCORS_PreflightConfiguredMethodsAndHeaders(t *testing.T) {
	h := newHarness(t, &engineio.Options{CORS: &engineio.CORS{
		Origins: []string{"*"}, Methods: []string{"GET", "POST"}, Headers: []string{"X-Token"},
	}}, nil)
	res := h.do(http.MethodOptions, "EIO=4&transport=polling", "", http.Header{
		"Origin":                         {"https://a.example"},
		"Access-Control-Request-Headers": {"x-other"},
	})
	if res.status != http.StatusNoContent {
		t.Fatalf("preflight: %d", res.status)
	}
	if got := res.header.Get("Access-Control-Allow-Methods"); got != "GET,POST" {
		t.Errorf("methods = %q", got)
	}
	if got := res.header.Get("Access-Control-Allow-Headers"); got != "X-Token" {
		t.Errorf("headers = %q", got)
	}
	if got := res.header.Get("Access-Control-Max-Age"); got != "" {
		t.Errorf("max age = %q", got)
	}
}

// A3: with CORS set, polling responses (and errors) carry the headers.
func TestCORS_HeadersOnPollingResponses(t *testing.T) {
	h := newHarness(t, &engineio.Options{CORS: &engineio.CORS{Origins: []string{"*"}}}, nil)
	origin := http.Header{"Origin": {"https://any.example"}}
	res := h.do(http.MethodGet, "EIO=4&transport=polling", "", origin)
	if res.status != 200 || res.header.Get("Access-Control-Allow-Origin") != "https://any.example" {
		t.Fatalf("handshake: %d, ACAO %q", res.status, res.header.Get("Access-Control-Allow-Origin"))
	}
	if res.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("credentials allowed without Credentials")
	}
	h.session()
	sid := parseOpen(t, res.body).SID
	res = h.do(http.MethodPost, sidQuery(sid), "4x", origin)
	if res.header.Get("Access-Control-Allow-Origin") != "https://any.example" {
		t.Error("POST without ACAO")
	}
	res = h.do(http.MethodGet, "EIO=3&transport=polling", "", origin)
	if res.status != 400 || res.header.Get("Access-Control-Allow-Origin") != "https://any.example" {
		t.Errorf("error without ACAO: %d", res.status)
	}
}

// A3: AllowOrigin decides instead of Origins.
func TestCORS_AllowOriginFunc(t *testing.T) {
	h := newHarness(t, &engineio.Options{CORS: &engineio.CORS{
		AllowOrigin: func(o string) bool { return strings.HasSuffix(o, ".trusted.example") },
	}}, nil)
	res := h.do(http.MethodGet, "EIO=4&transport=polling", "", http.Header{"Origin": {"https://a.trusted.example"}})
	if res.status != 200 {
		t.Fatalf("allowed origin: %d", res.status)
	}
	h.session()
	res = h.do(http.MethodGet, "EIO=4&transport=polling", "", http.Header{"Origin": {"https://trusted.example.evil"}})
	wantError(t, res, http.StatusForbidden, engineio.CodeForbidden)
}

// Without CORS a WebSocket only opens from the server's own origin; with
// CORS the configured origins decide.
func TestCORS_WebSocketOriginCheck(t *testing.T) {
	dialFrom := func(h *harness, origin string) (int, error) {
		ws, res, err := h.dial("EIO=4&transport=websocket", &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
		if err == nil {
			_ = ws.CloseNow()
			return 101, nil
		}
		if res == nil {
			return 0, err
		}
		return res.StatusCode, err
	}
	h := newHarness(t, nil, nil)
	if code, err := dialFrom(h, h.ts.URL); code != 101 {
		t.Errorf("same origin refused: %d %v", code, err)
	}
	if code, _ := dialFrom(h, "https://evil.example"); code != http.StatusForbidden {
		t.Errorf("foreign origin without CORS: %d, want 403", code)
	}

	h = newHarness(t, &engineio.Options{CORS: &engineio.CORS{Origins: []string{"https://good.example"}}}, nil)
	if code, err := dialFrom(h, "https://good.example"); code != 101 {
		t.Errorf("allowed origin refused: %d %v", code, err)
	}
	if code, _ := dialFrom(h, "https://evil.example"); code != http.StatusForbidden {
		t.Errorf("disallowed origin: %d, want 403", code)
	}
}

// The Cookie option sends the sid in a cookie with the handshake.
func TestCookie(t *testing.T) {
	h := newHarness(t, &engineio.Options{Cookie: &engineio.Cookie{HTTPOnly: true}}, nil)
	res := h.do(http.MethodGet, "EIO=4&transport=polling", "", nil)
	sid := parseOpen(t, res.body).SID
	h.session()
	c := (&http.Response{Header: res.header}).Cookies()
	if len(c) != 1 || c[0].Name != "io" || c[0].Value != sid || c[0].Path != "/" || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookies = %+v", c)
	}
	// Only the handshake sets it.
	h.post(sid, "4x")
	if res := h.do(http.MethodPost, sidQuery(sid), "4y", nil); res.header.Get("Set-Cookie") != "" {
		t.Errorf("POST sets a cookie")
	}

	// WebSocket handshakes get it too.
	_, dres, err := h.dial("EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := dres.Cookies(); len(c) != 1 || c[0].Name != "io" || len(c[0].Value) != 20 {
		t.Errorf("websocket cookies = %+v", c)
	}

	h = newHarness(t, &engineio.Options{Cookie: &engineio.Cookie{Name: "sticky", Path: "/app", SameSite: http.SameSiteStrictMode}}, nil)
	res = h.do(http.MethodGet, "EIO=4&transport=polling", "", nil)
	h.session()
	c = (&http.Response{Header: res.header}).Cookies()
	if len(c) != 1 || c[0].Name != "sticky" || c[0].Path != "/app" || c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookies = %+v", c)
	}

	h = newHarness(t, nil, nil)
	if res := h.do(http.MethodGet, "EIO=4&transport=polling", "", nil); res.header.Get("Set-Cookie") != "" {
		t.Errorf("cookie without the option: %q", res.header.Get("Set-Cookie"))
	}
	h.session()
}

// Polling responses at least HTTPCompressionThreshold long are compressed
// for clients that accept it.
func TestHTTPCompression_Gzip(t *testing.T) {
	h := newHarness(t, &engineio.Options{HTTPCompressionThreshold: 100}, nil)
	sid, _, r := h.handshake()
	big := strings.Repeat("abcdefgh", 100)
	for _, enc := range []string{"gzip", "deflate", "br;q=1.0, gzip;q=0.8"} {
		mustSend(t, r.s, text(big))
		res := h.do(http.MethodGet, sidQuery(sid), "", http.Header{"Accept-Encoding": {enc}})
		want := "gzip"
		if enc == "deflate" {
			want = "deflate"
		}
		if got := res.header.Get("Content-Encoding"); got != want {
			t.Fatalf("%s: Content-Encoding = %q", enc, got)
		}
		var zr io.Reader
		if want == "gzip" {
			gz, err := gzip.NewReader(strings.NewReader(res.body))
			if err != nil {
				t.Fatal(err)
			}
			zr = gz
		} else {
			zr = flate.NewReader(strings.NewReader(res.body))
		}
		b, err := io.ReadAll(zr)
		if err != nil || string(b) != "4"+big {
			t.Fatalf("%s: decompressed %d bytes, %v", enc, len(b), err)
		}
		if len(res.body) >= len(b) {
			t.Errorf("%s: not smaller: %d >= %d", enc, len(res.body), len(b))
		}
	}
	// Small payloads, and clients that don't accept it, get plain text.
	mustSend(t, r.s, text("tiny"))
	if res := h.do(http.MethodGet, sidQuery(sid), "", http.Header{"Accept-Encoding": {"gzip"}}); res.header.Get("Content-Encoding") != "" || res.body != "4tiny" {
		t.Errorf("small payload: %q %q", res.header.Get("Content-Encoding"), res.body)
	}
	mustSend(t, r.s, text(big))
	if res := h.do(http.MethodGet, sidQuery(sid), "", http.Header{"Accept-Encoding": {"identity"}}); res.header.Get("Content-Encoding") != "" || res.body != "4"+big {
		t.Errorf("identity: %q", res.header.Get("Content-Encoding"))
	}
}

func TestHTTPCompression_Disabled(t *testing.T) {
	h := newHarness(t, &engineio.Options{HTTPCompressionThreshold: -1}, nil)
	sid, _, r := h.handshake()
	mustSend(t, r.s, text(strings.Repeat("x", 10000)))
	if res := h.do(http.MethodGet, sidQuery(sid), "", http.Header{"Accept-Encoding": {"gzip"}}); res.header.Get("Content-Encoding") != "" {
		t.Errorf("compressed although disabled")
	}
}

// AllowRequest refuses a handshake with 403, code 4 and the error's text;
// it sees the handshake request.
func TestAllowRequest_Forbidden403Code4(t *testing.T) {
	h := newHarness(t, &engineio.Options{AllowRequest: func(r *http.Request) error {
		if r.Header.Get("Authorization") != "Bearer ok" {
			return errors.New("no entry")
		}
		return nil
	}}, nil)
	res := h.do(http.MethodGet, "EIO=4&transport=polling", "", nil)
	wantError(t, res, http.StatusForbidden, engineio.CodeForbidden)
	if !strings.Contains(res.body, `"message":"no entry"`) {
		t.Errorf("body = %q", res.body)
	}
	_, dres, err := h.dial("EIO=4&transport=websocket", nil)
	if err == nil || dres == nil || dres.StatusCode != http.StatusForbidden {
		t.Errorf("websocket handshake: %v", err)
	}
	if h.srv.Len() != 0 {
		t.Errorf("refused handshakes opened %d sessions", h.srv.Len())
	}
	res = h.do(http.MethodGet, "EIO=4&transport=polling", "", http.Header{"Authorization": {"Bearer ok"}})
	if res.status != 200 {
		t.Fatalf("allowed handshake: %d", res.status)
	}
	h.session()
}

// Session.Request is the handshake request without its body; Transport
// follows the upgrade; Done closes when the session ends.
func TestSession_RequestTransportDone(t *testing.T) {
	h := newHarness(t, nil, nil)
	res := h.do(http.MethodGet, "EIO=4&transport=polling&token=abc", "", http.Header{"X-Hello": {"world"}})
	sid := parseOpen(t, res.body).SID
	r := h.session()
	req := r.s.Request()
	if req.URL.Query().Get("token") != "abc" || req.Header.Get("X-Hello") != "world" || req.RemoteAddr == "" {
		t.Errorf("request = %v %v %q", req.URL, req.Header, req.RemoteAddr)
	}
	if b, _ := io.ReadAll(req.Body); len(b) != 0 {
		t.Errorf("body = %q", b)
	}
	if r.s.ID() != sid || r.s.Transport() != engineio.Polling {
		t.Errorf("id %q transport %q", r.s.ID(), r.s.Transport())
	}
	select {
	case <-r.s.Done():
		t.Fatal("done while open")
	default:
	}
	ws := h.upgrade(sid)
	eventually(t, "transport is websocket", func() bool { return r.s.Transport() == engineio.WebSocket })
	_ = ws.Close(websocket.StatusNormalClosure, "")
	wantDone(t, r.s)
	if h.srv.Len() != 0 {
		t.Errorf("Len = %d after the session ended", h.srv.Len())
	}
}

// A full queue closes the slow client with "transport error" and
// ErrQueueFull; nothing is partially queued.
func TestSend_QueueFullClosesSlowConsumer(t *testing.T) {
	t.Run("packets", func(t *testing.T) {
		h := newHarness(t, &engineio.Options{MaxQueuedPackets: 3}, nil)
		sid, _, r := h.handshake()
		mustSend(t, r.s, text("1"), text("2"))
		mustSend(t, r.s, text("3"))
		if err := r.s.Send(text("4")); !errors.Is(err, engineio.ErrQueueFull) {
			t.Fatalf("Send over the bound = %v", err)
		}
		ev := r.waitClosed(t)
		if ev.reason != engineio.ReasonTransportError || !errors.Is(ev.cause, engineio.ErrQueueFull) {
			t.Errorf("closed = %+v", ev)
		}
		if err := r.s.Send(text("5")); !errors.Is(err, engineio.ErrClosed) {
			t.Errorf("Send after = %v", err)
		}
		h.wantGone(sid)
	})
	t.Run("bytes", func(t *testing.T) {
		h := newHarness(t, &engineio.Options{MaxQueuedBytes: 100}, nil)
		_, _, r := h.handshake()
		mustSend(t, r.s, text(strings.Repeat("x", 60)))
		if err := r.s.Send(text(strings.Repeat("y", 60))); !errors.Is(err, engineio.ErrQueueFull) {
			t.Fatalf("Send over the bound = %v", err)
		}
		r.waitClosed(t)
	})
	for name, send := range map[string]func(*engineio.Session, engineio.Message) error{
		"Send":    func(s *engineio.Session, m engineio.Message) error { return s.Send(m) },
		"SendNow": func(s *engineio.Session, m engineio.Message) error { return s.SendNow(m) },
	} {
		t.Run("websocket reader stalls, "+name, func(t *testing.T) {
			h := newHarness(t, &engineio.Options{MaxQueuedPackets: 64, WriteTimeout: 200 * time.Millisecond}, nil)
			ws, _, r := h.wsHandshake()
			_ = ws // never read again: TCP buffers fill, then the queue
			big := text(strings.Repeat("z", 64<<10))
			var err error
			for range 100_000 {
				if err = send(r.s, big); err != nil {
					break
				}
			}
			if !errors.Is(err, engineio.ErrQueueFull) && !errors.Is(err, engineio.ErrClosed) {
				t.Fatalf("%s to a stalled reader = %v", name, err)
			}
			if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportError {
				t.Errorf("reason = %q", ev.reason)
			}
			wantDone(t, r.s)
		})
	}
}

// Send and SendNow share one queue: whichever writes, the client gets the
// messages in the order they were sent.
func TestSendNow_KeepsOrderWithSend(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, _, r := h.wsHandshake()
	const n = 2000
	go func() {
		for i := range n {
			m := text(strconv.Itoa(i))
			if i%3 == 0 {
				_ = r.s.Send(m)
			} else {
				_ = r.s.SendNow(m)
			}
		}
	}()
	for i := range n {
		if got := readText(t, ws); got != "4"+strconv.Itoa(i) {
			t.Fatalf("message %d: got %q", i, got)
		}
	}
}

// Send queues all messages or none.
func TestSend_AllOrNothing(t *testing.T) {
	h := newHarness(t, &engineio.Options{MaxQueuedPackets: 3}, nil)
	_, _, r := h.handshake()
	mustSend(t, r.s, text("a"))
	if err := r.s.Send(text("b"), text("c"), text("d")); !errors.Is(err, engineio.ErrQueueFull) {
		t.Fatalf("Send = %v", err)
	}
}

// SendVolatile drops messages when the transport cannot write them now.
func TestSendVolatile_DroppedWhenNotWritable(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	if r.s.SendVolatile(text("no GET pending")) {
		t.Fatal("volatile queued with no GET pending")
	}
	c := h.asyncGet(sid)
	waitGETPending(t, r.s)
	if !r.s.SendVolatile(text("v1")) {
		t.Fatal("volatile dropped with a GET pending")
	}
	if res := h.await(c); res.body != "4v1" {
		t.Fatalf("GET = %q", res.body)
	}
	// Not while something waits before it.
	mustSend(t, r.s, text("queued"))
	c = h.asyncGet(sid)
	if res := h.await(c); res.body != "4queued" {
		t.Fatalf("GET = %q", res.body)
	}
	// Not during an upgrade.
	ws := h.probe(sid)
	if r.s.SendVolatile(text("upgrading")) {
		t.Error("volatile queued during the upgrade")
	}
	writeText(t, ws, "5")
	eventually(t, "upgraded", func() bool { return r.s.Transport() == engineio.WebSocket })
	// A WebSocket is writable.
	if !r.s.SendVolatile(text("ws")) {
		t.Fatal("volatile dropped on an idle websocket")
	}
	if got := readText(t, ws); got != "4ws" {
		t.Fatalf("frame = %q", got)
	}
	r.s.Close()
	if r.s.SendVolatile(text("closed")) {
		t.Error("volatile queued on a closed session")
	}
}

// Shutdown closes every session with "server shutting down": a polling
// client gets "1", a WebSocket client gets a close; no new session opens.
func TestShutdown_ClosesSessionsWithReason(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	sid2, _, r2 := h.handshake()
	ws, _, r3 := h.wsHandshake()
	c := h.asyncGet(sid)
	waitGETPending(t, r.s)
	mustSend(t, r3.s, text("flushed"))

	done := make(chan error, 1)
	go func() { done <- h.srv.Shutdown(context.Background()) }()
	if res := h.await(c); res.body != "1" {
		t.Errorf("pending GET = %q, want \"1\"", res.body)
	}
	// The session without a GET pending gets "1" in its next one (or in
	// this one, pending, if it reaches the server before Shutdown does).
	if got := h.get(sid2); len(got) != 1 || got[0] != "1" {
		t.Errorf("GET after shutdown = %q, want \"1\"", got)
	}
	frames, err := readErr(t, ws)
	if len(frames) != 1 || frames[0] != "4flushed" {
		t.Errorf("websocket frames = %q", frames)
	}
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("websocket close = %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Shutdown = %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Shutdown did not return")
	}
	for _, x := range []*rec{r, r2, r3} {
		if ev := x.waitClosed(t); ev.reason != engineio.ReasonShuttingDown {
			t.Errorf("reason = %q", ev.reason)
		}
		wantDone(t, x.s)
	}
	if h.srv.Len() != 0 {
		t.Errorf("Len = %d", h.srv.Len())
	}
}

// After Shutdown (or Close) no session opens: polling handshakes get 503,
// WebSocket ones a close.
func TestShutdown_RefusesNewSessions(t *testing.T) {
	h := newHarness(t, nil, nil)
	if err := h.srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := h.do(http.MethodGet, "EIO=4&transport=polling", "", nil); res.status != http.StatusServiceUnavailable {
		t.Errorf("polling handshake: %d", res.status)
	}
	ws, _, err := h.dial("EIO=4&transport=websocket", nil)
	if err == nil {
		frames, err := readErr(t, ws)
		if len(frames) != 0 || websocket.CloseStatus(err) == -1 {
			t.Errorf("websocket handshake: frames %q, %v", frames, err)
		}
	}
	if h.srv.Len() != 0 {
		t.Errorf("Len = %d", h.srv.Len())
	}
}

// When the context ends first, Shutdown closes what is left and returns
// the context's error.
func TestShutdown_ContextExpiryForcesClose(t *testing.T) {
	h := newHarness(t, nil, nil)
	_, _, r := h.handshake() // never polls again
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := h.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v", err)
	}
	wantDone(t, r.s)
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonShuttingDown {
		t.Errorf("reason = %q", ev.reason)
	}
}

// Server.Close ends every session at once, also those whose graceful close
// (Session.Close, Shutdown) is stuck behind a client that reads nothing.
func TestServerClose_EndsStalledGracefulCloses(t *testing.T) {
	h := newHarness(t, &engineio.Options{WriteTimeout: 30 * time.Second, MaxQueuedBytes: 256 << 20}, nil)
	ws, _, r := h.wsHandshake()
	_ = ws // the client reads nothing more: TCP buffers fill, the writer blocks
	big := text(strings.Repeat("z", 1<<20))
	for range 64 {
		mustSend(t, r.s, big)
	}
	r.s.Close()
	h.closeInTime("Server.Close waited for a stalled graceful close")
	wantDone(t, r.s)
}

// When Shutdown's context ends, sessions still flushing to clients that
// read nothing are dropped and Shutdown returns.
func TestShutdown_ContextExpiryDropsStalledWebSockets(t *testing.T) {
	h := newHarness(t, &engineio.Options{WriteTimeout: 30 * time.Second, MaxQueuedBytes: 256 << 20}, nil)
	_, _, r := h.wsHandshake()
	big := text(strings.Repeat("z", 1<<20))
	for range 64 {
		mustSend(t, r.s, big)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.srv.Shutdown(ctx) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown = %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Shutdown ignored its context")
	}
	wantDone(t, r.s)
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonShuttingDown {
		t.Errorf("reason = %q", ev.reason)
	}
}

// A panic in a handler is recovered: the session closes, the server goes on.
func TestHandler_PanicIsRecovered(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) {
		r.onMessage = func(r *rec, m engineio.Message) {
			if string(m.Data) == "boom" {
				panic("boom")
			}
		}
		r.onClosed = func(r *rec, ev closeEvent) { panic("boom in Closed") }
	})
	sid, _, r := h.handshake()
	h.post(sid, "4boom")
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportError {
		t.Errorf("reason = %q", ev.reason)
	}
	h.wantGone(sid)
	ws, _, r2 := h.wsHandshake()
	writeText(t, ws, "4boom")
	if ev := r2.waitClosed(t); ev.reason != engineio.ReasonTransportError {
		t.Errorf("reason = %q", ev.reason)
	}
	if _, err := readErr(t, ws); err == nil {
		t.Error("websocket still open")
	}
	// The server still serves.
	_, _, r3 := h.handshake()
	r3.s.Close()
}

// A panic in Handler.Open is recovered: the client learns that the session
// closed, the session is gone and the server goes on.
func TestHandler_PanicInOpenIsRecovered(t *testing.T) {
	var panics atomic.Bool
	panics.Store(true)
	h := newHarness(t, nil, func(r *rec) {
		if panics.Load() {
			panic("boom in Open")
		}
	})
	res := h.do(http.MethodGet, "EIO=4&transport=polling", "", nil)
	if res.status != 200 || res.body != "1" {
		t.Errorf("polling handshake = %d %q, want the close packet", res.status, res.body)
	}
	ws, _, err := h.dial("EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	frames, err := readErr(t, ws)
	if len(frames) > 1 || (len(frames) == 1 && !strings.HasPrefix(frames[0], "0{")) {
		t.Errorf("websocket frames = %q (%v)", frames, err)
	}
	eventually(t, "no session is left", func() bool { return h.srv.Len() == 0 })
	panics.Store(false)
	_, _, r := h.handshake()
	r.s.Close()
}

// The SessionHandler's calls never overlap and come in the client's order,
// across POSTs, the upgrade and WebSocket frames; Closed comes once, last.
func TestHandler_CallsOrderedAndNeverOverlap(t *testing.T) {
	var slow atomic.Bool
	h := newHarness(t, nil, func(r *rec) {
		r.onMessage = func(*rec, engineio.Message) {
			if slow.Load() {
				time.Sleep(100 * time.Microsecond)
			}
		}
	})
	slow.Store(true)
	sid, _, r := h.handshake()
	var want []string
	n := 0
	for range 10 {
		var body []string
		for range 5 {
			body = append(body, "4m"+itoa(n))
			want = append(want, "msg:m"+itoa(n))
			n++
		}
		h.post(sid, strings.Join(body, "\x1e"))
	}
	ws := h.upgrade(sid)
	for range 50 {
		writeText(t, ws, "4m"+itoa(n))
		want = append(want, "msg:m"+itoa(n))
		n++
	}
	_ = ws.Close(websocket.StatusNormalClosure, "")
	r.waitClosed(t)
	want = append(want, "closed:"+engineio.ReasonTransportClose)
	got := r.events()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("events = %q\nwant %q", got, want)
	}
	if r.overlaps.Load() != 0 {
		t.Fatal("handler calls overlapped")
	}
}

// Messages racing with a close are never delivered after Closed.
func TestHandler_NoMessageAfterClosed(t *testing.T) {
	var bad atomic.Int32
	h := newHarness(t, nil, func(r *rec) {
		var closed atomic.Bool
		r.onMessage = func(*rec, engineio.Message) {
			if closed.Load() {
				bad.Add(1)
			}
		}
		r.onClosed = func(*rec, closeEvent) { closed.Store(true) }
	})
	for range 20 {
		ws, _, r := h.wsHandshake()
		var wg sync.WaitGroup
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			for range 200 {
				if ws.Write(ctx, websocket.MessageText, []byte("4x")) != nil {
					return
				}
			}
		})
		r.s.Close()
		wg.Wait()
		r.waitClosed(t)
		_ = ws.CloseNow()
	}
	if bad.Load() != 0 {
		t.Fatalf("%d messages delivered after Closed", bad.Load())
	}
}

// Server.Close returns only once every Closed call has returned.
func TestServerClose_WaitsForClosedHandlers(t *testing.T) {
	var inClosed, returned atomic.Int32
	h := newHarness(t, &engineio.Options{PingInterval: 20 * time.Millisecond, PingTimeout: 20 * time.Millisecond}, func(r *rec) {
		r.onClosed = func(*rec, closeEvent) {
			inClosed.Add(1)
			time.Sleep(20 * time.Millisecond)
			returned.Add(1)
		}
	})
	for range 20 {
		h.handshake()
	}
	ws, _, _ := h.wsHandshake()
	defer ws.CloseNow()
	// Some sessions time out on their own while Close runs.
	time.Sleep(30 * time.Millisecond)
	if err := h.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if in, out := inClosed.Load(), returned.Load(); in != 21 || out != 21 {
		t.Fatalf("after Close: %d Closed calls started, %d returned; want 21", in, out)
	}
}

// Every session opened gets exactly one Closed, even when the server
// closes while handshakes are in flight.
func TestServerClose_EveryOpenGetsClosed(t *testing.T) {
	for range 10 {
		var opened, closed atomic.Int32
		srv := engineio.NewServer(engineio.HandlerFunc(func(s *engineio.Session) engineio.SessionHandler {
			opened.Add(1)
			return closer(func() { closed.Add(1) })
		}), &engineio.Options{Logger: quiet})
		mux := http.NewServeMux()
		mux.Handle("/engine.io/", srv)
		h := &harness{t: t}
		h.ts = newTestServer(t, mux)
		h.client = h.ts.Client()
		h.base = h.ts.URL + "/engine.io/"
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 10 {
					if res, err := h.try(http.MethodGet, "EIO=4&transport=polling", "", nil); err != nil || res.status != 200 {
						return
					}
				}
			})
		}
		time.Sleep(time.Millisecond)
		_ = srv.Close()
		wg.Wait()
		if o, c := opened.Load(), closed.Load(); o != c {
			t.Fatalf("%d sessions opened, %d closed", o, c)
		}
	}
}

// A session closed between its registration and Handler.Open still gets
// Closed after Open, and its client learns that it closed.
func TestServerClose_DuringHandshakePairsOpenAndClosed(t *testing.T) {
	for _, transport := range []string{engineio.Polling, engineio.WebSocket} {
		t.Run(transport, func(t *testing.T) {
			var events []string
			var mu sync.Mutex
			logEvent := func(e string) { mu.Lock(); events = append(events, e); mu.Unlock() }
			srv := engineio.NewServer(engineio.HandlerFunc(func(s *engineio.Session) engineio.SessionHandler {
				logEvent("open")
				return closer(func() { logEvent("closed") })
			}), &engineio.Options{Logger: quiet})
			h := &harness{t: t}
			h.ts = newTestServer(t, srv)
			h.client = h.ts.Client()
			h.base = h.ts.URL + "/"
			closeReturned := make(chan struct{})
			defer engineio.SetTestHookRegistered(func(s *engineio.Session) {
				go func() { _ = srv.Close(); close(closeReturned) }()
				eventually(t, "the session is closed", func() bool { return engineio.Closing(s) })
				// Give a Close that does not wait for Open a chance to return.
				select {
				case <-closeReturned:
				case <-time.After(200 * time.Millisecond):
				}
			})()
			if transport == engineio.Polling {
				res := h.do(http.MethodGet, "EIO=4&transport=polling", "", nil)
				if res.status != 200 || res.body != "1" {
					t.Errorf("handshake = %d %q, want the close packet alone", res.status, res.body)
				}
			} else {
				ws, _, err := h.dial("EIO=4&transport=websocket", nil)
				if err != nil {
					t.Fatal(err)
				}
				if frames, err := readErr(t, ws); len(frames) != 0 {
					t.Errorf("frames = %q (%v), want the socket closed", frames, err)
				}
			}
			select {
			case <-closeReturned:
			case <-time.After(waitTimeout):
				t.Fatal("Close did not return")
			}
			mu.Lock()
			defer mu.Unlock()
			if strings.Join(events, ",") != "open,closed" {
				t.Fatalf("handler calls = %q, want open then closed", events)
			}
		})
	}
}

type closer func()

func (closer) Message([]byte, bool)   {}
func (c closer) Closed(string, error) { c() }

func itoa(i int) string { return strconv.Itoa(i) }

// Options fills in the defaults each field's doc states.
func TestOptions_DefaultsFilledIn(t *testing.T) {
	o := engineio.NewServer(engineio.HandlerFunc(func(*engineio.Session) engineio.SessionHandler { return nil }), nil).Options()
	if o.PingInterval != 25*time.Second || o.PingTimeout != 20*time.Second || o.UpgradeTimeout != 10*time.Second ||
		o.WriteTimeout != 10*time.Second || o.MaxPayload != 1_000_000 || o.MaxQueuedPackets != 16384 ||
		o.MaxQueuedBytes != 8<<20 || o.HTTPCompressionThreshold != 1024 || o.Logger == nil ||
		strings.Join(o.Transports, ",") != "polling,websocket" || o.Cookie != nil || o.CORS != nil || o.PerMessageDeflate != nil {
		t.Errorf("defaults = %+v", o)
	}
	o = engineio.NewServer(nil, &engineio.Options{Cookie: &engineio.Cookie{}, PerMessageDeflate: &engineio.Deflate{}}).Options()
	if c := o.Cookie; c.Name != "io" || c.Path != "/" || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie defaults = %+v", c)
	}
	if o.PerMessageDeflate.Threshold != 1024 {
		t.Errorf("deflate threshold = %d", o.PerMessageDeflate.Threshold)
	}
}
