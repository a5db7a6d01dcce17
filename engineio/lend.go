package engineio

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio/parser"
)

// Lending the reader. A SessionHandler's Message usually hands its work to
// another goroutine and returns, so the reader can read on; waking that
// goroutine and parking it again costs about a tenth of the CPU of an echo.
// When the work is short, running it on the reader itself saves that. The
// catch is work that blocks, say on a reply only the reader could read: a
// reader lent for longer than a tick or two is replaced by a new goroutine,
// and the old one ends when its work returns.

// The reader's phase, in the low bits of Session.rstate; the bits above
// count the lends, so that a watcher seeing the same word twice knows the
// same lend is still running.
const (
	phaseIdle       = 0 // not in a Message call from the reader
	phaseDelivering = 1 // in a Message call from the reader: it may lend
	phaseLent       = 2 // running the function lent to
	phaseMask       = 3
)

// lendTick is how often the watcher looks at the lent readers: one lent
// for two ticks in a row is replaced.
const lendTick = 10 * time.Millisecond

// RunOnReader runs fn on the goroutine that reads the session, once the
// Message call it is made from has returned and before the next message is
// read, instead of on a goroutine the handler would have to wake. It is for
// a Message call to use, and reports false (fn will not run) when called
// from anywhere else, on a long-polling session (whose messages come from
// HTTP requests), or when fn is already set for this message. Nothing is
// read while fn runs, until it runs for long or calls [Session.HandOff]:
// then reading goes on on a new goroutine, beside fn.
func (s *Session) RunOnReader(fn func()) bool {
	if s.rstate.Load()&phaseMask != phaseDelivering || s.lendFn != nil {
		return false
	}
	slot, ok := s.srv.lenders.claim(s)
	if !ok {
		return false
	}
	s.lendFn, s.lendSlot = fn, slot
	return true
}

// HandOff makes sure the session is being read: if its reader is running
// a function given to [Session.RunOnReader], a new goroutine takes the
// reading over. Call it before blocking on something only the client can
// end, such as its acknowledgement.
func (s *Session) HandOff() {
	if st := s.rstate.Load(); st&phaseMask == phaseLent {
		s.handOff(st)
	}
}

// handOff replaces the reader if it is still in the lend st.
func (s *Session) handOff(st uint64) {
	if !s.rstate.CompareAndSwap(st, (st>>2+1)<<2|phaseIdle) {
		return // back from its lend already, or replaced
	}
	s.mu.Lock()
	ws := s.ws
	s.mu.Unlock()
	go ws.resume()
}

// deliverFromReader is receive for the WebSocket reader, with the lend it may
// ask for. It reports whether the goroutine is still the session's reader.
func (s *Session) deliverFromReader(p parser.Packet) (ok, reader bool) {
	st := s.rstate.Load()
	s.rstate.Store(st | phaseDelivering)
	ok = s.receive(p)
	fn := s.lendFn
	if fn == nil {
		s.rstate.Store(st)
		return ok, true
	}
	slot := s.lendSlot // a new reader may lend again once this one is replaced
	s.lendFn = nil
	lent := (st>>2+1)<<2 | phaseLent
	s.rstate.Store(lent)
	fn()
	s.srv.lenders.release(slot, s)
	return ok, s.rstate.CompareAndSwap(lent, lent&^phaseMask)
}

// lenders are the slots of the readers lent at one time, which a watcher
// goroutine looks at while any is taken. There are few: a lend is as short
// as a handler, or soon handed off.
type lenders struct {
	slots    [lendSlots]lendSlot
	watching atomic.Bool
	mu       sync.Mutex // starting and stopping the watcher
	stopped  bool
	stop     chan struct{}
	done     chan struct{}
}

const lendSlots = 64

// lendSlot is one cache line, so that claims on two cores do not share one.
type lendSlot struct {
	s atomic.Pointer[Session]
	_ [56]byte
}

// claim takes a free slot for s; it fails when all are taken. The search
// starts at a place of the session's own (its random id says where), so
// that sessions on different cores seldom try the same slots.
func (l *lenders) claim(s *Session) (int, bool) {
	start := int(s.id[len(s.id)-1])
	for i := range lendSlots {
		n := (start + i) % lendSlots
		if l.slots[n].s.CompareAndSwap(nil, s) {
			if !l.watching.Load() {
				l.startWatch()
			}
			return n, true
		}
	}
	return 0, false
}

func (l *lenders) release(n int, s *Session) { l.slots[n].s.CompareAndSwap(s, nil) }

func (l *lenders) startWatch() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped || !l.watching.CompareAndSwap(false, true) {
		return
	}
	if l.stop == nil {
		l.stop = make(chan struct{})
	}
	l.done = make(chan struct{})
	go l.watch(l.stop, l.done)
}

// watch hands off the readers seen lent in the same lend at two ticks in a
// row. It ends after a second without lends, or when the server stops.
func (l *lenders) watch(stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(lendTick)
	defer t.Stop()
	var seen [lendSlots]uint64
	var seenBy [lendSlots]*Session
	idle := 0
	for {
		select {
		case <-t.C:
		case <-stop:
			return
		}
		busy := false
		for i := range l.slots {
			s := l.slots[i].s.Load()
			if s == nil {
				seenBy[i] = nil
				continue
			}
			busy = true
			st := s.rstate.Load()
			if st&phaseMask == phaseLent && seenBy[i] == s && seen[i] == st {
				s.handOff(st)
			}
			seen[i], seenBy[i] = st, s
		}
		if busy {
			idle = 0
			continue
		}
		if idle++; idle < int(time.Second/lendTick) {
			continue
		}
		// Idle: stop, unless a claim came in meanwhile and saw the watcher
		// still running.
		l.watching.Store(false)
		if !l.anyTaken() || !l.watching.CompareAndSwap(false, true) {
			return
		}
		idle = 0
	}
}

func (l *lenders) anyTaken() bool {
	for i := range l.slots {
		if l.slots[i].s.Load() != nil {
			return true
		}
	}
	return false
}

// handOffAll replaces every lent reader, so that closing sessions are read
// to their end at once.
func (l *lenders) handOffAll() {
	for i := range l.slots {
		if s := l.slots[i].s.Load(); s != nil {
			s.HandOff()
		}
	}
}

// shutdown stops the watcher for good; the server calls it once every
// session is over, maybe more than once.
func (l *lenders) shutdown() {
	l.mu.Lock()
	if l.stop != nil && !l.stopped {
		close(l.stop)
	}
	l.stopped = true
	done := l.done
	l.mu.Unlock()
	if done != nil {
		<-done
	}
}
