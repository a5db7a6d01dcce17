package socketio

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// BenchmarkEcho is BenchmarkBinaryEcho for the load tool's text echo: the
// Socket.IO side of one `42<id>["echo","hello"]` and its ack, from the
// Engine.IO message handed to the connection's handler to the reply queued
// on its session. Its allocations are those of every request-response
// exchange.
func BenchmarkEcho(b *testing.B) {
	// The event's arguments point into the message, which the engine
	// hands over afresh each time; reusing one is safe here since each
	// echo is done with it before the next.
	benchEcho(b, []benchMessage{{data: []byte(`27["echo","hello"]`)}}, `437["hello"]`, 256)
}

// benchMessage is an Engine.IO message as the WebSocket reader hands it.
type benchMessage struct {
	data   []byte
	binary bool
}

// benchEcho measures echoes on a long-polling session: each hands msgs to
// the connection's handler, whose "echo" handler acks with what it got.
// Every drain echoes, outside the measure, the session's queue is read;
// the first reply must start with want.
func benchEcho(b *testing.B, msgs []benchMessage, want string, drain int) {
	srv := NewServer(&Options{
		// No heartbeat: the client below never answers pings.
		Engine: &engineio.Options{MaxQueuedPackets: 1 << 20, MaxQueuedBytes: 1 << 30,
			PingInterval: time.Hour, PingTimeout: time.Hour},
		Logger: slog.New(slog.DiscardHandler),
	})
	defer srv.Close()
	acked := make(chan struct{}, 1)
	srv.Of("/").OnConnection(func(s *Socket) {
		s.On("echo", func(e *Event) {
			echoHandler(e)
			acked <- struct{}{}
		})
	})
	url := pollingBenchClient(b, srv)
	s := srv.Of("/").Sockets()[0]
	c := s.client
	check := true
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, m := range msgs {
			c.Message(m.data, m.binary)
		}
		select {
		case <-acked:
		case <-s.Done():
			b.Fatal("socket closed")
		}
		if (i+1)%drain == 0 || check {
			b.StopTimer()
			w := drainWriter{header: http.Header{}}
			srv.ServeHTTP(&w, httptest.NewRequest(http.MethodGet, url, nil))
			if check && !strings.HasPrefix(string(w.head), want) {
				b.Fatalf("reply %.80q", w.head)
			}
			check = false
			b.StartTimer()
		}
	}
}
