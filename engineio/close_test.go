package engineio_test

// Section B3 (close) of protocol.md, and the close paths of the API.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// B3: a client close packet over polling closes the session; the pending
// GET is released with a noop, then the sid is unknown.
func TestClose_ClientCloseOverPollingReleasesGETWithNoop(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	c := h.asyncGet(sid)
	waitGETPending(t, r.s)
	h.post(sid, "1")
	if res := h.await(c); res.status != 200 || res.body != "6" {
		t.Fatalf("pending GET = %d %q, want \"6\"", res.status, res.body)
	}
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportClose {
		t.Errorf("reason = %q", ev.reason)
	}
	wantDone(t, r.s)
	h.wantGone(sid)
}

// B3: a close packet after messages in the same payload: the messages are
// delivered, then the session closes.
func TestClose_ClientCloseAfterMessagesInOnePayload(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	h.post(sid, "4a\x1e4b\x1e1\x1e4never")
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportClose {
		t.Errorf("reason = %q", ev.reason)
	}
	if got := r.events(); len(got) != 3 || got[0] != "msg:a" || got[1] != "msg:b" {
		t.Errorf("events = %q, want a, b, closed", got)
	}
	h.wantGone(sid)
}

// B3: a client close packet over WebSocket closes the WebSocket at once
// (well before any ping timeout).
func TestClose_ClientCloseOverWebSocketClosesAtOnce(t *testing.T) {
	h := newHarness(t, &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour}, nil)
	ws, _, r := h.wsHandshake()
	writeText(t, ws, "1")
	if _, err := readErr(t, ws); err == nil {
		t.Fatal("websocket still open")
	}
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportClose {
		t.Errorf("reason = %q", ev.reason)
	}
	wantDone(t, r.s)
}

// B3: a server-side close over polling sends "1" in the next GET; then the
// sid is unknown.
func TestClose_ServerCloseSendsClosePacketInNextGET(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	r.s.Close()
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonForcedClose {
		t.Errorf("reason = %q", ev.reason)
	}
	if got := h.get(sid); len(got) != 1 || got[0] != "1" {
		t.Fatalf("GET = %q, want close", got)
	}
	wantDone(t, r.s)
	h.wantGone(sid)
}

// B3: what was queued before a server-side close is delivered first, and
// the close packet comes in a payload of its own, as the reference server
// sends it: the Socket.IO client handles the packets of a payload only
// after its close packet, so messages sharing one with it are lost.
func TestClose_ServerClosePacketComesAloneAfterQueuedPackets(t *testing.T) {
	for _, pending := range []bool{false, true} {
		t.Run(map[bool]string{false: "next GET", true: "pending GET"}[pending], func(t *testing.T) {
			h := newHarness(t, nil, nil)
			sid, _, r := h.handshake()
			var c <-chan response
			if pending {
				c = h.asyncGet(sid)
				waitGETPending(t, r.s)
			}
			mustSend(t, r.s, text("ack"), text("bye"))
			r.s.Close()
			var got []string
			for !slices.Contains(got, "1") {
				var res response
				if c != nil {
					res, c = h.await(c), nil
				} else {
					res = h.do(http.MethodGet, sidQuery(sid), "", nil)
				}
				if res.status != 200 {
					t.Fatalf("after %q: %d %q", got, res.status, res.body)
				}
				if strings.Contains(res.body, "1") && res.body != "1" {
					t.Fatalf("close packet shares a payload: %q", res.body)
				}
				got = append(got, splitPayload(res.body)...)
			}
			if strings.Join(got, ",") != "4ack,4bye,1" {
				t.Fatalf("packets = %q", got)
			}
			wantDone(t, r.s)
			h.wantGone(sid)
		})
	}
}

// B3: a server-side close releases a pending GET with "1".
func TestClose_ServerCloseReleasesPendingGETWithClosePacket(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	c := h.asyncGet(sid)
	waitGETPending(t, r.s)
	r.s.Close()
	if res := h.await(c); res.body != "1" {
		t.Fatalf("pending GET = %q, want \"1\"", res.body)
	}
	wantDone(t, r.s)
	h.wantGone(sid)
}

// B3: a server-side close over WebSocket flushes what is queued, then
// closes the WebSocket normally.
func TestClose_ServerCloseOverWebSocketFlushesThenCloses(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, _, r := h.wsHandshake()
	mustSend(t, r.s, text("a"), text("b"))
	r.s.Close()
	frames, err := readErr(t, ws)
	if len(frames) != 2 || frames[0] != "4a" || frames[1] != "4b" {
		t.Errorf("frames = %q", frames)
	}
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("close = %v, want 1000", err)
	}
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonForcedClose {
		t.Errorf("reason = %q", ev.reason)
	}
	wantDone(t, r.s)
}

// Session.Close may be called any number of times, from any goroutine;
// Closed runs once and Send then fails with ErrClosed.
func TestClose_Idempotent(t *testing.T) {
	h := newHarness(t, nil, nil)
	_, _, r := h.handshake()
	ws, _, r2 := h.wsHandshake()
	for _, s := range []*engineio.Session{r.s, r2.s} {
		done := make(chan struct{})
		for range 8 {
			go func() { s.Close(); done <- struct{}{} }()
		}
		for range 8 {
			<-done
		}
		s.Close()
		if err := s.Send(text("x")); !errors.Is(err, engineio.ErrClosed) {
			t.Errorf("Send after Close = %v", err)
		}
		if s.SendVolatile(text("x")) {
			t.Error("SendVolatile after Close succeeded")
		}
	}
	for _, x := range []*rec{r, r2} {
		if ev := x.waitClosed(t); ev.reason != engineio.ReasonForcedClose {
			t.Errorf("reason = %q", ev.reason)
		}
	}
	_, _ = readErr(t, ws)
	wantDone(t, r2.s)
	if err := h.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.Close(); err != nil {
		t.Fatal(err)
	}
	// The recorder counts a second Closed as an overlap (checked at cleanup).
}

// The close reasons the SessionHandler sees, one per path.
func TestReason_TransportCloseWhenClientClosesWebSocket(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, _, r := h.wsHandshake()
	if err := ws.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatal(err)
	}
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportClose {
		t.Errorf("reason = %q", ev.reason)
	}
	wantDone(t, r.s)
}

// A WebSocket whose connection just ends (no close frame: the client's
// process died) is "transport close", as in the reference server.
func TestReason_TransportCloseWhenConnectionDrops(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, _, r := h.wsHandshake()
	_ = ws.CloseNow() // no close frame: the TCP connection just ends
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportClose {
		t.Errorf("reason = %q", ev.reason)
	}
	wantDone(t, r.s)

	// Likewise after an upgrade.
	sid, _, r2 := h.handshake()
	ws = h.upgrade(sid)
	eventually(t, "upgraded", func() bool { return r2.s.Transport() == engineio.WebSocket })
	_ = ws.CloseNow()
	if ev := r2.waitClosed(t); ev.reason != engineio.ReasonTransportClose {
		t.Errorf("after upgrade: reason = %q", ev.reason)
	}
}

// A WebSocket that breaks the protocol at the frame level is "transport
// error" (a message over maxPayload is another case, tested with A4).
func TestReason_TransportErrorOnBadFrame(t *testing.T) {
	h := newHarness(t, nil, nil)
	conn, _ := h.bareWebSocket()
	r := h.session()
	// A client's frames must be masked: this one is not.
	if _, err := conn.Write([]byte{0x81, 0x02, '4', 'x'}); err != nil {
		t.Fatal(err)
	}
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportError {
		t.Errorf("reason = %q (%v)", ev.reason, ev.cause)
	}
	wantDone(t, r.s)
}

// A client that dies in the middle of a long message ends its session
// as "transport close": the read of the payload's rest meets the end of
// the connection rather than waiting for bytes that will never come.
func TestReason_TransportCloseInsideAMessage(t *testing.T) {
	h := newHarness(t, nil, nil)
	conn, _ := h.bareWebSocket()
	r := h.session()
	// A masked text frame announcing 70,000 bytes (a 64-bit length, zero
	// mask), of which only 2,000 come: more than one read's buffer.
	frame := binary.BigEndian.AppendUint64([]byte{0x81, 0x80 | 127}, 70_000)
	frame = append(frame, 0, 0, 0, 0, '4')
	frame = append(frame, bytes.Repeat([]byte{'x'}, 1999)...)
	if _, err := conn.Write(frame); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close()
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportClose {
		t.Errorf("reason = %q (%v)", ev.reason, ev.cause)
	}
	wantDone(t, r.s)
}

func TestReason_ParseError(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	_ = h.do(http.MethodPost, sidQuery(sid), "abc", nil)
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonParseError || ev.cause == nil {
		t.Errorf("closed = %+v, want parse error with a cause", ev)
	}
}

func TestReason_ForcedClose(t *testing.T) {
	h := newHarness(t, nil, nil)
	_, _, r := h.handshake()
	r.s.Close()
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonForcedClose || ev.cause != nil {
		t.Errorf("closed = %+v", ev)
	}
}

func TestReason_ServerShuttingDownOnClose(t *testing.T) {
	h := newHarness(t, nil, nil)
	_, _, r := h.handshake()
	ws, _, r2 := h.wsHandshake()
	if err := h.srv.Close(); err != nil {
		t.Fatal(err)
	}
	for _, x := range []*rec{r, r2} {
		if ev := x.waitClosed(t); ev.reason != engineio.ReasonShuttingDown {
			t.Errorf("reason = %q", ev.reason)
		}
		wantDone(t, x.s)
	}
	if _, err := readErr(t, ws); err == nil {
		t.Error("websocket still open")
	}
}
