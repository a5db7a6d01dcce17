package socketio

import "sync"

// inbox runs a socket's work one task at a time, in order, on a goroutine
// held only while there is work: an idle socket costs none. That goroutine
// is the connection's reader when the work comes from it (see
// engineio.Session.RunOnReader), or else a worker.
type inbox struct {
	mu      sync.Mutex
	tasks   []func() // from head on
	head    int
	running bool
	srv     *Server
	drainFn func() // drain, made once
}

// push queues fn. Past the server's MaxPendingEvents it refuses (a client
// flooding faster than its handlers run) unless force is set.
func (b *inbox) push(s *Socket, fn func(), force bool) bool {
	return b.pushFrom(s, fn, force, false)
}

// pushFrom is push; fromReader says the caller is the connection's Message
// call, whose reader may then run the inbox itself.
func (b *inbox) pushFrom(s *Socket, fn func(), force, fromReader bool) bool {
	srv := s.nsp.srv
	b.mu.Lock()
	if !force && len(b.tasks)-b.head >= srv.opts.MaxPendingEvents {
		b.mu.Unlock()
		return false
	}
	b.tasks = append(b.tasks, fn)
	if !b.running {
		b.running = true
		b.srv = srv
		srv.wg.Add(1)
		if b.drainFn == nil {
			b.drainFn = b.drain
		}
		if !fromReader || !s.client.conn.RunOnReader(b.drainFn) {
			srv.workers.run(b)
		}
	}
	b.mu.Unlock()
	return true
}

func (b *inbox) drain() {
	defer b.srv.wg.Done()
	for {
		b.mu.Lock()
		if b.head == len(b.tasks) {
			b.running = false
			clear(b.tasks)
			b.tasks, b.head = b.tasks[:0], 0
			if cap(b.tasks) > 64 { // a burst's queue is not kept
				b.tasks = nil
			}
			b.mu.Unlock()
			return
		}
		fn := b.tasks[b.head]
		b.tasks[b.head] = nil
		b.head++
		b.mu.Unlock()
		fn()
	}
}
