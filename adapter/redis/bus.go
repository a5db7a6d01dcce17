package redisadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Errors of the adapters, to test with errors.Is.
var (
	// ErrUnavailable is returned while Redis cannot be reached: the
	// operation was carried out on this node only. Its message holds
	// the last error of the Redis client.
	ErrUnavailable = errors.New("redisadapter: redis unavailable")
	// ErrTimeout is returned when other nodes did not all answer a
	// request in time.
	ErrTimeout = errors.New("redisadapter: timeout reached")
	// ErrQueueFull is returned when more messages wait to be published
	// than Options.QueueSize allows: the message was not sent to the other
	// nodes.
	ErrQueueFull = errors.New("redisadapter: publish queue full")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("redisadapter: closed")
)

// bus is a node's link to Redis, shared by the adapters of all its
// namespaces: one subscriber connection (which go-redis reconnects and
// resubscribes), and one writer goroutine publishing in order.
type bus struct {
	client  redis.UniversalClient
	sharded bool
	logger  *slog.Logger
	timeout time.Duration // of one publish

	ps     *redis.PubSub
	queue  chan outMsg
	done   chan struct{}
	wg     sync.WaitGroup // reader, writer, handlers
	closed atomic.Bool

	down atomic.Pointer[error] // the last error while Redis is unreachable

	mu       sync.RWMutex
	channels map[string]func(ch string, payload []byte) // exact channel → handler
	patterns map[string]func(ch string, payload []byte) // pattern → handler
	waiting  map[string][]chan struct{}                 // channel or pattern → subscribe calls waiting for Redis
}

type outMsg struct {
	channel string
	payload []byte
	xadd    *redis.XAddArgs // instead of a publish, when set
	done    chan error      // nil, or buffered
}

func newBus(client redis.UniversalClient, sharded bool, queueSize int, logger *slog.Logger) *bus {
	b := &bus{
		client:   client,
		sharded:  sharded,
		logger:   logger,
		timeout:  5 * time.Second,
		queue:    make(chan outMsg, queueSize),
		done:     make(chan struct{}),
		channels: make(map[string]func(string, []byte)),
		patterns: make(map[string]func(string, []byte)),
		waiting:  make(map[string][]chan struct{}),
	}
	ctx := context.Background()
	if sharded {
		b.ps = client.SSubscribe(ctx)
	} else {
		b.ps = client.Subscribe(ctx)
	}
	b.wg.Add(2)
	go b.read()
	go b.write()
	return b
}

// err is nil while Redis is reachable, and otherwise ErrUnavailable
// with the cause.
func (b *bus) err() error {
	if b.closed.Load() {
		return ErrClosed
	}
	if e := b.down.Load(); e != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, *e)
	}
	return nil
}

func (b *bus) markDown(err error) {
	if b.closed.Load() {
		return
	}
	if b.down.Swap(&err) == nil {
		b.logger.Warn("redisadapter: redis unavailable", "err", err)
	}
}

func (b *bus) markUp() {
	if b.down.Swap(nil) != nil {
		b.logger.Info("redisadapter: redis available again")
	}
}

// subscribe routes messages of channels (or patterns) to fn. The
// subscription is kept when Redis is down and made again on reconnection.
func (b *bus) subscribe(ctx context.Context, channels, patterns []string, fn func(string, []byte)) error {
	b.mu.Lock()
	var confirmed []chan struct{}
	wait := func(name string) {
		ch := make(chan struct{})
		b.waiting[name] = append(b.waiting[name], ch)
		confirmed = append(confirmed, ch)
	}
	for _, c := range channels {
		b.channels[c] = fn
		wait(c)
	}
	for _, p := range patterns {
		b.patterns[p] = fn
		wait(p)
	}
	b.mu.Unlock()
	// Messages published once subscribe returns reach this node: wait for
	// Redis to confirm (not past ctx, nor while it is down).
	defer func() {
		for _, ch := range confirmed {
			select {
			case <-ch:
			case <-ctx.Done():
				return
			case <-b.done:
				return
			}
		}
	}()
	var err error
	if len(channels) > 0 {
		if b.sharded {
			err = b.ps.SSubscribe(ctx, channels...)
		} else {
			err = b.ps.Subscribe(ctx, channels...)
		}
	}
	if len(patterns) > 0 {
		if e := b.ps.PSubscribe(ctx, patterns...); e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		b.markDown(err)
		b.mu.Lock()
		for _, c := range append(channels, patterns...) {
			for _, ch := range b.waiting[c] {
				close(ch)
			}
			delete(b.waiting, c)
		}
		b.mu.Unlock()
	}
	return err
}

// confirmed wakes the subscribe calls waiting for name.
func (b *bus) confirmed(name string) {
	b.mu.Lock()
	for _, ch := range b.waiting[name] {
		close(ch)
	}
	delete(b.waiting, name)
	b.mu.Unlock()
}

func (b *bus) unsubscribe(ctx context.Context, channels, patterns []string) {
	b.mu.Lock()
	for _, c := range channels {
		delete(b.channels, c)
	}
	for _, p := range patterns {
		delete(b.patterns, p)
	}
	b.mu.Unlock()
	if b.closed.Load() {
		return
	}
	if len(channels) > 0 {
		if b.sharded {
			_ = b.ps.SUnsubscribe(ctx, channels...)
		} else {
			_ = b.ps.Unsubscribe(ctx, channels...)
		}
	}
	if len(patterns) > 0 {
		_ = b.ps.PUnsubscribe(ctx, patterns...)
	}
}

// read receives messages until close, backing off while Redis is down.
func (b *bus) read() {
	defer b.wg.Done()
	ctx := context.Background()
	var wait backoff
	for !b.closed.Load() {
		timeout := 30 * time.Second
		if b.down.Load() != nil {
			timeout = 500 * time.Millisecond
		}
		msg, err := b.ps.ReceiveTimeout(ctx, timeout)
		if b.closed.Load() {
			return
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Quiet: check the connection is alive.
				if perr := b.ps.Ping(ctx); perr != nil {
					b.markDown(perr)
				}
				continue
			}
			b.markDown(err)
			if !wait.sleep(b.done) {
				return
			}
			continue
		}
		wait.reset()
		switch m := msg.(type) {
		case *redis.Subscription:
			b.markUp()
			b.confirmed(m.Channel)
		case *redis.Pong:
			b.markUp()
		case *redis.Message:
			b.markUp()
			b.dispatch(m)
		}
	}
}

func (b *bus) dispatch(m *redis.Message) {
	b.mu.RLock()
	var fn func(string, []byte)
	if m.Pattern != "" {
		fn = b.patterns[m.Pattern]
	} else {
		fn = b.channels[m.Channel]
	}
	b.mu.RUnlock()
	if fn == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			b.logger.Error("redisadapter: panic while handling a message", "channel", m.Channel, "panic", r)
		}
	}()
	fn(m.Channel, []byte(m.Payload))
}

// publish queues payload for channel; it never blocks. When done is not
// nil, it receives the outcome.
func (b *bus) publish(channel string, payload []byte, done chan error) error {
	if b.closed.Load() {
		return ErrClosed
	}
	select {
	case b.queue <- outMsg{channel: channel, payload: payload, done: done}:
		return nil
	default:
		return ErrQueueFull
	}
}

// enqueue queues m; it never blocks.
func (b *bus) enqueue(m outMsg) error {
	if b.closed.Load() {
		return ErrClosed
	}
	select {
	case b.queue <- m:
		return nil
	default:
		return ErrQueueFull
	}
}

// publishWait publishes and waits for the outcome.
func (b *bus) publishWait(ctx context.Context, channel string, payload []byte) error {
	done := make(chan error, 1)
	if err := b.publish(channel, payload, done); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-b.done:
		return ErrClosed
	}
}

func (b *bus) write() {
	defer b.wg.Done()
	batch := make([]outMsg, 0, 128)
	for {
		select {
		case <-b.done:
			b.failQueued()
			return
		case m := <-b.queue:
			batch = append(batch[:0], m)
		}
	more:
		for len(batch) < cap(batch) {
			select {
			case m := <-b.queue:
				batch = append(batch, m)
			default:
				break more
			}
		}
		err := b.flush(batch)
		for _, m := range batch {
			if m.done != nil {
				m.done <- err
			}
		}
		clear(batch)
	}
}

func (b *bus) flush(batch []outMsg) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	var err error
	if len(batch) == 1 {
		err = b.publishOne(ctx, b.client, batch[0])
	} else {
		pipe := b.client.Pipeline()
		for _, m := range batch {
			_ = b.publishOne(ctx, pipe, m)
		}
		_, err = pipe.Exec(ctx)
	}
	if err != nil {
		b.markDown(err)
		// Let the reader check the subscriber connection too.
		go func() { _ = b.ps.Ping(context.Background()) }()
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

func (b *bus) publishOne(ctx context.Context, c redis.Cmdable, m outMsg) error {
	if m.xadd != nil {
		return c.XAdd(ctx, m.xadd).Err()
	}
	if b.sharded {
		return c.SPublish(ctx, m.channel, m.payload).Err()
	}
	return c.Publish(ctx, m.channel, m.payload).Err()
}

func (b *bus) failQueued() {
	for {
		select {
		case m := <-b.queue:
			if m.done != nil {
				m.done <- ErrClosed
			}
		default:
			return
		}
	}
}

// goAsync runs fn on a goroutine that close waits for.
func (b *bus) goAsync(fn func()) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				b.logger.Error("redisadapter: panic in a handler", "panic", r)
			}
		}()
		fn()
	}()
}

// numSub counts the subscribers of channel over every node of Redis.
func (b *bus) numSub(ctx context.Context, channel string) (int, error) {
	count := func(ctx context.Context, c redis.Cmdable) (int64, error) {
		var m map[string]int64
		var err error
		if b.sharded {
			m, err = c.PubSubShardNumSub(ctx, channel).Result()
		} else {
			m, err = c.PubSubNumSub(ctx, channel).Result()
		}
		return m[channel], err
	}
	if cc, ok := b.client.(*redis.ClusterClient); ok && !b.sharded {
		var mu sync.Mutex
		var total int64
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			n, err := count(ctx, c)
			mu.Lock()
			total += n
			mu.Unlock()
			return err
		})
		if err != nil {
			return 0, b.wrap(err)
		}
		return int(total), nil
	}
	n, err := count(ctx, b.client)
	if err != nil {
		return 0, b.wrap(err)
	}
	return int(n), nil
}

// wrap turns a Redis error into ErrUnavailable, noting that Redis is down
// when the connection failed.
func (b *bus) wrap(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var re redis.Error
	if !errors.As(err, &re) {
		b.markDown(err)
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

func (b *bus) close() {
	if b.closed.Swap(true) {
		return
	}
	close(b.done)
	_ = b.ps.Close()
	b.wg.Wait()
}
