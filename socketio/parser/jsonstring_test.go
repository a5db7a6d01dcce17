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
