package parser

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonCorpus holds valid and invalid JSON texts, shared by several tests and
// the fuzz seeds.
var jsonCorpus = []string{
	`[]`, `[1]`, ` [ 1 , "a" , {"b" : [null,true,false]} ] `, `{}`, `{"a":1}`, `"s"`, `1`, `-0.5e+10`,
	`[{"_placeholder":true,"num":0}]`, `{"_placeholder":true,"num":1}`,
	`[{"\u005fplaceholder":true,"num":0}]`, `["\ud83d\ude00","\u2028"]`,
	`[`, `]`, `[1,]`, `[,1]`, `{"a"}`, `{"a":1,}`, `{1:2}`, `[01]`, `[1.]`, `[.1]`, `[1e]`,
	`["a\u12"]`, `["\q"]`, "[\"\x01\"]", `[tru]`, `[nulll]`, `[] []`, ``, ` `, `["a"`, `[[[`,
	`{"a":{"b":{"c":[1,2,{"d":null}]}}}`, `[1 2]`, `{"a":1 "b":2}`, `{"a" 1}`, `[-]`, `[-01]`,
	"[\"\xff\xfe\"]", `[1E5,1e-5,0,-0]`,
}

func TestScanner_AgreesWithEncodingJSONValid(t *testing.T) {
	for _, s := range jsonCorpus {
		assert.Equal(t, json.Valid([]byte(s)), validJSON([]byte(s), 0) == nil, "%q", s)
	}
}

func TestScanner_DeepNestingUnlimited(t *testing.T) {
	// Beyond 64 levels the container kinds spill into deepBits.
	var b strings.Builder
	for i := 0; i < 300; i++ {
		if i%3 == 0 {
			b.WriteString(`{"k":`)
		} else {
			b.WriteString(`[`)
		}
	}
	b.WriteString(`1`)
	for i := 299; i >= 0; i-- {
		if i%3 == 0 {
			b.WriteString(`}`)
		} else {
			b.WriteString(`]`)
		}
	}
	good := b.String()
	assert.NoError(t, validJSON([]byte(good), 0))
	i := strings.Index(good, "1]")
	bad := good[:i] + "1}" + good[i+2:]
	assert.Error(t, validJSON([]byte(bad), 0), "mismatched brackets deep down")
	assert.ErrorIs(t, validJSON([]byte(good), 100), ErrTooDeep)
}

func TestSplitArray(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`[]`, []string{}},
		{` [ ] `, []string{}},
		{`["a"]`, []string{`"a"`}},
		{`["chat message","hello"]`, []string{`"chat message"`, `"hello"`}},
		{` [ 1 , "a,b" , {"b" : [null,true]} , [[]] , null ] `, []string{`1`, `"a,b"`, `{"b" : [null,true]}`, `[[]]`, `null`}},
		{`[{"_placeholder":true,"num":0},"x"]`, []string{`{"_placeholder":true,"num":0}`, `"x"`}},
		{`["a\"]b",-1.5e3]`, []string{`"a\"]b"`, `-1.5e3`}},
	}
	for _, tt := range tests {
		got, err := SplitArray([]byte(tt.in))
		require.NoError(t, err, tt.in)
		strs := []string{}
		for _, e := range got {
			strs = append(strs, string(e))
		}
		assert.Equal(t, tt.want, strs, tt.in)
	}
}

func TestSplitArray_RejectsNonArraysAndInvalidJSON(t *testing.T) {
	for _, in := range []string{``, `{}`, `"a"`, `1`, `null`, `[`, `[1,]`, `[1] x`, `[1][2]`, `[1}`, `{]`} {
		_, err := SplitArray([]byte(in))
		assert.ErrorIs(t, err, ErrInvalidJSON, in)
	}
}

func TestAppendElements_ReusesSliceWithoutAllocating(t *testing.T) {
	data := []byte(`["chat message","hello",{"a":[1,2]}]`)
	buf := make([][]byte, 0, 8)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		buf, err = AppendElements(buf[:0], data)
		if err != nil {
			panic(err)
		}
	})
	assert.Zero(t, allocs)
	assert.Len(t, buf, 3)

	prefix := [][]byte{[]byte("keep")}
	out, err := AppendElements(prefix, []byte(`[1,`))
	assert.Error(t, err)
	assert.Equal(t, prefix, out, "dst unchanged on error")
}

// encodingJSONString is what encoding/json writes for s with HTML escaping off.
func encodingJSONString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func TestAppendString_MatchesEncodingJSON(t *testing.T) {
	cases := []string{
		"", "hello", `a"b\c`, "<>&", "\x00\x01\x1f\x7f", "\b\f\n\r\t", "é日本😀",
		"\u2028\u2029", "\xff", "a\xc3", "\xed\xa0\x80", "/", "\u00a0",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		b := make([]byte, r.IntN(12))
		for j := range b {
			switch r.IntN(3) {
			case 0:
				b[j] = byte(r.IntN(0x80))
			case 1:
				b[j] = byte(r.IntN(256))
			default:
				b[j] = "\"\\\n\xe2\x80\xa8"[r.IntN(6)]
			}
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		assert.Equal(t, encodingJSONString(s), string(AppendString(nil, s)), "%q", s)
	}
}

func TestAppendString_NoAllocWithCapacity(t *testing.T) {
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() { buf = AppendString(buf[:0], "chat \"message\"\n") })
	assert.Zero(t, allocs)
}

func TestStringEquals_DecodesEscapes(t *testing.T) {
	tests := []struct {
		raw, s string
		want   bool
	}{
		{`"connect"`, "connect", true},
		{`"conn\u0065ct"`, "connect", true},
		{`"\u0063\u006f\u006e\u006e\u0065\u0063\u0074"`, "connect", true},
		{`"connect\u0000"`, "connect", false},
		{`"a\/b"`, "a/b", true},
		{`"\ud83d\ude00"`, "😀", true},
		{`"\ud83d"`, "\ufffd", true},
		{`"\ud83dx"`, "\ufffdx", true},
		{`"\ud83d\u0041"`, "\ufffdA", true},
		{"\"\xff\"", "\ufffd", false}, // no escape: compared as raw bytes
		{"\"\xff\\n\"", "\ufffd\n", true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, stringEquals([]byte(tt.raw), tt.s), tt.raw)
	}
}

func TestAppendUnquoted_MatchesEncodingJSON(t *testing.T) {
	for _, raw := range []string{
		`"plain"`, `"\"\\\/\b\f\n\r\t"`, `"\u00e9\u65e5"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00"`,
		`"\ud83d\ud83d\ude00"`, "\"\xff\xfe\"", `"é"`, `"\uDBFF\uDFFF"`,
	} {
		var want string
		require.NoError(t, json.Unmarshal([]byte(raw), &want), raw)
		got := appendUnquoted(nil, []byte(raw))
		assert.Equal(t, want, string(got), raw)
		assert.True(t, utf8.Valid(got))
	}
}
