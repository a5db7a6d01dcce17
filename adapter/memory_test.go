package adapter_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/adapter/adaptertest"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The in-memory adapter passes the shared suite as a cluster of one node.
func TestMemorySuite(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T, nodes int) []adapter.Factory {
		if nodes != 1 {
			t.Fatalf("the in-memory adapter cannot make a cluster of %d nodes", nodes)
		}
		return []adapter.Factory{adapter.NewMemory}
	}, nil)
}

func newMemory(t *testing.T) (*adapter.Memory, *adaptertest.Namespace) {
	ns := adaptertest.NewNamespace("/", "node-0")
	m := adapter.NewMemory(ns).(*adapter.Memory)
	ns.SetAdapter(m)
	t.Cleanup(func() { ns.Wait(); _ = m.Close() })
	return m, ns
}

// Select appends to dst, each selected socket once.
func TestMemorySelectAppends(t *testing.T) {
	m, ns := newMemory(t)
	ns.AddSocket("a", nil, "r1", "r2")
	ns.AddSocket("b", nil, "r2")
	ns.AddSocket("c", nil, "r3")
	got := m.Select(adapter.BroadcastOptions{Rooms: []string{"r1", "r2", "r3"}, Except: []string{"c"}}, []string{"keep"})
	if got[0] != "keep" {
		t.Fatalf("Select overwrote dst: %q", got)
	}
	slices.Sort(got[1:])
	if want := []string{"keep", "a", "b"}; !slices.Equal(got, want) {
		t.Errorf("Select = %q, want %q", got, want)
	}
}

// A broadcast that selects nobody does not call Send.
func TestMemoryBroadcastToNobodySendsNothing(t *testing.T) {
	m, ns := newMemory(t)
	ns.AddSocket("a", nil, "r1")
	p := &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["x"]`)}
	if err := m.Broadcast(p, adapter.BroadcastOptions{Rooms: []string{"nobody"}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Broadcast(p, adapter.BroadcastOptions{Except: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	if got := ns.Sent(); len(got) != 0 {
		t.Errorf("Send called %d times for empty selections", len(got))
	}
	expected := -1
	if err := m.BroadcastWithAck(p, adapter.BroadcastOptions{Rooms: []string{"nobody"}}, func(n int) { expected = n }, nil); err != nil {
		t.Fatal(err)
	}
	if expected != 0 {
		t.Errorf("expect(%d), want expect(0)", expected)
	}
}

// Alone, the in-memory adapter has no other node to tell, and says so.
func TestMemoryIsOneNode(t *testing.T) {
	m, ns := newMemory(t)
	n, err := m.ServerSideEmit(&parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["x"]`), ID: 1, HasID: true},
		func(string, *parser.Packet) { t.Error("a reply from nowhere") })
	if n != 0 || err != nil {
		t.Errorf("ServerSideEmit = %d, %v; want 0, nil", n, err)
	}
	if got := ns.Received(); len(got) != 0 {
		t.Errorf("its own namespace received the server-side emit")
	}
	if c, err := m.ServerCount(context.Background()); c != 1 || err != nil {
		t.Errorf("ServerCount = %d, %v; want 1, nil", c, err)
	}
}

// The same ids slice is not handed to two broadcasts at once.
func TestMemoryConcurrentBroadcastsKeepTheirIDs(t *testing.T) {
	m, ns := newMemory(t)
	for i := range 50 {
		ns.AddSocket(fmt.Sprintf("s%02d", i), nil, fmt.Sprintf("room%d", i%2))
	}
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 200 {
				p := &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["x"]`)}
				_ = m.Broadcast(p, adapter.BroadcastOptions{Rooms: []string{fmt.Sprintf("room%d", g%2)}})
			}
		}()
	}
	for range 4 {
		<-done
	}
	for _, s := range ns.Sent() {
		if len(s.IDs) != 25 {
			t.Fatalf("a broadcast reached %d sockets, want 25", len(s.IDs))
		}
		room := s.IDs[0][len(s.IDs[0])-1]
		for _, id := range s.IDs {
			if (id[len(id)-1]-'0')%2 != (room-'0')%2 {
				t.Fatalf("a broadcast mixed the rooms: %q", s.IDs)
			}
		}
	}
}

func BenchmarkMemorySelect(b *testing.B) {
	ns := adaptertest.NewNamespace("/", "node-0")
	m := adapter.NewMemory(ns).(*adapter.Memory)
	ns.SetAdapter(m)
	for i := range 1000 {
		m.AddAll(fmt.Sprintf("s%d", i), "all", fmt.Sprintf("room%d", i%10))
	}
	opts := adapter.BroadcastOptions{Rooms: []string{"room1", "room2"}, Except: []string{"s1"}}
	sel := make([]string, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		sel = m.Select(opts, sel[:0])
	}
}

// Selects is the rule a broadcast's options apply to one socket's rooms:
// recovery stores use it to pick the packets a session missed.
func TestBroadcastOptions_Selects(t *testing.T) {
	cases := []struct {
		opts  adapter.BroadcastOptions
		rooms []string
		want  bool
	}{
		{adapter.BroadcastOptions{}, []string{"s1"}, true},
		{adapter.BroadcastOptions{Rooms: []string{"a"}}, []string{"s1", "a"}, true},
		{adapter.BroadcastOptions{Rooms: []string{"a"}}, []string{"s1", "b"}, false},
		{adapter.BroadcastOptions{Except: []string{"b"}}, []string{"s1", "b"}, false},
		{adapter.BroadcastOptions{Rooms: []string{"a"}, Except: []string{"b"}}, []string{"a", "b"}, false},
		{adapter.BroadcastOptions{Rooms: []string{"a", "b"}}, []string{"b"}, true},
	}
	for _, c := range cases {
		if got := c.opts.Selects(c.rooms); got != c.want {
			t.Errorf("%+v.Selects(%v) = %v, want %v", c.opts, c.rooms, got, c.want)
		}
	}
}
