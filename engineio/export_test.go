package engineio

import (
	"net/http"
	"time"
)

// Test-only views of a session's state, so tests can wait for a request to
// be pending instead of sleeping.

// PollState reports whether a long-polling GET is pending and whether a
// POST body is being read.
func PollState(s *Session) (getting, posting bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.getting, s.posting
}

// Closing reports whether the session has been told to close.
func Closing(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Upgrading reports whether a probe WebSocket is being exchanged.
func Upgrading(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.upgrading
}

// SetTestHookRegistered runs f between the registration of each new
// session and its Handler.Open, until the returned func is called.
func SetTestHookRegistered(f func(*Session)) (restore func()) {
	testHookRegistered = f
	return func() { testHookRegistered = nil }
}

// SetTestHookPostRead runs f in each polling POST once its body is read,
// while closing the session can still interrupt the read, until the
// returned func is called.
func SetTestHookPostRead(f func(*Session, *http.Request)) (restore func()) {
	testHookPostRead = f
	return func() { testHookPostRead = nil }
}

// ParkAfter is how long an idle WebSocket reader waits before it parks.
var ParkAfter = parkAfter

// SetParkAfter changes parkAfter for the sessions opened until the
// returned func is called; call it before starting a server, and restore
// once the server is closed.
func SetParkAfter(d time.Duration) (restore func()) {
	parkAfter = d
	return func() { parkAfter = ParkAfter }
}

// Parked reports whether the reader of a WebSocket session has parked.
func Parked(s *Session) bool {
	s.mu.Lock()
	ws := s.ws
	s.mu.Unlock()
	return ws != nil && ws.parked.Load()
}

// Reuse is reuse, for the recycling tests.
func Reuse(n int) []byte { return reuse(n) }
