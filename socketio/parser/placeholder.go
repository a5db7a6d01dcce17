package parser

import (
	"bytes"
	"encoding/base64"
	"strconv"
)

// Placeholder keys. A placeholder is a JSON object whose last "_placeholder"
// member is true, as in the reference parser (which tests
// `_placeholder === true` on the JSON.parse result, so later duplicates win).
const (
	placeholderKey = "_placeholder"
	numKey         = "num"
)

// key kinds of the member being read in an object
const (
	keyOther uint8 = iota
	keyPlaceholder
	keyNum
)

// phFrame is the state of one open object while looking for placeholders.
type phFrame struct {
	aux  int   // caller's value for this object (ReplacePlaceholders: its offset in dst)
	num  int   // last "num" member as an index, -1 when not a canonical non-negative integer
	key  uint8 // kind of the member whose value comes next
	isPH bool  // last "_placeholder" member was true
}

// phTracker follows the tokens of a scanner and recognises placeholder
// objects as they close, in one pass and without recursion. The frames of
// the first few open objects live in the tracker itself, so a tracker on the
// stack costs no allocation for ordinary payloads.
type phTracker struct {
	n     int // open objects
	small [8]phFrame
	more  []phFrame // frames beyond len(small)
}

// top returns the frame of the innermost open object.
func (t *phTracker) top() *phFrame {
	if i := t.n - 1; i < len(t.small) {
		return &t.small[i]
	}
	return &t.more[t.n-1-len(t.small)]
}

func (t *phTracker) push(f phFrame) {
	if t.n < len(t.small) {
		t.small[t.n] = f
	} else if i := t.n - len(t.small); i < len(t.more) {
		t.more[i] = f
	} else {
		t.more = append(t.more, f)
	}
	t.n++
}

func (t *phTracker) pop() phFrame {
	f := *t.top()
	t.n--
	return f
}

// token feeds the token k that started at start and was just returned by s.
// When k closes a placeholder object it returns ph true, the object's aux and
// its num (-1 when num is missing or not a valid index).
func (t *phTracker) token(s *scanner, k tokKind, start, aux int) (ph bool, objAux, num int) {
	switch k {
	case tokObjectStart, tokArrayStart:
		if s.parentIsObject() {
			t.setMember(false, false, nil)
		}
		if k == tokObjectStart {
			t.push(phFrame{aux: aux, num: -1})
		}
	case tokObjectEnd:
		if f := t.pop(); f.isPH {
			return true, f.aux, f.num
		}
	case tokString:
		if s.isKey {
			f := t.top()
			raw := s.data[start:s.pos]
			switch {
			case stringEquals(raw, placeholderKey):
				f.key = keyPlaceholder
			case stringEquals(raw, numKey):
				f.key = keyNum
			default:
				f.key = keyOther
			}
			return false, 0, 0
		}
		fallthrough
	default: // scalars
		if s.inObject() {
			t.setMember(k == tokTrue, k == tokNumber, s.data[start:s.pos])
		}
	}
	return false, 0, 0
}

// setMember records the value of the current member of the innermost object.
func (t *phTracker) setMember(isTrue, isNumber bool, raw []byte) {
	f := t.top()
	switch f.key {
	case keyPlaceholder:
		f.isPH = isTrue
	case keyNum:
		f.num = -1
		if isNumber {
			f.num = parseIndex(raw)
		}
	}
}

// parseIndex returns the value of a canonical non-negative integer (no sign,
// fraction, exponent or leading zero) that fits in an int32, else -1. Clients
// write attachment numbers this way; anything else is treated as invalid.
func parseIndex(raw []byte) int {
	if len(raw) == 0 || len(raw) > 9 || (raw[0] == '0' && len(raw) > 1) {
		return -1
	}
	n := 0
	for _, c := range raw {
		if !isDigit(c) {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// mayHavePlaceholder is a cheap filter: JSON without the bytes "placeholder"
// and without any escape cannot contain a placeholder key.
func mayHavePlaceholder(raw []byte) bool {
	return bytes.Contains(raw, []byte("placeholder")) || bytes.IndexByte(raw, '\\') >= 0
}

// HasPlaceholder reports whether the raw JSON value contains a placeholder
// object (see AppendPlaceholder), so a server knows whether an argument needs
// ReplacePlaceholders before decoding. It reports false for invalid JSON,
// even when a placeholder comes before the error.
func HasPlaceholder(raw []byte) bool {
	if !mayHavePlaceholder(raw) {
		return false
	}
	s := scanner{data: raw}
	var t phTracker
	found := false
	for {
		k, start, err := s.next()
		if err != nil {
			return false
		}
		if k == tokEOF {
			return found
		}
		if ph, _, _ := t.token(&s, k, start, 0); ph {
			found = true
		}
	}
}

// ReplacePlaceholders appends raw to dst with every placeholder object
// replaced by the JSON string of the base64 (standard encoding) of the
// attachment it names, so encoding/json can then decode it into a []byte.
// Everything else is copied byte for byte. A placeholder nested inside
// another one disappears with it but must still be valid. Invalid JSON is an
// error matching ErrInvalidJSON (whatever comes before the syntax error);
// otherwise a "num" that is not an index of attachments is an error matching
// ErrInvalidPlaceholder. On error dst is returned
// unchanged.
func ReplacePlaceholders(dst, raw []byte, attachments [][]byte) ([]byte, error) {
	orig := len(dst)
	if !mayHavePlaceholder(raw) {
		if err := validJSON(raw, 0); err != nil {
			return dst, err
		}
		return append(dst, raw...), nil
	}
	s := scanner{data: raw}
	var t phTracker
	copied := 0     // raw[:copied] is accounted for in dst
	var phErr error // the first bad placeholder; reported only if the JSON is valid
	for {
		k, start, err := s.next()
		if err != nil {
			return dst[:orig], err
		}
		if k == tokEOF {
			if phErr != nil {
				return dst[:orig], phErr
			}
			return append(dst, raw[copied:]...), nil
		}
		aux := 0
		if k == tokObjectStart {
			dst = append(dst, raw[copied:start]...)
			copied = start
			aux = len(dst)
		}
		ph, at, num := t.token(&s, k, start, aux)
		if !ph {
			continue
		}
		if num < 0 || num >= len(attachments) {
			if phErr == nil {
				phErr = &parseError{kind: ErrInvalidPlaceholder,
					detail: "num out of range at offset " + strconv.Itoa(start)}
			}
			continue
		}
		dst = appendBase64String(dst[:at], attachments[num])
		copied = s.pos
	}
}

// AppendRenumbered appends raw, a JSON value received with the attachments
// atts, to dst so that it can travel again in another packet: its
// placeholders are renumbered to follow the attachments already in *out,
// and the attachments they name are appended to *out, in text order.
// Everything else is copied byte for byte, key order and number text
// included, and no attachment is copied or read.
//
// It handles placeholders written exactly as AppendPlaceholder writes them,
// the way every official client writes them. It reports false, with dst
// and *out unchanged, when raw is not one valid JSON text, when a
// placeholder is written otherwise or names no attachment of atts, or when
// the text of a canonical placeholder appears anywhere but as a placeholder;
// the caller then decodes raw instead (ResolvePlaceholders). raw is scanned
// once, and only raw.
func AppendRenumbered(dst, raw []byte, atts [][]byte, out *[][]byte) ([]byte, bool) {
	if num, ok := PlaceholderNum(raw); ok {
		// The common case, a bare binary value: no need to scan.
		if num >= len(atts) {
			return dst, false
		}
		*out = append(*out, atts[num])
		return AppendPlaceholder(dst, len(*out)-1), true
	}
	orig, origOut := len(dst), len(*out)
	fail := func() ([]byte, bool) {
		*out = (*out)[:origOut]
		return dst[:orig], false
	}
	s := scanner{data: raw}
	var t phTracker
	copied := 0 // raw[:copied] is accounted for in dst
	found := 0  // placeholders renumbered
	for {
		k, start, err := s.next()
		if err != nil {
			return fail()
		}
		if k == tokEOF {
			break
		}
		ph, at, num := t.token(&s, k, start, start)
		if !ph {
			continue
		}
		obj := raw[at:s.pos]
		if num < 0 || num >= len(atts) || !isCanonicalPlaceholder(obj) {
			return fail()
		}
		dst = AppendPlaceholder(append(dst, raw[copied:at]...), len(*out))
		*out = append(*out, atts[num])
		copied = s.pos
		found++
	}
	// A canonical placeholder's text that is not a placeholder (a later
	// "_placeholder" member overriding it) must keep its own meaning.
	if bytes.Count(raw, []byte(canonicalStart)) != found {
		return fail()
	}
	return append(dst, raw[copied:]...), true
}

// PlaceholderNum reports whether raw is exactly one placeholder as
// AppendPlaceholder writes it, without space, and returns its num. It is the
// cheap test for the most common binary argument, a bare binary value,
// which then needs no JSON decoding at all.
func PlaceholderNum(raw []byte) (int, bool) {
	if !isCanonicalPlaceholder(raw) {
		return 0, false
	}
	num := parseIndex(raw[len(canonicalStart) : len(raw)-1])
	return num, num >= 0
}

// canonicalStart is how AppendPlaceholder starts a placeholder.
const canonicalStart = `{"_placeholder":true,"num":`

// isCanonicalPlaceholder reports whether obj is written as AppendPlaceholder
// writes a placeholder, but for its num, which may be any run of digits.
func isCanonicalPlaceholder(obj []byte) bool {
	if len(obj) < len(canonicalStart)+2 || string(obj[:len(canonicalStart)]) != canonicalStart || obj[len(obj)-1] != '}' {
		return false
	}
	for _, c := range obj[len(canonicalStart) : len(obj)-1] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// appendBase64String appends b as a JSON string of its standard base64.
func appendBase64String(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

// AppendPlaceholder appends the placeholder object for attachment num,
// exactly {"_placeholder":true,"num":N}: clients and the official test
// suite compare this text, key order included.
func AppendPlaceholder(dst []byte, num int) []byte {
	dst = append(dst, canonicalStart...)
	dst = strconv.AppendInt(dst, int64(num), 10)
	return append(dst, '}')
}
