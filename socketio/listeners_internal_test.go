package socketio

import (
	"fmt"
	"log/slog"
	"testing"
)

// newBareSocket is a socket of srv's main namespace with no connection,
// enough to register listeners and dispatch events to them.
func newBareSocket(t testing.TB) *Socket {
	t.Helper()
	srv := NewServer(&Options{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { _ = srv.Close() })
	return &Socket{nsp: srv.Of("/")}
}

// Dispatching an event to a socket with many listeners allocates nothing,
// whether the event has handlers or not.
func TestDispatchDoesNotAllocate(t *testing.T) {
	s := newBareSocket(t)
	n := 0
	for i := range 15 {
		s.On(fmt.Sprint("event-", i), func(*Event) { n++ })
	}
	s.On("event-3", func(*Event) { n++ })
	hit, miss := &Event{Name: "event-3"}, &Event{Name: "unknown"}
	if a := testing.AllocsPerRun(100, func() { s.dispatch(hit); s.dispatch(miss) }); a != 0 {
		t.Errorf("dispatch: %v allocations, want 0", a)
	}
	if n != 2*101 {
		t.Errorf("handlers ran %d times, want %d", n, 2*101)
	}
}

// BenchmarkDispatch dispatches an event to a socket with the listeners of
// a typical application (15 events), the event's handler among them.
func BenchmarkDispatch(b *testing.B) {
	srv := NewServer(&Options{Logger: slog.New(slog.DiscardHandler)})
	defer srv.Close()
	s := &Socket{nsp: srv.Of("/")}
	for i := range 15 {
		s.On(fmt.Sprint("event-", i), func(*Event) {})
	}
	e := &Event{Name: "event-11"}
	b.ReportAllocs()
	for b.Loop() {
		s.dispatch(e)
	}
}
