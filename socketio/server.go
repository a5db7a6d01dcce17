package socketio

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"regexp"
	"runtime/debug"
	"sync"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// Server is a Socket.IO server, an http.Handler to mount at /socket.io/.
// The methods it shares with [Namespace] act on the main namespace "/".
type Server struct {
	opts Options
	eio  *engineio.Server
	main *Namespace

	mu      sync.RWMutex
	nsps    map[string]*Namespace
	parents []*Namespace // dynamic namespaces, in the order added

	wg      sync.WaitGroup // socket inboxes
	workers *workers       // run the inboxes
	stats   counters
}

// NewServer returns a server with the given options (nil for defaults).
func NewServer(opts *Options) *Server {
	srv := &Server{opts: opts.withDefaults(), nsps: make(map[string]*Namespace), workers: newWorkers()}
	eopts := srv.opts.Engine
	if eopts == nil {
		eopts = &engineio.Options{}
	}
	if eopts.Logger == nil {
		c := *eopts
		c.Logger = srv.opts.Logger
		eopts = &c
	}
	srv.eio = engineio.NewServer(engineio.HandlerFunc(srv.newClient), eopts)
	srv.main = srv.Of("/")
	return srv
}

// ServeHTTP implements http.Handler.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { srv.eio.ServeHTTP(w, r) }

// Engine is the underlying Engine.IO server.
func (srv *Server) Engine() *engineio.Server { return srv.eio }

// Of returns the namespace name, creating it if needed.
func (srv *Server) Of(name string) *Namespace {
	if name == "" || name[0] != '/' {
		name = "/" + name
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	ns := srv.nsps[name]
	if ns == nil {
		ns = newNamespace(srv, name)
		srv.nsps[name] = ns
	}
	return ns
}

// OfFunc declares dynamic namespaces: a client may connect to any name
// match accepts. The returned parent's middlewares and connection handlers
// apply to every namespace it creates, and its broadcasts reach them all.
func (srv *Server) OfFunc(match func(name string) bool) *Namespace {
	ns := &Namespace{srv: srv, match: match, sockets: make(map[string]*Socket)}
	ns.adapter = srv.opts.Adapter(adapterView{ns})
	srv.mu.Lock()
	srv.parents = append(srv.parents, ns)
	srv.mu.Unlock()
	return ns
}

// OfRegexp declares dynamic namespaces whose names match re.
func (srv *Server) OfRegexp(re *regexp.Regexp) *Namespace { return srv.OfFunc(re.MatchString) }

// lookup finds the namespace a client asks for, creating a child of a
// dynamic namespace when one accepts the name.
func (srv *Server) lookup(name string) *Namespace {
	srv.mu.RLock()
	ns := srv.nsps[name]
	parents := srv.parents
	srv.mu.RUnlock()
	if ns != nil {
		return ns
	}
	for _, p := range parents {
		ok := false
		srv.safely("dynamic namespace matcher", func() { ok = p.match(name) })
		if !ok {
			continue
		}
		srv.mu.Lock()
		if ns = srv.nsps[name]; ns == nil {
			ns = newNamespace(srv, name)
			ns.parent = p
			srv.nsps[name] = ns
			p.mu.Lock()
			p.children = append(p.children, ns)
			p.mu.Unlock()
		}
		srv.mu.Unlock()
		return ns
	}
	return nil
}

func (ns *Namespace) isParent() bool { return ns.match != nil }

func (ns *Namespace) childList() []*Namespace {
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	return ns.children
}

// Use adds a middleware to the main namespace.
func (srv *Server) Use(mw Middleware) { srv.main.Use(mw) }

// OnConnection registers fn for sockets connecting to the main namespace.
func (srv *Server) OnConnection(fn func(*Socket)) { srv.main.OnConnection(fn) }

// To selects sockets of the main namespace in rooms for a broadcast.
func (srv *Server) To(rooms ...string) BroadcastOperator { return srv.main.To(rooms...) }

// In is To.
func (srv *Server) In(rooms ...string) BroadcastOperator { return srv.main.In(rooms...) }

// Except selects sockets of the main namespace not in rooms.
func (srv *Server) Except(rooms ...string) BroadcastOperator { return srv.main.Except(rooms...) }

// Volatile starts a volatile broadcast on the main namespace.
func (srv *Server) Volatile() BroadcastOperator { return srv.main.Volatile() }

// Timeout starts a broadcast on the main namespace whose EmitWithAck
// waits at most d.
func (srv *Server) Timeout(d time.Duration) BroadcastOperator { return srv.main.Timeout(d) }

// Local starts a broadcast on the main namespace of this node only.
func (srv *Server) Local() BroadcastOperator { return srv.main.Local() }

// Compress starts a broadcast on the main namespace with the compress flag.
func (srv *Server) Compress(c bool) BroadcastOperator { return srv.main.Compress(c) }

// Emit sends event to every socket of the main namespace.
func (srv *Server) Emit(event string, args ...any) error { return srv.main.Emit(event, args...) }

// EmitWithAck sends event to every socket of the main namespace and
// gathers their acknowledgements.
func (srv *Server) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	return srv.main.EmitWithAck(ctx, event, args...)
}

// FetchSockets describes every socket of the main namespace.
func (srv *Server) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return srv.main.FetchSockets(ctx)
}

// SocketsJoin makes every socket of the main namespace join rooms.
func (srv *Server) SocketsJoin(rooms ...string) error { return srv.main.SocketsJoin(rooms...) }

// SocketsLeave makes every socket of the main namespace leave rooms.
func (srv *Server) SocketsLeave(rooms ...string) error { return srv.main.SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of the main namespace.
func (srv *Server) DisconnectSockets(close bool) error { return srv.main.DisconnectSockets(close) }

// ServerSideEmit sends event to the main namespace of the other nodes.
func (srv *Server) ServerSideEmit(event string, args ...any) error {
	return srv.main.ServerSideEmit(event, args...)
}

// ServerSideEmitWithAck is ServerSideEmit, gathering each node's answer.
func (srv *Server) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	return srv.main.ServerSideEmitWithAck(ctx, event, args...)
}

// Shutdown disconnects every client with "server shutting down", after
// flushing what is queued to them, and waits until all are gone and their
// handlers have returned, or ctx is done.
func (srv *Server) Shutdown(ctx context.Context) error {
	err := srv.eio.Shutdown(ctx)
	done := make(chan struct{})
	go func() { srv.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	srv.closeAdapters()
	srv.workers.close()
	return err
}

// Close disconnects every client at once and waits for their handlers. It
// is idempotent.
func (srv *Server) Close() error {
	err := srv.eio.Close()
	srv.wg.Wait()
	srv.closeAdapters()
	srv.workers.close()
	return err
}

func (srv *Server) closeAdapters() {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	for _, ns := range srv.nsps {
		_ = ns.adapter.Close()
	}
	for _, ns := range srv.parents {
		_ = ns.adapter.Close()
	}
}

// safely runs user code, logging a panic instead of dying of it.
func (srv *Server) safely(what string, fn func()) {
	defer func() {
		if v := recover(); v != nil {
			srv.stats.panics.Add(1)
			srv.opts.Logger.Error("socketio: panic in "+what, "panic", v, "stack", string(debug.Stack()))
		}
	}()
	fn()
}

// newToken returns 120 random bits as 20 URL-safe characters.
func newToken() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
