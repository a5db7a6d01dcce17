package parser

import (
	"bytes"
	"strconv"
)

// reservedEvents are the event names the reference server refuses from a
// client, since they are its own lifecycle events. isReserved matches them.
var reservedEvents = [...]string{
	"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
}

// checkData validates the payload of a packet of type t with n attachments:
// JSON syntax and depth, the shape the reference parser's isPayloadValid
// requires, and placeholder numbers.
func (d *Decoder) checkData(t Type, data []byte, n int) error {
	if len(data) == 0 {
		if t == Connect || t == Disconnect {
			return nil
		}
		return invalid(t.String() + " packet without data")
	}
	if t == Disconnect {
		return invalid("DISCONNECT packet with data")
	}
	if isSpace(data[0]) {
		// The reference parser would read a space as an ack id digit.
		return invalid("space before the data")
	}
	s := scanner{data: data, maxDepth: d.maxDepth}
	var t2 phTracker
	var top, first tokKind
	var firstRaw []byte
	for count := 0; ; count++ {
		k, start, err := s.next()
		if err != nil {
			return asPacketError(err, "data")
		}
		if k == tokEOF {
			break
		}
		switch count {
		case 0:
			top = k
		case 1:
			first, firstRaw = k, data[start:s.pos]
		}
		if n == 0 {
			continue
		}
		if ph, _, num := t2.token(&s, k, start, 0); ph && (num < 0 || num >= n) {
			return invalid("placeholder num out of range at offset " + strconv.Itoa(start))
		}
	}
	if !shapeValid(t, top, first, firstRaw) {
		return invalid("invalid payload for " + t.String())
	}
	return nil
}

// shapeValid applies the reference isPayloadValid to a payload whose first
// token is top and, for an array, whose first element token is first (raw
// text firstRaw).
func shapeValid(t Type, top, first tokKind, firstRaw []byte) bool {
	switch t {
	case Connect:
		return top == tokObjectStart
	case ConnectError:
		return top == tokObjectStart || top == tokString
	case Event, BinaryEvent:
		if top != tokArrayStart {
			return false
		}
		switch first {
		case tokNumber:
			return true
		case tokString:
			return !isReserved(firstRaw)
		}
		return false
	case Ack, BinaryAck:
		return top == tokArrayStart
	}
	return false
}

// isReserved reports whether the JSON string token raw names a reserved
// event, after decoding escapes as JSON.parse would.
func isReserved(raw []byte) bool {
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') >= 0 {
		if len(body) > 6*len("removeListener") { // the longest name, 6 raw bytes per byte at most
			return false
		}
		var buf [64]byte
		body = appendUnquoted(buf[:0], raw)
	}
	switch string(body) {
	case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}
