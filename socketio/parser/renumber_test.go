package parser

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendRenumbered(t *testing.T) {
	zero, one, two := []byte("zero"), []byte("one"), []byte("two")
	atts := [][]byte{zero, one, two}
	for _, tt := range []struct {
		name, raw, want string
		wantAtts        [][]byte
	}{
		{"bare", `{"_placeholder":true,"num":1}`, `{"_placeholder":true,"num":5}`, [][]byte{one}},
		{"nested, key order and number text kept",
			`{"z":1.0,"b":{"_placeholder":true,"num":2},"a":[ {"_placeholder":true,"num":0} ,1e3]}`,
			`{"z":1.0,"b":{"_placeholder":true,"num":5},"a":[ {"_placeholder":true,"num":6} ,1e3]}`, [][]byte{two, zero}},
		{"same attachment twice", `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]`,
			`[{"_placeholder":true,"num":5},{"_placeholder":true,"num":6}]`, [][]byte{zero, zero}},
		{"no placeholder", ` {"a":"{\"_placeholder\":true"} `, ` {"a":"{\"_placeholder\":true"} `, nil},
		{"placeholder text in a string", `"{\"_placeholder\":true,\"num\":0}"`, `"{\"_placeholder\":true,\"num\":0}"`, nil},
		{"false placeholder", `{"_placeholder":false,"num":0}`, `{"_placeholder":false,"num":0}`, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := [][]byte{nil, nil, nil, nil, nil} // five attachments already in the packet
			got, ok := AppendRenumbered([]byte("x"), []byte(tt.raw), atts, &out)
			require.True(t, ok)
			assert.Equal(t, "x"+tt.want, string(got))
			require.Len(t, out, 5+len(tt.wantAtts))
			for i, a := range tt.wantAtts {
				assert.Same(t, &a[0], &out[5+i][0], "attachment %d copied", i)
			}
		})
	}
}

func TestAppendRenumbered_Refuses(t *testing.T) {
	atts := [][]byte{[]byte("zero"), []byte("one")}
	for _, raw := range []string{
		``, ` `, `{`, `[{"_placeholder":true,"num":0}`, `{"_placeholder":true,"num":0}x`,
		`{"_placeholder":true,"num":01}`, `[{"_placeholder":true,"num":01}]`,
		`{"_placeholder":true,"num":2}`, `[{"_placeholder":true,"num":2}]`,
		`{"_placeholder":true,"num":12345678901234567890}`, `{"_placeholder":true,"num":-1}`,
		`{"_placeholder":true,"num":1.0}`, `{ "_placeholder":true,"num":0}`, `{"num":0,"_placeholder":true}`,
		`{"_placeholder":true,"num":0,"x":1}`, `{"\u005fplaceholder":true,"num":0}`,
		// a canonical placeholder's text overridden by a later member
		`[{"_placeholder":true,"num":0,"_placeholder":false},{"_placeholder":true,"num":1}]`,
		`{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":1}}`,
	} {
		out := [][]byte{[]byte("kept")}
		got, ok := AppendRenumbered([]byte("x"), []byte(raw), atts, &out)
		assert.False(t, ok, raw)
		assert.Equal(t, "x", string(got), raw)
		assert.Len(t, out, 1, raw)
	}
}

func TestAppendRenumbered_NoAllocation(t *testing.T) {
	raw := []byte(`["a",{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}]`)
	bare := []byte(`{"_placeholder":true,"num":1}`)
	atts := [][]byte{make([]byte, 16<<10), make([]byte, 16<<10)}
	dst := make([]byte, 0, 256)
	out := make([][]byte, 0, 8)
	allocs := testing.AllocsPerRun(100, func() {
		dst, _ = AppendRenumbered(dst[:0], raw, atts, &out)
		dst, _ = AppendRenumbered(dst, bare, atts, &out)
		out = out[:0]
	})
	assert.Zero(t, allocs)
}

func TestUnquote(t *testing.T) {
	for _, raw := range []string{
		`""`, `"echo"`, `"chat message"`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u0041"`, `"é😀"`,
		`"\ud83d\ude00"`, `"\ud83d"`, `"\ude00x"`, `"\ud83dx"`, "\"\xff\xfe\"", "\"a\xc3\"",
	} {
		var want string
		require.NoError(t, json.Unmarshal([]byte(raw), &want), raw)
		got, ok := Unquote([]byte(raw))
		assert.True(t, ok, raw)
		assert.Equal(t, want, got, raw)
	}
	for _, raw := range []string{``, `"`, `"a`, `a"`, `1`, `null`, ` "a"`, `"a" `, `"a"b"`, `"\x"`, `"\u12"`, "\"\x01\""} {
		_, ok := Unquote([]byte(raw))
		assert.False(t, ok, raw)
	}
}

// renumberedReference is the algorithm AppendRenumbered replaced: find the
// canonical placeholder texts, renumber them, and accept the result only if
// no other placeholder is left.
func renumberedReference(dst, raw []byte, atts [][]byte, out *[][]byte) ([]byte, bool) {
	start, n := len(dst), len(*out)
	fail := func() ([]byte, bool) {
		*out = (*out)[:n]
		return dst[:start], false
	}
	prefix := []byte(canonicalStart)
	rest := raw
	var plain []byte
	for {
		i := bytes.Index(rest, prefix)
		if i < 0 {
			break
		}
		j := i + len(prefix)
		k := j
		for k < len(rest) && isDigit(rest[k]) {
			k++
		}
		if k == j || k >= len(rest) || rest[k] != '}' {
			return fail()
		}
		num, err := strconv.Atoi(string(rest[j:k]))
		if err != nil || num >= len(atts) {
			return fail()
		}
		dst = AppendPlaceholder(append(dst, rest[:i]...), len(*out))
		*out = append(*out, atts[num])
		plain = append(append(plain, rest[:i]...), "null"...)
		rest = rest[k+1:]
	}
	if HasPlaceholder(append(plain, rest...)) {
		return fail()
	}
	return append(dst, rest...), true
}

func FuzzAppendRenumbered(f *testing.F) {
	for _, s := range jsonCorpus {
		f.Add([]byte(s), uint8(2))
	}
	for _, s := range []string{
		`{"_placeholder":true,"num":0}`, `{"_placeholder":true,"num":01}`, `{"_placeholder":true,"num":7}`,
		`["x",{"_placeholder":true,"num":1},{"a":[{"_placeholder":true,"num":0}]}]`,
		`{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":1}}`,
		`{"num":1,"\u005fplaceholder":true}`, `{"_placeholder":true,"num":0,"num":3}`,
		`[{"_placeholder":true,"num":0,"_placeholder":false}]`, `[{"_placeholder":true,"num":1.0}]`,
		` [ { "_placeholder" : true , "num" : 0 } ] `, `"{\"_placeholder\":true,\"num\":0}"`,
	} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, raw []byte, n uint8) {
		atts := make([][]byte, n%12)
		for i := range atts {
			atts[i] = []byte{byte(i), 0xff}
		}
		first := []byte("first")
		out := [][]byte{first}
		got, ok := AppendRenumbered([]byte("x"), raw, atts, &out)
		if !ok {
			if string(got) != "x" || len(out) != 1 {
				t.Fatalf("refused but changed dst %q or attachments %d", got, len(out))
			}
		}
		if !json.Valid(raw) {
			if ok {
				t.Fatalf("accepted invalid JSON %q", raw)
			}
			return
		}
		refOut := [][]byte{first}
		want, refOK := renumberedReference([]byte("x"), raw, atts, &refOut)
		if ok != refOK {
			t.Fatalf("ok=%v, the previous algorithm %v", ok, refOK)
		}
		if !ok {
			return
		}
		if !bytes.Equal(got, want) || len(out) != len(refOut) {
			t.Fatalf("got %q with %d attachments, want %q with %d", got, len(out), want, len(refOut))
		}
		for i := range out {
			if &out[i][0] != &refOut[i][0] {
				t.Fatalf("attachment %d differs", i)
			}
		}
		if !json.Valid(got[1:]) {
			t.Fatalf("invalid output %q", got)
		}
	})
}

func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`""`, `"a"`, `"\u00e9"`, `"\ud83d"`, "\"\xff\"", `"a\"`, `1`, `"a" `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := Unquote(raw)
		isString := json.Valid(raw) && len(raw) > 0 && raw[0] == '"' && raw[len(raw)-1] == '"'
		if ok != isString {
			t.Fatalf("Unquote(%q) ok=%v, want %v", raw, ok, isString)
		}
		if !ok {
			return
		}
		var want string
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("Unquote(%q) = %q, want %q", raw, got, want)
		}
	})
}
