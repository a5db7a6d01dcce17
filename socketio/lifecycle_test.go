package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/socketio"
)

// OnDisconnect gets the reason of every way a socket can go, spelled as
// the reference server spells it.
func TestDisconnectReasons(t *testing.T) {
	shortPings := &engineio.Options{PingInterval: 30 * time.Millisecond, PingTimeout: 30 * time.Millisecond}
	for _, tc := range []struct {
		want string
		opts *socketio.Options
		do   func(t *testing.T, srv *socketio.Server, c *tclient, s *socketio.Socket)
	}{
		{socketio.ReasonClientNamespaceDisconnect, nil, func(t *testing.T, _ *socketio.Server, c *tclient, _ *socketio.Socket) {
			c.send("1")
		}},
		{socketio.ReasonServerNamespaceDisconnect, nil, func(t *testing.T, _ *socketio.Server, c *tclient, s *socketio.Socket) {
			s.Disconnect(false)
			c.expect("1")
		}},
		{socketio.ReasonServerNamespaceDisconnect, nil, func(t *testing.T, _ *socketio.Server, c *tclient, s *socketio.Socket) {
			s.Disconnect(true) // with the connection: still a namespace disconnect, as in the reference
			c.waitClosed()
		}},
		{socketio.ReasonTransportClose, nil, func(t *testing.T, _ *socketio.Server, c *tclient, _ *socketio.Socket) {
			c.close()
		}},
		{socketio.ReasonPingTimeout, &socketio.Options{Engine: shortPings}, func(t *testing.T, _ *socketio.Server, c *tclient, _ *socketio.Socket) {
			c.noPong.Store(true)
			c.waitClosed()
		}},
		{socketio.ReasonServerShuttingDown, nil, func(t *testing.T, srv *socketio.Server, c *tclient, _ *socketio.Socket) {
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			c.waitClosed()
		}},
		{socketio.ReasonServerShuttingDown, nil, func(t *testing.T, srv *socketio.Server, c *tclient, _ *socketio.Socket) {
			if err := srv.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			c.waitClosed()
		}},
		{socketio.ReasonForcedClose, nil, func(t *testing.T, _ *socketio.Server, c *tclient, _ *socketio.Socket) {
			c.send(`2/never-joined,["x"]`) // a protocol error closes the connection
			c.waitClosed()
		}},
	} {
		t.Run(tc.want, func(t *testing.T) {
			reasons := make(chan string, 2)
			srv, c, s := connected(t, tc.opts, func(s *socketio.Socket) {
				s.OnDisconnect(func(r string) { reasons <- r })
			})
			tc.do(t, srv, c, s)
			if r := recv(t, reasons); r != tc.want {
				t.Errorf("reason %q, want %q", r, tc.want)
			}
			select {
			case <-s.Done():
			case <-time.After(waitTimeout):
				t.Error("Done not closed")
			}
			if s.Connected() {
				t.Error("still Connected")
			}
			none(t, reasons)
		})
	}
}

// OnDisconnecting runs while the socket is still in its rooms, before
// OnDisconnect.
func TestOnDisconnectingSeesRooms(t *testing.T) {
	got := make(chan string, 4)
	srv, c, s := connected(t, nil, func(s *socketio.Socket) {
		s.Join("room")
		s.OnDisconnecting(func(r string) {
			got <- fmt.Sprintf("disconnecting %s %d in room: %d", r, len(s.Rooms()), len(s.Namespace().Adapter().Sockets([]string{"room"})))
		})
		s.OnDisconnect(func(r string) { got <- fmt.Sprintf("disconnect %d", len(s.Rooms())) })
	})
	_ = srv
	c.close()
	if g := recv(t, got); g != "disconnecting transport close 2 in room: 1" {
		t.Errorf("got %q", g)
	}
	if g := recv(t, got); g != "disconnect 0" {
		t.Errorf("got %q", g)
	}
	if s.Connected() {
		t.Error("still connected")
	}
}

// A socket's handlers run one at a time, in the order the events came.
func TestHandlersOfOneSocketRunInOrder(t *testing.T) {
	const n = 200
	var mu sync.Mutex
	var seq []int
	var busy, overlap atomic.Int32
	done := make(chan struct{})
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("n", func(e *socketio.Event) {
			if busy.Add(1) != 1 {
				overlap.Add(1)
			}
			defer busy.Add(-1)
			var i int
			_ = e.Bind(&i)
			mu.Lock()
			seq = append(seq, i)
			full := len(seq) == n
			mu.Unlock()
			if full {
				close(done)
			}
		})
	})
	for i := range n {
		c.send(fmt.Sprintf(`2["n",%d]`, i))
	}
	recv(t, done)
	mu.Lock()
	defer mu.Unlock()
	for i, v := range seq {
		if v != i {
			t.Fatalf("event %d handled at position %d", v, i)
		}
	}
	if overlap.Load() != 0 {
		t.Error("handlers of one socket overlapped")
	}
}

// Two clients' handlers run in parallel: each waits for the other.
func TestHandlersOfTwoClientsRunInParallel(t *testing.T) {
	srv, ts := newServer(t, nil)
	aIn, bIn := make(chan struct{}), make(chan struct{})
	results := make(chan string, 2)
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("meet", func(e *socketio.Event) {
			var who string
			_ = e.Bind(&who)
			mine, theirs := aIn, bIn
			if who == "b" {
				mine, theirs = bIn, aIn
			}
			close(mine)
			select {
			case <-theirs:
				results <- who + " met"
			case <-time.After(waitTimeout):
				results <- who + " waited alone"
			}
		})
	})
	a, b := dial(t, ts), dial(t, ts)
	a.connect("/", "")
	b.connect("/", "")
	a.send(`2["meet","a"]`)
	b.send(`2["meet","b"]`)
	for range 2 {
		if r := recv(t, results); !strings.HasSuffix(r, "met") {
			t.Error(r)
		}
	}
}

// EmitWithAck inside a handler does not wait behind that handler.
func TestEmitWithAckInsideHandlerDoesNotDeadlock(t *testing.T) {
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("ask", func(e *socketio.Event) {
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			a, err := s.EmitWithAck(ctx, "question")
			var answer string
			if err == nil {
				err = a.Bind(&answer)
			}
			_ = e.Ack(answer, fmt.Sprint(err))
		})
	})
	c.send(`25["ask"]`)
	c.expect(`20["question"]`)
	c.send(`30["forty-two"]`)
	c.expect(`35["forty-two","<nil>"]`)
}

// A panic in a handler is recovered and logged; the next event is handled.
func TestPanicInHandlerIsRecovered(t *testing.T) {
	got := make(chan string, 4)
	srv, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("boom", func(*socketio.Event) { panic("boom") })
		s.On("ok", func(*socketio.Event) { got <- "ok" })
		s.OnAny(func(e *socketio.Event) {
			if e.Name == "any-boom" {
				panic(errors.New("any"))
			}
		})
		s.OnDisconnect(func(string) { panic("in disconnect") })
	})
	c.send(`2["boom"]`)
	c.send(`2["any-boom"]`)
	c.send(`2["ok"]`)
	recv(t, got)
	if p := srv.Stats().Panics; p != 2 {
		t.Errorf("Stats().Panics = %d, want 2", p)
	}
	c.close()
	eventually(t, func() bool { return srv.Stats().Panics == 3 }, "the disconnect handler's panic counted")
}

// A panic in a connection handler leaves the socket connected.
func TestPanicInConnectionHandler(t *testing.T) {
	srv, ts := newServer(t, nil)
	got := make(chan string, 1)
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("ok", func(*socketio.Event) { got <- "ok" })
		panic("connection")
	})
	c := dial(t, ts)
	c.connect("/", "")
	c.send(`2["ok"]`)
	recv(t, got)
}

// A middleware that panics refuses the connection rather than letting it
// through.
func TestPanicInMiddlewareRefuses(t *testing.T) {
	srv, ts := newServer(t, nil)
	srv.Use(func(*socketio.Socket) error { panic("auth backend down") })
	srv.OnConnection(func(*socketio.Socket) { t.Error("a socket got past a panicking middleware") })
	c := dial(t, ts)
	c.send("0")
	c.expect(`4{"message":"server error"}`)
	if n := len(srv.Of("/").Sockets()); n != 0 {
		t.Errorf("%d sockets connected", n)
	}
}

// An event middleware that panics drops the event and reports an error.
func TestPanicInSocketMiddlewareDropsEvent(t *testing.T) {
	got := make(chan string, 4)
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.Use(func(e *socketio.Event) error {
			if e.Name == "bad" {
				panic("mw")
			}
			return nil
		})
		s.OnError(func(err error) { got <- "error" })
		s.On("bad", func(*socketio.Event) { got <- "bad handled" })
		s.On("ok", func(*socketio.Event) { got <- "ok" })
	})
	c.send(`2["bad"]`)
	c.send(`2["ok"]`)
	if a, b := recv(t, got), recv(t, got); a != "error" || b != "ok" {
		t.Errorf("got %q then %q", a, b)
	}
}

// A client sending events faster than its handlers run, past
// MaxPendingEvents, is disconnected.
func TestMaxPendingEventsFloodClosesClient(t *testing.T) {
	release := make(chan struct{})
	reasons := make(chan string, 1)
	srv, c, _ := connected(t, &socketio.Options{MaxPendingEvents: 4}, func(s *socketio.Socket) {
		s.On("slow", func(*socketio.Event) { <-release })
		s.OnDisconnect(func(r string) { reasons <- r })
	})
	for range 20 {
		c.send(`2["slow"]`)
	}
	c.waitClosed()
	close(release)
	if r := recv(t, reasons); r != socketio.ReasonForcedClose {
		t.Errorf("reason %q", r)
	}
	if srv.Stats().ProtocolErrors == 0 {
		t.Error("the flood was not counted")
	}
}

// Shutdown flushes what is queued, disconnects everyone, refuses new
// clients, and may be called again, like Close.
func TestShutdownAndCloseAreIdempotent(t *testing.T) {
	srv, ts := newServer(t, nil)
	conns := sockets(srv)
	c := dial(t, ts)
	c.connect("/", "")
	s := recv(t, conns)
	_ = s.Emit("bye", strings.Repeat("x", 1000))
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if f := c.next(); !strings.HasPrefix(f.text, `2["bye"`) {
		t.Errorf("got %v, want the queued event", f)
	}
	c.waitClosed()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close after Shutdown: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Emit("late"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Errorf("Emit after Shutdown: %v", err)
	}
	_ = srv.Emit("late broadcast")
}

// Shutdown gives up when ctx ends before the handlers return.
func TestShutdownWaitsForHandlersUntilContextEnds(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	srv, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("busy", func(*socketio.Event) { close(started); <-release })
	})
	c.send(`2["busy"]`)
	recv(t, started)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want the context's error", err)
	}
	close(release)
	if err := srv.Close(); err != nil {
		t.Error(err)
	}
}

// The counters follow what happened.
func TestStats(t *testing.T) {
	srv, c, s := connected(t, nil, func(s *socketio.Socket) {
		s.On("e", func(e *socketio.Event) { _ = e.Ack() })
	})
	c.send(`21["e"]`)
	c.expect(`31[]`)
	_ = s.Emit("x")
	c.expect(`2["x"]`)
	_ = srv.Emit("y")
	c.expect(`2["y"]`)
	c.send("0/nope,")
	c.expect(`4/nope,{"message":"Invalid namespace"}`)
	st := srv.Stats()
	if st.Sockets != 1 || st.Connects != 1 || st.Refused != 1 || st.EventsIn != 1 || st.EventsOut != 1 ||
		st.Broadcasts != 1 || st.AcksOut != 1 || st.Engine.WebSocketSessions != 1 {
		t.Errorf("stats %+v", st)
	}
	c.send("1")
	eventually(t, func() bool { return srv.Stats().Sockets == 0 && srv.Stats().Disconnects == 1 }, "disconnect counted")
}

// Many clients emitting, joining and broadcasting at once (run with -race).
func TestConcurrentClients(t *testing.T) {
	srv, ts := newServer(t, nil)
	var handled atomic.Int64
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("msg", func(e *socketio.Event) {
			handled.Add(1)
			s.Join("r")
			_ = s.To("r").Emit("relay", e.RawArgs()...)
			_ = e.Ack("ok")
		})
	})
	const clients, msgs = 6, 30
	var wg sync.WaitGroup
	cs := make([]*tclient, clients)
	for i := range cs {
		cs[i] = dial(t, ts)
		cs[i].connect("/", "")
	}
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range msgs {
				c.send(fmt.Sprintf(`2%d["msg",%d,%d]`, k, i, k))
			}
		}()
	}
	wg.Wait()
	eventually(t, func() bool { return handled.Load() == clients*msgs }, "every event handled")
	for _, c := range cs {
		c.close()
	}
}

// Disconnect(true) also ends a socket of the same connection still in its
// middlewares: it never joins its namespace.
func TestDisconnectCloseEndsSocketsStillConnecting(t *testing.T) {
	srv, ts := newServer(t, nil)
	main := sockets(srv)
	slow := srv.Of("/slow")
	entered, release := make(chan struct{}), make(chan struct{})
	slow.Use(func(*socketio.Socket) error { close(entered); <-release; return nil })
	joined := make(chan string, 1)
	slow.OnConnection(func(s *socketio.Socket) { joined <- s.ID() })
	c := dial(t, ts)
	c.connect("/", "")
	s := recv(t, main)
	c.send("0/slow,")
	recv(t, entered)
	s.Disconnect(true)
	c.waitClosed()
	close(release)
	time.Sleep(50 * time.Millisecond)
	eventually(t, func() bool { return len(slow.Sockets()) == 0 }, "no socket left in /slow")
	select {
	case id := <-joined:
		t.Errorf("socket %s joined /slow after its connection was closed", id)
	default:
	}
	if n := srv.Stats().Sockets; n != 0 {
		t.Errorf("Stats().Sockets = %d, want 0", n)
	}
}
