package engineio

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio/parser"
)

// socket is a WebSocket on a hijacked connection. It reads and writes the
// frames itself, for two reasons.
//
// Memory: an idle connection keeps no buffer (the read buffer is pooled and
// held only while a message is partly read, the write batch only while it
// leaves) and, once its reader has parked, no goroutine.
//
// System calls: the frames of a batch leave in one write (a gathering
// one when big payloads go by reference, see wsout.go), which a sender
// can try without blocking, writing its reply itself rather than waking a
// writer goroutine (see Session.writeNow); a payload longer than what one
// read brings is read straight into the message.
type socket struct {
	conn    net.Conn
	raw     syscall.RawConn // nil when the connection has none (TLS) or off Linux
	limit   int             // largest message: MaxPayload
	deflate *Deflate        // nil unless negotiated

	// Read side, used by one reader at a time.
	in         []byte  // read but not yet consumed
	inBuf      *[]byte // pooled backing of in, if any
	poller     *poller
	resume     func() // restarts a parked reader
	parked     atomic.Bool
	registered bool   // with the poller's epoll
	token      uint32 // the poller's name for it
	armed      bool   // a read deadline is set for parking
	active     bool   // data came since it was set
	idle       bool   // the last packet was a pong: park without waiting

	// Write side, under mu. A writer that must not block takes it with
	// TryLock: only the reader's control frames hold it while blocked.
	mu        sync.Mutex
	corked    bool
	out       *[]byte     // the batch
	refs      []outRef    // big payloads that go out between its bytes (wsout.go)
	refBytes  int         // the length of refs' data
	sent      int         // how much of the batch a write that stopped short took
	closeSent atomic.Bool // set under mu, read without it
	closeWait *time.Timer // ends the connection if the client does not answer a close
}

const (
	// rBuf is the read buffer: a small frame whole, with the header of
	// the next.
	rBuf = 512
	// batchBytes is how much a batch collects, big payloads included
	// (they are not copied: wsout.go), before it is written: enough to
	// make a burst of small frames one system call, little enough that a
	// writer does not hand the kernel more than it takes at once.
	batchBytes = 64 << 10
	// maxPooledBatch: a batch buffer that grew past it (a frame bigger
	// than a batch) is left to the garbage collector.
	maxPooledBatch = 2 * batchBytes
	// controlWriteTimeout bounds the write of a control frame, and
	// closeTimeout the wait for the client's answer to a close.
	controlWriteTimeout = 5 * time.Second
	closeTimeout        = 5 * time.Second
)

// parkAfter is how long a reader waits for data before it parks. Short,
// because readers that wait hold a goroutine and its stack, and the Go
// runtime keeps the memory of as many goroutines as were alive at once: a
// burst of connects at 5,000/s left 11.8 KB of RSS per idle connection with
// 1 s, 8.2 KB with 200 ms. A connection that is never quiet that long never
// parks. A variable only for tests.
var parkAfter = 200 * time.Millisecond

var (
	reads   = sync.Pool{New: func() any { b := make([]byte, rBuf); return &b }}
	batches = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}
)

// newSocket wraps a hijacked connection; buffered is what the HTTP server
// had read of it past the request.
func newSocket(c net.Conn, buffered *bufio.Reader, limit int, deflate *Deflate) *socket {
	ws := &socket{conn: c, limit: limit, deflate: deflate}
	if n := buffered.Buffered(); n > 0 {
		b, _ := buffered.Peek(n)
		ws.in = append([]byte(nil), b...)
	}
	if sc, ok := c.(syscall.Conn); ok && rawIO {
		ws.raw, _ = sc.SyscallConn()
	}
	return ws
}

// --- Reading ---

// read returns the next message, answering pings and a close on the way.
// It is called by one goroutine at a time.
func (ws *socket) read() (binary bool, msg []byte, err error) {
	started, compressed := false, false
	for {
		h, err := ws.readHeader()
		if err != nil {
			return false, nil, err
		}
		switch {
		case !h.masked:
			return false, nil, ws.fail(closeProtocolError, "unmasked client frame")
		case h.rsv23, h.rsv1 && (ws.deflate == nil || h.op == opContinuation || h.op >= opClose):
			return false, nil, ws.fail(closeProtocolError, "reserved bit set")
		}
		switch h.op {
		case opPing, opPong, opClose:
			if !h.fin || h.length > 125 {
				return false, nil, ws.fail(closeProtocolError, "fragmented or long control frame")
			}
			p, err := ws.readPayload(nil, h)
			if err != nil {
				return false, nil, err
			}
			if err := ws.control(h.op, p); err != nil {
				return false, nil, err
			}
			continue
		case opText, opBinary:
			if started {
				return false, nil, ws.fail(closeProtocolError, "new message inside a fragmented one")
			}
			started, binary, compressed = true, h.op == opBinary, h.rsv1
		case opContinuation:
			if !started {
				return false, nil, ws.fail(closeProtocolError, "continuation without a message")
			}
		default:
			return false, nil, ws.fail(closeProtocolError, fmt.Sprintf("unknown opcode %d", h.op))
		}
		if int64(len(msg))+h.length > int64(ws.limit) {
			return false, nil, ws.fail(closeTooBig, "")
		}
		if msg, err = ws.readPayload(msg, h); err != nil {
			return false, nil, err
		}
		if !h.fin {
			continue
		}
		if compressed {
			if msg, err = inflate(msg, ws.limit); err != nil {
				if errors.Is(err, errWSTooBig) {
					return false, nil, ws.fail(closeTooBig, "")
				}
				return false, nil, ws.fail(closeProtocolError, err.Error())
			}
		}
		if ws.closing() { // data after the server's close: not for the session
			msg, started = msg[:0], false
			continue
		}
		if msg == nil {
			msg = []byte{}
		}
		return binary, msg, nil
	}
}

// readHeader reads a frame header.
func (ws *socket) readHeader() (frameHeader, error) {
	if err := ws.fill(2); err != nil {
		return frameHeader{}, err
	}
	n := 2
	switch ws.in[1] & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if ws.in[1]&0x80 != 0 {
		n += 4
	}
	if err := ws.fill(n); err != nil {
		return frameHeader{}, err
	}
	h, err := parseFrameHeader(ws.in)
	if err != nil {
		return h, ws.fail(closeProtocolError, err.Error())
	}
	ws.consume(h.headerSize)
	return h, nil
}

// readPayload appends the frame's payload, unmasked, to dst: what the
// buffer holds, then the rest straight from the connection.
func (ws *socket) readPayload(dst []byte, h frameHeader) ([]byte, error) {
	start := len(dst)
	if dst == nil {
		dst = reuse(int(h.length))[:0]
	}
	dst = slices.Grow(dst, int(h.length))[:start+int(h.length)]
	p := dst[start:]
	n := copy(p, ws.in)
	ws.consume(n)
	for n < len(p) {
		m, err := ws.connRead(p[n:])
		n += m
		if err != nil && n < len(p) {
			return nil, err
		}
	}
	mask(p, h.maskKey, 0)
	return dst, nil
}

// fill reads until the buffer holds n bytes (n ≤ 14, the longest frame
// header: 2 bytes, 8 of extended length, 4 of mask key).
func (ws *socket) fill(n int) error {
	for len(ws.in) < n {
		if ws.inBuf == nil {
			ws.inBuf = reads.Get().(*[]byte)
		}
		buf := *ws.inBuf
		m := copy(buf, ws.in)
		k, err := ws.connRead(buf[m:])
		ws.in = buf[:m+k]
		if err != nil && len(ws.in) < n {
			return err
		}
	}
	return nil
}

// consume drops n bytes of the buffer; an empty buffer goes back to the
// pool, so an idle connection holds none.
func (ws *socket) consume(n int) {
	ws.in = ws.in[n:]
	if len(ws.in) == 0 {
		ws.in = nil
		if ws.inBuf != nil {
			reads.Put(ws.inBuf)
			ws.inBuf = nil
		}
	}
}

// connRead reads from the connection. A deadline set by wait is no error
// here: a message that is slow to arrive is not.
func (ws *socket) connRead(p []byte) (int, error) {
	n, err := ws.readConn(p)
	if ws.armed && errors.Is(err, os.ErrDeadlineExceeded) {
		ws.armed = false
		_ = ws.conn.SetReadDeadline(time.Time{})
		if n > 0 {
			return n, nil
		}
		return ws.readConn(p)
	}
	return n, err
}

// readConn is conn.Read, made as a raw read when the socket allows it.
func (ws *socket) readConn(p []byte) (int, error) {
	if ws.raw == nil {
		return ws.conn.Read(p)
	}
	return readInto(ws.raw, p)
}

// control answers a control frame; an error ends the reading.
func (ws *socket) control(op byte, p []byte) error {
	switch op {
	case opPing:
		if err := ws.writeControl(opPong, p); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	case opPong:
		return nil
	}
	code, err := parseClosePayload(p)
	if err != nil {
		return ws.fail(closeProtocolError, err.Error())
	}
	// Answer with the same code (none if it sent none), unless this
	// was the answer to the server's close; then the connection ends.
	var reply []byte
	if code != closeNoStatus {
		reply = p[:2]
	}
	_ = ws.writeControl(opClose, reply)
	ws.abort()
	return &closeError{code: code}
}

// fail ends the connection for a client's fault: a close frame with code,
// then the end, without waiting for an answer.
func (ws *socket) fail(code int, why string) error {
	_ = ws.writeControl(opClose, closePayload(code, ""))
	ws.abort()
	if code == closeTooBig {
		return errWSTooBig
	}
	return fmt.Errorf("%w: %s", errWSProtocol, why)
}

// closing reports whether the server has sent its close frame.
func (ws *socket) closing() bool { return ws.closeSent.Load() }

// --- Parking ---

// wait returns true once there is data to read (or the connection has
// ended: the read then reports it). A reader that waited parkAfter in vain
// parks instead: wait registers the connection with the poller and returns
// false, and the reader must end; ws.resume runs on a new goroutine when
// data comes. An idle connection then costs no goroutine.
//
// The wait reads what has come into the pooled buffer, the read that the
// reader would have made, so a busy connection makes no extra system call.
func (ws *socket) wait() bool {
	if ws.poller == nil || ws.raw == nil || len(ws.in) > 0 {
		return true
	}
	if ws.idle {
		// A pong comes alone, once per ping interval, mostly from an idle
		// client: park at once rather than after parkAfter (data already
		// waiting wakes the reader right away).
		ws.idle = false
		if ws.armed {
			ws.armed = false
			_ = ws.conn.SetReadDeadline(time.Time{})
		}
		if ws.poller.park(ws) {
			return false
		}
	}
	// The deadline is set once per parkAfter, not per message: a busy
	// connection pays no timer per read.
	if !ws.armed {
		ws.armed, ws.active = true, false
		_ = ws.conn.SetReadDeadline(time.Now().Add(parkAfter))
	}
	for {
		op := readOps.Get().(*readOp)
		err := ws.raw.Read(op.fn)
		bp, n := op.bp, op.n
		op.bp, op.n = nil, 0
		readOps.Put(op)
		if n > 0 {
			ws.in, ws.inBuf = (*bp)[:n], bp
			ws.active = true
			return true
		}
		if bp != nil {
			reads.Put(bp)
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return true // an end or an error, which the read meets again
		}
		if ws.active { // not idle for long: wait another parkAfter
			ws.active = false
			_ = ws.conn.SetReadDeadline(time.Now().Add(parkAfter))
			continue
		}
		ws.armed = false
		_ = ws.conn.SetReadDeadline(time.Time{})
		return !ws.poller.park(ws)
	}
}

// wake resumes a parked reader; the poller calls it when the connection
// is readable, abort when it ends.
func (ws *socket) wake() {
	if ws.parked.CompareAndSwap(true, false) {
		ws.poller.forget(ws)
		go ws.resume()
	}
}

// --- Writing ---

// encode adds frames for the packets of batch to the batch being
// collected, until it holds limit bytes; it returns how many it took.
func (ws *socket) encode(batch []parser.Packet, limit int) int {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.encodeLocked(batch, limit)
}

func (ws *socket) encodeLocked(batch []parser.Packet, limit int) int {
	ws.corked = true
	if ws.out == nil {
		ws.out = batches.Get().(*[]byte)
	}
	b := *ws.out
	n := 0
	for _, p := range batch {
		if len(b)+ws.refBytes >= limit {
			break
		}
		b = ws.appendPacket(b, p)
		n++
	}
	*ws.out = b
	return n
}

// appendPacket appends the frame of one packet.
func (ws *socket) appendPacket(b []byte, p parser.Packet) []byte {
	op, size := byte(opText), 1+len(p.Data)
	if p.Binary {
		op, size = opBinary, len(p.Data)
	}
	if d := ws.deflate; d != nil && size >= d.Threshold {
		payload := p.Data
		if !p.Binary {
			payload = parser.AppendText(make([]byte, 0, size), p)
		}
		z := appendDeflated(nil, payload)
		b = appendFrameHeader(b, op, true, len(z))
		return ws.appendPayload(b, z)
	}
	b = appendFrameHeader(b, op, false, size)
	if !p.Binary {
		b = parser.AppendText(b, parser.Packet{Type: p.Type})
	}
	return ws.appendPayload(b, p.Data)
}

// writeControl writes a control frame: after the batch if one is being
// collected, else at once (blocking, for controlWriteTimeout at most).
// Nothing follows a close frame.
func (ws *socket) writeControl(op byte, p []byte) error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.closeSent.Load() {
		return net.ErrClosed
	}
	if op == opClose {
		ws.closeSent.Store(true)
	}
	if ws.corked {
		*ws.out = append(appendFrameHeader(*ws.out, op, false, len(p)), p...)
		return nil
	}
	var buf [2 + 125]byte
	frame := append(appendFrameHeader(buf[:0], op, false, len(p)), p...)
	_ = ws.conn.SetWriteDeadline(time.Now().Add(controlWriteTimeout))
	_, err := ws.conn.Write(frame)
	_ = ws.conn.SetWriteDeadline(time.Time{})
	return err
}

// flush writes the batch, waiting for the connection to take all of it.
func (ws *socket) flush() error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	_, err := ws.flushLocked(true)
	return err
}

// flushLocked writes the batch, or (block false) what the connection takes
// at once. If some is left the socket stays corked (later frames queue
// behind it) and a blocking flush must finish the batch.
func (ws *socket) flushLocked(block bool) (left bool, err error) {
	if ws.out == nil {
		ws.corked = false
		return false, nil
	}
	if block || ws.raw == nil {
		err = ws.writeOut()
	} else if n := ws.tryWriteOut(); n < ws.outLen() {
		ws.sent += n
		return true, nil
	}
	ws.corked = false
	if b := *ws.out; cap(b) <= maxPooledBatch {
		*ws.out = b[:0]
		batches.Put(ws.out)
	}
	ws.out, ws.sent, ws.refBytes = nil, 0, 0
	clear(ws.refs)
	ws.refs = ws.refs[:0]
	return false, err
}

// tryWrite writes what of b the socket takes without waiting. An error
// stops it; the blocking write that follows meets it again and reports it.
func (ws *socket) tryWrite(b []byte) int {
	op := writeOps.Get().(*writeOp)
	op.b = b
	_ = ws.raw.Write(op.fn)
	n := op.n
	op.b, op.n = nil, 0
	writeOps.Put(op)
	return n
}

// --- Closing ---

// close starts the closing handshake: a close frame now; the reader ends
// the connection when the client's answer comes, or closeTimeout after.
// The caller owns writing and has flushed.
func (ws *socket) close(code int, reason string) {
	if err := ws.writeControl(opClose, closePayload(code, reason)); err != nil {
		ws.abort()
		return
	}
	ws.mu.Lock()
	ws.closeWait = time.AfterFunc(closeTimeout, ws.abort)
	ws.mu.Unlock()
}

// closeNow sends a close frame, after the batch if there is one, and ends
// the connection without waiting for an answer.
func (ws *socket) closeNow(code int, reason string) {
	_ = ws.writeControl(opClose, closePayload(code, reason))
	ws.mu.Lock()
	_ = ws.conn.SetWriteDeadline(time.Now().Add(controlWriteTimeout))
	_, _ = ws.flushLocked(true)
	ws.mu.Unlock()
	ws.abort()
}

// abort ends the connection at once, whatever is blocked on it, and
// resumes a parked reader, which then meets the end. Nil-safe.
func (ws *socket) abort() {
	if ws == nil {
		return
	}
	// What the batch holds and the kernel takes at once still goes: the
	// 101 of a session that ends before its open packet left, say.
	if ws.raw != nil && ws.mu.TryLock() {
		if ws.out != nil {
			ws.tryWriteOut()
		}
		ws.mu.Unlock()
	}
	_ = ws.conn.Close()
	ws.mu.Lock()
	if ws.closeWait != nil {
		ws.closeWait.Stop()
	}
	ws.mu.Unlock()
	ws.wake()
}
