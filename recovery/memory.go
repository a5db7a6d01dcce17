// Package recovery keeps disconnected sessions and the packets they miss,
// so that a client whose connection dropped briefly comes back with the
// same id, rooms and data, and receives every event it missed
// (connection state recovery). [Memory] is the in-memory store; it is
// bounded in time and in size.
package recovery

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// Options bound a [Memory] store.
type Options struct {
	// MaxDisconnectionDuration is how long sessions and packets are kept.
	// Default 2 minutes.
	MaxDisconnectionDuration time.Duration
	// MaxSessions bounds the sessions kept; the oldest go first. Default
	// 100,000.
	MaxSessions int
	// MaxPackets bounds the packets kept; the oldest go first (sessions
	// that needed them then start afresh). Default 100,000.
	MaxPackets int
	// MaxBytes bounds the size of the packets kept (their data,
	// attachments and rooms); the oldest go first. A single packet larger
	// than MaxBytes is still kept, alone. Default 128 MiB.
	MaxBytes int64
	// Now is the clock (for tests). Default time.Now.
	Now func() time.Time
}

// Memory is an in-memory [adapter.SessionStore]. Safe for concurrent use.
type Memory struct {
	opts  Options
	epoch string // tells this store's offsets from another's (e.g. before a restart)

	mu       sync.Mutex
	seq      uint64
	packets  []entry // in offset order
	bytes    int64   // sum of the packets' size
	sessions map[string]*kept
	order    []*kept // by disconnection time, for eviction
}

type entry struct {
	seq    uint64
	at     time.Time
	size   int64
	p      *parser.Packet
	rooms  []string
	except []string
}

// ErrNotArray is returned by Append for a packet whose data is not a JSON
// array, where no offset can be added.
var ErrNotArray = errors.New("recovery: packet data is not a JSON array")

type kept struct {
	s    adapter.Session
	at   time.Time
	gone bool // restored or replaced: skipped when it reaches the front of order
}

// NewMemory returns an empty store.
func NewMemory(opts *Options) *Memory {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxDisconnectionDuration <= 0 {
		o.MaxDisconnectionDuration = 2 * time.Minute
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 100_000
	}
	if o.MaxPackets <= 0 {
		o.MaxPackets = 100_000
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 128 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &Memory{opts: o, epoch: base64.RawURLEncoding.EncodeToString(b[:]), sessions: make(map[string]*kept)}
}

// Append implements [adapter.SessionStore].
func (m *Memory) Append(p *parser.Packet, opts adapter.BroadcastOptions) (*parser.Packet, error) {
	arr := bytes.TrimSpace(p.Data)
	if len(arr) < 2 || arr[0] != '[' || arr[len(arr)-1] != ']' {
		return nil, ErrNotArray
	}
	rooms, except := slices.Clone(opts.Rooms), slices.Clone(opts.Except)
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.opts.Now()
	m.seq++
	c := *p
	c.Data = appendLast(arr, m.epoch, m.seq)
	size := int64(len(c.Data))
	for _, a := range c.Attachments {
		size += int64(len(a))
	}
	for _, r := range rooms {
		size += int64(len(r))
	}
	for _, r := range except {
		size += int64(len(r))
	}
	m.prune(now)
	// Only the oldest packets are dropped, so that an offset still kept
	// always has every packet after it.
	drop := max(len(m.packets)-m.opts.MaxPackets+1, 0)
	kept := m.bytes
	for _, e := range m.packets[:drop] {
		kept -= e.size
	}
	for drop < len(m.packets) && kept+size > m.opts.MaxBytes {
		kept -= m.packets[drop].size
		drop++
	}
	m.dropPackets(drop)
	m.packets = append(m.packets, entry{seq: m.seq, at: now, size: size, p: &c, rooms: rooms, except: except})
	m.bytes += size
	return &c, nil
}

// dropPackets forgets the n oldest packets; m.mu is held.
func (m *Memory) dropPackets(n int) {
	if n <= 0 {
		return
	}
	for _, e := range m.packets[:n] {
		m.bytes -= e.size
	}
	clear(m.packets[:n])
	m.packets = m.packets[n:]
}

// appendLast adds the offset of seq as the last element of arr, a JSON
// array without surrounding spaces.
func appendLast(arr []byte, epoch string, seq uint64) []byte {
	body := bytes.TrimRight(arr[:len(arr)-1], " \t\r\n")
	out := make([]byte, 0, len(body)+len(epoch)+16)
	out = append(out, body...)
	if len(body) > 1 { // not "[" alone: the array has elements
		out = append(out, ',')
	}
	out = append(out, '"')
	out = append(out, epoch...)
	out = append(out, '-')
	out = strconv.AppendUint(out, seq, 36)
	return append(out, '"', ']')
}

// Persist implements [adapter.SessionStore].
func (m *Memory) Persist(s adapter.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.opts.Now()
	m.prune(now)
	if old := m.sessions[s.PID]; old != nil {
		m.drop(old)
	}
	for len(m.sessions) >= m.opts.MaxSessions {
		m.drop(m.order[0])
		m.popGone()
	}
	k := &kept{s: s, at: now}
	m.sessions[s.PID] = k
	m.order = append(m.order, k)
	return nil
}

// Restore implements [adapter.SessionStore].
func (m *Memory) Restore(nsp, pid, offset string) (*adapter.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prune(m.opts.Now())
	k := m.sessions[pid]
	if k == nil || k.s.Namespace != nsp {
		return nil, nil
	}
	seq, ok := m.parseOffset(offset)
	if !ok {
		return nil, nil
	}
	i, found := slices.BinarySearchFunc(m.packets, seq, func(e entry, seq uint64) int {
		switch {
		case e.seq < seq:
			return -1
		case e.seq > seq:
			return 1
		}
		return 0
	})
	if !found {
		return nil, nil // too old: start afresh rather than miss packets
	}
	m.drop(k)
	s := k.s
	for _, e := range m.packets[i+1:] {
		if e.p.Namespace == nsp && (adapter.BroadcastOptions{Rooms: e.rooms, Except: e.except}).Selects(s.Rooms) {
			s.Missed = append(s.Missed, e.p)
		}
	}
	return &s, nil
}

func (m *Memory) parseOffset(offset string) (uint64, bool) {
	// The epoch is base64url, which may hold '-' too: the sequence number
	// is what follows the last one.
	i := strings.LastIndexByte(offset, '-')
	if i < 0 || offset[:i] != m.epoch {
		return 0, false
	}
	seq, err := strconv.ParseUint(offset[i+1:], 36, 64)
	return seq, err == nil
}

// prune forgets what is older than the maximum disconnection duration;
// m.mu is held.
func (m *Memory) prune(now time.Time) {
	limit := now.Add(-m.opts.MaxDisconnectionDuration)
	n := 0
	for n < len(m.packets) && m.packets[n].at.Before(limit) {
		n++
	}
	if n > 0 {
		m.dropPackets(n)
	}
	for len(m.order) > 0 && m.order[0].at.Before(limit) {
		m.drop(m.order[0])
		m.popGone()
	}
	m.popGone()
}

// drop forgets a session; its place in order is freed when it reaches the
// front. m.mu is held.
func (m *Memory) drop(k *kept) {
	if !k.gone {
		k.gone = true
		delete(m.sessions, k.s.PID)
	}
}

// popGone removes forgotten sessions from the front of order, and compacts
// order when forgotten ones pile up behind live ones; m.mu is held.
func (m *Memory) popGone() {
	for len(m.order) > 0 && m.order[0].gone {
		m.order[0] = nil
		m.order = m.order[1:]
	}
	if len(m.order) > 2*len(m.sessions)+1024 {
		m.order = slices.DeleteFunc(m.order, func(k *kept) bool { return k.gone })
	}
}

// Len reports the sessions and packets kept.
func (m *Memory) Len() (sessions, packets int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions), len(m.packets)
}
