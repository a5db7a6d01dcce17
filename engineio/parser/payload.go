package parser

import (
	"bytes"
	"encoding/base64"
	"fmt"
)

// Separator joins the packets of a long-polling payload (the ASCII record
// separator, which never appears inside text data).
const Separator = '\x1e'

// DecodePayload splits a long-polling body into packets and calls fn for
// each, in order. A packet written "b<base64>" is a binary message. At most
// maxPackets packets are accepted (0 means no limit). Text data aliases body.
func DecodePayload(body []byte, maxPackets int, fn func(Packet) error) error {
	if len(body) == 0 {
		return fmt.Errorf("%w: empty payload", ErrInvalidPacket)
	}
	n := 0
	for {
		i := bytes.IndexByte(body, Separator)
		item := body
		if i >= 0 {
			item = body[:i:i] // so appending to one packet never overwrites the next
		}
		n++
		if maxPackets > 0 && n > maxPackets {
			return ErrTooManyPackets
		}
		p, err := decodeItem(item)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		if i < 0 {
			return nil
		}
		body = body[i+1:]
	}
}

func decodeItem(item []byte) (Packet, error) {
	if len(item) > 0 && item[0] == 'b' {
		data := make([]byte, base64.StdEncoding.DecodedLen(len(item)-1))
		n, err := base64.StdEncoding.Decode(data, item[1:])
		if err != nil {
			return Packet{}, fmt.Errorf("%w: bad base64: %v", ErrInvalidPacket, err)
		}
		return Packet{Type: Message, Data: data[:n], Binary: true}, nil
	}
	return DecodeText(item)
}

// AppendPayloadPacket appends p to a long-polling payload being built in
// dst, adding the separator when dst already holds a packet.
func AppendPayloadPacket(dst []byte, p Packet) []byte {
	if len(dst) > 0 {
		dst = append(dst, Separator)
	}
	if p.Binary {
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	return AppendText(dst, p)
}

// EncodedLen is the number of bytes p takes in a long-polling payload,
// separator excluded.
func EncodedLen(p Packet) int {
	if p.Binary {
		return 1 + base64.StdEncoding.EncodedLen(len(p.Data))
	}
	return 1 + len(p.Data)
}
