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
	}
	_ = client.Close()
	return nil, fmt.Errorf("-redis-adapter: unknown adapter %q", c.redisAdapter)
}
