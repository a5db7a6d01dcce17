package engineio_test

// Section A3 (HTTP long-polling data flow) of protocol.md.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio"
)

func TestPolling_POSTAnswers200OkTextHTML(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	res := h.do(http.MethodPost, sidQuery(sid), "4hello", nil)
	if res.status != 200 || res.body != "ok" {
		t.Fatalf("POST: %d %q", res.status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "text/html" {
		t.Errorf("Content-Type = %q, want text/html", ct)
	}
	if m := r.message(t); string(m.Data) != "hello" || m.Binary {
		t.Errorf("message = %+v", m)
	}
}

// A3: a GET is held open while nothing is queued and answers as soon as
// something is.
func TestPolling_GETHeldUntilPacketQueued(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	c := h.asyncGet(sid)
	waitGETPending(t, r.s)
	select {
	case res := <-c:
		t.Fatalf("GET answered with nothing queued: %+v", res)
	default:
	}
	mustSend(t, r.s, text("late"))
	if res := h.await(c); res.status != 200 || res.body != "4late" {
		t.Fatalf("GET = %d %q", res.status, res.body)
	}
}

// A3: everything queued goes out in one payload, joined by \x1e.
func TestPolling_QueuedPacketsSentInOnePayload(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	mustSend(t, r.s, text("a"), text(""), text("ünïcödé ✓"))
	mustSend(t, r.s, text("d"))
	res := h.do(http.MethodGet, sidQuery(sid), "", nil)
	if want := "4a\x1e4\x1e4ünïcödé ✓\x1e4d"; res.body != want {
		t.Fatalf("payload = %q, want %q", res.body, want)
	}
}

// A3: a binary message is b<base64> in a payload, with no type digit, and
// mixes with text.
func TestPolling_BinaryEncodedAsBase64(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	bin := []byte{0, 1, 2, 0x1e, 0xff}
	mustSend(t, r.s, text("t1"), engineio.Message{Data: bin, Binary: true}, text("t2"), engineio.Message{Data: []byte{}, Binary: true})
	got := h.get(sid)
	want := []string{"4t1", "b" + base64.StdEncoding.EncodeToString(bin), "4t2", "b"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("payload = %q, want %q", got, want)
	}
}

// A3: the server decodes b<base64> in POST bodies into binary messages.
func TestPolling_POSTDecodesBase64Binary(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	h.post(sid, "bAQID\x1e4hi\x1ebAA==")
	want := []engineio.Message{{Data: []byte{1, 2, 3}, Binary: true}, text("hi"), {Data: []byte{0}, Binary: true}}
	for _, w := range want {
		if m := r.message(t); !bytes.Equal(m.Data, w.Data) || m.Binary != w.Binary {
			t.Fatalf("message = %+v, want %+v", m, w)
		}
	}
}

func TestPolling_InvalidBase64ClosesSession(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	_ = h.do(http.MethodPost, sidQuery(sid), "b!!!", nil)
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonParseError {
		t.Fatalf("reason = %q", ev.reason)
	}
	h.wantGone(sid)
}

// A3: a second concurrent GET is refused with 400, the session closes, and
// the GET that was pending gets a close packet.
func TestPolling_SecondConcurrentGETClosesSession(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	first := h.asyncGet(sid)
	waitGETPending(t, r.s)
	wantError(t, h.do(http.MethodGet, sidQuery(sid), "", nil), 400, engineio.CodeBadRequest)
	if res := h.await(first); res.status != 200 || res.body != "1" {
		t.Fatalf("pending GET = %d %q, want 200 \"1\"", res.status, res.body)
	}
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportError {
		t.Errorf("reason = %q", ev.reason)
	}
	h.wantGone(sid)
}

// A3: a second concurrent POST is refused with 400 and closes the session.
func TestPolling_SecondConcurrentPOSTClosesSession(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	pr, pw := io.Pipe()
	defer pw.Close()
	firstDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*waitTimeout)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.url(sidQuery(sid)), pr)
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
		res, err := h.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		firstDone <- err
	}()
	if _, err := pw.Write([]byte("4first")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the first POST is being read", func() bool { _, p := engineio.PollState(r.s); return p })
	wantError(t, h.do(http.MethodPost, sidQuery(sid), "4second", nil), 400, engineio.CodeBadRequest)
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportError {
		t.Errorf("reason = %q", ev.reason)
	}
	// The first POST ends too, although its body never will.
	select {
	case <-firstDone:
	case <-time.After(waitTimeout):
		t.Fatal("the first POST was left hanging")
	}
	h.wantGone(sid)
}

// A3: an application/octet-stream POST is refused under EIO=4 (400) and
// closes the session.
func TestPolling_OctetStreamRejected(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	res := h.do(http.MethodPost, sidQuery(sid), "\x04hi", http.Header{"Content-Type": {"application/octet-stream"}})
	wantError(t, res, 400, engineio.CodeBadRequest)
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportError {
		t.Errorf("reason = %q", ev.reason)
	}
	select {
	case m := <-r.msgs:
		t.Errorf("octet-stream body delivered: %+v", m)
	default:
	}
	h.wantGone(sid)
}

// A3: a body the parser cannot read closes the session; later requests get
// 400.
func TestPolling_UnparsableBodyClosesSession(t *testing.T) {
	for _, body := range []string{"abc", "", "4ok\x1e", "4ok\x1e9", "\x1e"} {
		t.Run(body, func(t *testing.T) {
			h := newHarness(t, nil, nil)
			sid, _, r := h.handshake()
			_ = h.do(http.MethodPost, sidQuery(sid), body, nil)
			if ev := r.waitClosed(t); ev.reason != engineio.ReasonParseError {
				t.Errorf("reason = %q", ev.reason)
			}
			h.wantGone(sid)
			wantError(t, h.do(http.MethodPost, sidQuery(sid), "4x", nil), 400, engineio.CodeUnknownSID)
		})
	}
}

// A3: an aborted GET ends the session with "transport error", as the
// reference server does ("poll connection closed prematurely").
func TestPolling_AbortedGETClosesWithTransportError(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.doCtx(ctx, http.MethodGet, sidQuery(sid), "", nil)
		done <- err
	}()
	waitGETPending(t, r.s)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("GET: %v", err)
	}
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportError {
		t.Errorf("reason = %q", ev.reason)
	}
	h.wantGone(sid)
}

// A3: POST and GET of one session run at the same time: the client sends
// while its GET is pending.
func TestPolling_POSTWhileGETPending(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) { r.echo = true })
	sid, _, r := h.handshake()
	c := h.asyncGet(sid)
	waitGETPending(t, r.s)
	h.post(sid, "4ping-pong")
	if res := h.await(c); res.body != "4ping-pong" {
		t.Fatalf("GET = %q", res.body)
	}
}

// A3: the same session handles many request rounds.
func TestPolling_ManyRoundTrips(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) { r.echo = true })
	sid, _, _ := h.handshake()
	for i := range 50 {
		msg := "4" + strings.Repeat("m", i)
		h.post(sid, msg)
		if got := h.get(sid); len(got) != 1 || got[0] != msg {
			t.Fatalf("round %d: %q", i, got)
		}
	}
}

// A3: a POST body over maxPayload gets 413 and the session stays up.
func TestPolling_BodyOverMaxPayloadIs413(t *testing.T) {
	h := newHarness(t, &engineio.Options{MaxPayload: 100}, nil)
	sid, o, r := h.handshake()
	if o.MaxPayload != 100 {
		t.Fatalf("maxPayload = %d", o.MaxPayload)
	}
	exact := "4" + strings.Repeat("x", 99)
	h.post(sid, exact)
	if m := r.message(t); string(m.Data) != exact[1:] {
		t.Fatalf("message of maxPayload bytes: %q", m.Data)
	}
	res := h.do(http.MethodPost, sidQuery(sid), exact+"y", nil)
	if res.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413", res.status)
	}
	select {
	case m := <-r.msgs:
		t.Fatalf("oversized body delivered: %q", m.Data)
	default:
	}
	// The session stays up.
	h.post(sid, "4after")
	if m := r.message(t); string(m.Data) != "after" {
		t.Fatalf("message = %q", m.Data)
	}
	select {
	case ev := <-r.closed:
		t.Fatalf("session closed by 413: %+v", ev)
	default:
	}
}

// A polling body holding more packets than MaxPayloadPackets closes its
// session as a parse error (issue 6: bounded work per request).
func TestPolling_TooManyPacketsInPayloadCloses(t *testing.T) {
	h := newHarness(t, &engineio.Options{MaxPayloadPackets: 3}, nil)
	sid, _, r := h.handshake()
	h.post(sid, "6\x1e6\x1e6")
	wantError(t, h.do(http.MethodPost, sidQuery(sid), "6\x1e6\x1e6\x1e6", nil), 400, engineio.CodeBadRequest)
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonParseError {
		t.Errorf("reason = %q", ev.reason)
	}
	h.wantGone(sid)
}

// After Shutdown, a WebSocket handshake is refused with an HTTP error
// before any upgrade, so the client fails at once.
func TestShutdown_RefusesWebSocketHandshakeBeforeUpgrade(t *testing.T) {
	h := newHarness(t, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	_, res, err := h.dial("EIO=4&transport=websocket", nil)
	if err == nil || res == nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after shutdown: err=%v res=%v, want 503", err, res)
	}
}

// A session closed while its POST's body read is just ending must not
// spoil the client's kept-alive connection: the next long-poll on it, for
// another session, waits as usual instead of finding its request already
// cancelled (which would close that healthy session too).
func TestPolling_POSTInterruptedAtItsEndSparesTheConnection(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.client.Transport.(*http.Transport).MaxConnsPerHost = 1 // one connection for all requests
	sidA, _, _ := h.handshake()
	sidB, _, b := h.handshake()

	defer engineio.SetTestHookPostRead(func(s *engineio.Session, r *http.Request) {
		if s.ID() != sidA {
			return
		}
		s.Close()
		// net/http's background read of the connection fails on the
		// interrupt and cancels the request (the connection's context).
		select {
		case <-r.Context().Done():
		case <-time.After(waitTimeout):
			t.Error("closing the session did not cancel the POST's context")
		}
	})()
	h.do(http.MethodPost, sidQuery(sidA), "4bye", nil)

	got := h.asyncGet(sidB)
	eventually(t, "a GET is pending or the session closed", func() bool {
		g, _ := engineio.PollState(b.s)
		return g || len(b.events()) > 0
	})
	if ev := b.events(); len(ev) > 0 {
		t.Fatalf("the other session ended: %q (%v)", ev, b.waitClosed(t).cause)
	}
	mustSend(t, b.s, text("still here"))
	if res := h.await(got); res.status != http.StatusOK || res.body != "4still here" {
		t.Fatalf("GET for the other session: %d %q", res.status, res.body)
	}
}

// A POST refused for its Content-Type leaves the client's kept-alive
// connection as it was: net/http still reads the body it was sent, and the
// next request on that connection, another session's long-poll, is served.
// (An interrupt of that body read would make net/http close the connection.)
func TestPolling_RefusedPOSTKeepsTheConnection(t *testing.T) {
	h := newHarness(t, nil, nil)
	sidA, _, a := h.handshake()
	sidB, _, b := h.handshake()
	conn, err := net.Dial("tcp", h.ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(waitTimeout))
	br := bufio.NewReader(conn)

	fmt.Fprintf(conn, "POST /engine.io/?%s HTTP/1.1\r\nHost: sio\r\n"+
		"Content-Type: application/octet-stream\r\nContent-Length: 3\r\n\r\n", sidQuery(sidA))
	a.waitClosed(t) // refused before its body is on the wire
	_, _ = conn.Write([]byte("\x04hi"))
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || res.Close {
		t.Fatalf("refused POST: %d, connection closed: %v", res.StatusCode, res.Close)
	}

	mustSend(t, b.s, text("still here"))
	fmt.Fprintf(conn, "GET /engine.io/?%s HTTP/1.1\r\nHost: sio\r\n\r\n", sidQuery(sidB))
	res, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("GET on the same connection: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != "4still here" {
		t.Fatalf("GET for the other session: %d %q", res.StatusCode, body)
	}
	if ev := b.events(); len(ev) > 0 {
		t.Fatalf("the other session ended: %q", ev)
	}
}

// Over HTTP/2 the interrupt's deadline is the stream's: the connection,
// which carries the other sessions' requests too, stays up.
func TestPolling_POSTInterruptedOverHTTP2KeepsTheConnection(t *testing.T) {
	var conns atomic.Int32
	h := newHarnessOn(t, nil, nil, func(handler http.Handler) *httptest.Server {
		ts := httptest.NewUnstartedServer(handler)
		ts.EnableHTTP2 = true
		ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				conns.Add(1)
			}
		}
		ts.StartTLS()
		return ts
	})
	sidA, _, _ := h.handshake()
	sidB, _, b := h.handshake()

	defer engineio.SetTestHookPostRead(func(s *engineio.Session, r *http.Request) {
		if r.ProtoMajor != 2 {
			t.Errorf("request over HTTP/%d, want 2", r.ProtoMajor)
		}
		if s.ID() == sidA {
			s.Close()
		}
	})()
	h.do(http.MethodPost, sidQuery(sidA), "4bye", nil)

	got := h.asyncGet(sidB)
	waitGETPending(t, b.s)
	mustSend(t, b.s, text("still here"))
	if res := h.await(got); res.status != http.StatusOK || res.body != "4still here" {
		t.Fatalf("GET for the other session: %d %q", res.status, res.body)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1: the interrupted POST ended the shared one", n)
	}
}
