package engineio

import (
	"bufio"
	"net"
	"sync"
)

// wire is the connection under a WebSocket, between coder/websocket and the
// kernel. It exists for two reasons.
//
// Memory: net/http hands a hijacked connection over with 4 KiB read and
// write buffers that coder/websocket would keep for the connection's life.
// The buffers wire gives it are small (most Socket.IO frames are small;
// larger payloads bypass them), and the batch buffer below is pooled, so an
// idle connection holds almost nothing.
//
// System calls: while corked, the frames coder/websocket writes are
// collected, and leave in one write (it flushes after every frame).
type wire struct {
	net.Conn
	pre []byte // read past the handshake by the HTTP server

	mu     sync.Mutex
	corked bool
	out    *[]byte // collected while corked
}

// Buffer sizes handed to coder/websocket. A read fills rBuf with whatever
// the kernel has (a small frame whole, with the header of the next); a
// payload longer than it is read straight into the message. Frame headers
// go through wBuf, payloads longer than it straight to the wire.
const (
	rBuf = 512
	wBuf = 128
)

// batches recycles batch buffers; one over maxPooledBatch is left to the
// garbage collector rather than kept by the pool.
var batches = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledBatch = 64 << 10

// newWire wraps a hijacked connection; buffered is what the HTTP server had
// read of it past the request.
func newWire(c net.Conn, buffered *bufio.Reader) (*wire, *bufio.ReadWriter) {
	w := &wire{Conn: c}
	if n := buffered.Buffered(); n > 0 {
		b, _ := buffered.Peek(n)
		w.pre = append([]byte(nil), b...)
	}
	return w, bufio.NewReadWriter(bufio.NewReaderSize(w, rBuf), bufio.NewWriterSize(w, wBuf))
}

func (w *wire) Read(p []byte) (int, error) {
	if len(w.pre) > 0 {
		n := copy(p, w.pre)
		if w.pre = w.pre[n:]; len(w.pre) == 0 {
			w.pre = nil
		}
		return n, nil
	}
	return w.Conn.Read(p)
}

// Write sends p, or adds it to the batch while corked. Frames coder/websocket
// writes on its own (pongs, close frames) come here too, and so keep their
// place after a batch that is still leaving.
func (w *wire) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.corked {
		if w.out == nil {
			w.out = batches.Get().(*[]byte)
		}
		*w.out = append(*w.out, p...)
		return len(p), nil
	}
	return w.Conn.Write(p)
}

// cork starts a batch.
func (w *wire) cork() {
	w.mu.Lock()
	w.corked = true
	w.mu.Unlock()
}

// flush ends the batch by writing it.
func (w *wire) flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.corked = false
	if w.out == nil {
		return nil
	}
	b := *w.out
	_, err := w.Conn.Write(b)
	if cap(b) <= maxPooledBatch {
		*w.out = b[:0]
		batches.Put(w.out)
	}
	w.out = nil
	return err
}
