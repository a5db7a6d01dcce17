package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

var errInvalidState = errors.New("socketio: packet for a namespace in the wrong state")

// client is one Engine.IO connection and the sockets multiplexed on it.
type client struct {
	srv  *Server
	conn *engineio.Session
	dec  *parser.Decoder // used by the engine's reader only

	mu sync.Mutex
	// sockets are the connection's sockets, one per namespace: a
	// connection joins few, so a slice searched by name is smaller and
	// quicker than a map.
	sockets []*Socket
	timer   *time.Timer // connect timeout, until a socket is admitted
	closed  bool
}

func (srv *Server) newClient(conn *engineio.Session) engineio.SessionHandler {
	c := &client{
		srv:  srv,
		conn: conn,
		dec:  parser.NewDecoder(parser.Limits{MaxAttachments: srv.opts.MaxAttachments, MaxDepth: srv.opts.MaxDepth}),
	}
	c.timer = time.AfterFunc(srv.opts.ConnectTimeout, c.connectTimeout)
	return c
}

// socket returns the connection's socket of namespace nsp, if any; c.mu
// is held.
func (c *client) socket(nsp string) *Socket {
	for _, s := range c.sockets {
		if s.nsp.name == nsp {
			return s
		}
	}
	return nil
}

func (c *client) connectTimeout() {
	c.mu.Lock()
	idle := len(c.sockets) == 0
	c.mu.Unlock()
	if idle {
		c.srv.opts.Logger.Debug("socketio: no namespace joined in time", "sid", c.conn.ID())
		c.conn.Close()
	}
}

// Message implements engineio.SessionHandler. The engine hands data
// over, so a text packet is decoded in place: an event's arguments are
// slices of data, and the packet itself stays on the stack.
func (c *client) Message(data []byte, binary bool) {
	var pk parser.Packet
	whole, err := c.dec.DecodeOwned(&pk, data, binary)
	if err != nil {
		c.fail(err)
		return
	}
	if !whole {
		return // waiting for attachments
	}
	p := &pk
	c.mu.Lock()
	s := c.socket(p.Namespace)
	c.mu.Unlock()
	switch {
	case p.Type == parser.Connect:
		if s != nil {
			c.fail(errInvalidState)
			return
		}
		c.connect(p)
	case s == nil:
		c.fail(errInvalidState)
	case p.Type == parser.Event || p.Type == parser.BinaryEvent:
		e, err := newEvent(s, p)
		if err != nil {
			c.fail(err)
			return
		}
		e.recycle = c.srv.opts.RecycleAttachments && len(p.Attachments) > 0
		c.srv.stats.eventsIn.Add(1)
		if !s.inbox.pushEvent(e) {
			c.fail(fmt.Errorf("socketio: more than %d events waiting for handlers", c.srv.opts.MaxPendingEvents))
		}
	case p.Type == parser.Ack || p.Type == parser.BinaryAck:
		c.srv.stats.acksIn.Add(1)
		kept := pk // the ack's callback may keep it
		s.resolveAck(&kept)
	case p.Type == parser.Disconnect:
		c.remove(s)
		s.close(ReasonClientNamespaceDisconnect)
	default: // CONNECT_ERROR only goes to clients
		c.fail(errInvalidState)
	}
}

// newEvent makes the event of an EVENT or BINARY_EVENT packet, its
// attachments included, in one allocation for the common packet.
func newEvent(s *Socket, p *parser.Packet) (*Event, error) {
	b := &eventBox{}
	raw, err := parser.AppendElements(b.raw[:0], p.Data)
	if err != nil || len(raw) == 0 {
		return nil, fmt.Errorf("%w: event without name", parser.ErrInvalidPacket)
	}
	e := &b.e
	e.socket = s
	e.Name = eventName(raw[0])
	e.Args = Args{raw: raw[1:], attachments: p.Attachments}
	if p.HasID {
		b.ack.id = p.ID
		e.ack = &b.ack
	}
	return e, nil
}

// fail closes a connection that broke the protocol.
func (c *client) fail(err error) {
	c.srv.stats.protocolErrors.Add(1)
	c.srv.opts.Logger.Warn("socketio: closing connection", "sid", c.conn.ID(), "err", err)
	c.conn.Close()
}

// connect handles a CONNECT: the socket is created at once, so the events
// that follow queue behind its middlewares and connection handlers.
func (c *client) connect(p *parser.Packet) {
	ns := c.srv.lookup(p.Namespace)
	if ns == nil {
		c.srv.stats.refused.Add(1)
		c.sendConnectError(p.Namespace, "Invalid namespace", nil)
		return
	}
	s := &Socket{
		id:        newSocketID(),
		nsp:       ns,
		client:    c,
		handshake: c.handshake(p.Data),
	}
	if c.srv.opts.Recovery != nil {
		s.pid = newToken()
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.sockets = append(c.sockets, s)
	c.mu.Unlock()
	s.inbox.push(s, func() {
		ns.admit(s)
		s.compactListeners() // the connection handlers' are in
	})
}

func (c *client) handshake(auth []byte) *Handshake {
	r := c.conn.Request()
	h := &Handshake{
		Headers: r.Header,
		Query:   r.URL.Query(),
		RawAuth: json.RawMessage("{}"),
		Auth:    map[string]any{},
		Time:    time.Now(),
		URL:     requestURI(r),
		Secure:  r.TLS != nil,
		XDomain: r.Header.Get("Origin") != "",
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		h.Address = host
	} else {
		h.Address = r.RemoteAddr
	}
	if len(auth) > 0 {
		h.RawAuth = json.RawMessage(auth)
		_ = json.Unmarshal(auth, &h.Auth)
	}
	return h
}

// requestURI is the target of r's request line as the client sent it,
// which the server's request keeps (no copy is made), or else the one
// its URL gives.
func requestURI(r *http.Request) string {
	if u := r.RequestURI; u != "" && u[0] == '/' {
		return u
	}
	return r.URL.RequestURI()
}

func (c *client) sendConnectError(nsp, message string, data any) {
	// {"message":...,"data":...} in that order, as the reference writes it.
	b := parser.AppendString(append(make([]byte, 0, 64), `{"message":`...), message)
	if data != nil {
		var atts [][]byte
		if withData, err := parser.AppendValue(append(b, `,"data":`...), data, &atts); err == nil && len(atts) == 0 {
			b = withData
		}
	}
	b = append(b, '}')
	_ = c.send(frames(&parser.Packet{Type: parser.ConnectError, Namespace: nsp, Data: b}), false)
}

// send queues msgs for the session's writer, which coalesces what a burst
// (a broadcast) queues into one write.
func (c *client) send(msgs []engineio.Message, volatile bool) error {
	if volatile {
		c.conn.SendVolatile(msgs...)
		return nil
	}
	return c.conn.Send(msgs...)
}

// sendNow writes msgs to this one client at once when it is idle, with no
// goroutine hand-off: for replies and emits to a single socket.
func (c *client) sendNow(msgs []engineio.Message, volatile bool) error {
	c.srv.lend(msgs)
	if volatile {
		c.conn.SendVolatile(msgs...)
		return nil
	}
	return c.conn.SendNow(msgs...)
}

// admitted records that a socket joined its namespace.
func (c *client) admitted() { c.stopTimer() }

// stopTimer stops the connect timeout and lets it go: a connection keeps
// no timer once a socket is in.
func (c *client) stopTimer() {
	c.mu.Lock()
	t := c.timer
	c.timer = nil
	c.mu.Unlock()
	if t != nil {
		t.Stop()
	}
}

// remove forgets s; its namespace may be joined again.
func (c *client) remove(s *Socket) {
	c.mu.Lock()
	if i := slices.Index(c.sockets, s); i >= 0 {
		c.sockets = slices.Delete(c.sockets, i, i+1)
	}
	c.mu.Unlock()
}

// disconnectAll disconnects every socket of the connection, then closes it.
func (c *client) disconnectAll() {
	for _, s := range c.take() {
		s.disconnect()
		// One still in its middlewares is not connected: end it too, or
		// it would join its namespace once they return.
		s.close(ReasonServerNamespaceDisconnect)
	}
	c.conn.Close()
}

// take forgets every socket of the connection and returns them.
func (c *client) take() []*Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	all := c.sockets
	c.sockets = nil
	return all
}

// Closed implements engineio.SessionHandler.
func (c *client) Closed(reason string, _ error) {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.stopTimer()
	for _, s := range c.take() {
		s.close(reason)
	}
}

// newSocketID returns an unguessable socket id, distinct from any sid.
func newSocketID() string { return newToken() }
