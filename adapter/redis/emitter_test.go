package redisadapter

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter/adaptertest"
)

func TestEmitter(t *testing.T) {
	key := uniqueKey()
	c := New(newClient(t), &Options{Key: key})
	t.Cleanup(func() { _ = c.Close() })
	ns := adaptertest.NewNamespace("/admin", "node")
	a := c.Factory(ns)
	ns.SetAdapter(a)
	ns.AddSocket("s1", nil, "r")
	ns.AddSocket("s2", nil, "r", "x")
	ns.AddSocket("s3", nil)
	ctx := context.Background()
	e := NewEmitter(newClient(t), &EmitterOptions{Key: key}).Of("admin")

	if err := e.To("r").Except("x").Emit(ctx, "ev", 1.5, []byte{1, 2}, map[string]any{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool { return len(ns.Sent()) == 1 }, "the emit")
	s := ns.Sent()[0]
	if !slices.Equal(s.IDs, []string{"s1"}) || string(s.Packet.Data) != `["ev",1.5,{"_placeholder":true,"num":0},{"k":"v"}]` ||
		len(s.Packet.Attachments) != 1 || string(s.Packet.Attachments[0]) != "\x01\x02" || s.Packet.Namespace != "/admin" {
		t.Fatalf("sent %q %s %q", s.IDs, s.Packet.Data, s.Packet.Attachments)
	}
	if err := e.Volatile().Emit(ctx, "v"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool { return len(ns.Sent()) == 2 }, "the volatile emit")
	if s := ns.Sent()[1]; !s.Flags.Volatile || len(s.IDs) != 3 {
		t.Errorf("volatile emit: %+v", s)
	}

	if err := e.In("x").SocketsJoin(ctx, "joined"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool { return slices.Equal(a.Sockets([]string{"joined"}), []string{"s2"}) }, "socketsJoin")
	if err := e.SocketsLeave(ctx, "r"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool { return len(a.Sockets([]string{"r"})) == 0 }, "socketsLeave")
	if err := e.ServerSideEmit(ctx, "hello", "w"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool { return len(ns.Received()) == 1 }, "serverSideEmit")
	if r := ns.Received()[0]; string(r.Packet.Data) != `["hello","w"]` || r.WithReply {
		t.Errorf("server-side emit %s (reply %v)", r.Packet.Data, r.WithReply)
	}
	if err := e.To("s3").DisconnectSockets(ctx, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() bool { return len(ns.Disconnected()) == 1 }, "disconnectSockets")
	if d := ns.Disconnected()[0]; !slices.Equal(d.IDs, []string{"s3"}) || !d.Close {
		t.Errorf("disconnected %+v", d)
	}
	if err := e.Emit(ctx, "disconnect"); !errors.Is(err, ErrReservedEvent) {
		t.Errorf("reserved event: %v", err)
	}
}
