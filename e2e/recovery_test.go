package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/socketio"
)

// Connection state recovery with socket.io-client 4.8 (js/recovery/). The contract suite
// runs against the server under test started with -recovery; the suites that need other
// settings (a short maximum disconnection duration, volatile emits, middlewares) run
// against a small server built for them: on sio in-process, or js/recovery/custom-server.mjs
// under E2E_SERVER=node. Each suite runs over WebSocket and over polling.

var recoveryTransports = []string{"websocket", "polling"}

func TestRecovery_Contract(t *testing.T) {
	for _, tr := range recoveryTransports {
		t.Run(tr, func(t *testing.T) {
			baseURL, proc := startServer(t, "-recovery", "-ping-interval", "300ms", "-ping-timeout", "200ms")
			proxy := startCutProxy(t, baseURL)
			runNode(t, "js/recovery/recovery.test.mjs",
				"SERVER_URL="+baseURL, "SERVER_PID="+strconv.Itoa(proc.Pid()), "TRANSPORT="+tr,
				"PROXY_URL="+proxy.URL(), "PROXY_CONTROL="+proxy.ControlURL())
		})
	}
}

func TestRecovery_Expiry(t *testing.T) {
	for _, tr := range recoveryTransports {
		t.Run(tr, func(t *testing.T) {
			baseURL := startRecoveryServer(t, time.Second, false)
			runNode(t, "js/recovery/expiry.test.mjs", "SERVER_URL="+baseURL, "TRANSPORT="+tr, "MAX_DISCONNECTION_MS=1000")
		})
	}
}

func TestRecovery_Volatile(t *testing.T) {
	for _, tr := range recoveryTransports {
		t.Run(tr, func(t *testing.T) {
			baseURL := startRecoveryServer(t, time.Minute, false)
			runNode(t, "js/recovery/volatile.test.mjs", "SERVER_URL="+baseURL, "TRANSPORT="+tr)
		})
	}
}

func TestRecovery_Middlewares(t *testing.T) {
	for _, run := range []bool{false, true} {
		for _, tr := range recoveryTransports {
			name := "skipped/" + tr
			if run {
				name = "run/" + tr
			}
			t.Run(name, func(t *testing.T) {
				baseURL := startRecoveryServer(t, time.Minute, run)
				env := "RUN_MIDDLEWARES=0"
				if run {
					env = "RUN_MIDDLEWARES=1"
				}
				runNode(t, "js/recovery/middlewares.test.mjs", "SERVER_URL="+baseURL, "TRANSPORT="+tr, env)
			})
		}
	}
}

// TestRecovery_SioOnly checks what sio does beyond the Node reference: a restored session
// is used up, and broadcasts from concurrent goroutines (the Node server is
// single-threaded) keep their offsets in order.
func TestRecovery_SioOnly(t *testing.T) {
	if serverTag != "go" {
		t.Skipf("sio only (server %s)", serverTag)
	}
	for _, tr := range recoveryTransports {
		t.Run(tr, func(t *testing.T) {
			baseURL := startRecoveryServer(t, time.Minute, false)
			runNode(t, "js/recovery/sio.test.mjs", "SERVER_URL="+baseURL, "TRANSPORT="+tr)
		})
	}
}

// startRecoveryServer starts the server of the recovery suites other than the contract
// one (see js/recovery/custom-server.mjs for what it does) and returns its base URL.
func startRecoveryServer(t *testing.T, maxDisconnection time.Duration, runMiddlewares bool) string {
	t.Helper()
	switch serverTag {
	case "go":
		return startGoRecoveryServer(t, maxDisconnection, runMiddlewares)
	case "node":
		args := []string{filepath.Join(e2eDir, "js", "recovery", "custom-server.mjs"),
			"-max-disconnection-ms", strconv.FormatInt(maxDisconnection.Milliseconds(), 10)}
		if runMiddlewares {
			args = append(args, "-run-middlewares")
		}
		return startProcess(t, "node", args...)
	default:
		t.Skipf("needs a server built for the test; E2E_SERVER=%s is neither go nor node", serverTag)
		return ""
	}
}

func startGoRecoveryServer(t *testing.T, maxDisconnection time.Duration, runMiddlewares bool) string {
	t.Helper()
	logs := newLineLogger(t, "server: ", nil)
	t.Cleanup(logs.Flush)
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := socketio.NewServer(&socketio.Options{
		Engine: &engineio.Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond, Logger: logger},
		Recovery: &socketio.Recovery{
			MaxDisconnectionDuration: maxDisconnection,
			RunMiddlewares:           runMiddlewares,
		},
		Logger: logger,
	})
	var mwRuns atomic.Int64
	srv.Use(func(s *socketio.Socket) error {
		n := mwRuns.Add(1)
		if s.Data() == nil {
			s.SetData(map[string]any{"firstRun": n})
		}
		if d, ok := s.Handshake().Auth["delayMs"].(float64); ok && s.Recovered() {
			time.Sleep(time.Duration(d) * time.Millisecond)
		}
		return nil
	})
	srv.OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("hello")
		s.On("join", func(e *socketio.Event) {
			var room string
			_ = e.Bind(&room)
			s.Join(room)
			_ = e.Ack(s.Rooms())
		})
		s.On("to-room", func(e *socketio.Event) {
			var room string
			_ = e.Bind(&room)
			_ = s.To(room).Emit("room-message", e.RawArgs()[1:]...)
		})
		s.On("broadcast", func(e *socketio.Event) {
			_ = srv.Emit("broadcast", e.RawArgs()...)
			_ = e.Ack()
		})
		s.On("volatile", func(e *socketio.Event) {
			_ = srv.Volatile().Emit("volatile-message", e.RawArgs()...)
			_ = e.Ack()
		})
		s.On("echo", func(e *socketio.Event) { _ = e.Ack(e.RawArgs()...) })
		s.On("fetch-sockets", func(e *socketio.Event) {
			ids := []string{}
			for _, o := range srv.Of("/").Sockets() {
				ids = append(ids, o.ID())
			}
			_ = e.Ack(ids)
		})
		s.On("state", func(e *socketio.Event) {
			_ = e.Ack(map[string]any{
				"id": s.ID(), "mw": mwRuns.Load(), "data": s.Data(), "rooms": s.Rooms(), "recovered": s.Recovered(),
			})
		})
		// burst: {tag, room, goroutines, each}: emit `burst` {tag, n} to room from that
		// many goroutines at once, n = goroutine*each + i; ack when all are sent.
		s.On("burst", func(e *socketio.Event) {
			var req struct {
				Tag        string `json:"tag"`
				Room       string `json:"room"`
				Goroutines int    `json:"goroutines"`
				Each       int    `json:"each"`
			}
			if err := e.Bind(&req); err != nil {
				_ = e.Ack(err.Error())
				return
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			for g := range req.Goroutines {
				wg.Go(func() {
					<-start
					for i := range req.Each {
						_ = srv.To(req.Room).Emit("burst", map[string]any{"tag": req.Tag, "n": g*req.Each + i})
					}
				})
			}
			close(start)
			wg.Wait()
			_ = e.Ack()
		})
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
	})
	t.Logf("sio recovery server at %s (max disconnection %v, run middlewares %v)", hs.URL, maxDisconnection, runMiddlewares)
	return hs.URL
}

// startProcess starts a server command that prints `listening on http://...`, stops it at
// cleanup and returns its base URL.
func startProcess(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = e2eDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = time.Second
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
	t.Logf("starting %s %s", name, strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
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
	case u := <-ready:
		return u
	case <-p.done:
		t.Fatalf("server exited before listening: %v", p.waitErr)
	case <-time.After(serverStartTimeout):
		t.Fatalf("server did not print `listening on http://...` within %v", serverStartTimeout)
	}
	return ""
}

// cutProxy is a TCP proxy in front of a server whose connections can all be dropped at
// once, as when a network goes away: POST <ControlURL>down resets every connection through
// it (both sides) and refuses (resets) new ones; POST <ControlURL>up accepts them again.
type cutProxy struct {
	ln     net.Listener
	target string
	ctl    *httptest.Server
	wg     sync.WaitGroup

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
}

func startCutProxy(t *testing.T, baseURL string) *cutProxy {
	t.Helper()
	target := strings.TrimPrefix(baseURL, "http://")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, conns: make(map[net.Conn]struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /down", func(w http.ResponseWriter, _ *http.Request) {
		n := p.setDown(true)
		t.Logf("proxy: down, %d connections reset", n)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /up", func(w http.ResponseWriter, _ *http.Request) {
		p.setDown(false)
		t.Logf("proxy: up")
		w.WriteHeader(http.StatusNoContent)
	})
	p.ctl = httptest.NewServer(mux)
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		_ = p.ln.Close()
		p.setDown(true)
		p.wg.Wait()
		p.ctl.Close()
	})
	return p
}

// URL is the base URL clients use to go through the proxy.
func (p *cutProxy) URL() string { return "http://" + p.ln.Addr().String() }

// ControlURL is the base of the control endpoints (ends with a slash).
func (p *cutProxy) ControlURL() string { return p.ctl.URL + "/" }

func (p *cutProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.serve(c) })
	}
}

// track registers c unless the proxy is down, in which case it resets c.
func (p *cutProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		reset(c)
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *cutProxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
		_ = c.Close()
	}
}

func (p *cutProxy) serve(c net.Conn) {
	if !p.track(c) {
		return
	}
	u, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		p.untrack(c)
		return
	}
	if !p.track(u) {
		p.untrack(c)
		return
	}
	var once sync.Once
	done := make(chan struct{})
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		once.Do(func() { close(done) })
	}
	p.wg.Go(func() { pipe(u, c) })
	p.wg.Go(func() { pipe(c, u) })
	<-done
	p.untrack(c, u) // ends the other copy too
}

// setDown switches the proxy down (resetting every connection) or up; it returns how
// many connections were reset.
func (p *cutProxy) setDown(down bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if !down {
		return 0
	}
	n := len(p.conns)
	for c := range p.conns {
		reset(c)
		delete(p.conns, c)
	}
	return n
}

// reset closes c at once with a TCP reset, as a broken network would look to both ends.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
