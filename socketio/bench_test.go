package socketio_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/socketio"
)

// benchClients opens n long-polling clients on srv in process (no network)
// and returns their polling URLs. Their packets wait in their queues until
// drained with a GET, so a broadcast benchmark measures encoding and
// fan-out, not the kernel.
func benchClients(b *testing.B, srv *socketio.Server, n int) []string {
	b.Helper()
	urls := make([]string, n)
	for i := range urls {
		res := benchServe(srv, http.MethodGet, "/socket.io/?EIO=4&transport=polling", "")
		sid := between(res, `"sid":"`, `"`)
		urls[i] = "/socket.io/?EIO=4&transport=polling&sid=" + sid
		benchServe(srv, http.MethodPost, urls[i], "40")
		if got := benchServe(srv, http.MethodGet, urls[i], ""); !strings.HasPrefix(got, "40") {
			b.Fatalf("client %d: CONNECT reply %q", i, got)
		}
	}
	return urls
}

func benchServe(h http.Handler, method, url, body string) string {
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return string(b)
}

func between(s, from, to string) string {
	_, s, _ = strings.Cut(s, from)
	s, _, _ = strings.Cut(s, to)
	return s
}

// BenchmarkBroadcast measures one broadcast to every socket of a
// namespace: encoded once, queued to each receiver.
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range []int{1, 100, 10_000} {
		b.Run(fmt.Sprintf("receivers=%d", n), func(b *testing.B) {
			srv := socketio.NewServer(&socketio.Options{
				Engine: &engineio.Options{MaxQueuedPackets: 1 << 20, MaxQueuedBytes: 1 << 30},
				Logger: slog.New(slog.DiscardHandler),
			})
			defer srv.Close()
			urls := benchClients(b, srv, n)
			payload := map[string]any{"text": "hello world", "n": 42}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := srv.Emit("chat message", payload); err != nil {
					b.Fatal(err)
				}
				if (i+1)%512 == 0 { // keep queues short, outside the measure
					b.StopTimer()
					for _, u := range urls {
						benchServe(srv, http.MethodGet, u, "")
					}
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
		})
	}
}

// BenchmarkEmit measures emitting one event to one socket.
func BenchmarkEmit(b *testing.B) {
	srv := socketio.NewServer(&socketio.Options{
		Engine: &engineio.Options{MaxQueuedPackets: 1 << 20, MaxQueuedBytes: 1 << 30},
		Logger: slog.New(slog.DiscardHandler),
	})
	defer srv.Close()
	url := benchClients(b, srv, 1)[0]
	s := srv.Of("/").Sockets()[0]
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Emit("chat message", "hello world", 42); err != nil {
			b.Fatal(err)
		}
		if (i+1)%512 == 0 {
			b.StopTimer()
			benchServe(srv, http.MethodGet, url, "")
			b.StartTimer()
		}
	}
}
