package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// Middleware runs when a socket connects to a namespace, before its
// connection handlers. An error refuses the connection: the client's
// connect_error gets its message, or a [ConnectError]'s message and data.
type Middleware func(s *Socket) error

// Namespace is a communication channel multiplexed on client connections,
// named by a path such as "/" or "/admin". Its methods are safe for
// concurrent use.
type Namespace struct {
	name    string
	srv     *Server
	adapter adapter.Adapter
	parent  *Namespace // the dynamic namespace that made this one
	match   func(name string) bool
	ackIDs  atomic.Uint64
	trackMu sync.Mutex // orders recovery offsets with delivery

	mu           sync.RWMutex
	sockets      map[string]*Socket
	middlewares  []Middleware
	onConnection []func(*Socket)
	serverEvents map[string][]func(*Event)
	children     []*Namespace
}

func newNamespace(srv *Server, name string) *Namespace {
	ns := &Namespace{name: name, srv: srv, sockets: make(map[string]*Socket)}
	ns.adapter = srv.opts.Adapter(adapterView{ns})
	return ns
}

// Name is the namespace's name.
func (ns *Namespace) Name() string { return ns.name }

// Adapter is the namespace's adapter.
func (ns *Namespace) Adapter() adapter.Adapter { return ns.adapter }

// Use adds a middleware, run in the order added for every connection.
func (ns *Namespace) Use(mw Middleware) {
	ns.mu.Lock()
	ns.middlewares = append(ns.middlewares, mw)
	ns.mu.Unlock()
}

// OnConnection registers fn for every socket that connects.
func (ns *Namespace) OnConnection(fn func(*Socket)) {
	ns.mu.Lock()
	ns.onConnection = append(ns.onConnection, fn)
	ns.mu.Unlock()
}

// OnServerSideEmit registers fn for event when another node of the
// cluster emits it with ServerSideEmit; [Event.Socket] is nil and
// [Event.Ack] answers the emitting node.
func (ns *Namespace) OnServerSideEmit(event string, fn func(*Event)) {
	ns.mu.Lock()
	if ns.serverEvents == nil {
		ns.serverEvents = make(map[string][]func(*Event))
	}
	ns.serverEvents[event] = append(ns.serverEvents[event], fn)
	ns.mu.Unlock()
}

// Sockets lists the sockets connected to this namespace on this node.
func (ns *Namespace) Sockets() []*Socket {
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	out := make([]*Socket, 0, len(ns.sockets))
	for _, s := range ns.sockets {
		out = append(out, s)
	}
	return out
}

// Socket returns the local socket with id, or nil.
func (ns *Namespace) Socket(id string) *Socket {
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	return ns.sockets[id]
}

func (ns *Namespace) nextAckID() uint64 { return ns.ackIDs.Add(1) - 1 }

// handlers returns what runs at connection: a child of a dynamic
// namespace runs its parent's, then its own.
func (ns *Namespace) handlers() ([]Middleware, []func(*Socket)) {
	ns.mu.RLock()
	mws, onConn := ns.middlewares, ns.onConnection
	ns.mu.RUnlock()
	if ns.parent == nil {
		return mws, onConn
	}
	pmws, pconn := ns.parent.handlers()
	return append(slices.Clip(pmws), mws...), append(slices.Clip(pconn), onConn...)
}

// admit runs the middlewares of a connecting socket, then connects it; it
// runs in the socket's inbox. A socket coming back with connection state
// recovery skips the middlewares unless the options ask for them.
func (ns *Namespace) admit(s *Socket) {
	// The CONNECT reply, the events missed while away and what the
	// connection handlers emit leave together, in one write (or one
	// polling response) rather than one each.
	uncork := s.client.conn.Cork()
	defer uncork()
	mws, onConn := ns.handlers()
	rec := ns.srv.opts.Recovery
	recovered := rec != nil && !rec.RunMiddlewares && ns.recover(s)
	if !recovered {
		for _, mw := range mws {
			err := errPanicked // unless mw returns: a panic refuses
			ns.srv.safely("middleware", func() { err = mw(s) })
			if err != nil {
				ns.refuse(s, err)
				return
			}
		}
		recovered = rec != nil && rec.RunMiddlewares && ns.recover(s)
	}
	if !recovered && !ns.enter(s, nil) {
		return
	}
	for _, fn := range onConn {
		ns.srv.safely("connection handler", func() { fn(s) })
	}
}

// recover gives s back the dropped session its CONNECT names, if any, and
// connects it. It holds trackMu throughout, so that no broadcast falls
// between the missed events and the socket's return to its rooms.
func (ns *Namespace) recover(s *Socket) bool {
	ns.trackMu.Lock()
	defer ns.trackMu.Unlock()
	sess := ns.srv.restore(ns.name, s.handshake)
	if sess == nil {
		return false
	}
	if limit := ns.srv.eio.Options().MaxQueuedPackets / 2; len(sess.Missed) > limit {
		// Replaying would overflow the client's queue and drop it again
		// with the same offset: a fresh session serves it better.
		ns.srv.opts.Logger.Info("socketio: too many missed packets to recover", "missed", len(sess.Missed), "limit", limit)
		return false
	}
	s.id, s.pid, s.recovered = sess.SID, sess.PID, true
	s.SetData(sess.Data)
	return ns.enter(s, sess)
}

// enter connects s: it joins the namespace and its rooms, gets the events
// it missed (as the reference does, before the CONNECT reply), then the
// reply.
func (ns *Namespace) enter(s *Socket, sess *adapter.Session) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.connected = true
	s.mu.Unlock()
	ns.srv.stats.connects.Add(1)
	ns.srv.stats.sockets.Add(1)
	ns.mu.Lock()
	ns.sockets[s.id] = s
	ns.mu.Unlock()
	ns.adapter.AddAll(s.id, s.id)
	if sess != nil {
		ns.srv.stats.recovered.Add(1)
		ns.adapter.AddAll(s.id, sess.Rooms...)
		for _, p := range sess.Missed {
			_ = s.send(p, false)
		}
	}
	s.client.admitted()
	data := parser.AppendString(append(make([]byte, 0, 64), `{"sid":`...), s.id)
	if s.pid != "" {
		data = parser.AppendString(append(data, `,"pid":`...), s.pid)
	}
	data = append(data, '}')
	_ = s.send(&parser.Packet{Type: parser.Connect, Namespace: ns.name, Data: data}, false)
	return true
}

func (ns *Namespace) refuse(s *Socket, err error) {
	ns.srv.stats.refused.Add(1)
	var ce *ConnectError
	if errors.As(err, &ce) {
		s.client.sendConnectError(ns.name, ce.Message, ce.Data)
	} else {
		s.client.sendConnectError(ns.name, err.Error(), nil)
	}
	s.client.remove(s)
	ns.adapter.DelAll(s.id) // rooms a middleware may have joined
	s.close(ReasonServerNamespaceDisconnect)
}

func (ns *Namespace) remove(s *Socket) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ns.sockets[s.id] == s {
		delete(ns.sockets, s.id)
		ns.adapter.DelAll(s.id)
	}
}

// operator starts a broadcast to the whole namespace.
func (ns *Namespace) operator() BroadcastOperator { return BroadcastOperator{nsp: ns} }

// To selects the sockets in rooms for a broadcast.
func (ns *Namespace) To(rooms ...string) BroadcastOperator { return ns.operator().To(rooms...) }

// In is To.
func (ns *Namespace) In(rooms ...string) BroadcastOperator { return ns.To(rooms...) }

// Except selects every socket but those in rooms for a broadcast.
func (ns *Namespace) Except(rooms ...string) BroadcastOperator { return ns.operator().Except(rooms...) }

// Volatile starts a broadcast whose events may be dropped for clients not
// ready to receive them.
func (ns *Namespace) Volatile() BroadcastOperator { return ns.operator().Volatile() }

// Timeout starts a broadcast whose EmitWithAck waits at most d.
func (ns *Namespace) Timeout(d time.Duration) BroadcastOperator { return ns.operator().Timeout(d) }

// Local starts a broadcast to this node only.
func (ns *Namespace) Local() BroadcastOperator { return ns.operator().Local() }

// Compress starts a broadcast with the compress flag set to c.
func (ns *Namespace) Compress(c bool) BroadcastOperator { return ns.operator().Compress(c) }

// Emit sends event to every socket of the namespace.
func (ns *Namespace) Emit(event string, args ...any) error { return ns.operator().Emit(event, args...) }

// EmitWithAck sends event to every socket of the namespace and gathers
// their acknowledgements until all have answered or ctx is done.
func (ns *Namespace) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	return ns.operator().EmitWithAck(ctx, event, args...)
}

// FetchSockets describes every socket of the namespace, on every node.
func (ns *Namespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return ns.operator().FetchSockets(ctx)
}

// SocketsJoin makes every socket of the namespace join rooms.
func (ns *Namespace) SocketsJoin(rooms ...string) error { return ns.operator().SocketsJoin(rooms...) }

// SocketsLeave makes every socket of the namespace leave rooms.
func (ns *Namespace) SocketsLeave(rooms ...string) error { return ns.operator().SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of the namespace.
func (ns *Namespace) DisconnectSockets(close bool) error {
	return ns.operator().DisconnectSockets(close)
}

// ServerSideEmit sends event to this namespace on the other nodes of the
// cluster, whose OnServerSideEmit handlers receive it.
func (ns *Namespace) ServerSideEmit(event string, args ...any) error {
	p, err := newEventPacket(ns.name, event, args)
	if err != nil {
		return err
	}
	ns.srv.keep(p)
	_, err = ns.adapter.ServerSideEmit(p, nil)
	return err
}

// ServerSideEmitWithAck is ServerSideEmit, gathering each node's
// acknowledgement until all have answered or ctx is done.
func (ns *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	p, err := newEventPacket(ns.name, event, args)
	if err != nil {
		return nil, err
	}
	ns.srv.keep(p)
	p.ID, p.HasID = ns.nextAckID(), true
	g := newGather()
	n, err := ns.adapter.ServerSideEmit(p, func(_ string, r *parser.Packet) { g.add(r) })
	if err != nil {
		return nil, err
	}
	g.expect(n)
	g.nodesDone()
	return g.wait(ctx)
}

// adapterView is the namespace as its adapter sees it.
type adapterView struct{ ns *Namespace }

func (v adapterView) Name() string { return v.ns.name }

func (v adapterView) Send(ids []string, p *parser.Packet, flags adapter.Flags, onAck adapter.AckFunc) {
	if onAck != nil {
		// An ack id of this namespace: a packet from another node carries
		// that node's id, which may be in use here.
		c := *p
		c.ID, c.HasID = v.ns.nextAckID(), true
		p = &c
	}
	msgs := frames(p) // once, for every receiver
	var out *outgoing
	for _, id := range ids {
		s := v.ns.Socket(id)
		if s == nil {
			continue
		}
		if onAck != nil && !s.expectAck(p.ID, func(r *parser.Packet) { onAck(id, r) }) {
			continue
		}
		if s.hasOutgoingListeners() {
			if out == nil {
				out = outgoingOf(p)
			}
			s.notifyOutgoing(out.event, out.args)
		}
		_ = s.client.send(msgs, flags.Volatile)
	}
}

// outgoing is a broadcast event as catch-all outgoing listeners see it.
type outgoing struct {
	event string
	args  []any // Raw values
}

func outgoingOf(p *parser.Packet) *outgoing {
	a, err := newArgs(p, 0)
	out := &outgoing{}
	if err != nil || a.Len() == 0 {
		return out
	}
	_ = json.Unmarshal(a.raw[0], &out.event)
	out.args = Args{raw: a.raw[1:], attachments: a.attachments}.RawArgs()
	return out
}

func (v adapterView) Socket(id string) (adapter.SocketInfo, bool) {
	s := v.ns.Socket(id)
	if s == nil {
		return adapter.SocketInfo{}, false
	}
	return s.info(), true
}

func (v adapterView) Disconnect(ids []string, close bool) {
	for _, id := range ids {
		if s := v.ns.Socket(id); s != nil {
			s.Disconnect(close)
		}
	}
}

func (v adapterView) Receive(p *parser.Packet, reply func(*parser.Packet)) {
	args, err := newArgs(p, 0)
	if err != nil || args.Len() == 0 {
		return
	}
	var name string
	if json.Unmarshal(args.raw[0], &name) != nil {
		return
	}
	e := &Event{Name: name, Args: Args{raw: args.raw[1:], attachments: args.attachments}}
	v.ns.mu.RLock()
	fns := v.ns.serverEvents[name]
	v.ns.mu.RUnlock()
	if p.HasID && reply != nil {
		e.ack = &ackOnce{id: p.ID}
		e.reply = reply
	}
	for _, fn := range fns {
		v.ns.srv.safely("server-side event handler", func() { fn(e) })
	}
}
