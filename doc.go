// Package sio is a Socket.IO v5 server for Go, speaking Engine.IO v4 to the
// official clients (the socket.io-client package in browsers and Node, and
// the Swift, Java, Python and Go clients) exactly as the Node.js reference
// server does.
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
//   - github.com/seed-e3ad8a97/sio/socketio: the Socket.IO server, with
//     namespaces, middlewares, events, acknowledgements, rooms and
//     broadcasting.
//
// Most applications start with the socketio package: create a server, mount
// it at /socket.io/ and register a connection handler. The examples module
// holds the Socket.IO chat tutorial and the test server that interoperability
// and load checks point at.
package sio
