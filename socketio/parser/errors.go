package parser

import "errors"

// Sentinel errors. Every error of Decode and of the raw-JSON helpers matches
// at least one of them with errors.Is, so callers can tell a protocol
// violation (close the connection) from a programming error. AppendValue
// also passes on encoding/json's errors as they are.
var (
	// ErrInvalidPacket reports a message that is not a valid Socket.IO packet.
	// Every Decode error matches it, so one check is enough to close the
	// connection.
	ErrInvalidPacket = errors.New("socketio/parser: invalid packet")
	// ErrTooManyAttachments reports a binary packet announcing more
	// attachments than Limits.MaxAttachments allows.
	ErrTooManyAttachments = errors.New("socketio/parser: too many attachments")
	// ErrTooDeep reports JSON (or a Go value to encode) nested deeper than the
	// limit, which bounds the work and memory one message can cost.
	ErrTooDeep = errors.New("socketio/parser: JSON nested too deep")
	// ErrInvalidJSON reports malformed raw JSON given to a JSON helper.
	ErrInvalidJSON = errors.New("socketio/parser: invalid JSON")
	// ErrInvalidPlaceholder reports a placeholder object whose "num" is not
	// the index of an attachment.
	ErrInvalidPlaceholder = errors.New("socketio/parser: invalid placeholder")
)

// parseError is the concrete error of this package: a sentinel for the
// message, maybe a second sentinel it also matches, and a detail.
type parseError struct {
	kind   error // leads the message
	also   error // also matched by errors.Is; may be nil
	detail string
}

func (e *parseError) Error() string { return e.kind.Error() + ": " + e.detail }

func (e *parseError) Unwrap() []error {
	if e.also == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.also}
}

// asPacketError turns an error of the JSON helpers into a Decode error that
// matches ErrInvalidPacket as well as its own sentinel.
func asPacketError(err error, what string) error {
	var pe *parseError
	if errors.As(err, &pe) {
		return &parseError{kind: ErrInvalidPacket, also: pe.kind, detail: what + ": " + pe.detail}
	}
	return &parseError{kind: ErrInvalidPacket, also: err, detail: what + ": " + err.Error()}
}
