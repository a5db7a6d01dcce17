//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// wsClient is a minimal Socket.IO client over WebSocket, enough to load a
// server: connect to "/", emit with an ack, count events. A client made
// with an event callback reads on a goroutine of its own; one without
// (echo) reads its answers itself, so that a round trip costs the tool no
// goroutine hand-off.
type wsClient struct {
	ws      *wsConn
	wmu     sync.Mutex // writes: the read loop answers pings
	nextID  int
	onEvent func()
	done    chan struct{} // closed when the read loop ends; nil without one
}

func dialWS(ctx context.Context, base string, onEvent func()) (*wsClient, error) {
	ws, err := dialWSConn(ctx, wsURL(base))
	if err != nil {
		return nil, err
	}
	c := &wsClient{ws: ws, onEvent: onEvent}
	fail := func(err error) (*wsClient, error) {
		ws.c.Close()
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = ws.c.SetReadDeadline(dl)
	}
	if _, msg, err := ws.read(); err != nil || len(msg) == 0 || msg[0] != '0' {
		return fail(fmt.Errorf("no open packet: %v", err))
	}
	if err := ws.write(opText, []byte("40")); err != nil {
		return fail(err)
	}
	for {
		_, msg, err := ws.read()
		if err != nil {
			return fail(err)
		}
		if bytes.HasPrefix(msg, []byte("40")) {
			break
		}
		if bytes.HasPrefix(msg, []byte("44")) {
			return fail(fmt.Errorf("connect refused: %s", msg))
		}
	}
	_ = ws.c.SetReadDeadline(time.Time{})
	if onEvent != nil {
		c.done = make(chan struct{})
		go c.readLoop()
	}
	return c, nil
}

// readLoop counts events and answers pings until the connection ends.
func (c *wsClient) readLoop() {
	defer close(c.done)
	for {
		bin, msg, err := c.ws.read()
		if err != nil {
			return
		}
		switch {
		case bin: // the attachment of a "451-" event, which ends it
			c.onEvent()
		case len(msg) == 1 && msg[0] == '2':
			if c.send([]byte("3")) != nil {
				return
			}
		case bytes.HasPrefix(msg, []byte("42")):
			c.onEvent()
		}
	}
}

func (c *wsClient) send(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.write(opText, b)
}

// echoTimeout bounds a round trip, so that a server that stops answering
// ends the run with an error rather than hanging it.
const echoTimeout = 30 * time.Second

// echo emits "echo" with payload (and an attachment when bin is set) and
// reads until the ack has come, answering pings on the way. It is for
// clients without a read loop.
func (c *wsClient) echo(payload string, bin []byte) error {
	id := c.nextID
	c.nextID++
	_ = c.ws.c.SetReadDeadline(time.Now().Add(echoTimeout))
	if bin == nil {
		if err := c.ws.write(opText, fmt.Appendf(nil, `42%d["echo",%s]`, id, payload)); err != nil {
			return err
		}
	} else {
		if err := c.ws.write(opText, fmt.Appendf(nil, `451-%d["echo",{"_placeholder":true,"num":0}]`, id)); err != nil {
			return err
		}
		if err := c.ws.write(opBinary, bin); err != nil {
			return err
		}
	}
	attachments := 0 // still to come with the ack
	for {
		isBin, msg, err := c.ws.read()
		if err != nil {
			return err
		}
		switch {
		case isBin:
			if attachments--; attachments == 0 {
				return nil
			}
		case len(msg) == 1 && msg[0] == '2':
			if err := c.ws.write(opText, []byte("3")); err != nil {
				return err
			}
		case bytes.HasPrefix(msg, []byte("43")):
			if got := ackID(msg[2:]); got != id {
				return fmt.Errorf("ack %d, want %d", got, id)
			}
			return nil
		case bytes.HasPrefix(msg, []byte("46")):
			n, rest, _ := bytes.Cut(msg[2:], []byte("-"))
			attachments, _ = strconv.Atoi(string(n))
			if got := ackID(rest); got != id || attachments < 1 {
				return fmt.Errorf("binary ack %q, want id %d", msg, id)
			}
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

func (c *wsClient) emit(event string, arg any) error {
	b, _ := json.Marshal([]any{event, arg})
	return c.send(append([]byte("42"), b...))
}

// emitBinary emits event with an attachment as its one argument.
func (c *wsClient) emitBinary(event string, bin []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ws.write(opText, fmt.Appendf(nil, `451-[%q,{"_placeholder":true,"num":0}]`, event)); err != nil {
		return err
	}
	return c.ws.write(opBinary, bin)
}

func (c *wsClient) close() {
	c.ws.c.Close()
	if c.done != nil {
		<-c.done
	}
}
