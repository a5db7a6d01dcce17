package socketio_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/socketio"
)

// sockets returns a channel fed with every socket connecting to ns.
func sockets(ns interface{ OnConnection(func(*socketio.Socket)) }) chan *socketio.Socket {
	ch := make(chan *socketio.Socket, 64)
	ns.OnConnection(func(s *socketio.Socket) { ch <- s })
	return ch
}

// C2: the reply to CONNECT is 40{"sid":...} with only the socket id, which
// is not the Engine.IO session id.
func TestC2ConnectReplyHasOnlySID(t *testing.T) {
	srv, ts := newServer(t, nil)
	conns := sockets(srv)
	c := dial(t, ts)
	c.send("0")
	f := c.next()
	if !strings.HasPrefix(f.text, "0{") {
		t.Fatalf("CONNECT answered with %v", f)
	}
	var reply map[string]any
	if err := json.Unmarshal([]byte(f.text[1:]), &reply); err != nil {
		t.Fatal(err)
	}
	sid, _ := reply["sid"].(string)
	if len(reply) != 1 || sid == "" {
		t.Fatalf("reply %s, want only a sid", f.text)
	}
	if sid == c.open["sid"] {
		t.Errorf("the socket id is the Engine.IO sid")
	}
	s := recv(t, conns)
	if s.ID() != sid || !s.Connected() || s.Namespace().Name() != "/" || s.Transport() != "websocket" {
		t.Errorf("socket %s connected=%v nsp=%s transport=%s; want %s, connected, /, websocket",
			s.ID(), s.Connected(), s.Namespace().Name(), s.Transport(), sid)
	}
	if got := s.Rooms(); len(got) != 1 || got[0] != sid {
		t.Errorf("a new socket is in rooms %q, want its own id only", got)
	}
}

// C2: a namespace other than "/" is named in the reply.
func TestC2ConnectToNamespace(t *testing.T) {
	srv, ts := newServer(t, nil)
	conns := sockets(srv.Of("/admin"))
	c := dial(t, ts)
	c.send("0/admin,")
	f := c.next()
	if !strings.HasPrefix(f.text, `0/admin,{"sid":"`) {
		t.Fatalf("got %v, want 40/admin,{\"sid\":...}", f)
	}
	if s := recv(t, conns); !strings.Contains(f.text, s.ID()) {
		t.Errorf("reply %s does not carry the socket id %s", f.text, s.ID())
	}
}

// C2: an unknown namespace gets 44/nsp,{"message":"Invalid namespace"} and
// the connection stays open.
func TestC2UnknownNamespace(t *testing.T) {
	srv, ts := newServer(t, nil)
	c := dial(t, ts)
	c.send("0/random")
	c.expect(`4/random,{"message":"Invalid namespace"}`)
	c.send("0/random,{\"token\":1}")
	c.expect(`4/random,{"message":"Invalid namespace"}`)
	c.connect("/", "")
	if got := srv.Stats().Refused; got != 2 {
		t.Errorf("Stats().Refused = %d, want 2", got)
	}
}

// C2: CONNECT may carry an auth object, handed over as the handshake's
// Auth; without one, Auth is {}.
func TestC2ConnectAuth(t *testing.T) {
	srv, ts := newServer(t, nil)
	main, custom := sockets(srv), sockets(srv.Of("/custom"))
	c := dial(t, ts, "foo=bar")
	c.connect("/", `{"token":"123","n":1.50}`)
	c.connect("/custom", `{"token":"abc"}`)
	s := recv(t, main)
	h := s.Handshake()
	if h.Auth["token"] != "123" || string(h.RawAuth) != `{"token":"123","n":1.50}` {
		t.Errorf("auth %v raw %s", h.Auth, h.RawAuth)
	}
	if h.Query.Get("foo") != "bar" || h.Query.Get("EIO") != "4" || !strings.Contains(h.URL, "foo=bar") {
		t.Errorf("query %v url %s", h.Query, h.URL)
	}
	if h.Address != "127.0.0.1" || h.Secure || h.Time.IsZero() || h.Issued() != h.Time.UnixMilli() {
		t.Errorf("address %q secure %v time %v", h.Address, h.Secure, h.Time)
	}
	if got := recv(t, custom).Handshake().Auth["token"]; got != "abc" {
		t.Errorf("auth of /custom: %v", got)
	}
	c2 := dial(t, ts)
	c2.connect("/", "")
	if h := recv(t, main).Handshake(); h.Auth == nil || len(h.Auth) != 0 || string(h.RawAuth) != "{}" {
		t.Errorf("without auth: %v %s, want {}", h.Auth, h.RawAuth)
	}
}

// C2: several namespaces share one connection, each with its own socket.
func TestC2Multiplexing(t *testing.T) {
	srv, ts := newServer(t, nil)
	got := make(chan string, 8)
	for _, name := range []string{"/", "/a", "/b"} {
		srv.Of(name).OnConnection(func(s *socketio.Socket) {
			s.On("where", func(e *socketio.Event) { got <- s.Namespace().Name() + " " + s.ID() })
		})
	}
	c := dial(t, ts)
	ids := map[string]string{}
	for _, name := range []string{"/", "/a", "/b"} {
		ids[name] = c.connect(name, "")
	}
	if ids["/"] == ids["/a"] || ids["/a"] == ids["/b"] {
		t.Errorf("namespaces share a socket id: %v", ids)
	}
	for _, name := range []string{"/b", "/", "/a"} {
		c.send("2" + nspPrefix(name) + `["where"]`)
		if g := recv(t, got); g != name+" "+ids[name] {
			t.Errorf("event for %s reached %s", name, g)
		}
	}
	if n := len(srv.Of("/a").Sockets()); n != 1 {
		t.Errorf("/a has %d sockets, want 1", n)
	}
}

// Middlewares run in the order added, before the connection handlers, and
// only for their namespace.
func TestMiddlewaresRunInOrder(t *testing.T) {
	srv, ts := newServer(t, nil)
	var mu sync.Mutex
	var order []string
	note := func(s string) {
		mu.Lock()
		order = append(order, s)
		mu.Unlock()
	}
	srv.Use(func(s *socketio.Socket) error { note("main 1"); s.SetData("from mw"); return nil })
	srv.Use(func(s *socketio.Socket) error {
		if s.Connected() {
			t.Error("connected before its middlewares ran")
		}
		note("main 2")
		return nil
	})
	srv.Of("/admin").Use(func(*socketio.Socket) error { note("admin"); return nil })
	data := make(chan any, 1)
	srv.OnConnection(func(s *socketio.Socket) { note("connection"); data <- s.Data() })
	c := dial(t, ts)
	c.connect("/", "")
	if d := recv(t, data); d != "from mw" {
		t.Errorf("data %v, want the middleware's", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(order, ", "); got != "main 1, main 2, connection" {
		t.Errorf("order: %s", got)
	}
}

// C2: a middleware error refuses the connection with 44{"message":...,
// "data":...}; the connection stays open and the namespace may be tried
// again.
func TestC2MiddlewareRefusal(t *testing.T) {
	srv, ts := newServer(t, nil)
	admin := srv.Of("/admin")
	var calls sync.Map
	tries := 0
	var mu sync.Mutex
	srv.Use(func(s *socketio.Socket) error {
		if s.Handshake().Auth["token"] != "secret" {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"code": 42}}
		}
		return nil
	})
	srv.Use(func(s *socketio.Socket) error { calls.Store("second", true); return nil })
	admin.Use(func(*socketio.Socket) error {
		mu.Lock()
		defer mu.Unlock()
		tries++
		if tries == 1 {
			return errors.New("plain error")
		}
		return nil
	})
	srv.OnConnection(func(s *socketio.Socket) {
		if s.Handshake().Auth["token"] != "secret" {
			t.Error("a refused socket reached OnConnection")
		}
	})
	c := dial(t, ts)
	c.send(`0{"token":"wrong"}`)
	c.expect(`4{"message":"not authorized","data":{"code":42}}`)
	if _, ok := calls.Load("second"); ok {
		t.Error("the middleware after the refusing one ran")
	}
	c.send("0/admin,")
	c.expect(`4/admin,{"message":"plain error"}`)
	c.connect("/admin", "")
	c.connect("/", `{"token":"secret"}`)
	if n := len(srv.Of("/").Sockets()); n != 1 {
		t.Errorf("%d sockets on /, want 1", n)
	}
}

// ConnectError data may be a string; other JSON values pass as they are.
func TestConnectErrorDataShapes(t *testing.T) {
	srv, ts := newServer(t, nil)
	srv.Use(func(s *socketio.Socket) error {
		switch s.Handshake().Auth["case"] {
		case "string":
			return &socketio.ConnectError{Message: "m", Data: "details"}
		case "false":
			return &socketio.ConnectError{Message: "m", Data: false}
		}
		return &socketio.ConnectError{Message: `quote " <tag>`}
	})
	c := dial(t, ts)
	c.send(`0{"case":"string"}`)
	c.expect(`4{"message":"m","data":"details"}`)
	c.send(`0{"case":"false"}`)
	c.expect(`4{"message":"m","data":false}`)
	c.send(`0`)
	c.expect(`4{"message":"quote \" <tag>"}`)
}

// Events sent right after CONNECT wait for the middlewares and connection
// handlers, and reach the handlers these register.
func TestEventsWaitForAdmission(t *testing.T) {
	srv, ts := newServer(t, nil)
	release := make(chan struct{})
	srv.Use(func(*socketio.Socket) error { <-release; return nil })
	got := make(chan string, 4)
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("early", func(e *socketio.Event) {
			var v string
			_ = e.Bind(&v)
			got <- v
		})
	})
	c := dial(t, ts)
	c.send("0")
	c.send(`2["early","one"]`)
	c.send(`2["early","two"]`)
	none(t, got)
	close(release)
	c.packet() // the CONNECT reply
	if a, b := recv(t, got), recv(t, got); a != "one" || b != "two" {
		t.Errorf("got %s, %s", a, b)
	}
}

// Dynamic namespaces: a matching name creates a child that runs its
// parent's middlewares and connection handlers; others are invalid.
func TestDynamicNamespaceOfRegexp(t *testing.T) {
	srv, ts := newServer(t, nil)
	parent := srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	mw := make(chan string, 4)
	parent.Use(func(s *socketio.Socket) error { mw <- s.Namespace().Name(); return nil })
	conns := sockets(parent)
	c := dial(t, ts)
	c.connect("/dyn-1", "")
	c.connect("/dyn-22", "")
	c.send("0/dyn-x,")
	c.expect(`4/dyn-x,{"message":"Invalid namespace"}`)
	names := map[string]bool{recv(t, conns).Namespace().Name(): true, recv(t, conns).Namespace().Name(): true}
	if !names["/dyn-1"] || !names["/dyn-22"] {
		t.Errorf("connected to %v", names)
	}
	recv(t, mw)
	recv(t, mw)
	if srv.Of("/dyn-1").Name() != "/dyn-1" || len(srv.Of("/dyn-1").Sockets()) != 1 {
		t.Error("the child namespace is not reachable with Of")
	}

	// A second client reuses the child.
	c2 := dial(t, ts)
	c2.connect("/dyn-1", "")
	recv(t, conns)

	// The parent's broadcasts reach every child, each in its own name.
	if err := parent.Emit("hi", 1); err != nil {
		t.Fatal(err)
	}
	got := []string{c.next().text, c.next().text}
	if !(got[0] == `2/dyn-1,["hi",1]` && got[1] == `2/dyn-22,["hi",1]` || got[1] == `2/dyn-1,["hi",1]` && got[0] == `2/dyn-22,["hi",1]`) {
		t.Errorf("parent broadcast: %q", got)
	}
	c2.expect(`2/dyn-1,["hi",1]`)
}

// A parent's broadcast operators select by room in every child.
func TestDynamicNamespaceParentBroadcastToRoom(t *testing.T) {
	srv, ts := newServer(t, nil)
	parent := srv.OfFunc(func(name string) bool { return strings.HasPrefix(name, "/team-") })
	handled := make(chan *socketio.Socket, 3)
	parent.OnConnection(func(s *socketio.Socket) {
		if s.Handshake().Auth["vip"] == true {
			s.Join("vip")
		}
		handled <- s
	})
	a, b := dial(t, ts), dial(t, ts)
	a.connect("/team-a", `{"vip":true}`)
	b.connect("/team-b", `{"vip":false}`)
	b2 := dial(t, ts)
	b2.connect("/team-b", `{"vip":true}`)
	// The CONNECT reply can reach a client before its connection handler
	// has run (as with the reference server): broadcast once all three have.
	for range 3 {
		recv(t, handled)
	}
	if err := parent.To("vip").Emit("news"); err != nil {
		t.Fatal(err)
	}
	a.expect(`2/team-a,["news"]`)
	b2.expect(`2/team-b,["news"]`)
	b.quiet()
}

// A dynamic namespace matcher that panics refuses the name.
func TestDynamicNamespaceMatcherPanic(t *testing.T) {
	srv, ts := newServer(t, nil)
	srv.OfFunc(func(name string) bool { panic("matcher") })
	c := dial(t, ts)
	c.send("0/x,")
	c.expect(`4/x,{"message":"Invalid namespace"}`)
	c.connect("/", "")
	if srv.Stats().Panics != 1 {
		t.Errorf("Stats().Panics = %d, want 1", srv.Stats().Panics)
	}
}

// C2: DISCONNECT from the client leaves that namespace only; nothing is
// sent back and the connection stays open, even with no namespace left.
func TestC2ClientDisconnectKeepsConnection(t *testing.T) {
	srv, ts := newServer(t, &socketio.Options{ConnectTimeout: 100 * time.Millisecond})
	reasons := make(chan string, 4)
	events := make(chan string, 4)
	for _, ns := range []*socketio.Namespace{srv.Of("/"), srv.Of("/admin")} {
		ns.OnConnection(func(s *socketio.Socket) {
			s.OnDisconnect(func(r string) { reasons <- s.Namespace().Name() + " " + r })
			s.On("ping", func(*socketio.Event) { events <- s.Namespace().Name() })
		})
	}
	c := dial(t, ts)
	c.connect("/", "")
	c.connect("/admin", "")
	c.send("1/admin,")
	if r := recv(t, reasons); r != "/admin client namespace disconnect" {
		t.Errorf("reason %q", r)
	}
	c.quiet()
	c.send(`2["ping"]`)
	if e := recv(t, events); e != "/" {
		t.Errorf("event reached %s", e)
	}
	c.send("1")
	if r := recv(t, reasons); r != "/ client namespace disconnect" {
		t.Errorf("reason %q", r)
	}
	// Past the connect timeout, with no namespace: still open.
	time.Sleep(200 * time.Millisecond)
	if !c.isOpen() {
		t.Fatal("the connection closed after the client left every namespace")
	}
	c.connect("/admin", "")
	c.send(`2/admin,["ping"]`)
	if e := recv(t, events); e != "/admin" {
		t.Errorf("event reached %s", e)
	}
}

// C2: a server-side disconnect sends 41[/nsp,] and keeps the connection.
func TestC2ServerDisconnectSendsDisconnect(t *testing.T) {
	srv, ts := newServer(t, nil)
	main, admin := sockets(srv), sockets(srv.Of("/admin"))
	c := dial(t, ts)
	c.connect("/", "")
	c.connect("/admin", "")
	sa := recv(t, admin)
	sm := recv(t, main)
	reason := make(chan string, 1)
	sa.OnDisconnect(func(r string) { reason <- r })
	sa.Disconnect(false)
	c.expect("1/admin,")
	if r := recv(t, reason); r != socketio.ReasonServerNamespaceDisconnect {
		t.Errorf("reason %q", r)
	}
	if sa.Connected() || !sm.Connected() {
		t.Errorf("connected: /admin %v, / %v", sa.Connected(), sm.Connected())
	}
	select {
	case <-sa.Done():
	default:
		t.Error("Done not closed after Disconnect")
	}
	sa.Disconnect(false) // again: nothing
	_ = sm.Emit("still", "here")
	c.expect(`2["still","here"]`)
	if err := sa.Emit("gone"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Errorf("emit to a disconnected socket: %v", err)
	}
	c.quiet()
}

// C2: a packet for a namespace the client has not joined closes the
// connection (REF "invalid state").
func TestC2PacketForUnjoinedNamespaceClosesConnection(t *testing.T) {
	for _, pkt := range []string{`2/admin,["x"]`, `3/admin,1[]`, `1/admin,`, `2["x"]`} {
		t.Run(pkt, func(t *testing.T) {
			srv, ts := newServer(t, nil)
			srv.Of("/admin")
			c := dial(t, ts)
			if !strings.HasPrefix(pkt, "2[") {
				c.connect("/", "")
			}
			c.send(pkt)
			c.waitClosed()
			if srv.Stats().ProtocolErrors != 1 {
				t.Errorf("ProtocolErrors = %d", srv.Stats().ProtocolErrors)
			}
		})
	}
}

// C2: a second CONNECT for a namespace already joined closes the
// connection.
func TestC2SecondConnectClosesConnection(t *testing.T) {
	srv, ts := newServer(t, nil)
	reasons := make(chan string, 1)
	srv.OnConnection(func(s *socketio.Socket) { s.OnDisconnect(func(r string) { reasons <- r }) })
	c := dial(t, ts)
	c.connect("/", "")
	c.send("0")
	c.waitClosed()
	if r := recv(t, reasons); r != socketio.ReasonForcedClose {
		t.Errorf("reason %q, want %q", r, socketio.ReasonForcedClose)
	}
}

// CONNECT_ERROR is for clients only; a client sending one is closed.
func TestConnectErrorFromClientClosesConnection(t *testing.T) {
	_, ts := newServer(t, nil)
	c := dial(t, ts)
	c.connect("/", "")
	c.send(`4{"message":"x"}`)
	c.waitClosed()
}

// C2: a client that joins no namespace within ConnectTimeout is closed;
// one that joins in time is not.
func TestC2ConnectTimeout(t *testing.T) {
	_, ts := newServer(t, &socketio.Options{ConnectTimeout: 100 * time.Millisecond})
	idle, joined, refused := dial(t, ts), dial(t, ts), dial(t, ts)
	joined.connect("/", "")
	refused.send("0/nope,")
	refused.expect(`4/nope,{"message":"Invalid namespace"}`)
	idle.waitClosed()
	refused.waitClosed()
	time.Sleep(150 * time.Millisecond)
	if !joined.isOpen() {
		t.Error("a client that joined a namespace was closed by the connect timeout")
	}
}

// A child of a dynamic namespace, reached with Of, takes its own
// middlewares and connection handlers, after its parent's.
func TestDynamicNamespaceChildHandlers(t *testing.T) {
	srv, ts := newServer(t, nil)
	parent := srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`))
	got := make(chan string, 8)
	parent.Use(func(*socketio.Socket) error { got <- "parent mw"; return nil })
	parent.OnConnection(func(*socketio.Socket) { got <- "parent connection" })
	c := dial(t, ts)
	c.connect("/dyn-1", "")
	recv(t, got)
	recv(t, got)

	child := srv.Of("/dyn-1")
	child.Use(func(s *socketio.Socket) error {
		if s.Handshake().Auth["ok"] != true {
			return errors.New("child says no")
		}
		got <- "child mw"
		return nil
	})
	child.OnConnection(func(*socketio.Socket) { got <- "child connection" })
	c2 := dial(t, ts)
	c2.send("0/dyn-1,")
	c2.expect(`4/dyn-1,{"message":"child says no"}`)
	if g := recv(t, got); g != "parent mw" {
		t.Errorf("got %q", g)
	}
	c2.connect("/dyn-1", `{"ok":true}`)
	var seq []string
	for range 4 {
		seq = append(seq, recv(t, got))
	}
	if s := strings.Join(seq, ", "); s != "parent mw, child mw, parent connection, child connection" {
		t.Errorf("ran %s", s)
	}
	// Another child is not affected.
	c2.connect("/dyn-2", "")
	if a, b := recv(t, got), recv(t, got); a != "parent mw" || b != "parent connection" {
		t.Errorf("other child ran %q, %q", a, b)
	}
	none(t, got)
}
