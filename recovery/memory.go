// Package recovery keeps disconnected sessions and the packets they miss,
// so that a client whose connection dropped briefly comes back with the
// same id, rooms and data, and receives every event it missed
// (connection state recovery). [Memory] is the in-memory store; it is
// bounded in time and in size.
package recovery

import (
	"crypto/rand"
	"encoding/base64"
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
	sessions map[string]*kept
	order    []*kept // by disconnection time, for eviction
}

type entry struct {
	seq    uint64
	at     time.Time
	p      *parser.Packet
	rooms  []string
	except []string
}

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
	if o.Now == nil {
		o.Now = time.Now
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &Memory{opts: o, epoch: base64.RawURLEncoding.EncodeToString(b[:]), sessions: make(map[string]*kept)}
}

// Append implements [adapter.SessionStore].
func (m *Memory) Append(p *parser.Packet, opts adapter.BroadcastOptions) (*parser.Packet, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.opts.Now()
	m.seq++
	offset := m.epoch + "-" + strconv.FormatUint(m.seq, 36)
	c := *p
	c.Data = appendLast(p.Data, offset)
	m.prune(now)
	if extra := len(m.packets) - m.opts.MaxPackets + 1; extra > 0 {
		clear(m.packets[:extra])
		m.packets = m.packets[extra:]
	}
	m.packets = append(m.packets, entry{seq: m.seq, at: now, p: &c, rooms: opts.Rooms, except: opts.Except})
	return &c, nil
}

// appendLast adds the string s as the last element of a JSON array.
func appendLast(arr []byte, s string) []byte {
	out := make([]byte, 0, len(arr)+len(s)+3)
	out = append(out, arr[:len(arr)-1]...)
	if len(arr) > 2 {
		out = append(out, ',')
	}
	out = parser.AppendString(out, s)
	return append(out, ']')
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
		if e.p.Namespace == nsp && includes(s.Rooms, e.rooms, e.except) {
			s.Missed = append(s.Missed, e.p)
		}
	}
	return &s, nil
}

func (m *Memory) parseOffset(offset string) (uint64, bool) {
	epoch, n, ok := strings.Cut(offset, "-")
	if !ok || epoch != m.epoch {
		return 0, false
	}
	seq, err := strconv.ParseUint(n, 36, 64)
	return seq, err == nil
}

// includes reports whether a socket in rooms got a packet sent to
// targets (all when empty) except those in except.
func includes(rooms, targets, except []string) bool {
	for _, r := range rooms {
		if slices.Contains(except, r) {
			return false
		}
	}
	if len(targets) == 0 {
		return true
	}
	for _, r := range rooms {
		if slices.Contains(targets, r) {
			return true
		}
	}
	return false
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
		clear(m.packets[:n])
		m.packets = m.packets[n:]
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
