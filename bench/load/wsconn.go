//go:build linux

package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// wsConn is the client side of a WebSocket with what a load tool needs and
// no more: unfragmented frames out, whole messages in, no extensions, no
// goroutine of its own. A client library's per-message machinery (a
// goroutine watching each call's context, a frame writer behind a lock
// taken through a channel) would cost the tool more CPU than the server
// spends per message, and the tool shares the machine with the server.
type wsConn struct {
	c    net.Conn
	r    *bufio.Reader
	key  [4]byte // the mask of every frame (the server must unmask anyway)
	wbuf []byte
	rbuf []byte
}

var errClosed = errors.New("websocket closed by the server")

// dialWSConn opens a WebSocket to u (ws://host/path?query).
func dialWSConn(ctx context.Context, u string) (*wsConn, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", pu.Host)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		pu.RequestURI(), pu.Host, base64.StdEncoding.EncodeToString(nonce[:]))
	if _, err := c.Write([]byte(req)); err != nil {
		c.Close()
		return nil, err
	}
	w := &wsConn{c: c, r: bufio.NewReaderSize(c, 32<<10)}
	res, err := http.ReadResponse(w.r, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("websocket handshake: %s", res.Status)
	}
	_ = c.SetDeadline(time.Time{})
	_, _ = rand.Read(w.key[:])
	return w, nil
}

const (
	opText   = 1
	opBinary = 2
	opClose  = 8
	opPing   = 9
	opPong   = 10
)

// write sends p as one masked frame.
func (w *wsConn) write(op byte, p []byte) error {
	b := append(w.wbuf[:0], 0x80|op)
	switch n := len(p); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, w.key[:]...)
	start := len(b)
	b = append(b, p...)
	for i := range b[start:] {
		b[start+i] ^= w.key[i&3]
	}
	w.wbuf = b
	_, err := w.c.Write(b)
	return err
}

// read returns the next data message, which stays valid until the next
// read. It answers WebSocket pings; a close frame ends the connection.
func (w *wsConn) read() (bin bool, msg []byte, err error) {
	msg = w.rbuf[:0]
	started := false
	for {
		var h [2]byte
		if _, err := io.ReadFull(w.r, h[:]); err != nil {
			return false, nil, err
		}
		fin, op, n := h[0]&0x80 != 0, h[0]&0x0f, int(h[1]&0x7f)
		switch n {
		case 126:
			var ext [2]byte
			if _, err := io.ReadFull(w.r, ext[:]); err != nil {
				return false, nil, err
			}
			n = int(binary.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			if _, err := io.ReadFull(w.r, ext[:]); err != nil {
				return false, nil, err
			}
			n = int(binary.BigEndian.Uint64(ext[:]))
		}
		if h[1]&0x80 != 0 {
			return false, nil, errors.New("masked frame from the server")
		}
		if op >= opClose { // control frames come whole, between fragments
			p := make([]byte, n)
			if _, err := io.ReadFull(w.r, p); err != nil {
				return false, nil, err
			}
			switch op {
			case opClose:
				w.c.Close()
				return false, nil, errClosed
			case opPing:
				if err := w.write(opPong, p); err != nil {
					return false, nil, err
				}
			}
			continue
		}
		if !started {
			started, bin = true, op == opBinary
		}
		at := len(msg)
		msg = append(msg, make([]byte, n)...)
		if _, err := io.ReadFull(w.r, msg[at:]); err != nil {
			return false, nil, err
		}
		if fin {
			w.rbuf = msg
			return bin, msg, nil
		}
	}
}

// wsURL turns the server's base URL into the Socket.IO WebSocket endpoint.
func wsURL(base string) string {
	return strings.Replace(base, "http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
}
