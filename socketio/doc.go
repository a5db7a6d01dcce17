// Package socketio is a Socket.IO v5 server, interoperable with the official
// socket.io-client 3.x and 4.x.
//
// A [Server] is an http.Handler; mount it at /socket.io/:
//
//	io := socketio.NewServer(nil)
//	io.OnConnection(func(s *socketio.Socket) {
//		s.On("chat message", func(e *socketio.Event) {
//			var msg string
//			if e.Bind(&msg) == nil {
//				io.Emit("chat message", msg)
//			}
//		})
//	})
//	mux.Handle("/socket.io/", io)
//
// Each client connects to one or more [Namespace]s (the main one is "/");
// a connected client is a [Socket]. Sockets receive events with On and send
// them with Emit; an event may ask for an acknowledgement ([Event.Ack],
// [Socket.EmitWithAck]). Sockets join rooms, and a [BroadcastOperator]
// (To, In, Except, Volatile, Local, Timeout) sends one event to many sockets,
// encoded once. Broadcasts and socket queries go through the namespace's
// adapter, so they reach every node once a cluster adapter is configured.
//
// A client's handlers run one at a time, in the order its packets came;
// different clients run in parallel. A handler usually runs on the
// goroutine that read its event, which saves a hand-off per event; one
// that blocks or runs long has reading go on on another goroutine within
// a few tens of milliseconds (at once when it waits in EmitWithAck), so
// acknowledgements and heartbeats keep coming and EmitWithAck inside a
// handler cannot deadlock. A panic in a handler is recovered and logged.
//
// Binary arguments arrive as []byte, each in a buffer of its own. A server
// that handles many big ones can set [Options].RecycleAttachments, and
// their buffers are read into again once their event's handlers have
// returned, which spares an allocation and its collection per message; its
// handlers then copy what they keep.
package socketio
