package socketio

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// BroadcastOperator selects sockets of a namespace (by rooms, on every node
// unless Local) and acts on all of them. It is an immutable value: each
// method returns a new operator.
type BroadcastOperator struct {
	nsp  *Namespace
	opts adapter.BroadcastOptions
}

// To adds rooms to the selection: sockets in any of them are selected.
func (b BroadcastOperator) To(rooms ...string) BroadcastOperator {
	b.opts.Rooms = append(slices.Clip(b.opts.Rooms), rooms...)
	return b
}

// In is To.
func (b BroadcastOperator) In(rooms ...string) BroadcastOperator { return b.To(rooms...) }

// Except removes the sockets in rooms from the selection.
func (b BroadcastOperator) Except(rooms ...string) BroadcastOperator {
	b.opts.Except = append(slices.Clip(b.opts.Except), rooms...)
	return b
}

// Volatile lets events be dropped for clients not ready to receive them.
func (b BroadcastOperator) Volatile() BroadcastOperator {
	b.opts.Flags.Volatile = true
	return b
}

// Compress sets the compress flag, which travels with the broadcast to the
// adapter (and so to Node peers of a cluster). On this server, WebSocket
// compression is negotiated per connection (engineio.Options.PerMessageDeflate)
// and applies to every message above its threshold, and polling responses
// are compressed above engineio.Options.HTTPCompressionThreshold.
func (b BroadcastOperator) Compress(c bool) BroadcastOperator {
	b.opts.Flags.Compress = c
	return b
}

// Local keeps the broadcast on this node.
func (b BroadcastOperator) Local() BroadcastOperator {
	b.opts.Flags.Local = true
	return b
}

// Timeout bounds EmitWithAck.
func (b BroadcastOperator) Timeout(d time.Duration) BroadcastOperator {
	b.opts.Flags.Timeout = d
	return b
}

// Emit sends event with args to every selected socket. The packet is
// encoded once for all of them.
func (b BroadcastOperator) Emit(event string, args ...any) error {
	if isReserved(event) {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	p, err := newEventPacket(b.nsp.name, event, args)
	if err != nil {
		return err
	}
	srv := b.nsp.srv
	srv.keep(p)
	srv.stats.broadcasts.Add(1)
	if b.nsp.isParent() {
		for _, child := range b.nsp.childList() {
			_ = child.broadcast(withNamespace(p, child.name), b.opts)
		}
		return nil
	}
	return b.nsp.broadcast(p, b.opts)
}

func withNamespace(p *parser.Packet, nsp string) *parser.Packet {
	c := *p
	c.Namespace = nsp
	return &c
}

// EmitWithAck sends event to every selected socket and gathers their
// acknowledgements, until all have answered, ctx is done or the Timeout
// elapses. On a timeout it returns the answers received with ErrTimeout.
func (b BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	if isReserved(event) {
		return nil, fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	if d := b.opts.Flags.Timeout; d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	p, err := newEventPacket(b.nsp.name, event, args)
	if err != nil {
		return nil, err
	}
	b.nsp.srv.keep(p)
	p.ID, p.HasID = b.nsp.nextAckID(), true
	b.nsp.srv.stats.broadcasts.Add(1)
	nodes := 1
	if !b.opts.Flags.Local {
		if nodes, err = b.nsp.adapter.ServerCount(ctx); err != nil {
			return nil, err
		}
	}
	g := newGather()
	g.nodes = nodes
	err = b.nsp.adapter.BroadcastWithAck(p, b.opts, func(n int) {
		g.expect(n)
		g.nodesDone()
	}, func(_ string, r *parser.Packet) { g.add(r) })
	if err != nil {
		return nil, err
	}
	return g.wait(ctx)
}

// FetchSockets describes the selected sockets, on every node.
func (b BroadcastOperator) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	infos, err := b.nsp.adapter.FetchSockets(ctx, b.opts)
	if err != nil {
		return nil, err
	}
	out := make([]*RemoteSocket, len(infos))
	for i, in := range infos {
		out[i] = &RemoteSocket{nsp: b.nsp, info: in}
	}
	return out, nil
}

// SocketsJoin makes the selected sockets join rooms.
func (b BroadcastOperator) SocketsJoin(rooms ...string) error {
	return b.nsp.adapter.AddSockets(b.opts, rooms)
}

// SocketsLeave makes the selected sockets leave rooms.
func (b BroadcastOperator) SocketsLeave(rooms ...string) error {
	return b.nsp.adapter.DelSockets(b.opts, rooms)
}

// DisconnectSockets disconnects the selected sockets; with close, their
// underlying connections too.
func (b BroadcastOperator) DisconnectSockets(close bool) error {
	return b.nsp.adapter.DisconnectSockets(b.opts, close)
}

// RemoteSocket describes a socket that may live on another node, as
// FetchSockets returns it, and acts on it through the adapter.
type RemoteSocket struct {
	nsp  *Namespace
	info adapter.SocketInfo
}

// ID is the socket's id.
func (r *RemoteSocket) ID() string { return r.info.ID }

// Rooms lists the socket's rooms at the time it was fetched.
func (r *RemoteSocket) Rooms() []string { return r.info.Rooms }

// Data is the socket's user data at the time it was fetched.
func (r *RemoteSocket) Data() any { return r.info.Data }

// Handshake is the socket's handshake: a *Handshake for a local socket,
// the decoded form sent by the node otherwise.
func (r *RemoteSocket) Handshake() any { return r.info.Handshake }

// Emit sends event to the socket.
func (r *RemoteSocket) Emit(event string, args ...any) error {
	return r.nsp.To(r.info.ID).Emit(event, args...)
}

// Join makes the socket join rooms.
func (r *RemoteSocket) Join(rooms ...string) error { return r.nsp.In(r.info.ID).SocketsJoin(rooms...) }

// Leave makes the socket leave rooms.
func (r *RemoteSocket) Leave(rooms ...string) error {
	return r.nsp.In(r.info.ID).SocketsLeave(rooms...)
}

// Disconnect disconnects the socket.
func (r *RemoteSocket) Disconnect(close bool) error {
	return r.nsp.In(r.info.ID).DisconnectSockets(close)
}

// gather collects acknowledgements from sockets spread over nodes: it is
// complete once every node has said how many sockets it reached and that
// many answers arrived.
type gather struct {
	mu       sync.Mutex
	nodes    int // nodes still to report their count
	expected int
	replies  []Args
	done     chan struct{}
	closed   bool
}

func newGather() *gather { return &gather{nodes: 1, done: make(chan struct{})} }

func (g *gather) expect(n int) {
	g.mu.Lock()
	g.expected += n
	g.mu.Unlock()
}

func (g *gather) nodesDone() {
	g.mu.Lock()
	g.nodes--
	g.check()
	g.mu.Unlock()
}

func (g *gather) add(r *parser.Packet) {
	a, err := newArgs(r, 0)
	if err != nil {
		return
	}
	g.mu.Lock()
	g.replies = append(g.replies, a)
	g.check()
	g.mu.Unlock()
}

// check closes done when complete; g.mu is held.
func (g *gather) check() {
	if !g.closed && g.nodes <= 0 && len(g.replies) >= g.expected {
		g.closed = true
		close(g.done)
	}
}

func (g *gather) wait(ctx context.Context) ([]Args, error) {
	select {
	case <-g.done:
		g.mu.Lock()
		defer g.mu.Unlock()
		return slices.Clone(g.replies), nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		return slices.Clone(g.replies), ctxError(ctx)
	}
}
