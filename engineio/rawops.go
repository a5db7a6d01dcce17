package engineio

import (
	"io"
	"sync"
	"syscall"
)

// readOp and writeOp are the functions given to syscall.RawConn, with
// their results: a closure made per call would cost allocations on every
// read and write (the closure and what it captures). Each op makes its
// function once and is pooled.
type readOp struct {
	fn func(fd uintptr) bool
	bp *[]byte // the pooled buffer read into, nil if nothing was read
	n  int
}

var readOps = sync.Pool{New: func() any {
	op := &readOp{}
	op.fn = op.read
	return op
}}

// read reads into a pooled buffer, taken only to read: a reader waiting
// for data holds none.
func (op *readOp) read(fd uintptr) bool {
	bp := reads.Get().(*[]byte)
	n, err := rawRead(int(fd), *bp)
	if err == syscall.EAGAIN {
		reads.Put(bp)
		return false // wait for the connection to be readable
	}
	op.bp, op.n = bp, n
	return true
}

// intoOp reads into a given buffer: the rest of a message's payload, or
// a frame header's missing bytes.
type intoOp struct {
	fn  func(fd uintptr) bool
	p   []byte
	n   int
	err error
}

var intoOps = sync.Pool{New: func() any {
	op := &intoOp{}
	op.fn = op.read
	return op
}}

func (op *intoOp) read(fd uintptr) bool {
	n, err := rawRead(int(fd), op.p)
	if err == syscall.EAGAIN {
		return false
	}
	switch {
	case err != nil:
		op.err = err
	case n == 0 && len(op.p) > 0:
		op.err = io.EOF
	}
	op.n = n
	return true
}

// readInto reads into p through raw as net.Conn.Read would, waiting for
// data (and meeting the read deadline) in the netpoller.
func readInto(raw syscall.RawConn, p []byte) (int, error) {
	op := intoOps.Get().(*intoOp)
	op.p = p
	err := raw.Read(op.fn)
	n := op.n
	if err == nil {
		err = op.err
	}
	op.p, op.n, op.err = nil, 0, nil
	intoOps.Put(op)
	return n, err
}

type writeOp struct {
	fn func(fd uintptr) bool
	b  []byte
	n  int // written of b
}

var writeOps = sync.Pool{New: func() any {
	op := &writeOp{}
	op.fn = op.write
	return op
}}

// write writes what of op.b the connection takes without waiting.
func (op *writeOp) write(fd uintptr) bool {
	for op.n < len(op.b) {
		m, err := rawWrite(int(fd), op.b[op.n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil || m <= 0 {
			break
		}
		op.n += m
	}
	return true // never wait for the socket
}
