package parser

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
)

// MaxValueDepth bounds how deeply AppendValue nests the arrays and objects
// it walks itself, and how many pointers and interfaces it follows in a row
// between two of them. It matches DefaultMaxDepth, so what the server sends,
// a Decoder with default limits accepts; and it stops a cyclic value (a map
// holding itself, a pointer to an interface holding that pointer) with an
// error instead of a crash.
const MaxValueDepth = DefaultMaxDepth

// AppendValue appends v to dst as compact JSON, turning binary data into
// attachments the way Socket.IO clients do: every []byte anywhere in v is
// written as a placeholder (see AppendPlaceholder) and appended to
// *attachments, numbered from len(*attachments) on, in depth-first order
// (the order the placeholders appear in the text).
//
// Apart from that, the text is exactly what encoding/json writes with HTML
// escaping off: struct fields are named, omitted (omitempty, omitzero, "-"),
// quoted (",string") and promoted from embedded structs by its rules; map
// keys are sorted and may be strings, integers or encoding.TextMarshaler
// values; nil slices, maps and pointers are null. "Binary" means what
// encoding/json would write as a base64 string: []byte, and any other slice
// whose elements are bytes, named or not, unless it has its own marshal
// method. A nil one is written as null, like encoding/json does. An [N]byte
// array stays an array of numbers.
//
// A value whose type implements json.Marshaler or encoding.TextMarshaler
// is written by encoding/json through that method, so a []byte inside it is
// a base64 string, not an attachment. As with encoding/json, a method of
// the pointer type only applies to addressable values (reached through a
// pointer or a slice), not to copies (v itself, map values, non-pointer
// values in interfaces). A json.RawMessage held in an interface (v itself,
// an element of []any, a value of map[string]any) is copied verbatim after
// a validity check; one in a typed position, such as a struct field, is
// compacted, as encoding/json does.
//
// Nesting beyond MaxValueDepth is an error matching ErrTooDeep (values
// written whole by encoding/json, the parts of v that cannot hold binary
// data, are only subject to its own limits); an invalid json.RawMessage
// matches ErrInvalidJSON; values that encoding/json refuses (NaN, channels,
// ...) return its error. On error, dst and *attachments are returned as they
// were.
func AppendValue(dst []byte, v any, attachments *[][]byte) ([]byte, error) {
	n, l := len(dst), len(*attachments)
	out, err := appendValue(dst, v, attachments, 0, 0)
	if err != nil {
		*attachments = (*attachments)[:l]
		return dst[:n], err
	}
	return out, nil
}

// AppendRawJSON appends raw as AppendValue appends a json.RawMessage held
// in an interface, without putting it in one: verbatim once checked, null
// when empty. Invalid JSON is an error matching ErrInvalidJSON.
func AppendRawJSON(dst, raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return append(dst, "null"...), nil
	}
	if err := validJSON(raw, 0); err != nil {
		return dst, err
	}
	return append(dst, raw...), nil
}

func errTooDeep() error {
	return &parseError{kind: ErrTooDeep, detail: "value nested more than " + strconv.Itoa(MaxValueDepth) + " levels"}
}

// appendValue writes v, nested depth arrays and objects deep, reached after
// hops pointers and interfaces in a row. Common types take the fast paths
// of the type switch; the rest is walked by appendReflect.
func appendValue(dst []byte, v any, atts *[][]byte, depth, hops int) ([]byte, error) {
	if depth > MaxValueDepth || hops > MaxValueDepth {
		return dst, errTooDeep()
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case json.RawMessage:
		return AppendRawJSON(dst, x)
	case *json.RawMessage:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendValue(dst, *x, atts, depth, hops+1)
	case []byte:
		return appendBinary(dst, x, atts), nil
	case *[]byte:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendValue(dst, *x, atts, depth, hops+1)
	case [][]byte:
		if x == nil {
			return append(dst, "null"...), nil
		}
		if depth+1 > MaxValueDepth && len(x) > 0 {
			return dst, errTooDeep()
		}
		dst = append(dst, '[')
		for i, b := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendBinary(dst, b, atts)
		}
		return append(dst, ']'), nil
	case *[][]byte:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendValue(dst, *x, atts, depth, hops+1)
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, e, atts, depth+1, 0); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case *[]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendValue(dst, *x, atts, depth, hops+1)
	case map[string]any:
		return appendMap(dst, x, atts, depth)
	case *map[string]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendValue(dst, *x, atts, depth, hops+1)
	case string:
		return AppendString(dst, x), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return appendFloat(dst, x, 64), nil
		}
		return appendJSON(dst, v) // its error
	case float32:
		if f := float64(x); !math.IsNaN(f) && !math.IsInf(f, 0) {
			return appendFloat(dst, f, 32), nil
		}
		return appendJSON(dst, v)
	}
	rv := reflect.ValueOf(v)
	return appendReflect(dst, rv, typeInfoOf(rv.Type()), atts, depth, hops, false)
}

// appendBinary writes b as a placeholder and adds it to the attachments; a
// nil b is null.
func appendBinary(dst, b []byte, atts *[][]byte) []byte {
	if b == nil {
		return append(dst, "null"...)
	}
	dst = AppendPlaceholder(dst, len(*atts))
	*atts = append(*atts, b)
	return dst
}

// appendMap writes m with its keys sorted, as encoding/json does.
func appendMap(dst []byte, m map[string]any, atts *[][]byte, depth int) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	var small [16]string
	keys := small[:0]
	if len(m) > len(small) {
		keys = make([]string, 0, len(m))
	}
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = appendValue(dst, m[k], atts, depth+1, 0); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendFloat writes f as encoding/json does: shortest representation,
// exponent form only below 1e-6 or from 1e21 on, and a two-digit negative
// exponent trimmed to one digit (1e-7, not 1e-07).
func appendFloat(dst []byte, f float64, bits int) []byte {
	a := math.Abs(f)
	format := byte('f')
	if a != 0 {
		if bits == 64 && (a < 1e-6 || a >= 1e21) || bits == 32 && (float32(a) < 1e-6 || float32(a) >= 1e21) {
			format = 'e'
		}
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		if n := len(dst) - start; n >= 4 && dst[len(dst)-4] == 'e' && dst[len(dst)-3] == '-' && dst[len(dst)-2] == '0' {
			dst[len(dst)-2] = dst[len(dst)-1]
			dst = dst[:len(dst)-1]
		}
	}
	return dst
}

// jsonWriter runs encoding/json with HTML escaping off, appending to buf.
// Pooled, so that handing a value to encoding/json costs no allocation of
// its own.
type jsonWriter struct {
	buf []byte
	enc *json.Encoder
}

func (w *jsonWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

var jsonWriters = sync.Pool{New: func() any {
	w := new(jsonWriter)
	w.enc = json.NewEncoder(w)
	w.enc.SetEscapeHTML(false)
	return w
}}

// appendJSON writes v through encoding/json with HTML escaping off and
// without the encoder's trailing newline.
func appendJSON(dst []byte, v any) ([]byte, error) {
	w := jsonWriters.Get().(*jsonWriter)
	w.buf = dst
	err := w.enc.Encode(v) // writes nothing on error
	out := w.buf
	w.buf = nil
	jsonWriters.Put(w)
	if err != nil {
		return dst, err
	}
	return out[:len(out)-1], nil
}
