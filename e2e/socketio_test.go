package e2e

import (
	"strconv"
	"testing"
)

// Socket.IO suites: socket.io-client 4.x (and 3.x) against /socket.io/ of the server under
// test (examples/testserver, or the Node reference with E2E_SERVER=node), following the
// contract of shared/testserver.md. Each JS file runs once per transport mode, each time
// against a fresh server; the JS side reads the mode from TRANSPORT (js/lib/sio-util.mjs).

// sioTransports are the transport modes every Socket.IO suite runs in: polling only,
// WebSocket only, and polling upgraded to WebSocket.
var sioTransports = []string{"polling", "websocket", "upgrade"}

// runSocketIOJS runs script against a fresh server with flags once per transport mode, as
// subtests named after the mode. check, when not nil, runs after each run with its server.
func runSocketIOJS(t *testing.T, script string, check func(t *testing.T, proc *serverProc), flags ...string) {
	t.Helper()
	for _, mode := range sioTransports {
		t.Run(mode, func(t *testing.T) {
			baseURL, proc := startServer(t, flags...)
			runNode(t, script, "SERVER_URL="+baseURL, "SERVER_PID="+strconv.Itoa(proc.Pid()), "TRANSPORT="+mode)
			if check != nil {
				check(t, proc)
			}
		})
	}
}

func TestSocketIO_Namespaces(t *testing.T) {
	runSocketIOJS(t, "js/socketio/namespaces.test.mjs", nil)
}

func TestSocketIO_EventsAndAcks(t *testing.T) {
	runSocketIOJS(t, "js/socketio/events.test.mjs", nil)
}

func TestSocketIO_RoomsAndBroadcast(t *testing.T) {
	runSocketIOJS(t, "js/socketio/rooms.test.mjs", nil)
}

func TestSocketIO_Disconnect(t *testing.T) {
	runSocketIOJS(t, "js/socketio/disconnect.test.mjs", nil)
}

// The JS file SIGTERMs the server; it must then exit on its own, with status 0.
func TestSocketIO_ServerClose(t *testing.T) {
	runSocketIOJS(t, "js/socketio/server-close.test.mjs", func(t *testing.T, proc *serverProc) {
		err, exited := proc.WaitExit(serverStopTimeout)
		if !exited {
			t.Fatalf("server still running %v after SIGTERM", serverStopTimeout)
		}
		if err != nil {
			t.Fatalf("server exit after SIGTERM: %v (want status 0)", err)
		}
	})
}

func TestSocketIO_ClientV3(t *testing.T) {
	runSocketIOJS(t, "js/socketio/client-v3.test.mjs", nil)
}
