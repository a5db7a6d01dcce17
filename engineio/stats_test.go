package engineio_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// Stats counts sessions by transport, opens, closes by reason, upgrades,
// messages and bytes both ways, volatile drops, slow consumers, refused
// requests by code and 413s.
func TestStats_CountsWhatHappens(t *testing.T) {
	h := newHarness(t, &engineio.Options{MaxPayload: 100, MaxQueuedPackets: 8}, func(r *rec) { r.echo = true })
	sid, _, r := h.handshake()
	h.post(sid, "4hello\x1ebAQID") // 2 messages in: 5 + 3 bytes
	r.message(t)
	r.message(t)
	if got := h.get(sid); len(got) != 2 { // 2 messages out
		t.Fatalf("GET = %q", got)
	}
	if r.s.SendVolatile(text("dropped")) { // no GET pending
		t.Fatal("volatile sent")
	}
	_ = h.do(http.MethodPost, sidQuery(sid), "4"+strings.Repeat("x", 100), nil) // 413
	wantError(t, h.do(http.MethodGet, "EIO=3&transport=polling", "", nil), 400, engineio.CodeUnsupported)
	wantError(t, h.do(http.MethodGet, sidQuery("nope"), "", nil), 400, engineio.CodeUnknownSID)

	ws, _, r2 := h.wsHandshake()
	writeText(t, ws, "4abc") // in: 3 bytes
	if got := readText(t, ws); got != "4abc" {
		t.Fatalf("echo = %q", got)
	}
	sid3, _, r3 := h.handshake()
	ws3 := h.upgrade(sid3)
	writeText(t, ws3, "4z")
	r3.message(t)
	readText(t, ws3)

	// Messages out are counted once written, which the client may see first.
	eventually(t, "the last echo is counted", func() bool { return h.srv.Stats().MessagesOut == 4 })
	s := h.srv.Stats()
	if s.PollingSessions != 1 || s.WebSocketSessions != 2 || s.SessionsOpened != 3 || s.Upgrades != 1 {
		t.Errorf("sessions: %+v", s)
	}
	if s.MessagesIn != 4 || s.BytesIn != 12 || s.MessagesOut != 4 || s.BytesOut != 12 {
		t.Errorf("traffic: in %d/%d out %d/%d, want 4/12 both ways", s.MessagesIn, s.BytesIn, s.MessagesOut, s.BytesOut)
	}
	if s.VolatileDropped != 1 || s.PayloadTooLarge != 1 {
		t.Errorf("volatile dropped %d, 413s %d", s.VolatileDropped, s.PayloadTooLarge)
	}
	if s.RequestErrors[engineio.CodeUnsupported] != 1 || s.RequestErrors[engineio.CodeUnknownSID] != 1 {
		t.Errorf("request errors %v", s.RequestErrors)
	}

	for range 8 {
		_ = r.s.Send(text("fill"))
	}
	_ = r.s.Send(text("overflow")) // slow consumer
	r.waitClosed(t)
	r2.s.Close()
	r2.waitClosed(t)
	_, _ = readErr(t, ws)
	_ = ws3.CloseNow()
	r3.waitClosed(t)
	eventually(t, "the counters settle", func() bool {
		s := h.srv.Stats()
		return s.PollingSessions == 0 && s.WebSocketSessions == 0
	})
	s = h.srv.Stats()
	if s.SlowConsumers != 1 {
		t.Errorf("slow consumers %d", s.SlowConsumers)
	}
	want := map[string]uint64{engineio.ReasonTransportError: 1, engineio.ReasonTransportClose: 1, engineio.ReasonForcedClose: 1}
	for reason, n := range s.SessionsClosed {
		if n != want[reason] {
			t.Errorf("closed with %q: %d, want %d", reason, n, want[reason])
		}
	}
}
