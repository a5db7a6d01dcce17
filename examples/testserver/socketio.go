package main

import (
	"context"
	"slices"
	"time"

	"github.com/seed-e3ad8a97/sio/socketio"
)

// mountSuite registers the test suites' events on namespaces / and /custom.
func mountSuite(io *socketio.Server) {
	for _, name := range []string{"/", "/custom"} {
		ns := io.Of(name)
		ns.OnConnection(func(s *socketio.Socket) { onConnection(ns, s) })
	}
}

func onConnection(ns *socketio.Namespace, s *socketio.Socket) {
	_ = s.Emit("auth", socketio.Raw{JSON: s.Handshake().RawAuth})

	s.On("message", func(e *socketio.Event) {
		_ = s.Emit("message-back", e.RawArgs()...)
	})
	echo := func(e *socketio.Event) { _ = e.Ack(e.RawArgs()...) }
	s.On("message-with-ack", echo)
	s.On("echo", echo)

	s.On("broadcast", func(e *socketio.Event) {
		_ = ns.Emit("broadcast", e.RawArgs()...)
		_ = e.Ack()
	})
	s.On("join", func(e *socketio.Event) {
		var room string
		_ = e.Bind(&room)
		s.Join(room)
		_ = e.Ack(s.Rooms())
	})
	s.On("leave", func(e *socketio.Event) {
		var room string
		_ = e.Bind(&room)
		s.Leave(room)
		_ = e.Ack(s.Rooms())
	})
	s.On("to-room", func(e *socketio.Event) {
		var room string
		_ = e.Bind(&room)
		_ = s.To(room).Emit("room-message", e.RawArgs()[1:]...)
	})
	s.On("fetch-sockets", func(e *socketio.Event) {
		op := ns.Except() // the whole namespace
		var room string
		if e.Len() > 0 && e.Bind(&room) == nil && room != "" {
			op = ns.In(room)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sockets, err := op.FetchSockets(ctx)
		ids := make([]string, 0, len(sockets))
		for _, rs := range sockets {
			ids = append(ids, rs.ID())
		}
		slices.Sort(ids)
		if err != nil {
			_ = e.Ack(nil, err.Error())
			return
		}
		_ = e.Ack(ids)
	})
	s.On("server-count", func(e *socketio.Event) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := ns.Adapter().ServerCount(ctx)
		if err != nil {
			n = 1
		}
		_ = e.Ack(n)
	})
	s.On("disconnect-me", func(*socketio.Event) { s.Disconnect(false) })
}
