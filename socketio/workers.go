package socketio

import (
	"sync"
	"sync/atomic"
	"time"
)

// workers runs the inboxes' drains on goroutines that are kept a while
// once done. A new goroutine starts with a small stack that the first
// reply a handler writes outgrows; growing it (a copy) was an eighth of
// the CPU of an echo. A goroutine that waits for the next drain keeps the
// stack it grew.
type workers struct {
	handoff  chan *inbox // to a waiting worker; unbuffered
	stop     chan struct{}
	stopOnce sync.Once
	waiting  atomic.Int32
}

// Bounds of the kept goroutines: how many wait at most, and how long.
const (
	maxWaitingWorkers = 256
	workerLinger      = 2 * time.Second
)

func newWorkers() *workers {
	return &workers{handoff: make(chan *inbox), stop: make(chan struct{})}
}

// run drains b on a waiting worker, or on a new one if none waits.
func (w *workers) run(b *inbox) {
	select {
	case w.handoff <- b:
	default:
		go w.work(b)
	}
}

func (w *workers) work(b *inbox) {
	var linger *time.Timer
	for {
		b.drain()
		if w.waiting.Add(1) > maxWaitingWorkers {
			w.waiting.Add(-1)
			return
		}
		if linger == nil {
			linger = time.NewTimer(workerLinger)
		} else {
			linger.Reset(workerLinger)
		}
		select {
		case b = <-w.handoff:
			w.waiting.Add(-1)
		case <-linger.C:
			w.waiting.Add(-1)
			return
		case <-w.stop:
			w.waiting.Add(-1)
			return
		}
	}
}

// close ends the waiting workers; running ones end after their drain.
func (w *workers) close() { w.stopOnce.Do(func() { close(w.stop) }) }
