package redisadapter

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// Request types of the classic protocol (@socket.io/redis-adapter).
const (
	reqSockets = iota
	reqAllRooms
	reqRemoteJoin
	reqRemoteLeave
	reqRemoteDisconnect
	reqRemoteFetch
	reqServerSideEmit
	reqBroadcast
	reqBroadcastClientCount
	reqBroadcastAck
)

// Options configure [New].
type Options struct {
	// Key prefixes every channel. Default "socket.io", as in Node.
	Key string
	// RequestsTimeout bounds the requests that wait for other nodes
	// (FetchSockets, ServerSideEmit with acks, and how long acks of a
	// broadcast without Timeout are awaited). Default 5s.
	RequestsTimeout time.Duration
	// PublishOnSpecificResponseChannel answers requests on the requesting
	// node's own channel rather than the shared one. Default false.
	PublishOnSpecificResponseChannel bool
	// QueueSize bounds the messages waiting to be published; past it,
	// broadcasts fail with ErrQueueFull. Default 4096.
	QueueSize int
	// Logger receives the adapter's logs. Default slog.Default().
	Logger *slog.Logger
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	commonDefaults(&c.Key, &c.RequestsTimeout, &c.QueueSize, &c.Logger)
	return c
}

// Cluster connects a node to the others through Redis pub/sub, speaking
// the protocol of Node's @socket.io/redis-adapter (8.x), so that Go and
// Node servers can share a cluster. Its Factory makes the adapter of each
// namespace. Safe for concurrent use.
type Cluster struct {
	opts Options
	bus  *bus

	mu       sync.Mutex
	adapters map[*classic]struct{}
}

// New connects a node to the cluster of client's Redis. Use its Factory
// as socketio.Options.Adapter, and Close it after the server. The client
// stays the caller's.
func New(client redis.UniversalClient, opts *Options) *Cluster {
	o := opts.withDefaults()
	return &Cluster{opts: o, bus: newBus(client, false, o.QueueSize, o.Logger), adapters: make(map[*classic]struct{})}
}

// Close closes every adapter and stops listening to Redis.
func (c *Cluster) Close() error {
	closeAll(&c.mu, maps.Keys(c.adapters))
	c.bus.close()
	return nil
}

// Factory makes the adapter of namespace ns. It is an [adapter.Factory].
func (c *Cluster) Factory(ns adapter.Namespace) adapter.Adapter {
	name := ns.Name()
	a := &classic{
		Memory:          adapter.NewMemory(ns).(*adapter.Memory),
		c:               c,
		ns:              ns,
		uid:             randomID(3),
		channel:         c.opts.Key + "#" + name + "#",
		requestChannel:  c.opts.Key + "-request#" + name + "#",
		responseChannel: c.opts.Key + "-response#" + name + "#",
		p:               newPending(),
	}
	a.specificChannel = a.responseChannel + a.uid + "#"
	c.mu.Lock()
	c.adapters[a] = struct{}{}
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.RequestsTimeout)
	defer cancel()
	if err := c.bus.subscribe(ctx, nil, []string{a.channel + "*"}, a.onBroadcast); err != nil {
		c.opts.Logger.Warn("redisadapter: subscribing; will retry on reconnection", "nsp", name, "err", err)
	}
	_ = c.bus.subscribe(ctx, []string{a.requestChannel, a.responseChannel, a.specificChannel}, nil, a.onRequest)
	return a
}

// classic is the adapter of one namespace.
type classic struct {
	*adapter.Memory
	c   *Cluster
	ns  adapter.Namespace
	uid string

	channel, requestChannel, responseChannel, specificChannel string

	p *pending
}

// Broadcast implements [adapter.Adapter].
func (a *classic) Broadcast(p *parser.Packet, opts adapter.BroadcastOptions) error {
	var err error
	if !opts.Flags.Local {
		err = a.publishBroadcast(p, opts)
	}
	_ = a.Memory.Broadcast(p, opts)
	return err
}

// packetValue is p as the broadcasts of the classic protocol carry it,
// unless Redis is known to be unreachable.
func (a *classic) packetValue(p *parser.Packet) (value, error) {
	if err := a.c.bus.err(); err != nil {
		return value{}, err
	}
	pv, err := packetValue(p)
	if err != nil {
		return value{}, err
	}
	pv.set("nsp", vStr(a.ns.Name()))
	return pv, nil
}

func (a *classic) publishBroadcast(p *parser.Packet, opts adapter.BroadcastOptions) error {
	pv, err := a.packetValue(p)
	if err != nil {
		return err
	}
	msg, err := encodeMsgpack(vArr(vStr(a.uid), pv, optsValue(opts, true)))
	if err != nil {
		return err
	}
	ch := a.channel
	if len(opts.Rooms) == 1 {
		ch += opts.Rooms[0] + "#"
	}
	return a.c.bus.publish(ch, msg, nil)
}

// onBroadcast handles a message of the broadcast channels.
func (a *classic) onBroadcast(_ string, payload []byte) {
	v, err := decodeMsgpack(payload)
	if err != nil || v.k != kArray || len(v.arr) < 3 {
		return
	}
	if v.arr[0].str() == a.uid {
		return
	}
	p := valuePacket(v.arr[1], "/")
	if p.Namespace != a.ns.Name() {
		return
	}
	opts := valueOpts(v.arr[2])
	_ = a.Memory.Broadcast(p, opts)
}

// BroadcastWithAck implements [adapter.Adapter].
func (a *classic) BroadcastWithAck(p *parser.Packet, opts adapter.BroadcastOptions, expect func(int), onAck adapter.AckFunc) error {
	var err error
	if !opts.Flags.Local {
		err = a.publishBroadcastWithAck(p, opts, expect, onAck)
	}
	_ = a.Memory.BroadcastWithAck(p, opts, expect, onAck)
	return err
}

func (a *classic) publishBroadcastWithAck(p *parser.Packet, opts adapter.BroadcastOptions, expect func(int), onAck adapter.AckFunc) error {
	pv, err := a.packetValue(p)
	if err != nil {
		return err
	}
	id := randomID(3)
	msg, err := encodeMsgpack(vMap("uid", vStr(a.uid), "requestId", vStr(id), "type", vInt(reqBroadcast),
		"packet", pv, "opts", optsValue(opts, true)))
	if err != nil {
		return err
	}
	return a.p.sendAcked(id, &ackRequest{expect: expect, onAck: onAck}, opts.Flags.Timeout, a.c.opts.RequestsTimeout,
		func() error { return a.c.bus.publish(a.requestChannel, msg, nil) })
}

// FetchSockets implements [adapter.Adapter].
func (a *classic) FetchSockets(ctx context.Context, opts adapter.BroadcastOptions) ([]adapter.SocketInfo, error) {
	return fetchAll(ctx, a.Memory, opts, a.ServerCount, func(want int) (*request, error) {
		id := randomID(3)
		msg := vMap("uid", vStr(a.uid), "requestId", vStr(id), "type", vInt(reqRemoteFetch),
			"opts", optsValue(opts, false))
		return a.ask(ctx, id, reqRemoteFetch, want, msg)
	})
}

// ask publishes a request (as JSON, or MessagePack when it holds binary)
// and waits for want answers.
func (a *classic) ask(ctx context.Context, id string, typ, want int, msg value) (*request, error) {
	r := newRequest(typ, want, nil)
	if err := a.p.add(id, r, 0); err != nil {
		return nil, err
	}
	defer a.p.drop(id)
	ctx, cancel := context.WithTimeout(ctx, a.c.opts.RequestsTimeout)
	defer cancel()
	if err := a.c.bus.publishWait(ctx, a.requestChannel, encodeRequest(msg)); err != nil {
		return nil, err
	}
	return a.p.wait(ctx, r)
}

func encodeRequest(v value) []byte {
	if v.hasBinary() {
		if b, err := encodeMsgpack(v); err == nil {
			return b
		}
	}
	return v.appendJSON(nil, nil)
}

// command applies a command locally and sends it to the other nodes.
func (a *classic) command(opts adapter.BroadcastOptions, msg value, local func() error) error {
	err := local()
	if opts.Flags.Local {
		return err
	}
	if e := a.c.bus.err(); e != nil {
		return e
	}
	if e := a.c.bus.publish(a.requestChannel, encodeRequest(msg), nil); e != nil {
		return e
	}
	return err
}

// AddSockets implements [adapter.Adapter].
func (a *classic) AddSockets(opts adapter.BroadcastOptions, rooms []string) error {
	msg := vMap("uid", vStr(a.uid), "type", vInt(reqRemoteJoin), "opts", optsValue(opts, false), "rooms", vStrings(rooms))
	return a.command(opts, msg, func() error { return a.Memory.AddSockets(opts, rooms) })
}

// DelSockets implements [adapter.Adapter].
func (a *classic) DelSockets(opts adapter.BroadcastOptions, rooms []string) error {
	msg := vMap("uid", vStr(a.uid), "type", vInt(reqRemoteLeave), "opts", optsValue(opts, false), "rooms", vStrings(rooms))
	return a.command(opts, msg, func() error { return a.Memory.DelSockets(opts, rooms) })
}

// DisconnectSockets implements [adapter.Adapter].
func (a *classic) DisconnectSockets(opts adapter.BroadcastOptions, close bool) error {
	msg := vMap("uid", vStr(a.uid), "type", vInt(reqRemoteDisconnect), "opts", optsValue(opts, false), "close", vBool(close))
	return a.command(opts, msg, func() error { return a.Memory.DisconnectSockets(opts, close) })
}

// ServerSideEmit implements [adapter.Adapter].
func (a *classic) ServerSideEmit(p *parser.Packet, onReply adapter.AckFunc) (int, error) {
	data, err := parseJSON(p.Data, p.Attachments)
	if err != nil {
		return 0, err
	}
	msg := vMap("uid", vStr(a.uid), "type", vInt(reqServerSideEmit), "data", data)
	if onReply == nil {
		if err := a.c.bus.err(); err != nil {
			return 0, err
		}
		return 0, a.c.bus.publish(a.requestChannel, encodeRequest(msg), nil)
	}
	n, err := otherNodes(a.ServerCount, a.c.opts.RequestsTimeout)
	if n == 0 || err != nil {
		return 0, err
	}
	id := randomID(3)
	msg.set("requestId", vStr(id))
	if err := a.p.send(id, newRequest(reqServerSideEmit, n, onReply), a.c.opts.RequestsTimeout,
		func() error { return a.c.bus.publish(a.requestChannel, encodeRequest(msg), nil) }); err != nil {
		return 0, err
	}
	return n, nil
}

// ServerCount implements [adapter.Adapter]: the subscribers of the
// namespace's request channel.
func (a *classic) ServerCount(ctx context.Context) (int, error) {
	return atLeastOne(a.c.bus.numSub(ctx, a.requestChannel))
}

// Close implements [adapter.Adapter].
func (a *classic) Close() error {
	if !a.p.close() {
		return nil
	}
	a.c.mu.Lock()
	delete(a.c.adapters, a)
	a.c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	a.c.bus.unsubscribe(ctx, []string{a.requestChannel, a.responseChannel, a.specificChannel}, []string{a.channel + "*"})
	return nil
}

// respond publishes a response to the node that made request req.
func (a *classic) respond(req value, resp []byte) {
	ch := a.responseChannel
	if a.c.opts.PublishOnSpecificResponseChannel {
		ch += req.get("uid").str() + "#"
	}
	if err := a.c.bus.publish(ch, resp, nil); err != nil {
		a.c.opts.Logger.Warn("redisadapter: cannot answer a request", "nsp", a.ns.Name(), "err", err)
	}
}

// onRequest handles the messages of the request and response channels.
func (a *classic) onRequest(ch string, payload []byte) {
	if ch != a.requestChannel {
		a.onResponse(payload)
		return
	}
	req, err := decodeMessage(payload)
	if err != nil || req.k != kMap {
		return
	}
	typ, _ := req.get("type").num()
	self := req.has("uid") && req.get("uid").str() == a.uid
	rid := req.get("requestId").str()
	switch typ {
	case reqSockets:
		if self {
			return
		}
		ids := a.Memory.Sockets(req.get("rooms").strings())
		a.respond(req, vMap("requestId", vStr(rid), "sockets", vStrings(ids)).appendJSON(nil, nil))
	case reqAllRooms:
		if self {
			return
		}
		a.respond(req, vMap("requestId", vStr(rid), "rooms", vStrings(a.allRooms())).appendJSON(nil, nil))
	case reqRemoteJoin, reqRemoteLeave, reqRemoteDisconnect:
		if self {
			return
		}
		a.remoteCommand(typ, req)
	case reqRemoteFetch:
		if self {
			return
		}
		infos, _ := a.Memory.FetchSockets(context.Background(), valueOpts(req.get("opts")))
		a.respond(req, encodeRequest(vMap("requestId", vStr(rid), "sockets", socketsValue(infos))))
	case reqServerSideEmit:
		if self {
			return
		}
		a.onServerSideEmit(req)
	case reqBroadcast:
		if a.p.ack(rid) != nil || self {
			return
		}
		p := valuePacket(req.get("packet"), a.ns.Name())
		p.HasID = true // the namespace gives it an ack id of its own
		opts := valueOpts(req.get("opts"))
		opts.Flags.Local = true
		_ = a.Memory.BroadcastWithAck(p, opts, func(n int) {
			a.respond(req, vMap("type", vInt(reqBroadcastClientCount), "requestId", vStr(rid), "clientCount", vInt(int64(n))).appendJSON(nil, nil))
		}, func(sid string, r *parser.Packet) {
			// sid is not in Node's format: Go nodes tell acks apart with it.
			b, err := encodeMsgpack(vMap("type", vInt(reqBroadcastAck), "requestId", vStr(rid), "packet", firstArg(r), "sid", vStr(sid)))
			if err == nil {
				a.respond(req, b)
			}
		})
	}
}

// allRooms lists the rooms of the local sockets.
func (a *classic) allRooms() []string {
	seen := map[string]struct{}{}
	var out []string
	for _, id := range a.Memory.Sockets(nil) {
		for _, r := range a.Memory.Rooms(id) {
			if _, ok := seen[r]; !ok {
				seen[r] = struct{}{}
				out = append(out, r)
			}
		}
	}
	return out
}

// remoteCommand applies a join, leave or disconnect of another node: for
// the sockets its opts select, or (older nodes) for one socket id.
func (a *classic) remoteCommand(typ int64, req value) {
	var opts adapter.BroadcastOptions
	if o := req.get("opts"); o.k == kMap {
		opts = valueOpts(o)
	} else {
		sid := req.get("sid").str()
		if _, ok := a.ns.Socket(sid); !ok {
			return
		}
		opts.Rooms = []string{sid}
		defer a.respond(req, vMap("requestId", req.get("requestId")).appendJSON(nil, nil))
	}
	opts.Flags = adapter.Flags{Local: true}
	rooms := req.get("rooms").strings()
	if r := req.get("room"); r.k == kString {
		rooms = append(rooms, r.s)
	}
	switch typ {
	case reqRemoteJoin:
		_ = a.Memory.AddSockets(opts, rooms)
	case reqRemoteLeave:
		_ = a.Memory.DelSockets(opts, rooms)
	case reqRemoteDisconnect:
		_ = a.Memory.DisconnectSockets(opts, req.get("close").truthy())
	}
}

func (a *classic) onServerSideEmit(req value) {
	receiveEmit(a.c.bus, a.ns, req.get("data"), req, func(rid, reply value) {
		// Node answers server-side emits on the shared channel.
		resp := encodeRequest(vMap("type", vInt(reqServerSideEmit), "requestId", rid, "data", reply))
		if err := a.c.bus.publish(a.responseChannel, resp, nil); err != nil {
			a.c.opts.Logger.Warn("redisadapter: cannot answer a server-side emit", "err", err)
		}
	})
}

// onResponse handles an answer to a request of some node.
func (a *classic) onResponse(payload []byte) {
	resp, err := decodeMessage(payload)
	if err != nil || resp.k != kMap {
		return
	}
	rid := resp.get("requestId").str()
	if ar := a.p.ack(rid); ar != nil {
		typ, _ := resp.get("type").num()
		ar.answer(a.ns.Name(), typ == reqBroadcastClientCount, typ == reqBroadcastAck, resp)
		return
	}
	r := a.p.request(rid)
	if r == nil {
		return
	}
	var socks []adapter.SocketInfo
	switch r.typ {
	case reqRemoteFetch:
		s := resp.get("sockets")
		if s.k != kArray {
			return
		}
		socks = valueSockets(s)
	case reqServerSideEmit:
		if r.onReply != nil {
			r.onReply("", ackPacket(a.ns.Name(), resp.get("data")))
		}
	}
	a.p.answered(rid, r, socks)
}
