package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	redisadapter "github.com/seed-e3ad8a97/sio/adapter/redis"
	"github.com/seed-e3ad8a97/sio/socketio"
)

// joinCluster makes the server a node of the cluster on the Redis at
// c.redis; the function it returns leaves it, after the server shut down.
func joinCluster(c config, sopts *socketio.Options, logger *slog.Logger) (func(), error) {
	opt, err := redis.ParseURL(c.redis)
	if err != nil {
		return nil, fmt.Errorf("-redis: %w", err)
	}
	client := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("-redis: %w", err)
	}
	switch c.redisAdapter {
	case "pubsub", "":
		cluster := redisadapter.New(client, &redisadapter.Options{Logger: logger})
		sopts.Adapter = cluster.Factory
		return func() { _ = cluster.Close(); _ = client.Close() }, nil
	case "sharded":
		sharded := redisadapter.NewSharded(client, &redisadapter.ShardedOptions{Logger: logger})
		sopts.Adapter = sharded.Factory
		return func() { _ = sharded.Close(); _ = client.Close() }, nil
	case "streams":
		streams := redisadapter.NewStreams(client, &redisadapter.StreamsOptions{Logger: logger})
		sopts.Adapter = streams.Factory
		if sopts.Recovery != nil {
			// Sessions in Redis: a client recovers on any node.
			sopts.Recovery.Store = streams.SessionStore()
		}
		return func() { _ = streams.Close(); _ = client.Close() }, nil
	}
	_ = client.Close()
	return nil, fmt.Errorf("-redis-adapter: unknown adapter %q", c.redisAdapter)
}

// mountCluster adds the events of the cluster tests on namespace "/":
//
//   - "node" acks the node's name (its listen address);
//   - "io-to-room" [room, ...args] emits "room-message" args to the room on
//     every node, the sender included;
//   - "broadcast-with-ack" [arg] emits "ask" arg to every socket of the
//     cluster and acks {error, replies} with their answers;
//   - "server-side-emit-with-ack" asks the other nodes "ping" and acks
//     {error, replies} (each node answers with its name).
func mountCluster(io *socketio.Server, name string) {
	ns := io.Of("/")
	ns.OnServerSideEmit("ping", func(e *socketio.Event) { _ = e.Ack(name) })
	ns.OnConnection(func(s *socketio.Socket) {
		s.On("node", func(e *socketio.Event) { _ = e.Ack(name) })
		s.On("io-to-room", func(e *socketio.Event) {
			args := e.RawArgs()
			var room string
			if e.Bind(&room) != nil || len(args) == 0 {
				return
			}
			_ = ns.To(room).Emit("room-message", args[1:]...)
		})
		s.On("broadcast-with-ack", func(e *socketio.Event) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			replies, err := ns.Except().Timeout(4*time.Second).EmitWithAck(ctx, "ask", e.RawArgs()...)
			_ = e.Ack(map[string]any{"error": errText(err), "replies": values(replies)})
		})
		s.On("server-side-emit-with-ack", func(e *socketio.Event) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			replies, err := ns.ServerSideEmitWithAck(ctx, "ping")
			_ = e.Ack(map[string]any{"error": errText(err), "replies": values(replies)})
		})
	})
}

func errText(err error) any {
	if err == nil {
		return nil
	}
	return err.Error()
}

// values are the first argument of each reply.
func values(replies []socketio.Args) []any {
	out := make([]any, 0, len(replies))
	for _, r := range replies {
		if vs := r.Values(); len(vs) > 0 {
			out = append(out, vs[0])
		} else {
			out = append(out, nil)
		}
	}
	return out
}
