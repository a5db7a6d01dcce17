package socketio_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// frame is one Engine.IO message from the server: the text of a Socket.IO
// packet (its "4" prefix removed) or a binary attachment.
type frame struct {
	text   string
	bin    []byte
	binary bool
}

func (f frame) String() string {
	if f.binary {
		return "<binary " + string(json.RawMessage(mustJSON(f.bin))) + ">"
	}
	return f.text
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// tclient is a minimal Socket.IO client over one WebSocket: it answers
// pings (unless told not to) and hands every other message to the test.
type tclient struct {
	t      testing.TB
	conn   *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	open   map[string]any // the Engine.IO handshake
	in     chan frame     // closed when the connection ends
	done   chan struct{}
	noPong atomic.Bool
	dec    *parser.Decoder
	wmu    sync.Mutex
	once   sync.Once
}

// dial opens an Engine.IO WebSocket session to ts's /socket.io/. The
// client is closed when the test ends.
func dial(t testing.TB, ts *httptest.Server, query ...string) *tclient {
	t.Helper()
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	for _, q := range query {
		url += "&" + q
	}
	ctx, cancel := context.WithCancel(context.Background())
	dctx, dcancel := context.WithTimeout(ctx, waitTimeout)
	defer dcancel()
	conn, _, err := websocket.Dial(dctx, url, nil)
	if err != nil {
		cancel()
		t.Fatalf("dial: %v", err)
	}
	conn.SetReadLimit(1 << 22)
	c := &tclient{t: t, conn: conn, ctx: ctx, cancel: cancel, in: make(chan frame, 4096), done: make(chan struct{}),
		dec: parser.NewDecoder(parser.Limits{})}
	t.Cleanup(c.close)
	_, data, err := conn.Read(dctx)
	if err != nil || len(data) == 0 || data[0] != '0' {
		t.Fatalf("no open packet: %q %v", data, err)
	}
	if err := json.Unmarshal(data[1:], &c.open); err != nil {
		t.Fatalf("open packet %q: %v", data, err)
	}
	go c.read()
	return c
}

func (c *tclient) read() {
	defer close(c.done)
	defer close(c.in)
	for {
		typ, data, err := c.conn.Read(c.ctx)
		if err != nil {
			return
		}
		if typ == websocket.MessageBinary {
			c.in <- frame{bin: data, binary: true}
			continue
		}
		switch {
		case string(data) == "2":
			if !c.noPong.Load() {
				c.write(websocket.MessageText, []byte("3"))
			}
		case len(data) > 0 && data[0] == '4':
			c.in <- frame{text: string(data[1:])}
		}
	}
}

func (c *tclient) write(typ websocket.MessageType, data []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	ctx, cancel := context.WithTimeout(c.ctx, waitTimeout)
	defer cancel()
	_ = c.conn.Write(ctx, typ, data)
}

// send writes the Socket.IO packet text (without the Engine.IO "4").
func (c *tclient) send(text string) { c.write(websocket.MessageText, []byte("4"+text)) }

// sendBinary writes one binary attachment.
func (c *tclient) sendBinary(b []byte) { c.write(websocket.MessageBinary, b) }

// close ends the connection from the client's side and waits for its
// reader.
func (c *tclient) close() {
	c.once.Do(func() {
		_ = c.conn.Close(websocket.StatusNormalClosure, "")
		c.cancel()
		<-c.done
	})
}

// next returns the next message.
func (c *tclient) next() frame {
	c.t.Helper()
	select {
	case f, ok := <-c.in:
		if !ok {
			c.t.Fatal("connection closed while waiting for a message")
		}
		return f
	case <-time.After(waitTimeout):
		c.t.Fatal("timed out waiting for a message")
	}
	return frame{}
}

// expect checks that the next message is the packet text want.
func (c *tclient) expect(want string) {
	c.t.Helper()
	if f := c.next(); f.binary || f.text != want {
		c.t.Fatalf("got %v, want %s", f, want)
	}
}

// expectBinary checks that the next message is the attachment want.
func (c *tclient) expectBinary(want []byte) {
	c.t.Helper()
	if f := c.next(); !f.binary || string(f.bin) != string(want) {
		c.t.Fatalf("got %v, want binary %v", f, want)
	}
}

// packet reads the next whole packet, attachments included.
func (c *tclient) packet() *parser.Packet {
	c.t.Helper()
	for {
		f := c.next()
		data := []byte(f.text)
		if f.binary {
			data = f.bin
		}
		p, err := c.dec.Decode(data, f.binary)
		if err != nil {
			c.t.Fatalf("decode %v: %v", f, err)
		}
		if p != nil {
			return p
		}
	}
}

// quiet checks that no message arrives for a little while.
func (c *tclient) quiet() {
	c.t.Helper()
	select {
	case f, ok := <-c.in:
		if ok {
			c.t.Fatalf("unexpected message %v", f)
		}
	case <-time.After(50 * time.Millisecond):
	}
}

// waitClosed waits until the server ends the connection, skipping the
// messages before.
func (c *tclient) waitClosed() {
	c.t.Helper()
	timeout := time.After(waitTimeout)
	for {
		select {
		case _, ok := <-c.in:
			if !ok {
				return
			}
		case <-timeout:
			c.t.Fatal("timed out waiting for the server to close the connection")
		}
	}
}

// isOpen reports, after a short wait, whether the connection is still up.
func (c *tclient) isOpen() bool {
	select {
	case <-c.done:
		return false
	case <-time.After(50 * time.Millisecond):
		return true
	}
}

// connect joins nsp with auth (empty for none) and returns the socket id.
func (c *tclient) connect(nsp, auth string) string {
	c.t.Helper()
	c.send("0" + nspPrefix(nsp) + auth)
	p := c.packet()
	if p.Type != parser.Connect || p.Namespace != nsp {
		c.t.Fatalf("CONNECT to %s answered with %v %s %s", nsp, p.Type, p.Namespace, p.Data)
	}
	var reply struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(p.Data, &reply); err != nil || reply.SID == "" {
		c.t.Fatalf("CONNECT reply %s: %v", p.Data, err)
	}
	return reply.SID
}

// nspPrefix is how a namespace is written in a packet: nothing for "/".
func nspPrefix(nsp string) string {
	if nsp == "/" || nsp == "" {
		return ""
	}
	return nsp + ","
}
