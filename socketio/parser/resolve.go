package parser

import (
	"encoding/json"
	"math"
)

// ResolvePlaceholders walks v, a value decoded by encoding/json into any
// (map[string]any, []any, scalars), and replaces every placeholder map by the
// []byte attachment it names. It is the counterpart of AppendValue for
// handlers that take untyped arguments. Slices and maps are changed in place;
// the result is v, or the attachment when v itself is a placeholder. A
// placeholder whose num (float64 or json.Number) is not an integer index of
// attachments is left as it is: a Decoder has already rejected such packets.
// Containers nested deeper than 10000 levels (encoding/json's own limit)
// are left untouched, so even a cyclic value cannot recurse forever.
func ResolvePlaceholders(v any, attachments [][]byte) any {
	return resolve(v, attachments, 0)
}

// maxResolveDepth is encoding/json's own nesting limit: any value it decodes
// is walked whole, whatever Limits.MaxDepth the Decoder had, while a cyclic
// value built by hand still cannot recurse forever.
const maxResolveDepth = 10000

func resolve(v any, atts [][]byte, depth int) any {
	if depth > maxResolveDepth {
		return v
	}
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			x[i] = resolve(e, atts, depth+1)
		}
	case map[string]any:
		if b, ok := x[placeholderKey].(bool); ok && b {
			if i, ok := placeholderIndex(x[numKey], len(atts)); ok {
				return atts[i]
			}
			return v
		}
		for k, e := range x {
			x[k] = resolve(e, atts, depth+1)
		}
	}
	return v
}

// placeholderIndex returns num as an index below n, if it is one.
func placeholderIndex(num any, n int) (int, bool) {
	var f float64
	switch x := num.(type) {
	case float64:
		f = x
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if f < 0 || f >= float64(n) || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}
