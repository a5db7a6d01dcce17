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

func TestEngineIO_Upgrade(t *testing.T) {
	runJS(t, "js/engineio/upgrade.test.mjs")
}

func TestEngineIO_Heartbeat(t *testing.T) {
	runJS(t, "js/engineio/heartbeat.test.mjs", shortPing...)
}

func TestEngineIO_DeadServer(t *testing.T) {
	runJS(t, "js/engineio/dead-server.test.mjs", shortPing...)
}

func TestEngineIO_MaxPayload(t *testing.T) {
	runJS(t, "js/engineio/max-payload.test.mjs", "-max-payload", "1000")
}

func TestEngineIO_ClientClose(t *testing.T) {
	runJS(t, "js/engineio/client-close.test.mjs")
}

// The JS file SIGTERMs the server; it must then exit on its own, with status 0.
func TestEngineIO_ServerClose(t *testing.T) {
	proc := runJS(t, "js/engineio/server-close.test.mjs")
	err, exited := proc.WaitExit(serverStopTimeout)
	if !exited {
		t.Fatalf("server still running %v after SIGTERM", serverStopTimeout)
	}
	if err != nil {
		t.Fatalf("server exit after SIGTERM: %v (want status 0)", err)
	}
}

func TestEngineIO_Raw(t *testing.T) {
	runJS(t, "js/engineio/raw.test.mjs")
}
