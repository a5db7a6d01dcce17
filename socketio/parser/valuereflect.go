package parser

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// appendReflect writes v, described by ti, as encoding/json would (quoted:
// under a ",string" struct tag option), but for binary slices, which become
// attachments. Parts that cannot hold binary data are handed to
// encoding/json whole; scalars are written here, being cheap and common in
// structs.
func appendReflect(dst []byte, v reflect.Value, ti *typeInfo, atts *[][]byte, depth, hops int, quoted bool) ([]byte, error) {
	if depth > MaxValueDepth || hops > MaxValueDepth {
		return dst, errTooDeep()
	}
	if ti.marshals || ti.addrMarshals && v.CanAddr() {
		return appendMarshaled(dst, v)
	}
	switch ti.kind {
	case reflect.Bool:
		return mayQuote(strconv.AppendBool(mayQuote(dst, quoted), v.Bool()), quoted), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return mayQuote(strconv.AppendInt(mayQuote(dst, quoted), v.Int(), 10), quoted), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return mayQuote(strconv.AppendUint(mayQuote(dst, quoted), v.Uint(), 10), quoted), nil
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return appendWhole(dst, v) // its error
		}
		bits := 64
		if ti.kind == reflect.Float32 {
			bits = 32
		}
		return mayQuote(appendFloat(mayQuote(dst, quoted), f, bits), quoted), nil
	case reflect.String:
		if ti.t == jsonNumberType {
			n := v.String()
			if n == "" {
				n = "0"
			}
			if !isJSONNumber(n) {
				return appendWhole(dst, v) // its error
			}
			return mayQuote(append(mayQuote(dst, quoted), n...), quoted), nil
		}
		if quoted {
			return AppendString(dst, string(AppendString(nil, v.String()))), nil
		}
		return AppendString(dst, v.String()), nil
	case reflect.Pointer:
		if v.IsNil() {
			return append(dst, "null"...), nil
		}
		return appendReflect(dst, v.Elem(), ti.elemInfo(), atts, depth, hops+1, quoted)
	case reflect.Interface:
		if v.IsNil() {
			return append(dst, "null"...), nil
		}
		if v.CanInterface() {
			return appendValue(dst, v.Interface(), atts, depth, hops+1)
		}
		e := v.Elem()
		return appendReflect(dst, e, typeInfoOf(e.Type()), atts, depth, hops+1, false)
	}
	if !ti.mayHoldBinary && v.CanInterface() {
		return appendWhole(dst, v)
	}
	// Below, v may hold binary data, or came through an embedded struct of
	// an unexported type, which encoding/json writes but cannot be handed
	// to it alone.
	switch ti.kind {
	case reflect.Slice:
		if v.IsNil() {
			return append(dst, "null"...), nil
		}
		if ti.binary {
			return appendBinary(dst, v.Bytes(), atts), nil
		}
		return appendElements(dst, v, ti, atts, depth)
	case reflect.Array:
		return appendElements(dst, v, ti, atts, depth)
	case reflect.Map:
		return appendReflectMap(dst, v, ti, atts, depth)
	case reflect.Struct:
		return appendStruct(dst, v, ti, atts, depth)
	}
	return appendWhole(dst, v)
}

// mayQuote appends the quote that opens or closes a quoted scalar.
func mayQuote(dst []byte, quoted bool) []byte {
	if quoted {
		return append(dst, '"')
	}
	return dst
}

// appendElements writes the elements of slice or array v as a JSON array.
func appendElements(dst []byte, v reflect.Value, ti *typeInfo, atts *[][]byte, depth int) ([]byte, error) {
	n := v.Len()
	if n == 0 {
		return append(dst, "[]"...), nil
	}
	elem := ti.elemInfo()
	dst = append(dst, '[')
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendReflect(dst, v.Index(i), elem, atts, depth+1, 0, false); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// mapEntry is one member of a map being written: its key as text, and its
// value (or, for binary values, the bytes).
type mapEntry struct {
	key string
	val reflect.Value
	bin []byte
}

// appendReflectMap writes map v with its keys as encoding/json turns them
// into strings, sorted.
func appendReflectMap(dst []byte, v reflect.Value, ti *typeInfo, atts *[][]byte, depth int) ([]byte, error) {
	if v.IsNil() {
		return append(dst, "null"...), nil
	}
	if ti.t == mapStringAnyType && v.CanInterface() {
		return appendMap(dst, v.Interface().(map[string]any), atts, depth)
	}
	elem := ti.elemInfo()
	// String keys and binary values are read through one scratch variable
	// each, rather than copied to the heap one by one.
	var keyBuf, binBuf reflect.Value
	exported := v.CanInterface() // else SetIterKey and SetIterValue refuse v
	if exported && ti.t.Key().Kind() == reflect.String {
		keyBuf = reflect.New(ti.t.Key()).Elem()
	}
	if exported && elem.binary && !elem.marshals && !elem.addrMarshals {
		binBuf = reflect.New(elem.t).Elem()
	}
	entries := make([]mapEntry, 0, v.Len())
	var it reflect.MapIter
	it.Reset(v)
	for it.Next() {
		var e mapEntry
		if keyBuf.IsValid() {
			keyBuf.SetIterKey(&it)
			e.key = keyBuf.String()
		} else {
			var err error
			if e.key, err = mapKeyText(it.Key()); err != nil {
				return dst, fmt.Errorf("json: encoding error for type %q: %q", ti.t.String(), err.Error())
			}
		}
		if binBuf.IsValid() {
			binBuf.SetIterValue(&it)
			e.bin = binBuf.Bytes()
		} else {
			e.val = it.Value()
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b mapEntry) int { return strings.Compare(a.key, b.key) })
	if depth+1 > MaxValueDepth && len(entries) > 0 {
		return dst, errTooDeep()
	}
	dst = append(dst, '{')
	for i := range entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, entries[i].key)
		dst = append(dst, ':')
		if binBuf.IsValid() {
			dst = appendBinary(dst, entries[i].bin, atts)
			continue
		}
		var err error
		if dst, err = appendReflect(dst, entries[i].val, elem, atts, depth+1, 0, false); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// mapKeyText returns the member name encoding/json writes for map key k: a
// string as it is, else the MarshalText of a TextMarshaler (empty for a nil
// pointer), else the decimal integer.
func mapKeyText(k reflect.Value) (string, error) {
	if k.Kind() == reflect.String {
		return k.String(), nil
	}
	if k.CanInterface() {
		if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
			if k.Kind() == reflect.Pointer && k.IsNil() {
				return "", nil
			}
			b, err := tm.MarshalText()
			return string(b), err
		}
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), nil
	}
	return "", fmt.Errorf("unexpected map key type %s", k.Type())
}

// appendStruct writes the fields of struct v that encoding/json writes.
func appendStruct(dst []byte, v reflect.Value, ti *typeInfo, atts *[][]byte, depth int) ([]byte, error) {
	dst = append(dst, '{')
	first := true
fields:
	for i := range ti.fields {
		f := &ti.fields[i]
		fv := v
		for _, x := range f.index {
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue fields // promoted through a nil embedded pointer
				}
				fv = fv.Elem()
			}
			fv = fv.Field(x)
		}
		if f.omitEmpty && isEmptyField(fv) || f.omitZero && isZeroField(f, fv) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, f.key...)
		var err error
		if dst, err = appendReflect(dst, fv, f.typeInfo(), atts, depth+1, 0, f.quoted); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendWhole hands v to encoding/json. An addressable v goes as a pointer,
// so that encoding/json sees it addressable too and calls the same
// pointer-receiver marshal methods it would have called in place.
func appendWhole(dst []byte, v reflect.Value) ([]byte, error) {
	if !v.CanInterface() {
		// A marshal method or unsupported type (channel, function, ...)
		// inside an embedded struct of an unexported type: encoding/json
		// panics on the first and refuses the second.
		return dst, fmt.Errorf("socketio/parser: cannot encode value of type %s reached through an unexported embedded struct", v.Type())
	}
	if v.CanAddr() {
		return appendJSON(dst, v.Addr().Interface())
	}
	return appendJSON(dst, v.Interface())
}

// appendMarshaled writes v, whose marshal method encoding/json would call.
func appendMarshaled(dst []byte, v reflect.Value) ([]byte, error) {
	if v.Kind() != reflect.Interface || !v.CanInterface() || v.IsNil() || v.Elem().Kind() != reflect.Pointer || !v.Elem().IsNil() {
		return appendWhole(dst, v)
	}
	// An interface type with the method, holding a nil pointer:
	// encoding/json calls the method on that nil pointer (where a nil
	// pointer passed to it directly would be null).
	x := v.Interface()
	if v.Type().Implements(jsonMarshalerType) {
		b, err := x.(json.Marshaler).MarshalJSON()
		if err == nil {
			buf := bytes.NewBuffer(dst)
			if err = json.Compact(buf, b); err == nil {
				return buf.Bytes(), nil
			}
		}
		return dst, &json.MarshalerError{Type: v.Type(), Err: err}
	}
	b, err := x.(encoding.TextMarshaler).MarshalText()
	if err != nil {
		return dst, &json.MarshalerError{Type: v.Type(), Err: err}
	}
	return AppendString(dst, string(b)), nil
}

// isJSONNumber reports whether s is a number by the JSON grammar, all of it.
func isJSONNumber(s string) bool {
	sc := scanner{data: []byte(s)}
	if s == "" || s[0] != '-' && !isDigit(s[0]) {
		return false
	}
	return sc.scanNumber() == nil && sc.pos == len(s)
}
