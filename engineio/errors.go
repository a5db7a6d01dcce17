package engineio

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// Sentinel errors of this package.
var (
	// ErrClosed is returned when sending on a closed session or server.
	ErrClosed = errors.New("engineio: session closed")
	// ErrQueueFull reports a client that does not read fast enough: its
	// queue of outgoing packets reached the configured bound.
	ErrQueueFull = errors.New("engineio: outgoing queue full")
)

// Close reasons handed to [SessionHandler.Closed], as the reference server
// names them.
const (
	ReasonTransportClose = "transport close"
	ReasonTransportError = "transport error"
	ReasonPingTimeout    = "ping timeout"
	ReasonParseError     = "parse error"
	ReasonForcedClose    = "forced close"
	ReasonShuttingDown   = "server shutting down"
)

// Error codes of the reference server, sent as {"code":N,"message":"..."}.
const (
	CodeUnknownTransport = 0
	CodeUnknownSID       = 1
	CodeBadHandshake     = 2
	CodeBadRequest       = 3
	CodeForbidden        = 4
	CodeUnsupported      = 5
)

var codeMessages = [...]string{
	"Transport unknown",
	"Session ID unknown",
	"Bad handshake method",
	"Bad request",
	"Forbidden",
	"Unsupported protocol version",
}

// writeError answers a request the protocol refuses, the way the reference
// server does: 400 (403 for Forbidden) and a JSON body.
func (srv *Server) writeError(w http.ResponseWriter, code int, message string) {
	srv.stats.requestErrors[code].Add(1)
	if message == "" {
		message = codeMessages[code]
	}
	status := http.StatusBadRequest
	if code == CodeForbidden {
		status = http.StatusForbidden
	}
	body, _ := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, message})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
