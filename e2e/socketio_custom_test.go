package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/socketio"
)

// Custom-server suites: the e2e test builds a socketio.Server in process with the handlers
// of js/socketio/custom-*.test.mjs (mountCustom below), serves it with httptest on a real
// loopback port and runs the JS file against it with socket.io-client. The JS side checks
// what the client sees; the server side writes "notes" (plain strings) that the Go test
// checks afterwards.
//
// js/socketio/custom-server.mjs is the same server on the official Node packages. With
// E2E_SERVER=node the suites run against it instead (its notes come on stdout as
// "note ..." lines), which proves the tests right.

// customOptions are the server options a custom suite needs.
type customOptions struct {
	pingInterval, pingTimeout time.Duration
}

// notes collects what the custom server saw, in order.
type notes struct {
	mu   sync.Mutex
	list []string
}

func (n *notes) add(format string, args ...any) {
	n.mu.Lock()
	n.list = append(n.list, fmt.Sprintf(format, args...))
	n.mu.Unlock()
}

func (n *notes) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.list)
}

func (n *notes) index(note string) int { return slices.Index(n.all(), note) }

// wait waits up to 10s for note to be written.
func (n *notes) wait(t *testing.T, note string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for n.index(note) < 0 {
		if time.Now().After(deadline) {
			t.Fatalf("server note %q never came; notes:\n  %s", note, strings.Join(n.all(), "\n  "))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// want fails unless every note of want was written, in that order.
func (n *notes) want(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		n.wait(t, w)
	}
	prev := -1
	for _, w := range want {
		i := n.index(w)
		if i < prev {
			t.Errorf("server note %q came before %q; notes:\n  %s", w, want[0], strings.Join(n.all(), "\n  "))
		}
		prev = i
	}
}

// none fails if a note matching re was written.
func (n *notes) none(t *testing.T, re string) {
	t.Helper()
	rx := regexp.MustCompile(re)
	for _, s := range n.all() {
		if rx.MatchString(s) {
			t.Errorf("unexpected server note %q (matches %s)", s, re)
		}
	}
}

// startCustom starts the custom server (in process, or custom-server.mjs with
// E2E_SERVER=node) and returns its base URL, its notes and, for the Go server, the
// socketio.Server (nil for node).
func startCustom(t *testing.T, o customOptions) (string, *notes, *socketio.Server) {
	t.Helper()
	_, _ = os.ReadFile(noCacheFile) // never cache: see noCacheFile in harness_test.go
	if serverTag == "node" {
		url, n := startNodeCustom(t, o)
		return url, n, nil
	}
	n := &notes{}
	opts := &socketio.Options{
		Engine: &engineio.Options{PingInterval: o.pingInterval, PingTimeout: o.pingTimeout, Logger: testLogger(t)},
		Logger: testLogger(t),
	}
	srv := socketio.NewServer(opts)
	mountCustom(srv, n)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	ts := httptest.NewUnstartedServer(mux)
	ts.Config.ErrorLog = nil
	ts.Start() // httptest listens on 127.0.0.1:0
	// Cleanups run last-in first-out: the socket.io server first (it ends the long-polling
	// requests httptest would wait for), then the HTTP server.
	t.Cleanup(ts.Close)
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("socketio.Server.Close: %v", err)
		}
	})
	return ts.URL, n, srv
}

// runCustomJS runs script against a fresh custom server once per transport mode; check
// then looks at the server's notes. The JS side gets SERVER_KIND=go or node.
func runCustomJS(t *testing.T, script string, o customOptions, check func(t *testing.T, n *notes)) {
	t.Helper()
	for _, mode := range sioTransports {
		t.Run(mode, func(t *testing.T) {
			url, n, _ := startCustom(t, o)
			kind := "go"
			if serverTag == "node" {
				kind = "node"
			}
			runNode(t, script, "SERVER_URL="+url, "TRANSPORT="+mode, "SERVER_KIND="+kind)
			if check != nil {
				check(t, n)
			}
		})
	}
}

// testLogger sends the server's logs to the test log until the test ends.
func testLogger(t *testing.T) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(w.stop)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func (w *testWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log("server log: " + strings.TrimRight(string(b), "\n"))
	}
	return len(b), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

var _ io.Writer = (*testWriter)(nil)

// startNodeCustom runs js/socketio/custom-server.mjs and collects its notes.
func startNodeCustom(t *testing.T, o customOptions) (string, *notes) {
	t.Helper()
	n := &notes{}
	args := []string{filepath.Join("js", "socketio", "custom-server.mjs"), "-addr", "127.0.0.1:0"}
	if o.pingInterval > 0 {
		args = append(args, "-ping-interval", o.pingInterval.String(), "-ping-timeout", o.pingTimeout.String())
	}
	cmd := exec.Command("node", args...)
	cmd.Dir = e2eDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = time.Second
	ready := make(chan string, 1)
	out := newLineLogger(t, "custom-server: ", func(line string) {
		if m := listeningRE.FindStringSubmatch(line); m != nil {
			select {
			case ready <- m[1]:
			default:
			}
		}
		if s, ok := strings.CutPrefix(line, "note "); ok {
			n.add("%s", s)
		}
	})
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting custom-server.mjs: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); out.Flush(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(serverStopTimeout):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	select {
	case url := <-ready:
		return url, n
	case <-done:
		t.Fatal("custom-server.mjs exited before listening")
	case <-time.After(serverStartTimeout):
		t.Fatal("custom-server.mjs did not print `listening on http://...`")
	}
	return "", nil
}

// ---------------------------------------------------------------------------------------
// The custom server. Every handler here has its twin in js/socketio/custom-server.mjs.

// authString reads a string field of the handshake auth ("" when absent).
func authString(s *socketio.Socket, key string) string {
	v, _ := s.Handshake().Auth[key].(string)
	return v
}

func mountCustom(srv *socketio.Server, n *notes) {
	mountMiddleware(srv, n)
	mountDynamic(srv, n)
	mountCatchAll(srv, n)
	for _, name := range []string{"/acks", "/gather-all", "/gather-partial"} {
		mountAcks(srv.Of(name), n)
	}
	mountRooms(srv.Of("/rooms"), n)
	for _, name := range []string{"/reasons", "/reasons-b"} {
		mountReasons(srv, srv.Of(name), n)
	}
	mountHandshake(srv.Of("/handshake"), n)
	mountPanics(srv, n)
	mountTyped(srv.Of("/typed"), n)
}

// /mw: three middlewares in order; auth.refuse makes one of them refuse.
func mountMiddleware(srv *socketio.Server, n *notes) {
	ns := srv.Of("/mw")
	step := func(name string, refuse func(tag string) error) socketio.Middleware {
		return func(s *socketio.Socket) error {
			tag := authString(s, "tag")
			n.add("mw /mw %s %s", name, tag)
			list, _ := s.Data().([]string)
			s.SetData(append(list, name))
			if authString(s, "refuse") == name {
				return refuse(tag)
			}
			return nil
		}
	}
	ns.Use(step("one", func(string) error { return errors.New("unused") }))
	ns.Use(step("two", func(tag string) error {
		return &socketio.ConnectError{
			Message: "refused by two",
			Data:    map[string]any{"code": 403, "tag": tag, "list": []any{1, "a", map[string]any{"b": nil}}},
		}
	}))
	ns.Use(step("three", func(string) error { return errors.New("refused by three") }))
	ns.Use(func(s *socketio.Socket) error {
		if authString(s, "refuse") == "string-data" {
			return &socketio.ConnectError{Message: "with string data", Data: "just a string"}
		}
		return nil
	})
	ns.OnConnection(func(s *socketio.Socket) {
		n.add("connected /mw %s", authString(s, "tag"))
		_ = s.Emit("order", s.Data())
	})

	// A middleware that panics must not let the connection through.
	p := srv.Of("/mw-panic")
	p.Use(func(s *socketio.Socket) error {
		n.add("mw /mw-panic %s", authString(s, "tag"))
		panic("middleware failure")
	})
	p.OnConnection(func(s *socketio.Socket) {
		n.add("connected /mw-panic %s", authString(s, "tag"))
		_ = s.Emit("welcome")
	})
}

// /dyn-<digits>: dynamic namespaces sharing the parent's middleware and handlers.
func mountDynamic(srv *socketio.Server, n *notes) {
	parent := srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	parent.Use(func(s *socketio.Socket) error {
		name := s.Namespace().Name()
		n.add("mw %s %s", name, authString(s, "tag"))
		if deny, _ := s.Handshake().Auth["deny"].(bool); deny {
			return &socketio.ConnectError{Message: "denied in " + name}
		}
		return nil
	})
	parent.OnConnection(func(s *socketio.Socket) {
		name := s.Namespace().Name()
		n.add("connected %s %s", name, authString(s, "tag"))
		_ = s.Emit("welcome", name)
		s.On("echo", func(e *socketio.Event) { _ = e.Ack(e.RawArgs()...) })
		s.On("parent-broadcast", func(e *socketio.Event) {
			_ = parent.Emit("from-parent", name)
			_ = e.Ack()
		})
		s.On("child-broadcast", func(e *socketio.Event) {
			_ = s.Namespace().Emit("from-child", name)
			_ = e.Ack()
		})
	})
}

// /any: catch-all listeners, incoming and outgoing.
func mountCatchAll(srv *socketio.Server, n *notes) {
	ns := srv.Of("/any")
	ns.OnConnection(func(s *socketio.Socket) {
		var mu sync.Mutex
		var in []any
		var out []string
		s.OnAny(func(e *socketio.Event) {
			n.add("any in %s", e.Name)
			mu.Lock()
			in = append(in, map[string]any{"name": e.Name, "args": e.Values(), "ack": e.WantsAck()})
			mu.Unlock()
		})
		s.OnAnyOutgoing(func(event string, _ []any) {
			n.add("any out %s", event)
			mu.Lock()
			out = append(out, event)
			mu.Unlock()
		})
		s.On("report-any", func(e *socketio.Event) {
			mu.Lock()
			defer mu.Unlock()
			_ = e.Ack(in)
		})
		s.On("emit-some", func(e *socketio.Event) {
			_ = s.Emit("out-1", 1)
			_ = s.Emit("out-2", "two", []byte{2})
			_ = s.Volatile().Emit("out-volatile")
			_ = ns.Emit("out-broadcast") // the reference's outgoing listeners see broadcasts too
			_ = s.Emit("out-3")
			_ = e.Ack()
		})
		s.On("report-out", func(e *socketio.Event) {
			mu.Lock()
			defer mu.Unlock()
			_ = e.Ack(out)
		})
	})
}

// /acks, /gather-*: server-side emits with acks, to one socket and to a namespace.
func mountAcks(ns *socketio.Namespace, n *notes) {
	ns.OnConnection(func(s *socketio.Socket) {
		s.On("ask-me", func(e *socketio.Event) {
			res, err := s.EmitWithTimeout(5*time.Second, "question", 1, "two", map[string]any{"three": 3}, []byte{4, 5})
			if err != nil {
				n.add("ask-me error %v", err)
				_ = e.Ack(err.Error())
				return
			}
			n.add("ask-me answered with %d args", res.Len())
			_ = e.Ack(append([]any{nil}, res.Values()...)...)
		})
		s.On("ask-ignored", func(e *socketio.Event) {
			var ms int
			_ = e.Bind(&ms)
			_, err := s.EmitWithTimeout(time.Duration(ms)*time.Millisecond, "ignore-me", "please")
			n.add("ask-ignored timeout=%t", errors.Is(err, socketio.ErrTimeout))
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			_ = e.Ack(errors.Is(err, socketio.ErrTimeout), msg)
		})
		s.On("ask-then-leave", func(e *socketio.Event) {
			start := time.Now()
			_, err := s.EmitWithTimeout(10*time.Second, "leave-now")
			// The client disconnects instead of answering: the wait ends at once.
			n.add("ask-then-leave disconnected=%t quick=%t", errors.Is(err, socketio.ErrDisconnected), time.Since(start) < 5*time.Second)
		})
		s.On("gather", func(e *socketio.Event) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			replies, err := ns.Timeout(2*time.Second).EmitWithAck(ctx, "poll", "which?")
			answers := make([]string, 0, len(replies))
			for _, r := range replies {
				var name string
				_ = r.Bind(&name)
				answers = append(answers, name)
			}
			slices.Sort(answers)
			timeout := errors.Is(err, socketio.ErrTimeout)
			n.add("gather %s answers=%d timeout=%t", ns.Name(), len(answers), timeout)
			_ = e.Ack(answers, timeout)
		})
	})
}

// /rooms: room selections of the server and of a socket.
func mountRooms(ns *socketio.Namespace, n *notes) {
	ns.OnConnection(func(s *socketio.Socket) {
		s.On("join", func(e *socketio.Event) {
			var rooms []string
			_ = e.Bind(&rooms)
			s.Join(rooms...)
			_ = e.Ack()
		})
		// emit (to []string, except []string, tag string, from "server" | "socket")
		s.On("emit", func(e *socketio.Event) {
			var to, except []string
			var tag, from string
			_ = e.Bind(&to, &except, &tag, &from)
			var op socketio.BroadcastOperator
			if from == "socket" {
				op = s.To(to...).Except(except...)
				if len(to) == 0 {
					op = s.Except(except...)
				}
			} else {
				op = ns.To(to...).Except(except...)
			}
			err := op.Emit("hit", tag)
			_ = e.Ack(err == nil)
		})
		s.On("volatile", func(e *socketio.Event) {
			_ = ns.Volatile().Emit("hit", "volatile")
			_ = e.Ack()
		})
		s.On("sockets-join", func(e *socketio.Event) {
			var room, extra string
			_ = e.Bind(&room, &extra)
			_ = ns.In(room).SocketsJoin(extra)
			_ = e.Ack()
		})
		s.On("sockets-leave", func(e *socketio.Event) {
			var room, extra string
			_ = e.Bind(&room, &extra)
			_ = ns.In(room).SocketsLeave(extra)
			_ = e.Ack()
		})
		s.On("disconnect-room", func(e *socketio.Event) {
			var room string
			_ = e.Bind(&room)
			_ = ns.In(room).DisconnectSockets(false)
			_ = e.Ack()
		})
	})
}

// sortedRooms lists rooms sorted, the socket's own id written "(self)".
func sortedRooms(id string, rooms []string) []string {
	out := make([]string, 0, len(rooms))
	for _, r := range rooms {
		if r == id {
			r = "(self)"
		}
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// /reasons, /reasons-b: disconnect reasons, reported to the "observers" room of /reasons.
func mountReasons(srv *socketio.Server, ns *socketio.Namespace, n *notes) {
	ns.OnConnection(func(s *socketio.Socket) {
		if observer, _ := s.Handshake().Auth["observer"].(bool); observer {
			s.Join("observers")
			return
		}
		tag := authString(s, "tag")
		if rooms, ok := s.Handshake().Auth["rooms"].([]any); ok {
			for _, r := range rooms {
				if r, ok := r.(string); ok {
					s.Join(r)
				}
			}
		}
		var disconnecting []string
		s.OnDisconnecting(func(reason string) {
			disconnecting = sortedRooms(s.ID(), s.Rooms())
			n.add("disconnecting %s %s %s rooms=%s", ns.Name(), tag, reason, jsonText(disconnecting))
		})
		s.OnDisconnect(func(reason string) {
			after := sortedRooms(s.ID(), s.Rooms())
			n.add("disconnect %s %s %s rooms=%s", ns.Name(), tag, reason, jsonText(after))
			_ = srv.Of("/reasons").To("observers").Emit("peer-gone", map[string]any{
				"nsp": ns.Name(), "tag": tag, "reason": reason, "disconnecting": disconnecting, "after": after,
			})
		})
		s.On("kick", func(*socketio.Event) { s.Disconnect(false) })
		s.On("kick-close", func(*socketio.Event) { s.Disconnect(true) })
		s.On("shutdown-server", func(e *socketio.Event) {
			_ = e.Ack()
			_ = s.Emit("bye", "see you")
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				err := srv.Shutdown(ctx)
				n.add("shutdown done err=%v", err)
			}()
		})
		n.add("connected %s %s", ns.Name(), tag)
		_ = s.Emit("ready", s.ID())
	})
}

// /handshake: what the server knows of the connection.
func mountHandshake(ns *socketio.Namespace, n *notes) {
	ns.OnConnection(func(s *socketio.Socket) {
		h := s.Handshake()
		n.add("handshake address=%s foo=%s header=%s auth=%s", h.Address, h.Query.Get("foo"), h.Headers.Get("X-Test"), string(h.RawAuth))
		_ = s.Emit("handshake", map[string]any{
			"address":   h.Address,
			"foo":       h.Query.Get("foo"),
			"eio":       h.Query.Get("EIO"),
			"transport": h.Query.Get("transport"),
			"header":    h.Headers.Get("X-Test"),
			"auth":      h.Auth,
			"issued":    h.Issued(),
			"secure":    h.Secure,
		})
		s.On("transport", func(e *socketio.Event) { _ = e.Ack(s.Transport()) })
	})
}

// /panic, /panic-connect: panics in handlers must not take the server down.
func mountPanics(srv *socketio.Server, n *notes) {
	srv.Of("/panic").OnConnection(func(s *socketio.Socket) {
		s.On("boom", func(*socketio.Event) {
			n.add("panic boom")
			panic("boom")
		})
		s.On("boom-ack", func(e *socketio.Event) {
			n.add("panic boom-ack")
			var p *socketio.Socket
			_ = p.ID() // nil dereference
			_ = e.Ack("never")
		})
		s.OnAny(func(e *socketio.Event) {
			if e.Name == "boom-any" {
				n.add("panic boom-any")
				panic(fmt.Errorf("catch-all %s", e.Name))
			}
		})
		s.On("echo", func(e *socketio.Event) { _ = e.Ack(e.RawArgs()...) })
	})
	pc := srv.Of("/panic-connect")
	pc.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(e *socketio.Event) { _ = e.Ack(e.RawArgs()...) })
		n.add("panic connection")
		panic("connection handler")
	})
}

// typedFile is a Go struct with binary fields, sent and bound by /typed.
type typedFile struct {
	Name  string         `json:"name"`
	File  []byte         `json:"file"`
	Parts [][]byte       `json:"parts"`
	Meta  map[string]any `json:"meta"`
}

// /typed: binary inside Go structs, typed slices and maps, both ways.
func mountTyped(ns *socketio.Namespace, n *notes) {
	ns.OnConnection(func(s *socketio.Socket) {
		s.On("send-typed", func(e *socketio.Event) {
			_ = s.Emit("typed-struct", typedFile{Name: "f", File: []byte{1, 2}, Parts: [][]byte{{3}, {4, 5}}, Meta: map[string]any{"bin": []byte{6}}})
			_ = s.Emit("typed-pointer", &typedFile{Name: "p", File: []byte{9}})
			_ = s.Emit("typed-slice", []map[string]any{{"b": []byte{7}}})
			_ = s.Emit("typed-map", map[string][]byte{"k": {8}})
			_ = e.Ack()
		})
		s.On("bind-typed", func(e *socketio.Event) {
			var in typedFile
			if err := e.Bind(&in); err != nil {
				n.add("bind-typed error %v", err)
				_ = e.Ack(err.Error())
				return
			}
			parts := make([]int, len(in.Parts))
			for i, p := range in.Parts {
				parts[i] = len(p)
			}
			n.add("bind-typed name=%s file=%v parts=%v", in.Name, in.File, parts)
			_ = e.Ack(nil, in.Name, len(in.File), parts, in.File)
		})
		s.On("bind-bytes", func(e *socketio.Event) {
			var b []byte
			if err := e.Bind(&b); err != nil {
				_ = e.Ack(err.Error())
				return
			}
			n.add("bind-bytes %v", b)
			_ = e.Ack(nil, b)
		})
	})
}

// ---------------------------------------------------------------------------------------
// The suites.

func TestSocketIO_Custom_Middleware(t *testing.T) {
	runCustomJS(t, "js/socketio/custom-middleware.test.mjs", customOptions{}, func(t *testing.T, n *notes) {
		n.want(t, "mw /mw one ok", "mw /mw two ok", "mw /mw three ok", "connected /mw ok")
		n.want(t, "mw /mw one refuse-two", "mw /mw two refuse-two")
		n.none(t, `^mw /mw three refuse-two$`)
		n.none(t, `^connected /mw refuse-`)
		n.want(t, "mw /mw one refuse-three", "mw /mw two refuse-three", "mw /mw three refuse-three")
		n.want(t, "mw /mw-panic panic")
		n.none(t, `^connected /mw-panic`)
	})
}

func TestSocketIO_Custom_DynamicNamespaces(t *testing.T) {
	runCustomJS(t, "js/socketio/custom-dynamic.test.mjs", customOptions{}, func(t *testing.T, n *notes) {
		n.want(t, "mw /dyn-1 a", "connected /dyn-1 a")
		n.want(t, "mw /dyn-22 b", "connected /dyn-22 b")
		n.want(t, "mw /dyn-3 denied")
		n.none(t, `^connected /dyn-3 `)
		n.none(t, `^(mw|connected) /(other|dyn-x|dyn-1/sub)`)
	})
}

func TestSocketIO_Custom_CatchAll(t *testing.T) {
	runCustomJS(t, "js/socketio/custom-catchall.test.mjs", customOptions{}, func(t *testing.T, n *notes) {
		n.want(t, "any in alpha", "any in beta", "any in gamma", "any in report-any")
		n.want(t, "any out out-1", "any out out-2", "any out out-volatile", "any out out-broadcast", "any out out-3")
	})
}

func TestSocketIO_Custom_ServerAcks(t *testing.T) {
	runCustomJS(t, "js/socketio/custom-acks.test.mjs", customOptions{}, func(t *testing.T, n *notes) {
		n.want(t, "ask-me answered with 5 args")
		n.want(t, "ask-ignored timeout=true")
		n.want(t, "gather /gather-all answers=3 timeout=false")
		n.want(t, "gather /gather-partial answers=3 timeout=true")
		if serverTag != "node" {
			// The reference has no such error: its ack callback times out later.
			n.want(t, "ask-then-leave disconnected=true quick=true")
		}
	})
}

func TestSocketIO_Custom_Rooms(t *testing.T) {
	runCustomJS(t, "js/socketio/custom-rooms.test.mjs", customOptions{}, nil)
}

func TestSocketIO_Custom_DisconnectReasons(t *testing.T) {
	runCustomJS(t, "js/socketio/custom-reasons.test.mjs", customOptions{}, func(t *testing.T, n *notes) {
		n.want(t,
			`disconnecting /reasons client-leaves client namespace disconnect rooms=["(self)","x","y"]`,
			`disconnect /reasons client-leaves client namespace disconnect rooms=[]`)
		n.want(t, `disconnect /reasons kicked server namespace disconnect rooms=[]`)
		// Disconnect(true) leaves the namespaces of the connection in no set order.
		n.want(t, `disconnect /reasons kick-close server namespace disconnect rooms=[]`)
		n.want(t, `disconnect /reasons-b kick-close-b server namespace disconnect rooms=[]`)
		n.want(t, `disconnect /reasons engine-closed transport close rooms=[]`)
	})
}

func TestSocketIO_Custom_PingTimeout(t *testing.T) {
	o := customOptions{pingInterval: 500 * time.Millisecond, pingTimeout: 500 * time.Millisecond}
	runCustomJS(t, "js/socketio/custom-ping-timeout.test.mjs", o, func(t *testing.T, n *notes) {
		n.want(t, `disconnect /reasons frozen ping timeout rooms=[]`)
	})
}

func TestSocketIO_Custom_ServerShutdown(t *testing.T) {
	runCustomJS(t, "js/socketio/custom-shutdown.test.mjs", customOptions{}, func(t *testing.T, n *notes) {
		n.want(t,
			`disconnecting /reasons one server shutting down rooms=["(self)","r1"]`,
			`disconnect /reasons one server shutting down rooms=[]`,
		)
		n.want(t, `disconnect /reasons-b two server shutting down rooms=[]`)
		if serverTag != "node" {
			n.want(t, "shutdown done err=<nil>")
		}
	})
}

func TestSocketIO_Custom_Handshake(t *testing.T) {
	runCustomJS(t, "js/socketio/custom-handshake.test.mjs", customOptions{}, func(t *testing.T, n *notes) {
		n.want(t, `handshake address=127.0.0.1 foo=bar header=hello auth={"token":"t-1","z":1,"a":[true]}`)
	})
}

func TestSocketIO_Custom_TypedBinary(t *testing.T) {
	runCustomJS(t, "js/socketio/custom-typed.test.mjs", customOptions{}, func(t *testing.T, n *notes) {
		n.want(t, "bind-typed name=up file=[10 11 12] parts=[1 2]", "bind-bytes [13 14]")
	})
}

func TestSocketIO_Custom_Panics(t *testing.T) {
	runCustomJS(t, "js/socketio/custom-panics.test.mjs", customOptions{}, func(t *testing.T, n *notes) {
		n.want(t, "panic boom", "panic boom-ack", "panic boom-any")
		n.want(t, "panic connection")
	})
}
