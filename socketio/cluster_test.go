package socketio_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// twoNodes is an adapter that pretends another node exists: that node has
// no socket, answers server-side emits with ["remote"], and reports its
// count (zero) of sockets reached for broadcasts with acks.
type twoNodes struct {
	*adapter.Memory
	wg *sync.WaitGroup
}

func (a twoNodes) ServerCount(context.Context) (int, error) { return 2, nil }

func (a twoNodes) BroadcastWithAck(p *parser.Packet, opts adapter.BroadcastOptions, expect func(int), onAck adapter.AckFunc) error {
	if !opts.Flags.Local {
		a.wg.Add(1)
		go func() { defer a.wg.Done(); time.Sleep(10 * time.Millisecond); expect(0) }()
	}
	return a.Memory.BroadcastWithAck(p, opts, expect, onAck)
}

func (a twoNodes) ServerSideEmit(p *parser.Packet, onReply adapter.AckFunc) (int, error) {
	if onReply != nil {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			onReply("remote", &parser.Packet{Type: parser.Ack, Namespace: p.Namespace, ID: p.ID, HasID: true, Data: []byte(`["remote"]`)})
		}()
	}
	return 1, nil
}

// newClusterServer starts a server whose adapters are twoNodes, and hands
// the test each namespace as its adapter sees it.
func newClusterServer(t *testing.T) (*socketio.Server, *tclient, chan adapter.Namespace) {
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	views := make(chan adapter.Namespace, 8)
	srv, ts := newServer(t, &socketio.Options{Adapter: func(ns adapter.Namespace) adapter.Adapter {
		views <- ns
		return twoNodes{adapter.NewMemory(ns).(*adapter.Memory), &wg}
	}})
	c := dial(t, ts)
	return srv, c, views
}

// Server-side emits from another node reach OnServerSideEmit handlers,
// which may answer that node.
func TestOnServerSideEmitFromAnotherNode(t *testing.T) {
	srv, _, views := newClusterServer(t)
	main := recv(t, views)
	if main.Name() != "/" {
		t.Fatalf("first namespace %s", main.Name())
	}
	got := make(chan string, 4)
	srv.Of("/").OnServerSideEmit("hello", func(e *socketio.Event) {
		var n int
		err := e.Bind(&n)
		if e.Socket() != nil || err != nil {
			t.Errorf("socket %v, bind %v", e.Socket(), err)
		}
		got <- e.Name
		if e.WantsAck() {
			_ = e.Ack("hi", n+1)
		} else if err := e.Ack(); !errors.Is(err, socketio.ErrNoAck) {
			t.Errorf("Ack without a reply: %v", err)
		}
	})
	replies := make(chan *parser.Packet, 2)
	main.Receive(&parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["hello",1]`), ID: 3, HasID: true},
		func(p *parser.Packet) { replies <- p })
	recv(t, got)
	r := recv(t, replies)
	if r.Type != parser.Ack || r.ID != 3 || string(r.Data) != `["hi",2]` {
		t.Errorf("reply %v %d %s", r.Type, r.ID, r.Data)
	}
	main.Receive(&parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["hello",1]`)}, nil)
	recv(t, got)
	// Nobody listens to other events; malformed ones are ignored.
	main.Receive(&parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["other"]`)}, nil)
	main.Receive(&parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`[1]`)}, nil)
	main.Receive(&parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`[]`)}, nil)
	none(t, got)
}

// ServerSideEmitWithAck gathers the other nodes' answers.
func TestServerSideEmitWithAckGathersNodes(t *testing.T) {
	srv, _, _ := newClusterServer(t)
	got, err := srv.ServerSideEmitWithAck(context.Background(), "count")
	if err != nil || len(got) != 1 {
		t.Fatalf("got %v %v", got, err)
	}
	var who string
	if err := got[0].Bind(&who); err != nil || who != "remote" {
		t.Errorf("answer %q %v", who, err)
	}
}

// A broadcast with acks waits for every node's count, and only for this
// node's with Local.
func TestBroadcastEmitWithAckWaitsForEveryNode(t *testing.T) {
	srv, c, _ := newClusterServer(t)
	c.connect("/", "")
	var wg sync.WaitGroup
	answer(c, "local", 0, &wg)
	defer func() { c.close(); wg.Wait() }()
	for _, op := range []socketio.BroadcastOperator{srv.Timeout(waitTimeout), srv.Local().Timeout(waitTimeout)} {
		got, err := op.EmitWithAck(context.Background(), "q")
		var names []string
		for _, a := range got {
			var s string
			_ = a.Bind(&s)
			names = append(names, s)
		}
		sort.Strings(names)
		if err != nil || strings.Join(names, " ") != "local" {
			t.Errorf("got %q %v", names, err)
		}
	}
}

// The namespace as its adapter sees it: its name, its sockets, and
// disconnection by id.
func TestAdapterNamespaceView(t *testing.T) {
	srv, c, views := newClusterServer(t)
	main := recv(t, views)
	conns := sockets(srv)
	c.connect("/", "")
	s := recv(t, conns)
	s.SetData("d")
	info, ok := main.Socket(s.ID())
	if !ok || info.ID != s.ID() || info.Data != "d" || len(info.Rooms) != 1 {
		t.Errorf("Socket: %+v %v", info, ok)
	}
	if _, ok := main.Socket("unknown"); ok {
		t.Error("an unknown socket was found")
	}
	main.Send([]string{"unknown", s.ID()}, &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["direct"]`)}, adapter.Flags{}, nil)
	c.expect(`2["direct"]`)
	main.Disconnect([]string{"unknown", s.ID()}, false)
	c.expect("1")
}
