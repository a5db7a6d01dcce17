package redisadapter

import (
	"context"
	"strings"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// clusterNS is the adapter of one namespace speaking the cluster protocol
// of socket.io-adapter (ClusterAdapter) over a transport: a [Streams] or a
// [Sharded].
type clusterNS struct {
	*adapter.Memory
	b   *clusterBase
	t   transport
	s   *Streams      // nil unless on a Streams
	dyn *dynamicRooms // room channels of a Sharded, nil otherwise
	ns  adapter.Namespace
	uid string

	public, private string

	p *pending
}

func (a *clusterNS) message(typ int, data value) value {
	m := vMap("uid", vStr(a.uid), "nsp", vStr(a.ns.Name()), "type", vInt(int64(typ)))
	if data.k != kNull {
		m.set("data", data)
	}
	return m
}

// publish sends an ephemeral message (requests and answers).
func (a *clusterNS) publish(typ int, data value, done chan error) error {
	return a.t.send(a, typ, data, true, done)
}

// append sends a message that changes state (through the stream, with
// Streams), without waiting.
func (a *clusterNS) append(typ int, data value) error {
	if err := a.b.bus.err(); err != nil {
		return err
	}
	return a.t.send(a, typ, data, false, nil)
}

// respond answers node to.
func (a *clusterNS) respond(to string, typ int, data value) {
	if err := a.t.respond(a, to, typ, data); err != nil {
		a.b.logger.Warn("redisadapter: cannot answer a request", "nsp", a.ns.Name(), "err", err)
	}
}

func broadcastData(p *parser.Packet, opts adapter.BroadcastOptions) (value, error) {
	pv, err := packetValue(p)
	if err != nil {
		return value{}, err
	}
	return vMap("packet", pv, "opts", optsValue(opts, true)), nil
}

// Broadcast implements [adapter.Adapter].
func (a *clusterNS) Broadcast(p *parser.Packet, opts adapter.BroadcastOptions) error {
	var err error
	a.b.mu.Lock()
	_, sent := a.b.mine[p] // already in the stream: Append put it there
	delete(a.b.mine, p)
	a.b.mu.Unlock()
	if !opts.Flags.Local && !sent {
		var data value
		if data, err = broadcastData(p, opts); err == nil {
			err = a.append(msgBroadcast, data)
		}
	}
	_ = a.Memory.Broadcast(p, opts)
	return err
}

// appendTracked puts a broadcast in the stream and returns its entry id.
func (a *clusterNS) appendTracked(p *parser.Packet, opts adapter.BroadcastOptions) (string, error) {
	if err := a.b.bus.err(); err != nil {
		return "", err
	}
	data, err := broadcastData(p, opts)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.b.timeout)
	defer cancel()
	id, err := a.s.client.XAdd(ctx, a.xaddArgs(msgBroadcast, data)).Result()
	if err != nil {
		return "", a.b.bus.wrap(err)
	}
	return id, nil
}

// BroadcastWithAck implements [adapter.Adapter].
func (a *clusterNS) BroadcastWithAck(p *parser.Packet, opts adapter.BroadcastOptions, expect func(int), onAck adapter.AckFunc) error {
	var err error
	if !opts.Flags.Local {
		err = a.publishWithAck(p, opts, expect, onAck)
	}
	_ = a.Memory.BroadcastWithAck(p, opts, expect, onAck)
	return err
}

func (a *clusterNS) publishWithAck(p *parser.Packet, opts adapter.BroadcastOptions, expect func(int), onAck adapter.AckFunc) error {
	if err := a.b.bus.err(); err != nil {
		return err
	}
	data, err := broadcastData(p, opts)
	if err != nil {
		return err
	}
	id := randomID(8)
	data.set("requestId", vStr(id))
	return a.p.sendAcked(id, &ackRequest{expect: expect, onAck: onAck}, opts.Flags.Timeout, a.b.timeout,
		func() error { return a.publish(msgBroadcast, data, nil) })
}

// FetchSockets implements [adapter.Adapter].
func (a *clusterNS) FetchSockets(ctx context.Context, opts adapter.BroadcastOptions) ([]adapter.SocketInfo, error) {
	return fetchAll(ctx, a.Memory, opts, a.ServerCount, func(want int) (*request, error) {
		id := randomID(8)
		return a.ask(ctx, id, msgFetchSockets, want, vMap("opts", optsValue(opts, true), "requestId", vStr(id)))
	})
}

func (a *clusterNS) ask(ctx context.Context, id string, typ, want int, data value) (*request, error) {
	r := newRequest(typ, want, nil)
	if err := a.p.add(id, r, 0); err != nil {
		return nil, err
	}
	defer a.p.drop(id)
	ctx, cancel := context.WithTimeout(ctx, a.b.timeout)
	defer cancel()
	done := make(chan error, 1)
	if err := a.publish(typ, data, done); err != nil {
		return nil, err
	}
	select {
	case err := <-done:
		if err != nil {
			return nil, err
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return a.p.wait(ctx, r)
}

func (a *clusterNS) command(opts adapter.BroadcastOptions, typ int, data value, local func() error) error {
	err := local()
	if opts.Flags.Local {
		return err
	}
	if e := a.append(typ, data); e != nil {
		return e
	}
	return err
}

// AddSockets implements [adapter.Adapter].
func (a *clusterNS) AddSockets(opts adapter.BroadcastOptions, rooms []string) error {
	return a.command(opts, msgSocketsJoin, vMap("opts", optsValue(opts, true), "rooms", vStrings(rooms)),
		func() error { a.addSockets(opts, rooms); return nil })
}

// DelSockets implements [adapter.Adapter].
func (a *clusterNS) DelSockets(opts adapter.BroadcastOptions, rooms []string) error {
	return a.command(opts, msgSocketsLeave, vMap("opts", optsValue(opts, true), "rooms", vStrings(rooms)),
		func() error { a.delSockets(opts, rooms); return nil })
}

// DisconnectSockets implements [adapter.Adapter].
func (a *clusterNS) DisconnectSockets(opts adapter.BroadcastOptions, close bool) error {
	return a.command(opts, msgDisconnectSockets, vMap("opts", optsValue(opts, true), "close", vBool(close)),
		func() error { return a.Memory.DisconnectSockets(opts, close) })
}

// ServerSideEmit implements [adapter.Adapter].
func (a *clusterNS) ServerSideEmit(p *parser.Packet, onReply adapter.AckFunc) (int, error) {
	data, err := parseJSON(p.Data, p.Attachments)
	if err != nil {
		return 0, err
	}
	if onReply == nil {
		if err := a.b.bus.err(); err != nil {
			return 0, err
		}
		return 0, a.publish(msgServerSideEmit, vMap("packet", data), nil)
	}
	n, err := otherNodes(a.ServerCount, a.b.timeout)
	if n == 0 || err != nil {
		return 0, err
	}
	id := randomID(8)
	if err := a.p.send(id, newRequest(msgServerSideEmit, n, onReply), a.b.timeout,
		func() error { return a.publish(msgServerSideEmit, vMap("requestId", vStr(id), "packet", data), nil) }); err != nil {
		return 0, err
	}
	return n, nil
}

// ServerCount implements [adapter.Adapter]: the subscribers of the
// namespace's public channel.
func (a *clusterNS) ServerCount(ctx context.Context) (int, error) {
	return atLeastOne(a.t.count(ctx, a))
}

// Close implements [adapter.Adapter].
func (a *clusterNS) Close() error {
	if !a.p.close() {
		return nil
	}
	a.b.mu.Lock()
	if a.b.adapters[a.ns.Name()] == a {
		delete(a.b.adapters, a.ns.Name())
	}
	a.b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	chs := a.channels()
	if a.dyn != nil {
		a.dyn.mu.Lock()
		for r := range a.dyn.count {
			chs = append(chs, a.public+r+"#")
		}
		a.dyn.mu.Unlock()
	}
	a.b.bus.unsubscribe(ctx, chs, nil)
	return nil
}

// addSockets makes the local sockets opts selects join rooms.
func (a *clusterNS) addSockets(opts adapter.BroadcastOptions, rooms []string) {
	for _, id := range a.Memory.Select(opts, nil) {
		a.AddAll(id, rooms...)
	}
}

// delSockets makes the local sockets opts selects leave rooms.
func (a *clusterNS) delSockets(opts adapter.BroadcastOptions, rooms []string) {
	for _, id := range a.Memory.Select(opts, nil) {
		for _, r := range rooms {
			a.Del(id, r)
		}
	}
}

// onPubSub handles the messages of the public and private channels.
func (a *clusterNS) onPubSub(_ string, payload []byte) {
	msg, err := decodeMsgpack(payload)
	if err != nil || msg.k != kMap {
		return
	}
	a.onMessage(msg, "")
}

// onMessage handles a message of another node; offset is its entry id
// when it came through the stream.
func (a *clusterNS) onMessage(msg value, offset string) {
	if msg.get("uid").str() == a.uid || msg.get("nsp").str() != a.ns.Name() {
		return
	}
	typ, _ := msg.get("type").num()
	data := msg.get("data")
	from := msg.get("uid").str()
	switch typ {
	case msgBroadcast:
		p := valuePacket(data.get("packet"), a.ns.Name())
		opts := valueOpts(data.get("opts"))
		if data.has("requestId") {
			rid := data.get("requestId")
			p.HasID = true
			_ = a.Memory.BroadcastWithAck(p, opts, func(n int) {
				a.respond(from, msgBroadcastClientCount, vMap("requestId", rid, "clientCount", vInt(int64(n))))
			}, func(sid string, r *parser.Packet) {
				// sid is not in Node's format: Go nodes tell acks apart with it.
				a.respond(from, msgBroadcastAck, vMap("requestId", rid, "packet", firstArg(r), "sid", vStr(sid)))
			})
			return
		}
		if offset != "" && a.b.recovery.Load() && !p.HasID && !opts.Flags.Volatile {
			p = withOffset(p, offset)
		}
		_ = a.Memory.Broadcast(p, opts)
	case msgSocketsJoin:
		a.addSockets(valueOpts(data.get("opts")), data.get("rooms").strings())
	case msgSocketsLeave:
		a.delSockets(valueOpts(data.get("opts")), data.get("rooms").strings())
	case msgDisconnectSockets:
		_ = a.Memory.DisconnectSockets(valueOpts(data.get("opts")), data.get("close").truthy())
	case msgFetchSockets:
		infos, _ := a.Memory.FetchSockets(context.Background(), valueOpts(data.get("opts")))
		a.respond(from, msgFetchSocketsResponse, vMap("requestId", data.get("requestId"), "sockets", socketsValue(infos)))
	case msgServerSideEmit:
		a.onServerSideEmit(from, data)
	case msgFetchSocketsResponse, msgServerSideEmitResponse, msgBroadcastClientCount, msgBroadcastAck:
		a.onResponse(typ, data)
	}
}

func (a *clusterNS) onServerSideEmit(from string, data value) {
	receiveEmit(a.b.bus, a.ns, data.get("packet"), data, func(rid, reply value) {
		a.respond(from, msgServerSideEmitResponse, vMap("requestId", rid, "packet", reply))
	})
}

func (a *clusterNS) onResponse(typ int64, data value) {
	rid := data.get("requestId").str()
	if ar := a.p.ack(rid); ar != nil {
		ar.answer(a.ns.Name(), typ == msgBroadcastClientCount, typ == msgBroadcastAck, data)
		return
	}
	r := a.p.request(rid)
	if r == nil {
		return
	}
	var socks []adapter.SocketInfo
	switch typ {
	case msgFetchSocketsResponse:
		socks = valueSockets(data.get("sockets"))
	case msgServerSideEmitResponse:
		if r.onReply != nil {
			r.onReply("", ackPacket(a.ns.Name(), data.get("packet")))
		}
	default:
		return
	}
	a.p.answered(rid, r, socks)
}

// withOffset is p with offset appended to its arguments, as the last one.
func withOffset(p *parser.Packet, offset string) *parser.Packet {
	d := []byte(strings.TrimRight(string(p.Data), " \t\r\n"))
	if len(d) < 2 || d[0] != '[' || d[len(d)-1] != ']' {
		return p
	}
	c := *p
	body := d[:len(d)-1]
	out := make([]byte, 0, len(d)+len(offset)+4)
	out = append(out, body...)
	if strings.TrimSpace(string(body)) != "[" {
		out = append(out, ',')
	}
	out = appendString(out, offset)
	c.Data = append(out, ']')
	return &c
}

// channels are the pub/sub channels of the namespace: its public one and
// its private one (answers to its requests).
func (a *clusterNS) channels() []string { return []string{a.public, a.private} }
