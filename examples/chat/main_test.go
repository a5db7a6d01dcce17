package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDefaultAddr(t *testing.T) {
	for port, want := range map[string]string{
		"":       "127.0.0.1:3000",
		"8080":   "127.0.0.1:8080",
		" 4000 ": "127.0.0.1:4000",
	} {
		if got := defaultAddr(port); got != want {
			t.Errorf("PORT=%q: %q, want %q", port, got, want)
		}
	}
}

func TestMissingBundle(t *testing.T) {
	dir := t.TempDir()
	_, err := loadClientBundle([]string{dir})
	if err == nil {
		t.Fatal("no error without the bundle")
	}
	if msg := err.Error(); !strings.Contains(msg, "npm ci") || !strings.Contains(msg, dir) {
		t.Errorf("the error does not say what to do and where it looked: %v", err)
	}
}

// TestServe runs the program in-process and checks its routes: the page,
// the browser bundle, the Socket.IO endpoint, and a clean shutdown.
func TestServe(t *testing.T) {
	dist := filepath.Join(t.TempDir(), clientDir)
	if err := os.MkdirAll(dist, 0o755); err != nil {
		t.Fatal(err)
	}
	bundle := []byte("/* socket.io-client stand-in */")
	if err := os.WriteFile(filepath.Join(dist, "socket.io.js"), bundle, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dist, "..", "package.json"), []byte(`{"version":"9.9.9"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(dist, "..", "..", ".."))

	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{ready: make(chan struct{})}
	done := make(chan error, 1)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		done <- run(ctx, config{addr: "127.0.0.1:0", db: filepath.Join(t.TempDir(), "c.db")}, out, logger)
	}()
	select {
	case <-out.ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not listening after 10s")
	}
	base := strings.TrimSpace(strings.TrimPrefix(out.String(), "listening on "))
	if !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
		t.Fatalf("printed %q, want the real address", out.String())
	}

	for _, c := range []struct {
		path, ctype string
		status      int
		body        []byte
	}{
		{"/", "text/html; charset=utf-8", 200, indexHTML},
		{"/socket.io/socket.io.js", "application/javascript; charset=utf-8", 200, bundle},
		{"/socket.io/socket.io.min.js", "", 0, nil}, // not shipped here: the Socket.IO server answers
		{"/nope", "", 404, nil},
	} {
		resp, err := http.Get(base + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if c.status == 0 {
			if resp.StatusCode == 200 {
				t.Errorf("GET %s: 200, want an error from the Socket.IO server", c.path)
			}
			continue
		}
		if resp.StatusCode != c.status {
			t.Errorf("GET %s: %d, want %d", c.path, resp.StatusCode, c.status)
			continue
		}
		if c.ctype != "" && resp.Header.Get("Content-Type") != c.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", c.path, resp.Header.Get("Content-Type"), c.ctype)
		}
		if c.body != nil && !bytes.Equal(body, c.body) {
			t.Errorf("GET %s: body %.60q..., want %.60q...", c.path, body, c.body)
		}
	}
	// The Engine.IO handshake, behind the bundle's routes.
	resp, err := http.Get(base + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte(`0{"sid":`)) {
		t.Errorf("Engine.IO handshake: %d %q", resp.StatusCode, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no shutdown within 15s")
	}
}

// syncBuffer is the program's stdout; ready closes at the first write.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{}
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() == 0 {
		defer close(b.ready)
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
