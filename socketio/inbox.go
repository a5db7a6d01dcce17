package socketio

import "sync"

// inbox runs a socket's work one task at a time, in order, on a goroutine
// held only while there is work: an idle socket costs none. That goroutine
// is the connection's reader when the work comes from it (see
// engineio.Session.RunOnReader), or else a worker.
type inbox struct {
	mu      sync.Mutex
	tasks   []task // from head on
	head    int
	running bool
	srv     *Server
	drainFn func() // drain, made once
}

// task is an event to dispatch, or other work: an event needs no closure
// made for it.
type task struct {
	event *Event
	fn    func()
}

func (t task) run() {
	if e := t.event; e != nil {
		e.socket.dispatch(e)
		if e.recycle {
			e.release()
		}
		return
	}
	t.fn()
}

// push queues fn, which the inbox runs whatever the number waiting.
func (b *inbox) push(s *Socket, fn func()) {
	b.add(s, task{fn: fn}, true, false)
}

// pushEvent queues an event from the connection's reader, whose Message
// call this is: the reader may then run the inbox itself. Past the
// server's MaxPendingEvents it refuses (a client flooding faster than its
// handlers run).
func (b *inbox) pushEvent(e *Event) bool {
	return b.add(e.socket, task{event: e}, false, true)
}

func (b *inbox) add(s *Socket, t task, force, fromReader bool) bool {
	srv := s.nsp.srv
	b.mu.Lock()
	if !force && len(b.tasks)-b.head >= srv.opts.MaxPendingEvents {
		b.mu.Unlock()
		return false
	}
	b.tasks = append(b.tasks, t)
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
		t := b.tasks[b.head]
		b.tasks[b.head] = task{}
		b.head++
		b.mu.Unlock()
		t.run()
	}
}
