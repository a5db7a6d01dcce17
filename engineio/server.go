package engineio

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio/parser"
)

// Server is an Engine.IO v4 server. Mount it where the clients expect it
// (by default /engine.io/; Socket.IO uses /socket.io/): it serves every
// request under that path.
type Server struct {
	opts    Options
	handler Handler

	mu       sync.RWMutex
	sessions map[string]*Session   // by sid, until closed
	active   map[*Session]struct{} // until finished (a closing session may linger)
	shutdown bool

	live       sync.WaitGroup // sessions not yet over
	goroutines sync.WaitGroup // flushers, writers and close notifiers
	flushers   flushers
	poller     poller // parks the readers of idle WebSockets
	lenders    lenders
	stats      counters
}

// NewServer returns a server that hands its sessions to h. opts may be nil.
func NewServer(h Handler, opts *Options) *Server {
	return &Server{
		opts:     opts.withDefaults(),
		handler:  h,
		sessions: make(map[string]*Session),
		active:   make(map[*Session]struct{}),
	}
}

// Options returns the server's options with defaults filled in.
func (srv *Server) Options() Options { return srv.opts }

// Stats returns a snapshot of the server's counters.
func (srv *Server) Stats() Stats { return srv.stats.snapshot() }

// Len is the number of open sessions.
func (srv *Server) Len() int {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return len(srv.sessions)
}

// ServeHTTP implements http.Handler.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if srv.opts.CORS != nil && srv.cors(w, r) {
		return
	}
	q := r.URL.RawQuery
	if queryValue(q, "EIO") != "4" {
		srv.writeError(w, CodeUnsupported, "")
		return
	}
	transport := queryValue(q, "transport")
	if !srv.opts.allows(transport) {
		srv.writeError(w, CodeUnknownTransport, "")
		return
	}
	upgrade := isWebSocketRequest(r)
	if (transport == WebSocket) != upgrade {
		srv.writeError(w, CodeBadRequest, "")
		return
	}
	sid := queryValue(q, "sid")
	if sid == "" {
		srv.handshake(w, r, transport)
		return
	}
	s := srv.session(sid)
	if s == nil {
		srv.writeError(w, CodeUnknownSID, "")
		return
	}
	if upgrade {
		srv.upgrade(w, r, s)
		return
	}
	if s.Transport() != Polling {
		srv.writeError(w, CodeBadRequest, "")
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.poll(w, r)
	case http.MethodPost:
		s.post(w, r)
	default:
		srv.writeError(w, CodeBadRequest, "")
	}
}

func isWebSocketRequest(r *http.Request) bool {
	return r.Method == http.MethodGet &&
		headerHasToken(r.Header, "Connection", "upgrade") &&
		headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

func (srv *Server) handshake(w http.ResponseWriter, r *http.Request, transport string) {
	if r.Method != http.MethodGet {
		srv.writeError(w, CodeBadHandshake, "")
		return
	}
	if srv.opts.AllowRequest != nil {
		if err := srv.opts.AllowRequest(r); err != nil {
			srv.writeError(w, CodeForbidden, err.Error())
			return
		}
	}
	if srv.stopping() {
		// Before any WebSocket handshake, so the client fails at once.
		http.Error(w, ReasonShuttingDown, http.StatusServiceUnavailable)
		return
	}
	s := newSession(srv, newID(), transport, r)
	if ck := srv.opts.Cookie; ck != nil {
		http.SetCookie(w, &http.Cookie{Name: ck.Name, Value: s.id, Path: ck.Path, HttpOnly: ck.HTTPOnly, SameSite: ck.SameSite})
	}
	if transport == WebSocket {
		if s.ws = srv.accept(w, r); s.ws == nil {
			return
		}
	}
	// From the moment the session is registered it may be closed (by
	// Server.Close, say); holding recvMu until Open has returned keeps
	// Closed from running first, so every Open gets its Closed.
	s.recvMu.Lock()
	if !srv.register(s) {
		s.recvMu.Unlock()
		if s.ws != nil {
			s.ws.closeNow(4000, ReasonShuttingDown)
		} else {
			http.Error(w, ReasonShuttingDown, http.StatusServiceUnavailable)
		}
		return
	}
	if testHookRegistered != nil {
		testHookRegistered(s)
	}
	s.mu.Lock()
	if !s.closed {
		// Queued without waking a writer: this goroutine writes it below,
		// after Open, with what Open sends.
		hello := parser.Packet{Type: parser.Open, Data: srv.openPacket(s.id, transport)}
		s.queue = append(s.queue, hello)
		s.queued += 1 + len(hello.Data)
		s.timer = time.AfterFunc(srv.opts.PingInterval, s.heartbeat)
	}
	s.mu.Unlock()
	s.open(srv.handler)
	// Even when Open panicked and closed the session, go on: the polling
	// client gets the close packet, the WebSocket reader ends the session.
	if transport == WebSocket {
		s.mu.Lock()
		s.unlockAndWrite()
		// Read on a goroutine of its own and let the HTTP server's end:
		// while a handler runs, net/http keeps the connection's 4 KiB
		// read and write buffers, the response's and a deep stack.
		go s.readLoop(s.ws)
		return
	}
	s.poll(w, r)
}

// testHookRegistered, when set by a test, runs between the registration of
// a new session and the call of Handler.Open.
var testHookRegistered func(*Session)

// open asks h for the session's receiver; it is called with recvMu held and
// releases it. A panicking handler closes the session (and, having no
// receiver, gets no Closed).
func (s *Session) open(h Handler) {
	defer s.recvMu.Unlock()
	defer func() {
		if v := recover(); v != nil {
			s.srv.opts.Logger.Error("engineio: panic in open handler", "sid", s.id, "panic", v)
			s.close(ReasonTransportError, fmt.Errorf("engineio: open handler panic: %v", v), false)
		}
	}()
	s.handler = h.Open(s)
}

func (srv *Server) openPacket(sid, transport string) []byte {
	// Written out rather than through encoding/json: it is on every
	// handshake, and sid is our own base64url, which needs no escaping.
	b := make([]byte, 0, 128)
	b = append(b, `{"sid":"`...)
	b = append(b, sid...)
	b = append(b, `","upgrades":[`...)
	if transport == Polling && !srv.opts.DisableUpgrades && srv.opts.allows(WebSocket) {
		b = append(b, `"`+WebSocket+`"`...)
	}
	b = append(b, `],"pingInterval":`...)
	b = strconv.AppendInt(b, srv.opts.PingInterval.Milliseconds(), 10)
	b = append(b, `,"pingTimeout":`...)
	b = strconv.AppendInt(b, srv.opts.PingTimeout.Milliseconds(), 10)
	b = append(b, `,"maxPayload":`...)
	b = strconv.AppendInt(b, int64(srv.opts.MaxPayload), 10)
	return append(b, '}')
}

// newID returns an unguessable session id: 120 random bits, 20 characters.
func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (srv *Server) register(s *Session) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.shutdown {
		return false
	}
	srv.sessions[s.id] = s
	srv.active[s] = struct{}{}
	srv.live.Add(1)
	srv.stats.opened.Add(1)
	srv.stats.transport(s.transport).Add(1)
	return true
}

func (srv *Server) session(id string) *Session {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return srv.sessions[id]
}

// forget makes the session's sid unknown.
func (srv *Server) forget(s *Session) {
	srv.mu.Lock()
	if srv.sessions[s.id] == s {
		delete(srv.sessions, s.id)
	}
	srv.mu.Unlock()
}

// remove drops a finished session.
func (srv *Server) remove(s *Session) {
	srv.mu.Lock()
	if srv.sessions[s.id] == s {
		delete(srv.sessions, s.id)
	}
	delete(srv.active, s)
	srv.mu.Unlock()
}

// Shutdown stops accepting sessions, closes every open one with "server
// shutting down" after flushing what is queued to it, and waits until all
// have ended or ctx is done; then it closes what is left.
func (srv *Server) Shutdown(ctx context.Context) error {
	for _, s := range srv.stop() {
		s.close(ReasonShuttingDown, nil, true)
	}
	srv.lenders.handOffAll() // a reader lent to a handler reads the goodbye
	done := make(chan struct{})
	go func() {
		srv.live.Wait()
		srv.poller.stop()
		srv.lenders.shutdown()
		srv.goroutines.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		srv.Close()
		<-done
		return ctx.Err()
	}
}

// Close ends every session at once, without flushing, and waits for their
// goroutines. It is idempotent.
func (srv *Server) Close() error {
	for _, s := range srv.stop() {
		s.close(ReasonShuttingDown, nil, false)
		// Also the sessions already closing gracefully: drop their
		// connections, and the polling ones lingering to say goodbye.
		s.abort()
		if s.Transport() == Polling {
			s.finish()
		}
	}
	srv.lenders.handOffAll() // a reader lent to a handler reads the end
	srv.live.Wait()
	srv.poller.stop()
	srv.lenders.shutdown()
	srv.goroutines.Wait()
	return nil
}

func (srv *Server) stopping() bool {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return srv.shutdown
}

// stop refuses new sessions and returns those not yet finished.
func (srv *Server) stop() []*Session {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	srv.shutdown = true
	all := make([]*Session, 0, len(srv.active))
	for s := range srv.active {
		all = append(all, s)
	}
	return all
}
