package redisadapter

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-e3ad8a97/sio/adapter"
)

// Message types of the cluster protocol (socket.io-adapter's
// ClusterAdapter), which @socket.io/redis-streams-adapter speaks.
const (
	msgInitialHeartbeat = iota + 1
	msgHeartbeat
	msgBroadcast
	msgSocketsJoin
	msgSocketsLeave
	msgDisconnectSockets
	msgFetchSockets
	msgFetchSocketsResponse
	msgServerSideEmit
	msgServerSideEmitResponse
	msgBroadcastClientCount
	msgBroadcastAck
	msgAdapterClose
)

// StreamsOptions configure [NewStreams]. The defaults are those of
// @socket.io/redis-streams-adapter.
type StreamsOptions struct {
	// StreamName is the Redis stream. Default "socket.io".
	StreamName string
	// MaxLen bounds the stream (approximately, MAXLEN ~). Default 10,000.
	MaxLen int64
	// ReadCount is the entries read at once. Default 100.
	ReadCount int64
	// BlockTime is how long one read waits for entries; Close may wait
	// that long. Default 1s.
	BlockTime time.Duration
	// ChannelPrefix prefixes the pub/sub channels of ephemeral messages.
	// Default "socket.io".
	ChannelPrefix string
	// SessionKeyPrefix prefixes the keys of recovery sessions. Default
	// "sio:session:".
	SessionKeyPrefix string
	// MaxDisconnectionDuration is how long Redis keeps a session for
	// recovery: use socketio.Recovery's. Default 2 minutes.
	MaxDisconnectionDuration time.Duration
	// RequestsTimeout bounds the requests that wait for other nodes.
	// Default 5s.
	RequestsTimeout time.Duration
	// QueueSize bounds the messages waiting to be sent. Default 4096.
	QueueSize int
	// Logger receives the adapter's logs. Default slog.Default().
	Logger *slog.Logger
}

func (o *StreamsOptions) withDefaults() StreamsOptions {
	var c StreamsOptions
	if o != nil {
		c = *o
	}
	if c.StreamName == "" {
		c.StreamName = "socket.io"
	}
	if c.MaxLen <= 0 {
		c.MaxLen = 10_000
	}
	if c.ReadCount <= 0 {
		c.ReadCount = 100
	}
	if c.BlockTime <= 0 {
		c.BlockTime = time.Second
	}
	if c.SessionKeyPrefix == "" {
		c.SessionKeyPrefix = "sio:session:"
	}
	if c.MaxDisconnectionDuration <= 0 {
		c.MaxDisconnectionDuration = 2 * time.Minute
	}
	commonDefaults(&c.ChannelPrefix, &c.RequestsTimeout, &c.QueueSize, &c.Logger)
	return c
}

// Streams connects a node to the others through a Redis stream, speaking
// the protocol of Node's @socket.io/redis-streams-adapter (0.3): messages
// that change state go through the stream, so that a node that loses its
// connection to Redis for a while catches up when it is back; requests and
// their answers go through pub/sub.
//
// Its [Streams.SessionStore] keeps connection state recovery sessions in
// Redis, with a TTL, and finds the events a client missed in the stream:
// a client can recover on any node, even after the node it was connected
// to restarted. Safe for concurrent use.
type Streams struct {
	clusterBase
	opts   StreamsOptions
	client redis.UniversalClient

	stop   chan struct{}
	reader sync.WaitGroup
}

func (s *Streams) send(a *clusterNS, typ int, data value, ephemeral bool, done chan error) error {
	if !ephemeral {
		return s.bus.enqueue(outMsg{xadd: a.xaddArgs(typ, data), done: done})
	}
	b, err := encodeMsgpack(a.message(typ, data))
	if err != nil {
		return err
	}
	return s.bus.publish(a.public, b, done)
}

func (s *Streams) respond(a *clusterNS, to string, typ int, data value) error {
	b, err := encodeMsgpack(a.message(typ, data))
	if err != nil {
		return err
	}
	return s.bus.publish(a.public+to+"#", b, nil)
}

func (s *Streams) count(ctx context.Context, a *clusterNS) (int, error) {
	return s.bus.numSub(ctx, a.public)
}

// NewStreams connects a node to the cluster on client's Redis. Use its
// Factory as socketio.Options.Adapter, its SessionStore as
// socketio.Recovery.Store for recovery across nodes, and Close it after
// the server. The client stays the caller's.
func NewStreams(client redis.UniversalClient, opts *StreamsOptions) *Streams {
	o := opts.withDefaults()
	s := &Streams{
		clusterBase: newClusterBase(client, false, o.RequestsTimeout, o.QueueSize, o.Logger),
		opts:        o,
		client:      client,
		stop:        make(chan struct{}),
	}
	// Start reading after the stream's current last entry.
	offset := "$"
	ctx, cancel := context.WithTimeout(context.Background(), o.RequestsTimeout)
	defer cancel()
	if last, err := client.XRevRangeN(ctx, o.StreamName, "+", "-", 1).Result(); err == nil {
		offset = "0-0"
		if len(last) > 0 {
			offset = last[0].ID
		}
	}
	s.reader.Add(1)
	go s.read(offset)
	return s
}

// Close closes every adapter and stops listening to Redis.
func (s *Streams) Close() error {
	closeAll(&s.mu, maps.Values(s.adapters))
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.reader.Wait()
	s.bus.close()
	return nil
}

func (s *Streams) read(offset string) {
	defer s.reader.Done()
	var wait backoff
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.BlockTime+5*time.Second)
		res, err := s.client.XRead(ctx, &redis.XReadArgs{
			Streams: []string{s.opts.StreamName, offset},
			Count:   s.opts.ReadCount,
			Block:   s.opts.BlockTime,
		}).Result()
		cancel()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			s.bus.markDown(err)
			if !wait.sleep(s.stop) {
				return
			}
			continue
		}
		wait.reset()
		for _, st := range res {
			for _, m := range st.Messages {
				offset = m.ID
				s.onEntry(m)
			}
		}
	}
}

func (s *Streams) onEntry(m redis.XMessage) {
	nsp, _ := m.Values["nsp"].(string)
	if nsp == "" {
		return
	}
	s.mu.Lock()
	a := s.adapters[nsp]
	s.mu.Unlock()
	if a == nil {
		return
	}
	msg, err := decodeStreamEntry(m.Values)
	if err != nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			s.opts.Logger.Error("redisadapter: panic while handling a message", "panic", r)
		}
	}()
	a.onMessage(msg, m.ID)
}

// decodeStreamEntry reads {uid, nsp, type, data} where data is JSON, or
// base64 MessagePack when it holds binary.
func decodeStreamEntry(fields map[string]any) (value, error) {
	str := func(k string) string { v, _ := fields[k].(string); return v }
	typ, err := strconv.Atoi(str("type"))
	if err != nil {
		return value{}, errSyntax
	}
	msg := vMap("uid", vStr(str("uid")), "nsp", vStr(str("nsp")), "type", vInt(int64(typ)))
	if raw := str("data"); raw != "" {
		var data value
		if strings.HasPrefix(raw, "{") {
			data, err = parseJSON([]byte(raw), nil)
		} else {
			var b []byte
			if b, err = base64.StdEncoding.DecodeString(raw); err == nil {
				data, err = decodeMsgpack(b)
			}
		}
		if err != nil {
			return value{}, err
		}
		msg.set("data", data)
	}
	return msg, nil
}

// streamFields is msg as a stream entry.
func streamFields(msg value) map[string]any {
	f := map[string]any{
		"uid":  msg.get("uid").str(),
		"nsp":  msg.get("nsp").str(),
		"type": msg.get("type").str(),
	}
	if msg.has("data") {
		data := msg.get("data")
		if data.hasBinary() {
			if b, err := encodeMsgpack(data); err == nil {
				f["data"] = base64.StdEncoding.EncodeToString(b)
				return f
			}
		}
		f["data"] = string(data.appendJSON(nil, nil))
	}
	return f
}

// Factory makes the adapter of namespace ns. It is an [adapter.Factory].
func (s *Streams) Factory(ns adapter.Namespace) adapter.Adapter {
	a := s.newNS(ns, s.opts.ChannelPrefix, s)
	a.s = s
	s.register(a, a.onPubSub)
	return a
}

func (a *clusterNS) xaddArgs(typ int, data value) *redis.XAddArgs {
	return &redis.XAddArgs{
		Stream: a.s.opts.StreamName,
		MaxLen: a.s.opts.MaxLen,
		Approx: true,
		ID:     "*",
		Values: streamFields(a.message(typ, data)),
	}
}
