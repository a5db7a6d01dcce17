package parser

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func b64(b []byte) string { return `"` + base64.StdEncoding.EncodeToString(b) + `"` }

func TestAppendPlaceholder_ExactText(t *testing.T) {
	assert.Equal(t, `{"_placeholder":true,"num":0}`, string(AppendPlaceholder(nil, 0)))
	assert.Equal(t, `x{"_placeholder":true,"num":12}`, string(AppendPlaceholder([]byte("x"), 12)))
}

func TestHasPlaceholder(t *testing.T) {
	yes := []string{
		`{"_placeholder":true,"num":0}`,
		`["a",{"_placeholder":true,"num":0}]`,
		`{"a":[{"b":{"_placeholder":true,"num":3}}]}`,
		`{"num":0,"_placeholder":true}`,
		`{"_placeholder":true}`, // invalid num, still a placeholder
		`{"\u005fplaceholder":true,"num":0}`,
		`{"_placeholder":false,"_placeholder":true}`,
	}
	no := []string{
		`"_placeholder"`, `["_placeholder",true]`, `{"_placeholder":false,"num":0}`,
		`{"_placeholder":"true"}`, `{"_placeholder":{"_":true}}`, `{"x":"_placeholder"}`,
		`{"_placeholder":true,"_placeholder":null}`, `[1,2]`, `{"_placeholder":true,"num":0`, ``,
	}
	for _, s := range yes {
		assert.True(t, HasPlaceholder([]byte(s)), s)
	}
	for _, s := range no {
		assert.False(t, HasPlaceholder([]byte(s)), s)
	}
}

func TestHasPlaceholder_FastPathDoesNotAllocate(t *testing.T) {
	raw := []byte(`{"user":"bob","text":"hello","n":[1,2,3]}`)
	assert.Zero(t, testing.AllocsPerRun(100, func() { HasPlaceholder(raw) }))
	ph := []byte(`["a",{"x":{"_placeholder":true,"num":0}}]`)
	assert.Zero(t, testing.AllocsPerRun(100, func() { HasPlaceholder(ph) }))
}

func TestReplacePlaceholders(t *testing.T) {
	a0, a1 := []byte{0, 1, 2, 0xff}, []byte("hello")
	atts := [][]byte{a0, a1}
	tests := []struct{ in, want string }{
		{`{"_placeholder":true,"num":0}`, b64(a0)},
		{`["x",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`, `["x",` + b64(a1) + `,` + b64(a0) + `]`},
		{` { "f" : { "num" : 1 , "_placeholder" : true } , "g" : [ 1 ] } `, ` { "f" : ` + b64(a1) + ` , "g" : [ 1 ] } `},
		{`{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":1}}`, b64(a0)},
		{`[{"_placeholder":false,"num":9}]`, `[{"_placeholder":false,"num":9}]`},
		{`["no placeholders",{"a":"b"}]`, `["no placeholders",{"a":"b"}]`},
		{`{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"_placeholder":true,"num":1}}}}}}}}}}}`,
			`{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":` + b64(a1) + `}}}}}}}}}}`},
	}
	for _, tt := range tests {
		got, err := ReplacePlaceholders([]byte("pre:"), []byte(tt.in), atts)
		require.NoError(t, err, tt.in)
		assert.Equal(t, "pre:"+tt.want, string(got), tt.in)
	}
}

func TestReplacePlaceholders_ResultUnmarshalsToBytes(t *testing.T) {
	atts := [][]byte{{1, 2, 3}, {}}
	out, err := ReplacePlaceholders(nil, []byte(`{"file":{"_placeholder":true,"num":0},"empty":{"_placeholder":true,"num":1},"name":"f"}`), atts)
	require.NoError(t, err)
	var v struct {
		File  []byte
		Empty []byte
		Name  string
	}
	require.NoError(t, json.Unmarshal(out, &v))
	assert.Equal(t, []byte{1, 2, 3}, v.File)
	assert.Equal(t, []byte{}, v.Empty)
	assert.Equal(t, "f", v.Name)
}

func TestReplacePlaceholders_Errors(t *testing.T) {
	atts := [][]byte{{1}}
	for _, in := range []string{
		`{"_placeholder":true,"num":1}`, `{"_placeholder":true,"num":-1}`, `{"_placeholder":true}`,
		`[{"_placeholder":true,"num":"0"}]`, `{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":7}}`,
	} {
		out, err := ReplacePlaceholders([]byte("keep"), []byte(in), atts)
		assert.ErrorIs(t, err, ErrInvalidPlaceholder, in)
		assert.Equal(t, "keep", string(out))
	}
	for _, in := range []string{`[`, `{"_placeholder":true,"num":0`, `[1,]`, ``, `[1] 2`} {
		out, err := ReplacePlaceholders([]byte("keep"), []byte(in), atts)
		assert.ErrorIs(t, err, ErrInvalidJSON, in)
		assert.Equal(t, "keep", string(out))
	}
}

func TestReplacePlaceholders_DeepInputIsLinear(t *testing.T) {
	// Deep objects with a placeholder key at every level must not cost
	// quadratic work; this completes instantly if the scan is one pass.
	n := 200000
	in := strings.Repeat(`{"_placeholder":true,"x":`, n) + `1` + strings.Repeat(`}`, n)
	_, err := ReplacePlaceholders(nil, []byte(in), nil)
	assert.ErrorIs(t, err, ErrInvalidPlaceholder)
	assert.True(t, HasPlaceholder([]byte(in)))
}

func TestResolvePlaceholders(t *testing.T) {
	atts := [][]byte{{1}, {2}}
	var v any
	require.NoError(t, json.Unmarshal([]byte(`["x",{"_placeholder":true,"num":1},{"a":[{"_placeholder":true,"num":0}],"b":{"_placeholder":false,"num":0}}]`), &v))
	got := ResolvePlaceholders(v, atts)
	assert.Equal(t, []any{"x", []byte{2}, map[string]any{
		"a": []any{[]byte{1}},
		"b": map[string]any{"_placeholder": false, "num": float64(0)},
	}}, got)

	require.NoError(t, json.Unmarshal([]byte(`{"_placeholder":true,"num":0}`), &v))
	assert.Equal(t, []byte{1}, ResolvePlaceholders(v, atts), "top-level placeholder")
	assert.Equal(t, "s", ResolvePlaceholders("s", atts))
	assert.Nil(t, ResolvePlaceholders(nil, atts))
}

func TestResolvePlaceholders_JSONNumber(t *testing.T) {
	dec := json.NewDecoder(strings.NewReader(`[{"_placeholder":true,"num":1}]`))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	assert.Equal(t, []any{[]byte{2}}, ResolvePlaceholders(v, [][]byte{{1}, {2}}))
}

func TestResolvePlaceholders_InvalidLeftAsIs(t *testing.T) {
	for _, in := range []string{
		`{"_placeholder":true,"num":2}`, `{"_placeholder":true,"num":-1}`, `{"_placeholder":true,"num":0.5}`,
		`{"_placeholder":true,"num":"0"}`, `{"_placeholder":true}`,
	} {
		var v any
		require.NoError(t, json.Unmarshal([]byte(in), &v))
		assert.Equal(t, v, ResolvePlaceholders(v, [][]byte{{1}, {2}}), in)
	}
}

func TestResolvePlaceholders_CyclicValueTerminates(t *testing.T) {
	m := map[string]any{}
	m["self"] = m
	l := []any{nil}
	l[0] = l
	assert.NotPanics(t, func() {
		ResolvePlaceholders(m, nil)
		ResolvePlaceholders(l, nil)
	})
}

func TestHasPlaceholder_FalseForTruncatedJSONAfterPlaceholder(t *testing.T) {
	// found by FuzzJSONHelpers
	assert.False(t, HasPlaceholder([]byte(`{"":{"_placeholder":true}`)))
	assert.False(t, HasPlaceholder([]byte(`[{"_placeholder":true,"num":0}] x`)))
}

func TestReplacePlaceholders_JSONErrorWinsOverPlaceholderError(t *testing.T) {
	// found by FuzzJSONHelpers
	_, err := ReplacePlaceholders(nil, []byte(`{"":{"_placeholder":true}`), nil)
	assert.ErrorIs(t, err, ErrInvalidJSON)
	assert.NotErrorIs(t, err, ErrInvalidPlaceholder)
}
