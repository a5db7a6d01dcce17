package adaptertest_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/adapter/adaptertest"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The suite on a toy cluster adapter whose nodes talk through goroutines,
// as a real bus would: it checks the cross-node cases themselves.
func TestRunCluster(t *testing.T) {
	adaptertest.Run(t, newToyCluster, &adaptertest.Options{Nodes: 3, Settle: 20 * time.Millisecond})
}

// toyBus connects the nodes of one cluster; each message to another node
// is delivered on its own goroutine.
type toyBus struct {
	mu    sync.Mutex
	nodes map[string][]*toyNode // by namespace
	n     int
	wg    sync.WaitGroup
}

func newToyCluster(t *testing.T, nodes int) []adapter.Factory {
	b := &toyBus{nodes: map[string][]*toyNode{}, n: nodes}
	t.Cleanup(b.wg.Wait)
	fs := make([]adapter.Factory, nodes)
	for i := range fs {
		fs[i] = func(ns adapter.Namespace) adapter.Adapter {
			n := &toyNode{Memory: adapter.NewMemory(ns).(*adapter.Memory), ns: ns, bus: b}
			b.mu.Lock()
			b.nodes[ns.Name()] = append(b.nodes[ns.Name()], n)
			b.mu.Unlock()
			return n
		}
	}
	return fs
}

type toyNode struct {
	*adapter.Memory
	ns  adapter.Namespace
	bus *toyBus
}

func (n *toyNode) others() []*toyNode {
	n.bus.mu.Lock()
	defer n.bus.mu.Unlock()
	var out []*toyNode
	for _, o := range n.bus.nodes[n.ns.Name()] {
		if o != n {
			out = append(out, o)
		}
	}
	return out
}

func (n *toyNode) async(fn func()) {
	n.bus.wg.Add(1)
	go func() { defer n.bus.wg.Done(); fn() }()
}

func (n *toyNode) Broadcast(p *parser.Packet, opts adapter.BroadcastOptions) error {
	if !opts.Flags.Local {
		for _, o := range n.others() {
			n.async(func() { _ = o.Memory.Broadcast(p, opts) })
		}
	}
	return n.Memory.Broadcast(p, opts)
}

func (n *toyNode) BroadcastWithAck(p *parser.Packet, opts adapter.BroadcastOptions, expect func(int), onAck adapter.AckFunc) error {
	if !opts.Flags.Local {
		for _, o := range n.others() {
			n.async(func() { _ = o.Memory.BroadcastWithAck(p, opts, expect, onAck) })
		}
	}
	return n.Memory.BroadcastWithAck(p, opts, expect, onAck)
}

func (n *toyNode) FetchSockets(ctx context.Context, opts adapter.BroadcastOptions) ([]adapter.SocketInfo, error) {
	out, err := n.Memory.FetchSockets(ctx, opts)
	if err != nil || opts.Flags.Local {
		return out, err
	}
	for _, o := range n.others() {
		more, err := o.Memory.FetchSockets(ctx, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

func (n *toyNode) each(opts adapter.BroadcastOptions, fn func(m *adapter.Memory) error) error {
	if !opts.Flags.Local {
		for _, o := range n.others() {
			n.async(func() { _ = fn(o.Memory) })
		}
	}
	return fn(n.Memory)
}

func (n *toyNode) AddSockets(opts adapter.BroadcastOptions, rooms []string) error {
	rooms = slices.Clone(rooms)
	return n.each(opts, func(m *adapter.Memory) error { return m.AddSockets(opts, rooms) })
}

func (n *toyNode) DelSockets(opts adapter.BroadcastOptions, rooms []string) error {
	rooms = slices.Clone(rooms)
	return n.each(opts, func(m *adapter.Memory) error { return m.DelSockets(opts, rooms) })
}

func (n *toyNode) DisconnectSockets(opts adapter.BroadcastOptions, close bool) error {
	return n.each(opts, func(m *adapter.Memory) error { return m.DisconnectSockets(opts, close) })
}

func (n *toyNode) ServerSideEmit(p *parser.Packet, onReply adapter.AckFunc) (int, error) {
	others := n.others()
	for _, o := range others {
		var reply func(*parser.Packet)
		if onReply != nil {
			reply = func(r *parser.Packet) { onReply("node", r) }
		}
		n.async(func() { o.ns.Receive(p, reply) })
	}
	return len(others), nil
}

func (n *toyNode) ServerCount(context.Context) (int, error) { return n.bus.n, nil }
