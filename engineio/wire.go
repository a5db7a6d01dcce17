package engineio

import (
	"bufio"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
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
// collected, and leave in one write (it flushes after every frame). That
// write can be tried without blocking: a sender that finds its session idle
// writes its reply itself rather than waking a writer goroutine, and leaves
// to one only what the kernel would not take at once.
type wire struct {
	net.Conn
	raw syscall.RawConn // nil when the connection has none (TLS)
	br  *bufio.Reader   // coder/websocket's reader
	pre []byte          // read but not yet handed to br
	buf *[]byte         // pooled backing of pre, if any

	mu     sync.Mutex
	corked bool
	out    *[]byte // collected while corked

	// Parking (see wait). rmu is held while the reader waits for data,
	// and around a close handshake, the one time coder/websocket reads
	// from another goroutine.
	rmu        sync.Mutex
	poller     *poller
	resume     func() // restarts the reader
	parked     atomic.Bool
	registered bool   // with the poller's epoll
	token      uint32 // the poller's name for it
	armed      bool   // a read deadline is set for parking
	active     bool   // data came since it was set
	closing    atomic.Bool
}

// Buffer sizes handed to coder/websocket. A read fills rBuf with whatever
// the kernel has (a small frame whole, with the header of the next); a
// payload longer than it is read straight into the message. Frame headers
// go through wBuf, payloads longer than it straight to the wire.
const (
	rBuf = 512
	wBuf = 128
)

// batchBytes is how much a batch collects before it is written: enough to
// make a burst of small frames one system call, little enough that big
// frames are not copied into ever larger buffers.
const batchBytes = 64 << 10

// batches recycles batch buffers; one that grew past maxPooledBatch (a
// frame bigger than a batch) is left to the garbage collector.
var batches = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledBatch = 2 * batchBytes

// newWire wraps a hijacked connection; buffered is what the HTTP server had
// read of it past the request.
func newWire(c net.Conn, buffered *bufio.Reader) (*wire, *bufio.ReadWriter) {
	w := &wire{Conn: c}
	if n := buffered.Buffered(); n > 0 {
		b, _ := buffered.Peek(n)
		w.pre = append([]byte(nil), b...)
	}
	if sc, ok := c.(syscall.Conn); ok {
		w.raw, _ = sc.SyscallConn()
	}
	w.br = bufio.NewReaderSize(w, rBuf)
	return w, bufio.NewReadWriter(w.br, bufio.NewWriterSize(w, wBuf))
}

func (w *wire) Read(p []byte) (int, error) {
	if len(w.pre) > 0 {
		n := copy(p, w.pre)
		if w.pre = w.pre[n:]; len(w.pre) == 0 {
			w.pre = nil
			if w.buf != nil {
				reads.Put(w.buf)
				w.buf = nil
			}
		}
		return n, nil
	}
	n, err := w.Conn.Read(p)
	if w.armed && errors.Is(err, os.ErrDeadlineExceeded) {
		// The deadline is wait's, not coder/websocket's: a message
		// that takes long to arrive is no error.
		w.armed = false
		_ = w.Conn.SetReadDeadline(time.Time{})
		return w.Conn.Read(p)
	}
	return n, err
}

// Close closes the connection and resumes a parked reader, which then
// meets the end and finishes its session.
func (w *wire) Close() error {
	err := w.Conn.Close()
	w.wake()
	return err
}

// parkAfter is how long a reader waits for data before it parks.
const parkAfter = time.Second

var reads = sync.Pool{New: func() any { b := make([]byte, rBuf); return &b }}

// wait returns true once there is data to read (or the connection has
// ended: the read then reports it). A reader that waited parkAfter in vain
// parks instead: wait registers the connection with the poller and returns
// false, and the reader must end; w.resume runs on a new goroutine when
// data comes. An idle connection then costs no goroutine.
//
// The wait reads what has come into a pooled buffer, the read that coder/
// websocket would have made, so a busy connection makes no extra system
// call.
func (w *wire) wait() bool {
	if w.poller == nil || w.raw == nil {
		return true
	}
	w.rmu.Lock()
	defer w.rmu.Unlock()
	if w.br.Buffered() > 0 || len(w.pre) > 0 {
		return true
	}
	// The deadline is set once per parkAfter, not per message: a busy
	// connection pays no timer per read.
	if !w.armed {
		w.armed, w.active = true, false
		_ = w.Conn.SetReadDeadline(time.Now().Add(parkAfter))
	}
	bp := reads.Get().(*[]byte)
	for {
		if w.closing.Load() {
			reads.Put(bp)
			w.armed = false
			_ = w.Conn.SetReadDeadline(time.Time{})
			return true // the reader's read takes the close handshake
		}
		n := 0
		err := w.raw.Read(func(fd uintptr) bool {
			var rerr error
			n, rerr = syscall.Read(int(fd), *bp)
			return rerr != syscall.EAGAIN
		})
		if n > 0 {
			w.pre, w.buf = (*bp)[:n], bp
			w.active = true
			return true
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			reads.Put(bp)
			return true // an end or an error, which the reader's read meets again
		}
		if w.active && !w.closing.Load() { // not idle for long: wait another parkAfter
			w.active = false
			_ = w.Conn.SetReadDeadline(time.Now().Add(parkAfter))
			continue
		}
		reads.Put(bp)
		w.armed = false
		_ = w.Conn.SetReadDeadline(time.Time{})
		return !w.poller.park(w)
	}
}

// interrupt ends a wait at once and keeps the reader from parking: the
// close handshake needs it reading (see wait).
func (w *wire) interrupt() {
	if w.poller == nil || w.raw == nil {
		return // the reader never waits
	}
	w.closing.Store(true)
	_ = w.Conn.SetReadDeadline(time.Unix(1, 0))
}

// handshake runs closeHandshake, which reads the client's answer: it wakes
// a waiting reader to read it, and never reads alongside a wait.
func (w *wire) handshake(closeHandshake func()) {
	w.interrupt()
	w.rmu.Lock()
	defer w.rmu.Unlock()
	if w.raw != nil {
		// interrupt's deadline, which a parked reader did not clear.
		_ = w.Conn.SetReadDeadline(time.Time{})
	}
	closeHandshake()
}

// wake resumes a parked reader; the poller calls it when the connection
// is readable, Close when it ends.
func (w *wire) wake() {
	if w.parked.CompareAndSwap(true, false) {
		w.poller.forget(w)
		go w.resume()
	}
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

// buffered is the size of the batch so far.
func (w *wire) buffered() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.out == nil {
		return 0
	}
	return len(*w.out)
}

// cork starts a batch.
func (w *wire) cork() {
	w.mu.Lock()
	w.corked = true
	w.mu.Unlock()
}

// flush ends the batch by writing it, waiting for the connection to take
// all of it.
func (w *wire) flush() error {
	_, err := w.flushBatch(true)
	return err
}

// tryFlush ends the batch by writing what the connection takes at once. If
// some is left, the wire stays corked (later frames queue behind it) and
// flush must finish the batch.
func (w *wire) tryFlush() (left bool) {
	left, _ = w.flushBatch(false)
	return left
}

func (w *wire) flushBatch(block bool) (left bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.out == nil {
		w.corked = false
		return false, nil
	}
	b := *w.out
	if block || w.raw == nil {
		_, err = w.Conn.Write(b)
	} else if n := w.tryWrite(b); n < len(b) {
		*w.out = b[:copy(b, b[n:])]
		return true, nil
	}
	w.corked = false
	if cap(b) <= maxPooledBatch {
		*w.out = b[:0]
		batches.Put(w.out)
	}
	w.out = nil
	return false, err
}

// tryWrite writes what of b the socket takes without waiting. An error
// stops it; the blocking write that follows meets it again and reports it.
func (w *wire) tryWrite(b []byte) int {
	n := 0
	_ = w.raw.Write(func(fd uintptr) bool {
		for n < len(b) {
			m, err := syscall.Write(int(fd), b[n:])
			if err == syscall.EINTR {
				continue
			}
			if err != nil || m <= 0 {
				break
			}
			n += m
		}
		return true // never wait for the socket
	})
	return n
}
