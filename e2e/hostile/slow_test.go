package hostile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

const (
	slowNormal        = 20                     // well-behaved clients
	slowBroadcastSize = 16 << 10               // bytes of each broadcast
	slowBroadcastGap  = 250 * time.Millisecond // per client
	slowEchoGap       = 20 * time.Millisecond  // per client
	slowPhase         = 2 * time.Second        // before and after
	slowMaxStall      = 30 * time.Second       // the stalled client must be gone by then
	// The server's per-session bound (engineio.Options.MaxQueuedBytes
	// default): the stalled session may hold that in its queue plus the
	// batch its writer is stuck on.
	maxQueuedBytes = 8 << 20
)

// TestSlowConsumer runs well-behaved clients that echo and broadcast while
// one client stops reading. The others' echo latency must stay sane, the
// server's memory bounded, and the stalled client must be disconnected.
// The heartbeat is left at its defaults (25 s + 20 s) so that only the
// outbound queue bound or the write timeout can catch the stalled client.
func TestSlowConsumer(t *testing.T) {
	srv := startServer(t, "-pprof", "-max-payload", "1000000")
	fig := newFigures(t, "slow-consumer")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	clients := make([]*client, slowNormal)
	for i := range clients {
		c, err := dial(ctx, transportWS, srv.base)
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		if err := c.connect(ctx); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		c.countBroadcasts.Store(true)
		clients[i] = c
		defer c.kill()
	}
	rss0, _ := srv.rss()
	heap0, _, _ := srv.heap()

	// Phase 1: echo latency with no stalled client and no broadcasts.
	before := measureEchoes(t, "before", clients, slowPhase, nil)

	// The stalled client: connects to "/", then never reads again.
	stalled, err := dialStalled(ctx, srv.base)
	if err != nil {
		t.Fatalf("stalled client: %v", err)
	}
	defer stalled.CloseNow()
	if err := waitSockets(ctx, clients[0], slowNormal+1, 5*time.Second); err != nil {
		t.Fatalf("the stalled client never joined: %v", err)
	}

	// Phase 2: broadcasts from every client until the stalled one is gone.
	var rssPeak atomic.Int64
	rssPeak.Store(rss0)
	var gone atomic.Int64 // ns since start of phase 2 when it left
	start := time.Now()
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(1)
	var heapPeak atomic.Int64
	heapPeak.Store(heap0)
	go func() { // watcher: memory and the stalled client's presence
		defer bg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(250 * time.Millisecond):
			}
			if r, err := srv.rss(); err == nil && r > rssPeak.Load() {
				rssPeak.Store(r)
			}
			if i%4 == 3 { // the live heap, after a GC, every second
				if h, _, err := srv.heap(); err == nil && h > heapPeak.Load() {
					heapPeak.Store(h)
				}
			}
			if gone.Load() == 0 {
				if n, err := countSockets(ctx, clients[0]); err == nil && n == slowNormal {
					gone.Store(int64(time.Since(start)))
				}
			}
		}
	}()
	payload, _ := json.Marshal(strings.Repeat("b", slowBroadcastSize))
	var sent, bErrs atomic.Int64
	for _, c := range clients {
		bg.Add(1)
		go func() {
			defer bg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(slowBroadcastGap):
				}
				// Without an ack, as a chat message would be.
				if err := c.sendEngine(ctx, `42["broadcast",`+string(payload)+`]`); err != nil {
					bErrs.Add(1)
					return
				}
				sent.Add(1)
			}
		}()
	}
	during := measureEchoes(t, "during", clients, slowMaxStall, func() bool {
		g := gone.Load()
		return g != 0 && time.Since(start) > time.Duration(g)+slowPhase
	})
	close(stop)
	bg.Wait()
	goneAfter := time.Duration(gone.Load())

	// Phase 3: echo latency once it is gone and the broadcasts stopped.
	after := measureEchoes(t, "after", clients, slowPhase, nil)
	rss1, _ := srv.rss()
	heap1, _, _ := srv.heap()

	// The stalled client's socket: reading it now must reach the end the
	// server gave it (its data first, then the close).
	drained, how := drain(stalled, 15*time.Second)

	var received int64
	for _, c := range clients {
		received += c.broadcasts.Load()
	}
	fig.logf("slow consumer: %d normal clients, %d broadcasts of %d KiB sent (%d errors), %d received by them",
		slowNormal, sent.Load(), slowBroadcastSize>>10, bErrs.Load(), received)
	fig.logf("slow consumer: echo latency before %s", before)
	fig.logf("slow consumer: echo latency during %s", during)
	fig.logf("slow consumer: echo latency after  %s", after)
	fig.logf("slow consumer: stalled client removed from the namespace %.1fs after the broadcasts began; server log: %d \"closing slow consumer\"",
		goneAfter.Seconds(), srv.count("closing slow consumer"))
	fig.logf("slow consumer: stalled socket read afterwards: %s of data, then %s", mib(drained), how)
	fig.logf("slow consumer: server RSS %s before → peak %s → %s after; live heap %s before → peak %s → %s after",
		mib(rss0), mib(rssPeak.Load()), mib(rss1), mib(heap0), mib(heapPeak.Load()), mib(heap1))

	if goneAfter == 0 {
		t.Errorf("the stalled client was still connected %v after the broadcasts began: the server never disconnected it", slowMaxStall)
	}
	if !strings.HasPrefix(how, "closed") {
		t.Errorf("the stalled client's connection was not closed by the server: %s", how)
	}
	for _, ph := range []latency{before, during, after} {
		if ph.failed > 0 || ph.n == 0 {
			t.Errorf("echoes failed (%s phase): %s", ph.name, ph)
		}
		if ph.p99 > latencyBound {
			t.Errorf("p99 echo latency %v in the %s phase (sanity bound %v)", ph.p99, ph.name, latencyBound)
		}
	}
	// The live heap may hold the stalled session's queue and the batch its
	// writer is stuck on, plus a little for everyone else's traffic.
	if bound := heap0 + 2*maxQueuedBytes + 8<<20; heapPeak.Load() > bound {
		t.Errorf("server live heap peaked at %s, over the bound %s", mib(heapPeak.Load()), mib(bound))
	}
	// RSS: the same, plus room for the runtime and (under -race) the race
	// detector's shadow memory.
	slack := int64(64 << 20)
	if raceEnabled {
		slack = 192 << 20
	}
	if bound := rss0 + 2*maxQueuedBytes + slack; rssPeak.Load() > bound {
		t.Errorf("server RSS peaked at %s, over the sanity bound %s", mib(rssPeak.Load()), mib(bound))
	}
	if !srv.alive() {
		t.Fatalf("server died")
	}
}

// latencyBound is a sanity bound on the p99 echo latency, not a
// performance target; the race detector slows server and clients alike.
var latencyBound = map[bool]time.Duration{false: time.Second, true: 2 * time.Second}[raceEnabled]

type latency struct {
	name          string
	n, failed     int
	p50, p99, max time.Duration
	firstErr      error
}

func (l latency) String() string {
	s := fmt.Sprintf("%5d echoes: p50 %v, p99 %v, max %v", l.n, l.p50.Round(10*time.Microsecond), l.p99.Round(10*time.Microsecond), l.max.Round(10*time.Microsecond))
	if l.failed > 0 {
		s += fmt.Sprintf(", %d FAILED (first: %v)", l.failed, l.firstErr)
	}
	return s
}

// measureEchoes has every client echo every slowEchoGap for d, or until
// done reports true, and returns the latency distribution.
func measureEchoes(t *testing.T, name string, clients []*client, d time.Duration, done func() bool) latency {
	t.Helper()
	var mu sync.Mutex
	var lat []time.Duration
	failed := 0
	var firstErr error
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; time.Now().Before(end) && (done == nil || !done()); n++ {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				t0 := time.Now()
				err := c.echo(ctx, fmt.Sprintf(`[%d,%d]`, i, n))
				el := time.Since(t0)
				cancel()
				mu.Lock()
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = err
					}
				} else {
					lat = append(lat, el)
				}
				mu.Unlock()
				if err != nil {
					return
				}
				time.Sleep(slowEchoGap)
			}
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	l := latency{name: name, n: len(lat), failed: failed, firstErr: firstErr}
	if len(lat) > 0 {
		l.p50 = lat[len(lat)/2]
		l.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
		l.max = lat[len(lat)-1]
	}
	return l
}

// dialStalled opens a WebSocket with a tiny receive buffer, joins "/" and
// returns the connection, which the test then never reads.
func dialStalled(ctx context.Context, base string) (*websocket.Conn, error) {
	d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(err, serr)
	}}
	hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	ws, _, err := websocket.Dial(ctx, wsURL(base, "EIO=4&transport=websocket"), &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(-1)
	if err := ws.Write(ctx, websocket.MessageText, []byte("40")); err != nil {
		ws.CloseNow()
		return nil, err
	}
	return ws, nil
}

// countSockets asks the server how many sockets the namespace "/" has.
func countSockets(ctx context.Context, c *client) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	a, err := c.emitAck(ctx, `["fetch-sockets"]`)
	if err != nil {
		return 0, err
	}
	var ids [][]string
	if err := json.Unmarshal([]byte(a.data), &ids); err != nil || len(ids) != 1 {
		return 0, fmt.Errorf("fetch-sockets ack %q", shorten(a.data, 100))
	}
	return len(ids[0]), nil
}

func waitSockets(ctx context.Context, c *client, want int, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		n, err := countSockets(ctx, c)
		if err == nil && n == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("namespace has %d sockets (%v), want %d", n, err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// drain reads ws until it ends or d passes and says how it ended.
func drain(ws *websocket.Conn, d time.Duration) (int64, string) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var n int64
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return n, fmt.Sprintf("still open after %v", d)
			}
			return n, "closed by the server (" + describeWSErr(err) + ")"
		}
		n += int64(len(data))
	}
}
