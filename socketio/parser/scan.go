package parser

import "strconv"

// tokKind is the kind of one JSON token returned by scanner.next.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokObjectStart
	tokObjectEnd
	tokArrayStart
	tokArrayEnd
	tokString
	tokNumber
	tokTrue
	tokFalse
	tokNull
)

// scanState is what the scanner expects next.
type scanState uint8

const (
	stValue      scanState = iota // a value (top level, after ':' or after ',' in an array)
	stValueOrEnd                  // a value or ']' (just after '[')
	stKey                         // a key (after ',' in an object)
	stKeyOrEnd                    // a key or '}' (just after '{')
	stColon                       // ':' (after a key)
	stNext                        // ',' or a closing bracket; end of input at depth 0
)

// scanner is an iterative, validating JSON tokenizer over one JSON text. It
// accepts exactly what encoding/json's Valid accepts (bytes of strings are not
// checked for UTF-8), needs no recursion, so hostile nesting cannot exhaust
// the stack, and does work linear in the input. Commas and colons are
// consumed internally; every other token is returned with its start offset,
// and its end is the scanner's pos after the call.
type scanner struct {
	data     []byte
	pos      int
	depth    int // number of open containers
	maxDepth int // 0: unlimited
	state    scanState
	isKey    bool     // the last tokString returned was an object key
	objBits  uint64   // bit i set: the container at depth i+1 is an object (i < 64)
	deepBits []uint64 // the same for depths beyond 64, only for deep input
}

func (s *scanner) fail(msg string) error {
	return &parseError{kind: ErrInvalidJSON, detail: msg + " at offset " + strconv.Itoa(s.pos)}
}

// isObject reports whether the container at depth d (1-based) is an object.
func (s *scanner) isObject(d int) bool {
	i := d - 1
	if i < 64 {
		return s.objBits&(1<<uint(i)) != 0
	}
	i -= 64
	return s.deepBits[i/64]&(1<<uint(i%64)) != 0
}

// inObject reports whether the innermost open container is an object.
func (s *scanner) inObject() bool { return s.depth > 0 && s.isObject(s.depth) }

// parentIsObject reports whether the container enclosing the innermost open
// one is an object: right after a '{' or '[' token, whether that container is
// a member value.
func (s *scanner) parentIsObject() bool { return s.depth > 1 && s.isObject(s.depth-1) }

func (s *scanner) push(obj bool) error {
	if s.maxDepth > 0 && s.depth >= s.maxDepth {
		return &parseError{kind: ErrTooDeep, also: ErrInvalidJSON,
			detail: "more than " + strconv.Itoa(s.maxDepth) + " levels at offset " + strconv.Itoa(s.pos)}
	}
	i := s.depth
	s.depth++
	if i < 64 {
		if obj {
			s.objBits |= 1 << uint(i)
		} else {
			s.objBits &^= 1 << uint(i)
		}
		return nil
	}
	i -= 64
	if i/64 >= len(s.deepBits) {
		s.deepBits = append(s.deepBits, 0)
	}
	if obj {
		s.deepBits[i/64] |= 1 << uint(i%64)
	} else {
		s.deepBits[i/64] &^= 1 << uint(i%64)
	}
	return nil
}

// next returns the next token and its start offset. At the end of a complete
// JSON text it returns tokEOF; trailing non-space bytes are an error.
func (s *scanner) next() (tokKind, int, error) {
	for {
		for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
			s.pos++
		}
		if s.pos >= len(s.data) {
			if s.state == stNext && s.depth == 0 {
				return tokEOF, s.pos, nil
			}
			return tokEOF, s.pos, s.fail("unexpected end of input")
		}
		c := s.data[s.pos]
		switch s.state {
		case stNext:
			if s.depth == 0 {
				return tokEOF, s.pos, s.fail("unexpected data after the value")
			}
			obj := s.inObject()
			switch {
			case c == ',':
				s.pos++
				if obj {
					s.state = stKey
				} else {
					s.state = stValue
				}
				continue
			case c == '}' && obj:
				return s.close(tokObjectEnd)
			case c == ']' && !obj:
				return s.close(tokArrayEnd)
			}
			return tokEOF, s.pos, s.fail("expected ',' or closing bracket")
		case stColon:
			if c != ':' {
				return tokEOF, s.pos, s.fail("expected ':'")
			}
			s.pos++
			s.state = stValue
			continue
		case stKeyOrEnd, stKey:
			if c == '}' && s.state == stKeyOrEnd {
				return s.close(tokObjectEnd)
			}
			if c != '"' {
				return tokEOF, s.pos, s.fail("expected a string key")
			}
			start := s.pos
			if err := s.scanString(); err != nil {
				return tokEOF, start, err
			}
			s.state = stColon
			s.isKey = true
			return tokString, start, nil
		default: // stValue, stValueOrEnd
			if c == ']' && s.state == stValueOrEnd {
				return s.close(tokArrayEnd)
			}
			return s.value(c)
		}
	}
}

func (s *scanner) close(k tokKind) (tokKind, int, error) {
	start := s.pos
	s.pos++
	s.depth--
	s.state = stNext
	return k, start, nil
}

// value scans the value starting with c at s.pos.
func (s *scanner) value(c byte) (tokKind, int, error) {
	start := s.pos
	s.isKey = false
	switch c {
	case '{':
		if err := s.push(true); err != nil {
			return tokEOF, start, err
		}
		s.pos++
		s.state = stKeyOrEnd
		return tokObjectStart, start, nil
	case '[':
		if err := s.push(false); err != nil {
			return tokEOF, start, err
		}
		s.pos++
		s.state = stValueOrEnd
		return tokArrayStart, start, nil
	case '"':
		if err := s.scanString(); err != nil {
			return tokEOF, start, err
		}
		s.state = stNext
		return tokString, start, nil
	case 't':
		return s.literal("true", tokTrue)
	case 'f':
		return s.literal("false", tokFalse)
	case 'n':
		return s.literal("null", tokNull)
	}
	if c == '-' || isDigit(c) {
		if err := s.scanNumber(); err != nil {
			return tokEOF, start, err
		}
		s.state = stNext
		return tokNumber, start, nil
	}
	return tokEOF, start, s.fail("unexpected character " + strconv.QuoteRune(rune(c)))
}

func (s *scanner) literal(lit string, k tokKind) (tokKind, int, error) {
	start := s.pos
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return tokEOF, start, s.fail("invalid literal")
	}
	s.pos += len(lit)
	s.state = stNext
	return k, start, nil
}

// scanString moves past the string starting at s.pos (on its opening quote).
func (s *scanner) scanString() error {
	d := s.data
	i := s.pos + 1
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return nil
		case c < 0x20:
			s.pos = i
			return s.fail("control character in string")
		case c == '\\':
			if i+1 >= len(d) {
				s.pos = i
				return s.fail("unterminated escape")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
					s.pos = i
					return s.fail("invalid \\u escape")
				}
				i += 6
			default:
				s.pos = i
				return s.fail("invalid escape")
			}
		default:
			i++
		}
	}
	s.pos = i
	return s.fail("unterminated string")
}

// scanNumber moves past the number starting at s.pos, following the JSON
// grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) scanNumber() error {
	d := s.data
	i := s.pos
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && isDigit(d[i]):
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	default:
		s.pos = i
		return s.fail("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return s.fail("invalid number")
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return s.fail("invalid number")
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	s.pos = i
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// validJSON reports whether data is one complete JSON text nested at most
// maxDepth deep (0: unlimited).
func validJSON(data []byte, maxDepth int) error {
	s := scanner{data: data, maxDepth: maxDepth}
	for {
		k, _, err := s.next()
		if err != nil {
			return err
		}
		if k == tokEOF {
			return nil
		}
	}
}
