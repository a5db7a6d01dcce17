package parser

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// hexDigits are the digits of \u escapes, lower case as encoding/json writes.
const hexDigits = "0123456789abcdef"

// AppendString appends s to dst as a JSON string, exactly as encoding/json
// writes it with HTML escaping off: '"' and '\\' are escaped, control
// characters use \b \f \n \r \t or \u00XX, U+2028 and U+2029 are escaped
// (JavaScript source cannot hold them raw), and invalid UTF-8 becomes
// \ufffd. It does not allocate when dst has capacity, so event names and
// string arguments can be written straight into a packet buffer.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	done := 0 // s[:done] is written
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[done:i]...)
			dst = appendEscapedByte(dst, c)
			i++
			done = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[done:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[done:i]...)
			dst = append(dst, `\u202`...)
			dst = append(dst, hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		done = i
	}
	dst = append(dst, s[done:]...)
	return append(dst, '"')
}

// appendEscapedByte writes the escape of an ASCII byte that cannot stand
// raw in a JSON string.
func appendEscapedByte(dst []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}

// appendUnquoted appends the value of the valid JSON string token raw
// (quotes included) to dst, decoding escapes the way encoding/json does: a
// lone surrogate and invalid UTF-8 become U+FFFD.
func appendUnquoted(dst, raw []byte) []byte {
	body := raw[1 : len(raw)-1]
	for i := 0; i < len(body); {
		c := body[i]
		if c == '\\' {
			e := body[i+1]
			if e != 'u' {
				dst = append(dst, unescapeByte(e))
				i += 2
				continue
			}
			r := rune(hexValue(body[i+2 : i+6]))
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(body) && body[i] == '\\' && body[i+1] == 'u' {
					r2 = rune(hexValue(body[i+2 : i+6]))
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, r)
		} else {
			dst = append(dst, body[i:i+size]...)
		}
		i += size
	}
	return dst
}

func unescapeByte(e byte) byte {
	switch e {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return e // '"', '\\' and '/' stand for themselves
}

// hexValue returns the value of four hex digits already validated.
func hexValue(h []byte) uint16 {
	var v uint16
	for _, c := range h {
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		v = v<<4 | uint16(c)
	}
	return v
}

// stringEquals reports whether the valid JSON string token raw (quotes
// included) decodes to s. Escapes are honoured, so "conn\u0065ct" equals
// "connect" as it would after JSON.parse.
func stringEquals(raw []byte, s string) bool {
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body) == s
	}
	if len(body) > 6*len(s) { // each decoded byte costs at most 6 raw bytes
		return false
	}
	var buf [64]byte
	return string(appendUnquoted(buf[:0], raw)) == s
}

// Unquote returns the value of raw, one JSON string token (quotes included,
// no surrounding space), as encoding/json decodes it into a Go string:
// escapes resolved, invalid UTF-8 and lone surrogates turned into U+FFFD.
// It reports false when raw is anything else. A server reads an event name
// with it, without reflection and with one allocation at most.
func Unquote(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	s := scanner{data: raw}
	if s.scanString() != nil || s.pos != len(raw) {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return string(body), true
	}
	return string(appendUnquoted(make([]byte, 0, len(body)), raw)), true
}
