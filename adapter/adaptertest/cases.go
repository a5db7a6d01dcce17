package adaptertest

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

func testMembership(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	a := c.nodes[0].a
	a.AddAll("s1", "s1", "r1", "r2")
	a.AddAll("s1", "r1") // joining twice changes nothing
	a.AddAll("s2", "s2", "r2")
	if got := a.Rooms("s1"); !sameSet(got, []string{"s1", "r1", "r2"}) {
		t.Errorf("Rooms(s1) = %q, want s1 r1 r2", got)
	}
	if got := a.Sockets(nil); !sameSet(got, []string{"s1", "s2"}) {
		t.Errorf("Sockets(nil) = %q, want s1 s2", got)
	}
	if got := a.Sockets([]string{"r1"}); !sameSet(got, []string{"s1"}) {
		t.Errorf("Sockets(r1) = %q, want s1", got)
	}
	if got := a.Sockets([]string{"r1", "r2"}); !sameSet(got, []string{"s1", "s2"}) {
		t.Errorf("Sockets(r1, r2) = %q, want s1 s2 once each", got)
	}
	if got := a.Sockets([]string{"nobody"}); len(got) != 0 {
		t.Errorf("Sockets(nobody) = %q, want none", got)
	}

	a.Del("s1", "r1")
	a.Del("s1", "never joined")
	a.Del("unknown", "r1")
	if got := a.Rooms("s1"); !sameSet(got, []string{"s1", "r2"}) {
		t.Errorf("after Del, Rooms(s1) = %q, want s1 r2", got)
	}
	if got := a.Sockets([]string{"r1"}); len(got) != 0 {
		t.Errorf("after Del, Sockets(r1) = %q, want none", got)
	}

	a.DelAll("s1")
	a.DelAll("unknown")
	if got := a.Rooms("s1"); len(got) != 0 {
		t.Errorf("after DelAll, Rooms(s1) = %q, want none", got)
	}
	if got := a.Sockets(nil); !sameSet(got, []string{"s2"}) {
		t.Errorf("after DelAll, Sockets(nil) = %q, want s2", got)
	}
	if got := a.Sockets([]string{"r2"}); !sameSet(got, []string{"s2"}) {
		t.Errorf("after DelAll, Sockets(r2) = %q, want s2", got)
	}
	if got := a.Rooms("unknown"); len(got) != 0 {
		t.Errorf("Rooms(unknown) = %q, want none", got)
	}
}

// Membership is per node: Rooms and Sockets only know local sockets.
func testSocketsAreLocal(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	for i, n := range c.nodes {
		p := "n" + strconv.Itoa(i) + "-"
		if got, want := n.a.Sockets(nil), []string{p + "a", p + "b", p + "c", p + "d"}; !sameSet(got, want) {
			t.Errorf("node %d: Sockets(nil) = %q, want %q", i, got, want)
		}
		if got, want := n.a.Sockets([]string{"r1"}), []string{p + "a", p + "b"}; !sameSet(got, want) {
			t.Errorf("node %d: Sockets(r1) = %q, want %q", i, got, want)
		}
		if i > 0 {
			if got := n.a.Rooms("n0-a"); len(got) != 0 {
				t.Errorf("node %d: Rooms of a socket of node 0 = %q, want none", i, got)
			}
		}
	}
}

// broadcastCases are selections and what they test.
func broadcastCases(last int) []struct {
	name string
	opts adapter.BroadcastOptions
} {
	other := "n" + strconv.Itoa(last) + "-d"
	return []struct {
		name string
		opts adapter.BroadcastOptions
	}{
		{"all", adapter.BroadcastOptions{}},
		{"room", adapter.BroadcastOptions{Rooms: []string{"r1"}}},
		{"several rooms, each socket once", adapter.BroadcastOptions{Rooms: []string{"r1", "r2", "r1"}}},
		{"except", adapter.BroadcastOptions{Except: []string{"r2"}}},
		{"room except room", adapter.BroadcastOptions{Rooms: []string{"r1"}, Except: []string{"r2"}}},
		{"except the sender", adapter.BroadcastOptions{Except: []string{"n0-a"}}},
		{"except several", adapter.BroadcastOptions{Except: []string{"r1", "n0-c"}}},
		{"a socket's own room", adapter.BroadcastOptions{Rooms: []string{other}}},
		{"empty room", adapter.BroadcastOptions{Rooms: []string{"nobody"}}},
		{"everything excepted", adapter.BroadcastOptions{Rooms: []string{"r1"}, Except: []string{"r1"}}},
	}
}

// Broadcast reaches exactly the sockets its options select, each once, on
// every node, with the packet unchanged.
func testBroadcast(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	for _, bc := range broadcastCases(c.last()) {
		p := c.packet("case")
		if err := c.nodes[0].a.Broadcast(p, bc.opts); err != nil {
			t.Fatalf("%s: Broadcast: %v", bc.name, err)
		}
		t.Run(bc.name, func(t *testing.T) { c.waitDelivered(t, p, c.want(bc.opts, 0)) })
	}
	for i, n := range c.nodes {
		for _, s := range n.ns.Sent() {
			if s.WithAck {
				t.Errorf("node %d: a plain broadcast asked for acks", i)
			}
			if len(s.IDs) == 0 {
				continue
			}
			if s.Packet.Type != parser.Event || s.Packet.Namespace != "/" || s.Packet.HasID {
				t.Errorf("node %d: sent %+v, want the event as broadcast", i, s.Packet)
			}
		}
	}
}

// Any node may broadcast, and its own sockets are reached like the others.
func testBroadcastFromEveryNode(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	for from := range c.nodes {
		for _, opts := range []adapter.BroadcastOptions{
			{Rooms: []string{"r2"}},
			{Except: []string{"r1"}},
		} {
			p := c.packet("from")
			if err := c.nodes[from].a.Broadcast(p, opts); err != nil {
				t.Fatalf("node %d: Broadcast: %v", from, err)
			}
			c.waitDelivered(t, p, c.want(opts, from))
		}
	}
}

// A binary packet with an ack id crosses nodes byte for byte.
func testBroadcastKeepsPacket(t *testing.T, r *runner) {
	c := r.start(t).namespace("/nsp")
	c.populate()
	p := &parser.Packet{
		Type:      parser.BinaryEvent,
		Namespace: "/nsp",
		Data:      []byte(`["bin",{"z":1.50,"a":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1},"\u00e9"]`),
		Attachments: [][]byte{
			{0, 1, 2, 255},
			{},
		},
	}
	opts := adapter.BroadcastOptions{Rooms: []string{"r1"}}
	if err := c.nodes[0].a.Broadcast(p, opts); err != nil {
		t.Fatal(err)
	}
	c.waitDelivered(t, p, c.want(opts, 0))
	for i, n := range c.nodes {
		for _, s := range n.ns.Sent() {
			if !samePacket(s.Packet, p) {
				t.Errorf("node %d: sent %q %q, want %q %q", i, s.Packet.Data, s.Packet.Attachments, p.Data, p.Attachments)
			}
		}
	}
}

// The volatile and compress flags reach every node's Send.
func testBroadcastFlags(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	for _, f := range []adapter.Flags{{Volatile: true}, {Compress: true}, {Volatile: true, Compress: true}, {}} {
		before := make([]int, len(c.nodes))
		for i, n := range c.nodes {
			before[i] = len(n.ns.Sent())
		}
		opts := adapter.BroadcastOptions{Flags: f}
		p := c.packet("flags")
		if err := c.nodes[0].a.Broadcast(p, opts); err != nil {
			t.Fatal(err)
		}
		c.waitDelivered(t, p, c.want(opts, 0))
		for i, n := range c.nodes {
			for _, s := range n.ns.Sent()[before[i]:] {
				if s.Flags.Volatile != f.Volatile || s.Flags.Compress != f.Compress {
					t.Errorf("node %d: Send got flags %+v, want volatile=%v compress=%v", i, s.Flags, f.Volatile, f.Compress)
				}
			}
		}
	}
}

// A Local broadcast stays on the node it starts from.
func testBroadcastLocal(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	for from := range c.nodes {
		opts := adapter.BroadcastOptions{Rooms: []string{"r1"}, Flags: adapter.Flags{Local: true}}
		p := c.packet("local")
		if err := c.nodes[from].a.Broadcast(p, opts); err != nil {
			t.Fatal(err)
		}
		c.waitDelivered(t, p, c.want(opts, from))
	}
}

// Leaving a room, or every room, stops its broadcasts.
func testBroadcastAfterLeave(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	last := c.last()
	pre := "n" + strconv.Itoa(last) + "-"
	c.nodes[last].a.Del(pre+"b", "r1")
	c.leave([]string{pre + "b"}, "r1")
	c.nodes[last].ns.RemoveSocket(pre + "a")
	c.forget(pre + "a")
	opts := adapter.BroadcastOptions{Rooms: []string{"r1"}}
	p := c.packet("after leave")
	if err := c.nodes[0].a.Broadcast(p, opts); err != nil {
		t.Fatal(err)
	}
	c.waitDelivered(t, p, c.want(opts, 0))
}

// Two namespaces on the same nodes never see each other's traffic.
func testNamespacesAreSeparate(t *testing.T, r *runner) {
	e := r.start(t)
	ca, cb := e.namespace("/a"), e.namespace("/b")
	for i := range ca.nodes {
		ca.add(i, "a"+strconv.Itoa(i), "room")
		cb.add(i, "b"+strconv.Itoa(i), "room")
	}
	opts := adapter.BroadcastOptions{Rooms: []string{"room"}}
	p := ca.packet("a")
	if err := ca.nodes[0].a.Broadcast(p, opts); err != nil {
		t.Fatal(err)
	}
	ca.waitDelivered(t, p, ca.want(opts, 0))
	cb.waitDelivered(t, p, nil)
	for i, n := range cb.nodes {
		if got := n.ns.Sent(); len(got) != 0 {
			t.Errorf("node %d: /b sent %d packets of /a", i, len(got))
		}
	}

	if _, err := cb.nodes[0].a.ServerSideEmit(eventPacket("/b", `["only b"]`), nil); err != nil {
		t.Fatal(err)
	}
	e.eventually(t, func() bool {
		for i := 1; i < len(cb.nodes); i++ {
			if len(cb.nodes[i].ns.Received()) != 1 {
				return false
			}
		}
		return true
	}, func() string { return "server-side emit to /b did not reach every other node's /b" })
	e.settle()
	for i, n := range ca.nodes {
		if got := n.ns.Received(); len(got) != 0 {
			t.Errorf("node %d: /a received %d server-side emits meant for /b", i, len(got))
		}
	}

	infos, err := cb.nodes[0].a.FetchSockets(e.ctx(), adapter.BroadcastOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := infoIDs(infos); !sameSet(got, cb.want(adapter.BroadcastOptions{}, 0)) {
		t.Errorf("FetchSockets on /b = %q, want only the sockets of /b", got)
	}
}

// ackRecorder gathers the expect and onAck calls of BroadcastWithAck.
type ackRecorder struct {
	mu      sync.Mutex
	expects []int
	acks    map[string]string // socket id → reply data
	dup     []string
}

func newAckRecorder() *ackRecorder { return &ackRecorder{acks: map[string]string{}} }

func (a *ackRecorder) expect(n int) {
	a.mu.Lock()
	a.expects = append(a.expects, n)
	a.mu.Unlock()
}

func (a *ackRecorder) onAck(id string, r *parser.Packet) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.acks[id]; ok {
		a.dup = append(a.dup, id)
	}
	a.acks[id] = fmt.Sprintf("%v %s", r.Type, r.Data)
}

func (a *ackRecorder) snapshot() (expects []int, total int, acks map[string]string, dup []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, n := range a.expects {
		total += n
	}
	acks = map[string]string{}
	for k, v := range a.acks {
		acks[k] = v
	}
	return append([]int(nil), a.expects...), total, acks, append([]string(nil), a.dup...)
}

// runWithAck broadcasts an event with ack id 7 from node from and waits
// until expect was called wantExpects times and wantAcks answered.
func runWithAck(t *testing.T, c *cluster, from int, opts adapter.BroadcastOptions, wantExpects int, wantAcks []string) *ackRecorder {
	t.Helper()
	rec := newAckRecorder()
	p := c.packet("ask")
	p.ID, p.HasID = 7, true
	if err := c.nodes[from].a.BroadcastWithAck(p, opts, rec.expect, rec.onAck); err != nil {
		t.Fatal(err)
	}
	selected := c.want(opts, from)
	c.e.eventually(t, func() bool {
		ex, total, acks, _ := rec.snapshot()
		return len(ex) >= wantExpects && total >= len(selected) && len(acks) >= len(wantAcks)
	}, func() string {
		ex, _, acks, _ := rec.snapshot()
		return fmt.Sprintf("expect calls %v, acks %v; want %d calls counting %d sockets, acks from %q", ex, acks, wantExpects, len(selected), wantAcks)
	})
	c.waitDelivered(t, p, selected)
	ex, total, acks, dup := rec.snapshot()
	if len(ex) != wantExpects {
		t.Errorf("expect called %d times (%v), want %d (once per node reached)", len(ex), ex, wantExpects)
	}
	if total != len(selected) {
		t.Errorf("expect counted %d sockets, want %d (%q)", total, len(selected), selected)
	}
	if len(dup) > 0 {
		t.Errorf("acks of %q passed on more than once", dup)
	}
	want := map[string]string{}
	for _, id := range wantAcks {
		want[id] = fmt.Sprintf("%v %s", parser.Ack, `["`+id+`"]`)
	}
	if fmt.Sprint(acks) != fmt.Sprint(want) {
		t.Errorf("acks %v, want %v", acks, want)
	}
	for i, n := range c.nodes {
		for _, s := range n.ns.Sent() {
			if !s.WithAck {
				t.Errorf("node %d: Send without an ack callback: %+v", i, s)
			}
		}
	}
	return rec
}

// BroadcastWithAck reports, once per node, how many sockets it reached,
// and passes on every socket's answer.
func testBroadcastWithAck(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	opts := adapter.BroadcastOptions{Rooms: []string{"r1", "r2"}, Except: []string{"n0-c"}}
	runWithAck(t, c, 0, opts, len(c.nodes), c.want(opts, 0))
}

// A socket that never answers is counted but brings no ack.
func testBroadcastWithAckSilentSocket(t *testing.T, r *runner) {
	e := r.start(t)
	silent := "n" + strconv.Itoa(len(e.factories)-1) + "-b"
	c := e.namespaceWith("/", func(ns *Namespace) {
		ns.AckReply = func(id string, p *parser.Packet) *parser.Packet {
			if id == silent {
				return nil
			}
			return &parser.Packet{Type: parser.Ack, Namespace: p.Namespace, ID: p.ID, HasID: true, Data: []byte(`["` + id + `"]`)}
		}
	})
	c.populate()
	opts := adapter.BroadcastOptions{Rooms: []string{"r1"}}
	var answering []string
	for _, id := range c.want(opts, 0) {
		if id != silent {
			answering = append(answering, id)
		}
	}
	runWithAck(t, c, 0, opts, len(c.nodes), answering)
}

// With nobody selected, every node still reports (zero).
func testBroadcastWithAckNoSocket(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	runWithAck(t, c, 0, adapter.BroadcastOptions{Rooms: []string{"nobody"}}, len(c.nodes), nil)
}

// A Local BroadcastWithAck has one node to report.
func testBroadcastWithAckLocal(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	from := c.last()
	opts := adapter.BroadcastOptions{Flags: adapter.Flags{Local: true}}
	runWithAck(t, c, from, opts, 1, c.want(opts, from))
}

func infoIDs(infos []adapter.SocketInfo) []string {
	ids := make([]string, len(infos))
	for i, in := range infos {
		ids[i] = in.ID
	}
	return ids
}

// FetchSockets describes the selected sockets of every node: id, rooms
// and data.
func testFetchSockets(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	for _, bc := range broadcastCases(c.last()) {
		t.Run(bc.name, func(t *testing.T) {
			for from := range c.nodes {
				infos, err := c.nodes[from].a.FetchSockets(c.e.ctx(), bc.opts)
				if err != nil {
					t.Fatal(err)
				}
				want := c.want(bc.opts, from)
				if got := infoIDs(infos); !sameSet(got, want) {
					t.Errorf("from node %d: FetchSockets = %q, want %q", from, sorted(got), want)
					continue
				}
				for _, in := range infos {
					c.mu.Lock()
					var rooms []string
					for r := range c.rooms[in.ID] {
						rooms = append(rooms, r)
					}
					data := c.data[in.ID]
					c.mu.Unlock()
					if !sameSet(in.Rooms, rooms) {
						t.Errorf("socket %s: rooms %q, want %q", in.ID, in.Rooms, sorted(rooms))
					}
					if got, want := jsonText(t, in.Data), jsonText(t, data); got != want {
						t.Errorf("socket %s: data %s, want %s", in.ID, got, want)
					}
				}
			}
		})
	}
}

// A Local FetchSockets describes this node's sockets only.
func testFetchSocketsLocal(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	for from := range c.nodes {
		opts := adapter.BroadcastOptions{Rooms: []string{"r2"}, Flags: adapter.Flags{Local: true}}
		infos, err := c.nodes[from].a.FetchSockets(c.e.ctx(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := infoIDs(infos), c.want(opts, from); !sameSet(got, want) {
			t.Errorf("from node %d: local FetchSockets = %q, want %q", from, sorted(got), want)
		}
	}
}

// roomsOf asks each socket's own node for its rooms.
func (c *cluster) roomsOf(id string) []string {
	c.mu.Lock()
	i, ok := c.nodeOf[id]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	return c.nodes[i].a.Rooms(id)
}

// waitRooms waits until every socket's rooms, asked of its own node, match
// the model.
func (c *cluster) waitRooms(t *testing.T) {
	t.Helper()
	check := func() (bool, string) {
		c.mu.Lock()
		model := map[string][]string{}
		for id, rs := range c.rooms {
			for r := range rs {
				model[id] = append(model[id], r)
			}
		}
		c.mu.Unlock()
		for id, want := range model {
			if got := c.roomsOf(id); !sameSet(got, want) {
				return false, fmt.Sprintf("socket %s in %q, want %q", id, sorted(got), sorted(want))
			}
		}
		return true, ""
	}
	c.e.eventually(t, func() bool { ok, _ := check(); return ok }, func() string { _, s := check(); return s })
	c.e.settle()
	if ok, s := check(); !ok {
		t.Error(s)
	}
}

// AddSockets and DelSockets change the rooms of the selected sockets on
// every node (of this node only with Local).
func testAddDelSockets(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	from := c.last()

	opts := adapter.BroadcastOptions{Rooms: []string{"r1"}, Except: []string{"r2"}}
	sel := c.want(opts, from)
	if err := c.nodes[from].a.AddSockets(opts, []string{"x", "y"}); err != nil {
		t.Fatal(err)
	}
	c.join(sel, "x", "y")
	c.waitRooms(t)

	opts = adapter.BroadcastOptions{Rooms: []string{"r2"}, Flags: adapter.Flags{Local: true}}
	sel = c.want(opts, 0)
	if err := c.nodes[0].a.AddSockets(opts, []string{"z"}); err != nil {
		t.Fatal(err)
	}
	c.join(sel, "z")
	c.waitRooms(t)

	// The new rooms select like any other.
	bopts := adapter.BroadcastOptions{Rooms: []string{"x", "z"}}
	p := c.packet("x")
	if err := c.nodes[0].a.Broadcast(p, bopts); err != nil {
		t.Fatal(err)
	}
	c.waitDelivered(t, p, c.want(bopts, 0))

	opts = adapter.BroadcastOptions{Rooms: []string{"x"}}
	sel = c.want(opts, 0)
	if err := c.nodes[0].a.DelSockets(opts, []string{"x", "r1"}); err != nil {
		t.Fatal(err)
	}
	c.leave(sel, "x", "r1")
	c.waitRooms(t)

	opts = adapter.BroadcastOptions{Except: []string{"r2"}}
	sel = c.want(opts, from)
	if err := c.nodes[from].a.DelSockets(opts, []string{"y"}); err != nil {
		t.Fatal(err)
	}
	c.leave(sel, "y")
	c.waitRooms(t)
}

// DisconnectSockets asks every node to disconnect its selected sockets,
// passing the close flag.
func testDisconnectSockets(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	for _, step := range []struct {
		from  int
		opts  adapter.BroadcastOptions
		close bool
	}{
		{0, adapter.BroadcastOptions{Rooms: []string{"r1"}, Except: []string{"r2"}}, false},
		{c.last(), adapter.BroadcastOptions{Rooms: []string{"r2"}}, true},
		{0, adapter.BroadcastOptions{Rooms: []string{"r2"}}, false}, // nobody left there
		{0, adapter.BroadcastOptions{Flags: adapter.Flags{Local: true}}, false},
	} {
		sel := c.want(step.opts, step.from)
		before := make([]int, len(c.nodes))
		for i, n := range c.nodes {
			before[i] = len(n.ns.Disconnected())
		}
		if err := c.nodes[step.from].a.DisconnectSockets(step.opts, step.close); err != nil {
			t.Fatal(err)
		}
		got := func() ([]string, bool) {
			var ids []string
			flagOK := true
			for i, n := range c.nodes {
				for _, d := range n.ns.Disconnected()[before[i]:] {
					ids = append(ids, d.IDs...)
					flagOK = flagOK && d.Close == step.close
				}
			}
			return ids, flagOK
		}
		c.e.eventually(t, func() bool { ids, _ := got(); return len(ids) >= len(sel) },
			func() string { ids, _ := got(); return fmt.Sprintf("disconnected %q, want %q", ids, sel) })
		c.e.settle()
		ids, flagOK := got()
		if !sameSet(ids, sel) || len(ids) != len(sel) {
			t.Errorf("disconnected %q, want %q once each", sorted(ids), sel)
		}
		if !flagOK {
			t.Errorf("close flag not passed on as %v", step.close)
		}
		for _, id := range sel {
			c.forget(id)
		}
		c.checkLocalOnly(t)
	}
	// The disconnected sockets are gone from every room.
	infos, err := c.nodes[0].a.FetchSockets(c.e.ctx(), adapter.BroadcastOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := infoIDs(infos), c.want(adapter.BroadcastOptions{}, 0); !sameSet(got, want) {
		t.Errorf("left %q, want %q", sorted(got), want)
	}
}

// ServerSideEmit reaches the namespace of every other node, never its own.
func testServerSideEmit(t *testing.T, r *runner) {
	c := r.start(t).namespace("/nsp")
	c.populate()
	from := c.last()
	p := &parser.Packet{Type: parser.BinaryEvent, Namespace: "/nsp",
		Data: []byte(`["hello",{"_placeholder":true,"num":0},{"b":2,"a":1}]`), Attachments: [][]byte{{9, 8, 7}}}
	if _, err := c.nodes[from].a.ServerSideEmit(p, nil); err != nil {
		t.Fatal(err)
	}
	others := func() int {
		n := 0
		for i, nd := range c.nodes {
			if i != from {
				n += len(nd.ns.Received())
			}
		}
		return n
	}
	c.e.eventually(t, func() bool { return others() >= len(c.nodes)-1 },
		func() string { return fmt.Sprintf("%d nodes received, want %d", others(), len(c.nodes)-1) })
	c.e.settle()
	for i, nd := range c.nodes {
		got := nd.ns.Received()
		switch {
		case i == from && len(got) != 0:
			t.Errorf("the emitting node received its own server-side emit")
		case i != from && len(got) != 1:
			t.Errorf("node %d received %d server-side emits, want 1", i, len(got))
		case i != from:
			if !samePacket(got[0].Packet, p) {
				t.Errorf("node %d received %q %q, want %q %q", i, got[0].Packet.Data, got[0].Packet.Attachments, p.Data, p.Attachments)
			}
		}
	}
	for i, nd := range c.nodes {
		if len(nd.ns.Sent()) != 0 {
			t.Errorf("node %d: a server-side emit reached sockets", i)
		}
	}
}

// ServerSideEmit with onReply says how many nodes it asked and passes on
// their answers.
func testServerSideEmitWithReplies(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	from := 0
	p := eventPacket("/", `["ping"]`)
	p.ID, p.HasID = 3, true
	var mu sync.Mutex
	replies := map[string]int{}
	n, err := c.nodes[from].a.ServerSideEmit(p, func(_ string, r *parser.Packet) {
		mu.Lock()
		replies[string(r.Data)]++
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(c.nodes)-1 {
		t.Errorf("ServerSideEmit asked %d nodes, want %d", n, len(c.nodes)-1)
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(replies) }
	c.e.eventually(t, func() bool { return count() >= len(c.nodes)-1 },
		func() string { return fmt.Sprintf("%d replies, want %d", count(), len(c.nodes)-1) })
	c.e.settle()
	mu.Lock()
	defer mu.Unlock()
	want := map[string]int{}
	for i := range c.nodes {
		if i != from {
			want[`["node-`+strconv.Itoa(i)+`"]`] = 1
		}
	}
	if !equalCounts(replies, want) {
		t.Errorf("replies %v, want %v", replies, want)
	}
	for i, nd := range c.nodes {
		for _, rc := range nd.ns.Received() {
			if !rc.WithReply {
				t.Errorf("node %d: server-side emit with ack received without a way to reply", i)
			}
		}
	}
}

func testServerCount(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	for i, n := range c.nodes {
		got, err := n.a.ServerCount(c.e.ctx())
		if err != nil {
			t.Fatal(err)
		}
		if got != len(c.nodes) {
			t.Errorf("node %d: ServerCount = %d, want %d", i, got, len(c.nodes))
		}
	}
}

// churnPrefix names the sockets of the concurrent case, which come and go.
const churnPrefix = "churn-"

// Every method may be called from many goroutines at once (run with -race).
func testConcurrent(t *testing.T, r *runner) {
	c := r.start(t).namespace("/")
	c.populate()
	var wg sync.WaitGroup
	done := make(chan struct{})
	for i := range c.nodes {
		a := c.nodes[i].a
		for g := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("%s%d-%d", churnPrefix, i, g)
				for k := 0; ; k++ {
					select {
					case <-done:
						return
					default:
					}
					switch k % 6 {
					case 0:
						c.nodes[i].ns.AddSocket(id, nil, "r1", "hot")
					case 1:
						_ = a.Broadcast(eventPacket("/", `["hot"]`), adapter.BroadcastOptions{Rooms: []string{"hot", "r1"}, Except: []string{"r2"}})
					case 2:
						_, _ = a.FetchSockets(c.e.ctx(), adapter.BroadcastOptions{Rooms: []string{"hot"}})
					case 3:
						a.Del(id, "r1")
						_ = a.Rooms(id)
						_ = a.Sockets([]string{"hot"})
					case 4:
						_ = a.AddSockets(adapter.BroadcastOptions{Rooms: []string{"hot"}, Flags: adapter.Flags{Local: true}}, []string{"warm"})
					case 5:
						c.nodes[i].ns.RemoveSocket(id)
					}
				}
			}()
		}
	}
	time.Sleep(100 * time.Millisecond)
	close(done)
	wg.Wait()
	// Still consistent afterwards.
	opts := adapter.BroadcastOptions{Rooms: []string{"r2"}}
	p := c.packet("after")
	if err := c.nodes[0].a.Broadcast(p, opts); err != nil {
		t.Fatal(err)
	}
	c.waitDelivered(t, p, c.want(opts, 0))
}
