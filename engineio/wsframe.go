package engineio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// WebSocket frames (RFC 6455 §5). The server reads masked frames and
// writes unmasked ones.

const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// Close codes the server sends or tells apart (RFC 6455 §7.4.1).
const (
	closeNormal        = 1000
	closeProtocolError = 1002
	closeNoStatus      = 1005 // never sent: the peer's close had no code
	closeTooBig        = 1009
)

type frameHeader struct {
	fin, rsv1  bool
	rsv23      bool // either reserved bit no extension uses
	op         byte
	masked     bool
	length     int64
	maskKey    [4]byte
	headerSize int
}

// errIncomplete reports that b does not hold a whole frame header yet.
var errIncomplete = errors.New("engineio: incomplete frame header")

// parseFrameHeader reads the header at the start of b.
func parseFrameHeader(b []byte) (frameHeader, error) {
	var h frameHeader
	if len(b) < 2 {
		return h, errIncomplete
	}
	h.fin = b[0]&0x80 != 0
	h.rsv1 = b[0]&0x40 != 0
	h.rsv23 = b[0]&0x30 != 0
	h.op = b[0] & 0x0f
	h.masked = b[1]&0x80 != 0
	n := 2
	switch l := b[1] & 0x7f; l {
	case 126:
		if len(b) < 4 {
			return h, errIncomplete
		}
		h.length = int64(binary.BigEndian.Uint16(b[2:]))
		n = 4
	case 127:
		if len(b) < 10 {
			return h, errIncomplete
		}
		u := binary.BigEndian.Uint64(b[2:])
		if u>>63 != 0 {
			return h, fmt.Errorf("%w: frame length has its top bit set", errWSProtocol)
		}
		h.length = int64(u)
		n = 10
	default:
		h.length = int64(l)
	}
	if h.masked {
		if len(b) < n+4 {
			return h, errIncomplete
		}
		copy(h.maskKey[:], b[n:])
		n += 4
	}
	h.headerSize = n
	return h, nil
}

// appendFrameHeader appends the header of an unmasked, final frame.
func appendFrameHeader(b []byte, op byte, rsv1 bool, length int) []byte {
	b0 := 0x80 | op
	if rsv1 {
		b0 |= 0x40
	}
	switch {
	case length < 126:
		return append(b, b0, byte(length))
	case length <= 0xffff:
		return append(b, b0, 126, byte(length>>8), byte(length))
	default:
		b = append(b, b0, 127)
		return binary.BigEndian.AppendUint64(b, uint64(length))
	}
}

// mask applies (or removes) the mask key to b, which starts at offset pos
// of the frame's payload.
func mask(b []byte, key [4]byte, pos int64) {
	// Word at a time: the key rotated to pos, repeated.
	k := key
	for i := range 4 {
		k[i] = key[(pos+int64(i))&3]
	}
	kw := binary.LittleEndian.Uint32(k[:])
	k8 := uint64(kw) | uint64(kw)<<32
	i := 0
	for ; i+32 <= len(b); i += 32 {
		w := b[i : i+32 : i+32] // one bounds check for the four words
		binary.LittleEndian.PutUint64(w, binary.LittleEndian.Uint64(w)^k8)
		binary.LittleEndian.PutUint64(w[8:], binary.LittleEndian.Uint64(w[8:])^k8)
		binary.LittleEndian.PutUint64(w[16:], binary.LittleEndian.Uint64(w[16:])^k8)
		binary.LittleEndian.PutUint64(w[24:], binary.LittleEndian.Uint64(w[24:])^k8)
	}
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k8)
	}
	for ; i < len(b); i++ {
		b[i] ^= k[i&3]
	}
}

// closePayload is the payload of a close frame with code and reason.
func closePayload(code int, reason string) []byte {
	b := make([]byte, 2, 2+len(reason))
	binary.BigEndian.PutUint16(b, uint16(code))
	return append(b, reason...)
}

// parseClosePayload reads a peer's close frame: its code, closeNoStatus if
// it has none.
func parseClosePayload(p []byte) (int, error) {
	switch {
	case len(p) == 0:
		return closeNoStatus, nil
	case len(p) == 1:
		return 0, fmt.Errorf("%w: close frame of one byte", errWSProtocol)
	}
	code := int(binary.BigEndian.Uint16(p))
	if !validCloseCode(code) {
		return 0, fmt.Errorf("%w: close code %d", errWSProtocol, code)
	}
	if !utf8.Valid(p[2:]) {
		return 0, fmt.Errorf("%w: close reason is not UTF-8", errWSProtocol)
	}
	return code, nil
}

// validCloseCode reports whether a peer may send code (RFC 6455 §7.4).
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1011:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// Errors that end a WebSocket.
var (
	// errWSProtocol: the client broke RFC 6455; it gets close 1002.
	errWSProtocol = errors.New("engineio: websocket protocol error")
	// errWSTooBig: a message over MaxPayload; it gets close 1009.
	errWSTooBig = errors.New("engineio: websocket message too big")
)

// closeError is the end of a WebSocket the client asked for with a close
// frame.
type closeError struct{ code int }

func (e *closeError) Error() string {
	return fmt.Sprintf("engineio: websocket closed by the client with %d", e.code)
}
