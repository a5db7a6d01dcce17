package parser

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
)

// MaxValueDepth bounds how deep AppendValue walks nested []any,
// map[string]any and pointers. It matches DefaultMaxDepth, so
// what the server sends, a Decoder with default limits accepts; and it stops
// a cyclic value (a map holding itself) with an error instead of a crash.
const MaxValueDepth = DefaultMaxDepth

// AppendValue appends v to dst as compact JSON, turning binary data into
// attachments the way Socket.IO clients do: every []byte found at the top
// level, inside []any, map[string]any, [][]byte or a pointer to any of these
// is written as a placeholder (see AppendPlaceholder) and appended to
// *attachments, numbered from len(*attachments) on, in depth-first order. A
// nil []byte is written as null, like encoding/json does. A json.RawMessage
// is copied verbatim (after a validity check). Map keys are sorted as
// encoding/json sorts them. Every other value goes through encoding/json with
// HTML escaping off, so its []byte fields become base64 strings as usual.
//
// Nesting of the walked containers beyond MaxValueDepth is an error matching
// ErrTooDeep; an invalid json.RawMessage matches ErrInvalidJSON; values that
// encoding/json refuses (NaN, channels, ...) return its error. On error, dst
// and *attachments are returned as they were.
func AppendValue(dst []byte, v any, attachments *[][]byte) ([]byte, error) {
	n, l := len(dst), len(*attachments)
	out, err := appendValue(dst, v, attachments, 0)
	if err != nil {
		*attachments = (*attachments)[:l]
		return dst[:n], err
	}
	return out, nil
}

func appendValue(dst []byte, v any, atts *[][]byte, depth int) ([]byte, error) {
	if depth > MaxValueDepth {
		return dst, &parseError{kind: ErrTooDeep, detail: "value nested more than " + strconv.Itoa(MaxValueDepth) + " levels"}
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case json.RawMessage:
		if len(x) == 0 {
			return append(dst, "null"...), nil
		}
		if err := validJSON(x, 0); err != nil {
			return dst, err
		}
		return append(dst, x...), nil
	case *json.RawMessage:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendValue(dst, *x, atts, depth+1)
	case []byte:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = AppendPlaceholder(dst, len(*atts))
		*atts = append(*atts, x)
		return dst, nil
	case *[]byte:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendValue(dst, *x, atts, depth+1)
	case [][]byte:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, b := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst, _ = appendValue(dst, b, atts, depth+1) // a []byte cannot fail
		}
		return append(dst, ']'), nil
	case *[][]byte:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendValue(dst, *x, atts, depth+1)
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
			if dst, err = appendValue(dst, e, atts, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case *[]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendValue(dst, *x, atts, depth+1)
	case map[string]any:
		return appendMap(dst, x, atts, depth)
	case *map[string]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendValue(dst, *x, atts, depth+1)
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
	case float32:
		if f := float64(x); !math.IsNaN(f) && !math.IsInf(f, 0) {
			return appendFloat(dst, f, 32), nil
		}
	}
	return appendJSON(dst, v)
}

// appendMap writes m with its keys sorted, as encoding/json does.
func appendMap(dst []byte, m map[string]any, atts *[][]byte, depth int) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	keys := make([]string, 0, len(m))
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
		if dst, err = appendValue(dst, m[k], atts, depth+1); err != nil {
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

// appendJSON writes v through encoding/json with HTML escaping off and
// without the encoder's trailing newline.
func appendJSON(dst []byte, v any) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	out := buf.Bytes()
	return out[:len(out)-1], nil
}
