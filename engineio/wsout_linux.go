package engineio

import (
	"sync"
	"syscall"
)

// tryWritePieces is tryWriteOut for a batch with references: one writev
// per maxIovecs pieces.
func (ws *socket) tryWritePieces() int {
	op := writevOps.Get().(*writevOp)
	op.bufs = ws.pieces(op.bufs[:0])
	_ = ws.raw.Write(op.fn)
	n := op.n
	clear(op.bufs) // no hold on the data once pooled
	op.n = 0
	writevOps.Put(op)
	return n
}

// maxIovecs bounds the pieces of one writev; more go in further calls.
const maxIovecs = 64

// writevOp is writeOp for a batch in pieces.
type writevOp struct {
	fn   func(fd uintptr) bool
	bufs [][]byte
	iov  [maxIovecs]syscall.Iovec
	n    int
}

var writevOps = sync.Pool{New: func() any {
	op := &writevOp{}
	op.fn = op.write
	return op
}}

// write writes what of op.bufs the connection takes without waiting.
func (op *writevOp) write(fd uintptr) bool {
	for bufs := op.bufs; len(bufs) > 0; {
		k, want := min(len(bufs), maxIovecs), 0
		for i, p := range bufs[:k] {
			op.iov[i].Base = &p[0] // pieces are never empty
			op.iov[i].SetLen(len(p))
			want += len(p)
		}
		m, err := rawWritev(int(fd), op.iov[:k])
		clear(op.iov[:k])
		if err == syscall.EINTR {
			continue
		}
		if err != nil || m <= 0 {
			break
		}
		op.n += m
		if m < want {
			break // the socket is full: the rest waits for a writer
		}
		bufs = bufs[k:]
	}
	return true // never wait for the socket
}
