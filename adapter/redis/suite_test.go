package redisadapter

import (
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/adapter/adaptertest"
)

// The shared adapter suite, on three nodes talking through Redis.
func TestSuite(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T, nodes int) []adapter.Factory {
		key := uniqueKey()
		fs := make([]adapter.Factory, nodes)
		for i := range fs {
			c := New(newClient(t), &Options{Key: key})
			t.Cleanup(func() { _ = c.Close() })
			fs[i] = c.Factory
		}
		return fs
	}, &adaptertest.Options{Nodes: 3})
}

// The shared adapter suite, on three nodes of the Redis Streams adapter.
func TestStreamsSuite(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T, nodes int) []adapter.Factory {
		key := uniqueKey()
		fs := make([]adapter.Factory, nodes)
		for i := range fs {
			s := NewStreams(newClient(t), &StreamsOptions{StreamName: key, ChannelPrefix: key, BlockTime: 100 * time.Millisecond})
			t.Cleanup(func() { _ = s.Close() })
			fs[i] = s.Factory
		}
		return fs
	}, &adaptertest.Options{Nodes: 3})
}

// The shared adapter suite, on three nodes of the sharded adapter, in each
// subscription mode.
func TestShardedSuite(t *testing.T) {
	for _, mode := range []string{SubscriptionDynamic, SubscriptionStatic, SubscriptionDynamicPrivate} {
		t.Run(mode, func(t *testing.T) {
			adaptertest.Run(t, func(t *testing.T, nodes int) []adapter.Factory {
				key := uniqueKey()
				fs := make([]adapter.Factory, nodes)
				for i := range fs {
					s := NewSharded(newClient(t), &ShardedOptions{ChannelPrefix: key, SubscriptionMode: mode})
					t.Cleanup(func() { _ = s.Close() })
					fs[i] = s.Factory
				}
				return fs
			}, &adaptertest.Options{Nodes: 3})
		})
	}
}
