package socketio

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"

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
	if len(r.Attachments) == 0 || !parser.HasPlaceholder(r.JSON) {
		return parser.AppendValue(dst, r.JSON, atts)
	}
	// Its placeholders must be renumbered among this packet's attachments.
	if out, ok := appendRawBinary(dst, r, atts); ok {
		return out, nil
	}
	var v any
	if err := json.Unmarshal(r.JSON, &v); err != nil {
		return dst, err
	}
	return parser.AppendValue(dst, parser.ResolvePlaceholders(v, r.Attachments), atts)
}

var placeholderStart = []byte(`{"_placeholder":true,"num":`)

// appendRawBinary appends r.JSON byte for byte but for its placeholders,
// renumbered among the packet's attachments, so key order and number text
// survive. It reports false, changing nothing, when a placeholder is not
// written the way clients write them. The match is safe: in valid JSON,
// `{"` cannot start inside a string.
func appendRawBinary(dst []byte, r Raw, atts *[][]byte) ([]byte, bool) {
	start, natts := len(dst), len(*atts)
	fail := func() ([]byte, bool) {
		*atts = (*atts)[:natts]
		return dst[:start], false
	}
	rest := r.JSON
	var plain []byte // r.JSON without its placeholders, to check none is left
	for {
		i := bytes.Index(rest, placeholderStart)
		if i < 0 {
			break
		}
		j := i + len(placeholderStart)
		k := j
		for k < len(rest) && rest[k] >= '0' && rest[k] <= '9' {
			k++
		}
		if k == j || k >= len(rest) || rest[k] != '}' {
			return fail()
		}
		num, err := strconv.Atoi(string(rest[j:k]))
		if err != nil || num >= len(r.Attachments) {
			return fail()
		}
		dst = parser.AppendPlaceholder(append(dst, rest[:i]...), len(*atts))
		*atts = append(*atts, r.Attachments[num])
		plain = append(append(plain, rest[:i]...), "null"...)
		rest = rest[k+1:]
	}
	if parser.HasPlaceholder(append(plain, rest...)) {
		return fail()
	}
	return append(dst, rest...), true
}

// newEventPacket encodes event and args as an EVENT (or BINARY_EVENT) packet
// of namespace nsp.
func newEventPacket(nsp, event string, args []any) (*parser.Packet, error) {
	data := make([]byte, 0, 16+len(event)+16*len(args))
	data = append(data, '[')
	data = parser.AppendString(data, event)
	var atts [][]byte
	if len(args) > 0 {
		data = append(data, ',')
		var err error
		if data, err = appendArgs(data, args, &atts); err != nil {
			return nil, err
		}
	}
	data = append(data, ']')
	p := &parser.Packet{Type: parser.Event, Namespace: nsp, Data: data, Attachments: atts}
	if len(atts) > 0 {
		p.Type = parser.BinaryEvent
	}
	return p, nil
}

// newAckPacket encodes args as the ACK (or BINARY_ACK) of ack id.
func newAckPacket(nsp string, id uint64, args []any) (*parser.Packet, error) {
	data := make([]byte, 0, 2+16*len(args))
	data = append(data, '[')
	var atts [][]byte
	var err error
	if data, err = appendArgs(data, args, &atts); err != nil {
		return nil, err
	}
	data = append(data, ']')
	p := &parser.Packet{Type: parser.Ack, Namespace: nsp, ID: id, HasID: true, Data: data, Attachments: atts}
	if len(atts) > 0 {
		p.Type = parser.BinaryAck
	}
	return p, nil
}

// frames turns a packet into the Engine.IO messages that carry it: its text,
// then one binary message per attachment. The result may be shared by every
// receiver of a broadcast.
func frames(p *parser.Packet) []engineio.Message {
	text := p.AppendText(make([]byte, 0, 8+len(p.Namespace)+len(p.Data)))
	if len(p.Attachments) == 0 {
		return []engineio.Message{{Data: text}}
	}
	msgs := make([]engineio.Message, 0, 1+len(p.Attachments))
	msgs = append(msgs, engineio.Message{Data: text})
	for _, a := range p.Attachments {
		msgs = append(msgs, engineio.Message{Data: slices.Clip(a), Binary: true})
	}
	return msgs
}
