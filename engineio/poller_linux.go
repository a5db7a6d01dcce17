package engineio

import (
	"errors"
	"sync"
	"syscall"
)

// poller watches the connections of parked readers (see socket.wait) with an
// epoll instance of its own, one goroutine for the whole server, so an idle
// connection keeps no goroutine and no stack. Registrations are one-shot
// and level-triggered: data that came before a reader parked wakes it at
// once, and each wake-up is delivered once.
type poller struct {
	once   sync.Once
	epfd   int
	stopR  int // read end of the pipe that stops the loop
	stopW  int
	err    error
	done   chan struct{}
	mu     sync.Mutex
	parked map[uint32]*socket
	next   uint32
}

// stopToken marks the stop pipe's events; socket tokens start at 1.
const stopToken = 0

func (p *poller) start() {
	p.epfd, p.err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if p.err != nil {
		return
	}
	var fds [2]int
	if p.err = syscall.Pipe2(fds[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); p.err != nil {
		_ = syscall.Close(p.epfd)
		return
	}
	p.stopR, p.stopW = fds[0], fds[1]
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: stopToken}
	if p.err = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, p.stopR, &ev); p.err != nil {
		p.closeFDs()
		return
	}
	p.parked = make(map[uint32]*socket)
	p.done = make(chan struct{})
	go p.loop()
}

func (p *poller) closeFDs() {
	_ = syscall.Close(p.stopR)
	_ = syscall.Close(p.stopW)
	_ = syscall.Close(p.epfd)
}

// ready starts the poller, if it has not yet; the server calls it at its
// first WebSocket, so the poller's descriptors and goroutine come with the
// first connection that may park rather than at a moment that depends on
// timing.
func (p *poller) ready() { p.once.Do(p.start) }

// park registers w, whose reader is about to end, and reports whether it
// did; when it did, a readable connection (or its close) resumes the reader.
func (p *poller) park(w *socket) bool {
	p.ready()
	p.mu.Lock()
	if p.err != nil {
		p.mu.Unlock()
		return false
	}
	if w.token == 0 {
		p.next++
		if p.next == stopToken {
			p.next++
		}
		w.token = p.next
	}
	p.parked[w.token] = w
	p.mu.Unlock()
	w.parked.Store(true)

	var cerr error
	err := w.raw.Control(func(fd uintptr) {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: int32(w.token)}
		op := syscall.EPOLL_CTL_MOD
		if !w.registered {
			op = syscall.EPOLL_CTL_ADD
			// Before the call: once it is made, a wake-up may resume
			// (and park again) on another goroutine.
			w.registered = true
		}
		cerr = syscall.EpollCtl(p.epfd, op, int(fd), &ev)
	})
	if err == nil && cerr == nil {
		return true
	}
	// Not registered (the connection is closing): keep reading, unless a
	// wake-up (the close) already took the reader over.
	p.forget(w)
	return !w.parked.CompareAndSwap(true, false)
}

func (p *poller) forget(w *socket) {
	p.mu.Lock()
	if p.parked[w.token] == w {
		delete(p.parked, w.token)
	}
	p.mu.Unlock()
}

func (p *poller) loop() {
	defer close(p.done)
	events := make([]syscall.EpollEvent, 256)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			// Cannot happen with a valid epoll fd; wake everyone so no
			// reader stays parked, and stop parking.
			p.mu.Lock()
			p.err = err
			all := p.parked
			p.parked = map[uint32]*socket{}
			p.mu.Unlock()
			for _, w := range all {
				w.wake()
			}
			return
		}
		for _, ev := range events[:n] {
			token := uint32(ev.Fd)
			if token == stopToken {
				p.closeFDs()
				return
			}
			p.mu.Lock()
			w := p.parked[token]
			delete(p.parked, token)
			p.mu.Unlock()
			if w != nil {
				w.wake()
			}
		}
	}
}

// stop ends the loop once no reader is parked (the server has closed).
func (p *poller) stop() {
	started := false
	p.once.Do(func() {}) // never to start now
	p.mu.Lock()
	if p.err == nil {
		started = true
		p.err = errors.New("engineio: poller stopped")
	}
	p.mu.Unlock()
	if started && p.done != nil {
		_, _ = syscall.Write(p.stopW, []byte{1})
		<-p.done
	}
}
