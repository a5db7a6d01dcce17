package adapter

import "github.com/seed-e3ad8a97/sio/socketio/parser"

// Session is a disconnected socket kept for connection state recovery,
// under a private id (PID) that is never the public socket id (SID).
type Session struct {
	Namespace string
	SID       string
	PID       string
	Rooms     []string
	Data      any
	// Missed holds, on restore, the packets the socket missed, in order.
	Missed []*parser.Packet
}

// SessionStore keeps what connection state recovery needs: the packets
// broadcast to recoverable sockets, each with an offset, and the sessions
// of sockets that dropped. The recovery package has the in-memory store; a
// cluster adapter may provide one shared by every node.
type SessionStore interface {
	// Append gives the event p, broadcast with opts, an offset appended as
	// its last argument, keeps it, and returns it.
	Append(p *parser.Packet, opts BroadcastOptions) (*parser.Packet, error)
	// Persist keeps the session of a socket that dropped.
	Persist(s Session) error
	// Restore takes back the session pid of namespace nsp with the packets
	// it missed after offset. It returns nil when the session is unknown or
	// expired, or the offset is no longer known.
	Restore(nsp, pid, offset string) (*Session, error)
}
