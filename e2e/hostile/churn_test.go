package hostile

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	churnCycles  = 3000
	churnWorkers = 8
	churnBudget  = 45 * time.Second
)

// How a churn cycle ends its session; each path must free everything.
var churnEndings = map[string][]string{
	transportWS:      {"41 then close frame", "close frame", "TCP drop", "engine close packet"},
	transportPolling: {"engine close packet", "41 then engine close packet", "vanish (ping timeout)"},
}

// TestChurn runs thousands of connect / emit / disconnect cycles over both
// transports and every way of leaving, then checks the server's goroutines
// and heap come back to where they were.
func TestChurn(t *testing.T) {
	srv := startServer(t, append([]string{"-pprof"}, hostileFlags...)...)
	fig := newFigures(t, "churn")

	// Warm up at the same concurrency, so that pools, lazily started
	// goroutines and maps grown to the peak number of sessions (Go maps
	// never shrink) are in the baseline too: what the churn adds on top
	// is what it leaks.
	var failures atomic.Int64
	var firstErr atomic.Value
	runCycles(srv.base, 600, churnWorkers, time.Minute, &failures, &firstErr)
	g0, a0, i0, r0 := settle(t, srv, 0)
	fd0 := srv.fds()

	// Sample the server while it churns.
	var gPeak, rPeak int64
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-sampling:
				return
			case <-time.After(500 * time.Millisecond):
			}
			if g, err := srv.goroutines(); err == nil {
				gPeak = max(gPeak, int64(g))
			}
			if r, err := srv.rss(); err == nil {
				rPeak = max(rPeak, r)
			}
		}
	}()
	start := time.Now()
	counts := runCycles(srv.base, churnCycles, churnWorkers, churnBudget, &failures, &firstErr)
	elapsed := time.Since(start)
	close(sampling)
	<-sampled
	total := 0
	for _, n := range counts {
		total += n
	}
	g1, a1, i1, r1 := settle(t, srv, g0)

	fig.logf("churn: %d cycles in %.1fs (%.0f/s) with %d workers; by transport and ending: %v", total, elapsed.Seconds(),
		float64(total)/elapsed.Seconds(), churnWorkers, counts)
	fig.logf("churn: failed cycles %d (first: %v)", failures.Load(), firstErr.Load())
	fig.logf("churn: server goroutines %d before → %d after (peak seen %d)", g0, g1, gPeak)
	fig.logf("churn: server heap (after GC) %s before → %s after; HeapInuse %s → %s", mib(a0), mib(a1), mib(i0), mib(i1))
	fig.logf("churn: server RSS %s before → %s after (peak seen %s); fds %d → %d; threads %d", mib(r0), mib(r1), mib(rPeak), fd0, srv.fds(), srv.threads())

	if total < 1000 {
		t.Errorf("only %d cycles ran within %v", total, churnBudget)
	}
	if n := failures.Load(); n > 0 {
		t.Errorf("%d cycles failed; first: %v", n, firstErr.Load())
	}
	if g1 > g0+goroutineSlack {
		t.Errorf("server goroutines did not return to baseline: %d before, %d after\n%s", g0, g1, srv.goroutineDump())
	}
	if a1 > a0+heapSlack(a0) {
		t.Errorf("server heap did not return to baseline: %s before, %s after", mib(a0), mib(a1))
	}
	if !srv.alive() {
		t.Fatalf("server died")
	}
}

const goroutineSlack = 3

// heapSlack is how much the live heap may grow over a run: free lists,
// pools and map buckets that stay allocated once used.
func heapSlack(base int64) int64 { return max(1<<20, base/4) }

// settle waits until the server's goroutine count is back to at most
// target+goroutineSlack (or for 15 s) and measures goroutines, heap and RSS.
func settle(t *testing.T, srv *server, target int) (g int, alloc, inuse, rss int64) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	time.Sleep(pingInterval + pingTimeout + 200*time.Millisecond) // vanished sessions end
	for {
		closeIdle()
		time.Sleep(200 * time.Millisecond)
		var err error
		if g, err = srv.goroutines(); err != nil {
			t.Fatalf("reading goroutines: %v", err)
		}
		if target == 0 || g <= target+goroutineSlack || time.Now().After(deadline) {
			break
		}
	}
	closeIdle()
	var err error
	if alloc, inuse, err = srv.heap(); err != nil {
		t.Fatalf("reading the heap: %v", err)
	}
	rss, _ = srv.rss()
	return g, alloc, inuse, rss
}

// runCycles runs up to n connect/emit/disconnect cycles with the given
// concurrency, within budget, and counts them by transport and ending.
func runCycles(base string, n, workers int, budget time.Duration, failures *atomic.Int64, firstErr *atomic.Value) map[string]int {
	var mu sync.Mutex
	counts := map[string]int{}
	var next atomic.Int64
	stop := time.Now().Add(budget)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				tr := transportWS
				if i%2 == 1 {
					tr = transportPolling
				}
				endings := churnEndings[tr]
				ending := endings[(i/2)%len(endings)]
				if err := cycle(base, tr, ending, i); err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("cycle %d (%s, %s): %v", i, tr, ending, err))
					continue
				}
				mu.Lock()
				counts[tr+"/"+ending]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return counts
}

// cycle connects to "/", gets one echo ack and leaves the given way.
func cycle(base, tr, ending string, i int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := dial(ctx, tr, base)
	if err != nil {
		return err
	}
	if err := c.connect(ctx); err != nil {
		c.kill()
		return err
	}
	if err := c.echo(ctx, fmt.Sprintf(`{"cycle":%d}`, i)); err != nil {
		c.kill()
		return err
	}
	switch ending {
	case "41 then close frame":
		_ = c.sendEngine(ctx, "41")
		c.close()
	case "close frame":
		c.close()
	case "TCP drop", "vanish (ping timeout)":
		c.kill() // polling: no more requests; the heartbeat ends it
	case "engine close packet":
		_ = c.sendEngine(ctx, "1")
		c.kill()
	case "41 then engine close packet":
		_ = c.sendEngine(ctx, "41", "1")
		c.kill()
	}
	return nil
}
