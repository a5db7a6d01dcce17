package engineio_test

// Section B4 (upgrade polling → WebSocket) of protocol.md.

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// B4: the client probes with 2probe on a WebSocket carrying the sid; the
// server answers 3probe on that WebSocket; 5 completes the upgrade.
func TestUpgrade_ProbeAnsweredAndUpgradeCompletes(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) { r.echo = true })
	sid, _, r := h.handshake()
	ws := h.upgrade(sid)
	eventually(t, "the session is on WebSocket", func() bool { return r.s.Transport() == engineio.WebSocket })
	writeText(t, ws, "4over ws")
	if got := readText(t, ws); got != "4over ws" {
		t.Fatalf("echo = %q", got)
	}
}

// B4: a GET pending when the probe succeeds is released with a noop, so
// the client can pause polling.
func TestUpgrade_ProbeReleasesPendingGETWithNoop(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	c := h.asyncGet(sid)
	waitGETPending(t, r.s)
	ws := h.probe(sid)
	if res := h.await(c); res.status != 200 || res.body != "6" {
		t.Fatalf("pending GET = %d %q, want \"6\"", res.status, res.body)
	}
	writeText(t, ws, "5")
	eventually(t, "the session is on WebSocket", func() bool { return r.s.Transport() == engineio.WebSocket })
}

// B4: a GET arriving while the upgrade is in progress gets a noop at once.
func TestUpgrade_GETDuringUpgradeGetsNoop(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, _ := h.handshake()
	ws := h.probe(sid)
	for range 3 {
		if got := h.get(sid); len(got) != 1 || got[0] != "6" {
			t.Fatalf("GET during upgrade = %q, want noop", got)
		}
	}
	writeText(t, ws, "5")
}

// B4: POSTs keep working while the upgrade is in progress.
func TestUpgrade_POSTDuringUpgradeDelivered(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	ws := h.probe(sid)
	h.post(sid, "4mid-upgrade")
	if m := r.message(t); string(m.Data) != "mid-upgrade" {
		t.Fatalf("message = %q", m.Data)
	}
	writeText(t, ws, "5")
}

// B4: packets queued during the upgrade are flushed over the WebSocket
// after 5, in order.
func TestUpgrade_FlushesBufferedPacketsOverWebSocket(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	mustSend(t, r.s, text("before probe"))
	ws := h.probe(sid)
	mustSend(t, r.s, text("during"), engineio.Message{Data: []byte{7}, Binary: true})
	writeText(t, ws, "5")
	mustSend(t, r.s, text("after"))
	want := []string{"4before probe", "4during", "\x07", "4after"}
	for _, w := range want {
		if _, got := readWS(t, ws); got != w {
			t.Fatalf("frame = %q, want %q", got, w)
		}
	}
}

// B4: after the upgrade, polling requests with the sid get 400 and the
// handler sees the session on WebSocket.
func TestUpgrade_PollingAfterUpgradeIs400(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	ws := h.upgrade(sid)
	writeText(t, ws, "4sync") // once delivered, the upgrade is done
	r.message(t)
	if tr := r.s.Transport(); tr != engineio.WebSocket {
		t.Fatalf("transport = %q", tr)
	}
	wantError(t, h.do(http.MethodGet, sidQuery(sid), "", nil), 400, engineio.CodeBadRequest)
	wantError(t, h.do(http.MethodPost, sidQuery(sid), "4x", nil), 400, engineio.CodeBadRequest)
	// The session survives the stray requests.
	mustSend(t, r.s, text("still"))
	if got := readText(t, ws); got != "4still" {
		t.Fatalf("frame = %q", got)
	}
}

// B4/A4: a second WebSocket for a session that is upgrading or upgraded is
// refused, and the first one is not disturbed.
func TestUpgrade_SecondWebSocketRefused(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) { r.echo = true })
	sid, _, r := h.handshake()
	q := "EIO=4&transport=websocket&sid=" + sid

	ws := h.probe(sid) // upgrading
	if _, res, err := h.dial(q, nil); err == nil || res == nil || res.StatusCode != 400 {
		t.Fatalf("second websocket while upgrading: %v", err)
	}
	writeText(t, ws, "5")
	eventually(t, "the session is on WebSocket", func() bool { return r.s.Transport() == engineio.WebSocket })
	if _, res, err := h.dial(q, nil); err == nil || res == nil || res.StatusCode != 400 {
		t.Fatalf("second websocket after upgrade: %v", err)
	}
	writeText(t, ws, "4ok")
	if got := readText(t, ws); got != "4ok" {
		t.Fatalf("echo = %q", got)
	}

	// A WebSocket-only session cannot be "upgraded" again either.
	ws2, o, _ := h.wsHandshake()
	defer ws2.CloseNow()
	if _, res, err := h.dial("EIO=4&transport=websocket&sid="+o.SID, nil); err == nil || res == nil || res.StatusCode != 400 {
		t.Fatalf("second websocket for a websocket session: %v", err)
	}
}

// B4: anything other than 2probe first, or 5 after it, aborts the upgrade:
// the probe WebSocket is closed and the session goes on polling.
func TestUpgrade_UnexpectedProbeMessageAbortsUpgrade(t *testing.T) {
	for _, tc := range []struct{ name, first, second string }{
		{"message instead of probe", "4hello", ""},
		{"wrong probe", "2probx", ""},
		{"message after probe", "2probe", "4hello"},
		{"ping after probe", "2probe", "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil, func(r *rec) { r.echo = true })
			sid, _, r := h.handshake()
			ws := h.mustDial("EIO=4&transport=websocket&sid=" + sid)
			writeText(t, ws, tc.first)
			if tc.second != "" {
				if got := readText(t, ws); got != "3probe" {
					t.Fatalf("probe answer = %q", got)
				}
				writeText(t, ws, tc.second)
			}
			if _, err := readErr(t, ws); err == nil {
				t.Fatal("probe websocket still open")
			}
			eventually(t, "the upgrade is dropped", func() bool { return !engineio.Upgrading(r.s) })
			if tr := r.s.Transport(); tr != engineio.Polling {
				t.Fatalf("transport = %q", tr)
			}
			h.post(sid, "4polling")
			if got := h.get(sid); len(got) != 1 || got[0] != "4polling" {
				t.Fatalf("GET = %q", got)
			}
			select {
			case m := <-r.msgs:
				if string(m.Data) != "polling" {
					t.Fatalf("probe traffic delivered: %q", m.Data)
				}
			default:
			}
		})
	}
}

// B4: with no 5 within UpgradeTimeout the probe is dropped; the session
// stays on polling and may try again.
func TestUpgrade_TimeoutDropsProbe(t *testing.T) {
	// Short, but long enough for the second attempt to finish in time.
	h := newHarness(t, &engineio.Options{UpgradeTimeout: 500 * time.Millisecond}, func(r *rec) { r.echo = true })
	sid, _, r := h.handshake()
	ws := h.probe(sid)
	if _, err := readErr(t, ws); err == nil {
		t.Fatal("probe websocket still open")
	}
	eventually(t, "the upgrade is dropped", func() bool { return !engineio.Upgrading(r.s) })
	h.post(sid, "4still polling")
	if got := h.get(sid); len(got) != 1 || got[0] != "4still polling" {
		t.Fatalf("GET = %q", got)
	}
	// A second attempt succeeds.
	ws = h.upgrade(sid)
	writeText(t, ws, "4upgraded")
	if got := readText(t, ws); got != "4upgraded" {
		t.Fatalf("echo = %q", got)
	}
}

// B4: a session closed while its probe is in flight closes the probe.
func TestUpgrade_SessionCloseDropsProbe(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	ws := h.probe(sid)
	r.s.Close()
	if _, err := readErr(t, ws); err == nil {
		t.Fatal("probe websocket still open")
	}
	if got := h.get(sid); len(got) != 1 || got[0] != "1" {
		t.Fatalf("GET = %q, want close", got)
	}
	h.wantGone(sid)
}

// B4: the server sends numbered messages continuously while the client
// upgrades by hand, as the JS client does (probe, pause polling, 5). Every
// number arrives exactly once, in order, across the polling responses and
// the WebSocket frames.
func TestUpgrade_NoPacketLostOrDuplicated(t *testing.T) {
	for i := range 5 {
		t.Run(strconv.Itoa(i), testUpgradeNoPacketLost)
	}
}

func testUpgradeNoPacketLost(t *testing.T) {
	h := newHarness(t, &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour, MaxQueuedPackets: 1 << 20}, nil)
	sid, _, r := h.handshake()

	stop := make(chan struct{})
	var sender sync.WaitGroup
	sender.Go(func() {
		for i := 1; ; i++ {
			select {
			case <-stop:
				_ = r.s.Send(text("end"))
				return
			default:
			}
			if r.s.Send(num(i)) != nil {
				return
			}
			time.Sleep(20 * time.Microsecond)
		}
	})
	var once sync.Once
	stopSender := func() { once.Do(func() { close(stop); sender.Wait() }) }
	defer stopSender()

	var got []string
	viaPolling, viaWS := 0, 0
	add := func(items ...string) {
		for _, it := range items {
			switch {
			case it == "6":
			case strings.HasPrefix(it, "4"):
				got = append(got, it[1:])
			default:
				t.Errorf("unexpected packet %q", it)
			}
		}
	}
	for len(got) < 50 {
		items := h.get(sid)
		add(items...)
	}

	// The poller goes on until told to pause, as the JS client does while it probes.
	pause := make(chan struct{})
	polled := make(chan []string, 1)
	go func() {
		var items []string
		for {
			select {
			case <-pause:
				polled <- items
				return
			default:
			}
			res, err := h.try(http.MethodGet, sidQuery(sid), "", nil)
			if err != nil || res.status != 200 {
				polled <- append(items, "GET failed: "+res.body)
				return
			}
			items = append(items, splitPayload(res.body)...)
		}
	}()
	ws := h.probe(sid)
	close(pause)
	items := <-polled
	add(items...)
	viaPolling = len(got)
	writeText(t, ws, "5")

	for done := false; !done; {
		typ, data := readWS(t, ws)
		if typ != websocket.MessageText {
			t.Fatalf("binary frame %q", data)
		}
		switch {
		case data == "4end":
			done = true
		case strings.HasPrefix(data, "4"):
			got = append(got, data[1:])
			viaWS++
			if viaWS == 200 {
				go stopSender()
			}
		default:
			t.Fatalf("unexpected frame %q", data)
		}
	}
	stopSender()
	for i, s := range got {
		if s != strconv.Itoa(i+1) {
			t.Fatalf("message %d is %q (got %d over polling, %d over websocket); around it: %q",
				i+1, s, viaPolling, viaWS, got[max(0, i-3):min(len(got), i+4)])
		}
	}
	if viaPolling == 0 || viaWS == 0 {
		t.Fatalf("polling %d, websocket %d: the upgrade did not happen mid-stream", viaPolling, viaWS)
	}
}

// B4: a binary probe aborts the upgrade; a noop between 3probe and 5 does
// not.
func TestUpgrade_ProbeFrameKinds(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	ws := h.mustDial("EIO=4&transport=websocket&sid=" + sid)
	writeWS(t, ws, websocket.MessageBinary, "2probe")
	if _, err := readErr(t, ws); err == nil {
		t.Fatal("binary probe accepted")
	}
	eventually(t, "the upgrade is dropped", func() bool { return !engineio.Upgrading(r.s) })

	ws = h.probe(sid)
	writeText(t, ws, "6")
	writeText(t, ws, "5")
	eventually(t, "the session is on WebSocket", func() bool { return r.s.Transport() == engineio.WebSocket })
}

// B4: an upgrade refused at the WebSocket handshake (here: a foreign
// origin) leaves the session on polling, free to upgrade later.
func TestUpgrade_RefusedHandshakeKeepsPolling(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) { r.echo = true })
	sid, _, r := h.handshake()
	_, res, err := h.dial("EIO=4&transport=websocket&sid="+sid, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign-origin upgrade: %v", err)
	}
	if engineio.Upgrading(r.s) || r.s.Transport() != engineio.Polling {
		t.Fatal("the refused upgrade left its mark")
	}
	h.post(sid, "4x")
	if got := h.get(sid); len(got) != 1 || got[0] != "4x" {
		t.Fatalf("GET = %q", got)
	}
	ws := h.upgrade(sid)
	writeText(t, ws, "4y")
	if got := readText(t, ws); got != "4y" {
		t.Fatalf("echo = %q", got)
	}
}
