package engineio

import (
	"net/url"
	"strings"
)

// queryValue returns the first value of key in a raw query string, as
// url.ParseQuery followed by Values.Get would, without building the map:
// every Engine.IO request (each poll included) reads three parameters, and
// the map with its slices and strings was garbage on every request. A
// parameter that needs no unescaping is returned as a substring.
func queryValue(raw, key string) string {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue // ParseQuery rejects pairs with a semicolon
		}
		k, v, _ := strings.Cut(pair, "=")
		k, ok := unescapeQuery(k)
		if !ok || k != key {
			continue
		}
		if v, ok = unescapeQuery(v); ok {
			return v
		}
	}
	return ""
}

func unescapeQuery(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}
