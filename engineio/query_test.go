package engineio

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestQueryValueMatchesParseQuery(t *testing.T) {
	raws := []string{
		"",
		"EIO=4&transport=polling&t=PxYz",
		"EIO=4&transport=websocket&sid=abc-_123",
		"EIO=3&EIO=4",
		"transport=polling&EIO",
		"EIO=&EIO=4",
		"sid=a%2Bb&sid=c",
		"sid=a+b",
		"s%69d=x",
		"sid=%zz&sid=ok",
		"%zz=1&sid=ok",
		"sid=1;2&sid=3",
		"a=1;sid=2",
		"&&sid=&",
		"sid==x",
		"EIO=4&&transport=polling",
	}
	for _, raw := range raws {
		q, _ := url.ParseQuery(raw)
		for _, key := range []string{"EIO", "transport", "sid", "t", "a"} {
			assert.Equal(t, q.Get(key), queryValue(raw, key), "%q key %q", raw, key)
		}
	}
}

func TestQueryValueAllocatesNothingForPlainValues(t *testing.T) {
	raw := "EIO=4&transport=websocket&sid=AbCdEfGhIjKlMnOpQrSt"
	allocs := testing.AllocsPerRun(100, func() {
		if queryValue(raw, "sid") != "AbCdEfGhIjKlMnOpQrSt" {
			t.Fatal("wrong sid")
		}
	})
	assert.Zero(t, allocs)
}

func FuzzQueryValue(f *testing.F) {
	f.Add("EIO=4&transport=polling&sid=x", "sid")
	f.Add("a%3D=b%26&a=c;d", "a=")
	f.Add("k+1=v+2", "k 1")
	f.Fuzz(func(t *testing.T, raw, key string) {
		q, _ := url.ParseQuery(raw)
		if got, want := queryValue(raw, key), q.Get(key); got != want {
			t.Fatalf("queryValue(%q, %q) = %q, ParseQuery says %q", raw, key, got, want)
		}
	})
}
