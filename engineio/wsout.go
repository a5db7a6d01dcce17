package engineio

import "net"

// Big payloads leave by reference. Frame headers and small payloads are
// copied into the batch, so that a burst of small frames leaves in one
// write; a payload of refMin bytes or more is not copied: the batch notes
// where it goes, and the write gathers the pieces (writev). A broadcast's
// big payload then goes to every receiver from the one copy they share,
// also while a slow receiver's batch waits, and no batch buffer grows to a
// big message's size.

// refMin is the smallest payload written by reference: below it, copying
// costs less than the kernel's handling of one more piece.
const refMin = 8 << 10

// outRef is a payload that goes out after the batch's first at bytes.
type outRef struct {
	at   int
	data []byte
}

// appendPayload appends data to the batch b, or notes it as a reference
// when it is big; ws.mu is held.
func (ws *socket) appendPayload(b, data []byte) []byte {
	if len(data) < refMin {
		return append(b, data...)
	}
	ws.refs = append(ws.refs, outRef{at: len(b), data: data})
	ws.refBytes += len(data)
	return b
}

// pieces appends to dst what of the batch and its references is still to
// be written, in order; ws.mu is held and ws.out set.
func (ws *socket) pieces(dst [][]byte) [][]byte {
	b, skip, from := *ws.out, ws.sent, 0
	for _, r := range ws.refs {
		dst, skip = appendPiece(dst, b[from:r.at], skip)
		dst, skip = appendPiece(dst, r.data, skip)
		from = r.at
	}
	dst, _ = appendPiece(dst, b[from:], skip)
	return dst
}

// appendPiece appends what of p lies past skip bytes, and returns how many
// of them are left to skip after p.
func appendPiece(dst [][]byte, p []byte, skip int) ([][]byte, int) {
	if skip >= len(p) {
		return dst, skip - len(p)
	}
	return append(dst, p[skip:]), 0
}

// keepRefs replaces the references with copies: their data was lent for a
// send that returns before they are written; ws.mu is held.
func (ws *socket) keepRefs() {
	for i := range ws.refs {
		ws.refs[i].data = append([]byte(nil), ws.refs[i].data...)
	}
}

// writeOut writes what is left of the batch, waiting for the connection to
// take it (with the write deadline, if one is set); ws.mu is held and
// ws.out set.
func (ws *socket) writeOut() error {
	if len(ws.refs) == 0 {
		_, err := ws.conn.Write((*ws.out)[ws.sent:])
		return err
	}
	bufs := net.Buffers(ws.pieces(nil)) // writev on a TCP connection
	_, err := bufs.WriteTo(ws.conn)
	return err
}

// tryWriteOut writes what of the batch the connection takes without
// waiting and returns how much it took; ws.mu is held and ws.out set.
func (ws *socket) tryWriteOut() int {
	if len(ws.refs) == 0 {
		return ws.tryWrite((*ws.out)[ws.sent:])
	}
	return ws.tryWritePieces()
}

// outLen is how much of the batch, references included, is still to be
// written; ws.mu is held and ws.out set.
func (ws *socket) outLen() int {
	return len(*ws.out) + ws.refBytes - ws.sent
}
