package redisadapter

import (
	"context"
	"sync"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// fetchAll is FetchSockets for both protocols: the local sockets, and,
// unless opts keep to this node or it is alone, those that ask gets from
// the want other nodes.
func fetchAll(ctx context.Context, m *adapter.Memory, opts adapter.BroadcastOptions,
	count func(context.Context) (int, error), ask func(want int) (*request, error)) ([]adapter.SocketInfo, error) {
	local, _ := m.FetchSockets(ctx, opts)
	if opts.Flags.Local {
		return local, nil
	}
	n, err := count(ctx)
	if err != nil {
		return local, err
	}
	if n <= 1 {
		return local, nil
	}
	r, err := ask(n - 1)
	if err != nil {
		return local, err
	}
	return append(local, r.sockets...), nil
}

// otherNodes is how many nodes besides this one count finds within
// timeout.
func otherNodes(count func(context.Context) (int, error), timeout time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	n, err := count(ctx)
	if err != nil {
		return 0, err
	}
	return max(n-1, 0), nil
}

// receiveEmit hands a server-side emit of another node, with arguments
// args, to namespace ns. When msg has a requestId, the first reply goes
// back through answer.
func receiveEmit(b *bus, ns adapter.Namespace, args, msg value, answer func(rid, reply value)) {
	if args.k != kArray || len(args.arr) == 0 {
		return
	}
	p := eventPacket(ns.Name(), args)
	var reply func(*parser.Packet)
	if msg.has("requestId") {
		rid := msg.get("requestId")
		p.HasID = true
		var once sync.Once
		reply = func(r *parser.Packet) {
			once.Do(func() { answer(rid, firstArg(r)) })
		}
	}
	b.goAsync(func() { ns.Receive(p, reply) })
}

// atLeastOne is a server count: this node counts even when Redis does
// not answer.
func atLeastOne(n int, err error) (int, error) {
	if err != nil {
		return 1, err
	}
	return max(n, 1), nil
}
