package engineio

// Test-only views of a session's state, so tests can wait for a request to
// be pending instead of sleeping.

// PollState reports whether a long-polling GET is pending and whether a
// POST body is being read.
func PollState(s *Session) (getting, posting bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.getting, s.posting
}

// Upgrading reports whether a probe WebSocket is being exchanged.
func Upgrading(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.upgrading
}
