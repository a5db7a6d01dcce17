package socketio

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// Handshake describes how a socket connected.
type Handshake struct {
	// Headers of the request that opened the connection.
	Headers http.Header
	// Query of that request.
	Query url.Values
	// Auth is the client's auth payload, decoded ({} when none was sent).
	Auth map[string]any
	// RawAuth is the auth payload as sent ({} when none was sent).
	RawAuth json.RawMessage
	// Address is the client's remote address.
	Address string
	// Time is when the socket connected.
	Time time.Time
	// URL is the request URL of the connection.
	URL string
	// Secure reports a TLS connection.
	Secure bool
	// XDomain reports a cross-origin request.
	XDomain bool
}

// Issued is the connection time in milliseconds since the Unix epoch, as
// the reference server's handshake.issued.
func (h *Handshake) Issued() int64 { return h.Time.UnixMilli() }

// Socket is a client connected to a namespace. Its methods are safe for
// concurrent use.
//
// An idle socket is kept small: what most sockets never use (catch-all
// listeners, middlewares, disconnect and error handlers) lives in hooks,
// allocated at its first registration, and Done's channel is made when
// first asked for.
type Socket struct {
	id        string
	pid       string // private session id, for recovery
	nsp       *Namespace
	client    *client
	handshake *Handshake
	done      chan struct{} // made by Done or close, under mu

	mu        sync.Mutex
	recovered bool // set before the socket connects, in its inbox; not under mu
	connected bool
	closed    bool
	// listeners are the event handlers, in the order they were added. The
	// slice is copy-on-write for removals: dispatch iterates a snapshot
	// outside mu, so entries below its length are never changed in place,
	// only appended after.
	listeners []listener
	hooks     *socketHooks
	acks      map[uint64]func(*parser.Packet)
	data      any

	inbox inbox
}

// socketHooks are the handlers of a socket other than its event listeners.
// Each slice is appended to under the socket's mu and read as a snapshot.
type socketHooks struct {
	anyIn           []func(*Event)
	anyOut          []func(event string, args []any)
	middlewares     []func(*Event) error
	onDisconnecting []func(reason string)
	onDisconnect    []func(reason string)
	onError         []func(error)
}

type listener struct {
	event string
	fn    func(*Event)
	once  bool
}

// closedChan is Done's channel for a socket closed before anyone asked.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// ID is the socket's id, distinct from the Engine.IO session id.
func (s *Socket) ID() string { return s.id }

// Namespace is the namespace the socket is connected to.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake describes how the socket connected.
func (s *Socket) Handshake() *Handshake { return s.handshake }

// Transport is the current transport of the underlying connection:
// "polling" or "websocket".
func (s *Socket) Transport() string { return s.client.conn.Transport() }

// Connected reports whether the socket is still connected.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected && !s.closed
}

// Done is closed when the socket disconnects.
func (s *Socket) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		s.done = make(chan struct{})
	}
	return s.done
}

// Data returns the user data attached to the socket (nil by default). It is
// shared with FetchSockets across nodes, so it should be JSON-encodable.
func (s *Socket) Data() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}

// SetData attaches user data to the socket.
func (s *Socket) SetData(v any) {
	s.mu.Lock()
	s.data = v
	s.mu.Unlock()
}

// On registers fn for event. Handlers of one socket run one at a time, in
// the order the client sent its events.
func (s *Socket) On(event string, fn func(*Event)) { s.addListener(event, fn, false) }

// Once registers fn for the next event named event only.
func (s *Socket) Once(event string, fn func(*Event)) { s.addListener(event, fn, true) }

func (s *Socket) addListener(event string, fn func(*Event), once bool) {
	s.mu.Lock()
	s.listeners = append(s.listeners, listener{event: event, fn: fn, once: once})
	s.mu.Unlock()
}

// Off removes every handler of event.
func (s *Socket) Off(event string) {
	s.mu.Lock()
	s.listeners = without(s.listeners, func(l *listener) bool { return l.event == event })
	s.mu.Unlock()
}

// without returns ls less the listeners drop matches: ls itself when none
// does, else a new slice (nil when empty), so that a snapshot of ls taken
// by dispatch is never changed.
func without(ls []listener, drop func(*listener) bool) []listener {
	n := 0
	for i := range ls {
		if drop(&ls[i]) {
			n++
		}
	}
	if n == 0 {
		return ls
	}
	if n == len(ls) {
		return nil
	}
	kept := make([]listener, 0, len(ls)-n)
	for i := range ls {
		if !drop(&ls[i]) {
			kept = append(kept, ls[i])
		}
	}
	return kept
}

// compactListeners gives the listeners a backing array of their size when
// appending left much more room than they use: run once the connection
// handlers have registered theirs, it trims what an idle socket keeps.
func (s *Socket) compactListeners() {
	s.mu.Lock()
	if ls := s.listeners; cap(ls)-len(ls) > len(ls)/4 {
		s.listeners = append([]listener(nil), ls...)
	}
	s.mu.Unlock()
}

// hooksLocked returns the socket's hooks, made on first use; s.mu is held.
func (s *Socket) hooksLocked() *socketHooks {
	if s.hooks == nil {
		s.hooks = new(socketHooks)
	}
	return s.hooks
}

// OnAny registers fn for every incoming event, before the event's own
// handlers.
func (s *Socket) OnAny(fn func(*Event)) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.anyIn = append(h.anyIn, fn)
	s.mu.Unlock()
}

// OnAnyOutgoing registers fn for every event sent to this socket, its
// broadcasts included (their arguments come as [Raw] values).
func (s *Socket) OnAnyOutgoing(fn func(event string, args []any)) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.anyOut = append(h.anyOut, fn)
	s.mu.Unlock()
}

// Use adds a middleware run for every incoming event before its handlers;
// an error drops the event and is passed to the OnError handlers.
func (s *Socket) Use(mw func(*Event) error) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.middlewares = append(h.middlewares, mw)
	s.mu.Unlock()
}

// OnError registers fn for errors of the socket's middlewares.
func (s *Socket) OnError(fn func(error)) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.onError = append(h.onError, fn)
	s.mu.Unlock()
}

// OnDisconnecting registers fn to run when the socket is about to
// disconnect, while it is still in its rooms.
func (s *Socket) OnDisconnecting(fn func(reason string)) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.onDisconnecting = append(h.onDisconnecting, fn)
	s.mu.Unlock()
}

// OnDisconnect registers fn to run once the socket has disconnected, with
// the reason (one of the Reason constants).
func (s *Socket) OnDisconnect(fn func(reason string)) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.onDisconnect = append(h.onDisconnect, fn)
	s.mu.Unlock()
}

// Emit sends event with args to this client. Arguments are any
// JSON-encodable values; []byte anywhere in them travels as binary.
func (s *Socket) Emit(event string, args ...any) error {
	return s.emit(event, args, false)
}

func (s *Socket) emit(event string, args []any, volatile bool) error {
	if isReserved(event) {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	if s.isClosed() {
		return ErrDisconnected
	}
	p, err := newEventPacket(s.nsp.name, event, args)
	if err != nil {
		return err
	}
	s.notifyOutgoing(event, args)
	s.nsp.srv.stats.eventsOut.Add(1)
	if opts := (adapter.BroadcastOptions{Rooms: []string{s.id}}); !volatile && s.nsp.srv.tracked(p, opts) {
		s.nsp.srv.keep(p)
		s.nsp.trackMu.Lock()
		defer s.nsp.trackMu.Unlock()
		p = s.nsp.srv.track(p, opts)
	}
	return s.send(p, volatile)
}

func (s *Socket) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Socket) hasOutgoingListeners() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hooks != nil && len(s.hooks.anyOut) > 0
}

func (s *Socket) notifyOutgoing(event string, args []any) {
	s.mu.Lock()
	var fns []func(string, []any)
	if s.hooks != nil {
		fns = s.hooks.anyOut
	}
	s.mu.Unlock()
	for _, fn := range fns {
		s.nsp.srv.safely("outgoing listener", func() { fn(event, args) })
	}
}

// EmitWithAck sends event with args and waits for the client's
// acknowledgement, until ctx is done.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	if isReserved(event) {
		return Args{}, fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	p, err := newEventPacket(s.nsp.name, event, args)
	if err != nil {
		return Args{}, err
	}
	p.ID, p.HasID = s.nsp.nextAckID(), true
	replies := make(chan *parser.Packet, 1)
	if !s.expectAck(p.ID, func(r *parser.Packet) { replies <- r }) {
		return Args{}, ErrDisconnected
	}
	s.notifyOutgoing(event, args)
	s.nsp.srv.stats.eventsOut.Add(1)
	if err := s.send(p, false); err != nil {
		s.dropAck(p.ID)
		return Args{}, err
	}
	// Called from a handler, this may be the reader of the connection the
	// reply comes on: have another goroutine read it.
	s.client.conn.HandOff()
	select {
	case r := <-replies:
		return newArgs(r, 0)
	case <-ctx.Done():
		s.dropAck(p.ID)
		return Args{}, ctxError(ctx)
	case <-s.Done():
		return Args{}, ErrDisconnected
	}
}

// EmitWithTimeout is EmitWithAck with a timeout instead of a context.
func (s *Socket) EmitWithTimeout(d time.Duration, event string, args ...any) (Args, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return s.EmitWithAck(ctx, event, args...)
}

func ctxError(ctx context.Context) error {
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	}
	return ctx.Err()
}

// expectAck registers fn for the client's answer to ack id.
func (s *Socket) expectAck(id uint64, fn func(*parser.Packet)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.acks == nil {
		s.acks = make(map[uint64]func(*parser.Packet))
	}
	s.acks[id] = fn
	return true
}

func (s *Socket) dropAck(id uint64) {
	s.mu.Lock()
	delete(s.acks, id)
	s.mu.Unlock()
}

// resolveAck hands an ACK from the client to whoever waits for it. It runs
// on the connection's reader, never behind the socket's handlers.
func (s *Socket) resolveAck(p *parser.Packet) {
	s.mu.Lock()
	fn := s.acks[p.ID]
	delete(s.acks, p.ID)
	s.mu.Unlock()
	if fn != nil {
		fn(p)
	}
}

// send writes a packet to this client.
func (s *Socket) send(p *parser.Packet, volatile bool) error {
	return s.client.sendNow(frames(p), volatile)
}

// Join adds the socket to rooms.
func (s *Socket) Join(rooms ...string) { s.nsp.adapter.AddAll(s.id, rooms...) }

// Leave removes the socket from room.
func (s *Socket) Leave(room string) { s.nsp.adapter.Del(s.id, room) }

// Rooms lists the socket's rooms, its own id room included.
func (s *Socket) Rooms() []string { return s.nsp.adapter.Rooms(s.id) }

// To selects the sockets in rooms, this one excluded, for a broadcast.
func (s *Socket) To(rooms ...string) BroadcastOperator { return s.Broadcast().To(rooms...) }

// In is To.
func (s *Socket) In(rooms ...string) BroadcastOperator { return s.To(rooms...) }

// Except selects every socket of the namespace but those in rooms and this
// one, for a broadcast.
func (s *Socket) Except(rooms ...string) BroadcastOperator { return s.Broadcast().Except(rooms...) }

// Broadcast selects every socket of the namespace but this one.
func (s *Socket) Broadcast() BroadcastOperator { return s.nsp.operator().Except(s.id) }

// Volatile returns an emitter whose events may be dropped when the client
// is not ready to receive them.
func (s *Socket) Volatile() VolatileSocket { return VolatileSocket{s} }

// VolatileSocket emits volatile events to one socket.
type VolatileSocket struct{ s *Socket }

// Emit sends a volatile event.
func (v VolatileSocket) Emit(event string, args ...any) error { return v.s.emit(event, args, true) }

// Disconnect disconnects the socket from its namespace; with close, it
// also closes the underlying connection (and every other namespace on it).
func (s *Socket) Disconnect(close bool) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		// Gone already (its rooms are left a moment later): its connection
		// may serve other namespaces, and is not this socket's to close.
		return
	}
	if close {
		s.client.disconnectAll()
		return
	}
	s.disconnect()
}

// disconnect is a server-side namespace disconnect: tell the client, then
// close.
func (s *Socket) disconnect() {
	if !s.Connected() {
		return
	}
	_ = s.send(&parser.Packet{Type: parser.Disconnect, Namespace: s.nsp.name}, false)
	s.client.remove(s)
	s.close(ReasonServerNamespaceDisconnect)
}

// close ends the socket: it stops taking emits and acks at once, then runs
// its disconnect handlers after the events already queued.
func (s *Socket) close(reason string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	connected := s.connected
	s.acks = nil
	if s.done != nil {
		close(s.done)
	} else {
		s.done = closedChan
	}
	s.mu.Unlock()
	if !connected {
		return
	}
	s.inbox.push(s, func() {
		var disconnecting, disconnect []func(string)
		s.mu.Lock()
		if s.hooks != nil {
			disconnecting = s.hooks.onDisconnecting
		}
		s.mu.Unlock()
		for _, fn := range disconnecting {
			s.nsp.srv.safely("disconnecting handler", func() { fn(reason) })
		}
		// Leave before the session is kept: once kept, it may come back
		// under the same id, and must not be removed with this one.
		rooms := s.Rooms()
		s.nsp.remove(s)
		s.persist(reason, rooms)
		s.nsp.srv.stats.sockets.Add(-1)
		s.nsp.srv.stats.disconnects.Add(1)
		s.mu.Lock()
		s.listeners = nil
		if h := s.hooks; h != nil {
			disconnect = h.onDisconnect
			h.anyIn, h.anyOut = nil, nil
		}
		s.mu.Unlock()
		for _, fn := range disconnect {
			s.nsp.srv.safely("disconnect handler", func() { fn(reason) })
		}
	})
}

// dispatch runs the handlers of one event; it runs in the socket's inbox.
// It allocates nothing unless a Once listener of the event fires.
func (s *Socket) dispatch(e *Event) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	var mws []func(*Event) error
	var anyIn []func(*Event)
	var errFns []func(error)
	if h := s.hooks; h != nil {
		mws, anyIn, errFns = h.middlewares, h.anyIn, h.onError
	}
	ls := s.listeners
	for i := range ls {
		if ls[i].once && ls[i].event == e.Name {
			s.listeners = without(ls, func(l *listener) bool { return l.once && l.event == e.Name })
			break
		}
	}
	s.mu.Unlock()
	for _, mw := range mws {
		err := errPanicked // unless mw returns: a panic drops the event
		s.nsp.srv.safely("socket middleware", func() { err = mw(e) })
		if err != nil {
			for _, fn := range errFns {
				s.nsp.srv.safely("error handler", func() { fn(err) })
			}
			return
		}
	}
	for _, fn := range anyIn {
		s.nsp.srv.safely("catch-all listener", func() { fn(e) })
	}
	for i := range ls {
		if l := &ls[i]; l.event == e.Name {
			s.nsp.srv.safely("event handler", func() { l.fn(e) })
		}
	}
}

func isReserved(event string) bool {
	switch event {
	case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}

// ackOnce is an acknowledgement a client asked for.
type ackOnce struct {
	id   uint64
	sent atomic.Bool
}

// info describes the socket for an adapter.
func (s *Socket) info() adapter.SocketInfo {
	return adapter.SocketInfo{ID: s.id, Rooms: s.Rooms(), Data: s.Data(), Handshake: s.handshake}
}
