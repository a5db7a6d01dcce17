package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	browserTestTimeout = 3 * time.Minute
	startTimeout       = 30 * time.Second
	stopTimeout        = 15 * time.Second
)

// TestBrowser builds the chat, starts it on a free port with a fresh
// database, and drives it with headless Chromium (browser.test.mjs): two
// pages talk, one disconnects and reconnects, the server restarts, a page
// reloads; every message must show exactly once, in order, on every page.
// It needs node, the npm packages of this folder (npm ci) and Chromium
// (apt-get install chromium): without them it fails, it never skips.
//
// The screenshot it saves (testdata/screenshot.png) is also what keeps go
// test from caching its result: the test reads that file, just written, so
// the run is never taken from the cache.
func TestBrowser(t *testing.T) {
	node, chromium := requireBrowserTools(t)
	bin := buildChat(t)
	db := filepath.Join(t.TempDir(), "chat.db")
	shot, err := filepath.Abs(filepath.Join("testdata", "screenshot.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(shot), 0o755); err != nil {
		t.Fatal(err)
	}

	srv := startChat(t, bin, "127.0.0.1:0", db)
	addr := srv.addr
	defer func() { srv.stop(t) }()

	ctx, cancel := context.WithTimeout(context.Background(), browserTestTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "browser.test.mjs")
	cmd.Env = append(os.Environ(),
		"CHAT_URL=http://"+addr,
		"CHAT_SCREENSHOT="+shot,
		"CHROMIUM="+chromium,
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	var history []string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		t.Log("browser: " + line)
		switch {
		case line == "ctl stop":
			srv.stop(t)
			fmt.Fprintln(stdin, "ok")
		case line == "ctl start":
			srv = startChat(t, bin, addr, db) // same port and database
			fmt.Fprintln(stdin, "ok")
		case strings.HasPrefix(line, "history "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "history ")), &history); err != nil {
				t.Errorf("history line: %v", err)
			}
		}
	}
	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("browser test failed: %v\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("browser test stderr:\n%s", stderr.String())
	}

	srv.stop(t)
	if out := srv.log(); !strings.Contains(out, `msg="a user connected"`) || !strings.Contains(out, `msg="user disconnected"`) {
		t.Errorf("the server did not log connections and disconnections:\n%s", out)
	}
	checkDatabase(t, db, history)
	checkScreenshot(t, shot)
}

// requireBrowserTools finds node, the npm packages and Chromium, and fails
// the test with the way to install what is missing.
func requireBrowserTools(t *testing.T) (node, chromium string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required for the browser test (apt-get install nodejs npm): %v", err)
	}
	for _, f := range []string{
		filepath.Join("node_modules", "playwright-core", "package.json"),
		filepath.Join(clientDir, "socket.io.js"),
	} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%v\nthe npm packages of examples/chat are missing: run `npm ci` in examples/chat", err)
		}
	}
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("Chromium is required for the browser test (apt-get install chromium, or set CHROMIUM): %v", err)
	}
	if _, err := os.Stat("browser.test.mjs"); err != nil {
		t.Fatal(err)
	}
	return node, chromium
}

// buildChat builds this program, with the race detector when the test has
// it, so that the browser test also hunts data races in the server.
func buildChat(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "chat")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	// The program finds the npm bundle from its source folder: keep the
	// full source paths whatever GOFLAGS says.
	build.Env = append(os.Environ(), "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// chatProcess is a running chat server, or the parent of its workers.
type chatProcess struct {
	cmd    *exec.Cmd
	addr   string   // where it listens (the first worker's address with -workers)
	addrs  []string // with -workers, every worker's, by worker number
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{}
	err    error // from Wait, once done is closed
}

func (p *chatProcess) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.Write(b)
}

func (p *chatProcess) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// startChat starts the chat on addr with database db, in a folder of its
// own (it must find the npm bundle from anywhere), and waits until it
// listens.
func startChat(t *testing.T, bin, addr, db string) *chatProcess {
	t.Helper()
	p, err := startProcess(t, bin, 1, "-addr", addr, "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startProcess runs the chat with args and waits until n servers say they
// listen ("listening on http://HOST:PORT", each worker once).
func startProcess(t *testing.T, bin string, n int, args ...string) (*chatProcess, error) {
	t.Helper()
	p := &chatProcess{done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = t.TempDir()
	p.cmd.Stderr = p
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan string, n)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening on http://"); ok {
				select {
				case ready <- a:
				default:
				}
			}
		}
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	timeout := time.After(startTimeout)
	for len(p.addrs) < n {
		select {
		case a := <-ready:
			p.addrs = append(p.addrs, a)
		case <-p.done:
			return nil, fmt.Errorf("the chat exited before listening: %v\n%s", p.err, p.log())
		case <-timeout:
			_ = p.cmd.Process.Kill()
			<-p.done
			return nil, fmt.Errorf("the chat did not say it listens within %v\n%s", startTimeout, p.log())
		}
	}
	slices.SortFunc(p.addrs, func(a, b string) int { return comparePorts(a, b) })
	p.addr = p.addrs[0]
	return p, nil
}

// stop ends the server with SIGTERM and checks that it shut down cleanly
// (and, under the race detector, found no race). It may be called again.
func (p *chatProcess) stop(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			_ = p.cmd.Process.Kill()
			<-p.done
			t.Errorf("the chat did not stop within %v of SIGTERM", stopTimeout)
		}
	}
	if p.err != nil {
		t.Errorf("the chat exited with %v\n%s", p.err, p.log())
		p.err = nil // report once
	}
	if strings.Contains(p.log(), "DATA RACE") {
		t.Errorf("the race detector found a race in the chat:\n%s", p.log())
	}
}

// checkDatabase compares the stored messages with those the browser test
// sent, in order, each once.
func checkDatabase(t *testing.T, path string, want []string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("the browser test reported no history")
	}
	st, err := openStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var got []string
	err = st.since(context.Background(), 0, 1<<30, func(m message) error {
		got = append(got, m.Content)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("the database holds\n  %q\nwant\n  %q", got, want)
	}
}

// checkScreenshot checks that a PNG was saved.
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	defer f.Close()
	head := make([]byte, 8)
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("screenshot %s is not a PNG (%v)", path, err)
	}
}
