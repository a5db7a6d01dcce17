// Package e2e runs the official npm clients (engine.io-client, socket.io-client) against
// the server under test and checks that they interoperate.
//
// By default the server under test is examples/testserver, built once in TestMain. With
// E2E_SERVER=node it is the Node reference (e2e/reference/server.mjs, the official npm
// server packages), which proves that the tests themselves are right. Any other value of
// E2E_SERVER is taken as the path of a prebuilt testserver binary.
//
// Each Go test starts a fresh server with the flags its JS file needs and runs that file
// with `node --test`, passing SERVER_URL and SERVER_PID in the environment.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

const (
	serverStartTimeout = 30 * time.Second
	serverStopTimeout  = 5 * time.Second
	nodeRunTimeout     = 60 * time.Second
)

var (
	e2eDir    string   // absolute path of e2e/
	serverCmd []string // the server under test, flags appended per test
	serverTag string   // "go", "node" or a binary path, for messages
	// Tests open this file and TestMain rewrites it when they are done, so `go test` finds it
	// "modified too recently" and never caches the results: their real inputs (JS files,
	// node_modules, node, the server) are invisible to its cache. It must lie inside the
	// module for go test to look at it (it is git-ignored).
	noCacheFile = ".go-test-nocache"
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	var err error
	if e2eDir, err = filepath.Abs("."); err != nil {
		return fatalf("e2e: %v", err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return fatalf("e2e: node is not installed (needed for the interoperability tests): %v", err)
	}
	if _, err := os.Stat(filepath.Join(e2eDir, "node_modules", "engine.io-client")); err != nil {
		return fatalf("e2e: %s/node_modules is missing or incomplete: run `npm ci` in e2e/ first", e2eDir)
	}

	tmp, err := os.MkdirTemp("", "sio-e2e-")
	if err != nil {
		return fatalf("e2e: %v", err)
	}
	defer os.RemoveAll(tmp)

	switch v := os.Getenv("E2E_SERVER"); v {
	case "", "go":
		serverTag = "go"
		bin := filepath.Join(tmp, "testserver")
		build := exec.Command("go", "build", "-o", bin, "./testserver")
		build.Dir = filepath.Join(e2eDir, "..", "examples")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fatalf("e2e: building examples/testserver failed: %v\n"+
				"(set E2E_SERVER=node to run the suites against the Node reference server)", err)
		}
		serverCmd = []string{bin}
	case "node":
		serverTag = "node"
		serverCmd = []string{"node", filepath.Join(e2eDir, "reference", "server.mjs")}
	default:
		serverTag = v
		serverCmd = []string{v}
	}
	code := m.Run()
	_ = os.WriteFile(noCacheFile, []byte(time.Now().String()), 0o644)
	// The custom suites run servers in this process: none may leave a
	// goroutine behind.
	if code == 0 {
		if err := goleak.Find(); err != nil {
			return fatalf("e2e: goroutines leaked: %v", err)
		}
	}
	return code
}

func fatalf(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	return 1
}

// serverProc is a running server under test.
type serverProc struct {
	t       testing.TB
	cmd     *exec.Cmd
	out     *lineLogger
	done    chan struct{} // closed when the process has exited and its output is drained
	waitErr error         // valid after done
	once    sync.Once
}

// Pid is the server's process id (for SIGSTOP/SIGCONT and the like).
func (p *serverProc) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to the server process.
func (p *serverProc) Signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// Exited reports whether the process has ended.
func (p *serverProc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitExit waits up to d for the process to end on its own and returns its exit error
// (nil for status 0); ok is false on timeout.
func (p *serverProc) WaitExit(d time.Duration) (err error, ok bool) {
	select {
	case <-p.done:
		return p.waitErr, true
	case <-time.After(d):
		return nil, false
	}
}

// Stop ends the server: SIGCONT (in case a test left it stopped), SIGTERM, and SIGKILL if it
// has not exited after serverStopTimeout. It returns the exit error and is safe to call twice.
func (p *serverProc) Stop() error {
	p.once.Do(func() {
		if p.Exited() {
			return
		}
		_ = p.Signal(syscall.SIGCONT)
		_ = p.Signal(syscall.SIGTERM)
		if _, ok := p.WaitExit(serverStopTimeout); !ok {
			p.t.Errorf("server (pid %d) did not exit %v after SIGTERM; killing it", p.Pid(), serverStopTimeout)
			_ = p.Signal(syscall.SIGKILL)
			<-p.done
		}
	})
	<-p.done
	return p.waitErr
}

var listeningRE = regexp.MustCompile(`listening on (https?://\S+)`)

// startServer starts the server under test on 127.0.0.1 with a free port and the given
// extra flags, waits for its "listening on" line and stops it at test cleanup.
func startServer(t testing.TB, flags ...string) (baseURL string, proc *serverProc) {
	t.Helper()
	_, _ = os.ReadFile(noCacheFile)
	args := append(append([]string{}, serverCmd[1:]...), "-addr", "127.0.0.1:0")
	args = append(args, flags...)
	cmd := exec.Command(serverCmd[0], args...)
	cmd.Dir = e2eDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}

	ready := make(chan string, 1)
	p := &serverProc{t: t, cmd: cmd, done: make(chan struct{})}
	p.out = newLineLogger(t, "server: ", func(line string) {
		if m := listeningRE.FindStringSubmatch(line); m != nil {
			select {
			case ready <- m[1]:
			default:
			}
		}
	})
	cmd.Stdout, cmd.Stderr = p.out, p.out
	cmd.WaitDelay = time.Second
	t.Logf("starting %s server: %s", serverTag, strings.Join(append([]string{serverCmd[0]}, args...), " "))
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting server: %v", err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		p.out.Flush()
		close(p.done)
	}()
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Logf("server exit: %v", err)
		}
	})

	select {
	case baseURL = <-ready:
	case <-p.done:
		t.Fatalf("server exited before listening: %v", p.waitErr)
	case <-time.After(serverStartTimeout):
		t.Fatalf("server did not print `listening on http://...` within %v", serverStartTimeout)
	}
	if _, err := url.Parse(baseURL); err != nil {
		t.Fatalf("bad listening URL %q: %v", baseURL, err)
	}
	return baseURL, p
}

// runNode runs one JS test file (path relative to e2e/) with node and the given extra
// environment (KEY=VALUE). Its output goes to the test log; a non-zero exit fails t.
//
// The file runs in-process (`node file`, not `node --test file`): node:test then streams
// each result as it completes, and no file-level timeout hides which test hung. The JS
// helpers bound every wait; nodeRunTimeout is the last resort.
func runNode(t testing.TB, script string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nodeRunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--test-reporter=spec", script)
	cmd.Dir = e2eDir
	cmd.Env = append(os.Environ(), env...)
	// Kill the whole process group on timeout, should the script start children.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out := newLineLogger(t, "node: ", nil)
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	out.Flush()
	if ctx.Err() != nil {
		t.Fatalf("node %s: killed after %v", script, nodeRunTimeout)
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("node %s failed (%v); see the log above", script, err)
		}
		t.Fatalf("node %s: %v", script, err)
	}
}

// runJS starts a server with flags, runs the JS test file against it and returns the
// server process (still running unless the test stopped it).
func runJS(t *testing.T, script string, flags ...string) *serverProc {
	t.Helper()
	return runJSEnv(t, script, nil, flags...)
}

// runJSEnv is runJS with extra environment (KEY=VALUE) for the script, e.g. to run one
// file once per transport.
func runJSEnv(t *testing.T, script string, env []string, flags ...string) *serverProc {
	t.Helper()
	baseURL, proc := startServer(t, flags...)
	env = append([]string{"SERVER_URL=" + baseURL, "SERVER_PID=" + strconv.Itoa(proc.Pid())}, env...)
	runNode(t, script, env...)
	return proc
}

// lineLogger is an io.Writer that sends each complete line to t.Log with a prefix and,
// optionally, to onLine.
type lineLogger struct {
	t      testing.TB
	prefix string
	onLine func(string)
	mu     sync.Mutex
	buf    []byte
}

var _ io.Writer = (*lineLogger)(nil)

func newLineLogger(t testing.TB, prefix string, onLine func(string)) *lineLogger {
	return &lineLogger{t: t, prefix: prefix, onLine: onLine}
}

func (l *lineLogger) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.line(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	return len(b), nil
}

// Flush logs a last unterminated line, if any.
func (l *lineLogger) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.line(string(l.buf))
		l.buf = nil
	}
}

func (l *lineLogger) line(s string) {
	s = strings.TrimRight(s, "\r")
	l.t.Log(l.prefix + s)
	if l.onLine != nil {
		l.onLine(s)
	}
}

// TestJSFilesHaveGoTests fails when a js/**/*.test.mjs file is not run by any Go test, so a
// new suite cannot be forgotten.
func TestJSFilesHaveGoTests(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(e2eDir, "js", "*", "*.test.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	var goSrc strings.Builder
	goFiles, _ := filepath.Glob(filepath.Join(e2eDir, "*_test.go"))
	for _, f := range goFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		goSrc.Write(b)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(e2eDir, f)
		if !strings.Contains(goSrc.String(), strconv.Quote(filepath.ToSlash(rel))) {
			t.Errorf("%s is run by no Go test: add a func Test... calling runJS(t, %q, ...)", rel, filepath.ToSlash(rel))
		}
	}
}
