package socketio_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed-e3ad8a97/sio/socketio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitTimeout bounds every wait of the tests. It is generous: the machine
// is small and shared, and no test asserts a timing threshold with it.
const waitTimeout = 10 * time.Second

var quiet = slog.New(slog.DiscardHandler)

// newServer starts a Socket.IO server mounted at /socket.io/ on a real
// listener. Both are closed when the test ends, after its clients.
func newServer(t testing.TB, opts *socketio.Options) (*socketio.Server, *httptest.Server) {
	t.Helper()
	if opts == nil {
		opts = &socketio.Options{}
	}
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	srv := socketio.NewServer(opts)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		_ = srv.Close()
		ts.Close()
	})
	return srv, ts
}

// recv waits for a value on ch.
func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for a %T", *new(T))
		panic("unreachable")
	}
}

// none checks that nothing arrives on ch for a little while.
func none[T any](t testing.TB, ch <-chan T) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %v", v)
	case <-time.After(50 * time.Millisecond):
	}
}

// eventually polls cond until it holds.
func eventually(t testing.TB, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
