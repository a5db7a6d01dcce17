package hostile

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	shutdownClients = 8 // half WebSocket, half polling
	shutdownWindow  = 4 // emits in flight per client
	// The test server's shutdown timeout (examples/testserver/main.go).
	serverShutdownTimeout = 10 * time.Second
)

// emitTally counts what became of one client's emits.
type emitTally struct {
	transport   string
	attempted   atomic.Int64
	acked       atomic.Int64
	wrong       atomic.Int64 // acked with the wrong payload
	closed      atomic.Int64 // sent, then the session closed before an ack
	sendFailed  atomic.Int64 // the send itself failed: the client saw the end
	hung        atomic.Int64 // neither an ack nor a close within the timeout
	ackedAfterT atomic.Int64 // acks received after SIGTERM
	howClosed   string
}

// TestShutdown keeps clients emitting echo with acks, sends SIGTERM to the
// server and checks that every emit is either acked (with the right
// payload) or ended by a disconnect the client saw, that the acks in
// flight were flushed (a clean close, few emits unanswered), and that the
// server exits 0 within its shutdown timeout.
func TestShutdown(t *testing.T) {
	srv := startServer(t)
	fig := newFigures(t, "shutdown")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	clients := make([]*client, shutdownClients)
	tallies := make([]*emitTally, shutdownClients)
	for i := range clients {
		tr := transportWS
		if i%2 == 1 {
			tr = transportPolling
		}
		c, err := dial(ctx, tr, srv.base)
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		if err := c.connect(ctx); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		defer c.kill()
		clients[i], tallies[i] = c, &emitTally{transport: tr}
	}

	var termAt atomic.Int64 // unix ns of SIGTERM
	var wg sync.WaitGroup
	for i, c := range clients {
		tl := tallies[i]
		for w := range shutdownWindow {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; !c.isClosed(); n++ {
					arg, _ := json.Marshal(map[string]any{"c": i, "w": w, "n": n, "pad": strings.Repeat("p", n%200)})
					tl.attempted.Add(1)
					ectx, cancel := context.WithTimeout(ctx, 15*time.Second)
					a, err := c.emitAck(ectx, `["echo",`+string(arg)+`]`)
					timedOut := ectx.Err() != nil
					cancel()
					switch {
					case err == nil:
						tl.acked.Add(1)
						if a.data != "["+string(arg)+"]" {
							tl.wrong.Add(1)
						}
						if termAt.Load() != 0 {
							tl.ackedAfterT.Add(1)
						}
					case timedOut:
						tl.hung.Add(1)
						return
					case strings.Contains(err.Error(), "closed before the ack"):
						tl.closed.Add(1)
					default:
						tl.sendFailed.Add(1)
					}
				}
			}()
		}
	}

	time.Sleep(1500 * time.Millisecond)
	termAt.Store(time.Now().UnixNano())
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exitErr, exited := srv.waitExit(serverShutdownTimeout + 5*time.Second)
	exitAfter := time.Since(time.Unix(0, termAt.Load()))
	for i, c := range clients {
		if !c.waitClosed(5 * time.Second) {
			t.Errorf("client %d (%s) never saw the server go away", i, c.transport)
		}
		tallies[i].howClosed = fmt.Sprintf("%s, %v after SIGTERM", c.info(), c.closedAt.Sub(time.Unix(0, termAt.Load())).Round(time.Millisecond))
	}
	wgDone := make(chan struct{})
	go func() { wg.Wait(); close(wgDone) }()
	select {
	case <-wgDone:
	case <-time.After(20 * time.Second):
		t.Fatalf("emitters still blocked 20s after the shutdown")
	}

	// A new client is refused once the server is gone.
	dctx, dcancel := context.WithTimeout(context.Background(), 2*time.Second)
	_, dialErr := dial(dctx, transportWS, srv.base)
	dcancel()

	var sum emitTally
	for i, tl := range tallies {
		fig.logf("shutdown: client %d (%-9s): %5d emits: %5d acked (%d after SIGTERM, %d wrong), %d ended by the disconnect, %d sends failed, %d hung; closed by: %s",
			i, tl.transport, tl.attempted.Load(), tl.acked.Load(), tl.ackedAfterT.Load(), tl.wrong.Load(), tl.closed.Load(), tl.sendFailed.Load(), tl.hung.Load(), tl.howClosed)
		sum.attempted.Add(tl.attempted.Load())
		sum.acked.Add(tl.acked.Load())
		sum.ackedAfterT.Add(tl.ackedAfterT.Load())
		sum.closed.Add(tl.closed.Load())
		sum.sendFailed.Add(tl.sendFailed.Load())
		if tl.hung.Load() > 0 || tl.wrong.Load() > 0 {
			t.Errorf("client %d: %d emits neither acked nor ended by a disconnect, %d acks with a wrong payload", i, tl.hung.Load(), tl.wrong.Load())
		}
		if got := tl.acked.Load() + tl.closed.Load() + tl.sendFailed.Load() + tl.hung.Load(); got != tl.attempted.Load() {
			t.Errorf("client %d: %d emits, %d accounted for", i, tl.attempted.Load(), got)
		}
		// Acks the server produced before closing were flushed: only the
		// emits still in flight at the close may go unanswered.
		if n := tl.closed.Load(); n > shutdownWindow {
			t.Errorf("client %d: %d emits unanswered at the close, more than the %d in flight", i, n, shutdownWindow)
		}
		if tl.transport == transportWS && !strings.HasPrefix(tl.howClosed, "close 1000") {
			t.Errorf("client %d: WebSocket ended by %q, want a clean close 1000 after the flush", i, tl.howClosed)
		}
		if tl.transport == transportPolling && !strings.Contains(tl.howClosed, `close packet "1"`) {
			t.Errorf("client %d: polling ended by %q, want a close packet", i, tl.howClosed)
		}
	}
	fig.logf("shutdown: total %d emits: %d acked (%d of them after SIGTERM), %d ended by the disconnect, %d sends failed",
		sum.attempted.Load(), sum.acked.Load(), sum.ackedAfterT.Load(), sum.closed.Load(), sum.sendFailed.Load())
	fig.logf("shutdown: server exited %v after SIGTERM with %v; a new client afterwards: %v", exitAfter.Round(time.Millisecond), exitStatus(exitErr, exited), dialErr)

	switch {
	case !exited:
		t.Errorf("the server did not exit within %v of SIGTERM", serverShutdownTimeout+5*time.Second)
	case exitErr != nil:
		t.Errorf("the server exited with %v, want status 0", exitErr)
	case exitAfter > serverShutdownTimeout+time.Second:
		t.Errorf("the server took %v to exit, more than its shutdown timeout %v", exitAfter, serverShutdownTimeout)
	}
	if dialErr == nil {
		t.Errorf("a new client could connect after the shutdown")
	}
	if sum.acked.Load() < 100 {
		t.Errorf("only %d emits acked before the shutdown: the load did not run", sum.acked.Load())
	}
}

func exitStatus(err error, exited bool) string {
	if !exited {
		return "no exit"
	}
	if err == nil {
		return "status 0"
	}
	return fmt.Sprint(err)
}
