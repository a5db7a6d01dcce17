package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"

	redisadapter "github.com/seed-e3ad8a97/sio/adapter/redis"
	"github.com/seed-e3ad8a97/sio/socketio"
)

// recoveryWindow is how long a dropped connection may come back and be
// recovered (Step 6).
const recoveryWindow = 2 * time.Minute

// joinCluster sets opts up for a cluster of chat servers sharing Redis
// (Step 10): the Redis Streams adapter carries the broadcasts to the other
// servers, and keeps the recovery sessions, so that a client recovers on
// any of them. key names the stream, the channels and the session keys,
// so that other programs can share the Redis. The returned function
// closes the adapter and the Redis client, after the Socket.IO server.
func joinCluster(redisURL, key string, opts *socketio.Options, logger *slog.Logger) (func(), error) {
	client, err := dialRedis(redisURL)
	if err != nil {
		return nil, err
	}
	// The Streams adapter rather than pub/sub: the broadcast of a message is
	// in the stream when Emit returns (so, before the message is committed,
	// which orders the broadcasts as the ids; see store), and the recovery
	// sessions are kept in Redis, where every worker finds them.
	streams := redisadapter.NewStreams(client, &redisadapter.StreamsOptions{
		StreamName:               key,
		ChannelPrefix:            key,
		SessionKeyPrefix:         key + ":session:",
		MaxDisconnectionDuration: recoveryWindow,
		Logger:                   logger,
	})
	opts.Adapter = streams.Factory
	opts.Recovery.Store = streams.SessionStore()
	return func() {
		_ = streams.Close()
		_ = client.Close()
	}, nil
}

// dialRedis connects to the Redis of a redis:// (or rediss://) URL and
// checks that it answers.
func dialRedis(redisURL string) (*redis.Client, error) {
	ropts, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, fmt.Errorf("-redis: %w", err)
	}
	client := redis.NewClient(ropts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("-redis %s: %w", redact(redisURL), err)
	}
	return client, nil
}

// redact hides the password of a URL, for messages.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return s
}

// redisLog passes the Redis client's own messages (each failed dial, for
// one) to the program's logger, at debug level: what matters reaches the
// log through the adapter and the errors of the chat.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
