package engineio

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"sync"
)

// permessage-deflate (RFC 7692) without context takeover: every message is
// compressed on its own, so a connection keeps no compressor state.

// syncTail ends every compressed message; the sender leaves it out (§7.2.1).
// finalBlock, an empty final stored block, lets the reader end cleanly.
var (
	syncTail   = []byte{0x00, 0x00, 0xff, 0xff}
	finalBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}
)

type appender struct{ b []byte }

func (a *appender) Write(p []byte) (int, error) { a.b = append(a.b, p...); return len(p), nil }

var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed)
	return w
}}

// appendDeflated appends p compressed to dst.
func appendDeflated(dst, p []byte) []byte {
	a := &appender{b: dst}
	fw := flateWriters.Get().(*flate.Writer)
	fw.Reset(a)
	_, _ = fw.Write(p)
	_ = fw.Flush()
	flateWriters.Put(fw)
	return bytes.TrimSuffix(a.b, syncTail)
}

var flateReaders sync.Pool

// inflate decompresses a message, refusing one that grows past limit.
func inflate(p []byte, limit int) ([]byte, error) {
	src := io.MultiReader(bytes.NewReader(p), bytes.NewReader(syncTail), bytes.NewReader(finalBlock))
	fr, _ := flateReaders.Get().(io.ReadCloser)
	if fr == nil {
		fr = flate.NewReader(src)
	} else {
		_ = fr.(flate.Resetter).Reset(src, nil)
	}
	defer flateReaders.Put(fr)
	out, err := io.ReadAll(io.LimitReader(fr, int64(limit)+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: bad compressed message: %w", errWSProtocol, err)
	case len(out) > limit:
		return nil, errWSTooBig
	}
	return out, nil
}
