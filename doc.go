// Package sio is a Socket.IO v5 server for Go, speaking Engine.IO v4 to the
// official clients (the socket.io-client package in browsers and Node, and
// the Swift, Java, Python and Go clients) exactly as the Node.js reference
// server does.
//
// Most applications only need the socketio package:
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
//	http.Handle("/socket.io/", io)
//
// The library is layered; each layer only imports the ones below it:
//
//   - [github.com/seed-e3ad8a97/sio/engineio/parser]: Engine.IO packets and
//     long-polling payloads.
//   - [github.com/seed-e3ad8a97/sio/engineio]: the Engine.IO server, an
//     http.Handler with HTTP long-polling, WebSocket, the upgrade between
//     them, heartbeats and limits.
//   - [github.com/seed-e3ad8a97/sio/socketio/parser]: Socket.IO packets and
//     binary attachments.
//   - [github.com/seed-e3ad8a97/sio/adapter]: the seam to the rest of a
//     cluster (rooms, broadcasts, socket queries) and the in-memory default.
//   - [github.com/seed-e3ad8a97/sio/recovery]: the in-memory store behind
//     connection state recovery.
//   - [github.com/seed-e3ad8a97/sio/socketio]: the Socket.IO server, with
//     namespaces, middlewares, events, acknowledgements, rooms and
//     broadcasting.
//
// The examples module holds the Socket.IO chat tutorial (examples/chat) and
// the test server that interoperability, load and hostile-input checks
// point at (examples/testserver).
package sio
