package redisadapter

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/adapter/adaptertest"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

type testNode struct {
	ns *adaptertest.Namespace
	a  adapter.Adapter
}

// twoNodes makes namespace "/" on two nodes of a fresh cluster, with
// socket "a<i>" in room "r" on node i.
func twoNodes(t *testing.T, opts *Options) []testNode {
	t.Helper()
	key := uniqueKey()
	return twoNodesOf(t, func() adapter.Factory {
		o := Options{Key: key}
		if opts != nil {
			o = *opts
			o.Key = key
		}
		c := New(newClient(t), &o)
		t.Cleanup(func() { _ = c.Close() })
		return c.Factory
	})
}

func twoStreamsNodes(t *testing.T) []testNode {
	t.Helper()
	key := uniqueKey()
	return twoNodesOf(t, func() adapter.Factory {
		s := NewStreams(newClient(t), &StreamsOptions{StreamName: key, ChannelPrefix: key, BlockTime: 100 * time.Millisecond})
		t.Cleanup(func() { _ = s.Close() })
		return s.Factory
	})
}

func twoNodesOf(t *testing.T, node func() adapter.Factory) []testNode {
	t.Helper()
	var nodes []testNode
	for i := range 2 {
		ns := adaptertest.NewNamespace("/", "node-"+strconv.Itoa(i))
		a := node()(ns)
		ns.SetAdapter(a)
		ns.AddSocket("a"+strconv.Itoa(i), nil, "r")
		nodes = append(nodes, testNode{ns, a})
	}
	waitFor(t, 10*time.Second, func() bool {
		n, err := nodes[0].a.ServerCount(context.Background())
		return err == nil && n == 2
	}, "two nodes")
	return nodes
}

func waitFor(t *testing.T, d time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func event(n int) *parser.Packet {
	return &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["e",` + strconv.Itoa(n) + `]`)}
}

func delivered(ns *adaptertest.Namespace, p *parser.Packet) bool {
	for _, s := range ns.Sent() {
		if string(s.Packet.Data) == string(p.Data) {
			return true
		}
	}
	return false
}

// Redis restarted: while it is down, broadcasts reach local sockets and
// return ErrUnavailable; once it is back, the nodes resubscribe by
// themselves and the cluster works again.
func TestRedisRestart(t *testing.T) {
	t.Run("PubSub", func(t *testing.T) { testRedisRestart(t, twoNodes(t, nil)) })
	t.Run("Streams", func(t *testing.T) { testRedisRestart(t, twoStreamsNodes(t)) })
}

func testRedisRestart(t *testing.T, nodes []testNode) {
	opts := adapter.BroadcastOptions{Rooms: []string{"r"}}
	p := event(1)
	if err := nodes[0].a.Broadcast(p, opts); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool { return delivered(nodes[1].ns, p) }, "cross-node broadcast")

	if testRedis.addr == "" {
		t.Skip("REDIS_URL is set: the test cannot restart that server")
	}
	stopRedis()
	// The nodes notice (their subscriber connection breaks).
	var err error
	n := 100
	waitFor(t, 10*time.Second, func() bool {
		n++
		err = nodes[0].a.Broadcast(event(n), opts)
		return err != nil
	}, "an error while Redis is down")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Broadcast while down: %v, want ErrUnavailable", err)
	}
	local := event(999)
	_ = nodes[0].a.Broadcast(local, opts)
	if !delivered(nodes[0].ns, local) {
		t.Fatal("a broadcast while Redis is down did not reach the local socket")
	}
	if _, err := nodes[0].a.FetchSockets(context.Background(), adapter.BroadcastOptions{}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("FetchSockets while down: %v, want ErrUnavailable", err)
	}
	if _, err := nodes[0].a.ServerCount(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("ServerCount while down: %v, want ErrUnavailable", err)
	}

	if err := startRedis(); err != nil {
		t.Fatal(err)
	}
	// Both directions work again, without any help.
	for from := range 2 {
		to := 1 - from
		k := 1000 * (from + 2)
		waitFor(t, 15*time.Second, func() bool {
			k++
			p := event(k)
			if nodes[from].a.Broadcast(p, opts) != nil {
				return false
			}
			time.Sleep(50 * time.Millisecond)
			return delivered(nodes[to].ns, p)
		}, "the cluster to resume from node "+strconv.Itoa(from))
	}
	infos, err := nodes[0].a.FetchSockets(context.Background(), adapter.BroadcastOptions{})
	if err != nil || len(infos) != 2 {
		t.Fatalf("FetchSockets after the restart: %d sockets, %v", len(infos), err)
	}
}

// A request that some node never answers fails with ErrTimeout.
func TestRequestTimeout(t *testing.T) {
	nodes := twoNodes(t, &Options{RequestsTimeout: 300 * time.Millisecond})
	// A third subscriber to the request channel that never answers.
	c := newClient(t)
	ps := c.Subscribe(context.Background(), nodes[0].a.(*classic).requestChannel)
	defer ps.Close()
	if _, err := ps.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	infos, err := nodes[0].a.FetchSockets(context.Background(), adapter.BroadcastOptions{})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("FetchSockets = %d sockets, %v; want ErrTimeout", len(infos), err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timed out after %v, want about 300ms", d)
	}
}
