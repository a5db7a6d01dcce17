// Package adaptertest is a test suite that every [adapter.Adapter] must
// pass, whether it serves one process (adapter.NewMemory) or a cluster of
// nodes exchanging messages (Redis). An adapter package runs it from its
// tests:
//
//	func TestSuite(t *testing.T) {
//		adaptertest.Run(t, func(t *testing.T, nodes int) []adapter.Factory {
//			// make nodes connected adapters, one Factory per node
//		}, &adaptertest.Options{Nodes: 3})
//	}
//
// The suite drives each node's adapter through a fake [Namespace] that
// holds that node's sockets and records what the adapter asks of it, and
// checks the results against a model of which sockets should be selected:
// membership, broadcasts to rooms with exceptions (each socket reached once),
// flags, acknowledgements, socket queries and commands, server-side emits
// and the server count. Work that crosses nodes may be asynchronous: the
// suite waits for it, and waits [Options.Settle] more before checking that
// nothing else arrived.
package adaptertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// NewCluster makes the adapter factories of a fresh cluster of nodes
// nodes, one factory per node, all connected to each other. Every factory
// is called once per namespace the case uses; the adapter it returns must
// be ready to exchange messages with the other nodes. The suite closes
// every adapter when the case ends; NewCluster registers any other cleanup
// (a bus, a server) with t.Cleanup.
type NewCluster func(t *testing.T, nodes int) []adapter.Factory

// Options tune [Run].
type Options struct {
	// Nodes is the size of every cluster. Default 1; cross-node cases need
	// at least 2.
	Nodes int
	// Settle is how long a case waits, once what it expects has arrived,
	// before checking that nothing more did (a duplicate, a packet for an
	// excluded socket). Default 0 for one node, 200ms for more.
	Settle time.Duration
	// Timeout bounds every wait. Default 10s.
	Timeout time.Duration
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Nodes <= 0 {
		c.Nodes = 1
	}
	if c.Settle <= 0 && c.Nodes > 1 {
		c.Settle = 200 * time.Millisecond
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	return c
}

// Run runs every case of the suite as a subtest of t, each on a fresh
// cluster made by newCluster.
func Run(t *testing.T, newCluster NewCluster, opts *Options) {
	r := &runner{newCluster: newCluster, o: opts.withDefaults()}
	cases := []struct {
		name string
		fn   func(t *testing.T, r *runner)
	}{
		{"Membership", testMembership},
		{"SocketsAreLocal", testSocketsAreLocal},
		{"Broadcast", testBroadcast},
		{"BroadcastFromEveryNode", testBroadcastFromEveryNode},
		{"BroadcastKeepsPacket", testBroadcastKeepsPacket},
		{"BroadcastFlags", testBroadcastFlags},
		{"BroadcastLocal", testBroadcastLocal},
		{"BroadcastAfterLeave", testBroadcastAfterLeave},
		{"NamespacesAreSeparate", testNamespacesAreSeparate},
		{"BroadcastWithAck", testBroadcastWithAck},
		{"BroadcastWithAckSilentSocket", testBroadcastWithAckSilentSocket},
		{"BroadcastWithAckNoSocket", testBroadcastWithAckNoSocket},
		{"BroadcastWithAckLocal", testBroadcastWithAckLocal},
		{"FetchSockets", testFetchSockets},
		{"FetchSocketsLocal", testFetchSocketsLocal},
		{"AddSocketsDelSockets", testAddDelSockets},
		{"DisconnectSockets", testDisconnectSockets},
		{"ServerSideEmit", testServerSideEmit},
		{"ServerSideEmitWithReplies", testServerSideEmitWithReplies},
		{"ServerCount", testServerCount},
		{"Concurrent", testConcurrent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, r) })
	}
}

type runner struct {
	newCluster NewCluster
	o          Options
}

// env is one cluster of a case.
type env struct {
	t         *testing.T
	o         Options
	factories []adapter.Factory
}

func (r *runner) start(t *testing.T) *env {
	t.Helper()
	fs := r.newCluster(t, r.o.Nodes)
	if len(fs) != r.o.Nodes {
		t.Fatalf("NewCluster made %d factories for %d nodes", len(fs), r.o.Nodes)
	}
	return &env{t: t, o: r.o, factories: fs}
}

// node is one node's namespace and adapter.
type node struct {
	ns *Namespace
	a  adapter.Adapter
}

// cluster is one namespace over every node, with a model of its sockets.
type cluster struct {
	e     *env
	name  string
	nodes []node

	mu     sync.Mutex
	rooms  map[string]map[string]bool // socket id → rooms (own id included)
	nodeOf map[string]int
	data   map[string]any
	seq    int
}

// namespace creates the namespace name on every node.
func (e *env) namespace(name string) *cluster { return e.namespaceWith(name, nil) }

// namespaceWith is namespace, letting setup prepare each fake namespace
// before its adapter is made.
func (e *env) namespaceWith(name string, setup func(*Namespace)) *cluster {
	e.t.Helper()
	c := &cluster{e: e, name: name, rooms: map[string]map[string]bool{}, nodeOf: map[string]int{}, data: map[string]any{}}
	for i, f := range e.factories {
		ns := NewNamespace(name, "node-"+strconv.Itoa(i))
		if setup != nil {
			setup(ns)
		}
		a := f(ns)
		if a == nil {
			e.t.Fatalf("factory of node %d returned a nil adapter", i)
		}
		ns.SetAdapter(a)
		c.nodes = append(c.nodes, node{ns: ns, a: a})
	}
	e.t.Cleanup(func() {
		for _, n := range c.nodes {
			n.ns.Wait()
		}
		for i, n := range c.nodes {
			if err := n.a.Close(); err != nil {
				e.t.Errorf("node %d: Close: %v", i, err)
			}
			n.ns.Wait()
		}
	})
	return c
}

// add connects socket id on node i, in rooms.
func (c *cluster) add(i int, id string, rooms ...string) {
	data := map[string]any{"id": id, "node": i}
	c.mu.Lock()
	c.rooms[id] = map[string]bool{id: true}
	for _, r := range rooms {
		c.rooms[id][r] = true
	}
	c.nodeOf[id] = i
	c.data[id] = data
	c.mu.Unlock()
	c.nodes[i].ns.AddSocket(id, data, rooms...)
}

// populate puts four sockets on every node: a in r1, b in r1 and r2, c in
// r2, d in no room but its own. It returns their ids.
func (c *cluster) populate() []string {
	var ids []string
	for i := range c.nodes {
		p := "n" + strconv.Itoa(i) + "-"
		c.add(i, p+"a", "r1")
		c.add(i, p+"b", "r1", "r2")
		c.add(i, p+"c", "r2")
		c.add(i, p+"d")
		ids = append(ids, p+"a", p+"b", p+"c", p+"d")
	}
	return ids
}

// forget removes id from the model (the namespace removes it itself).
func (c *cluster) forget(id string) {
	c.mu.Lock()
	delete(c.rooms, id)
	delete(c.nodeOf, id)
	c.mu.Unlock()
}

// join and leave update the model after a command.
func (c *cluster) join(ids []string, rooms ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		for _, r := range rooms {
			c.rooms[id][r] = true
		}
	}
}

func (c *cluster) leave(ids []string, rooms ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		for _, r := range rooms {
			delete(c.rooms[id], r)
		}
	}
}

// want is the model's answer: the sockets opts selects, sorted; with
// Flags.Local, only those of node from.
func (c *cluster) want(opts adapter.BroadcastOptions, from int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for id, rooms := range c.rooms {
		if opts.Flags.Local && c.nodeOf[id] != from {
			continue
		}
		in := len(opts.Rooms) == 0
		for _, r := range opts.Rooms {
			in = in || rooms[r]
		}
		for _, r := range opts.Except {
			in = in && !rooms[r]
		}
		if in {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// delivered counts, by socket, the deliveries of packets carrying the
// data of p, over every node.
func (c *cluster) delivered(p *parser.Packet) map[string]int {
	m := map[string]int{}
	for _, n := range c.nodes {
		for _, s := range n.ns.Sent() {
			if bytes.Equal(s.Packet.Data, p.Data) {
				for _, id := range s.IDs {
					m[id]++
				}
			}
		}
	}
	return m
}

// packet returns an event of the namespace that no other call returns, so
// its deliveries can be told from the others'.
func (c *cluster) packet(event string) *parser.Packet {
	c.mu.Lock()
	c.seq++
	n := c.seq
	c.mu.Unlock()
	return eventPacket(c.name, `[`+strconv.Quote(event)+`,`+strconv.Itoa(n)+`]`)
}

// checkLocalOnly fails when an adapter named a socket its node does not
// hold.
func (c *cluster) checkLocalOnly(t *testing.T) {
	t.Helper()
	for i, n := range c.nodes {
		var u []string
		for _, id := range n.ns.Unknown() {
			// Churned sockets may leave between a selection and its Send.
			if !strings.HasPrefix(id, churnPrefix) {
				u = append(u, id)
			}
		}
		if len(u) > 0 {
			t.Errorf("node %d: adapter named sockets that are not local: %q", i, u)
		}
	}
}

// waitDelivered waits until every socket of want got p (a packet with its
// data), lets the cluster settle, then checks that they got it exactly once
// and nobody else got it.
func (c *cluster) waitDelivered(t *testing.T, p *parser.Packet, want []string) {
	t.Helper()
	c.e.eventually(t, func() bool {
		d := c.delivered(p)
		for _, id := range want {
			if d[id] < 1 {
				return false
			}
		}
		return true
	}, func() string {
		return fmt.Sprintf("deliveries of %s: %v, want one each to %q", p.Data, c.delivered(p), want)
	})
	c.e.settle()
	d := c.delivered(p)
	exp := map[string]int{}
	for _, id := range want {
		exp[id] = 1
	}
	if !equalCounts(d, exp) {
		t.Errorf("deliveries of %s: %v, want one each to %q", p.Data, d, want)
	}
	c.checkLocalOnly(t)
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// eventually polls cond until it holds or the timeout passes.
func (e *env) eventually(t *testing.T, cond func() bool, describe func() string) {
	t.Helper()
	deadline := time.Now().Add(e.o.Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", describe())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (e *env) settle() {
	if e.o.Settle > 0 {
		time.Sleep(e.o.Settle)
	}
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), e.o.Timeout)
	e.t.Cleanup(cancel)
	return ctx
}

func eventPacket(nsp, data string) *parser.Packet {
	return &parser.Packet{Type: parser.Event, Namespace: nsp, Data: []byte(data)}
}

func samePacket(a, b *parser.Packet) bool {
	if a.Type != b.Type || a.Namespace != b.Namespace || a.HasID != b.HasID || !bytes.Equal(a.Data, b.Data) ||
		len(a.Attachments) != len(b.Attachments) {
		return false
	}
	if a.HasID && a.ID != b.ID {
		return false
	}
	for i := range a.Attachments {
		if !bytes.Equal(a.Attachments[i], b.Attachments[i]) {
			return false
		}
	}
	return true
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	if s == nil {
		s = []string{}
	}
	return s
}

func sameSet(got, want []string) bool {
	return slices.Equal(sorted(got), sorted(want))
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	return string(b)
}

// last is the index of the last node, the origin of cross-node cases.
func (c *cluster) last() int { return len(c.nodes) - 1 }
