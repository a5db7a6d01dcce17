package socketio

import "sync"

// inbox runs a socket's work one task at a time, in order, on a goroutine
// that exists only while there is work: an idle socket costs none.
type inbox struct {
	mu      sync.Mutex
	tasks   []func()
	running bool
}

// push queues fn. Past the server's MaxPendingEvents it refuses (a client
// flooding faster than its handlers run) unless force is set.
func (b *inbox) push(s *Socket, fn func(), force bool) bool {
	srv := s.nsp.srv
	b.mu.Lock()
	if !force && len(b.tasks) >= srv.opts.MaxPendingEvents {
		b.mu.Unlock()
		return false
	}
	b.tasks = append(b.tasks, fn)
	if !b.running {
		b.running = true
		srv.wg.Add(1)
		go b.drain(srv)
	}
	b.mu.Unlock()
	return true
}

func (b *inbox) drain(srv *Server) {
	defer srv.wg.Done()
	for {
		b.mu.Lock()
		if len(b.tasks) == 0 {
			b.running = false
			b.tasks = nil
			b.mu.Unlock()
			return
		}
		fn := b.tasks[0]
		b.tasks[0] = nil
		b.tasks = b.tasks[1:]
		b.mu.Unlock()
		fn()
	}
}
