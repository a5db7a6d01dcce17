package socketio

import (
	"fmt"
	"log/slog"
	"slices"
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

// compactListeners trims the room appending left, keeping the listeners
// and their order; a snapshot taken before is unchanged by later Off and
// Once.
func TestCompactListenersKeepsOrder(t *testing.T) {
	s := newBareSocket(t)
	var ran []string
	for i := range 10 {
		name := fmt.Sprint(i % 3)
		if i%4 == 0 {
			s.Once(name, func(*Event) { ran = append(ran, fmt.Sprint("once", i)) })
		} else {
			s.On(name, func(*Event) { ran = append(ran, fmt.Sprint("on", i)) })
		}
	}
	before := slices.Clone(s.listeners)
	s.compactListeners()
	if cap(s.listeners) >= 16 || len(s.listeners) != 10 {
		t.Errorf("after compact: len %d cap %d", len(s.listeners), cap(s.listeners))
	}
	for i, l := range s.listeners {
		if l.event != before[i].event || l.once != before[i].once {
			t.Errorf("listener %d: %s once=%v, want %s once=%v", i, l.event, l.once, before[i].event, before[i].once)
		}
	}
	snapshot := s.listeners
	kept := slices.Clone(snapshot)
	s.dispatch(&Event{Name: "0"}) // once0 fires, and goes
	s.Off("1")
	s.On("2", func(*Event) {})
	for i := range kept {
		if snapshot[i].event != kept[i].event || snapshot[i].once != kept[i].once {
			t.Errorf("snapshot changed at %d", i)
		}
	}
	s.dispatch(&Event{Name: "0"})
	s.dispatch(&Event{Name: "1"})
	want := []string{"once0", "on3", "on6", "on9", "on3", "on6", "on9"}
	if !slices.Equal(ran, want) {
		t.Errorf("ran %v, want %v", ran, want)
	}
	if got := len(s.listeners); got != 10-1-3+1 {
		t.Errorf("%d listeners left, want 7", got)
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
