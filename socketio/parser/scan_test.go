package parser

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
