package redisadapter

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"
)

// emitterUID is the uid the Node emitter writes, which nodes never ignore.
const emitterUID = "emitter"

// ErrReservedEvent is returned by Emit for the events Socket.IO reserves.
var ErrReservedEvent = errors.New("redisadapter: reserved event name")

// EmitterOptions configure [NewEmitter].
type EmitterOptions struct {
	// Key prefixes the channels, as Options.Key. Default "socket.io".
	Key string
}

// Emitter sends events and commands to the sockets of a cluster (Go or
// Node servers using the classic Redis adapter) from any process, without
// being a server: it only publishes, as @socket.io/redis-emitter does. Its
// values are immutable and safe for concurrent use.
type Emitter struct {
	client redis.UniversalClient
	key    string
	nsp    string
	rooms  []string
	except []string
	flags  value
}

// NewEmitter returns an emitter to namespace "/" of the cluster on
// client's Redis.
func NewEmitter(client redis.UniversalClient, opts *EmitterOptions) Emitter {
	key := "socket.io"
	if opts != nil && opts.Key != "" {
		key = opts.Key
	}
	return Emitter{client: client, key: key, nsp: "/", flags: vMap()}
}

// Of returns an emitter to namespace nsp.
func (e Emitter) Of(nsp string) Emitter {
	if nsp == "" || nsp[0] != '/' {
		nsp = "/" + nsp
	}
	return Emitter{client: e.client, key: e.key, nsp: nsp, flags: vMap()}
}

// To selects the sockets in rooms (any of them).
func (e Emitter) To(rooms ...string) Emitter {
	e.rooms = append(slices.Clip(e.rooms), rooms...)
	return e
}

// In is To.
func (e Emitter) In(rooms ...string) Emitter { return e.To(rooms...) }

// Except leaves out the sockets in rooms.
func (e Emitter) Except(rooms ...string) Emitter {
	e.except = append(slices.Clip(e.except), rooms...)
	return e
}

// Volatile lets the event be dropped for clients not ready for it.
func (e Emitter) Volatile() Emitter { return e.withFlag("volatile", true) }

// Compress sets the compress flag.
func (e Emitter) Compress(c bool) Emitter { return e.withFlag("compress", c) }

func (e Emitter) withFlag(name string, b bool) Emitter {
	f := value{k: kMap, keys: slices.Clone(e.flags.keys), vals: slices.Clone(e.flags.vals)}
	f.set(name, vBool(b))
	e.flags = f
	return e
}

var reserved = []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// Emit sends event with args to the selected sockets. A []byte argument
// (at any depth of a value that is a []byte) travels as binary; other
// values are encoded as encoding/json does.
func (e Emitter) Emit(ctx context.Context, event string, args ...any) error {
	if slices.Contains(reserved, event) {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	data := argsValue(event, args)
	packet := vMap("type", vInt(2), "data", data, "nsp", vStr(e.nsp))
	opts := vMap("rooms", vStrings(e.rooms), "flags", e.flags, "except", vStrings(e.except))
	msg, err := encodeMsgpack(vArr(vStr(emitterUID), packet, opts))
	if err != nil {
		return err
	}
	ch := e.key + "#" + e.nsp + "#"
	if len(e.rooms) == 1 {
		ch += e.rooms[0] + "#"
	}
	return e.client.Publish(ctx, ch, msg).Err()
}

func argsValue(event string, args []any) value {
	a := make([]value, 0, 1+len(args))
	a = append(a, vStr(event))
	for _, x := range args {
		a = append(a, fromAny(x))
	}
	return vArr(a...)
}

func (e Emitter) request(ctx context.Context, msg value) error {
	return e.client.Publish(ctx, e.key+"-request#"+e.nsp+"#", encodeRequest(msg)).Err()
}

func (e Emitter) selection() value {
	return vMap("rooms", vStrings(e.rooms), "except", vStrings(e.except))
}

// SocketsJoin makes the selected sockets join rooms.
func (e Emitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.request(ctx, vMap("type", vInt(reqRemoteJoin), "opts", e.selection(), "rooms", vStrings(rooms)))
}

// SocketsLeave makes the selected sockets leave rooms.
func (e Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.request(ctx, vMap("type", vInt(reqRemoteLeave), "opts", e.selection(), "rooms", vStrings(rooms)))
}

// DisconnectSockets disconnects the selected sockets; with close, their
// connections too.
func (e Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	return e.request(ctx, vMap("type", vInt(reqRemoteDisconnect), "opts", e.selection(), "close", vBool(close)))
}

// ServerSideEmit sends event to the namespace's server-side listeners on
// every node (without acknowledgements, as in Node).
func (e Emitter) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	return e.request(ctx, vMap("uid", vStr(emitterUID), "type", vInt(reqServerSideEmit), "data", argsValue(event, args)))
}
