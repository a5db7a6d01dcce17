package socketio

import (
	"encoding/json"
	"slices"

	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// Raw is one argument exactly as a client sent it: its JSON text and the
// binary attachments its placeholders point at. Emitting a Raw sends the
// same value back, key order and number text included. [Event.RawArgs]
// returns them.
type Raw struct {
	JSON        json.RawMessage
	Attachments [][]byte
}

// appendArgs appends args, comma-separated, as JSON to dst; binary values
// become placeholders whose attachments are appended to atts.
func appendArgs(dst []byte, args []any, atts *[][]byte) ([]byte, error) {
	for i, a := range args {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendArg(dst, a, atts); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func appendArg(dst []byte, a any, atts *[][]byte) ([]byte, error) {
	r, ok := a.(Raw)
	if !ok {
		return parser.AppendValue(dst, a, atts)
	}
	if len(r.Attachments) > 0 {
		// Its placeholders must be renumbered among this packet's
		// attachments. Those the clients write are, in place, so key order
		// and number text survive and the attachments are not touched.
		if out, ok := parser.AppendRenumbered(dst, r.JSON, r.Attachments, atts); ok {
			return out, nil
		}
		if parser.HasPlaceholder(r.JSON) {
			// Placeholders written otherwise: through a generic value.
			var v any
			if err := json.Unmarshal(r.JSON, &v); err != nil {
				return dst, err
			}
			return parser.AppendValue(dst, parser.ResolvePlaceholders(v, r.Attachments), atts)
		}
	}
	return parser.AppendRawJSON(dst, r.JSON)
}

// smallPacket and smallBinaryPacket hold a packet being encoded with room
// for a short payload and, for the second, for the attachments of a common
// binary packet, so that such a packet costs a single allocation.
type smallPacket struct {
	p    parser.Packet
	data [64]byte
}

type smallBinaryPacket struct {
	smallPacket
	atts [2][]byte
}

// newPacket returns a packet of type t and namespace nsp with an empty Data
// of capacity size, and an empty Attachments with room for natts when the
// payload is short.
func newPacket(t parser.Type, nsp string, size, natts int) *parser.Packet {
	var p *parser.Packet
	switch {
	case size > len(smallPacket{}.data):
		p = &parser.Packet{Data: make([]byte, 0, size)}
	case natts == 0:
		b := &smallPacket{}
		b.p.Data = b.data[:0]
		p = &b.p
	default:
		b := &smallBinaryPacket{}
		b.p.Data, b.p.Attachments = b.data[:0], b.atts[:0]
		p = &b.p
	}
	p.Type, p.Namespace = t, nsp
	return p
}

// argsSize estimates the JSON size of args, commas included, and how many
// attachments they have at least.
func argsSize(args []any) (size, natts int) {
	for _, a := range args {
		switch a := a.(type) {
		case Raw:
			size += len(a.JSON) + 1
			natts += len(a.Attachments)
		case string:
			size += len(a) + 3
		case []byte:
			size += len(`{"_placeholder":true,"num":0},`)
			natts++
		default:
			size += 16
		}
	}
	return size, natts
}

// finish closes the payload of p, whose attachments were appended to atts,
// and turns it into the binary type when it has any.
func finish(p *parser.Packet, data []byte, atts [][]byte, binary parser.Type) *parser.Packet {
	p.Data = append(data, ']')
	p.Attachments = atts
	if len(atts) == 0 {
		p.Attachments = nil
	} else {
		p.Type = binary
	}
	return p
}

// newEventPacket encodes event and args as an EVENT (or BINARY_EVENT) packet
// of namespace nsp.
func newEventPacket(nsp, event string, args []any) (*parser.Packet, error) {
	size, natts := argsSize(args)
	p := newPacket(parser.Event, nsp, 4+len(event)+size, natts)
	data := append(p.Data, '[')
	data = parser.AppendString(data, event)
	atts := p.Attachments
	if len(args) > 0 {
		data = append(data, ',')
		var err error
		if data, err = appendArgs(data, args, &atts); err != nil {
			return nil, err
		}
	}
	return finish(p, data, atts, parser.BinaryEvent), nil
}

// newAckPacket encodes args as the ACK (or BINARY_ACK) of ack id.
func newAckPacket(nsp string, id uint64, args []any) (*parser.Packet, error) {
	size, natts := argsSize(args)
	p := newPacket(parser.Ack, nsp, 2+size, natts)
	p.ID, p.HasID = id, true
	data := append(p.Data, '[')
	atts := p.Attachments
	var err error
	if data, err = appendArgs(data, args, &atts); err != nil {
		return nil, err
	}
	return finish(p, data, atts, parser.BinaryAck), nil
}

// ackFrames encodes the ACK of id as the message that carries it. An ack
// without binary arguments and short enough is written straight into that
// message, one allocation where newAckPacket and frames make two: it is
// the reply of every request-response exchange.
func ackFrames(nsp string, id uint64, args []any) ([]engineio.Message, error) {
	head := parser.Packet{Type: parser.Ack, Namespace: nsp, ID: id, HasID: true}
	if size, natts := argsSize(args); natts == 0 && 24+len(nsp)+size <= len(frames1{}.text) {
		b := &frames1{}
		text := append(head.AppendText(b.text[:0]), '[')
		var atts [][]byte
		text, err := appendArgs(text, args, &atts)
		if err != nil {
			return nil, err
		}
		if len(atts) == 0 { // else binary data the estimate could not see
			b.msgs[0] = engineio.Message{Data: append(text, ']')}
			return b.msgs[:], nil
		}
	}
	p, err := newAckPacket(nsp, id, args)
	if err != nil {
		return nil, err
	}
	return frames(p), nil
}

// frames1 and frames2 hold the messages of a packet with a short text and
// no attachment or one, the text included, in a single allocation.
type frames1 struct {
	msgs [1]engineio.Message
	text [64]byte
}

type frames2 struct {
	msgs [2]engineio.Message
	text [64]byte
}

// frames turns a packet into the Engine.IO messages that carry it: its text,
// then one binary message per attachment. The result may be shared by every
// receiver of a broadcast.
func frames(p *parser.Packet) []engineio.Message {
	size := 8 + len(p.Namespace) + len(p.Data)
	var msgs []engineio.Message
	var text []byte
	switch {
	case size > len(frames1{}.text) || len(p.Attachments) > 1:
		msgs, text = make([]engineio.Message, 0, 1+len(p.Attachments)), make([]byte, 0, size)
	case len(p.Attachments) == 0:
		b := &frames1{}
		msgs, text = b.msgs[:0], b.text[:0]
	default:
		b := &frames2{}
		msgs, text = b.msgs[:0], b.text[:0]
	}
	msgs = append(msgs, engineio.Message{Data: p.AppendText(text)})
	for _, a := range p.Attachments {
		msgs = append(msgs, engineio.Message{Data: slices.Clip(a), Binary: true})
	}
	return msgs
}
