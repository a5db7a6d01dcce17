package prometheus

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/socketio"
)

type fixed socketio.Stats

func (f fixed) Stats() socketio.Stats { return socketio.Stats(f) }

func TestCollector_ExportsEveryCounter(t *testing.T) {
	src := fixed{
		Engine: engineio.Stats{
			PollingSessions: 2, WebSocketSessions: 5, SessionsOpened: 9,
			SessionsClosed: map[string]uint64{"ping timeout": 1},
			MessagesIn:     7, SlowConsumers: 1,
			RequestErrors: [6]uint64{1: 4},
		},
		Sockets: 6, EventsIn: 11, Panics: 1,
	}
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(NewCollector(src, "app")))
	expected := `
# HELP app_engineio_sessions Engine.IO sessions open now, by transport.
# TYPE app_engineio_sessions gauge
app_engineio_sessions{transport="polling"} 2
app_engineio_sessions{transport="websocket"} 5
# HELP app_engineio_slow_consumers_total Sessions closed because their queue was full.
# TYPE app_engineio_slow_consumers_total counter
app_engineio_slow_consumers_total 1
# HELP app_engineio_sessions_closed_total Engine.IO sessions closed, by reason.
# TYPE app_engineio_sessions_closed_total counter
app_engineio_sessions_closed_total{reason="ping timeout"} 1
# HELP app_socketio_events_total Events, by direction (in, out to one socket).
# TYPE app_socketio_events_total counter
app_socketio_events_total{direction="in"} 11
app_socketio_events_total{direction="out"} 0
# HELP app_socketio_panics_total Panics recovered in handlers.
# TYPE app_socketio_panics_total counter
app_socketio_panics_total 1
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(expected),
		"app_engineio_sessions", "app_engineio_slow_consumers_total", "app_engineio_sessions_closed_total",
		"app_socketio_events_total", "app_socketio_panics_total"))
	n, err := testutil.GatherAndCount(reg)
	require.NoError(t, err)
	require.Greater(t, n, 25)
}

func TestCollector_LiveServer(t *testing.T) {
	io := socketio.NewServer(nil)
	defer io.Close()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(NewCollector(io, "")))
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP socketio_sockets Sockets connected now.
# TYPE socketio_sockets gauge
socketio_sockets 0
`), "socketio_sockets"))
}
