package socketio

import (
	"sync/atomic"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// Stats are the server's counters since it started, with those of its
// Engine.IO layer. The metrics/prometheus module exports them.
type Stats struct {
	Engine engineio.Stats
	// Sockets connected now, over all namespaces.
	Sockets int64
	// Connects counts sockets admitted; Refused counts CONNECTs refused
	// (unknown namespace or middleware error); Recovered counts sessions
	// restored by connection state recovery.
	Connects, Refused, Recovered uint64
	// Disconnects counts sockets gone.
	Disconnects uint64
	// Events received from and emitted to single sockets; Broadcasts
	// counts broadcast emits (each encoded once, whatever the receivers).
	EventsIn, EventsOut, Broadcasts uint64
	// AcksIn counts acknowledgements from clients, AcksOut those sent.
	AcksIn, AcksOut uint64
	// Panics counts panics recovered in user handlers.
	Panics uint64
	// ProtocolErrors counts connections closed for breaking the protocol
	// (malformed packets, wrong state, flooding).
	ProtocolErrors uint64
}

type counters struct {
	sockets                         atomic.Int64
	connects, refused, recovered    atomic.Uint64
	disconnects                     atomic.Uint64
	eventsIn, eventsOut, broadcasts atomic.Uint64
	acksIn, acksOut                 atomic.Uint64
	panics, protocolErrors          atomic.Uint64
}

// Stats returns a snapshot of the server's counters.
func (srv *Server) Stats() Stats {
	c := &srv.stats
	return Stats{
		Engine:         srv.eio.Stats(),
		Sockets:        c.sockets.Load(),
		Connects:       c.connects.Load(),
		Refused:        c.refused.Load(),
		Recovered:      c.recovered.Load(),
		Disconnects:    c.disconnects.Load(),
		EventsIn:       c.eventsIn.Load(),
		EventsOut:      c.eventsOut.Load(),
		Broadcasts:     c.broadcasts.Load(),
		AcksIn:         c.acksIn.Load(),
		AcksOut:        c.acksOut.Load(),
		Panics:         c.panics.Load(),
		ProtocolErrors: c.protocolErrors.Load(),
	}
}
