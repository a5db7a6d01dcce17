package parser

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func appendValue1(t *testing.T, v any) (string, [][]byte) {
	t.Helper()
	var atts [][]byte
	out, err := AppendValue(nil, v, &atts)
	require.NoError(t, err)
	return string(out), atts
}

func TestAppendValue_BytesBecomePlaceholders(t *testing.T) {
	a, b, c := []byte{1}, []byte{2}, []byte{}
	out, atts := appendValue1(t, []any{"up", a, map[string]any{"z": b, "a": [][]byte{c, nil}}, &a})
	assert.Equal(t, `["up",{"_placeholder":true,"num":0},{"a":[{"_placeholder":true,"num":1},null],"z":{"_placeholder":true,"num":2}},{"_placeholder":true,"num":3}]`, out)
	assert.Equal(t, [][]byte{a, c, b, a}, atts)
}

func TestAppendValue_TopLevelBytes(t *testing.T) {
	out, atts := appendValue1(t, []byte("x"))
	assert.Equal(t, `{"_placeholder":true,"num":0}`, out)
	assert.Equal(t, [][]byte{[]byte("x")}, atts)
}

func TestAppendValue_NumbersFromExistingAttachments(t *testing.T) {
	atts := [][]byte{{9}}
	out, err := AppendValue([]byte("["), []byte{1}, &atts)
	require.NoError(t, err)
	assert.Equal(t, `[{"_placeholder":true,"num":1}`, string(out))
	assert.Len(t, atts, 2)
}

func TestAppendValue_RawMessageVerbatim(t *testing.T) {
	out, atts := appendValue1(t, []any{json.RawMessage(`{"b":1,"a":2.50}`), json.RawMessage(nil)})
	assert.Equal(t, `[{"b":1,"a":2.50},null]`, out)
	assert.Empty(t, atts)
	raw := json.RawMessage(`[1]`)
	out, _ = appendValue1(t, &raw)
	assert.Equal(t, `[1]`, out)

	var a [][]byte
	_, err := AppendValue(nil, json.RawMessage(`{`), &a)
	assert.ErrorIs(t, err, ErrInvalidJSON)
}

func TestAppendRawJSON(t *testing.T) {
	out, err := AppendRawJSON([]byte("x,"), []byte(`{"b":1,"a":2.50}`))
	assert.NoError(t, err)
	assert.Equal(t, `x,{"b":1,"a":2.50}`, string(out))
	out, err = AppendRawJSON(nil, nil)
	assert.NoError(t, err)
	assert.Equal(t, `null`, string(out))
	out, err = AppendRawJSON([]byte("x,"), []byte(`[1,`))
	assert.ErrorIs(t, err, ErrInvalidJSON)
	assert.Equal(t, "x,", string(out))
	buf, in := make([]byte, 0, 32), []byte(`{"a":[1,"x"]}`)
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		_, _ = AppendRawJSON(buf, in)
	}))
}

func TestAppendValue_NilsAreNull(t *testing.T) {
	var (
		b  []byte
		l  []any
		m  map[string]any
		bb [][]byte
		pb *[]byte
		pl *[]any
		pm *map[string]any
		pr *json.RawMessage
		pp *[][]byte
	)
	out, atts := appendValue1(t, []any{nil, b, l, m, bb, pb, pl, pm, pr, pp})
	assert.Equal(t, `[null,null,null,null,null,null,null,null,null,null]`, out)
	assert.Empty(t, atts)
}

func TestAppendValue_PointersToContainers(t *testing.T) {
	l := []any{[]byte{1}}
	m := map[string]any{"k": []byte{2}}
	bb := [][]byte{{3}}
	out, atts := appendValue1(t, []any{&l, &m, &bb})
	assert.Equal(t, `[[{"_placeholder":true,"num":0}],{"k":{"_placeholder":true,"num":1}},[{"_placeholder":true,"num":2}]]`, out)
	assert.Equal(t, [][]byte{{1}, {2}, {3}}, atts)
}

func TestAppendValue_OtherValuesLikeEncodingJSON(t *testing.T) {
	type S struct {
		Name string `json:"name"`
		Blob []byte `json:"blob"`
		HTML string `json:"html"`
	}
	vals := []any{
		"a<b>&", true, false, 0, -7, int64(math.MinInt64), int32(5), uint(3), uint64(math.MaxUint64), uint32(9),
		int8(-1), int16(300), uint8(200), uint16(65535),
		0.0, math.Copysign(0, -1), 1.5, -2.25e-7, 1e21, 1e20, 123456789.125, 1e-6, 9.999e-7, math.MaxFloat64,
		math.SmallestNonzeroFloat64, float32(1.1), float32(1e21), float32(1e-7), float32(-0.3),
		S{Name: "n", Blob: []byte{1, 2}, HTML: "<&>"}, map[string]int{"b": 1, "a": 2}, []string{"x"},
		json.Number("12.50"), struct{}{}, []int(nil),
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 500; i++ {
		vals = append(vals, math.Float64frombits(r.Uint64()), float32(r.NormFloat64()*1e10), r.Float64()*math.Pow(10, float64(r.IntN(60)-30)))
	}
	for _, v := range vals {
		if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
			continue
		}
		want, err := marshalNoHTML(v)
		require.NoError(t, err)
		out, atts := appendValue1(t, v)
		if s, ok := v.(S); ok { // the one []byte travels as an attachment
			assert.Equal(t, `{"name":"n","blob":{"_placeholder":true,"num":0},"html":"<&>"}`, out)
			assert.Equal(t, [][]byte{s.Blob}, atts)
			replaced, err := ReplacePlaceholders(nil, []byte(out), atts)
			require.NoError(t, err)
			assert.Equal(t, want, string(replaced))
			continue
		}
		assert.Equal(t, want, out, "%#v", v)
		assert.Empty(t, atts)
	}
}

func marshalNoHTML(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n"), err
}

func TestAppendValue_MapKeysSortedAndEscaped(t *testing.T) {
	out, _ := appendValue1(t, map[string]any{"b": 1, "a": "x", "<k>": nil, "é": true, "A": 2.5})
	want, err := marshalNoHTML(map[string]any{"b": 1, "a": "x", "<k>": nil, "é": true, "A": 2.5})
	require.NoError(t, err)
	assert.Equal(t, want, out)
}

func TestAppendValue_UnsupportedValuesError(t *testing.T) {
	for _, v := range []any{math.NaN(), math.Inf(1), float32(math.Inf(-1)), make(chan int), []any{1, func() {}}, map[string]any{"f": math.NaN()}} {
		atts := [][]byte{{1}}
		out, err := AppendValue([]byte("keep"), v, &atts)
		assert.Error(t, err)
		assert.Equal(t, "keep", string(out))
		assert.Len(t, atts, 1, "attachments restored")
	}
}

func TestAppendValue_ErrorRestoresAttachments(t *testing.T) {
	var atts [][]byte
	out, err := AppendValue(nil, []any{[]byte{1}, math.NaN()}, &atts)
	assert.Error(t, err)
	assert.Empty(t, out)
	assert.Empty(t, atts)
}

func TestAppendValue_TooDeep(t *testing.T) {
	var v any = "leaf"
	for i := 0; i < MaxValueDepth; i++ {
		v = []any{v}
	}
	_, atts := appendValue1(t, v)
	assert.Empty(t, atts)
	var a [][]byte
	_, err := AppendValue(nil, []any{v}, &a)
	assert.ErrorIs(t, err, ErrTooDeep)

	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	_, err = AppendValue(nil, cyclic, &a)
	assert.ErrorIs(t, err, ErrTooDeep)
}

func TestAppendValue_RoundTripsThroughResolve(t *testing.T) {
	in := []any{"ev", []byte("bin"), map[string]any{"n": 1.5, "list": []any{[]byte{0}, "s", nil, true}}}
	var atts [][]byte
	out, err := AppendValue(nil, in, &atts)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(out, &v))
	assert.Equal(t, in, ResolvePlaceholders(v, atts))
}
