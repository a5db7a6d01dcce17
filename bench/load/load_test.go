//go:build linux

package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/socketio"
)

// A smoke run of every scenario, short and small, against an in-process
// server with the echo and broadcast contract of examples/testserver: the
// figures are not looked at, only that each run completes and counts what
// it should. Its own process stands in for the server's in /proc.
func TestScenariosSmoke(t *testing.T) {
	srv := socketio.NewServer(&socketio.Options{
		Logger: slog.New(slog.DiscardHandler),
		Engine: &engineio.Options{PingInterval: 300 * time.Millisecond, PingTimeout: 5 * time.Second},
	})
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(e *socketio.Event) { _ = e.Ack(e.RawArgs()...) })
		s.On("broadcast", func(e *socketio.Event) {
			_ = srv.Emit("broadcast", e.RawArgs()...)
			_ = e.Ack()
		})
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ts.Close()
		_ = srv.Close()
	})
	base := config{
		url: ts.URL, pid: os.Getpid(), conns: 20, clients: 4, messages: 3,
		concurrency: 8, duration: 500 * time.Millisecond, payload: 1 << 10,
		dialTimeout: 10 * time.Second,
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	run := func(name string, f func(context.Context, config) (map[string]any, error), c config) map[string]any {
		t.Helper()
		res, err := f(ctx, c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: %v", name, res)
		return res
	}
	atLeastOne := func(name string, res map[string]any, key string) {
		t.Helper()
		if n, ok := res[key].(int); !ok || n < 1 {
			t.Errorf("%s: %s = %v, want at least 1", name, key, res[key])
		}
	}

	c := base
	c.settle = 10 * time.Millisecond
	res := run("connect", runConnect, c)
	if res["connections"] != 20 || res["failed"] != int64(0) {
		t.Errorf("connect: %v connections, %v failed; want 20, 0", res["connections"], res["failed"])
	}

	res = run("echo", func(ctx context.Context, c config) (map[string]any, error) { return runEcho(ctx, c, false) }, base)
	atLeastOne("echo", res, "ops")
	res = run("binary", func(ctx context.Context, c config) (map[string]any, error) { return runEcho(ctx, c, true) }, base)
	atLeastOne("binary", res, "ops")
	res = run("polling", runPolling, base)
	atLeastOne("polling", res, "ops")

	res = run("broadcast", runBroadcast, base)
	if res["receivers"] != 21 || res["deliveries"] != int64(21*3) {
		t.Errorf("broadcast: %v receivers, %v deliveries; want 21, 63", res["receivers"], res["deliveries"])
	}
	c = base
	c.attach = 20000 // each message an event with a binary attachment
	res = run("broadcast with attachments", runBroadcast, c)
	if res["deliveries"] != int64(21*3) || res["attachment_bytes"] != 20000 {
		t.Errorf("broadcast with attachments: %v deliveries of %v bytes; want 63 of 20000", res["deliveries"], res["attachment_bytes"])
	}

	c = base
	c.conns, c.srcIPs, c.duration, c.progress = 10, 1, time.Second, 0
	res = run("hold", runHold, c)
	if res["ok"] != true || res["held_at_end"] != 10 {
		t.Errorf("hold: ok %v, %v held at the end; want true, 10", res["ok"], res["held_at_end"])
	}
}
