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
	srv := NewServer(&Options{
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
	url := binaryBenchClient(b, srv)
	s := srv.Of("/").Sockets()[0]
	c := s.client
	// The engine hands over a fresh buffer per message, which the event's
	// arguments then point into; reusing one is safe here since each echo
	// is done with it before the next.
	msg := []byte(`27["echo","hello"]`)
	check := true
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Message(msg, false)
		select {
		case <-acked:
		case <-s.Done():
			b.Fatal("socket closed")
		}
		if (i+1)%256 == 0 || check {
			b.StopTimer()
			w := drainWriter{header: http.Header{}}
			srv.ServeHTTP(&w, httptest.NewRequest(http.MethodGet, url, nil))
			if check && !strings.HasPrefix(string(w.head), `437["hello"]`) {
				b.Fatalf("reply %.80q", w.head)
			}
			check = false
			b.StartTimer()
		}
	}
}
