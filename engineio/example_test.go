package engineio_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// echo sends every message back to the client that sent it.
type echo struct{ s *engineio.Session }

func (e echo) Message(data []byte, binary bool) {
	_ = e.s.Send(engineio.Message{Data: data, Binary: binary})
}

func (e echo) Closed(reason string, cause error) {}

// Mount the server where the clients look for it (/engine.io/ by default).
// Shutdown(ctx) ends the sessions gracefully; Close ends them at once.
func ExampleNewServer() {
	srv := engineio.NewServer(engineio.HandlerFunc(func(s *engineio.Session) engineio.SessionHandler {
		return echo{s}
	}), &engineio.Options{PingInterval: 25 * time.Second, PingTimeout: 20 * time.Second})

	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	// In production: an http.Server with ReadHeaderTimeout, IdleTimeout
	// and MaxHeaderBytes set (see the README).
	ts := httptest.NewServer(mux)
	defer ts.Close()
	defer srv.Close()

	// A client's first request: the handshake over long-polling.
	res, err := http.Get(ts.URL + "/engine.io/?EIO=4&transport=polling")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.StatusCode, res.Header.Get("Content-Type"))
	fmt.Println(strings.HasPrefix(string(body), `0{"sid":"`))
	fmt.Println(strings.Contains(string(body), `"upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`))
	// Output:
	// 200 text/plain; charset=UTF-8
	// true
	// true
}

// Send queues messages for the client without blocking on the network; the
// next long-polling GET (or the WebSocket) carries them.
func ExampleSession_Send() {
	srv := engineio.NewServer(engineio.HandlerFunc(func(s *engineio.Session) engineio.SessionHandler {
		_ = s.Send(
			engineio.Message{Data: []byte("welcome")},
			engineio.Message{Data: []byte{1, 2, 3}, Binary: true},
		)
		return echo{s}
	}), nil)
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()

	client := ts.Client()
	defer client.CloseIdleConnections()
	get := func(query string) string {
		res, err := client.Get(ts.URL + "/?EIO=4&transport=polling" + query)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	packets := strings.Split(get(""), "\x1e") // the open packet, then what Open sent
	sid := packets[0][len(`0{"sid":"`):][:20]
	for _, p := range packets[1:] {
		fmt.Printf("%q\n", p)
	}

	// The echo handler sends back what the client posts.
	res, err := http.Post(ts.URL+"/?EIO=4&transport=polling&sid="+sid, "text/plain;charset=UTF-8", strings.NewReader("4hello"))
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Printf("%q\n", get("&sid="+sid))
	// Output:
	// "4welcome"
	// "bAQID"
	// "4hello"
}

// dialWebSocket opens an Engine.IO session over WebSocket to the server
// at url and returns it with its open packet.
func dialWebSocket(url string) (*websocket.Conn, []byte) {
	ctx := context.Background()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/?EIO=4&transport=websocket", nil)
	if err != nil {
		panic(err)
	}
	_, open, err := ws.Read(ctx)
	if err != nil {
		panic(err)
	}
	return ws, open
}

// upper answers each message in upper case, from work that runs on the
// session's reader when it can, or else on a goroutine of its own.
type upper struct{ s *engineio.Session }

func (u upper) Message(data []byte, binary bool) {
	work := func() { _ = u.s.Send(engineio.Message{Data: bytes.ToUpper(data)}) }
	if !u.s.RunOnReader(work) { // long-polling: no reader goroutine to lend
		go work()
	}
}

func (u upper) Closed(reason string, cause error) {}

// RunOnReader saves waking a goroutine per message; work that blocks is
// safe, since the session then goes on reading on another goroutine.
func ExampleSession_RunOnReader() {
	srv := engineio.NewServer(engineio.HandlerFunc(func(s *engineio.Session) engineio.SessionHandler {
		return upper{s}
	}), nil)
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()

	ctx := context.Background()
	ws, open := dialWebSocket(ts.URL)
	defer ws.CloseNow()
	fmt.Println(string(open[:1]))
	_ = ws.Write(ctx, websocket.MessageText, []byte("4hello"))
	_, reply, _ := ws.Read(ctx)
	fmt.Println(string(reply))
	// Output:
	// 0
	// 4HELLO
}

// Messages sent while corked leave together: here the two parts of a
// greeting, sent as a message arrives, reach the polling client in one
// response.
func ExampleSession_Cork() {
	srv := engineio.NewServer(engineio.HandlerFunc(func(s *engineio.Session) engineio.SessionHandler {
		return greeter{s}
	}), nil)
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()

	client := ts.Client()
	defer client.CloseIdleConnections()
	get := func(query string) string {
		res, err := client.Get(ts.URL + "/?EIO=4&transport=polling" + query)
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	sid := strings.Split(get(""), `"`)[3] // from the open packet
	res, err := client.Post(ts.URL+"/?EIO=4&transport=polling&sid="+sid, "text/plain", strings.NewReader("4hi"))
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Printf("%q\n", get("&sid="+sid))
	// Output:
	// "4welcome\x1e4news"
}

type greeter struct{ s *engineio.Session }

func (g greeter) Message(data []byte, binary bool) {
	uncork := g.s.Cork()
	defer uncork()
	_ = g.s.Send(engineio.Message{Data: []byte("welcome")})
	_ = g.s.Send(engineio.Message{Data: []byte("news")})
}

func (greeter) Closed(reason string, cause error) {}

// recycler echoes each message and gives its buffer back for later reads.
type recycler struct{ s *engineio.Session }

func (r recycler) Message(data []byte, binary bool) {
	// Borrowed: if the reply cannot be written at once, the session
	// queues a copy, so the buffer is free again when SendNow returns.
	_ = r.s.SendNow(engineio.Message{Data: data, Binary: binary, Borrowed: true})
	engineio.Recycle(data)
}

func (recycler) Closed(reason string, cause error) {}

// A server echoing big binary messages reads each into the buffer of one
// before it, sparing an allocation and its collection per message.
func ExampleRecycle() {
	srv := engineio.NewServer(engineio.HandlerFunc(func(s *engineio.Session) engineio.SessionHandler {
		return recycler{s}
	}), nil)
	defer srv.Close()
	ts := httptest.NewServer(srv)
	defer ts.Close()

	ctx := context.Background()
	ws, _ := dialWebSocket(ts.URL)
	defer ws.CloseNow()
	for _, fill := range []byte{'a', 'b'} {
		_ = ws.Write(ctx, websocket.MessageBinary, bytes.Repeat([]byte{fill}, 16<<10))
		_, reply, _ := ws.Read(ctx)
		fmt.Println(len(reply), bytes.Count(reply, []byte{fill}))
	}
	// Output:
	// 16384 16384
	// 16384 16384
}
