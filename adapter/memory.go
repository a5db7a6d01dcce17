package adapter

import (
	"context"
	"slices"
	"sort"
	"sync"

	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// Memory is the in-memory adapter: membership and delivery for one
// process. It is the default, and the local half of cluster adapters.
type Memory struct {
	ns Namespace

	// Membership is laid out for many sockets in few rooms each. A socket
	// is usually alone in the room named by its id: that membership is a
	// flag of the socket, never an entry of rooms. A room with one member
	// holds it without a set, and a socket's other rooms are a slice.
	mu    sync.RWMutex
	rooms map[string]members // room → socket ids, but for their own rooms
	sids  map[string]socket  // socket id → rooms
}

// members are the sockets of a room. A room with one member keeps it in
// one and many is nil; with more, many holds them all. Rooms without
// members are not kept.
type members struct {
	one  string
	many map[string]struct{}
}

// has reports whether id is one of ms.
func (ms members) has(id string) bool {
	if ms.many == nil {
		return ms.one == id
	}
	_, ok := ms.many[id]
	return ok
}

// socket is what the adapter knows of a local socket: whether it is in
// the room named by its id, and its other rooms, in no order.
type socket struct {
	own   bool
	rooms []string
}

// NewMemory returns an in-memory adapter for ns. It is a [Factory].
func NewMemory(ns Namespace) Adapter { return newMemory(ns) }

func newMemory(ns Namespace) *Memory {
	return &Memory{
		ns:    ns,
		rooms: make(map[string]members),
		sids:  make(map[string]socket),
	}
}

// AddAll implements [Adapter].
func (m *Memory) AddAll(id string, rooms ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.sids[id]
	for _, r := range rooms {
		if r == id {
			s.own = true
		} else if m.join(id, r) {
			if s.rooms == nil {
				s.rooms = make([]string, 0, len(rooms))
			}
			s.rooms = append(s.rooms, r)
		}
	}
	m.sids[id] = s
}

// join adds id to the members of room, another than its own, and reports
// whether it was not one already; m.mu is held.
func (m *Memory) join(id, room string) bool {
	ms, ok := m.rooms[room]
	switch {
	case !ok:
		m.rooms[room] = members{one: id}
	case ms.many != nil:
		if _, in := ms.many[id]; in {
			return false
		}
		ms.many[id] = struct{}{}
	case ms.one == id:
		return false
	default:
		m.rooms[room] = members{many: map[string]struct{}{ms.one: {}, id: {}}}
	}
	return true
}

// Del implements [Adapter].
func (m *Memory) Del(id, room string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sids[id]
	if !ok {
		return
	}
	if room == id {
		s.own = false
	} else {
		i := slices.Index(s.rooms, room)
		if i < 0 {
			return
		}
		s.rooms = slices.Delete(s.rooms, i, i+1)
		if len(s.rooms) == 0 {
			s.rooms = nil
		}
		m.leave(id, room)
	}
	m.sids[id] = s
}

// leave removes id from the members of room, another than its own; m.mu
// is held. A room left with one member keeps it inline, and a room left
// empty is forgotten.
func (m *Memory) leave(id, room string) {
	ms, ok := m.rooms[room]
	switch {
	case !ok:
	case ms.many == nil:
		if ms.one == id {
			delete(m.rooms, room)
		}
	default:
		delete(ms.many, id)
		if len(ms.many) == 1 {
			for last := range ms.many {
				m.rooms[room] = members{one: last}
			}
		}
	}
}

// DelAll implements [Adapter].
func (m *Memory) DelAll(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.sids[id].rooms {
		m.leave(id, r)
	}
	delete(m.sids, id)
}

// Rooms implements [Adapter].
func (m *Memory) Rooms(id string) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := m.sids[id]
	out := make([]string, 0, len(s.rooms)+1)
	if s.own {
		out = append(out, id)
	}
	out = append(out, s.rooms...)
	sort.Strings(out)
	return out
}

// Sockets implements [Adapter].
func (m *Memory) Sockets(rooms []string) []string {
	return m.Select(BroadcastOptions{Rooms: rooms}, nil)
}

// in reports whether the socket id is in room; m.mu is held.
func (m *Memory) in(id, room string) bool {
	if id == room && m.sids[id].own {
		return true
	}
	ms, ok := m.rooms[room]
	return ok && ms.has(id)
}

// excluded is a room of BroadcastOptions.Except, looked up once for a
// selection: a socket is out when it is one of ms, or when it is the
// socket named room and in its own room (own).
type excluded struct {
	room string
	own  bool
	ms   members
	ok   bool // ms is a room's
}

// Select appends to dst the local sockets opts selects, each once.
func (m *Memory) Select(opts BroadcastOptions, dst []string) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var buf [4]excluded
	var except []excluded // nil when there are too many to keep on the stack
	if len(opts.Except) <= len(buf) {
		except = buf[:0]
		for _, r := range opts.Except {
			ms, ok := m.rooms[r]
			except = append(except, excluded{room: r, own: m.sids[r].own, ms: ms, ok: ok})
		}
	}
	out := func(id string) bool {
		if except == nil {
			for _, r := range opts.Except {
				if m.in(id, r) {
					return true
				}
			}
			return false
		}
		for i := range except {
			e := &except[i]
			if (e.own && id == e.room) || (e.ok && e.ms.has(id)) {
				return true
			}
		}
		return false
	}
	if len(opts.Rooms) == 0 {
		for id := range m.sids {
			if !out(id) {
				dst = append(dst, id)
			}
		}
		return dst
	}
	var seen map[string]struct{}
	if len(opts.Rooms) > 1 {
		seen = make(map[string]struct{})
	}
	add := func(id string) {
		if seen != nil {
			if _, dup := seen[id]; dup {
				return
			}
			seen[id] = struct{}{}
		}
		if !out(id) {
			dst = append(dst, id)
		}
	}
	for _, r := range opts.Rooms {
		if m.sids[r].own {
			add(r)
		}
		ms, ok := m.rooms[r]
		switch {
		case !ok:
		case ms.many == nil:
			add(ms.one)
		default:
			for id := range ms.many {
				add(id)
			}
		}
	}
	return dst
}

var idSlices = sync.Pool{New: func() any { s := make([]string, 0, 64); return &s }}

// Broadcast implements [Adapter].
func (m *Memory) Broadcast(p *parser.Packet, opts BroadcastOptions) error {
	return m.send(p, opts, nil, nil)
}

// BroadcastWithAck implements [Adapter].
func (m *Memory) BroadcastWithAck(p *parser.Packet, opts BroadcastOptions, expect func(int), onAck AckFunc) error {
	return m.send(p, opts, expect, onAck)
}

func (m *Memory) send(p *parser.Packet, opts BroadcastOptions, expect func(int), onAck AckFunc) error {
	sp := idSlices.Get().(*[]string)
	ids := m.Select(opts, (*sp)[:0])
	if expect != nil {
		expect(len(ids))
	}
	if len(ids) > 0 {
		m.ns.Send(ids, p, opts.Flags, onAck)
	}
	clear(ids)
	*sp = ids[:0]
	idSlices.Put(sp)
	return nil
}

// FetchSockets implements [Adapter].
func (m *Memory) FetchSockets(_ context.Context, opts BroadcastOptions) ([]SocketInfo, error) {
	ids := m.Select(opts, nil)
	out := make([]SocketInfo, 0, len(ids))
	for _, id := range ids {
		if info, ok := m.ns.Socket(id); ok {
			out = append(out, info)
		}
	}
	return out, nil
}

// AddSockets implements [Adapter].
func (m *Memory) AddSockets(opts BroadcastOptions, rooms []string) error {
	for _, id := range m.Select(opts, nil) {
		m.AddAll(id, rooms...)
	}
	return nil
}

// DelSockets implements [Adapter].
func (m *Memory) DelSockets(opts BroadcastOptions, rooms []string) error {
	for _, id := range m.Select(opts, nil) {
		for _, r := range rooms {
			m.Del(id, r)
		}
	}
	return nil
}

// DisconnectSockets implements [Adapter].
func (m *Memory) DisconnectSockets(opts BroadcastOptions, close bool) error {
	if ids := m.Select(opts, nil); len(ids) > 0 {
		m.ns.Disconnect(ids, close)
	}
	return nil
}

// ServerSideEmit implements [Adapter]: alone, there is nobody to tell.
func (m *Memory) ServerSideEmit(*parser.Packet, AckFunc) (int, error) { return 0, nil }

// ServerCount implements [Adapter].
func (m *Memory) ServerCount(context.Context) (int, error) { return 1, nil }

// Close implements [Adapter].
func (m *Memory) Close() error { return nil }
