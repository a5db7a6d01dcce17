package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/coder/websocket"
)

// wsClient is a minimal Socket.IO client over WebSocket, enough to load a
// server: connect to "/", emit with an ack, count events.
type wsClient struct {
	ws      *websocket.Conn
	mu      sync.Mutex
	nextID  int
	pending map[int]chan struct{}
	onEvent func()
	done    chan struct{}

	nextBinary int // ack id of the BINARY_ACK whose attachments are awaited
}

func dialWS(ctx context.Context, base string, onEvent func()) (*wsClient, error) {
	u := strings.Replace(base, "http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
	ws, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 24)
	c := &wsClient{ws: ws, pending: map[int]chan struct{}{}, onEvent: onEvent, done: make(chan struct{})}
	if _, msg, err := ws.Read(ctx); err != nil || len(msg) == 0 || msg[0] != '0' {
		ws.CloseNow()
		return nil, fmt.Errorf("no open packet: %v", err)
	}
	if err := ws.Write(ctx, websocket.MessageText, []byte("40")); err != nil {
		ws.CloseNow()
		return nil, err
	}
	for {
		_, msg, err := ws.Read(ctx)
		if err != nil {
			ws.CloseNow()
			return nil, err
		}
		if bytes.HasPrefix(msg, []byte("40")) {
			break
		}
		if bytes.HasPrefix(msg, []byte("44")) {
			ws.CloseNow()
			return nil, fmt.Errorf("connect refused: %s", msg)
		}
	}
	go c.readLoop()
	return c, nil
}

func (c *wsClient) readLoop() {
	defer close(c.done)
	ctx := context.Background()
	skip := 0 // binary attachments of the packet just read
	for {
		typ, msg, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		if typ == websocket.MessageBinary {
			if skip--; skip == 0 {
				c.resolvePending()
			}
			continue
		}
		switch {
		case len(msg) == 1 && msg[0] == '2':
			_ = c.ws.Write(ctx, websocket.MessageText, []byte("3"))
		case bytes.HasPrefix(msg, []byte("42")):
			if c.onEvent != nil {
				c.onEvent()
			}
		case bytes.HasPrefix(msg, []byte("43")):
			c.resolve(ackID(msg[2:]))
		case bytes.HasPrefix(msg, []byte("46")):
			n, rest, _ := strings.Cut(string(msg[2:]), "-")
			skip, _ = strconv.Atoi(n)
			c.mu.Lock()
			c.nextBinary = ackID([]byte(rest))
			c.mu.Unlock()
		}
	}
}

func ackID(b []byte) int {
	n := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			break
		}
		n = n*10 + int(ch-'0')
	}
	return n
}

func (c *wsClient) resolve(id int) {
	c.mu.Lock()
	ch := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if ch != nil {
		close(ch)
	}
}

func (c *wsClient) resolvePending() {
	c.mu.Lock()
	id := c.nextBinary
	c.mu.Unlock()
	c.resolve(id)
}

// echo emits "echo" with payload (and an attachment when bin is set) and
// waits for the ack.
func (c *wsClient) echo(ctx context.Context, payload string, bin []byte) error {
	c.mu.Lock()
	id := c.nextID
	c.nextID++
	ch := make(chan struct{})
	c.pending[id] = ch
	c.mu.Unlock()
	var err error
	if bin == nil {
		err = c.ws.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `42%d["echo",%s]`, id, payload))
	} else {
		err = c.ws.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `451-%d["echo",{"_placeholder":true,"num":0}]`, id))
		if err == nil {
			err = c.ws.Write(ctx, websocket.MessageBinary, bin)
		}
	}
	if err != nil {
		return err
	}
	select {
	case <-ch:
		return nil
	case <-c.done:
		return errors.New("connection closed")
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *wsClient) emit(ctx context.Context, event string, arg any) error {
	b, _ := json.Marshal([]any{event, arg})
	return c.ws.Write(ctx, websocket.MessageText, append([]byte("42"), b...))
}

func (c *wsClient) close() {
	c.ws.CloseNow()
	<-c.done
}
