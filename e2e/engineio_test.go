package e2e

import (
	"testing"
)

// Engine.IO suites: engine.io-client and raw HTTP/WebSocket against /engine.io/ (the echo
// endpoint of the test server). One Go test per JS file; each gets its own server.

// Flags of the heartbeat-sensitive suites (as the official conformance suites use).
var shortPing = []string{"-ping-interval", "300ms", "-ping-timeout", "200ms"}

func TestEngineIO_Polling(t *testing.T) {
	runJS(t, "js/engineio/polling.test.mjs")
}

func TestEngineIO_WebSocket(t *testing.T) {
	runJS(t, "js/engineio/websocket.test.mjs")
}
