package engineio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/seed-e3ad8a97/sio/engineio/parser"
)

// Message is one Engine.IO message: UTF-8 text, or binary when Binary is set.
// Its Data must not change once sent: a broadcast shares it among sessions.
type Message struct {
	Data   []byte
	Binary bool
	// Borrowed lends Data only for the call that sends the message: what
	// SendNow cannot write at once, and all that Send and SendVolatile
	// queue, is kept as a copy. For Data that will be reused, such as a
	// buffer given to [Recycle].
	Borrowed bool
}

// A Handler is told of every new session.
type Handler interface {
	// Open is called once per session, before any of its messages, and
	// returns the receiver of the session's messages and end.
	Open(s *Session) SessionHandler
}

// HandlerFunc adapts a function to the [Handler] interface.
type HandlerFunc func(s *Session) SessionHandler

// Open calls f(s).
func (f HandlerFunc) Open(s *Session) SessionHandler { return f(s) }

// A SessionHandler receives the messages of one session. Its calls never
// overlap and come in the order the client sent.
type SessionHandler interface {
	// Message is called for each message. data belongs to the callee.
	Message(data []byte, binary bool)
	// Closed is called once, after the last Message, with the reason (one
	// of the Reason constants) and, when there is one, the error behind it.
	Closed(reason string, cause error)
}

// Session is one Engine.IO connection, whatever its transport. Its methods
// are safe for concurrent use.
type Session struct {
	id      string
	srv     *Server
	req     *http.Request
	handler SessionHandler

	recvMu sync.Mutex // orders calls into handler
	ended  atomic.Bool

	// lending the WebSocket reader (lend.go)
	rstate   atomic.Uint64 // lend count << 2 | phase
	lendFn   func()        // asked for by the Message call; reader only
	lendSlot int

	mu        sync.Mutex
	done      chan struct{} // made by Done, closed by finish
	finished  bool
	transport string
	queue     []parser.Packet
	spare     []parser.Packet // the queue's previous backing array, reused
	queued    int             // bytes in queue
	lent      []Message       // what a send is queueing, its Data maybe borrowed
	lentAt    int             // where lent starts in queue
	closed    bool
	graceful  bool // flush the queue before closing
	linger    *time.Timer
	timer     *time.Timer // heartbeat: next ping, or pong deadline
	awaitPong bool
	cork      uint32 // the Cork in force, 0 if none (cork.go)
	corks     uint32 // Corks so far, naming each

	// long-polling
	getting  bool          // a GET is pending
	posting  bool          // a POST is being handled
	stopPost func()        // ends the body read of that POST, while it lasts
	wake     chan struct{} // wakes the pending GET

	// websocket
	ws      *socket
	writing bool // a writer goroutine owns ws writes
	// writeDeadline closes ws when a batch takes longer than WriteTimeout;
	// only the writer goroutine touches it.
	writeDeadline *time.Timer
	upgrading     bool
	probe         *socket
}

func newSession(srv *Server, id, transport string, r *http.Request) *Session {
	s := &Session{
		id:        id,
		srv:       srv,
		req:       handshakeRequest(r),
		transport: transport,
	}
	if transport == Polling { // a WebSocket session never has a GET to wake
		s.wake = make(chan struct{}, 1)
	}
	return s
}

// handshakeRequest keeps what the layer above may read of the request that
// opened the session, without its body.
func handshakeRequest(r *http.Request) *http.Request {
	c := r.Clone(context.Background())
	c.Body = http.NoBody
	return c
}

// ID is the session id (the "sid" of the protocol).
func (s *Session) ID() string { return s.id }

// Request is the HTTP request that opened the session (headers, query,
// remote address, TLS); its body is empty.
func (s *Session) Request() *http.Request { return s.req }

// Transport is the session's current transport: [Polling] or [WebSocket].
func (s *Session) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transport
}

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil { // made when first asked for: most sessions never are
		if s.finished {
			return closedChan
		}
		s.done = make(chan struct{})
	}
	return s.done
}

// closedChan is the Done of a session that ended before anyone asked.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Send queues messages to the client, all or none, in order. It never blocks
// on the network: the server's flushers write them, together with whatever
// else is queued by then, so a burst (a broadcast to many sessions) leaves
// in few system calls. When the queue is full the session is closed as a
// slow consumer and ErrQueueFull is returned.
func (s *Session) Send(msgs ...Message) error {
	if err := s.lockAndQueue(msgs); err != nil {
		return err
	}
	s.lent, s.lentAt = msgs, len(s.queue)-len(msgs)
	s.keepLent()
	s.kick()
	s.mu.Unlock()
	return nil
}

// SendNow is Send for a reply: if the session is idle on a WebSocket, the
// caller writes the messages itself, as far as the connection takes them
// without waiting, which spares a goroutine hand-off; what is left is
// written as after Send. It never blocks on the network either.
func (s *Session) SendNow(msgs ...Message) error {
	if err := s.lockAndQueue(msgs); err != nil {
		return err
	}
	s.lent, s.lentAt = msgs, len(s.queue)-len(msgs)
	s.unlockAndWrite()
	return nil
}

// lockAndQueue queues msgs and returns with s.mu held, or fails without.
func (s *Session) lockAndQueue(msgs []Message) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if !s.fits(msgs) {
		s.mu.Unlock()
		s.srv.stats.slowConsumers.Add(1)
		s.srv.opts.Logger.Warn("engineio: closing slow consumer", "sid", s.id)
		s.close(ReasonTransportError, ErrQueueFull, false)
		return ErrQueueFull
	}
	s.enqueue(msgs)
	return nil
}

// SendVolatile queues messages only if the transport can write them now
// (nothing waiting before them, no upgrade in progress); otherwise they
// are dropped and it returns false.
func (s *Session) SendVolatile(msgs ...Message) bool {
	s.mu.Lock()
	ready := (len(s.queue) == 0 || s.corked()) && !s.upgrading &&
		(s.transport == WebSocket || s.getting)
	if s.closed {
		s.mu.Unlock()
		return false
	}
	if !ready || !s.fits(msgs) {
		s.mu.Unlock()
		s.srv.stats.volatileDropped.Add(uint64(len(msgs)))
		return false
	}
	s.enqueue(msgs)
	s.lent, s.lentAt = msgs, len(s.queue)-len(msgs)
	s.keepLent()
	s.kick()
	s.mu.Unlock()
	return true
}

// Close ends the session after flushing what is queued; the handler's Closed
// gets "forced close".
func (s *Session) Close() { s.close(ReasonForcedClose, nil, true) }

func (s *Session) fits(msgs []Message) bool {
	n := s.queued
	for _, m := range msgs {
		n += len(m.Data) + 1
	}
	return len(s.queue)+len(msgs) <= s.srv.opts.MaxQueuedPackets && n <= s.srv.opts.MaxQueuedBytes
}

// enqueue queues msgs; s.mu is held.
func (s *Session) enqueue(msgs []Message) {
	for _, m := range msgs {
		s.queue = append(s.queue, parser.Packet{Type: parser.Message, Data: m.Data, Binary: m.Binary})
		s.queued += len(m.Data) + 1
	}
}

// keepLent replaces the borrowed data among the messages a send has just
// queued, s.lent from s.lentAt on, with copies: the send is about to
// return without having written them. s.mu is held.
func (s *Session) keepLent() {
	for i, m := range s.lent {
		if m.Borrowed {
			q := &s.queue[s.lentAt+i]
			q.Data = append([]byte(nil), q.Data...)
		}
	}
	s.lent = nil
}

// lendsBorrowed reports whether the send under way has borrowed data;
// s.mu is held.
func (s *Session) lendsBorrowed() bool {
	for _, m := range s.lent {
		if m.Borrowed {
			return true
		}
	}
	return false
}

// pushControl queues a control packet regardless of the bounds (there is at
// most one of each in flight); s.mu is held.
func (s *Session) pushControl(t parser.Type) { s.pushControlData(t, nil) }

func (s *Session) pushControlData(t parser.Type, data []byte) {
	s.queue = append(s.queue, parser.Packet{Type: t, Data: data})
	s.queued += 1 + len(data)
	s.kick()
}

// kick wakes whatever drains the queue, unless the session is corked;
// s.mu is held.
func (s *Session) kick() {
	switch {
	case s.corked():
	case s.transport == WebSocket:
		if !s.writing {
			s.writing = true
			if s.ws.raw != nil {
				s.srv.flushers.push(s)
			} else {
				s.startWriter() // no non-blocking write (TLS)
			}
		}
	case s.getting:
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// take removes and returns every queued packet; s.mu is held. The caller
// hands the slice back with giveBack once written.
func (s *Session) take() []parser.Packet {
	s.lent = nil // written before the send returns
	batch := s.queue
	s.queue, s.spare = s.spare, nil
	s.queued = 0
	return batch
}

func (s *Session) giveBack(batch []parser.Packet) {
	clear(batch)
	s.mu.Lock()
	if s.spare == nil && cap(batch) <= 64 {
		s.spare = batch[:0]
	}
	s.mu.Unlock()
}

// heartbeat runs on the session's timer: it sends a ping, or closes the
// session when the previous ping went unanswered.
func (s *Session) heartbeat() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if s.awaitPong {
		s.mu.Unlock()
		s.close(ReasonPingTimeout, nil, false)
		return
	}
	s.awaitPong = true
	s.timer.Reset(s.srv.opts.PingTimeout)
	s.pushControl(parser.Ping)
	s.mu.Unlock()
}

func (s *Session) pong() {
	s.mu.Lock()
	if s.awaitPong && !s.closed {
		s.awaitPong = false
		s.timer.Reset(s.srv.opts.PingInterval)
	}
	s.mu.Unlock()
}

// errProtocol wraps the reasons a client's packet is refused.
var errProtocol = errors.New("engineio: protocol violation")

// receive handles one packet from the client, whatever the transport. It
// reports false when the session must stop reading.
func (s *Session) receive(p parser.Packet) bool {
	switch p.Type {
	case parser.Message:
		if !p.Binary && !utf8.Valid(p.Data) {
			// Text is UTF-8 on both transports (RFC 6455 §8.1; polling
			// bodies are text/plain;charset=UTF-8). Passed on, it would be
			// echoed or broadcast as invalid text frames, which make
			// browsers fail the connection of every client receiving them.
			s.close(ReasonParseError, fmt.Errorf("%w: text message is not valid UTF-8", errProtocol), false)
			return false
		}
		s.srv.stats.msgsIn.Add(1)
		s.srv.stats.bytesIn.Add(uint64(len(p.Data)))
		s.deliver(p.Data, p.Binary)
	case parser.Pong:
		s.pong()
	case parser.Close:
		s.close(ReasonTransportClose, nil, false)
		return false
	case parser.Ping:
		// In v4 only the server pings.
		s.close(ReasonTransportError, fmt.Errorf("%w: invalid heartbeat direction", errProtocol), false)
		return false
	}
	return true
}

func (s *Session) deliver(data []byte, binary bool) {
	s.recvMu.Lock()
	defer s.recvMu.Unlock()
	if s.ended.Load() {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			s.srv.opts.Logger.Error("engineio: panic in message handler", "sid", s.id, "panic", v)
			// close does not wait for recvMu: calling it here is safe.
			s.close(ReasonTransportError, fmt.Errorf("engineio: handler panic: %v", v), false)
		}
	}()
	s.handler.Message(data, binary)
}

// close ends the session once. graceful sessions flush their queue first;
// the others drop it.
func (s *Session) close(reason string, cause error, graceful bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.graceful = graceful
	s.srv.stats.closedWith(reason)
	s.srv.stats.transport(s.transport).Add(-1)
	// Count the notifier below now, while the session is not finished: a
	// Server.Close that saw every session finish must also wait for it.
	s.srv.goroutines.Add(1)
	if s.timer != nil {
		s.timer.Stop()
	}
	if !graceful {
		clear(s.queue)
		s.queue = s.queue[:0]
		s.queued = 0
	}
	probe := s.probe
	if s.stopPost != nil {
		// Under s.mu, which post holds to clear it once the body is read
		// and to see whether it ran (see post).
		s.stopPost()
		s.stopPost = nil
	}
	var ws *socket
	if !graceful {
		// Nothing more is written: drop the connection now rather than
		// after a write blocked on a client that reads nothing.
		ws = s.ws
	}
	lingering := false
	switch {
	case s.transport == WebSocket:
		s.kick() // the writer drains (or not) and closes the socket
	case reason == ReasonTransportClose:
		// The client said goodbye: a pending GET is released with a noop.
		s.pushControl(parser.Noop)
	default:
		s.pushControl(parser.Close)
		if graceful {
			// Keep the session until a GET has taken what is queued and,
			// in a payload of its own, the close packet (see poll), or
			// for pollLinger at most.
			lingering = true
			s.linger = time.AfterFunc(pollLinger, s.finish)
		}
	}
	polling := s.transport == Polling
	s.mu.Unlock()
	probe.abort()
	ws.abort()

	if !lingering {
		s.srv.forget(s)
		if polling {
			s.finish()
		}
	}
	go func() {
		defer s.srv.goroutines.Done()
		s.recvMu.Lock()
		s.ended.Store(true)
		h := s.handler
		s.recvMu.Unlock()
		if h != nil {
			func() {
				defer func() {
					if v := recover(); v != nil {
						s.srv.opts.Logger.Error("engineio: panic in close handler", "sid", s.id, "panic", v)
					}
				}()
				h.Closed(reason, cause)
			}()
		}
	}()
	// Every close, protocol violations included, for whoever must tell
	// why a session ended (a debug log costs nothing when disabled).
	s.srv.opts.Logger.Debug("engineio: session closed", "sid", s.id, "reason", reason, "cause", cause)
}

// pollLinger is how long a closed polling session waits for the GET that
// tells the client. A live client polls again one round trip after its last
// answer; the wait matters only for clients that are gone, and it delays
// Shutdown by as much.
const pollLinger = 2 * time.Second

// finish marks the session as fully over; safe to call more than once.
func (s *Session) finish() {
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return
	}
	s.finished = true
	if s.done != nil {
		close(s.done)
	}
	if s.linger != nil {
		s.linger.Stop()
	}
	s.mu.Unlock()
	s.srv.remove(s)
	s.srv.live.Done()
}

// abort drops the session's connections at once, whatever is blocked on
// them; the goroutines reading and writing them then end.
func (s *Session) abort() {
	s.mu.Lock()
	ws, probe := s.ws, s.probe
	s.mu.Unlock()
	ws.abort()
	probe.abort()
}
