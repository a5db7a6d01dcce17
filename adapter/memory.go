package adapter

import (
	"context"
	"sort"
	"sync"

	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// Memory is the in-memory adapter: membership and delivery for one
// process. It is the default, and the local half of cluster adapters.
type Memory struct {
	ns Namespace

	mu    sync.RWMutex
	rooms map[string]map[string]struct{} // room → socket ids
	sids  map[string]map[string]struct{} // socket id → rooms
}

// NewMemory returns an in-memory adapter for ns. It is a [Factory].
func NewMemory(ns Namespace) Adapter { return newMemory(ns) }

func newMemory(ns Namespace) *Memory {
	return &Memory{
		ns:    ns,
		rooms: make(map[string]map[string]struct{}),
		sids:  make(map[string]map[string]struct{}),
	}
}

// AddAll implements [Adapter].
func (m *Memory) AddAll(id string, rooms ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mine := m.sids[id]
	if mine == nil {
		mine = make(map[string]struct{}, len(rooms))
		m.sids[id] = mine
	}
	for _, r := range rooms {
		mine[r] = struct{}{}
		members := m.rooms[r]
		if members == nil {
			members = make(map[string]struct{})
			m.rooms[r] = members
		}
		members[id] = struct{}{}
	}
}

// Del implements [Adapter].
func (m *Memory) Del(id, room string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sids[id], room)
	m.leave(id, room)
}

// leave removes id from room's members; m.mu is held.
func (m *Memory) leave(id, room string) {
	if members := m.rooms[room]; members != nil {
		delete(members, id)
		if len(members) == 0 {
			delete(m.rooms, room)
		}
	}
}

// DelAll implements [Adapter].
func (m *Memory) DelAll(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for r := range m.sids[id] {
		m.leave(id, r)
	}
	delete(m.sids, id)
}

// Rooms implements [Adapter].
func (m *Memory) Rooms(id string) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]string, 0, len(m.sids[id]))
	for r := range m.sids[id] {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Sockets implements [Adapter].
func (m *Memory) Sockets(rooms []string) []string {
	return m.Select(BroadcastOptions{Rooms: rooms}, nil)
}

// Select appends to dst the local sockets opts selects, each once.
func (m *Memory) Select(opts BroadcastOptions, dst []string) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	excluded := func(id string) bool {
		for _, r := range opts.Except {
			if _, ok := m.rooms[r][id]; ok {
				return true
			}
		}
		return false
	}
	if len(opts.Rooms) == 0 {
		for id := range m.sids {
			if !excluded(id) {
				dst = append(dst, id)
			}
		}
		return dst
	}
	var seen map[string]struct{}
	if len(opts.Rooms) > 1 {
		seen = make(map[string]struct{})
	}
	for _, r := range opts.Rooms {
		for id := range m.rooms[r] {
			if seen != nil {
				if _, dup := seen[id]; dup {
					continue
				}
				seen[id] = struct{}{}
			}
			if !excluded(id) {
				dst = append(dst, id)
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
