package redisadapter

import (
	"context"
	"io"
	"iter"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// clusterBase is what the namespaces of a Streams or a Sharded share.
type clusterBase struct {
	bus     *bus
	timeout time.Duration
	logger  *slog.Logger

	recovery atomic.Bool // broadcasts carry stream offsets

	mu       sync.Mutex
	adapters map[string]*clusterNS // by namespace
	mine     map[*parser.Packet]struct{}
}

// transport carries the messages of a clusterNS.
type transport interface {
	// send publishes a message; ephemeral ones are requests and answers.
	send(a *clusterNS, typ int, data value, ephemeral bool, done chan error) error
	// respond answers the node whose uid is to.
	respond(a *clusterNS, to string, typ int, data value) error
	// count is the number of nodes.
	count(ctx context.Context, a *clusterNS) (int, error)
}

func newClusterBase(client redis.UniversalClient, sharded bool, timeout time.Duration, queueSize int, logger *slog.Logger) clusterBase {
	return clusterBase{
		bus:      newBus(client, sharded, queueSize, logger),
		timeout:  timeout,
		logger:   logger,
		adapters: make(map[string]*clusterNS),
		mine:     make(map[*parser.Packet]struct{}),
	}
}

// newNS makes the adapter of namespace ns, whose channels start with
// prefix, on transport t. Its caller completes it, then registers it.
func (b *clusterBase) newNS(ns adapter.Namespace, prefix string, t transport) *clusterNS {
	a := &clusterNS{
		Memory: adapter.NewMemory(ns).(*adapter.Memory),
		b:      b,
		t:      t,
		ns:     ns,
		uid:    randomID(8),
		public: prefix + "#" + ns.Name() + "#",
		p:      newPending(),
	}
	a.private = a.public + a.uid + "#"
	return a
}

// register makes a the adapter of its namespace and subscribes it to its
// channels, with handler on.
func (b *clusterBase) register(a *clusterNS, on func(string, []byte)) {
	name := a.ns.Name()
	b.mu.Lock()
	b.adapters[name] = a
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	if err := b.bus.subscribe(ctx, a.channels(), nil, on); err != nil {
		b.logger.Warn("redisadapter: subscribing; will retry on reconnection", "nsp", name, "err", err)
	}
}

// closeAll closes the adapters of a cluster. They are collected under mu
// first, since each Close takes mu to leave the cluster.
func closeAll[A io.Closer](mu *sync.Mutex, adapters iter.Seq[A]) {
	mu.Lock()
	as := slices.Collect(adapters)
	mu.Unlock()
	for _, a := range as {
		_ = a.Close()
	}
}

// commonDefaults fills the settings every adapter has with Node's
// defaults.
func commonDefaults(prefix *string, timeout *time.Duration, queueSize *int, logger **slog.Logger) {
	if *prefix == "" {
		*prefix = "socket.io"
	}
	if *timeout <= 0 {
		*timeout = 5 * time.Second
	}
	if *queueSize <= 0 {
		*queueSize = 4096
	}
	if *logger == nil {
		*logger = slog.Default()
	}
}
