package engineio

import "time"

// corkLimit bounds how long Cork holds writes back: a caller that is slow
// to uncork delays what it sent by at most this much.
const corkLimit = 10 * time.Millisecond

// Cork holds back the writing of what is sent to the session until the
// returned function is called, or for corkLimit (10 ms) at most, so that
// messages sent in a row leave together: in one write on a WebSocket, in
// one response on long-polling, instead of one each. Socket.IO corks the
// admission of a socket, so that the CONNECT reply and what the connection
// handlers emit reach the client at once.
//
// Corks do not nest: a Cork while corked holds nothing more. Messages held
// count against the queue's bounds as usual, and closing the session
// flushes them regardless. The returned function may be called more than
// once.
func (s *Session) Cork() (uncork func()) {
	s.mu.Lock()
	if s.closed || s.cork != 0 {
		s.mu.Unlock()
		return func() {}
	}
	if s.corks++; s.corks == 0 {
		s.corks++
	}
	id := s.corks
	s.cork = id
	s.mu.Unlock()
	t := time.AfterFunc(corkLimit, func() { s.uncork(id) })
	return func() {
		t.Stop()
		s.uncork(id)
	}
}

// uncork ends the cork id, if it is still on, and writes what it held.
func (s *Session) uncork(id uint32) {
	s.mu.Lock()
	if s.cork != id {
		s.mu.Unlock()
		return
	}
	s.cork = 0
	if len(s.queue) == 0 {
		s.mu.Unlock()
		return
	}
	s.unlockAndWrite()
}

// corked reports whether writes are held back; s.mu is held. A closed
// session is never corked: its queue drains (or is dropped) at once.
func (s *Session) corked() bool { return s.cork != 0 && !s.closed }
