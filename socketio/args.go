package socketio

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// Args are the arguments of an event or of an acknowledgement, kept as the
// client sent them until a handler asks for them: Bind decodes into typed
// targets, Values into generic ones, RawArgs hands them on untouched.
// Binary attachments map to []byte; with [Options].RecycleAttachments, the
// []byte of an event's attachment is valid only until its handlers return
// (Bind into a *[]byte copies).
type Args struct {
	raw         [][]byte
	attachments [][]byte
}

// newArgs splits a JSON array payload; skip drops leading elements (the
// event name).
func newArgs(p *parser.Packet, skip int) (Args, error) {
	elems, err := parser.SplitArray(p.Data)
	if err != nil {
		return Args{}, err
	}
	if skip > len(elems) {
		skip = len(elems)
	}
	return Args{raw: elems[skip:], attachments: p.Attachments}, nil
}

// eventBox holds an event with its ack request and room for the raw
// elements of a common payload, so that receiving an event costs a single
// allocation.
type eventBox struct {
	e   Event
	ack ackOnce
	raw [4][]byte
}

// eventName reads the name of an event, the first element of its payload:
// a JSON string, or a number, which the protocol allows and which is named
// by its text.
func eventName(raw []byte) string {
	if name, ok := parser.Unquote(raw); ok {
		return name
	}
	if string(raw) == "null" {
		return "" // as json.Unmarshal leaves a string; a Decoder refuses it
	}
	return string(raw)
}

// Len is the number of arguments.
func (a Args) Len() int { return len(a.raw) }

// Bind decodes the arguments, in order, into targets (pointers, as for
// json.Unmarshal). A nil target skips its argument; extra targets are left
// alone. A *[]byte target receives a binary attachment; so does a []byte
// field anywhere in a struct.
func (a Args) Bind(targets ...any) error {
	for i, t := range targets {
		if t == nil || i >= len(a.raw) {
			continue
		}
		if err := a.bind(i, t); err != nil {
			return fmt.Errorf("socketio: argument %d: %w", i, err)
		}
	}
	return nil
}

func (a Args) bind(i int, t any) error {
	raw := a.raw[i]
	switch t := t.(type) {
	case *any:
		v, err := a.value(raw)
		*t = v
		return err
	case *Raw:
		*t = Raw{JSON: raw, Attachments: a.attachments}
		return nil
	case *json.RawMessage:
		*t = raw
		return nil
	case *[]byte:
		if att, ok := a.bareAttachment(raw); ok && t != nil {
			// A fresh copy, as encoding/json decodes one.
			*t = append([]byte{}, att...)
			return nil
		}
	}
	if len(a.attachments) > 0 && parser.HasPlaceholder(raw) {
		// encoding/json reads []byte from base64 strings.
		b, err := parser.ReplacePlaceholders(nil, raw, a.attachments)
		if err != nil {
			return err
		}
		raw = b
	}
	if reflect.TypeOf(t).Kind() != reflect.Pointer {
		return fmt.Errorf("socketio: Bind target %T is not a pointer", t)
	}
	return json.Unmarshal(raw, t)
}

// bareAttachment returns the attachment raw stands for when raw is just a
// placeholder written as the clients write them, the common binary
// argument, which then needs no JSON decoding.
func (a Args) bareAttachment(raw []byte) ([]byte, bool) {
	if len(a.attachments) == 0 {
		return nil, false
	}
	num, ok := parser.PlaceholderNum(raw)
	if !ok || num >= len(a.attachments) {
		return nil, false
	}
	return a.attachments[num], true
}

func (a Args) value(raw []byte) (any, error) {
	if att, ok := a.bareAttachment(raw); ok {
		return att, nil // as ResolvePlaceholders resolves it
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	if len(a.attachments) > 0 {
		v = parser.ResolvePlaceholders(v, a.attachments)
	}
	return v, nil
}

// Values decodes every argument into generic Go values (map[string]any,
// []any, float64, string, bool, nil, and []byte for binary data).
func (a Args) Values() []any {
	out := make([]any, len(a.raw))
	for i, r := range a.raw {
		out[i], _ = a.value(r)
	}
	return out
}

// RawArgs returns every argument as a [Raw], ready to be emitted again
// unchanged.
func (a Args) RawArgs() []any {
	out := make([]any, len(a.raw))
	for i, r := range a.raw {
		out[i] = Raw{JSON: r, Attachments: a.attachments}
	}
	return out
}

// Event is one event received from a client.
type Event struct {
	Args
	// Name is the event's name.
	Name   string
	socket *Socket
	ack    *ackOnce
	reply  func(*parser.Packet) // answers a server-side emit
	// recycle: the attachments go back to the reader after the handlers
	recycle bool
}

// Socket is the socket that received the event.
func (e *Event) Socket() *Socket { return e.socket }

// WantsAck reports whether the client asked for an acknowledgement that
// has not been sent yet.
func (e *Event) WantsAck() bool { return e.ack != nil && !e.ack.sent.Load() }

// Ack answers the client's acknowledgement request with args. It may be
// called once, from any goroutine; it returns ErrNoAck otherwise.
func (e *Event) Ack(args ...any) error {
	if e.ack == nil || e.ack.sent.Swap(true) {
		return ErrNoAck
	}
	if e.reply != nil {
		p, err := newAckPacket("/", e.ack.id, args)
		if err != nil {
			return err
		}
		e.reply(p)
		return nil
	}
	if !e.socket.Connected() {
		return ErrDisconnected
	}
	msgs, err := ackFrames(e.socket.nsp.name, e.ack.id, args)
	if err != nil {
		return err
	}
	e.socket.nsp.srv.stats.acksOut.Add(1)
	return e.socket.client.sendNow(msgs, false)
}
