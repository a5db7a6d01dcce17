// Package parser encodes and decodes Socket.IO v5 packets.
//
// A Socket.IO packet travels as one Engine.IO text message, followed by one
// Engine.IO binary message per attachment for the binary packet types. This
// package turns packets into those messages and back, validates them as
// strictly as the reference JavaScript parser, and offers the raw-JSON helpers
// the server layer needs to build and read payloads without decoding them
// twice. It uses the standard library only and knows nothing of servers or of
// Engine.IO framing.
package parser

import (
	"fmt"
	"strconv"
)

// Type is the kind of a Socket.IO packet. On the wire it is the ASCII digit
// '0'+Type.
type Type byte

// The Socket.IO v5 packet types.
const (
	Connect      Type = iota // 0: join a namespace (client) or accept the join (server)
	Disconnect               // 1: leave a namespace
	Event                    // 2: an event without binary data
	Ack                      // 3: the answer to an event that asked for one
	ConnectError             // 4: the server refused to join a namespace
	BinaryEvent              // 5: an event whose arguments carry attachments
	BinaryAck                // 6: an ack whose arguments carry attachments
)

var typeNames = [...]string{
	"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK",
}

// String returns the protocol's name of t, as the specification spells it,
// so logs read like the spec.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", byte(t))
}

// Valid reports whether t is one of the seven Socket.IO v5 packet types.
func (t Type) Valid() bool { return t <= BinaryAck }

// IsBinary reports whether packets of type t carry attachments, and so a
// "<count>-" in their header.
func (t Type) IsBinary() bool { return t == BinaryEvent || t == BinaryAck }

// DefaultNamespace is the namespace of a packet that names none on the wire.
const DefaultNamespace = "/"

// Packet is one Socket.IO packet.
type Packet struct {
	Type        Type
	Namespace   string   // always starts with "/"; "/" when absent on the wire
	ID          uint64   // ack id, meaningful only when HasID
	HasID       bool     // whether the packet carries an ack id
	Data        []byte   // raw JSON payload exactly as on the wire (key order and number text preserved); nil when absent
	Attachments [][]byte // binary attachments of BinaryEvent/BinaryAck, in placeholder order
}

// AppendText appends the text (first) Engine.IO message of p to dst:
//
//	<type>[<len(Attachments)>-][<nsp>,][<id>][<data>]
//
// The namespace is left out when it is "/" (or empty), and the attachment
// count is written only for the binary types. AppendText does not validate
// p: the caller builds consistent packets (a binary type has at least one
// attachment, Data has the shape its type needs). It does not allocate when
// dst has enough capacity, so a caller can reuse one buffer for every packet.
func (p *Packet) AppendText(dst []byte) []byte {
	dst = append(dst, '0'+byte(p.Type))
	if p.Type.IsBinary() {
		dst = strconv.AppendUint(dst, uint64(len(p.Attachments)), 10)
		dst = append(dst, '-')
	}
	if p.Namespace != "" && p.Namespace != DefaultNamespace {
		dst = append(dst, p.Namespace...)
		dst = append(dst, ',')
	}
	if p.HasID {
		dst = strconv.AppendUint(dst, p.ID, 10)
	}
	return append(dst, p.Data...)
}
