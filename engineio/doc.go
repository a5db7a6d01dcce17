// Package engineio is an Engine.IO v4 server: the transport layer under
// Socket.IO. It serves HTTP long-polling and WebSocket, performs the
// handshake, upgrades sessions
// from polling to WebSocket without losing or repeating a packet, keeps
// sessions alive with heartbeats and enforces payload limits.
//
// A [Server] is an http.Handler. It hands the life of every session to a
// [Handler]: a session opens, receives messages (text or binary), and
// closes with a reason. Messages go out with [Session.Send], which never
// blocks on the network: each session owns a bounded queue of encoded
// packets, drained by the pending long-polling GET or written to the
// WebSocket by a short-lived writer. [Session.Cork] holds writes back
// for a moment, so that messages sent in a row leave together.
//
// The WebSocket protocol (RFC 6455, with permessage-deflate) is spoken
// here, on the hijacked connection, rather than through a WebSocket
// library: an idle connection then holds no buffer and, on Linux, no
// goroutine, and a batch of frames leaves in one system call.
//
// A WebSocket session's messages are read and handed to the handler by one
// goroutine; with [Session.RunOnReader] the handler may have its work run
// there too, instead of waking a goroutine of its own for each message.
//
// The package knows nothing of Socket.IO; the socketio package builds on it.
package engineio
