package socketio_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/seed-e3ad8a97/sio/socketio"
)

// collect receives n values from ch and joins them with spaces.
func collect(t *testing.T, ch <-chan string, n int) string {
	t.Helper()
	var seq []string
	for range n {
		seq = append(seq, recv(t, ch))
	}
	return strings.Join(seq, " ")
}

// With many events, each event runs its own handlers only, in the order
// they were added, however their registrations interleave.
func TestListenersOfManyEventsRunInOrder(t *testing.T) {
	const events, rounds = 40, 3
	got := make(chan string, events*rounds)
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		for r := range rounds {
			for ev := range events {
				s.On(fmt.Sprint("ev", ev), func(*socketio.Event) { got <- fmt.Sprint(ev, ".", r) })
			}
		}
	})
	for _, ev := range []int{7, 0, 39, 7, 21} {
		c.send(fmt.Sprintf(`2["ev%d"]`, ev))
		want := fmt.Sprintf("%d.0 %d.1 %d.2", ev, ev, ev)
		if s := collect(t, got, rounds); s != want {
			t.Errorf("ev%d: handled %s, want %s", ev, s, want)
		}
	}
	c.send(`2["unknown"]`)
	none(t, got)
}

// Once handlers interleaved with On handlers run in their place, once; a
// Once added later runs after those already there.
func TestOnceKeepsItsPlace(t *testing.T) {
	got := make(chan string, 16)
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("a", func(*socketio.Event) { got <- "1" })
		s.Once("a", func(*socketio.Event) { got <- "2" })
		s.On("a", func(*socketio.Event) { got <- "3" })
		s.Once("a", func(*socketio.Event) { got <- "4" })
		s.Once("b", func(*socketio.Event) { got <- "b" })
		s.On("again", func(*socketio.Event) { s.Once("a", func(*socketio.Event) { got <- "5" }); got <- "again" })
	})
	for _, step := range []struct{ send, want string }{
		{`2["a"]`, "1 2 3 4"},
		{`2["a"]`, "1 3"},
		{`2["b"]`, "b"},
		{`2["again"]`, "again"},
		{`2["a"]`, "1 3 5"},
		{`2["a"]`, "1 3"},
	} {
		c.send(step.send)
		if s := collect(t, got, len(strings.Fields(step.want))); s != step.want {
			t.Errorf("%s: handled %s, want %s", step.send, s, step.want)
		}
	}
	c.send(`2["b"]`)
	none(t, got)
}

// The handlers of an event are those it had when it arrived: one a
// handler adds runs from the next event on, and Off in a handler does not
// stop the handlers after it for the event at hand.
func TestListenersChangedWhileHandling(t *testing.T) {
	got := make(chan string, 16)
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("grow", func(*socketio.Event) {
			got <- "grow"
			s.On("grow", func(*socketio.Event) { got <- "late" })
		})
		s.On("x", func(*socketio.Event) { s.Off("x"); got <- "x1" })
		s.On("x", func(*socketio.Event) { got <- "x2" })
		s.On("readd", func(*socketio.Event) {
			s.Off("nothing here")
			s.On("x", func(*socketio.Event) { got <- "x3" })
			got <- "readd"
		})
	})
	for _, step := range []struct{ send, want string }{
		{`2["grow"]`, "grow"},
		{`2["grow"]`, "grow late"},
		{`2["grow"]`, "grow late late"},
		{`2["x"]`, "x1 x2"},
		{`2["x"]`, ""},
		{`2["readd"]`, "readd"},
		{`2["x"]`, "x3"},
		{`2["grow"]`, "grow late late late"},
	} {
		c.send(step.send)
		if s := collect(t, got, len(strings.Fields(step.want))); s != step.want {
			t.Errorf("%s: handled %q, want %q", step.send, s, step.want)
		}
	}
	none(t, got)
}

// Listeners may be added and removed from any goroutine while events are
// dispatched (run with -race).
func TestListenersConcurrentWithDispatch(t *testing.T) {
	got := make(chan string, 256)
	var wg sync.WaitGroup
	_, c, s := connected(t, nil, func(s *socketio.Socket) {
		s.On("x", func(*socketio.Event) { got <- "x" })
	})
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				ev := fmt.Sprint("other", g, i%5)
				s.On(ev, func(*socketio.Event) {})
				s.Once(ev, func(*socketio.Event) {})
				if i%3 == 0 {
					s.Off(ev)
				}
			}
		})
	}
	for range 100 {
		c.send(`2["x"]`)
		c.send(`2["other01"]`)
	}
	wg.Wait()
	for range 100 {
		recv(t, got)
	}
	none(t, got)
}

// Done is closed at disconnect, whether it was asked for before or only
// after.
func TestDoneBeforeAndAfterDisconnect(t *testing.T) {
	_, c, s := connected(t, nil, nil)
	early := s.Done()
	select {
	case <-early:
		t.Fatal("Done closed while connected")
	default:
	}
	c.send(`1`) // DISCONNECT of the main namespace
	recv(t, early)
	recv(t, s.Done())

	_, c2, s2 := connected(t, nil, nil)
	c2.send(`1`)
	eventually(t, func() bool { return !s2.Connected() }, "disconnect")
	recv(t, s2.Done())
}

// A connection's sockets are found by namespace; one that left may join
// again while the others keep working.
func TestNamespaceLeftAndJoinedAgain(t *testing.T) {
	srv, ts := newServer(t, nil)
	got := make(chan string, 8)
	handle := func(s *socketio.Socket) {
		s.On("who", func(*socketio.Event) { got <- s.Namespace().Name() })
	}
	srv.OnConnection(handle)
	srv.Of("/a").OnConnection(handle)
	srv.Of("/b").OnConnection(handle)
	c := dial(t, ts)
	c.connect("/", "")
	c.connect("/a", "")
	c.connect("/b", "")
	c.send(`1/a,`)
	for _, nsp := range []string{"/b", "/", "/a", "/b"} {
		if nsp == "/a" {
			c.connect("/a", "")
		}
		c.send(`2` + nspPrefix(nsp) + `["who"]`)
		if s := recv(t, got); s != nsp {
			t.Errorf("event to %s handled by %s", nsp, s)
		}
	}
	none(t, got)
}

// The handshake's URL is the request target as the client sent it.
func TestHandshakeURL(t *testing.T) {
	srv, ts := newServer(t, nil)
	conns := sockets(srv)
	c := dial(t, ts, "foo=b%20r")
	c.connect("/", "")
	h := recv(t, conns).Handshake()
	if want := "/socket.io/?EIO=4&transport=websocket&foo=b%20r"; h.URL != want {
		t.Errorf("URL %q, want %q", h.URL, want)
	}
	if h.Query.Get("foo") != "b r" {
		t.Errorf("query %v", h.Query)
	}
}
