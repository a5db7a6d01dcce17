package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/socketio"
)

// room is a server with clients a, b, c, d on "/": a in r1, b in r1 and r2,
// c in r2, d in no room.
type room struct {
	srv     *socketio.Server
	clients map[string]*tclient
	socks   map[string]*socketio.Socket
}

func newRoom(t *testing.T) *room {
	t.Helper()
	srv, ts := newServer(t, nil)
	joined := make(chan *socketio.Socket, 8)
	srv.OnConnection(func(s *socketio.Socket) {
		for _, r := range s.Handshake().Auth["rooms"].([]any) {
			s.Join(r.(string))
		}
		joined <- s
	})
	rm := &room{srv: srv, clients: map[string]*tclient{}, socks: map[string]*socketio.Socket{}}
	for _, spec := range []struct{ name, rooms string }{{"a", `["r1"]`}, {"b", `["r1","r2"]`}, {"c", `["r2"]`}, {"d", `[]`}} {
		c := dial(t, ts)
		c.connect("/", `{"name":"`+spec.name+`","rooms":`+spec.rooms+`}`)
		rm.clients[spec.name] = c
	}
	for range 4 {
		s := recv(t, joined)
		rm.socks[s.Handshake().Auth["name"].(string)] = s
	}
	return rm
}

// reached sends a marker to everyone, then returns the names of the
// clients that got what came before it, with the count of what they got.
func (rm *room) reached(t *testing.T) string {
	t.Helper()
	if err := rm.srv.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for name, c := range rm.clients {
		n := 0
		for c.next().text != `2["marker"]` {
			n++
		}
		if n > 0 {
			got = append(got, fmt.Sprintf("%s%d", name, n))
		}
	}
	sort.Strings(got)
	return strings.Join(got, " ")
}

// C6: To, Except and their combinations select by room; a socket in
// several selected rooms gets the event once.
func TestC6RoomsToExcept(t *testing.T) {
	rm := newRoom(t)
	srv := rm.srv
	for _, tc := range []struct {
		name string
		op   socketio.BroadcastOperator
		want string
	}{
		{"To", srv.To("r1"), "a1 b1"},
		{"In", srv.In("r2"), "b1 c1"},
		{"several rooms once", srv.To("r1", "r2"), "a1 b1 c1"},
		{"To twice", srv.To("r1").To("r2"), "a1 b1 c1"},
		{"Except", srv.Except("r2"), "a1 d1"},
		{"To Except", srv.To("r1").Except("r2"), "a1"},
		{"a socket's own room", srv.To(rm.socks["d"].ID()), "d1"},
		{"Except a socket", srv.Except(rm.socks["a"].ID(), "r2"), "d1"},
		{"nobody", srv.To("nobody"), ""},
		{"Of", srv.Of("/").To("r2").Except("r1"), "c1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.op.Emit("news", 1); err != nil {
				t.Fatal(err)
			}
			if got := rm.reached(t); got != tc.want {
				t.Errorf("reached %q, want %q", got, tc.want)
			}
		})
	}
	// Operators are values: deriving one leaves the other as it was.
	base := srv.To("r1")
	_ = base.To("r2")
	_ = base.Except("r1")
	_ = base.Emit("x")
	if got := rm.reached(t); got != "a1 b1" {
		t.Errorf("a derived operator changed its base: %q", got)
	}
}

// A socket's own broadcasts leave it out.
func TestSocketBroadcastExcludesSender(t *testing.T) {
	rm := newRoom(t)
	b := rm.socks["b"]
	for _, tc := range []struct {
		name string
		op   socketio.BroadcastOperator
		want string
	}{
		{"Broadcast", b.Broadcast(), "a1 c1 d1"},
		{"To", b.To("r1"), "a1"},
		{"In", b.In("r2"), "c1"},
		{"Except", b.Except("r1"), "c1 d1"},
		{"To several", b.To("r1", "r2"), "a1 c1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.op.Emit("news"); err != nil {
				t.Fatal(err)
			}
			if got := rm.reached(t); got != tc.want {
				t.Errorf("reached %q, want %q", got, tc.want)
			}
		})
	}
}

// Join, Leave and Rooms; a socket is always in its own room.
func TestJoinLeaveRooms(t *testing.T) {
	rm := newRoom(t)
	b := rm.socks["b"]
	b.Join("x", "y")
	b.Leave("r1")
	b.Leave("not joined")
	got := b.Rooms()
	sort.Strings(got)
	want := []string{"r2", "x", "y", b.ID()}
	sort.Strings(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rooms %q, want %q", got, want)
	}
	_ = rm.srv.To("r1").Emit("r1")
	if got := rm.reached(t); got != "a1" {
		t.Errorf("after Leave: %q", got)
	}
}

// Volatile and Local broadcasts, and volatile emits, reach ready clients.
func TestVolatileAndLocal(t *testing.T) {
	rm := newRoom(t)
	if err := rm.srv.Volatile().To("r1").Emit("v"); err != nil {
		t.Fatal(err)
	}
	if got := rm.reached(t); got != "a1 b1" {
		t.Errorf("volatile: %q", got)
	}
	if err := rm.srv.Local().Except("r1").Emit("l"); err != nil {
		t.Fatal(err)
	}
	if got := rm.reached(t); got != "c1 d1" {
		t.Errorf("local: %q", got)
	}
	if err := rm.srv.Compress(false).To("r2").Emit("c"); err != nil {
		t.Fatal(err)
	}
	if got := rm.reached(t); got != "b1 c1" {
		t.Errorf("compress: %q", got)
	}
	if err := rm.socks["c"].Volatile().Emit("mine", 1); err != nil {
		t.Fatal(err)
	}
	rm.clients["c"].expect(`2["mine",1]`)
	if err := rm.socks["d"].Broadcast().Volatile().Local().Emit("vl"); err != nil {
		t.Fatal(err)
	}
	if got := rm.reached(t); got != "a1 b1 c1" {
		t.Errorf("volatile local broadcast: %q", got)
	}
}

// answer makes c answer every ack request with its name, after delay.
func answer(c *tclient, name string, delay time.Duration, out *sync.WaitGroup) {
	out.Add(1)
	go func() {
		defer out.Done()
		for f := range c.in {
			text := f.text
			if !strings.HasPrefix(text, "2") || len(text) < 2 || text[1] < '0' || text[1] > '9' {
				continue
			}
			id := text[1:strings.IndexByte(text, '[')]
			time.Sleep(delay)
			c.send("3" + id + `["` + name + `"]`)
		}
	}()
}

// A broadcast with acks gathers one answer per selected socket; with a
// Timeout, a missing answer is ErrTimeout with the answers received.
func TestBroadcastEmitWithAck(t *testing.T) {
	rm := newRoom(t)
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, n := range []string{"a", "b", "c"} {
		answer(rm.clients[n], n, 0, &wg)
	}
	// d never answers.
	names := func(as []socketio.Args) string {
		var out []string
		for _, a := range as {
			var s string
			_ = a.Bind(&s)
			out = append(out, s)
		}
		sort.Strings(out)
		return strings.Join(out, " ")
	}
	got, err := rm.srv.To("r1", "r2").EmitWithAck(context.Background(), "q")
	if err != nil || names(got) != "a b c" {
		t.Errorf("To(r1, r2): %q %v", names(got), err)
	}
	got, err = rm.srv.To("nobody").EmitWithAck(context.Background(), "q")
	if err != nil || len(got) != 0 {
		t.Errorf("nobody: %v %v", got, err)
	}
	start := time.Now()
	got, err = rm.srv.Timeout(100*time.Millisecond).EmitWithAck(context.Background(), "q")
	if !errors.Is(err, socketio.ErrTimeout) || names(got) != "a b c" {
		t.Errorf("with a silent socket: %q %v, want a b c and ErrTimeout", names(got), err)
	}
	if time.Since(start) < 100*time.Millisecond {
		t.Error("returned before the timeout")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err = rm.srv.Except("r1").EmitWithAck(ctx, "q"); !errors.Is(err, socketio.ErrTimeout) {
		t.Errorf("ctx deadline: %v", err)
	}
	// d, the only one selected, is silent.
	got, err = rm.socks["a"].Broadcast().Except("r2").Timeout(50*time.Millisecond).EmitWithAck(context.Background(), "q")
	if !errors.Is(err, socketio.ErrTimeout) || len(got) != 0 {
		t.Errorf("socket broadcast to a silent socket: %q %v", names(got), err)
	}
	for _, c := range rm.clients {
		c.close()
	}
}

// FetchSockets describes the selected sockets; RemoteSocket acts on them.
func TestFetchSocketsAndRemoteSocket(t *testing.T) {
	rm := newRoom(t)
	rm.socks["a"].SetData(map[string]any{"user": "ann"})
	all, err := rm.srv.FetchSockets(context.Background())
	if err != nil || len(all) != 4 {
		t.Fatalf("FetchSockets: %d %v", len(all), err)
	}
	r2, err := rm.srv.In("r2").FetchSockets(context.Background())
	if err != nil || len(r2) != 2 {
		t.Fatalf("In(r2): %d %v", len(r2), err)
	}
	got, err := rm.srv.To("r1").Except("r2").FetchSockets(context.Background())
	if err != nil || len(got) != 1 {
		t.Fatalf("To(r1).Except(r2): %d %v", len(got), err)
	}
	ra := got[0]
	a := rm.socks["a"]
	if ra.ID() != a.ID() || fmt.Sprint(ra.Data()) != "map[user:ann]" {
		t.Errorf("remote socket %s %v", ra.ID(), ra.Data())
	}
	if h, ok := ra.Handshake().(*socketio.Handshake); !ok || h != a.Handshake() {
		t.Errorf("handshake %T", ra.Handshake())
	}
	rooms := ra.Rooms()
	sort.Strings(rooms)
	if want := []string{a.ID(), "r1"}; fmt.Sprint(rooms) != fmt.Sprint(sortedCopy(want)) {
		t.Errorf("rooms %q", rooms)
	}

	if err := ra.Emit("direct", 1); err != nil {
		t.Fatal(err)
	}
	rm.clients["a"].expect(`2["direct",1]`)
	if err := ra.Join("x"); err != nil {
		t.Fatal(err)
	}
	_ = rm.srv.To("x").Emit("x")
	if got := rm.reached(t); got != "a1" {
		t.Errorf("after remote Join: %q", got)
	}
	if err := ra.Leave("x", "r1"); err != nil {
		t.Fatal(err)
	}
	_ = rm.srv.To("x", "r1").Emit("x")
	if got := rm.reached(t); got != "b1" {
		t.Errorf("after remote Leave: %q", got)
	}
	reason := make(chan string, 1)
	a.OnDisconnect(func(r string) { reason <- r })
	if err := ra.Disconnect(false); err != nil {
		t.Fatal(err)
	}
	rm.clients["a"].expect("1")
	if r := recv(t, reason); r != socketio.ReasonServerNamespaceDisconnect {
		t.Errorf("reason %q", r)
	}
}

func sortedCopy(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

// SocketsJoin, SocketsLeave and DisconnectSockets act on the selection.
func TestSocketsJoinLeaveDisconnect(t *testing.T) {
	rm := newRoom(t)
	if err := rm.srv.In("r1").SocketsJoin("j"); err != nil {
		t.Fatal(err)
	}
	if err := rm.srv.Except("r1").SocketsJoin("k"); err != nil {
		t.Fatal(err)
	}
	_ = rm.srv.To("j").Emit("j")
	if got := rm.reached(t); got != "a1 b1" {
		t.Errorf("j: %q", got)
	}
	if err := rm.srv.In("r2").SocketsLeave("j", "r2"); err != nil {
		t.Fatal(err)
	}
	_ = rm.srv.To("j", "r2").Emit("j")
	if got := rm.reached(t); got != "a1" {
		t.Errorf("after SocketsLeave: %q", got)
	}
	if err := rm.srv.SocketsJoin("everyone"); err != nil {
		t.Fatal(err)
	}
	if err := rm.srv.SocketsLeave("everyone"); err != nil {
		t.Fatal(err)
	}
	_ = rm.srv.To("everyone").Emit("e")
	if got := rm.reached(t); got != "" {
		t.Errorf("after everyone left: %q", got)
	}

	reasons := make(chan string, 4)
	for name, s := range rm.socks {
		s.OnDisconnect(func(r string) { reasons <- name + " " + r })
	}
	// k holds c and d: c is disconnected from "/", d's whole connection closes.
	if err := rm.srv.In(rm.socks["c"].ID()).DisconnectSockets(false); err != nil {
		t.Fatal(err)
	}
	rm.clients["c"].expect("1")
	if err := rm.srv.In("k").DisconnectSockets(true); err != nil {
		t.Fatal(err)
	}
	rm.clients["d"].waitClosed()
	got := []string{recv(t, reasons), recv(t, reasons)}
	sort.Strings(got)
	if fmt.Sprint(got) != "[c server namespace disconnect d server namespace disconnect]" {
		t.Errorf("reasons %q", got)
	}
	if !rm.clients["c"].isOpen() {
		t.Error("c's connection closed by a namespace disconnect")
	}
	if n := len(rm.srv.Of("/").Sockets()); n != 2 {
		t.Errorf("%d sockets left, want 2", n)
	}
	if err := rm.srv.DisconnectSockets(false); err != nil {
		t.Fatal(err)
	}
	rm.clients["a"].expect("1")
	rm.clients["b"].expect("1")
	eventually(t, func() bool { return len(rm.srv.Of("/").Sockets()) == 0 }, "every socket gone")
}

// Alone, ServerSideEmit has nobody to tell: no error, no answer.
func TestServerSideEmitAlone(t *testing.T) {
	srv, _ := newServer(t, nil)
	srv.Of("/").OnServerSideEmit("hello", func(*socketio.Event) { t.Error("a node heard itself") })
	if err := srv.ServerSideEmit("hello", 1); err != nil {
		t.Fatal(err)
	}
	got, err := srv.ServerSideEmitWithAck(context.Background(), "hello")
	if err != nil || len(got) != 0 {
		t.Errorf("ServerSideEmitWithAck: %v %v", got, err)
	}
	if err := srv.ServerSideEmit("bad", make(chan int)); err == nil {
		t.Error("unencodable server-side emit accepted")
	}
}
