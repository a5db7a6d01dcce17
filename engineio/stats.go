package engineio

import (
	"sync/atomic"

	"github.com/seed-e3ad8a97/sio/engineio/parser"
)

// Stats are the server's counters since it started, for operators. They
// cost an atomic add on the paths they count and need no dependency; the
// metrics/prometheus module exports them.
type Stats struct {
	// Sessions open now, by transport.
	PollingSessions   int64
	WebSocketSessions int64
	// SessionsOpened counts handshakes; SessionsClosed counts ends by
	// reason (the Reason constants).
	SessionsOpened uint64
	SessionsClosed map[string]uint64
	// Upgrades counts polling sessions moved to WebSocket.
	Upgrades uint64
	// Packets and bytes of messages received from and sent to clients.
	MessagesIn, MessagesOut uint64
	BytesIn, BytesOut       uint64
	// VolatileDropped counts volatile messages dropped because the client
	// was not ready for them.
	VolatileDropped uint64
	// SlowConsumers counts sessions closed because their queue was full.
	SlowConsumers uint64
	// RequestErrors counts refused HTTP requests by protocol error code
	// (index 0–5, see the Code constants); PayloadTooLarge counts 413s.
	RequestErrors   [6]uint64
	PayloadTooLarge uint64
}

// counters is the live, atomic form of Stats.
type counters struct {
	polling, websocket atomic.Int64
	opened, upgrades   atomic.Uint64
	closed             [len(closeReasons)]atomic.Uint64
	msgsIn, msgsOut    atomic.Uint64
	bytesIn, bytesOut  atomic.Uint64
	volatileDropped    atomic.Uint64
	slowConsumers      atomic.Uint64
	requestErrors      [6]atomic.Uint64
	payloadTooLarge    atomic.Uint64
}

var closeReasons = [...]string{
	ReasonTransportClose, ReasonTransportError, ReasonPingTimeout,
	ReasonParseError, ReasonForcedClose, ReasonShuttingDown,
}

func (c *counters) closedWith(reason string) {
	for i, r := range closeReasons {
		if r == reason {
			c.closed[i].Add(1)
			return
		}
	}
}

// sent counts the messages of a batch written to a client.
func (c *counters) sent(batch []parser.Packet) {
	var n, bytes uint64
	for _, p := range batch {
		if p.Type == parser.Message {
			n++
			bytes += uint64(len(p.Data))
		}
	}
	if n > 0 {
		c.msgsOut.Add(n)
		c.bytesOut.Add(bytes)
	}
}

func (c *counters) transport(t string) *atomic.Int64 {
	if t == WebSocket {
		return &c.websocket
	}
	return &c.polling
}

func (c *counters) snapshot() Stats {
	s := Stats{
		PollingSessions:   c.polling.Load(),
		WebSocketSessions: c.websocket.Load(),
		SessionsOpened:    c.opened.Load(),
		SessionsClosed:    make(map[string]uint64, len(closeReasons)),
		Upgrades:          c.upgrades.Load(),
		MessagesIn:        c.msgsIn.Load(),
		MessagesOut:       c.msgsOut.Load(),
		BytesIn:           c.bytesIn.Load(),
		BytesOut:          c.bytesOut.Load(),
		VolatileDropped:   c.volatileDropped.Load(),
		SlowConsumers:     c.slowConsumers.Load(),
		PayloadTooLarge:   c.payloadTooLarge.Load(),
	}
	for i, r := range closeReasons {
		s.SessionsClosed[r] = c.closed[i].Load()
	}
	for i := range c.requestErrors {
		s.RequestErrors[i] = c.requestErrors[i].Load()
	}
	return s
}
