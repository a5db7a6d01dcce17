package engineio_test

// Section B1 (packet types) and B2 (heartbeat) of protocol.md.

import (
	"net/http"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// B1: a leading character that is no packet type closes the session, on
// both transports.
func TestPacket_UnknownTypeClosesSession(t *testing.T) {
	for _, p := range []string{"7", "8x", "9", "x", "/"} {
		t.Run("polling/"+p, func(t *testing.T) {
			h := newHarness(t, nil, nil)
			sid, _, r := h.handshake()
			_ = h.do(http.MethodPost, sidQuery(sid), p, nil)
			if ev := r.waitClosed(t); ev.reason != engineio.ReasonParseError {
				t.Errorf("reason = %q", ev.reason)
			}
			h.wantGone(sid)
		})
		t.Run("websocket/"+p, func(t *testing.T) {
			h := newHarness(t, nil, nil)
			ws, _, r := h.wsHandshake()
			writeText(t, ws, p)
			if ev := r.waitClosed(t); ev.reason != engineio.ReasonParseError {
				t.Errorf("reason = %q", ev.reason)
			}
			if _, err := readErr(t, ws); err == nil {
				t.Error("websocket still open")
			}
		})
	}
}

// B1: the known types a client may send that carry no meaning for the
// server (open, upgrade and noop outside an upgrade) are ignored, not errors.
func TestPacket_HarmlessTypesIgnored(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) { r.echo = true })
	sid, _, _ := h.handshake()
	h.post(sid, "6\x1e0\x1e5\x1e4still open")
	if got := h.get(sid); len(got) != 1 || got[0] != "4still open" {
		t.Fatalf("GET = %q", got)
	}
}

// B1: an empty message is valid; the echo of "4" is "4".
func TestPacket_EmptyMessageEchoed(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) { r.echo = true })
	sid, _, r := h.handshake()
	h.post(sid, "4")
	if m := r.message(t); len(m.Data) != 0 || m.Binary {
		t.Fatalf("message = %+v", m)
	}
	if got := h.get(sid); len(got) != 1 || got[0] != "4" {
		t.Fatalf("GET = %q", got)
	}
	ws, _, _ := h.wsHandshake()
	writeText(t, ws, "4")
	if got := readText(t, ws); got != "4" {
		t.Fatalf("websocket echo = %q", got)
	}
}

// B1: text is UTF-8, and goes through both transports untouched.
func TestPacket_UTF8TextRoundTrip(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) { r.echo = true })
	const s = "4héllo wörld ✓ 😀 \u2028 \x00 end"
	sid, _, _ := h.handshake()
	h.post(sid, s)
	if got := h.get(sid); len(got) != 1 || got[0] != s {
		t.Fatalf("polling echo = %q", got)
	}
	ws, _, _ := h.wsHandshake()
	writeText(t, ws, s)
	if got := readText(t, ws); got != s {
		t.Fatalf("websocket echo = %q", got)
	}
}

// B1: the record separator splits a polling payload, so each piece is a
// packet of its own.
func TestPacket_RecordSeparatorSplitsPayload(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	h.post(sid, "4a\x1e4b\x1e4\x1e4c")
	for _, want := range []string{"a", "b", "", "c"} {
		if m := r.message(t); string(m.Data) != want {
			t.Fatalf("message = %q, want %q", m.Data, want)
		}
	}
}

// B2: the server pings every pingInterval; a pong within pingTimeout keeps
// the session alive (WebSocket).
func TestHeartbeat_ServerPingsAndPongKeepsSessionAlive(t *testing.T) {
	h := newHarness(t, &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 2 * time.Second}, nil)
	ws, _, r := h.wsHandshake()
	for range 8 {
		if got := readText(t, ws); got != "2" {
			t.Fatalf("frame = %q, want ping", got)
		}
		writeText(t, ws, "3")
	}
	select {
	case ev := <-r.closed:
		t.Fatalf("closed while answering pings: %+v", ev)
	default:
	}
}

// B2: the server keeps pinging steadily on polling too.
func TestHeartbeat_ServerPingsSteadilyOverPolling(t *testing.T) {
	h := newHarness(t, &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 2 * time.Second}, nil)
	sid, _, r := h.handshake()
	for range 6 {
		if got := h.get(sid); len(got) != 1 || got[0] != "2" {
			t.Fatalf("GET = %q, want a ping", got)
		}
		h.post(sid, "3")
	}
	select {
	case ev := <-r.closed:
		t.Fatalf("closed while answering pings: %+v", ev)
	default:
	}
}

// B2: the heartbeat timer starts when the session is created: a polling
// client that never makes another request after the handshake is dropped
// after pingInterval+pingTimeout.
func TestHeartbeat_TimerStartsAtHandshake(t *testing.T) {
	h := newHarness(t, &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond}, nil)
	sid, _, r := h.handshake()
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonPingTimeout {
		t.Fatalf("reason = %q", ev.reason)
	}
	h.wantGone(sid)
}

// B2: with no pong within pingTimeout, the session is removed at once: a
// later GET/POST gets 400, and the handler sees "ping timeout".
func TestHeartbeat_PingTimeoutRemovesSession(t *testing.T) {
	// The client polls but never answers the ping: each GET gets the ping
	// or, when pending as the timeout strikes, the close packet.
	pollUnanswered := func(h *harness, sid string) (last response) {
		for {
			res := h.do(http.MethodGet, sidQuery(sid), "", nil)
			if res.status != 200 || res.body != "2" {
				return res
			}
		}
	}
	t.Run("polling", func(t *testing.T) {
		h := newHarness(t, &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 100 * time.Millisecond}, nil)
		sid, _, r := h.handshake()
		if ev := r.waitClosed(t); ev.reason != engineio.ReasonPingTimeout {
			t.Fatalf("reason = %q", ev.reason)
		}
		wantDone(t, r.s)
		h.wantGone(sid)
		wantError(t, h.do(http.MethodPost, sidQuery(sid), "3", nil), 400, engineio.CodeUnknownSID)
	})
	t.Run("polling with pending GET", func(t *testing.T) {
		h := newHarness(t, &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: time.Second}, nil)
		sid, _, r := h.handshake()
		// The GET pending when the timeout strikes learns that the session closed.
		if res := pollUnanswered(h, sid); res.status != 200 || res.body != "1" {
			t.Fatalf("pending GET = %d %q, want \"1\"", res.status, res.body)
		}
		if ev := r.waitClosed(t); ev.reason != engineio.ReasonPingTimeout {
			t.Fatalf("reason = %q", ev.reason)
		}
		h.wantGone(sid)
	})
	t.Run("websocket", func(t *testing.T) {
		h := newHarness(t, &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 100 * time.Millisecond}, nil)
		ws, o, r := h.wsHandshake()
		frames, err := readErr(t, ws)
		if len(frames) == 0 || frames[0] != "2" {
			t.Errorf("frames before close = %q, want a ping", frames)
		}
		if err == nil {
			t.Fatal("websocket still open")
		}
		if ev := r.waitClosed(t); ev.reason != engineio.ReasonPingTimeout {
			t.Fatalf("reason = %q", ev.reason)
		}
		wantDone(t, r.s)
		_, res, err := h.dial("EIO=4&transport=websocket&sid="+o.SID, nil)
		if err == nil || res.StatusCode != 400 {
			t.Errorf("sid still known: %v", err)
		}
	})
}

// B2: in v4 only the server pings; a client ping is "invalid heartbeat
// direction" and closes the session.
func TestHeartbeat_ClientPingClosesSession(t *testing.T) {
	t.Run("polling", func(t *testing.T) {
		h := newHarness(t, nil, nil)
		sid, _, r := h.handshake()
		_ = h.do(http.MethodPost, sidQuery(sid), "2", nil)
		if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportError {
			t.Fatalf("reason = %q", ev.reason)
		}
		h.wantGone(sid)
	})
	t.Run("websocket", func(t *testing.T) {
		h := newHarness(t, nil, nil)
		ws, _, r := h.wsHandshake()
		writeText(t, ws, "2")
		if ev := r.waitClosed(t); ev.reason != engineio.ReasonTransportError {
			t.Fatalf("reason = %q", ev.reason)
		}
		if _, err := readErr(t, ws); err == nil {
			t.Fatal("websocket still open")
		}
	})
}

// B2: an unsolicited pong is harmless.
func TestHeartbeat_UnsolicitedPongIgnored(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) { r.echo = true })
	sid, _, _ := h.handshake()
	h.post(sid, "3\x1e3\x1e4x")
	if got := h.get(sid); len(got) != 1 || got[0] != "4x" {
		t.Fatalf("GET = %q", got)
	}
}

// B1: text is UTF-8: a text message that is not closes its session as a
// parse error, on both transports; binary messages may hold any bytes.
func TestPacket_InvalidUTF8TextClosesSession(t *testing.T) {
	t.Run("polling", func(t *testing.T) {
		h := newHarness(t, nil, nil)
		sid, _, r := h.handshake()
		h.post(sid, "b/w==") // binary 0xff: fine
		if m := r.message(t); !m.Binary || len(m.Data) != 1 || m.Data[0] != 0xff {
			t.Fatalf("binary message = %+v", m)
		}
		_ = h.do(http.MethodPost, sidQuery(sid), "4\xff\xfe", nil)
		if ev := r.waitClosed(t); ev.reason != engineio.ReasonParseError {
			t.Fatalf("reason = %q", ev.reason)
		}
		h.wantGone(sid)
	})
	t.Run("websocket", func(t *testing.T) {
		h := newHarness(t, nil, nil)
		ws, _, r := h.wsHandshake()
		writeText(t, ws, "4caf\xc3")
		if ev := r.waitClosed(t); ev.reason != engineio.ReasonParseError {
			t.Fatalf("reason = %q", ev.reason)
		}
		if _, err := readErr(t, ws); err == nil {
			t.Fatal("websocket still open")
		}
	})
}
