package engineio

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"syscall"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio/parser"
)

var errUpgradeAborted = fmt.Errorf("%w: upgrade aborted", errProtocol)

// readLoop reads the session's WebSocket until it ends, then marks the
// session over. While the connection is idle it parks (see socket.wait)
// and a new goroutine picks up where it left.
func (s *Session) readLoop(ws *socket) {
	if ws.resume == nil { // first run; a parked reader resumes here
		ws.resume = func() { s.readLoop(ws) }
	}
	parked := false
	defer func() {
		if !parked {
			s.finish()
		}
	}()
	for {
		if parked = !ws.wait(); parked {
			return
		}
		binary, data, err := ws.read()
		if err != nil {
			s.close(endReason(err), err, false)
			return
		}
		var p parser.Packet
		if binary {
			p = parser.DecodeBinary(data)
		} else if p, err = parser.DecodeText(data); err != nil {
			s.close(ReasonParseError, fmt.Errorf("%w: %w", errProtocol, err), false)
			ws.abort()
			return
		}
		ok, reader := s.deliverFromReader(p)
		if !reader {
			parked = true // handed off: the new reader finishes the session
			return
		}
		if !ok {
			ws.abort()
			return
		}
		ws.idle = p.Type == parser.Pong
	}
}

// endReason names the end of a WebSocket the way the reference server
// does: the client going away (a close frame, or the connection just
// ending, as when its process dies) is "transport close"; anything else (a
// message over maxPayload, a malformed frame, a write timeout) is
// "transport error".
func endReason(err error) string {
	var ce *closeError
	if errors.As(err, &ce) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return ReasonTransportClose
	}
	return ReasonTransportError
}

// unlockAndWrite releases s.mu, held by a sender that has just queued. If
// the session is on a WebSocket nobody is writing, the sender writes the
// queue itself (writeNow), with no goroutine to wake for a reply.
func (s *Session) unlockAndWrite() {
	if s.transport != WebSocket || s.writing || s.ws.raw == nil || s.corked() {
		s.keepLent()
		s.kick()
		s.mu.Unlock()
		return
	}
	s.writing = true
	s.writeNow()
}

// writeNow writes the queue as far as the kernel takes it at once. The
// caller holds s.mu, which writeNow releases, and owns s.writing. What the
// kernel leaves, a batch too big for one write, a socket busy with a
// control frame, and the close of the session go to a writer goroutine of
// the session's own; packets queued meanwhile go back to the flushers,
// behind the sessions already waiting. It never blocks.
func (s *Session) writeNow() {
	if s.corked() { // the uncork writes (a flusher may come first)
		s.keepLent()
		s.writing = false
		s.mu.Unlock()
		return
	}
	ws := s.ws
	if s.closed || s.queued > batchBytes || !ws.mu.TryLock() {
		s.keepLent()
		s.startWriter()
		s.mu.Unlock()
		return
	}
	borrowed := s.lendsBorrowed()
	batch := s.take()
	s.mu.Unlock()

	ws.encodeLocked(batch, math.MaxInt)
	left, _ := ws.flushLocked(false)
	if left && borrowed {
		ws.keepRefs()
	}
	ws.mu.Unlock()
	s.srv.stats.sent(batch)
	s.giveBack(batch)
	s.mu.Lock()
	switch {
	case left || s.closed:
		s.startWriter()
	case len(s.queue) > 0:
		s.srv.flushers.push(s)
	default:
		s.writing = false
	}
	s.mu.Unlock()
}

// startWriter hands the socket to a writer goroutine; s.mu is held and
// s.writing set.
func (s *Session) startWriter() {
	s.srv.goroutines.Add(1)
	go s.writeLoop()
}

// writeBatch writes the frames of batch with one system call per
// batchBytes or so.
func (s *Session) writeBatch(ws *socket, batch []parser.Packet) error {
	for len(batch) > 0 {
		batch = batch[ws.encode(batch, batchBytes):]
		if err := ws.flush(); err != nil {
			return err
		}
	}
	return nil
}

// failWrite ends the session after a failed write; the caller owned writing.
func (s *Session) failWrite(ws *socket, err error) {
	s.mu.Lock()
	s.writing = false
	s.mu.Unlock()
	s.close(endReason(err), err, false)
	ws.abort()
}

// writeLoop writes the queue to the WebSocket until it is empty, then ends;
// an idle session has no writer goroutine. It first finishes a batch a
// sender left, then takes the whole queue each time, so a burst leaves in
// few writes. Once the session is closed and (for a graceful close)
// drained, it sends the close frame, or drops the connection.
func (s *Session) writeLoop() {
	defer s.srv.goroutines.Done()
	s.mu.Lock()
	ws := s.ws
	s.mu.Unlock()
	if err := s.withDeadline(ws, ws.flush); err != nil {
		s.failWrite(ws, err)
		return
	}
	for {
		s.mu.Lock()
		if len(s.queue) == 0 || (s.closed && !s.graceful) {
			s.writing = false
			closed, graceful := s.closed, s.graceful
			s.mu.Unlock()
			switch {
			case closed && graceful:
				// The reader ends the connection when the client
				// answers (see socket.control).
				ws.close(closeNormal, "")
			case closed:
				ws.abort()
			}
			return
		}
		batch := s.take()
		s.mu.Unlock()

		err := s.withDeadline(ws, func() error { return s.writeBatch(ws, batch) })
		if err == nil {
			s.srv.stats.sent(batch)
		}
		s.giveBack(batch)
		if err != nil {
			s.failWrite(ws, err)
			return
		}
	}
}

// withDeadline runs a blocking write, dropping the connection if it takes
// longer than WriteTimeout. One timer per session, reset per batch, is
// cheaper than a deadline per write. Only the writer goroutine calls it.
func (s *Session) withDeadline(ws *socket, write func() error) error {
	if s.writeDeadline == nil {
		s.writeDeadline = time.AfterFunc(s.srv.opts.WriteTimeout, ws.abort)
	} else {
		s.writeDeadline.Reset(s.srv.opts.WriteTimeout)
	}
	err := write()
	s.writeDeadline.Stop()
	return err
}

// upgrade moves a polling session to the WebSocket of r after the probe
// exchange: 2probe, 3probe, then 5. Packets queued meanwhile stay queued
// and go out on the WebSocket, so none is lost or repeated.
func (srv *Server) upgrade(w http.ResponseWriter, r *http.Request, s *Session) {
	s.mu.Lock()
	if s.transport != Polling || s.upgrading || s.closed || srv.opts.DisableUpgrades {
		s.mu.Unlock()
		srv.writeError(w, CodeBadRequest, "")
		return
	}
	s.upgrading = true
	s.mu.Unlock()

	ws := srv.accept(w, r)
	if ws != nil && ws.flush() != nil { // the 101: the probe needs no batch
		ws.abort()
		ws = nil
	}
	if ws == nil {
		s.mu.Lock()
		s.upgrading = false
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	s.probe = ws
	closed := s.closed
	s.mu.Unlock()
	if closed {
		ws.abort()
		return
	}
	if err := s.probeExchange(ws); err != nil {
		srv.opts.Logger.Debug("engineio: upgrade failed", "sid", s.id, "err", err)
		ws.abort()
		s.mu.Lock()
		s.upgrading, s.probe = false, nil
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.abort()
		return
	}
	s.transport, s.ws, s.probe, s.upgrading = WebSocket, ws, nil, false
	srv.stats.upgrades.Add(1)
	srv.stats.polling.Add(-1)
	srv.stats.websocket.Add(1)
	s.kick()
	if s.getting {
		select { // release the last GET with a noop
		case s.wake <- struct{}{}:
		default:
		}
	}
	s.mu.Unlock()
	go s.readLoop(ws) // as in handshake: free what the HTTP server holds
}

func (s *Session) probeExchange(ws *socket) error {
	deadline := time.Now().Add(s.srv.opts.UpgradeTimeout)
	_ = ws.conn.SetDeadline(deadline)
	defer func() { _ = ws.conn.SetDeadline(time.Time{}) }()
	binary, data, err := ws.read()
	if err != nil {
		return err
	}
	if binary || string(data) != "2probe" {
		return errUpgradeAborted
	}
	ws.encode([]parser.Packet{{Type: parser.Pong, Data: []byte("probe")}}, math.MaxInt)
	if err := ws.flush(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.getting { // a pending GET answers noop so the client can pause polling
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	s.mu.Unlock()
	for {
		binary, data, err = ws.read()
		if err != nil {
			return err
		}
		if binary {
			return errUpgradeAborted
		}
		switch string(data) {
		case "5":
			return nil
		case "6": // harmless
		default:
			return errors.Join(errUpgradeAborted, fmt.Errorf("unexpected %q", data))
		}
	}
}
