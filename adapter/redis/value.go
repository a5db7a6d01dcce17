package redisadapter

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// value is a JSON or MessagePack document as the Node adapters exchange
// them: an ordered tree, so that a packet crossing nodes keeps the exact
// order of its object keys, and binary leaves, which MessagePack carries
// natively and Socket.IO carries as attachments.
type value struct {
	k    kind
	b    bool
	i    int64
	u    uint64
	f    float64
	s    string // string, or bytes for binary
	arr  []value
	keys []string // map keys, in order; vals[i] is keys[i]'s value
	vals []value
}

type kind uint8

const (
	kNull kind = iota
	kBool
	kInt
	kUint
	kFloat
	kString
	kBinary
	kArray
	kMap
)

var errSyntax = errors.New("redisadapter: malformed message")

func vNull() value          { return value{} }
func vBool(b bool) value    { return value{k: kBool, b: b} }
func vInt(i int64) value    { return value{k: kInt, i: i} }
func vStr(s string) value   { return value{k: kString, s: s} }
func vArr(a ...value) value { return value{k: kArray, arr: a} }
func vBin(b []byte) value   { return value{k: kBinary, s: string(b)} }
func vStrings(ss []string) value {
	a := make([]value, len(ss))
	for i, s := range ss {
		a[i] = vStr(s)
	}
	return vArr(a...)
}

// vMap builds a map from alternating keys and values.
func vMap(kv ...any) value {
	m := value{k: kMap}
	for i := 0; i+1 < len(kv); i += 2 {
		m.keys = append(m.keys, kv[i].(string))
		m.vals = append(m.vals, kv[i+1].(value))
	}
	return m
}

func (v *value) set(key string, x value) {
	for i, k := range v.keys {
		if k == key {
			v.vals[i] = x
			return
		}
	}
	v.keys = append(v.keys, key)
	v.vals = append(v.vals, x)
}

// get returns the value of key in a map, or null.
func (v value) get(key string) value {
	if v.k != kMap {
		return value{}
	}
	for i, k := range v.keys {
		if k == key {
			return v.vals[i]
		}
	}
	return value{}
}

func (v value) has(key string) bool { return slices.Contains(v.keys, key) }

func (v value) str() string {
	switch v.k {
	case kString:
		return v.s
	case kInt, kUint, kFloat:
		return string(v.appendJSON(nil, nil))
	}
	return ""
}

// num returns a number (a JSON number or a numeric string) as an int.
func (v value) num() (int64, bool) {
	switch v.k {
	case kInt:
		return v.i, true
	case kUint:
		return int64(v.u), true
	case kFloat:
		return int64(v.f), true
	case kString:
		n, err := strconv.ParseInt(v.s, 10, 64)
		return n, err == nil
	}
	return 0, false
}

func (v value) truthy() bool {
	switch v.k {
	case kBool:
		return v.b
	case kInt:
		return v.i != 0
	case kUint:
		return v.u != 0
	case kFloat:
		return v.f != 0
	case kString, kBinary:
		return v.s != ""
	case kArray, kMap:
		return true
	}
	return false
}

// strings returns an array of strings (numbers written as text, as a
// Node Set of rooms may hold them).
func (v value) strings() []string {
	if v.k != kArray {
		return nil
	}
	out := make([]string, 0, len(v.arr))
	for _, x := range v.arr {
		out = append(out, x.str())
	}
	return out
}

// ---- JSON ----

// parseJSON parses a JSON document; the objects {"_placeholder":true,
// "num":n} become the binary attachments[n] when attachments is not nil.
func parseJSON(data []byte, attachments [][]byte) (value, error) {
	p := jsonParser{b: data, att: attachments}
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return value{}, err
	}
	p.ws()
	if p.i != len(p.b) {
		return value{}, errSyntax
	}
	return v, nil
}

type jsonParser struct {
	b   []byte
	i   int
	att [][]byte
}

func (p *jsonParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

const maxDepth = 1000

func (p *jsonParser) value(depth int) (value, error) {
	if p.i >= len(p.b) || depth > maxDepth {
		return value{}, errSyntax
	}
	switch c := p.b[p.i]; {
	case c == '{':
		m := value{k: kMap}
		err := p.list('}', func() error {
			if p.i >= len(p.b) || p.b[p.i] != '"' {
				return errSyntax
			}
			k, err := p.str()
			if err != nil {
				return err
			}
			p.ws()
			if p.i >= len(p.b) || p.b[p.i] != ':' {
				return errSyntax
			}
			p.i++
			p.ws()
			x, err := p.value(depth + 1)
			if err != nil {
				return err
			}
			m.keys = append(m.keys, k)
			m.vals = append(m.vals, x)
			return nil
		})
		if err != nil {
			return value{}, err
		}
		if p.att != nil && len(m.keys) == 2 && m.get("_placeholder").k == kBool && m.get("_placeholder").b {
			if n, ok := m.get("num").num(); ok && n >= 0 && n < int64(len(p.att)) && m.get("num").k != kString {
				return vBin(p.att[n]), nil
			}
		}
		return m, nil
	case c == '[':
		a := value{k: kArray, arr: []value{}}
		err := p.list(']', func() error {
			x, err := p.value(depth + 1)
			if err != nil {
				return err
			}
			a.arr = append(a.arr, x)
			return nil
		})
		if err != nil {
			return value{}, err
		}
		return a, nil
	case c == '"':
		s, err := p.str()
		return vStr(s), err
	case c == 't':
		return vBool(true), p.lit("true")
	case c == 'f':
		return vBool(false), p.lit("false")
	case c == 'n':
		return vNull(), p.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return value{}, errSyntax
}

// list reads an object or an array from its opening bracket to close,
// included; elem reads one element.
func (p *jsonParser) list(close byte, elem func() error) error {
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == close {
		p.i++
		return nil
	}
	for {
		p.ws()
		if err := elem(); err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.b) {
			return errSyntax
		}
		if p.b[p.i] == ',' {
			p.i++
			continue
		}
		if p.b[p.i] != close {
			return errSyntax
		}
		p.i++
		return nil
	}
}

func (p *jsonParser) lit(s string) error {
	if !bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		return errSyntax
	}
	p.i += len(s)
	return nil
}

func (p *jsonParser) number() (value, error) {
	start := p.i
	isFloat := false
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' {
			p.i++
			continue
		}
		if c == '.' || c == 'e' || c == 'E' {
			isFloat = true
			p.i++
			continue
		}
		break
	}
	t := string(p.b[start:p.i])
	if !isFloat {
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			return vInt(n), nil
		}
		if n, err := strconv.ParseUint(t, 10, 64); err == nil {
			return value{k: kUint, u: n}, nil
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return value{}, errSyntax
	}
	return value{k: kFloat, f: f}, nil
}

func (p *jsonParser) str() (string, error) {
	p.i++ // opening quote
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := string(p.b[start:p.i])
			p.i++
			return s, nil
		}
		if c == '\\' {
			break
		}
		p.i++
	}
	// With escapes: let strconv-compatible decoding do the work.
	end := start
	for end < len(p.b) {
		if p.b[end] == '\\' {
			end += 2
			continue
		}
		if p.b[end] == '"' {
			break
		}
		end++
	}
	if end >= len(p.b) {
		return "", errSyntax
	}
	s, err := unquoteJSON(p.b[start-1 : end+1])
	if err != nil {
		return "", err
	}
	p.i = end + 1
	return s, nil
}

func unquoteJSON(q []byte) (string, error) {
	b := q[1 : len(q)-1]
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(b) {
			return "", errSyntax
		}
		switch b[i] {
		case '"', '\\', '/':
			out = append(out, b[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(b[i+1:])
			if !ok {
				return "", errSyntax
			}
			i += 4
			if r >= 0xD800 && r < 0xDC00 && i+6 < len(b)+0 && b[i+1] == '\\' && b[i+2] == 'u' {
				if r2, ok := hex4(b[i+3:]); ok && r2 >= 0xDC00 && r2 < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
					i += 6
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", errSyntax
		}
	}
	return string(out), nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 32)
	return rune(n), err == nil
}

// appendJSON writes v as JSON; a binary leaf becomes a placeholder and is
// appended to *att (when att is nil, binary is written as a string).
func (v value) appendJSON(dst []byte, att *[][]byte) []byte {
	switch v.k {
	case kNull:
		return append(dst, "null"...)
	case kBool:
		return strconv.AppendBool(dst, v.b)
	case kInt:
		return strconv.AppendInt(dst, v.i, 10)
	case kUint:
		return strconv.AppendUint(dst, v.u, 10)
	case kFloat:
		return appendFloat(dst, v.f)
	case kString:
		return appendString(dst, v.s)
	case kBinary:
		if att == nil {
			return appendString(dst, base64.StdEncoding.EncodeToString([]byte(v.s)))
		}
		dst = append(dst, `{"_placeholder":true,"num":`...)
		dst = strconv.AppendInt(dst, int64(len(*att)), 10)
		*att = append(*att, []byte(v.s))
		return append(dst, '}')
	case kArray:
		dst = append(dst, '[')
		for i, x := range v.arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = x.appendJSON(dst, att)
		}
		return append(dst, ']')
	case kMap:
		dst = append(dst, '{')
		for i, k := range v.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = v.vals[i].appendJSON(dst, att)
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

// appendFloat formats f as JavaScript's JSON.stringify does.
func appendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go writes e-07, JavaScript e-7.
		if n := len(s); n >= 4 && s[n-4] == 'e' && s[n-2] == '0' {
			s = s[:n-2] + s[n-1:]
		}
		return append(dst, s...)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string, escaping only what JSON needs.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// ---- MessagePack ----

func encodeMsgpack(v value) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	if err := v.encode(enc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (v value) encode(e *msgpack.Encoder) error {
	switch v.k {
	case kNull:
		return e.EncodeNil()
	case kBool:
		return e.EncodeBool(v.b)
	case kInt:
		return e.EncodeInt(v.i)
	case kUint:
		return e.EncodeUint(v.u)
	case kFloat:
		if v.f == math.Trunc(v.f) && math.Abs(v.f) < 1<<53 {
			return e.EncodeInt(int64(v.f)) // as JavaScript encoders do
		}
		return e.EncodeFloat64(v.f)
	case kString:
		return e.EncodeString(v.s)
	case kBinary:
		return e.EncodeBytes([]byte(v.s))
	case kArray:
		if err := e.EncodeArrayLen(len(v.arr)); err != nil {
			return err
		}
		for _, x := range v.arr {
			if err := x.encode(e); err != nil {
				return err
			}
		}
		return nil
	case kMap:
		if err := e.EncodeMapLen(len(v.keys)); err != nil {
			return err
		}
		for i, k := range v.keys {
			if err := e.EncodeString(k); err != nil {
				return err
			}
			if err := v.vals[i].encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	return e.EncodeNil()
}

func decodeMsgpack(b []byte) (value, error) {
	in := bytes.NewReader(b)
	d := &msgDecoder{Decoder: msgpack.NewDecoder(in), b: b, in: in}
	v, err := decodeValue(d, 0)
	if err != nil {
		return value{}, fmt.Errorf("%w: %v", errSyntax, err)
	}
	return v, nil
}

// msgDecoder is a msgpack decoder that knows what is left of its input.
// The library allocates the length a string, binary or extension header
// declares before reading it: five bytes declaring 2 GiB of binary would
// cost 2 GiB and seconds. Lengths are checked against the input first.
type msgDecoder struct {
	*msgpack.Decoder
	b  []byte
	in *bytes.Reader // read by the decoder directly (it is an io.ByteScanner)
}

var errLength = errors.New("length beyond the end of the message")

// checkLength fails if the string, binary or extension at the decoder's
// position declares more bytes than the message has left.
func (d *msgDecoder) checkLength() error {
	rest := d.b[len(d.b)-d.in.Len():]
	if len(rest) == 0 {
		return errLength
	}
	c := rest[0]
	var n, hdr int // declared length, and the bytes before the payload
	switch {
	case c >= 0xa0 && c <= 0xbf: // fixstr
		n, hdr = int(c&0x1f), 1
	case c == 0xc4 || c == 0xd9: // bin8, str8
		n, hdr = lenAt(rest, 1, 1), 2
	case c == 0xc5 || c == 0xda: // bin16, str16
		n, hdr = lenAt(rest, 1, 2), 3
	case c == 0xc6 || c == 0xdb: // bin32, str32
		n, hdr = lenAt(rest, 1, 4), 5
	case c == 0xc7: // ext8: length, then type
		n, hdr = lenAt(rest, 1, 1), 3
	case c == 0xc8: // ext16
		n, hdr = lenAt(rest, 1, 2), 4
	case c == 0xc9: // ext32
		n, hdr = lenAt(rest, 1, 4), 6
	case c >= 0xd4 && c <= 0xd8: // fixext 1, 2, 4, 8, 16
		n, hdr = 1<<(c-0xd4), 2
	default:
		return nil
	}
	if n < 0 || n > len(rest)-hdr {
		return errLength
	}
	return nil
}

// lenAt reads a big-endian length of size bytes at off, or -1 if the
// message ends first.
func lenAt(b []byte, off, size int) int {
	if len(b) < off+size {
		return -1
	}
	n := 0
	for _, x := range b[off : off+size] {
		n = n<<8 | int(x)
	}
	return n
}

func decodeValue(d *msgDecoder, depth int) (value, error) {
	if depth > maxDepth {
		return value{}, errSyntax
	}
	c, err := d.PeekCode()
	if err != nil {
		return value{}, err
	}
	switch {
	case c == msgpcode.Nil:
		return vNull(), d.DecodeNil()
	case c == msgpcode.True || c == msgpcode.False:
		b, err := d.DecodeBool()
		return vBool(b), err
	case msgpcode.IsFixedNum(c) || c == msgpcode.Int8 || c == msgpcode.Int16 || c == msgpcode.Int32 || c == msgpcode.Int64 ||
		c == msgpcode.Uint8 || c == msgpcode.Uint16 || c == msgpcode.Uint32:
		n, err := d.DecodeInt64()
		return vInt(n), err
	case c == msgpcode.Uint64:
		n, err := d.DecodeUint64()
		if n <= math.MaxInt64 {
			return vInt(int64(n)), err
		}
		return value{k: kUint, u: n}, err
	case c == msgpcode.Float || c == msgpcode.Double:
		f, err := d.DecodeFloat64()
		return value{k: kFloat, f: f}, err
	case msgpcode.IsString(c):
		if err := d.checkLength(); err != nil {
			return value{}, err
		}
		s, err := d.DecodeString()
		return vStr(s), err
	case msgpcode.IsBin(c):
		if err := d.checkLength(); err != nil {
			return value{}, err
		}
		b, err := d.DecodeBytes()
		return vBin(b), err
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		n, err := d.DecodeArrayLen()
		if err != nil {
			return value{}, err
		}
		a := value{k: kArray, arr: make([]value, 0, min(n, 1024))}
		for range n {
			x, err := decodeValue(d, depth+1)
			if err != nil {
				return value{}, err
			}
			a.arr = append(a.arr, x)
		}
		return a, nil
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		n, err := d.DecodeMapLen()
		if err != nil {
			return value{}, err
		}
		m := value{k: kMap}
		for range n {
			k, err := decodeValue(d, depth+1)
			if err != nil {
				return value{}, err
			}
			x, err := decodeValue(d, depth+1)
			if err != nil {
				return value{}, err
			}
			if k.k == kNull { // undefined values are dropped, as JSON does
				continue
			}
			m.keys = append(m.keys, k.str())
			m.vals = append(m.vals, x)
		}
		return m, nil
	case msgpcode.IsExt(c):
		return decodeExt(d)
	}
	return value{}, fmt.Errorf("unknown msgpack code %#x", c)
}

// decodeExt reads the extensions JavaScript encoders write: timestamps
// (dates, which JSON writes as ISO strings) and notepack's undefined.
func decodeExt(d *msgDecoder) (value, error) {
	if err := d.checkLength(); err != nil {
		return value{}, err
	}
	typ, n, err := d.DecodeExtHeader()
	if err != nil {
		return value{}, err
	}
	b := make([]byte, n)
	if err := d.ReadFull(b); err != nil {
		return value{}, err
	}
	var t time.Time
	switch {
	case typ == -1 && n == 4:
		t = time.Unix(int64(be32(b)), 0)
	case typ == -1 && n == 8:
		hi, lo := be32(b), be32(b[4:])
		t = time.Unix(int64(hi&3)<<32|int64(lo), int64(hi>>2))
	case typ == -1 && n == 12:
		t = time.Unix(int64(be32(b[4:]))<<32|int64(be32(b[8:])), int64(be32(b)))
	case typ == 0 && n == 8:
		ms := int64(int32(be32(b)))<<32 | int64(be32(b[4:]))
		t = time.UnixMilli(ms)
	default:
		return vNull(), nil
	}
	return vStr(t.UTC().Format("2006-01-02T15:04:05.000Z")), nil
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// ---- Go values ----

// fromAny converts a Go value (as encoding/json sees it) to a value.
func fromAny(x any) value {
	switch t := x.(type) {
	case nil:
		return vNull()
	case value:
		return t
	case []byte:
		return vBin(t)
	case string:
		return vStr(t)
	case bool:
		return vBool(t)
	}
	b, err := jsonMarshal(x)
	if err != nil {
		return vNull()
	}
	v, err := parseJSON(b, nil)
	if err != nil {
		return vNull()
	}
	return v
}

// toAny converts v to what encoding/json would decode into an any; binary
// stays []byte.
func (v value) toAny() any {
	switch v.k {
	case kBool:
		return v.b
	case kInt:
		return float64(v.i)
	case kUint:
		return float64(v.u)
	case kFloat:
		return v.f
	case kString:
		return v.s
	case kBinary:
		return []byte(v.s)
	case kArray:
		out := make([]any, len(v.arr))
		for i, x := range v.arr {
			out[i] = x.toAny()
		}
		return out
	case kMap:
		out := make(map[string]any, len(v.keys))
		for i, k := range v.keys {
			out[k] = v.vals[i].toAny()
		}
		return out
	}
	return nil
}

// hasBinary reports whether v holds a binary leaf.
func (v value) hasBinary() bool {
	switch v.k {
	case kBinary:
		return true
	case kArray:
		for _, x := range v.arr {
			if x.hasBinary() {
				return true
			}
		}
	case kMap:
		for _, x := range v.vals {
			if x.hasBinary() {
				return true
			}
		}
	}
	return false
}
