package engineio_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/seed-e3ad8a97/sio/engineio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitTimeout bounds every wait of the suite. It is generous on purpose: the
// machine is small and shared, and no test asserts a timing threshold.
const waitTimeout = 10 * time.Second

var quiet = slog.New(slog.DiscardHandler)

// closeEvent is one call of SessionHandler.Closed.
type closeEvent struct {
	reason string
	cause  error
}

// rec is the SessionHandler of the suite: it records what the server tells
// it, checks that calls never overlap, and may echo messages back.
type rec struct {
	s      *engineio.Session
	msgs   chan engineio.Message
	closed chan closeEvent

	echo      bool
	onMessage func(r *rec, m engineio.Message) // runs inside Message
	onClosed  func(r *rec, ev closeEvent)      // runs inside Closed

	busy     atomic.Int32
	overlaps atomic.Int32
	mu       sync.Mutex
	log      []string // "msg:<data>", "closed:<reason>"
}

func (r *rec) enter() {
	if r.busy.Add(1) != 1 {
		r.overlaps.Add(1)
	}
}

func (r *rec) leave() { r.busy.Add(-1) }

func (r *rec) Message(data []byte, binary bool) {
	r.enter()
	defer r.leave()
	m := engineio.Message{Data: data, Binary: binary}
	r.mu.Lock()
	r.log = append(r.log, "msg:"+string(data))
	r.mu.Unlock()
	if r.onMessage != nil {
		r.onMessage(r, m)
	}
	if r.echo {
		_ = r.s.Send(m)
	}
	r.msgs <- m
}

func (r *rec) Closed(reason string, cause error) {
	r.enter()
	defer r.leave()
	r.mu.Lock()
	r.log = append(r.log, "closed:"+reason)
	r.mu.Unlock()
	ev := closeEvent{reason, cause}
	defer func() { // also when onClosed panics
		select {
		case r.closed <- ev:
		default:
			r.overlaps.Add(1000) // a second Closed: counted as a failure
		}
	}()
	if r.onClosed != nil {
		r.onClosed(r, ev)
	}
}

func (r *rec) events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

// message waits for the next message the session received.
func (r *rec) message(t *testing.T) engineio.Message {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for a message")
		return engineio.Message{}
	}
}

// waitClosed waits for the session's Closed call.
func (r *rec) waitClosed(t *testing.T) closeEvent {
	t.Helper()
	select {
	case ev := <-r.closed:
		r.closed <- ev // keep it for later calls
		return ev
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for Closed; saw %q", r.events())
		return closeEvent{}
	}
}

// harness is a real listening Engine.IO server mounted at /engine.io/.
type harness struct {
	t        *testing.T
	srv      *engineio.Server
	ts       *httptest.Server
	client   *http.Client
	base     string
	sessions chan *rec
}

// newHarness starts a server; setup, when set, prepares each session's
// recorder inside Handler.Open. The server and its clients are closed when
// the test ends.
func newHarness(t *testing.T, opts *engineio.Options, setup func(*rec)) *harness {
	t.Helper()
	return newHarnessOn(t, opts, setup, httptest.NewServer)
}

// newHarnessOn is newHarness with the server started by start (over TLS
// and HTTP/2, say).
func newHarnessOn(t *testing.T, opts *engineio.Options, setup func(*rec), start func(http.Handler) *httptest.Server) *harness {
	t.Helper()
	if opts == nil {
		opts = &engineio.Options{}
	}
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	h := &harness{t: t, sessions: make(chan *rec, 1024)}
	h.srv = engineio.NewServer(engineio.HandlerFunc(func(s *engineio.Session) engineio.SessionHandler {
		r := &rec{s: s, msgs: make(chan engineio.Message, 4096), closed: make(chan closeEvent, 1)}
		if setup != nil {
			setup(r)
		}
		h.sessions <- r
		return r
	}), opts)
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", h.srv)
	h.ts = start(mux)
	h.client = h.ts.Client()
	h.base = h.ts.URL + "/engine.io/"
	t.Cleanup(func() {
		_ = h.srv.Close()
		h.ts.Close()
		for r := range drain(h.sessions) {
			if n := r.overlaps.Load(); n != 0 {
				t.Errorf("session %s: handler calls overlapped or Closed ran twice (%d)", r.s.ID(), n)
			}
		}
	})
	return h
}

func drain(c chan *rec) map[*rec]bool {
	m := map[*rec]bool{}
	for {
		select {
		case r := <-c:
			m[r] = true
		default:
			return m
		}
	}
}

// closeInTime calls Server.Close and fails the test with why if it has
// not returned within waitTimeout.
func (h *harness) closeInTime(why string) {
	h.t.Helper()
	done := make(chan error, 1)
	go func() { done <- h.srv.Close() }()
	select {
	case <-done:
	case <-time.After(waitTimeout):
		h.t.Fatal(why)
	}
}

// newTestServer starts an httptest server closed when the test ends.
func newTestServer(t *testing.T, h http.Handler) *httptest.Server {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// session waits for the next session the handler opened.
func (h *harness) session() *rec {
	h.t.Helper()
	select {
	case r := <-h.sessions:
		h.t.Cleanup(func() { h.sessions <- r }) // checked for overlaps at the end
		return r
	case <-time.After(waitTimeout):
		h.t.Fatal("timed out waiting for a session to open")
		return nil
	}
}

func (h *harness) url(query string) string { return h.base + "?" + query }

func sidQuery(sid string) string { return "EIO=4&transport=polling&sid=" + url.QueryEscape(sid) }

// response is a fully read HTTP response.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends one request and reads the whole answer; hdr holds extra headers.
func (h *harness) do(method, query, body string, hdr http.Header) response {
	h.t.Helper()
	res, err := h.try(method, query, body, hdr)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, query, err)
	}
	return res
}

func (h *harness) try(method, query, body string, hdr http.Header) (response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	return h.doCtx(ctx, method, query, body, hdr)
}

func (h *harness) doCtx(ctx context.Context, method, query, body string, hdr http.Header) (response, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.url(query), rd)
	if err != nil {
		return response{}, err
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	res, err := h.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{res.StatusCode, res.Header, string(b)}, nil
}

// openPacket is the handshake's JSON.
type openPacket struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"`
}

func parseOpen(t *testing.T, packet string) openPacket {
	t.Helper()
	if !strings.HasPrefix(packet, "0") {
		t.Fatalf("want an open packet, got %q", packet)
	}
	var o openPacket
	dec := json.NewDecoder(strings.NewReader(packet[1:]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		t.Fatalf("open packet %q: %v", packet, err)
	}
	return o
}

// handshake opens a polling session and returns its sid, open packet and
// recorder, plus any packets that came after the open packet.
func (h *harness) handshake() (string, openPacket, *rec) {
	h.t.Helper()
	res := h.do(http.MethodGet, "EIO=4&transport=polling&t=N1", "", nil)
	if res.status != http.StatusOK {
		h.t.Fatalf("handshake: %d %s", res.status, res.body)
	}
	items := splitPayload(res.body)
	o := parseOpen(h.t, items[0])
	for _, it := range items[1:] {
		if it != "2" { // with a very short ping interval, a ping may follow
			h.t.Fatalf("handshake carried more than the open packet: %q", items)
		}
	}
	return o.SID, o, h.session()
}

func splitPayload(body string) []string { return strings.Split(body, "\x1e") }

// get long-polls once and returns the payload's packets in wire form.
func (h *harness) get(sid string) []string {
	h.t.Helper()
	res := h.do(http.MethodGet, sidQuery(sid), "", nil)
	if res.status != http.StatusOK {
		h.t.Fatalf("GET: %d %s", res.status, res.body)
	}
	return splitPayload(res.body)
}

// asyncGet starts a GET and returns a channel with its answer.
func (h *harness) asyncGet(sid string) <-chan response {
	c := make(chan response, 1)
	go func() {
		res, err := h.try(http.MethodGet, sidQuery(sid), "", nil)
		if err != nil {
			res = response{status: -1, body: err.Error()}
		}
		c <- res
	}()
	return c
}

func (h *harness) await(c <-chan response) response {
	h.t.Helper()
	select {
	case res := <-c:
		return res
	case <-time.After(waitTimeout):
		h.t.Fatal("timed out waiting for a response")
		return response{}
	}
}

// post sends a polling body and expects 200 "ok".
func (h *harness) post(sid, body string) {
	h.t.Helper()
	res := h.do(http.MethodPost, sidQuery(sid), body, nil)
	if res.status != http.StatusOK || res.body != "ok" {
		h.t.Fatalf("POST %q: %d %q", body, res.status, res.body)
	}
}

// wantError checks a refused request: status and the reference JSON body.
func wantError(t *testing.T, res response, status, code int) {
	t.Helper()
	if res.status != status {
		t.Fatalf("status = %d (%q), want %d", res.status, res.body, status)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var e struct {
		Code    *int    `json:"code"`
		Message *string `json:"message"`
	}
	dec := json.NewDecoder(strings.NewReader(res.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Code == nil || e.Message == nil {
		t.Fatalf("error body %q: want {code, message} (%v)", res.body, err)
	}
	if *e.Code != code {
		t.Errorf("code = %d (%q), want %d", *e.Code, *e.Message, code)
	}
}

// wantGone checks that the sid is unknown to the server.
func (h *harness) wantGone(sid string) {
	h.t.Helper()
	wantError(h.t, h.do(http.MethodGet, sidQuery(sid), "", nil), http.StatusBadRequest, engineio.CodeUnknownSID)
}

// eventually polls cond until it holds or the wait times out.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func waitGETPending(t *testing.T, s *engineio.Session) {
	t.Helper()
	eventually(t, "a GET is pending", func() bool { g, _ := engineio.PollState(s); return g })
}

// wsURL is the WebSocket URL for a query.
func (h *harness) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(h.url(query), "http")
}

// bareWebSocket upgrades a bare TCP connection to a WebSocket-only session,
// for tests that write frames byte by byte. It returns the connection
// (closed when the test ends, with a deadline of waitTimeout) and the
// reader that took the 101 response, which may hold the server's first
// frames.
func (h *harness) bareWebSocket() (net.Conn, *bufio.Reader) {
	h.t.Helper()
	conn, err := net.Dial("tcp", h.ts.Listener.Addr().String())
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(waitTimeout))
	fmt.Fprintf(conn, "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s\r\n"+
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", h.ts.Listener.Addr())
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		h.t.Fatalf("upgrade: %v %v", res, err)
	}
	return conn, br
}

// dial opens a raw WebSocket; the connection is closed when the test ends.
func (h *harness) dial(query string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if opts == nil {
		opts = &websocket.DialOptions{}
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = h.client
	}
	ws, res, err := websocket.Dial(ctx, h.wsURL(query), opts)
	if ws != nil {
		ws.SetReadLimit(-1)
		h.t.Cleanup(func() { _ = ws.CloseNow() })
	}
	return ws, res, err
}

func (h *harness) mustDial(query string) *websocket.Conn {
	h.t.Helper()
	ws, _, err := h.dial(query, nil)
	if err != nil {
		h.t.Fatalf("dial %s: %v", query, err)
	}
	return ws
}

// wsHandshake opens a WebSocket-only session.
func (h *harness) wsHandshake() (*websocket.Conn, openPacket, *rec) {
	h.t.Helper()
	ws := h.mustDial("EIO=4&transport=websocket")
	typ, data := readWS(h.t, ws)
	if typ != websocket.MessageText {
		h.t.Fatalf("first frame is binary: %q", data)
	}
	return ws, parseOpen(h.t, data), h.session()
}

func readWS(t *testing.T, ws *websocket.Conn) (websocket.MessageType, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	typ, b, err := ws.Read(ctx)
	if err != nil {
		t.Fatalf("websocket read: %v", err)
	}
	return typ, string(b)
}

// readText reads one text frame.
func readText(t *testing.T, ws *websocket.Conn) string {
	t.Helper()
	typ, s := readWS(t, ws)
	if typ != websocket.MessageText {
		t.Fatalf("want a text frame, got binary %q", s)
	}
	return s
}

func writeWS(t *testing.T, ws *websocket.Conn, typ websocket.MessageType, data string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := ws.Write(ctx, typ, []byte(data)); err != nil {
		t.Fatalf("websocket write %q: %v", data, err)
	}
}

func writeText(t *testing.T, ws *websocket.Conn, data string) {
	t.Helper()
	writeWS(t, ws, websocket.MessageText, data)
}

// readErr reads until the connection fails and returns that error; frames
// read meanwhile are returned too.
func readErr(t *testing.T, ws *websocket.Conn) ([]string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var frames []string
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("timed out waiting for the websocket to close; read %q", frames)
			}
			return frames, err
		}
		frames = append(frames, string(b))
	}
}

// probe runs the first half of an upgrade: a WebSocket with the sid,
// 2probe, 3probe.
func (h *harness) probe(sid string) *websocket.Conn {
	h.t.Helper()
	ws := h.mustDial("EIO=4&transport=websocket&sid=" + url.QueryEscape(sid))
	writeText(h.t, ws, "2probe")
	if got := readText(h.t, ws); got != "3probe" {
		h.t.Fatalf("probe answer = %q, want 3probe", got)
	}
	return ws
}

// upgrade moves a polling session to WebSocket.
func (h *harness) upgrade(sid string) *websocket.Conn {
	h.t.Helper()
	ws := h.probe(sid)
	writeText(h.t, ws, "5")
	return ws
}

func text(s string) engineio.Message { return engineio.Message{Data: []byte(s)} }

func num(i int) engineio.Message { return text(fmt.Sprint(i)) }

func mustSend(t *testing.T, s *engineio.Session, msgs ...engineio.Message) {
	t.Helper()
	if err := s.Send(msgs...); err != nil {
		t.Fatalf("Send: %v", err)
	}
}

func wantDone(t *testing.T, s *engineio.Session) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(waitTimeout):
		t.Fatal("session not done")
	}
}
