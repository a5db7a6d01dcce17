package engineio

import (
	"runtime"
	"sync"
)

// flushers write for every WebSocket session that has something queued,
// without blocking: a few goroutines for the whole server instead of one
// per session. A broadcast to thousands of sessions then costs no
// goroutine per receiver, and it leaves the broadcaster room to run: while
// the flushers work through the sessions in order, later messages join
// those still waiting, so a burst reaches each client in few writes. A
// session whose client does not take its batch at once gets a writer
// goroutine of its own (see writeNow), so a stalled client delays no one.
type flushers struct {
	mu      sync.Mutex
	queue   []*Session // sessions waiting, in order
	head    int
	running int
}

// push queues s, which owns s.writing; s.mu is held.
func (f *flushers) push(s *Session) {
	f.mu.Lock()
	f.queue = append(f.queue, s)
	if f.running < runtime.GOMAXPROCS(0) {
		f.running++
		s.srv.goroutines.Add(1)
		go f.run(s.srv)
	}
	f.mu.Unlock()
}

// run flushes queued sessions until none is left.
func (f *flushers) run(srv *Server) {
	defer srv.goroutines.Done()
	for {
		f.mu.Lock()
		if f.head == len(f.queue) {
			f.running--
			clear(f.queue)
			f.queue, f.head = f.queue[:0], 0
			f.mu.Unlock()
			return
		}
		s := f.queue[f.head]
		f.queue[f.head] = nil
		f.head++
		f.mu.Unlock()
		s.mu.Lock()
		s.writeNow()
	}
}
