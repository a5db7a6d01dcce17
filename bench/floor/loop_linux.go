package main

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// The event-loop floor (-loops N): the same echo as the goroutine floor,
// served by N loops instead of a goroutine per connection. A loop is a
// goroutine with a level-triggered epoll of its own; it reads a ready
// connection once, answers and writes inline, as Node.js does: one read
// per message (a short read means the socket is empty, and the epoll
// reports data that comes later), no goroutine woken per message. It
// waits either in epoll_wait itself, on descriptors taken from the
// runtime (-loops N), or in the runtime's netpoller, which watches the
// loop's epoll and wakes the loop, on connections that stay net.Conns
// (-loops N -netpoll). It only knows what the echo needs: small
// unfragmented text frames, and writes that the socket takes whole.

type loopConn struct {
	fd  int // the loop's own descriptor; the token in -netpoll mode
	sid string
	in  []byte // what was read but is not a whole frame yet

	// -netpoll: the connection, which stays the runtime's, and the
	// functions given to its RawConn, made once.
	conn     net.Conn
	raw      syscall.RawConn
	readFn   func(uintptr) bool
	writeFn  func(uintptr) bool
	buf, out []byte
	k        int
	ioErr    error
}

type loop struct {
	epfd    int
	netpoll bool
	mu      sync.Mutex
	conns   map[int32]*loopConn
	next    int32 // -netpoll: the connections' names in the epoll
}

var loopSessions atomic.Int64

// startLoops starts n loops. With netpoll, a loop does not block in
// epoll_wait itself: its epoll descriptor is handed to the runtime's
// netpoller, which wakes the loop's goroutine when it has events, so that
// one thread sleeps for all of the process, as without loops; and the
// connections stay net.Conns, which the runtime keeps from being closed
// under a read.
func startLoops(n int, netpoll bool) []*loop {
	loops := make([]*loop, n)
	for i := range loops {
		epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			log.Fatal(err)
		}
		l := &loop{epfd: epfd, netpoll: netpoll, conns: map[int32]*loopConn{}}
		loops[i] = l
		if netpoll {
			go l.runNetpoll()
		} else {
			go l.run()
		}
	}
	return loops
}

// loopHandler answers the WebSocket handshake itself, then hands the
// connection to a loop.
func loopHandler(loops []*loop) http.HandlerFunc {
	var next atomic.Uint64
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Sec-WebSocket-Key")
		if key == "" {
			http.Error(w, "WebSocket only", http.StatusBadRequest)
			return
		}
		h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		sid := fmt.Sprint(loopSessions.Add(1))
		open := fmt.Sprintf(`0{"sid":"%s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`, sid)
		resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
			base64.StdEncoding.EncodeToString(h[:]) + "\r\n\r\n"
		out := appendTextFrame([]byte(resp), []byte(open))
		if _, err := conn.Write(out); err != nil {
			conn.Close()
			return
		}
		c := &loopConn{sid: sid, in: takeBuffered(brw.Reader)}
		l := loops[next.Add(1)%uint64(len(loops))]
		if l.netpoll {
			l.addConn(c, conn)
			return
		}
		if c.fd, err = takeFD(conn); err != nil {
			conn.Close()
			return
		}
		l.add(c)
	}
}

func takeBuffered(r *bufio.Reader) []byte {
	n := r.Buffered()
	if n == 0 {
		return nil
	}
	b, _ := r.Peek(n)
	return append([]byte(nil), b...)
}

// takeFD duplicates the connection's descriptor and closes the
// connection, which takes it out of the runtime's epoll: the copy is the
// loop's alone (and stays non-blocking: the flag is the open file's).
func takeFD(conn net.Conn) (int, error) {
	raw, err := rawOf(conn)
	if err != nil {
		return -1, err
	}
	fd, derr := -1, error(nil)
	if err := raw.Control(func(s uintptr) { fd, derr = syscall.Dup(int(s)) }); err != nil {
		return -1, err
	}
	if derr != nil {
		return -1, derr
	}
	conn.Close()
	syscall.CloseOnExec(fd)
	return fd, nil
}

func rawOf(conn net.Conn) (syscall.RawConn, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil, errors.New("no descriptor")
	}
	return sc.SyscallConn()
}

func (l *loop) add(c *loopConn) {
	l.mu.Lock()
	l.conns[int32(c.fd)] = c
	l.mu.Unlock()
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(c.fd)}
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		l.drop(c)
	}
}

func (l *loop) drop(c *loopConn) {
	l.mu.Lock()
	delete(l.conns, int32(c.fd))
	l.mu.Unlock()
	_ = syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
	_ = syscall.Close(c.fd)
}

func (l *loop) run() {
	events := make([]syscall.EpollEvent, 128)
	buf := make([]byte, 64<<10)
	var out []byte
	for {
		n, err := syscall.EpollWait(l.epfd, events, -1)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			log.Fatal(err)
		}
		for _, ev := range events[:n] {
			l.mu.Lock()
			c := l.conns[ev.Fd]
			l.mu.Unlock()
			if c == nil {
				continue
			}
			k, err := rawIO(syscall.SYS_READ, c.fd, buf)
			if err == syscall.EAGAIN {
				continue
			}
			if err != nil || k == 0 || !c.answer(buf[:k], &out) {
				l.drop(c)
				continue
			}
			if len(out) > 0 {
				if _, err := rawIO(syscall.SYS_WRITE, c.fd, out); err != nil {
					l.drop(c)
				}
			}
		}
	}
}

// answer serves what was read, with what was left of the last read, into
// out.
func (c *loopConn) answer(data []byte, out *[]byte) bool {
	if len(c.in) > 0 {
		c.in = append(c.in, data...)
		data = c.in
	}
	*out = (*out)[:0]
	rest, ok := c.serve(data, out)
	c.in = append(c.in[:0], rest...)
	return ok
}

// --- -netpoll ---

func (l *loop) addConn(c *loopConn, conn net.Conn) {
	raw, err := rawOf(conn)
	if err != nil {
		conn.Close()
		return
	}
	c.conn, c.raw = conn, raw
	c.readFn, c.writeFn = c.readOnce, c.writeOnce
	l.mu.Lock()
	l.next++
	c.fd = int(l.next)
	l.conns[l.next] = c
	l.mu.Unlock()
	var cerr error
	err = raw.Control(func(fd uintptr) {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(c.fd)}
		cerr = syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev)
	})
	if err != nil || cerr != nil {
		l.mu.Lock()
		delete(l.conns, int32(c.fd))
		l.mu.Unlock()
		conn.Close()
	}
}

// runNetpoll takes events while there are any and waits in the runtime's
// netpoller when there are none. The wait is made inside one RawConn.Read
// call, which clears the descriptor's readiness only as it starts: events
// that come between the last empty epoll_wait and the wait wake it.
func (l *loop) runNetpoll() {
	if err := syscall.SetNonblock(l.epfd, true); err != nil {
		log.Fatal(err)
	}
	f := os.NewFile(uintptr(l.epfd), "epoll")
	raw, err := f.SyscallConn()
	if err != nil {
		log.Fatal(err)
	}
	events := make([]syscall.EpollEvent, 128)
	buf := make([]byte, 64<<10)
	var out []byte
	for {
		err := raw.Read(func(uintptr) bool {
			for {
				n, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(l.epfd),
					uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
				if e != 0 && e != syscall.EINTR {
					log.Fatal(e)
				}
				if n == 0 {
					return false
				}
				for _, ev := range events[:n] {
					l.mu.Lock()
					c := l.conns[ev.Fd]
					l.mu.Unlock()
					if c != nil {
						l.serveConn(c, buf, &out)
					}
				}
			}
		})
		if err != nil {
			log.Fatal(err)
		}
	}
}

// serveConn reads c once and answers; the reads and writes go through
// its RawConn and never wait.
func (l *loop) serveConn(c *loopConn, buf []byte, out *[]byte) {
	c.buf = buf
	err := c.raw.Read(c.readFn)
	if err == nil && c.ioErr == syscall.EAGAIN {
		return
	}
	ok := err == nil && c.ioErr == nil && c.k > 0 && c.answer(buf[:c.k], out)
	if ok && len(*out) > 0 {
		c.out = *out
		err = c.raw.Write(c.writeFn)
		ok = err == nil && c.ioErr == nil
	}
	if !ok {
		l.mu.Lock()
		delete(l.conns, int32(c.fd))
		l.mu.Unlock()
		c.conn.Close() // which takes it out of the loop's epoll too
	}
}

func (c *loopConn) readOnce(fd uintptr) bool {
	c.k, c.ioErr = rawIO(syscall.SYS_READ, int(fd), c.buf)
	return true
}

func (c *loopConn) writeOnce(fd uintptr) bool {
	_, c.ioErr = rawIO(syscall.SYS_WRITE, int(fd), c.out)
	return true
}

// serve answers the whole frames of b into out and returns what is left
// of b; false ends the connection.
func (c *loopConn) serve(b []byte, out *[]byte) ([]byte, bool) {
	for len(b) >= 2 {
		op, n, hl := b[0]&0x0f, int(b[1]&0x7f), 2
		switch n {
		case 126:
			if len(b) < 4 {
				return b, true
			}
			n, hl = int(b[2])<<8|int(b[3]), 4
		case 127:
			return nil, false // not in an echo
		}
		if b[1]&0x80 == 0 {
			return nil, false // unmasked client frame
		}
		if len(b) < hl+4+n {
			return b, true
		}
		key := b[hl : hl+4]
		p := b[hl+4 : hl+4+n]
		for i := range p {
			p[i] ^= key[i&3]
		}
		b = b[hl+4+n:]
		switch {
		case op == 0x8:
			return nil, false
		case op != 0x1:
		case string(p) == "40":
			*out = appendTextFrame(*out, []byte(`40{"sid":"`+c.sid+`"}`))
		case len(p) > 2 && p[0] == '4' && p[1] == '2':
			*out = appendTextFrame(*out, ackOf(p))
		}
	}
	return b, true
}

// rawIO is a read or write that does not tell the scheduler: on a
// non-blocking socket it never blocks.
func rawIO(call uintptr, fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(call, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func appendTextFrame(b, p []byte) []byte {
	switch n := len(p); {
	case n < 126:
		b = append(b, 0x81, byte(n))
	case n < 1<<16:
		b = append(b, 0x81, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x81, 127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, p...)
}
