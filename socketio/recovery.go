package socketio

import (
	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// Recovered reports whether the socket is a dropped session that came
// back with connection state recovery (same id, rooms and data, missed
// events delivered).
func (s *Socket) Recovered() bool { return s.recovered }

// recoverable lists the disconnect reasons after which a session is kept:
// the connection broke, the client did not leave.
func recoverable(reason string) bool {
	switch reason {
	case ReasonTransportError, ReasonTransportClose, ReasonForcedClose, ReasonPingTimeout,
		ReasonServerShuttingDown, ReasonForcedServerClose:
		return true
	}
	return false
}

// tracked reports whether a packet gets an offset and is kept for
// recovery: recovery is on and the event is neither volatile nor awaiting
// acks.
func (srv *Server) tracked(p *parser.Packet, opts adapter.BroadcastOptions) bool {
	return srv.opts.Recovery != nil && !opts.Flags.Volatile && !p.HasID &&
		(p.Type == parser.Event || p.Type == parser.BinaryEvent)
}

// broadcast sends p through the adapter; a tracked packet gets its offset
// under the namespace's lock, so that offsets follow the order in which
// packets are queued to clients and a replay never skips nor repeats one.
func (ns *Namespace) broadcast(p *parser.Packet, opts adapter.BroadcastOptions) error {
	if !ns.srv.tracked(p, opts) {
		return ns.adapter.Broadcast(p, opts)
	}
	ns.trackMu.Lock()
	defer ns.trackMu.Unlock()
	return ns.adapter.Broadcast(ns.srv.track(p, opts), opts)
}

// track gives p its offset and keeps it for recovery.
func (srv *Server) track(p *parser.Packet, opts adapter.BroadcastOptions) *parser.Packet {
	r := srv.opts.Recovery
	tracked, err := r.Store.Append(p, opts)
	if err != nil {
		srv.opts.Logger.Warn("socketio: recovery store refused a packet", "err", err)
		return p
	}
	return tracked
}

// restore takes back a dropped session named in a CONNECT's auth payload.
func (srv *Server) restore(nsp string, h *Handshake) *adapter.Session {
	r := srv.opts.Recovery
	if r == nil {
		return nil
	}
	pid, _ := h.Auth["pid"].(string)
	offset, _ := h.Auth["offset"].(string)
	if pid == "" || offset == "" {
		return nil
	}
	sess, err := r.Store.Restore(nsp, pid, offset)
	if err != nil {
		srv.opts.Logger.Warn("socketio: recovery store failed", "err", err)
		return nil
	}
	return sess
}

// persist keeps the session of a socket that dropped, with the rooms it
// was in.
func (s *Socket) persist(reason string, rooms []string) {
	r := s.nsp.srv.opts.Recovery
	if r == nil || !recoverable(reason) {
		return
	}
	err := r.Store.Persist(adapter.Session{
		Namespace: s.nsp.name, SID: s.id, PID: s.pid, Rooms: rooms, Data: s.Data(),
	})
	if err != nil {
		s.nsp.srv.opts.Logger.Warn("socketio: recovery store failed", "err", err)
	}
}
