package engineio

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio/parser"
)

var (
	errOverlap      = fmt.Errorf("%w: overlapping polling request", errProtocol)
	errBinaryPost   = fmt.Errorf("%w: binary polling body", errProtocol)
	errPollAborted  = errors.New("engineio: poll connection closed prematurely")
	errBodyTooLarge = errors.New("engineio: polling body over max payload")
)

// poll answers a long-polling GET: at once with whatever is queued, or when
// something is.
func (s *Session) poll(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.getting {
		s.mu.Unlock()
		s.srv.writeError(w, CodeBadRequest, "")
		s.close(ReasonTransportError, errOverlap, false)
		return
	}
	for {
		// Once the session is on WebSocket its queue belongs to the writer
		// there: a GET that raced with the upgrade must not take from it.
		// A corked queue waits for the uncork (see Cork).
		if len(s.queue) > 0 && s.transport == Polling && !s.corked() {
			batch := s.take()
			if n := len(batch); n > 1 && batch[n-1].Type == parser.Close {
				// The close packet goes alone in the next payload: the
				// Socket.IO client handles a payload's packets after its
				// close packet, and would drop the messages before it.
				s.queue = append(s.queue, batch[n-1])
				s.queued = 1
				batch = batch[:n-1]
			}
			over := s.closed && len(s.queue) == 0
			s.mu.Unlock()
			s.srv.writePayload(w, r, batch)
			s.srv.stats.sent(batch)
			s.giveBack(batch)
			if over {
				s.finish()
			}
			return
		}
		if s.closed || s.upgrading || s.transport != Polling {
			// Release the client: it is upgrading or the session is over.
			s.mu.Unlock()
			s.srv.writePayload(w, r, []parser.Packet{{Type: parser.Noop}})
			return
		}
		s.getting = true
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-r.Context().Done():
			s.mu.Lock()
			s.getting = false
			s.mu.Unlock()
			s.close(ReasonTransportError, errPollAborted, false)
			return
		}
		s.mu.Lock()
		s.getting = false
	}
}

// testHookPostRead, when set by a test, runs in post between the end of the
// body read and the moment the read can no longer be interrupted.
var testHookPostRead func(*Session, *http.Request)

// post reads the packets of a long-polling POST and answers "ok".
func (s *Session) post(w http.ResponseWriter, r *http.Request) {
	// Refused before stopPost exists: an interrupt here would go unseen by
	// the check after the body read, and could spoil the connection.
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/octet-stream") {
		s.srv.writeError(w, CodeBadRequest, "")
		s.close(ReasonTransportError, errBinaryPost, false)
		return
	}
	s.mu.Lock()
	if s.posting {
		s.mu.Unlock()
		s.srv.writeError(w, CodeBadRequest, "")
		s.close(ReasonTransportError, errOverlap, false)
		return
	}
	s.posting = true
	// Closing the session ends a body still being read: the client may
	// never finish it (a second POST closed the session, say).
	rc := http.NewResponseController(w)
	interrupted := false // under s.mu
	s.stopPost = func() {
		interrupted = true
		_ = rc.SetReadDeadline(time.Unix(1, 0))
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.posting, s.stopPost = false, nil
		s.mu.Unlock()
	}()

	max := s.srv.opts.MaxPayload
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(max)+1))
	if testHookPostRead != nil {
		testHookPostRead(s, r)
	}
	s.mu.Lock()
	s.stopPost = nil
	if interrupted && r.ProtoMajor == 1 {
		// Once the body is read, net/http keeps reading the connection in
		// the background; the deadline fails that read, and net/http then
		// cancels the connection's context and with it every later
		// request's on that connection: the next long-poll of any session
		// would look abandoned. So the connection is not kept alive.
		// (HTTP/2 deadlines are the stream's; there "close" would end the
		// connection of every stream.)
		w.Header().Set("Connection", "close")
	}
	s.mu.Unlock()
	if err != nil {
		s.close(ReasonTransportError, err, false)
		s.srv.writeError(w, CodeBadRequest, "")
		return
	}
	if len(body) > max {
		// As the reference server does: refuse the body, keep the session.
		s.srv.opts.Logger.Debug("engineio: polling body refused", "sid", s.id, "err", errBodyTooLarge)
		s.srv.stats.payloadTooLarge.Add(1)
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return
	}
	stopped := false
	err = parser.DecodePayload(body, s.srv.opts.MaxPayloadPackets, func(p parser.Packet) error {
		if !s.receive(p) {
			stopped = true
			return io.EOF
		}
		return nil
	})
	if err != nil && !stopped {
		s.srv.writeError(w, CodeBadRequest, "")
		s.close(ReasonParseError, fmt.Errorf("%w: %w", errProtocol, err), false)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", "2")
	_, _ = io.WriteString(w, "ok")
}
