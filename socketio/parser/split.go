package parser

// SplitArray returns the raw top-level elements of the JSON array data,
// without decoding them, so a server can hand each event argument to its own
// decoder. The elements alias data and carry no surrounding whitespace. The
// whole of data is validated; anything but one array is an error matching
// ErrInvalidJSON.
func SplitArray(data []byte) ([][]byte, error) {
	return AppendElements(nil, data)
}

// AppendElements is SplitArray appending to dst, so a caller can reuse one
// slice and split without allocating. On error it returns dst unchanged.
func AppendElements(dst [][]byte, data []byte) ([][]byte, error) {
	s := scanner{data: data}
	k, _, err := s.next()
	if err != nil {
		return dst, err
	}
	if k != tokArrayStart {
		return dst, s.fail("not an array")
	}
	orig := len(dst)
	elem := 0
	for {
		before := s.depth
		k, start, err := s.next()
		if err != nil {
			return dst[:orig], err
		}
		if k == tokEOF {
			return dst, nil
		}
		if before == 1 && k != tokArrayEnd {
			elem = start
		}
		if s.depth == 1 {
			dst = append(dst, data[elem:s.pos])
		}
	}
}
