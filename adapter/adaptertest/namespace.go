package adaptertest

import (
	"slices"
	"strconv"
	"sync"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// Sent is one call of [Namespace.Send].
type Sent struct {
	IDs     []string // a copy: adapters may reuse the slice they pass
	Packet  *parser.Packet
	Flags   adapter.Flags
	WithAck bool
}

// Disconnected is one call of [Namespace.Disconnect].
type Disconnected struct {
	IDs   []string
	Close bool
}

// Received is one call of [Namespace.Receive].
type Received struct {
	Packet    *parser.Packet
	WithReply bool
}

// Namespace is a fake [adapter.Namespace]: it holds the sockets of one node,
// records what its adapter asks of it, and answers like a namespace of the
// socketio package would. Its methods are safe for concurrent use.
//
// Sockets answer acknowledgement requests on their own goroutine, after
// Send has returned (as real clients do), with an ACK whose payload is
// ["<socket id>"], unless AckReply says otherwise. Server-side emits that
// want a reply get an ACK of ["<namespace node name>"] unless OnReceive is
// set. Disconnect removes the sockets from their adapter before returning.
type Namespace struct {
	name string
	node string

	// AckReply, when set, makes the answer of socket id to p; nil means the
	// socket never answers. Set it before the namespace is used.
	AckReply func(id string, p *parser.Packet) *parser.Packet
	// OnReceive, when set, handles server-side emits instead of the default
	// reply. Set it before the namespace is used.
	OnReceive func(p *parser.Packet, reply func(*parser.Packet))

	mu           sync.Mutex
	adapter      adapter.Adapter
	sockets      map[string]any // id → data
	sent         []Sent
	unknown      []string // ids sent to that are not sockets of this node
	disconnected []Disconnected
	received     []Received

	pending sync.WaitGroup // ack answers on their way
}

// NewNamespace returns an empty fake namespace called name; node names the
// node it lives on, which its default server-side replies carry.
func NewNamespace(name, node string) *Namespace {
	return &Namespace{name: name, node: node, sockets: make(map[string]any)}
}

// SetAdapter tells the namespace its adapter, which Socket asks for the
// rooms of a socket and Disconnect updates.
func (n *Namespace) SetAdapter(a adapter.Adapter) {
	n.mu.Lock()
	n.adapter = a
	n.mu.Unlock()
}

// AddSocket makes id a local socket with user data, and joins it to its own
// room and rooms, as a connecting socket does.
func (n *Namespace) AddSocket(id string, data any, rooms ...string) {
	n.mu.Lock()
	n.sockets[id] = data
	a := n.adapter
	n.mu.Unlock()
	if a != nil {
		a.AddAll(id, append([]string{id}, rooms...)...)
	}
}

// RemoveSocket forgets id and removes it from every room, as a
// disconnecting socket does.
func (n *Namespace) RemoveSocket(id string) {
	n.mu.Lock()
	delete(n.sockets, id)
	a := n.adapter
	n.mu.Unlock()
	if a != nil {
		a.DelAll(id)
	}
}

// Name implements [adapter.Namespace].
func (n *Namespace) Name() string { return n.name }

// Send implements [adapter.Namespace].
func (n *Namespace) Send(ids []string, p *parser.Packet, flags adapter.Flags, onAck adapter.AckFunc) {
	n.mu.Lock()
	n.sent = append(n.sent, Sent{IDs: slices.Clone(ids), Packet: clonePacket(p), Flags: flags, WithAck: onAck != nil})
	var answering []string
	for _, id := range ids {
		if _, ok := n.sockets[id]; !ok {
			n.unknown = append(n.unknown, id)
			continue
		}
		answering = append(answering, id)
	}
	n.mu.Unlock()
	if onAck == nil {
		return
	}
	for _, id := range answering {
		var reply *parser.Packet
		if n.AckReply != nil {
			reply = n.AckReply(id, p)
		} else {
			reply = &parser.Packet{Type: parser.Ack, Namespace: n.name, ID: p.ID, HasID: true,
				Data: []byte(`[` + strconv.Quote(id) + `]`)}
		}
		if reply == nil {
			continue
		}
		n.pending.Add(1)
		go func() {
			defer n.pending.Done()
			onAck(id, reply)
		}()
	}
}

// Socket implements [adapter.Namespace].
func (n *Namespace) Socket(id string) (adapter.SocketInfo, bool) {
	n.mu.Lock()
	data, ok := n.sockets[id]
	a := n.adapter
	n.mu.Unlock()
	if !ok {
		return adapter.SocketInfo{}, false
	}
	info := adapter.SocketInfo{ID: id, Data: data, Handshake: map[string]any{"node": n.node}}
	if a != nil {
		info.Rooms = a.Rooms(id)
	}
	return info, true
}

// Disconnect implements [adapter.Namespace].
func (n *Namespace) Disconnect(ids []string, close bool) {
	n.mu.Lock()
	n.disconnected = append(n.disconnected, Disconnected{IDs: slices.Clone(ids), Close: close})
	for _, id := range ids {
		if _, ok := n.sockets[id]; !ok {
			n.unknown = append(n.unknown, id)
		}
	}
	n.mu.Unlock()
	for _, id := range ids {
		n.RemoveSocket(id)
	}
}

// Receive implements [adapter.Namespace].
func (n *Namespace) Receive(p *parser.Packet, reply func(*parser.Packet)) {
	n.mu.Lock()
	n.received = append(n.received, Received{Packet: clonePacket(p), WithReply: reply != nil})
	n.mu.Unlock()
	if n.OnReceive != nil {
		n.OnReceive(p, reply)
		return
	}
	if reply != nil && p.HasID {
		reply(&parser.Packet{Type: parser.Ack, Namespace: n.name, ID: p.ID, HasID: true,
			Data: []byte(`[` + strconv.Quote(n.node) + `]`)})
	}
}

// Sent returns the Send calls so far.
func (n *Namespace) Sent() []Sent {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.sent)
}

// Delivered counts, by socket id, the packets sent so far.
func (n *Namespace) Delivered() map[string]int {
	n.mu.Lock()
	defer n.mu.Unlock()
	m := make(map[string]int)
	for _, s := range n.sent {
		for _, id := range s.IDs {
			m[id]++
		}
	}
	return m
}

// Unknown lists the ids passed to Send or Disconnect that were not sockets
// of this node: an adapter must only name local sockets.
func (n *Namespace) Unknown() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.unknown)
}

// Disconnected returns the Disconnect calls so far.
func (n *Namespace) Disconnected() []Disconnected {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.disconnected)
}

// Received returns the Receive calls so far.
func (n *Namespace) Received() []Received {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.received)
}

// Wait waits until the acknowledgements already started have been handed
// to their adapter.
func (n *Namespace) Wait() { n.pending.Wait() }

func clonePacket(p *parser.Packet) *parser.Packet {
	c := *p
	c.Data = slices.Clone(p.Data)
	if p.Attachments != nil {
		c.Attachments = make([][]byte, len(p.Attachments))
		for i, a := range p.Attachments {
			c.Attachments[i] = slices.Clone(a)
		}
	}
	return &c
}
