// Package prometheus exports the counters of a sio server (socketio.Stats,
// which include the Engine.IO layer's) as Prometheus metrics. It lives in
// its own module so that the core library keeps a single dependency.
//
//	reg.MustRegister(prometheus.NewCollector(io, "myapp"))
package prometheus

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/socketio"
)

// Source is what the collector reads: a *socketio.Server.
type Source interface {
	Stats() socketio.Stats
}

// Collector is a prometheus.Collector reading one snapshot of a server's
// counters per scrape.
type Collector struct {
	src   Source
	descs map[string]*prometheus.Desc
}

type metric struct {
	name, help string
	kind       prometheus.ValueType
	labels     []string
}

var metrics = []metric{
	{"engineio_sessions", "Engine.IO sessions open now, by transport.", prometheus.GaugeValue, []string{"transport"}},
	{"engineio_sessions_opened_total", "Engine.IO handshakes.", prometheus.CounterValue, nil},
	{"engineio_sessions_closed_total", "Engine.IO sessions closed, by reason.", prometheus.CounterValue, []string{"reason"}},
	{"engineio_upgrades_total", "Polling sessions upgraded to WebSocket.", prometheus.CounterValue, nil},
	{"engineio_messages_total", "Engine.IO messages, by direction.", prometheus.CounterValue, []string{"direction"}},
	{"engineio_bytes_total", "Bytes of Engine.IO messages, by direction.", prometheus.CounterValue, []string{"direction"}},
	{"engineio_volatile_dropped_total", "Volatile messages dropped for clients not ready.", prometheus.CounterValue, nil},
	{"engineio_slow_consumers_total", "Sessions closed because their queue was full.", prometheus.CounterValue, nil},
	{"engineio_request_errors_total", "HTTP requests refused, by protocol error code.", prometheus.CounterValue, []string{"code"}},
	{"engineio_payload_too_large_total", "Polling bodies refused with 413.", prometheus.CounterValue, nil},
	{"socketio_sockets", "Sockets connected now.", prometheus.GaugeValue, nil},
	{"socketio_connects_total", "Sockets admitted to a namespace.", prometheus.CounterValue, nil},
	{"socketio_refused_total", "Namespace connections refused.", prometheus.CounterValue, nil},
	{"socketio_recovered_total", "Sessions restored by connection state recovery.", prometheus.CounterValue, nil},
	{"socketio_disconnects_total", "Sockets disconnected.", prometheus.CounterValue, nil},
	{"socketio_events_total", "Events, by direction (in, out to one socket).", prometheus.CounterValue, []string{"direction"}},
	{"socketio_broadcasts_total", "Broadcast emits.", prometheus.CounterValue, nil},
	{"socketio_acks_total", "Acknowledgements, by direction.", prometheus.CounterValue, []string{"direction"}},
	{"socketio_panics_total", "Panics recovered in handlers.", prometheus.CounterValue, nil},
	{"socketio_protocol_errors_total", "Connections closed for breaking the protocol.", prometheus.CounterValue, nil},
}

// NewCollector returns a collector for src whose metric names start with
// namespace_ (no prefix when namespace is empty).
func NewCollector(src Source, namespace string) *Collector {
	c := &Collector{src: src, descs: make(map[string]*prometheus.Desc, len(metrics))}
	for _, m := range metrics {
		c.descs[m.name] = prometheus.NewDesc(prometheus.BuildFQName(namespace, "", m.name), m.help, m.labels, nil)
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Stats()
	e := s.Engine
	put := func(name string, v float64, labels ...string) {
		kind := prometheus.CounterValue
		for _, m := range metrics {
			if m.name == name {
				kind = m.kind
			}
		}
		ch <- prometheus.MustNewConstMetric(c.descs[name], kind, v, labels...)
	}
	put("engineio_sessions", float64(e.PollingSessions), engineio.Polling)
	put("engineio_sessions", float64(e.WebSocketSessions), engineio.WebSocket)
	put("engineio_sessions_opened_total", float64(e.SessionsOpened))
	for reason, n := range e.SessionsClosed {
		put("engineio_sessions_closed_total", float64(n), reason)
	}
	put("engineio_upgrades_total", float64(e.Upgrades))
	put("engineio_messages_total", float64(e.MessagesIn), "in")
	put("engineio_messages_total", float64(e.MessagesOut), "out")
	put("engineio_bytes_total", float64(e.BytesIn), "in")
	put("engineio_bytes_total", float64(e.BytesOut), "out")
	put("engineio_volatile_dropped_total", float64(e.VolatileDropped))
	put("engineio_slow_consumers_total", float64(e.SlowConsumers))
	for code, n := range e.RequestErrors {
		put("engineio_request_errors_total", float64(n), string(rune('0'+code)))
	}
	put("engineio_payload_too_large_total", float64(e.PayloadTooLarge))
	put("socketio_sockets", float64(s.Sockets))
	put("socketio_connects_total", float64(s.Connects))
	put("socketio_refused_total", float64(s.Refused))
	put("socketio_recovered_total", float64(s.Recovered))
	put("socketio_disconnects_total", float64(s.Disconnects))
	put("socketio_events_total", float64(s.EventsIn), "in")
	put("socketio_events_total", float64(s.EventsOut), "out")
	put("socketio_broadcasts_total", float64(s.Broadcasts))
	put("socketio_acks_total", float64(s.AcksIn), "in")
	put("socketio_acks_total", float64(s.AcksOut), "out")
	put("socketio_panics_total", float64(s.Panics))
	put("socketio_protocol_errors_total", float64(s.ProtocolErrors))
}
