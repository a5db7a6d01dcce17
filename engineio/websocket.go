package engineio

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/seed-e3ad8a97/sio/engineio/parser"
)

var errUpgradeAborted = fmt.Errorf("%w: upgrade aborted", errProtocol)

// socket is an accepted WebSocket and the connection under it. Closing the
// wire ends the socket at once, whatever is blocked on it (a write to a
// client that reads nothing, a close handshake the client never answers).
type socket struct {
	*websocket.Conn
	wire *wire
}

// abort drops the connection; nil-safe.
func (ws *socket) abort() {
	if ws != nil && ws.wire != nil {
		_ = ws.wire.Close()
	}
}

// hijacker hands coder/websocket the hijacked connection wrapped in a wire,
// and keeps the wire.
type hijacker struct {
	http.ResponseWriter
	wire *wire
}

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w, rw := newWire(c, brw.Reader)
	h.wire = w
	return w, rw, nil
}

func (h *hijacker) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// accept completes a WebSocket handshake, or answers the request with an
// error and returns nil.
func (srv *Server) accept(w http.ResponseWriter, r *http.Request) *socket {
	opts := &websocket.AcceptOptions{}
	if c := srv.opts.CORS; c != nil {
		// The CORS settings decide; a disallowed origin never gets here.
		opts.InsecureSkipVerify = true
	}
	if d := srv.opts.PerMessageDeflate; d != nil {
		opts.CompressionMode = websocket.CompressionNoContextTakeover
		opts.CompressionThreshold = d.Threshold
	}
	hj := &hijacker{ResponseWriter: w}
	ws, err := websocket.Accept(hj, r, opts)
	if err != nil {
		srv.opts.Logger.Debug("engineio: websocket handshake failed", "err", err)
		return nil
	}
	// coder/websocket reads 32 KiB by default; the protocol promises maxPayload.
	ws.SetReadLimit(int64(srv.opts.MaxPayload))
	srv.poller.ready()
	hj.wire.poller = &srv.poller
	return &socket{ws, hj.wire}
}

// readLoop reads the session's WebSocket until it ends, then marks the
// session over. While the connection is idle it parks (see wire.wait) and
// a new goroutine picks up where it left.
func (s *Session) readLoop(ws *socket) {
	if ws.wire.resume == nil { // first run; a parked reader resumes here
		ws.wire.resume = func() { s.readLoop(ws) }
	}
	parked := false
	defer func() {
		if !parked {
			s.finish()
		}
	}()
	ctx := context.Background()
	for {
		if parked = !ws.wire.wait(); parked {
			return
		}
		typ, data, err := ws.Read(ctx)
		if err != nil {
			s.close(endReason(err), err, false)
			return
		}
		var p parser.Packet
		if typ == websocket.MessageBinary {
			p = parser.DecodeBinary(data)
		} else if p, err = parser.DecodeText(data); err != nil {
			s.close(ReasonParseError, fmt.Errorf("%w: %w", errProtocol, err), false)
			_ = ws.CloseNow()
			return
		}
		if !s.receive(p) {
			_ = ws.CloseNow()
			return
		}
	}
}

// endReason names the end of a WebSocket the way the reference server
// does: the client going away (a close frame, or the connection just
// ending, as when its process dies) is "transport close"; anything else (a
// message over maxPayload, a malformed frame, a write timeout) is
// "transport error".
func endReason(err error) string {
	if websocket.CloseStatus(err) != -1 || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return ReasonTransportClose
	}
	return ReasonTransportError
}

var textBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// unlockAndWrite releases s.mu, held by a sender that has just queued. If
// the session is on a WebSocket nobody is writing, the sender writes the
// queue itself (writeNow), with no goroutine to wake for a reply.
func (s *Session) unlockAndWrite() {
	if s.transport != WebSocket || s.writing || s.ws.wire.raw == nil {
		s.kick()
		s.mu.Unlock()
		return
	}
	s.writing = true
	bp := textBufs.Get().(*[]byte)
	s.writeNow(bp)
	textBufs.Put(bp)
}

// writeNow writes the queue as far as the kernel takes it at once. The
// caller holds s.mu, which writeNow releases, and owns s.writing. What the
// kernel leaves, a batch too big for one write, and the close of the
// session go to a writer goroutine of the session's own; packets queued
// meanwhile go back to the flushers, behind the sessions already waiting.
func (s *Session) writeNow(bp *[]byte) {
	if s.closed || s.queued > batchBytes {
		s.startWriter()
		s.mu.Unlock()
		return
	}
	ws := s.ws
	batch := s.take()
	s.mu.Unlock()

	err := s.encodeBatch(ws, batch, bp)
	if err == nil {
		s.srv.stats.sent(batch)
	}
	s.giveBack(batch)
	if err != nil {
		s.failWrite(ws, err)
		return
	}
	left := ws.wire.tryFlush()
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
func (s *Session) writeBatch(ws *socket, batch []parser.Packet, bp *[]byte) error {
	ws.wire.cork()
	for _, p := range batch {
		if err := writeFrame(ws, p, bp); err != nil {
			return err
		}
		if ws.wire.buffered() >= batchBytes {
			if err := ws.wire.flush(); err != nil {
				return err
			}
			ws.wire.cork()
		}
	}
	return ws.wire.flush()
}

// encodeBatch frames batch into the corked wire.
func (s *Session) encodeBatch(ws *socket, batch []parser.Packet, bp *[]byte) error {
	ws.wire.cork()
	for _, p := range batch {
		if err := writeFrame(ws, p, bp); err != nil {
			return err
		}
	}
	return nil
}

func writeFrame(ws *socket, p parser.Packet, bp *[]byte) error {
	if p.Binary {
		return ws.Write(context.Background(), websocket.MessageBinary, p.Data)
	}
	*bp = parser.AppendText((*bp)[:0], p)
	return ws.Write(context.Background(), websocket.MessageText, *bp)
}

// failWrite ends the session after a failed write; the caller owned writing.
func (s *Session) failWrite(ws *socket, err error) {
	s.mu.Lock()
	s.writing = false
	s.mu.Unlock()
	s.close(endReason(err), err, false)
	_ = ws.CloseNow()
}

// writeLoop writes the queue to the WebSocket until it is empty, then ends;
// an idle session has no writer goroutine. It first finishes a batch a
// sender left, then takes the whole queue each time, so a burst leaves in
// few writes. It closes the socket once the session is closed and (for a
// graceful close) drained.
func (s *Session) writeLoop() {
	defer s.srv.goroutines.Done()
	bp := textBufs.Get().(*[]byte)
	defer textBufs.Put(bp)
	s.mu.Lock()
	ws := s.ws
	s.mu.Unlock()
	if err := s.withDeadline(ws, ws.wire.flush); err != nil {
		s.failWrite(ws, err)
		return
	}
	for {
		s.mu.Lock()
		if len(s.queue) == 0 || (s.closed && !s.graceful) {
			s.writing = false
			closed := s.closed
			s.mu.Unlock()
			if closed {
				if s.graceful {
					ws.wire.handshake(func() { _ = ws.Close(websocket.StatusNormalClosure, "") })
				} else {
					_ = ws.CloseNow()
				}
			}
			return
		}
		batch := s.take()
		s.mu.Unlock()

		err := s.withDeadline(ws, func() error { return s.writeBatch(ws, batch, bp) })
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
// cheaper than a context with a deadline per write. Only the writer
// goroutine calls it.
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
		_ = ws.CloseNow()
		return
	}
	if err := s.probeExchange(ws); err != nil {
		srv.opts.Logger.Debug("engineio: upgrade failed", "sid", s.id, "err", err)
		_ = ws.CloseNow()
		s.mu.Lock()
		s.upgrading, s.probe = false, nil
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.CloseNow()
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
	ctx, cancel := context.WithTimeout(context.Background(), s.srv.opts.UpgradeTimeout)
	defer cancel()
	typ, data, err := ws.Read(ctx)
	if err != nil {
		return err
	}
	if typ != websocket.MessageText || string(data) != "2probe" {
		return errUpgradeAborted
	}
	if err := ws.Write(ctx, websocket.MessageText, []byte("3probe")); err != nil {
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
		typ, data, err = ws.Read(ctx)
		if err != nil {
			return err
		}
		if typ != websocket.MessageText {
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
