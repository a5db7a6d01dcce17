// Package parser encodes and decodes Engine.IO v4 packets and long-polling
// payloads. It depends on the standard library only and knows nothing of
// sessions or transports.
package parser

import (
	"errors"
	"fmt"
)

// Type is the kind of an Engine.IO packet. On the wire it is the ASCII digit
// '0'+Type.
type Type byte

// The Engine.IO v4 packet types.
const (
	Open Type = iota
	Close
	Ping
	Pong
	Message
	Upgrade
	Noop
)

var typeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", byte(t))
}

// Packet is one Engine.IO packet. A binary packet is always a Message.
type Packet struct {
	Type   Type
	Data   []byte
	Binary bool
}

// Errors returned by the decoders.
var (
	// ErrInvalidPacket reports a packet that does not follow the protocol.
	ErrInvalidPacket = errors.New("engineio/parser: invalid packet")
	// ErrTooManyPackets reports a payload with more packets than allowed.
	ErrTooManyPackets = errors.New("engineio/parser: too many packets in payload")
)

// DecodeText decodes the text form of a packet: a type digit followed by
// its data. Data aliases msg.
func DecodeText(msg []byte) (Packet, error) {
	if len(msg) == 0 {
		return Packet{}, fmt.Errorf("%w: empty", ErrInvalidPacket)
	}
	t := Type(msg[0] - '0')
	if msg[0] < '0' || t > Noop {
		return Packet{}, fmt.Errorf("%w: unknown type %q", ErrInvalidPacket, msg[0])
	}
	return Packet{Type: t, Data: msg[1:]}, nil
}

// DecodeBinary decodes a binary WebSocket frame: always a binary message.
func DecodeBinary(msg []byte) Packet {
	return Packet{Type: Message, Data: msg, Binary: true}
}

// AppendText appends the text form of a non-binary packet to dst.
func AppendText(dst []byte, p Packet) []byte {
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}
