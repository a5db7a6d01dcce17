package adapter

import "testing"

type nopNamespace struct{ Namespace }

// A room whose last member leaves is forgotten, so rooms named after
// sockets do not pile up.
func TestMemoryForgetsEmptyRooms(t *testing.T) {
	m := newMemory(nopNamespace{})
	for i := range 100 {
		id := string(rune('a'+i%26)) + string(rune('0'+i/26))
		m.AddAll(id, id, "shared", "other")
		m.Del(id, "other")
		m.DelAll(id)
	}
	m.AddAll("x", "x", "r")
	m.Del("x", "r")
	if len(m.rooms) != 1 || len(m.sids) != 1 {
		t.Errorf("%d rooms and %d sockets kept, want 1 and 1 (x and its room)", len(m.rooms), len(m.sids))
	}
	m.DelAll("x")
	if len(m.rooms) != 0 || len(m.sids) != 0 {
		t.Errorf("%d rooms and %d sockets kept after every socket left", len(m.rooms), len(m.sids))
	}
}
