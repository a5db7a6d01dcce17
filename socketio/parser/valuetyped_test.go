package parser

//lint:file-ignore SA5008 a ",string" option where it does not apply is on purpose: encoding/json ignores it, and so must the encoder

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ph is the placeholder text for attachment n.
func ph(n int) string { return string(AppendPlaceholder(nil, n)) }

// checkLikeJSON encodes v with AppendValue and checks that the text, with
// each placeholder replaced by the base64 string of its attachment, is
// exactly encoding/json's (HTML escaping off), that the placeholders come in
// attachment order, and returns the text and attachments.
func checkLikeJSON(t *testing.T, v any) (string, [][]byte) {
	t.Helper()
	var atts [][]byte
	out, err := AppendValue(nil, v, &atts)
	require.NoError(t, err, "%#v", v)
	want, err := marshalNoHTML(v)
	require.NoError(t, err)
	replaced, err := ReplacePlaceholders(nil, out, atts)
	require.NoError(t, err, "%s", out)
	require.Equal(t, want, string(replaced), "AppendValue gave %s", out)
	require.Equal(t, len(atts), bytes.Count(out, []byte(`{"_placeholder":true,"num":`)), "%s", out)
	rest := out
	for i := range atts { // numbered in text order
		at := bytes.Index(rest, []byte(ph(i)))
		require.GreaterOrEqual(t, at, 0, "placeholder %d in order in %s", i, out)
		rest = rest[at+1:]
	}
	return string(out), atts
}

// typedFile is the struct of the e2e test.
type typedFile struct {
	Name  string         `json:"name"`
	File  []byte         `json:"file"`
	Parts [][]byte       `json:"parts"`
	Meta  map[string]any `json:"meta"`
}

type blobBase struct {
	Data []byte `json:"data"`
	Kind string `json:"kind"`
}

type withEmbedded struct {
	blobBase
	ID int `json:"id"`
}

type withEmbeddedPtr struct {
	*blobBase
	ID int `json:"id"`
}

type omitBytes struct {
	A []byte  `json:"a,omitempty"`
	B []byte  `json:"b,omitzero"`
	C *[]byte `json:"c,omitempty"`
	D []byte  `json:"d"`
}

type ptrBytes struct {
	P  *[]byte  `json:"p"`
	PP **[]byte `json:"pp"`
}

// Blob is a named []byte: still binary.
type Blob []byte

// octet is a named byte: a slice of it is still binary.
type octet byte

type withArrays struct {
	Fixed [3]byte    `json:"fixed"` // an array of numbers, as encoding/json writes it
	Two   [2][]byte  `json:"two"`
	Named Blob       `json:"named"`
	Oct   []octet    `json:"oct"`
	Grid  [][2]uint8 `json:"grid"`
}

// sealed marshals itself: the []byte inside is base64, as encoding/json
// writes it, not an attachment.
type sealed struct{ Secret []byte }

func (s sealed) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"sealed": s.Secret})
}

// hexBytes is a []byte with MarshalText: a hex string, not binary.
type hexBytes []byte

func (h hexBytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

// addrSealed has MarshalJSON on its pointer: encoding/json calls it only on
// addressable values (reached through a pointer, a slice, an addressable
// struct), and encodes other copies field by field.
type addrSealed struct{ B []byte }

func (a *addrSealed) MarshalJSON() ([]byte, error) {
	if a == nil {
		return []byte(`"nil addrSealed"`), nil
	}
	return []byte(`{"addr": ` + strconv.Itoa(len(a.B)) + `}`), nil
}

type quotedFields struct {
	N   int         `json:"n,string"`
	F   float64     `json:"f,string"`
	B   bool        `json:"b,string"`
	S   string      `json:"s,string"`
	P   *int        `json:"p,string"`
	Num json.Number `json:"num,string"`
	Bin []byte      `json:"bin,string"` // not a scalar: the option does not apply
}

type zeroByMethod struct{ V int }

func (z zeroByMethod) IsZero() bool { return z.V < 0 }

type omitZeroes struct {
	Z  zeroByMethod  `json:"z,omitzero"`
	PZ *zeroByMethod `json:"pz,omitzero"`
	T  time.Time     `json:"t,omitzero"`
	B  []byte        `json:"b,omitzero"`
	A  [2]int        `json:"a,omitzero"`
}

type point struct{ X, Y int }

func (p point) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("%d:%d", p.X, p.Y)), nil }

type holder struct {
	M json.Marshaler `json:"m"`
	B []byte         `json:"b"`
}

func TestAppendValue_TypedBinary(t *testing.T) {
	six, nine := []byte{6}, []byte{9}
	pb := &six
	ppb := &pb
	n := 5
	cases := []struct {
		name string
		v    any
		want string
		atts [][]byte
	}{
		{"struct", typedFile{Name: "f", File: []byte{1, 2}, Parts: [][]byte{{3}, {4, 5}}, Meta: map[string]any{"bin": []byte{6}}},
			`{"name":"f","file":` + ph(0) + `,"parts":[` + ph(1) + `,` + ph(2) + `],"meta":{"bin":` + ph(3) + `}}`,
			[][]byte{{1, 2}, {3}, {4, 5}, {6}}},
		{"pointer to struct", &typedFile{Name: "p", File: []byte{9}},
			`{"name":"p","file":` + ph(0) + `,"parts":null,"meta":null}`, [][]byte{{9}}},
		{"typed slice of maps", []map[string]any{{"b": []byte{7}}}, `[{"b":` + ph(0) + `}]`, [][]byte{{7}}},
		{"map of bytes", map[string][]byte{"k": {8}, "a": nil}, `{"a":null,"k":` + ph(0) + `}`, [][]byte{{8}}},
		{"struct in map in slice", []map[string]blobBase{{"z": {Data: []byte{1}}, "y": {Kind: "k"}}},
			`[{"y":{"data":null,"kind":"k"},"z":{"data":` + ph(0) + `,"kind":""}}]`, [][]byte{{1}}},
		{"slice of pointers to structs", []*blobBase{nil, {Data: []byte{2}}},
			`[null,{"data":` + ph(0) + `,"kind":""}]`, [][]byte{{2}}},
		{"embedded struct", withEmbedded{blobBase{Data: []byte{3}, Kind: "e"}, 4},
			`{"data":` + ph(0) + `,"kind":"e","id":4}`, [][]byte{{3}}},
		{"embedded pointer", withEmbeddedPtr{&blobBase{Data: []byte{4}}, 5},
			`{"data":` + ph(0) + `,"kind":"","id":5}`, [][]byte{{4}}},
		{"nil embedded pointer", withEmbeddedPtr{nil, 6}, `{"id":6}`, nil},
		{"omitempty", omitBytes{A: []byte{}, B: []byte{}, D: []byte{}},
			`{"b":` + ph(0) + `,"d":` + ph(1) + `}`, [][]byte{{}, {}}},
		{"omitempty nil", omitBytes{}, `{"d":null}`, nil},
		{"omitempty set", omitBytes{A: []byte{1}, C: &nine},
			`{"a":` + ph(0) + `,"c":` + ph(1) + `,"d":null}`, [][]byte{{1}, {9}}},
		{"pointers to bytes", ptrBytes{P: &six, PP: ppb}, `{"p":` + ph(0) + `,"pp":` + ph(1) + `}`, [][]byte{{6}, {6}}},
		{"nil pointers to bytes", ptrBytes{}, `{"p":null,"pp":null}`, nil},
		{"named and array types", withArrays{Fixed: [3]byte{1, 2, 3}, Two: [2][]byte{{4}, nil}, Named: Blob{5}, Oct: []octet{6, 7}, Grid: [][2]uint8{{8, 9}}},
			`{"fixed":[1,2,3],"two":[` + ph(0) + `,null],"named":` + ph(1) + `,"oct":` + ph(2) + `,"grid":[[8,9]]}`,
			[][]byte{{4}, {5}, {6, 7}}},
		{"top-level named bytes", Blob{1}, ph(0), [][]byte{{1}}},
		{"top-level byte array", [2]byte{1, 2}, `[1,2]`, nil},
		{"marshaler keeps base64", []any{sealed{Secret: []byte{1, 2}}, []byte{3}},
			`[{"sealed":"AQI="},` + ph(0) + `]`, [][]byte{{3}}},
		{"text marshaler bytes", map[string]any{"h": hexBytes{0xab}, "b": []byte{1}},
			`{"b":` + ph(0) + `,"h":"ab"}`, [][]byte{{1}}},
		{"pointer marshaler, addressable", []addrSealed{{B: []byte{1, 2}}}, `[{"addr":2}]`, nil},
		{"pointer marshaler, through a pointer", &addrSealed{B: []byte{1}}, `{"addr":1}`, nil},
		{"pointer marshaler, not addressable", map[string]addrSealed{"k": {B: []byte{1}}},
			`{"k":{"B":` + ph(0) + `}}`, [][]byte{{1}}},
		{"quoted fields", quotedFields{N: 1, F: 2.5, B: true, S: `a"b`, P: &n, Num: "12", Bin: []byte{1}},
			`{"n":"1","f":"2.5","b":"true","s":"\"a\\\"b\"","p":"5","num":"12","bin":` + ph(0) + `}`, [][]byte{{1}}},
		{"omitzero", []any{omitZeroes{Z: zeroByMethod{-1}, PZ: &zeroByMethod{-1}}, omitZeroes{Z: zeroByMethod{0}, B: []byte{}, A: [2]int{0, 1}}},
			`[{},{"z":{"V":0},"b":` + ph(0) + `,"a":[0,1]}]`, [][]byte{{}}},
		{"integer keys", map[int][]byte{10: {1}, 2: {2}, -1: {3}}, `{"-1":` + ph(0) + `,"10":` + ph(1) + `,"2":` + ph(2) + `}`,
			[][]byte{{3}, {1}, {2}}},
		{"text marshaler keys", map[point][]byte{{2, 1}: {1}, {1, 2}: {2}}, `{"1:2":` + ph(0) + `,"2:1":` + ph(1) + `}`,
			[][]byte{{2}, {1}}},
		{"interface field", struct {
			A any
			S fmt.Stringer
		}{A: []byte{1}}, `{"A":` + ph(0) + `,"S":null}`, [][]byte{{1}}},
		{"marshaler interface holding nil pointer", map[string]holder{"h": {M: (*addrSealed)(nil)}},
			`{"h":{"m":"nil addrSealed","b":null}}`, nil},
		{"marshaler interface in addressable struct", []holder{{M: (*addrSealed)(nil), B: []byte{1}}},
			`[{"m":"nil addrSealed","b":` + ph(0) + `}]`, [][]byte{{1}}},
		{"depth-first order", []any{map[string]any{"b": []byte{2}, "a": []typedFile{{File: []byte{1}, Parts: [][]byte{{3}}}}}, &typedFile{File: []byte{4}}},
			`[{"a":[{"name":"","file":` + ph(0) + `,"parts":[` + ph(1) + `],"meta":null}],"b":` + ph(2) + `},{"name":"","file":` + ph(3) + `,"parts":null,"meta":null}]`,
			[][]byte{{1}, {3}, {2}, {4}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, atts := checkLikeJSON(t, c.v)
			assert.Equal(t, c.want, out)
			assert.Equal(t, c.atts, atts)
		})
	}
}

func TestAppendValue_TypedBinaryDecodesBack(t *testing.T) {
	in := typedFile{Name: "f", File: []byte{1, 2}, Parts: [][]byte{{3}, {4, 5}}, Meta: map[string]any{"n": 1.0}}
	var atts [][]byte
	out, err := AppendValue(nil, &in, &atts)
	require.NoError(t, err)
	replaced, err := ReplacePlaceholders(nil, out, atts)
	require.NoError(t, err)
	var back typedFile
	require.NoError(t, json.Unmarshal(replaced, &back))
	assert.Equal(t, in, back)
}

type cyclicNode struct {
	B    []byte      `json:"b"`
	Next *cyclicNode `json:"next"`
}

func TestAppendValue_TypedCyclesTooDeep(t *testing.T) {
	n := &cyclicNode{B: []byte{1}}
	n.Next = n
	var x any
	x = &x
	var self []any
	self = append(self, nil)
	self[0] = self
	type nest struct{ In []any }
	for _, v := range []any{n, *n, x, &x, nest{In: self}, map[string]*cyclicNode{"n": n}} {
		atts := [][]byte{{9}}
		out, err := AppendValue([]byte("keep"), v, &atts)
		assert.ErrorIs(t, err, ErrTooDeep)
		assert.Equal(t, "keep", string(out))
		assert.Equal(t, [][]byte{{9}}, atts)
	}

	// Long but finite chains are fine up to the limit: each node is one
	// level of JSON objects; the pointers between them do not count.
	var list *cyclicNode
	for range MaxValueDepth {
		list = &cyclicNode{B: []byte{2}, Next: list}
	}
	_, atts := checkLikeJSON(t, list)
	assert.Len(t, atts, MaxValueDepth)
	list = &cyclicNode{Next: list}
	var a [][]byte
	_, err := AppendValue(nil, list, &a)
	assert.ErrorIs(t, err, ErrTooDeep)
}

func TestAppendValue_TypedErrors(t *testing.T) {
	type withChan struct {
		B []byte
		C chan int
	}
	type withNaN struct {
		B []byte
		F float64
	}
	type badKey struct {
		B []byte
		M map[[2]int]int
	}
	type badNumber struct {
		B []byte
		N json.Number
	}
	for _, v := range []any{withChan{B: []byte{1}}, withNaN{B: []byte{1}, F: math.NaN()}, badKey{B: []byte{1}, M: map[[2]int]int{}},
		badNumber{B: []byte{1}, N: "1x"}, map[string]any{"a": []byte{1}, "b": withNaN{F: math.Inf(1)}}} {
		_, jsonErr := marshalNoHTML(v)
		require.Error(t, jsonErr, "encoding/json refuses %#v", v)
		atts := [][]byte{{9}}
		out, err := AppendValue([]byte("keep"), v, &atts)
		assert.Error(t, err, "%#v", v)
		assert.Equal(t, "keep", string(out))
		assert.Equal(t, [][]byte{{9}}, atts)
	}
}

// A value that cannot hold []byte goes to encoding/json whole, and a
// []byte-free value with pointer-receiver marshalers keeps encoding/json's
// addressability rules.
func TestAppendValue_NoBinaryTypesLikeEncodingJSON(t *testing.T) {
	type plain struct {
		A int               `json:"a"`
		M map[int]string    `json:"m"`
		P *addrSealedNoBin  `json:"p"`
		V addrSealedNoBin   `json:"v"`
		L []addrSealedNoBin `json:"l"`
	}
	v := plain{A: 1, M: map[int]string{2: "x", 10: "<y>"}, P: &addrSealedNoBin{1}, V: addrSealedNoBin{2}, L: []addrSealedNoBin{{3}}}
	for _, x := range []any{v, &v, []plain{v}, map[string]plain{"k": v}, []any{v, &v}} {
		_, atts := checkLikeJSON(t, x)
		assert.Empty(t, atts)
	}
	type mixed struct {
		plain
		B []byte `json:"b"`
	}
	m := mixed{v, []byte{1}}
	for _, x := range []any{m, &m, []mixed{m}, map[string]mixed{"k": m}} {
		_, atts := checkLikeJSON(t, x)
		assert.Len(t, atts, 1)
	}
}

type addrSealedNoBin struct{ N int }

func (a *addrSealedNoBin) MarshalJSON() ([]byte, error) {
	return []byte(`{"addr":` + strconv.Itoa(a.N) + `}`), nil
}
