package redisadapter

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-e3ad8a97/sio/adapter"
)

// Subscription modes of [Sharded], as in @socket.io/redis-adapter.
const (
	// SubscriptionStatic uses one channel per namespace (and one per node
	// for answers).
	SubscriptionStatic = "static"
	// SubscriptionDynamic adds a channel per public room (a room that is
	// not a socket id), so that a broadcast to one room reaches only the
	// nodes that have it. The default.
	SubscriptionDynamic = "dynamic"
	// SubscriptionDynamicPrivate adds a channel per room, socket ids
	// included.
	SubscriptionDynamicPrivate = "dynamic-private"
)

// ShardedOptions configure [NewSharded].
type ShardedOptions struct {
	// ChannelPrefix prefixes every channel. Default "socket.io".
	ChannelPrefix string
	// SubscriptionMode is SubscriptionDynamic (default),
	// SubscriptionStatic or SubscriptionDynamicPrivate.
	SubscriptionMode string
	// RequestsTimeout bounds the requests that wait for other nodes.
	// Default 5s.
	RequestsTimeout time.Duration
	// QueueSize bounds the messages waiting to be published. Default 4096.
	QueueSize int
	// Logger receives the adapter's logs. Default slog.Default().
	Logger *slog.Logger
}

// Sharded connects a node to the others through Redis 7 sharded pub/sub
// (SPUBLISH, SSUBSCRIBE), speaking the protocol of Node's
// @socket.io/redis-adapter createShardedAdapter (8.3). In a Redis Cluster,
// each channel lives on one shard, so the load spreads over the shards.
// Safe for concurrent use.
type Sharded struct {
	clusterBase
	opts ShardedOptions
}

// NewSharded connects a node to the cluster on client's Redis. Use its
// Factory as socketio.Options.Adapter, and Close it after the server.
func NewSharded(client redis.UniversalClient, opts *ShardedOptions) *Sharded {
	var o ShardedOptions
	if opts != nil {
		o = *opts
	}
	switch o.SubscriptionMode {
	case SubscriptionStatic, SubscriptionDynamicPrivate:
	default:
		o.SubscriptionMode = SubscriptionDynamic
	}
	commonDefaults(&o.ChannelPrefix, &o.RequestsTimeout, &o.QueueSize, &o.Logger)
	return &Sharded{
		clusterBase: newClusterBase(client, true, o.RequestsTimeout, o.QueueSize, o.Logger),
		opts:        o,
	}
}

// Close closes every adapter and stops listening to Redis.
func (s *Sharded) Close() error {
	closeAll(&s.mu, maps.Values(s.adapters))
	s.bus.close()
	return nil
}

// Factory makes the adapter of namespace ns. It is an [adapter.Factory].
func (s *Sharded) Factory(ns adapter.Namespace) adapter.Adapter {
	a := s.newNS(ns, s.opts.ChannelPrefix, s)
	if s.opts.SubscriptionMode != SubscriptionStatic {
		a.dyn = &dynamicRooms{private: s.opts.SubscriptionMode == SubscriptionDynamicPrivate, count: map[string]int{}}
	}
	s.register(a, a.onSharded)
	return a
}

// looksLikeASocketID is Node's test: its socket ids have 20 characters.
func looksLikeASocketID(room string) bool { return len(room) == 20 }

// channel picks the channel of a message: a broadcast (without acks) to
// one room goes to the room's channel in the dynamic modes.
func (s *Sharded) channel(a *clusterNS, typ int, data value) string {
	if typ == msgBroadcast && !data.has("requestId") && s.opts.SubscriptionMode != SubscriptionStatic {
		rooms := data.get("opts").get("rooms").strings()
		if len(rooms) == 1 && (s.opts.SubscriptionMode == SubscriptionDynamicPrivate || !looksLikeASocketID(rooms[0])) {
			return a.public + rooms[0] + "#"
		}
	}
	return a.public
}

// encodeSharded writes a message as Node's sharded adapter does: JSON, or
// MessagePack when it may and does hold binary.
func encodeSharded(msg value) []byte {
	typ, _ := msg.get("type").num()
	switch typ {
	case msgBroadcast, msgBroadcastAck, msgFetchSocketsResponse, msgServerSideEmit, msgServerSideEmitResponse:
		if msg.get("data").hasBinary() {
			if b, err := encodeMsgpack(msg); err == nil {
				return b
			}
		}
	}
	return msg.appendJSON(nil, nil)
}

func (s *Sharded) send(a *clusterNS, typ int, data value, _ bool, done chan error) error {
	return s.bus.publish(s.channel(a, typ, data), encodeSharded(a.message(typ, data)), done)
}

func (s *Sharded) respond(a *clusterNS, to string, typ int, data value) error {
	return s.bus.publish(a.public+to+"#", encodeSharded(a.message(typ, data)), nil)
}

func (s *Sharded) count(ctx context.Context, a *clusterNS) (int, error) {
	return s.bus.numSub(ctx, a.public)
}

// onSharded handles a message of any of the namespace's channels.
func (a *clusterNS) onSharded(_ string, payload []byte) {
	msg, err := decodeMessage(payload)
	if err != nil || msg.k != kMap {
		return
	}
	a.onMessage(msg, "")
}

// dynamicRooms counts the local members of the rooms that have a channel
// of their own, to subscribe to it while the room exists here.
type dynamicRooms struct {
	private bool // every room, socket ids included
	mu      sync.Mutex
	count   map[string]int
}

func (d *dynamicRooms) wanted(room string) bool { return d.private || !looksLikeASocketID(room) }

// AddAll implements [adapter.Adapter], subscribing to the channels of
// rooms that appear on this node.
func (a *clusterNS) AddAll(id string, rooms ...string) {
	if a.dyn == nil {
		a.Memory.AddAll(id, rooms...)
		return
	}
	a.dyn.mu.Lock()
	had := a.Memory.Rooms(id)
	a.Memory.AddAll(id, rooms...)
	var created []string
	for _, r := range rooms {
		if !a.dyn.wanted(r) || slices.Contains(had, r) {
			continue
		}
		had = append(had, r)
		a.dyn.count[r]++
		if a.dyn.count[r] == 1 {
			created = append(created, a.public+r+"#")
		}
	}
	a.dyn.mu.Unlock()
	if len(created) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), a.b.timeout)
		defer cancel()
		_ = a.b.bus.subscribe(ctx, created, nil, a.onSharded)
	}
}

// Del implements [adapter.Adapter].
func (a *clusterNS) Del(id, room string) {
	if a.dyn == nil {
		a.Memory.Del(id, room)
		return
	}
	a.dyn.mu.Lock()
	in := slices.Contains(a.Memory.Rooms(id), room)
	a.Memory.Del(id, room)
	var gone []string
	if in {
		gone = a.dyn.leave(room, a.public)
	}
	a.dyn.mu.Unlock()
	a.dropChannels(gone)
}

// DelAll implements [adapter.Adapter].
func (a *clusterNS) DelAll(id string) {
	if a.dyn == nil {
		a.Memory.DelAll(id)
		return
	}
	a.dyn.mu.Lock()
	rooms := a.Memory.Rooms(id)
	a.Memory.DelAll(id)
	var gone []string
	for _, r := range rooms {
		gone = append(gone, a.dyn.leave(r, a.public)...)
	}
	a.dyn.mu.Unlock()
	a.dropChannels(gone)
}

// leave counts one member less in room; d.mu is held.
func (d *dynamicRooms) leave(room, prefix string) []string {
	if !d.wanted(room) || d.count[room] == 0 {
		return nil
	}
	d.count[room]--
	if d.count[room] > 0 {
		return nil
	}
	delete(d.count, room)
	return []string{prefix + room + "#"}
}

func (a *clusterNS) dropChannels(chs []string) {
	if len(chs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	a.b.bus.unsubscribe(ctx, chs, nil)
}
