package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/seed-e3ad8a97/sio/socketio"
)

// wire is a bare-bones client speaking the Socket.IO wire protocol over a
// WebSocket, standing in for socket.io-client in these examples.
type wire struct{ conn *websocket.Conn }

func dialWire(serverURL string, query ...string) *wire {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(serverURL, "http") + "/socket.io/?EIO=4&transport=websocket"
	for _, q := range query {
		url += "&" + q
	}
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		log.Fatal(err)
	}
	w := &wire{conn}
	w.read() // the Engine.IO handshake
	return w
}

// send writes one message, such as `40` (CONNECT to "/").
func (w *wire) send(msg string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		log.Fatal(err)
	}
}

// sendBinary writes one binary message: an attachment.
func (w *wire) sendBinary(b []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.conn.Write(ctx, websocket.MessageBinary, b); err != nil {
		log.Fatal(err)
	}
}

// read returns the next message, answering pings on the way.
func (w *wire) read() string {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, data, err := w.conn.Read(ctx)
		cancel()
		if err != nil {
			log.Fatal(err)
		}
		if string(data) == "2" {
			w.send("3")
			continue
		}
		return string(data)
	}
}

// connect joins a namespace ("40", "40/admin,") and skips the reply,
// whose socket id changes every run.
func (w *wire) connect(msg string) {
	w.send(msg)
	if reply := w.read(); !strings.HasPrefix(reply, "40") {
		log.Fatalf("connect: %s", reply)
	}
}

func (w *wire) close() { _ = w.conn.Close(websocket.StatusNormalClosure, "") }

// serve mounts io at /socket.io/ on a local test listener.
func serve(io *socketio.Server) (url string, stop func()) {
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	ts := httptest.NewServer(mux)
	return ts.URL, func() {
		_ = io.Close()
		ts.Close()
	}
}

// A chat server: every message a client sends goes to everyone.
func ExampleNewServer() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("chat message", func(e *socketio.Event) {
			var msg string
			if err := e.Bind(&msg); err != nil {
				return
			}
			_ = io.Emit("chat message", s.Handshake().Auth["name"], msg)
		})
	})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	ts := httptest.NewServer(mux) // in production: an http.Server with timeouts, see Server.Shutdown
	defer ts.Close()
	defer io.Close()

	client := dialWire(ts.URL)
	defer client.close()
	client.connect(`40{"name":"ann"}`)
	client.send(`42["chat message","hello"]`)
	fmt.Println(client.read())
	// Output: 42["chat message","ann","hello"]
}

// Handlers decode arguments with Bind and answer acknowledgements with Ack.
func ExampleSocket_On() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("sum", func(e *socketio.Event) {
			var a, b int
			if err := e.Bind(&a, &b); err != nil {
				_ = e.Ack(map[string]string{"error": err.Error()})
				return
			}
			_ = e.Ack(a + b)
		})
	})
	url, stop := serve(io)
	defer stop()

	client := dialWire(url)
	defer client.close()
	client.connect("40")
	client.send(`421["sum",2,3]`) // 1 is the ack id the client chose
	fmt.Println(client.read())
	// Output: 431[5]
}

// Bind decodes into structs; a []byte field receives a binary attachment.
func ExampleEvent_Bind() {
	type Upload struct {
		Name string `json:"name"`
		Data []byte `json:"data"`
	}
	done := make(chan string, 1)
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("upload", func(e *socketio.Event) {
			var u Upload
			if err := e.Bind(&u); err != nil {
				done <- err.Error()
				return
			}
			done <- fmt.Sprintf("%s: %d bytes %q", u.Name, len(u.Data), u.Data)
		})
	})
	url, stop := serve(io)
	defer stop()

	client := dialWire(url)
	defer client.close()
	client.connect("40")
	// A BINARY_EVENT with one attachment, sent as the next binary message.
	client.send(`451-["upload",{"name":"a.bin","data":{"_placeholder":true,"num":0}}]`)
	_ = client.conn.Write(context.Background(), websocket.MessageBinary, []byte{0xca, 0xfe})
	fmt.Println(<-done)
	// Output: a.bin: 2 bytes "\xca\xfe"
}

// An acknowledgement may carry binary data: it goes as a BINARY_ACK, its
// attachments as binary messages.
func ExampleEvent_Ack() {
	second := make(chan error, 1)
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("avatar", func(e *socketio.Event) {
			_ = e.Ack("png", []byte{0x89, 'P', 'N', 'G'})
			second <- e.Ack("again")
		})
	})
	url, stop := serve(io)
	defer stop()

	client := dialWire(url)
	defer client.close()
	client.connect("40")
	client.send(`427["avatar"]`)
	fmt.Println(client.read())
	fmt.Printf("%q\n", client.read())
	fmt.Println(errors.Is(<-second, socketio.ErrNoAck))
	// Output:
	// 461-7["png",{"_placeholder":true,"num":0}]
	// "\x89PNG"
	// true
}

// A server relaying binary chunks, whose buffers it reads later messages
// into once the handler has returned. The handler may send a chunk on as
// it is (the server copies what it cannot write at once); what it keeps
// for later, it copies.
func ExampleOptions_recycleAttachments() {
	kept := make(chan []byte, 1)
	io := socketio.NewServer(&socketio.Options{RecycleAttachments: true})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("chunk", func(e *socketio.Event) {
			_ = s.Broadcast().Emit("chunk", e.RawArgs()...)
			var chunk []byte
			_ = e.Bind(&chunk) // a copy: still valid after the handler
			kept <- chunk
			_ = e.Ack(len(chunk))
		})
	})
	url, stop := serve(io)
	defer stop()

	client := dialWire(url)
	defer client.close()
	client.connect("40")
	client.send(`451-1["chunk",{"_placeholder":true,"num":0}]`)
	client.sendBinary([]byte("hello"))
	fmt.Println(client.read())
	fmt.Printf("%s\n", <-kept)
	// Output:
	// 431[5]
	// hello
}

// The server asks a client and waits for its answer.
func ExampleSocket_EmitWithAck() {
	answers := make(chan string, 1)
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			args, err := s.EmitWithAck(ctx, "name?")
			if errors.Is(err, socketio.ErrTimeout) {
				answers <- "no answer in time"
				return
			}
			var name string
			_ = args.Bind(&name)
			answers <- "the client is " + name
		}()
	})
	url, stop := serve(io)
	defer stop()

	client := dialWire(url)
	defer client.close()
	client.connect("40")
	fmt.Println(client.read()) // the ack id 0 follows the type
	client.send(`430["bob"]`)
	fmt.Println(<-answers)
	// Output:
	// 420["name?"]
	// the client is bob
}

// Broadcast operators select sockets by room: To adds rooms (a socket in
// several of them gets the event once), Except removes the sockets of its
// rooms. Socket.Broadcast and Socket.To also leave the sending socket out.
func ExampleBroadcastOperator() {
	joined := make(chan struct{}, 3)
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		for _, room := range strings.Split(s.Handshake().Query.Get("rooms"), ",") {
			s.Join(room)
		}
		joined <- struct{}{}
	})
	url, stop := serve(io)
	defer stop()

	names := []string{"ann", "bob", "cat"}
	rooms := map[string]string{"ann": "news", "bob": "news,muted", "cat": "sports"}
	clients := map[string]*wire{}
	for _, name := range names {
		c := dialWire(url, "rooms="+rooms[name])
		defer c.close()
		c.connect("40")
		<-joined
		clients[name] = c
	}

	_ = io.To("news").Except("muted").Emit("headline", "Go 1.26")
	_ = io.To("news", "sports").Emit("weather", "sunny")
	_ = io.Except("news").Emit("offer")
	_ = io.Emit("end")
	for _, name := range names {
		for msg := clients[name].read(); msg != `42["end"]`; msg = clients[name].read() {
			fmt.Println(name, msg)
		}
	}
	// Output:
	// ann 42["headline","Go 1.26"]
	// ann 42["weather","sunny"]
	// bob 42["weather","sunny"]
	// cat 42["weather","sunny"]
	// cat 42["offer"]
}

// A namespace middleware refuses a connection with a ConnectError: the
// client's connect_error gets its message and data.
func ExampleNamespace_Use() {
	io := socketio.NewServer(nil)
	admin := io.Of("/admin")
	admin.Use(func(s *socketio.Socket) error {
		if s.Handshake().Auth["token"] != "let me in" {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"hint": "send a token"}}
		}
		return nil
	})
	admin.OnConnection(func(s *socketio.Socket) { _ = s.Emit("welcome") })
	url, stop := serve(io)
	defer stop()

	client := dialWire(url)
	defer client.close()
	client.send(`40/admin,{"token":"guess"}`)
	fmt.Println(client.read())
	client.connect(`40/admin,{"token":"let me in"}`)
	fmt.Println(client.read())
	// Output:
	// 44/admin,{"message":"not authorized","data":{"hint":"send a token"}}
	// 42/admin,["welcome"]
}

// Dynamic namespaces: any name the pattern matches may be joined; each
// becomes a namespace of its own, sharing the parent's handlers.
func ExampleServer_OfRegexp() {
	io := socketio.NewServer(nil)
	workspaces := io.OfRegexp(regexp.MustCompile(`^/workspace-\d+$`))
	workspaces.OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("hello", s.Namespace().Name())
	})
	url, stop := serve(io)
	defer stop()

	client := dialWire(url)
	defer client.close()
	client.connect("40/workspace-42,")
	fmt.Println(client.read())
	client.send("40/elsewhere,")
	fmt.Println(client.read())
	// Output:
	// 42/workspace-42,["hello","/workspace-42"]
	// 44/elsewhere,{"message":"Invalid namespace"}
}

// Shutdown lets clients receive what was sent to them, then disconnects
// them with "server shutting down". Shut the Socket.IO server down before
// the HTTP server, which does not wait for WebSockets.
func ExampleServer_Shutdown() {
	io := socketio.NewServer(nil)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	srv := &http.Server{
		Addr:              ":3000",
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second, // drops slow-header clients
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()

	sig, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-sig.Done()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := io.Shutdown(ctx); err != nil {
		log.Print(err)
	}
	_ = srv.Shutdown(ctx)
}
