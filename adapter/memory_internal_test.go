package adapter

import (
	"slices"
	"testing"
)

type nopNamespace struct{ Namespace }

// A room whose last member leaves is forgotten, so rooms named after
// sockets do not pile up; a socket's own room is never kept in rooms.
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
	if len(m.rooms) != 0 || len(m.sids) != 1 {
		t.Errorf("%d rooms and %d sockets kept, want 0 and 1 (x, in its own room)", len(m.rooms), len(m.sids))
	}
	if s := m.sids["x"]; !s.own || s.rooms != nil {
		t.Errorf("x is %+v, want in its own room and no other", s)
	}
	m.DelAll("x")
	if len(m.rooms) != 0 || len(m.sids) != 0 {
		t.Errorf("%d rooms and %d sockets kept after every socket left", len(m.rooms), len(m.sids))
	}
}

// A room holds a lone member inline, a set from its second member on, and
// its last member inline again once the others have left.
func TestMemoryLoneMemberInline(t *testing.T) {
	m := newMemory(nopNamespace{})
	m.AddAll("a", "a", "r")
	if ms := m.rooms["r"]; ms.many != nil || ms.one != "a" {
		t.Fatalf("room of one is %+v, want a inline", ms)
	}
	m.AddAll("b", "b", "r")
	m.AddAll("c", "c", "r")
	if ms := m.rooms["r"]; len(ms.many) != 3 {
		t.Fatalf("room of three is %+v", ms)
	}
	m.Del("a", "r")
	m.DelAll("c")
	if ms := m.rooms["r"]; ms.many != nil || ms.one != "b" {
		t.Fatalf("room left with b is %+v, want b inline", ms)
	}
	m.AddAll("b", "r") // joining twice changes nothing
	if ms := m.rooms["r"]; ms.many != nil || ms.one != "b" || len(m.sids["b"].rooms) != 1 {
		t.Fatalf("b joined r twice: room %+v, socket %+v", ms, m.sids["b"])
	}
}

// Another socket may join the room named after a socket; both are then in
// it, each once, and each leaves it on its own.
func TestMemoryRoomNamedAfterASocket(t *testing.T) {
	m := newMemory(nopNamespace{})
	m.AddAll("a", "a")
	m.AddAll("b", "b", "a")
	sel := func(opts BroadcastOptions) []string {
		got := m.Select(opts, nil)
		slices.Sort(got)
		return got
	}
	if got := sel(BroadcastOptions{Rooms: []string{"a"}}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("room a holds %q, want a b", got)
	}
	if got := sel(BroadcastOptions{Rooms: []string{"a", "b"}}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("rooms a and b hold %q, want a b once each", got)
	}
	if got := sel(BroadcastOptions{Except: []string{"a"}}); len(got) != 0 {
		t.Errorf("everyone but room a is %q, want nobody", got)
	}
	if got := m.Rooms("b"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Rooms(b) = %q, want a b", got)
	}
	m.Del("a", "a")
	if got := sel(BroadcastOptions{Rooms: []string{"a"}}); !slices.Equal(got, []string{"b"}) {
		t.Errorf("after a left its own room, it holds %q, want b", got)
	}
	if got := sel(BroadcastOptions{Except: []string{"a"}}); !slices.Equal(got, []string{"a"}) {
		t.Errorf("after a left its own room, everyone but room a is %q, want a", got)
	}
	if got := m.Rooms("a"); len(got) != 0 {
		t.Errorf("Rooms(a) = %q after it left its own room, want none", got)
	}
	m.Del("b", "a")
	if got := sel(BroadcastOptions{Rooms: []string{"a"}}); len(got) != 0 {
		t.Errorf("room a holds %q after both left, want nobody", got)
	}
	if got := sel(BroadcastOptions{}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("sockets %q, want a b, still connected", got)
	}
}

// A socket may have the empty string as id or room, like any other.
func TestMemoryEmptyNames(t *testing.T) {
	m := newMemory(nopNamespace{})
	m.AddAll("", "", "r")
	m.AddAll("x", "x", "")
	if got := m.Select(BroadcastOptions{Rooms: []string{"r"}}, nil); !slices.Equal(got, []string{""}) {
		t.Errorf("room r holds %q, want the socket named \"\"", got)
	}
	got := m.Select(BroadcastOptions{Rooms: []string{""}}, nil)
	slices.Sort(got)
	if !slices.Equal(got, []string{"", "x"}) {
		t.Errorf("room \"\" holds %q, want \"\" and x", got)
	}
	if got := m.Select(BroadcastOptions{Except: []string{"nobody"}}, nil); len(got) != 2 {
		t.Errorf("everyone but an empty room is %q, want both", got)
	}
	m.Del("", "r")
	if got := m.Select(BroadcastOptions{Rooms: []string{"r"}}, nil); len(got) != 0 {
		t.Errorf("room r holds %q after its member left, want nobody", got)
	}
}

// Broadcasts may exclude many rooms, some named after sockets, without
// allocating for them.
func TestMemoryManyExceptions(t *testing.T) {
	m := newMemory(nopNamespace{})
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		m.AddAll(id, id)
	}
	m.AddAll("b", "r1")
	m.AddAll("c", "r1", "r2")
	m.AddAll("d", "r3")
	m.Del("g", "g")
	except := []string{"a", "r1", "r2", "x", "f", "g"}
	got := m.Select(BroadcastOptions{Except: except}, nil)
	slices.Sort(got)
	if want := []string{"d", "e", "g"}; !slices.Equal(got, want) {
		t.Errorf("everyone but %q is %q, want %q", except, got, want)
	}
	got = m.Select(BroadcastOptions{Rooms: []string{"r3", "e", "g", "c"}, Except: except}, nil)
	slices.Sort(got)
	if want := []string{"d", "e"}; !slices.Equal(got, want) {
		t.Errorf("rooms r3 e g c but %q is %q, want %q", except, got, want)
	}
	dst := make([]string, 0, 8)
	for _, ex := range [][]string{except[:1], except[:4], except} {
		if n := testing.AllocsPerRun(10, func() { dst = m.Select(BroadcastOptions{Except: ex}, dst[:0]) }); n != 0 {
			t.Errorf("Select excepting %d rooms allocates %v times", len(ex), n)
		}
	}
}
