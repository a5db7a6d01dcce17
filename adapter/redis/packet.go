package redisadapter

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// packetValue is p as a Node server holds a packet: {type, data, nsp[, id]},
// with binary attachments in place. Events are type 2 even with binary
// data: the Node encoder picks the binary type itself.
func packetValue(p *parser.Packet) (value, error) {
	data, err := parseJSON(p.Data, p.Attachments)
	if err != nil {
		return value{}, err
	}
	typ := int64(p.Type)
	switch p.Type {
	case parser.BinaryEvent:
		typ = int64(parser.Event)
	case parser.BinaryAck:
		typ = int64(parser.Ack)
	}
	v := vMap("type", vInt(typ), "data", data, "nsp", vStr(p.Namespace))
	if p.HasID {
		v.set("id", vInt(int64(p.ID)))
	}
	// Where the MessagePack form would not give back the same text (number
	// spellings, escapes, placeholder order), the text travels along, so
	// that Go nodes deliver the packet byte for byte; Node ignores it.
	if out, att := dataJSON(data); !bytes.Equal(out, p.Data) || !sameAttachments(att, p.Attachments) {
		v.set(rawKey, vStr(string(p.Data)))
	}
	return v, nil
}

// rawKey holds a packet's data as text when its MessagePack form would not
// render back to the same bytes.
const rawKey = "sio:data"

func sameAttachments(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// rawData restores data sent as text along with its MessagePack form
// data: the binary leaves of data, in order, are the attachments its
// placeholders name.
func rawData(raw string, data value) ([]byte, [][]byte, bool) {
	var bins []string
	collectBinary(data, &bins)
	marks := make([][]byte, len(bins))
	for i := range marks {
		marks[i] = []byte(strconv.Itoa(i))
	}
	v, err := parseJSON([]byte(raw), marks)
	if err != nil {
		return nil, nil, false
	}
	var order []string
	collectBinary(v, &order)
	if len(order) != len(bins) {
		return nil, nil, false
	}
	att := make([][]byte, len(bins))
	for k, m := range order {
		n, _ := strconv.Atoi(m)
		att[n] = []byte(bins[k])
	}
	return []byte(raw), att, true
}

func collectBinary(v value, dst *[]string) {
	switch v.k {
	case kBinary:
		*dst = append(*dst, v.s)
	case kArray:
		for _, x := range v.arr {
			collectBinary(x, dst)
		}
	case kMap:
		for _, x := range v.vals {
			collectBinary(x, dst)
		}
	}
}

// valuePacket is the reverse of packetValue; nsp is used when v names none.
func valuePacket(v value, nsp string) *parser.Packet {
	p := &parser.Packet{Type: parser.Event, Namespace: nsp}
	if n := v.get("nsp"); n.k == kString {
		p.Namespace = n.s
	}
	if t, ok := v.get("type").num(); ok && (t == int64(parser.Ack) || t == int64(parser.BinaryAck)) {
		p.Type = parser.Ack
	}
	if id, ok := v.get("id").num(); ok && id >= 0 {
		p.ID, p.HasID = uint64(id), true
	}
	ok := false
	if raw := v.get(rawKey); raw.k == kString {
		p.Data, p.Attachments, ok = rawData(raw.s, v.get("data"))
	}
	if !ok {
		p.Data, p.Attachments = dataJSON(v.get("data"))
	}
	if len(p.Attachments) > 0 {
		if p.Type == parser.Ack {
			p.Type = parser.BinaryAck
		} else {
			p.Type = parser.BinaryEvent
		}
	}
	return p
}

// dataJSON writes v as Socket.IO data: JSON with placeholders, and the
// attachments they stand for.
func dataJSON(v value) ([]byte, [][]byte) {
	var att [][]byte
	out := v.appendJSON(nil, &att)
	return out, att
}

// eventPacket makes an event of nsp from the array data ([name, ...args]).
func eventPacket(nsp string, data value) *parser.Packet {
	return valuePacket(vMap("type", vInt(int64(parser.Event)), "data", data), nsp)
}

// firstArg is the first argument of an ACK (what a Node ack callback
// receives as its single argument); null when there is none.
func firstArg(p *parser.Packet) value {
	v, err := parseJSON(p.Data, p.Attachments)
	if err != nil || v.k != kArray || len(v.arr) == 0 {
		return vNull()
	}
	return v.arr[0]
}

// ackPacket makes the ACK a local AckFunc receives for a remote answer arg.
func ackPacket(nsp string, arg value) *parser.Packet {
	p := &parser.Packet{Type: parser.Ack, Namespace: nsp, HasID: true}
	p.Data, p.Attachments = dataJSON(vArr(arg))
	if len(p.Attachments) > 0 {
		p.Type = parser.BinaryAck
	}
	return p
}

// optsValue is BroadcastOptions as Node encodes them: {rooms, except,
// flags}.
func optsValue(o adapter.BroadcastOptions, withFlags bool) value {
	v := vMap("rooms", vStrings(o.Rooms), "except", vStrings(o.Except))
	if withFlags {
		f := vMap()
		if o.Flags.Volatile {
			f.set("volatile", vBool(true))
		}
		if o.Flags.Compress {
			f.set("compress", vBool(true))
		}
		if o.Flags.Timeout > 0 {
			f.set("timeout", vInt(o.Flags.Timeout.Milliseconds()))
		}
		v.set("flags", f)
	}
	return v
}

func valueOpts(v value) adapter.BroadcastOptions {
	o := adapter.BroadcastOptions{Rooms: v.get("rooms").strings(), Except: v.get("except").strings()}
	f := v.get("flags")
	o.Flags.Volatile = f.get("volatile").truthy()
	o.Flags.Compress = f.get("compress").truthy()
	if ms, ok := f.get("timeout").num(); ok {
		o.Flags.Timeout = time.Duration(ms) * time.Millisecond
	}
	return o
}

// socketValue describes a local socket as Node's fetchSockets answers do.
func socketValue(s adapter.SocketInfo) value {
	return vMap("id", vStr(s.ID), "handshake", handshakeValue(s.Handshake),
		"rooms", vStrings(s.Rooms), "data", fromAny(s.Data))
}

func valueSocket(v value) adapter.SocketInfo {
	return adapter.SocketInfo{
		ID:        v.get("id").str(),
		Rooms:     v.get("rooms").strings(),
		Data:      v.get("data").toAny(),
		Handshake: v.get("handshake").toAny(),
	}
}

// socketsValue is the sockets array of a fetchSockets answer.
func socketsValue(infos []adapter.SocketInfo) value {
	socks := make([]value, len(infos))
	for i, s := range infos {
		socks[i] = socketValue(s)
	}
	return vArr(socks...)
}

// valueSockets reads the sockets array of a fetchSockets answer.
func valueSockets(v value) []adapter.SocketInfo {
	var out []adapter.SocketInfo
	for _, x := range v.arr {
		out = append(out, valueSocket(x))
	}
	return out
}

// handshakeValue writes a handshake in Node's shape ({headers, time,
// address, xdomain, secure, issued, url, query, auth}) when it is a
// socketio.Handshake, as a JSON document otherwise.
func handshakeValue(h any) value {
	v := fromAny(h)
	if v.k != kMap || !v.has("Headers") {
		return v
	}
	out := vMap()
	headers := vMap()
	for i, k := range v.get("Headers").keys {
		vals := v.get("Headers").vals[i].strings()
		headers.set(lower(k), vStr(join(vals, ", ")))
	}
	out.set("headers", headers)
	t, _ := time.Parse(time.RFC3339Nano, v.get("Time").str())
	out.set("time", vStr(t.UTC().Format("Mon Jan 02 2006 15:04:05 GMT+0000 (Coordinated Universal Time)")))
	out.set("address", vStr(v.get("Address").str()))
	out.set("xdomain", vBool(v.get("XDomain").truthy()))
	out.set("secure", vBool(v.get("Secure").truthy()))
	out.set("issued", vInt(t.UnixMilli()))
	out.set("url", vStr(v.get("URL").str()))
	query := vMap()
	for i, k := range v.get("Query").keys {
		if vals := v.get("Query").vals[i].strings(); len(vals) > 0 {
			query.set(k, vStr(vals[0]))
		}
	}
	out.set("query", query)
	auth := v.get("Auth")
	if auth.k != kMap {
		auth = vMap()
	}
	out.set("auth", auth)
	return out
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }

func join(ss []string, sep string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s)
	}
	return b.String()
}

func jsonMarshal(x any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// randomID returns n random bytes in hex.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// decodeMessage reads a message that is JSON when it starts with '{', and
// MessagePack otherwise, as the Node adapters do.
func decodeMessage(b []byte) (value, error) {
	if len(b) > 0 && b[0] == '{' {
		return parseJSON(b, nil)
	}
	return decodeMsgpack(b)
}
