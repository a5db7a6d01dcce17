package parser

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
