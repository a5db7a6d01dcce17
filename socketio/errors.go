package socketio

import (
	"errors"
	"fmt"
)

// Sentinel errors of this package.
var (
	// ErrTimeout is returned when acknowledgements do not all arrive in time.
	ErrTimeout = errors.New("socketio: operation has timed out")
	// ErrDisconnected is returned when emitting to, or waiting for, a socket
	// that has disconnected.
	ErrDisconnected = errors.New("socketio: socket disconnected")
	// ErrNoAck is returned by Event.Ack when the client asked for none or
	// it was already sent.
	ErrNoAck = errors.New("socketio: no acknowledgement expected")
	// ErrReservedEvent is returned when emitting a reserved event name.
	ErrReservedEvent = errors.New("socketio: reserved event name")
)

// errPanicked stands for the error of a middleware that panicked.
var errPanicked = errors.New("server error")

// Disconnect reasons, as the reference server names them.
const (
	ReasonServerNamespaceDisconnect = "server namespace disconnect"
	ReasonClientNamespaceDisconnect = "client namespace disconnect"
	ReasonServerShuttingDown        = "server shutting down"
	ReasonForcedServerClose         = "forced server close"
	ReasonTransportClose            = "transport close"
	ReasonTransportError            = "transport error"
	ReasonPingTimeout               = "ping timeout"
	ReasonParseError                = "parse error"
	ReasonForcedClose               = "forced close"
)

// ConnectError refuses a connection from a middleware: the client's
// connect_error handler receives an Error whose message is Message and
// whose data is Data (any JSON-encodable value).
type ConnectError struct {
	Message string
	Data    any
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("socketio: connection refused: %s", e.Message)
}
