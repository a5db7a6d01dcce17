package engineio_test

// Section A4 (WebSocket transport) of protocol.md.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// A4: one packet per frame; a text frame is <type><data>, a binary frame is
// a message with raw bytes, both ways.
func TestWebSocket_OnePacketPerFrame(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, _, r := h.wsHandshake()
	writeText(t, ws, "4hello")
	writeWS(t, ws, websocket.MessageBinary, "\x04\x00\x1e")
	writeText(t, ws, "4")
	want := []engineio.Message{text("hello"), {Data: []byte{4, 0, 0x1e}, Binary: true}, text("")}
	for _, w := range want {
		if m := r.message(t); !bytes.Equal(m.Data, w.Data) || m.Binary != w.Binary {
			t.Fatalf("message = %+v, want %+v", m, w)
		}
	}
	mustSend(t, r.s, text("a"), engineio.Message{Data: []byte{1, 2}, Binary: true}, text("b\x1ec"))
	for _, w := range []struct {
		typ  websocket.MessageType
		data string
	}{{websocket.MessageText, "4a"}, {websocket.MessageBinary, "\x01\x02"}, {websocket.MessageText, "4b\x1ec"}} {
		if typ, data := readWS(t, ws); typ != w.typ || data != w.data {
			t.Fatalf("frame = %v %q, want %v %q", typ, data, w.typ, w.data)
		}
	}
}

// A4: a frame with an invalid packet closes the session.
func TestWebSocket_InvalidPacketClosesSession(t *testing.T) {
	for _, frame := range []string{"abc", "", "7", "/x", ":x"} {
		t.Run(frame, func(t *testing.T) {
			h := newHarness(t, nil, nil)
			ws, o, r := h.wsHandshake()
			writeText(t, ws, frame)
			if _, err := readErr(t, ws); err == nil {
				t.Fatal("websocket still open")
			}
			if ev := r.waitClosed(t); ev.reason != engineio.ReasonParseError {
				t.Errorf("reason = %q", ev.reason)
			}
			wantDone(t, r.s)
			_, res, err := h.dial("EIO=4&transport=websocket&sid="+o.SID, nil)
			if err == nil || res.StatusCode != 400 {
				t.Errorf("sid still known after parse error: %v", err)
			}
		})
	}
}

// A4: a message larger than maxPayload closes the connection with 1009.
func TestWebSocket_MessageOverMaxPayloadCloses1009(t *testing.T) {
	for _, typ := range []websocket.MessageType{websocket.MessageText, websocket.MessageBinary} {
		t.Run(typ.String(), func(t *testing.T) {
			h := newHarness(t, &engineio.Options{MaxPayload: 100}, nil)
			ws, o, r := h.wsHandshake()
			if o.MaxPayload != 100 {
				t.Fatalf("maxPayload = %d", o.MaxPayload)
			}
			exact := "4" + strings.Repeat("x", 99)
			writeWS(t, ws, typ, exact)
			if m := r.message(t); len(m.Data) != 99 && len(m.Data) != 100 {
				t.Fatalf("message of maxPayload bytes: %d bytes", len(m.Data))
			}
			writeWS(t, ws, typ, exact+"y")
			_, err := readErr(t, ws)
			if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
				t.Fatalf("close status = %v (%v), want 1009", got, err)
			}
			if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportError {
				t.Errorf("reason = %q", ev.reason)
			}
			select {
			case m := <-r.msgs:
				t.Errorf("oversized message delivered: %d bytes", len(m.Data))
			default:
			}
		})
	}
}

// A4: the default read limit of the WebSocket library (32 KiB) does not
// apply: maxPayload does.
func TestWebSocket_MessagesUpToMaxPayloadAccepted(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) { r.echo = true })
	ws, _, _ := h.wsHandshake()
	big := "4" + strings.Repeat("z", 200_000)
	writeText(t, ws, big)
	if got := readText(t, ws); got != big {
		t.Fatalf("echo of %d bytes came back as %d", len(big), len(got))
	}
}

// A4 over TLS: the connection is a *tls.Conn, which the server reads and
// writes through net.Conn (no raw socket, and its reader never parks):
// short and long messages both ways, a burst from the server, a reader
// past its park delay, and the client's close.
func TestWebSocket_OverTLS(t *testing.T) {
	h := newHarnessOn(t, nil, func(r *rec) { r.echo = true }, httptest.NewTLSServer)
	if !strings.HasPrefix(h.wsURL(""), "wss://") {
		t.Fatalf("not over TLS: %s", h.wsURL(""))
	}
	ws, _, r := h.wsHandshake()
	writeText(t, ws, "4hello")
	if got := readText(t, ws); got != "4hello" {
		t.Fatalf("echo: %q", got)
	}
	big := "4" + strings.Repeat("z", 200_000)
	writeText(t, ws, big)
	if got := readText(t, ws); got != big {
		t.Fatalf("echo of %d bytes came back as %d", len(big), len(got))
	}
	for i := range 100 {
		mustSend(t, r.s, num(i))
	}
	for i := range 100 {
		if got, want := readText(t, ws), fmt.Sprint("4", i); got != want {
			t.Fatalf("message %d: %q, want %q", i, got, want)
		}
	}
	time.Sleep(engineio.ParkAfter + 100*time.Millisecond)
	writeWS(t, ws, websocket.MessageBinary, "after a pause")
	if typ, got := readWS(t, ws); typ != websocket.MessageBinary || got != "after a pause" {
		t.Fatalf("after a pause: %v %q", typ, got)
	}
	_ = ws.Close(websocket.StatusNormalClosure, "")
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportClose {
		t.Errorf("reason = %q (%v)", ev.reason, ev.cause)
	}
	wantDone(t, r.s)

	// And the server's close, answered by the client.
	ws2, _, r2 := h.wsHandshake()
	r2.s.Close()
	if _, err := readErr(t, ws2); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("after the server's close: %v, want close 1000", err)
	}
	wantDone(t, r2.s)
}

// A4: permessage-deflate is off by default and negotiated when enabled.
func TestWebSocket_PerMessageDeflateIsOptional(t *testing.T) {
	offer := &websocket.DialOptions{CompressionMode: websocket.CompressionNoContextTakeover}
	h := newHarness(t, nil, nil)
	ws, res, err := h.dial("EIO=4&transport=websocket", offer)
	if err != nil {
		t.Fatal(err)
	}
	if ext := res.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
		t.Errorf("deflate negotiated by default: %q", ext)
	}
	_ = ws.CloseNow()

	h = newHarness(t, &engineio.Options{PerMessageDeflate: &engineio.Deflate{Threshold: 16}}, func(r *rec) { r.echo = true })
	ws, res, err = h.dial("EIO=4&transport=websocket", &websocket.DialOptions{CompressionMode: websocket.CompressionNoContextTakeover})
	if err != nil {
		t.Fatal(err)
	}
	if ext := res.Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
		t.Errorf("deflate not negotiated: %q", ext)
	}
	parseOpen(t, readText(t, ws))
	h.session()
	msg := "4" + strings.Repeat("compress me ", 100)
	writeText(t, ws, msg)
	if got := readText(t, ws); got != msg {
		t.Fatalf("echo = %q", got)
	}
}

// An idle WebSocket's reader parks after engineio.ParkAfter; data wakes it, and so
// does the end of the connection.
func TestWireParkedReaderResumes(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, _, r := h.wsHandshake()
	time.Sleep(engineio.ParkAfter + 300*time.Millisecond)
	writeText(t, ws, "4after the park")
	if m := r.message(t); string(m.Data) != "after the park" {
		t.Fatalf("got %q", m.Data)
	}
	time.Sleep(engineio.ParkAfter + 300*time.Millisecond)
	_ = ws.CloseNow()
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportClose {
		t.Errorf("reason %q", ev.reason)
	}
}

// A reader parks as soon as it has read a pong, without waiting parkAfter
// (an hour here): the heartbeat of an idle connection costs a wake-up, not
// a goroutine kept until a timer fires.
func TestWireReaderParksAfterPong(t *testing.T) {
	t.Cleanup(engineio.SetParkAfter(time.Hour)) // runs after the harness's cleanup
	h := newHarness(t, &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: waitTimeout}, nil)
	ws, _, r := h.wsHandshake()
	if got := readText(t, ws); got != "2" {
		t.Fatalf("want a ping, got %q", got)
	}
	if engineio.Parked(r.s) {
		t.Fatal("the reader parked before any pong")
	}
	writeText(t, ws, "3")
	eventually(t, "the reader parks after the pong", func() bool { return engineio.Parked(r.s) })
	writeText(t, ws, "4after the pong")
	if m := r.message(t); string(m.Data) != "after the pong" {
		t.Fatalf("got %q", m.Data)
	}
}

// A graceful close of a session whose reader has parked still waits for
// the client's answer to the close frame before it drops the connection.
// The client here is a bare socket, so it can answer late.
func TestWireParkedReaderClosesWithHandshake(t *testing.T) {
	h := newHarness(t, nil, nil)
	c, br := h.bareWebSocket()
	frame := func() (op byte, payload []byte) {
		t.Helper()
		var hdr [2]byte
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			t.Fatalf("reading a frame: %v", err)
		}
		payload = make([]byte, hdr[1]&0x7f) // the server's frames here are short
		if _, err := io.ReadFull(br, payload); err != nil {
			t.Fatalf("reading a frame: %v", err)
		}
		return hdr[0] & 0x0f, payload
	}
	if op, p := frame(); op != 1 || p[0] != '0' {
		t.Fatalf("first frame: op %d %q", op, p)
	}
	r := h.session()
	time.Sleep(engineio.ParkAfter + 300*time.Millisecond)
	r.s.Close()
	if op, p := frame(); op != 8 || len(p) < 2 || int(p[0])<<8|int(p[1]) != int(websocket.StatusNormalClosure) {
		t.Fatalf("want a close frame 1000, got op %d %q", op, p)
	}
	// Answer late: the connection must still be open meanwhile.
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := br.ReadByte(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the server dropped the connection before the client answered its close: %v", err)
	}
	_ = c.SetDeadline(time.Now().Add(waitTimeout))
	if _, err := c.Write([]byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8}); err != nil { // close 1000, zero mask
		t.Fatal(err)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the handshake: %v, want the connection closed", err)
	}
}

// Small and big messages (big ones leave by reference, in writes of many
// pieces) to a client that reads only once all are sent: the writes stop
// short at whatever point the kernel's buffers fill, and every message
// still arrives whole and in order.
func TestWebSocket_BigAndSmallMessagesCutShort(t *testing.T) {
	h := newHarness(t, &engineio.Options{MaxQueuedBytes: 64 << 20}, nil)
	ws, _, r := h.wsHandshake()
	defer ws.CloseNow()
	msg := func(i int) engineio.Message {
		size := 10 + i%7
		if i%3 != 0 {
			size = 8<<10 + i*97%(60<<10) // 8 KiB and more: by reference
		}
		return engineio.Message{Data: bytes.Repeat([]byte{'a' + byte(i%26)}, size), Binary: i%2 == 0}
	}
	const n = 600 // about 12 MB
	for i := range n {
		if err := r.s.Send(msg(i)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	for i := range n {
		typ, got := readWS(t, ws)
		m := msg(i)
		want := string(m.Data)
		if !m.Binary {
			want = "4" + want
		}
		if m.Binary != (typ == websocket.MessageBinary) || want != got {
			t.Fatalf("message %d: got %d bytes (binary %v), want %d (binary %v)",
				i, len(got), typ == websocket.MessageBinary, len(want), m.Binary)
		}
	}
}
