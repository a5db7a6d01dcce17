package socketio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/socketio"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// connected starts a server whose main namespace runs setup for every
// socket, and a client connected to it; it returns the server socket too.
func connected(t *testing.T, opts *socketio.Options, setup func(s *socketio.Socket)) (*socketio.Server, *tclient, *socketio.Socket) {
	t.Helper()
	srv, ts := newServer(t, opts)
	conns := make(chan *socketio.Socket, 1)
	srv.OnConnection(func(s *socketio.Socket) {
		if setup != nil {
			setup(s)
		}
		conns <- s
	})
	c := dial(t, ts)
	c.connect("/", "")
	return srv, c, recv(t, conns)
}

// C3: arguments of every JSON type reach the handler, decoded by Values
// and Bind, and RawArgs sends them back exactly as the client wrote them.
func TestC3EventArgumentsOfEveryJSONType(t *testing.T) {
	const args = `1,2.50,-3e2,"s\u00e9\n",true,false,null,{"z":1,"a":[1,{"b":null}]},[],{},12345678901234567890`
	type result struct {
		name   string
		values []any
		n      int
		f      float64
		e      float64
		s      string
		b1, b2 bool
		null   *string
		obj    map[string]any
		arr    []int
		big    json.Number
		err    error
	}
	got := make(chan result, 1)
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("types", func(e *socketio.Event) {
			r := result{name: e.Name, values: e.Values()}
			var empty map[string]any
			var raw json.RawMessage
			r.err = e.Bind(&r.n, &r.f, &r.e, &r.s, &r.b1, &r.b2, &r.null, &r.obj, &r.arr, &empty, &raw)
			r.big = json.Number(raw)
			got <- r
			_ = s.Emit("echo", e.RawArgs()...)
		})
	})
	c.send(`2["types",` + args + `]`)
	r := recv(t, got)
	if r.err != nil {
		t.Fatal(r.err)
	}
	want := []any{1.0, 2.5, -300.0, "s\u00e9\n", true, false, nil,
		map[string]any{"z": 1.0, "a": []any{1.0, map[string]any{"b": nil}}}, []any{}, map[string]any{}, 12345678901234567890.0}
	if r.name != "types" || !reflect.DeepEqual(r.values, want) {
		t.Errorf("Values() = %#v", r.values)
	}
	if r.n != 1 || r.f != 2.5 || r.e != -300 || r.s != "s\u00e9\n" || !r.b1 || r.b2 || r.null != nil ||
		r.obj["z"] != 1.0 || len(r.arr) != 0 || r.big != "12345678901234567890" {
		t.Errorf("Bind: %+v", r)
	}
	c.expect(`2["echo",` + args + `]`)
}

// Bind skips nil targets, leaves extra ones alone and reports type errors.
func TestBindTargets(t *testing.T) {
	got := make(chan []any, 1)
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("x", func(e *socketio.Event) {
			var b string
			extra := "untouched"
			err1 := e.Bind(nil, &b, &extra)
			var n int
			err2 := e.Bind(&n)
			err3 := e.Bind(b)
			got <- []any{b, extra, err1, err2, err3, e.Len()}
		})
	})
	c.send(`2["x","first","second"]`)
	r := recv(t, got)
	if r[0] != "second" || r[1] != "untouched" || r[2] != nil || r[3] == nil || r[4] == nil || r[5] != 2 {
		t.Errorf("got %v", r)
	}
}

// C1: an event name may be a number.
func TestC1NumericEventName(t *testing.T) {
	got := make(chan string, 1)
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("42", func(e *socketio.Event) {
			var v string
			_ = e.Bind(&v)
			got <- e.Name + " " + v
		})
	})
	c.send(`2[42,"x"]`)
	if g := recv(t, got); g != "42 x" {
		t.Errorf("got %q", g)
	}
}

type upload struct {
	Name  string   `json:"name"`
	Data  []byte   `json:"data"`
	Parts [][]byte `json:"parts"`
	Meta  struct {
		Thumb []byte `json:"thumb"`
	} `json:"meta"`
}

// C4: a BINARY_EVENT's attachments are reassembled before dispatch, and
// bind into []byte values anywhere, nested in structs too.
func TestC4BinaryEventFromClient(t *testing.T) {
	got := make(chan []any, 2)
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("upload", func(e *socketio.Event) {
			var u upload
			var flag bool
			err := e.Bind(&u, &flag)
			got <- []any{u, flag, err, e.Values()}
		})
		s.On("one", func(e *socketio.Event) {
			var b []byte
			err := e.Bind(&b)
			got <- []any{b, err}
		})
	})
	c.send(`51-["one",{"_placeholder":true,"num":0}]`)
	c.sendBinary([]byte{0, 1, 2, 255})
	r := recv(t, got)
	if !bytes.Equal(r[0].([]byte), []byte{0, 1, 2, 255}) || r[1] != nil {
		t.Errorf("one: %v", r)
	}

	c.send(`53-["upload",{"name":"pic","data":{"_placeholder":true,"num":0},` +
		`"parts":[{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}],"meta":{"thumb":{"_placeholder":true,"num":0}}},true]`)
	c.sendBinary([]byte("DATA"))
	c.sendBinary([]byte("p1"))
	c.sendBinary([]byte{})
	r = recv(t, got)
	u := r[0].(upload)
	if r[2] != nil || u.Name != "pic" || string(u.Data) != "DATA" || len(u.Parts) != 2 || string(u.Parts[0]) != "p1" ||
		len(u.Parts[1]) != 0 || string(u.Meta.Thumb) != "DATA" || r[1] != true {
		t.Errorf("upload: %+v", r)
	}
	vals := r[3].([]any)
	m := vals[0].(map[string]any)
	if string(m["data"].([]byte)) != "DATA" || string(m["parts"].([]any)[0].([]byte)) != "p1" {
		t.Errorf("Values: %#v", vals)
	}
}

// C4: []byte in emitted arguments, at any depth, becomes placeholders
// numbered depth-first and attachments sent after the text.
func TestC4BinaryEventToClient(t *testing.T) {
	_, c, s := connected(t, nil, nil)
	err := s.Emit("bin", []byte{1, 2}, map[string]any{"x": []any{[]byte{3}, "t"}, "a": 1}, "plain")
	if err != nil {
		t.Fatal(err)
	}
	c.expect(`52-["bin",{"_placeholder":true,"num":0},{"a":1,"x":[{"_placeholder":true,"num":1},"t"]},"plain"]`)
	c.expectBinary([]byte{1, 2})
	c.expectBinary([]byte{3})
	// A []byte field of a struct travels as binary too.
	_ = s.Emit("struct", upload{Name: "n", Data: []byte("hi")})
	c.expect(`51-["struct",{"name":"n","data":{"_placeholder":true,"num":0},"parts":null,"meta":{"thumb":null}}]`)
	c.expectBinary([]byte("hi"))
}

// C4: RawArgs hands binary arguments back as they came, key order and
// number text included.
func TestC4RawArgsEchoBinary(t *testing.T) {
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("echo", func(e *socketio.Event) { _ = s.Emit("echo", e.RawArgs()...) })
	})
	c.send(`52-["echo",{"z":1.0,"b":{"_placeholder":true,"num":1}},"s",[{"_placeholder":true,"num":0}]]`)
	c.sendBinary([]byte("zero"))
	c.sendBinary([]byte("one"))
	// The placeholders are renumbered depth-first, as every sent packet's.
	c.expect(`52-["echo",{"z":1.0,"b":{"_placeholder":true,"num":0}},"s",[{"_placeholder":true,"num":1}]]`)
	c.expectBinary([]byte("one"))
	c.expectBinary([]byte("zero"))
}

// RawArgs also echoes placeholders written unlike the official clients
// write them (whitespace, key order), as canonical ones.
func TestRawArgsEchoUnusualPlaceholders(t *testing.T) {
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("echo", func(e *socketio.Event) { _ = s.Emit("echo", e.RawArgs()...) })
	})
	c.send(`52-["echo",{ "num": 1 , "_placeholder" : true },[{"_placeholder":true,"num":0}]]`)
	c.sendBinary([]byte("zero"))
	c.sendBinary([]byte("one"))
	c.expect(`52-["echo",{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1}]]`)
	c.expectBinary([]byte("one"))
	c.expectBinary([]byte("zero"))
}

// C3: an ack request is answered once with the same id and namespace; a
// second Ack, or an Ack nobody asked for, returns ErrNoAck.
func TestC3AckOnce(t *testing.T) {
	errs := make(chan error, 8)
	srv, ts := newServer(t, nil)
	for _, ns := range []*socketio.Namespace{srv.Of("/"), srv.Of("/admin")} {
		ns.OnConnection(func(s *socketio.Socket) {
			s.On("ask", func(e *socketio.Event) {
				if !e.WantsAck() {
					errs <- errors.New("WantsAck false")
				}
				errs <- e.Ack("ok", 1)
				if e.WantsAck() {
					errs <- errors.New("WantsAck true after Ack")
				}
				errs <- e.Ack("again")
			})
			s.On("tell", func(e *socketio.Event) {
				if e.WantsAck() {
					errs <- errors.New("WantsAck true without an id")
				}
				errs <- e.Ack("nobody asked")
			})
		})
	}
	c := dial(t, ts)
	c.connect("/", "")
	c.connect("/admin", "")
	c.send(`212["ask"]`)
	c.expect(`312["ok",1]`)
	if err := recv(t, errs); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, errs); !errors.Is(err, socketio.ErrNoAck) {
		t.Errorf("second Ack: %v", err)
	}
	c.send(`2/admin,7["ask"]`)
	c.expect(`3/admin,7["ok",1]`)
	recv(t, errs)
	recv(t, errs)
	c.send(`2["tell"]`)
	if err := recv(t, errs); !errors.Is(err, socketio.ErrNoAck) {
		t.Errorf("Ack without request: %v", err)
	}
	c.quiet()
}

// C3: an ack may be empty, and may be sent after the handler returned,
// from another goroutine.
func TestC3AckLaterAndEmpty(t *testing.T) {
	events := make(chan *socketio.Event, 1)
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("later", func(e *socketio.Event) { events <- e })
	})
	c.send(`20["later"]`)
	e := recv(t, events)
	go func() { _ = e.Ack() }()
	c.expect(`30[]`)
}

// C4: an ack whose arguments hold []byte is a BINARY_ACK with attachments.
func TestC4BinaryAck(t *testing.T) {
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("file", func(e *socketio.Event) { _ = e.Ack(map[string]any{"f": []byte("abc")}, []byte{}) })
	})
	c.send(`25["file"]`)
	c.expect(`62-5[{"f":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]`)
	c.expectBinary([]byte("abc"))
	c.expectBinary([]byte{})
}

// C3: EmitWithAck sends an ack id and resolves with the client's ACK,
// or BINARY_ACK.
func TestC3EmitWithAckResolvedByClient(t *testing.T) {
	_, c, s := connected(t, nil, nil)
	type res struct {
		args socketio.Args
		err  error
	}
	results := make(chan res, 1)
	go func() {
		a, err := s.EmitWithAck(context.Background(), "question", 1)
		results <- res{a, err}
	}()
	c.expect(`20["question",1]`)
	c.send(`30["answer",{"n":2}]`)
	r := recv(t, results)
	var word string
	var obj struct{ N int }
	if r.err != nil || r.args.Bind(&word, &obj) != nil || word != "answer" || obj.N != 2 {
		t.Errorf("got %v %v %v", r.err, word, obj)
	}

	go func() {
		a, err := s.EmitWithTimeout(waitTimeout, "file")
		results <- res{a, err}
	}()
	c.expect(`21["file"]`)
	c.send(`61-1[{"_placeholder":true,"num":0}]`)
	c.sendBinary([]byte("content"))
	r = recv(t, results)
	var b []byte
	if r.err != nil || r.args.Bind(&b) != nil || string(b) != "content" {
		t.Errorf("binary ack: %v %q", r.err, b)
	}
}

// C3: an ack that does not come in time is ErrTimeout; when it comes later
// it is dropped, like any unknown ack id, and the connection stays up.
func TestC3EmitWithAckTimeout(t *testing.T) {
	got := make(chan string, 1)
	_, c, s := connected(t, nil, func(s *socketio.Socket) {
		s.On("after", func(*socketio.Event) { got <- "after" })
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := s.EmitWithAck(ctx, "slow")
	if !errors.Is(err, socketio.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want ErrTimeout", err)
	}
	_, err = s.EmitWithTimeout(10*time.Millisecond, "slow")
	if !errors.Is(err, socketio.ErrTimeout) {
		t.Errorf("EmitWithTimeout: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err = s.EmitWithAck(ctx, "slow"); !errors.Is(err, context.Canceled) || errors.Is(err, socketio.ErrTimeout) {
		t.Errorf("canceled: %v", err)
	}
	c.expect(`20["slow"]`)
	c.expect(`21["slow"]`)
	c.expect(`22["slow"]`)
	c.send(`30["late"]`)
	c.send(`399["never asked"]`)
	c.send(`61-98[{"_placeholder":true,"num":0}]`)
	c.sendBinary([]byte("x"))
	c.send(`2["after"]`)
	recv(t, got)
}

// EmitWithAck gives up with ErrDisconnected when the socket goes.
func TestEmitWithAckDisconnected(t *testing.T) {
	_, c, s := connected(t, nil, nil)
	errs := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(context.Background(), "q")
		errs <- err
	}()
	c.expect(`20["q"]`)
	c.send("1")
	if err := recv(t, errs); !errors.Is(err, socketio.ErrDisconnected) {
		t.Errorf("err %v, want ErrDisconnected", err)
	}
	if _, err := s.EmitWithAck(context.Background(), "q"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Errorf("after disconnect: %v", err)
	}
}

// C3: the server allocates ack ids per namespace, from 0.
func TestC3AckIDsPerNamespaceFromZero(t *testing.T) {
	srv, ts := newServer(t, nil)
	byName := make(chan *socketio.Socket, 4)
	for _, ns := range []*socketio.Namespace{srv.Of("/"), srv.Of("/admin")} {
		ns.OnConnection(func(s *socketio.Socket) { byName <- s })
	}
	c1, c2 := dial(t, ts), dial(t, ts)
	c1.connect("/", `{"who":"c1"}`)
	c1.connect("/admin", `{"who":"c1"}`)
	c2.connect("/", `{"who":"c2"}`)
	socks := map[string]*socketio.Socket{}
	for range 3 {
		s := recv(t, byName)
		socks[s.Namespace().Name()+" "+s.Handshake().Auth["who"].(string)] = s
	}
	emit := func(s *socketio.Socket) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		_, _ = s.EmitWithAck(ctx, "n")
	}
	emit(socks["/ c1"])
	emit(socks["/ c2"])
	emit(socks["/admin c1"])
	emit(socks["/ c1"])
	c1.expect(`20["n"]`)
	c2.expect(`21["n"]`)
	c1.expect(`2/admin,0["n"]`)
	c1.expect(`22["n"]`)
}

// Broadcasts carry no ack id unless they ask for acks.
func TestC3BroadcastHasNoAckID(t *testing.T) {
	srv, c, _ := connected(t, nil, nil)
	_ = srv.Emit("all", 1)
	c.expect(`2["all",1]`)
}

// OnAny sees every incoming event before its handlers; OnAnyOutgoing sees
// every event sent to this socket, broadcasts included (as the reference's
// adapter notifies them).
func TestOnAnyAndOnAnyOutgoing(t *testing.T) {
	var mu sync.Mutex
	var log []string
	note := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }
	done := make(chan struct{}, 4)
	srv, c, s := connected(t, nil, func(s *socketio.Socket) {
		s.OnAny(func(e *socketio.Event) { note("any " + e.Name) })
		s.On("a", func(*socketio.Event) { note("on a"); done <- struct{}{} })
		s.OnAnyOutgoing(func(event string, args []any) { note("out " + event) })
	})
	c.send(`2["a"]`)
	c.send(`2["unhandled"]`)
	c.send(`2["a"]`)
	recv(t, done)
	recv(t, done)
	_ = s.Emit("single", 1)
	_ = srv.Emit("broadcast")
	c.expect(`2["single",1]`)
	c.expect(`2["broadcast"]`)
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(log, ", "); got != "any a, on a, any unhandled, any a, on a, out single, out broadcast" {
		t.Errorf("log: %s", got)
	}
}

// Once handles one event; Off removes every handler of an event.
func TestOnceAndOff(t *testing.T) {
	got := make(chan string, 16)
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.Once("x", func(*socketio.Event) { got <- "once" })
		s.On("x", func(*socketio.Event) { got <- "on" })
		s.On("y", func(*socketio.Event) { got <- "y" })
		s.On("off", func(*socketio.Event) { s.Off("y"); got <- "off" })
	})
	c.send(`2["x"]`)
	c.send(`2["x"]`)
	c.send(`2["y"]`)
	c.send(`2["off"]`)
	c.send(`2["y"]`)
	c.send(`2["x"]`)
	var seq []string
	for range 6 {
		seq = append(seq, recv(t, got))
	}
	if s := strings.Join(seq, " "); s != "once on on y off on" {
		t.Errorf("handled: %s", s)
	}
	none(t, got)
}

// Socket middlewares run before every event; an error drops the event and
// goes to the OnError handlers.
func TestSocketMiddlewareAndOnError(t *testing.T) {
	got := make(chan string, 8)
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.Use(func(e *socketio.Event) error {
			if e.Name == "forbidden" {
				return errors.New("not allowed")
			}
			return nil
		})
		s.Use(func(e *socketio.Event) error { got <- "mw2 " + e.Name; return nil })
		s.OnError(func(err error) { got <- "error " + err.Error() })
		s.OnAny(func(e *socketio.Event) { got <- "any " + e.Name })
		s.On("forbidden", func(*socketio.Event) { got <- "forbidden handled" })
		s.On("ok", func(*socketio.Event) { got <- "ok handled" })
	})
	c.send(`2["forbidden"]`)
	c.send(`2["ok"]`)
	var seq []string
	for range 4 {
		seq = append(seq, recv(t, got))
	}
	if s := strings.Join(seq, ", "); s != "error not allowed, mw2 ok, any ok, ok handled" {
		t.Errorf("got %s", s)
	}
}

// C1: Emit refuses the reserved event names, for sockets and broadcasts;
// a client sending one is closed.
func TestC1ReservedEventNames(t *testing.T) {
	srv, c, s := connected(t, nil, nil)
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if err := s.Emit(name); !errors.Is(err, socketio.ErrReservedEvent) {
			t.Errorf("Emit(%q): %v", name, err)
		}
		if err := s.Volatile().Emit(name); !errors.Is(err, socketio.ErrReservedEvent) {
			t.Errorf("Volatile().Emit(%q): %v", name, err)
		}
		if _, err := s.EmitWithAck(context.Background(), name); !errors.Is(err, socketio.ErrReservedEvent) {
			t.Errorf("EmitWithAck(%q): %v", name, err)
		}
		if err := srv.To("r").Emit(name); !errors.Is(err, socketio.ErrReservedEvent) {
			t.Errorf("broadcast Emit(%q): %v", name, err)
		}
		if _, err := srv.EmitWithAck(context.Background(), name); !errors.Is(err, socketio.ErrReservedEvent) {
			t.Errorf("broadcast EmitWithAck(%q): %v", name, err)
		}
	}
	if err := s.Emit("connected"); err != nil {
		t.Errorf("a name close to a reserved one: %v", err)
	}
	c.expect(`2["connected"]`)
	c.send(`2["disconnect"]`)
	c.waitClosed()
}

// C1: malformed packets close the connection.
func TestC1InvalidPacketsCloseConnection(t *testing.T) {
	for _, pkt := range []string{`2`, `2[]`, `2{}`, `2[true]`, `2["x"`, `9`, `2abc`, `5x-["x",{"_placeholder":true,"num":0}]`} {
		t.Run(pkt, func(t *testing.T) {
			_, c, _ := connected(t, nil, nil)
			c.send(pkt)
			c.waitClosed()
		})
	}
	// A text packet while attachments are awaited.
	_, c, _ := connected(t, nil, nil)
	c.send(`51-["x",{"_placeholder":true,"num":0}]`)
	c.send(`2["x"]`)
	c.waitClosed()
}

// Emitting a value JSON cannot encode is an error, and nothing is sent.
func TestEmitUnencodable(t *testing.T) {
	srv, c, s := connected(t, nil, nil)
	if err := s.Emit("bad", make(chan int)); err == nil {
		t.Error("Emit of a channel succeeded")
	}
	if err := srv.Emit("bad", func() {}); err == nil {
		t.Error("broadcast Emit of a func succeeded")
	}
	c.quiet()
}

// Emitting to a socket that has left its namespace is ErrDisconnected and
// sends nothing, even when the client joined that namespace again.
func TestEmitAfterDisconnect(t *testing.T) {
	srv, ts := newServer(t, nil)
	conns := sockets(srv.Of("/admin"))
	c := dial(t, ts)
	c.connect("/admin", "")
	old := recv(t, conns)
	c.send("1/admin,")
	<-old.Done()
	c.connect("/admin", "")
	fresh := recv(t, conns)
	if err := old.Emit("stale"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Errorf("Emit: %v, want ErrDisconnected", err)
	}
	if err := old.Volatile().Emit("stale"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Errorf("volatile Emit: %v, want ErrDisconnected", err)
	}
	_ = fresh.Emit("fresh")
	c.expect(`2/admin,["fresh"]`)
}

// A handler may wait for an acknowledgement from its own client: the
// connection goes on being read while it waits (the event may have run on
// the connection's reader).
func TestHandlerWaitsForItsOwnClientsAck(t *testing.T) {
	results := make(chan string, 2)
	_, c, _ := connected(t, nil, func(s *socketio.Socket) {
		s.On("ask", func(e *socketio.Event) {
			a, err := s.EmitWithTimeout(waitTimeout, "question")
			var answer string
			if err == nil {
				err = a.Bind(&answer)
			}
			results <- fmt.Sprint(answer, err)
		})
		s.On("ask-all", func(e *socketio.Event) {
			// A broadcast with acks, the asking client included: no
			// hand-off is asked for; the reader is replaced after a while.
			replies, err := s.Namespace().Timeout(waitTimeout).EmitWithAck(context.Background(), "poll")
			results <- fmt.Sprint(len(replies), err)
		})
	})
	c.send(`2["ask"]`)
	c.expect(`20["question"]`)
	c.send(`30["yes"]`)
	if got := recv(t, results); got != "yes<nil>" {
		t.Errorf("EmitWithAck in a handler: %s", got)
	}
	c.send(`2["ask-all"]`)
	p := c.packet()
	if p.Type != parser.Event || !p.HasID {
		t.Fatalf("broadcast with ack = %v", p)
	}
	c.send(fmt.Sprintf(`3%d["ok"]`, p.ID))
	if got := recv(t, results); got != "1 <nil>" {
		t.Errorf("broadcast EmitWithAck in a handler: %s", got)
	}
}

// A handler busy for a while does not hold up the connection's other
// namespaces: their events are read and handled meanwhile.
func TestSlowHandlerDoesNotBlockOtherNamespaces(t *testing.T) {
	srv, ts := newServer(t, nil)
	admin := make(chan string, 1)
	srv.Of("/admin").OnConnection(func(s *socketio.Socket) {
		s.On("ping", func(*socketio.Event) { admin <- "ping" })
	})
	done := make(chan string, 1)
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("slow", func(*socketio.Event) {
			select {
			case m := <-admin:
				done <- m
			case <-time.After(waitTimeout):
				done <- "admin event not handled while the handler waited"
			}
		})
	})
	c := dial(t, ts)
	c.connect("/", "")
	c.connect("/admin", "")
	c.send(`2["slow"]`)
	c.send(`2/admin,["ping"]`)
	if got := recv(t, done); got != "ping" {
		t.Error(got)
	}
}
