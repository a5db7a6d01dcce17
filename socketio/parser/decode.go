package parser

import (
	"math"
	"strconv"
)

// Limits of the Decoder and of decoded packets.
const (
	// DefaultMaxAttachments is the reference parser's maxAttachments.
	DefaultMaxAttachments = 10
	// DefaultMaxDepth is deep enough for any sane payload while bounding the
	// work per message.
	DefaultMaxDepth = 32
	// MaxNamespaceLen bounds the namespace of a decoded packet, in bytes. No
	// real namespace is longer, and the bound keeps a hostile client from
	// making the server keep or look up huge names.
	MaxNamespaceLen = 256
	// maxSafeInteger is JavaScript's Number.MAX_SAFE_INTEGER: a larger ack id
	// cannot round-trip through a JavaScript client.
	maxSafeInteger = 1<<53 - 1
)

// Limits bounds what a Decoder accepts, so one message cannot cost
// unbounded memory or work.
type Limits struct {
	MaxAttachments int // most attachments of one binary packet; 0 means DefaultMaxAttachments
	MaxDepth       int // max JSON nesting depth of Data; 0 means DefaultMaxDepth
}

// Decoder turns the Engine.IO messages of one connection into packets. It
// keeps the state of a binary packet whose attachments are still arriving.
// Not safe for concurrent use.
type Decoder struct {
	maxAttachments int
	maxDepth       int
	pending        *Packet // binary packet waiting for attachments
	want           int     // attachments pending needs in all
	lastNsp        string  // the last custom namespace, reused to spare an allocation
}

// NewDecoder returns a Decoder enforcing l.
func NewDecoder(l Limits) *Decoder {
	d := &Decoder{maxAttachments: l.MaxAttachments, maxDepth: l.MaxDepth}
	if d.maxAttachments <= 0 {
		d.maxAttachments = DefaultMaxAttachments
	}
	if d.maxDepth <= 0 {
		d.maxDepth = DefaultMaxDepth
	}
	return d
}

// Waiting reports whether a binary packet still waits for attachments, so
// the caller can tell a half-received packet from an idle decoder.
func (d *Decoder) Waiting() bool { return d.pending != nil }

// Reset drops any half-received binary packet.
func (d *Decoder) Reset() {
	d.pending = nil
	d.want = 0
}

// Decode consumes one Engine.IO message. It returns a complete packet, or
// (nil, nil) while a binary packet still waits for attachments. A text
// message while attachments are awaited, a binary message when none is
// awaited, or any invalid packet returns an error wrapping ErrInvalidPacket
// (and ErrTooManyAttachments or ErrTooDeep where relevant) and resets the
// decoder.
//
// The packet's Data is a copy, so text message buffers may be reused. A
// binary msg becomes an attachment as is, without a copy: the caller hands
// it over and must not modify it afterwards.
//
// Placeholders are checked as soon as the text message arrives, since the
// header already gives the attachment count: every placeholder's num must
// be an integer in [0, count).
func (d *Decoder) Decode(msg []byte, binary bool) (*Packet, error) {
	if binary {
		p := d.pending
		if p == nil {
			return nil, invalid("binary message while no attachment is awaited")
		}
		p.Attachments = append(p.Attachments, msg)
		if len(p.Attachments) < d.want {
			return nil, nil
		}
		d.Reset()
		return p, nil
	}
	if d.pending != nil {
		d.Reset()
		return nil, invalid("text message while attachments are awaited")
	}
	p, n, err := d.decodeText(msg)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		d.pending, d.want = p, n
		return nil, nil
	}
	return p, nil
}

// DecodeOwned is Decode for a caller that hands msg over for good, as an
// engineio session does with the messages it delivers. A packet whole in
// one text message is written to *p with its Data aliasing msg, and costs
// no allocation; a binary packet's header and attachments go as with
// Decode, and the packet, once whole, is copied to *p. It reports whether
// *p holds a whole packet.
func (d *Decoder) DecodeOwned(p *Packet, msg []byte, binary bool) (bool, error) {
	if binary || d.pending != nil || (len(msg) > 0 && Type(msg[0]-'0').IsBinary()) {
		q, err := d.Decode(msg, binary)
		if q == nil || err != nil {
			return false, err
		}
		*p = *q
		return true, nil
	}
	if _, err := d.parseText(p, msg); err != nil {
		return false, err
	}
	return true, nil
}

// packetBox holds a packet with room for a small payload, so the common
// small packet costs a single allocation.
type packetBox struct {
	p    Packet
	data [48]byte
}

// binaryBox is a packetBox with room for the attachments of the common
// binary packet, which then costs a single allocation too.
type binaryBox struct {
	packetBox
	atts [2][]byte
}

// decodeText parses the text message of a packet and returns it, its
// payload copied, with the number of attachments it announces.
func (d *Decoder) decodeText(msg []byte) (*Packet, int, error) {
	var h Packet
	n, err := d.parseText(&h, msg)
	if err != nil {
		return nil, 0, err
	}
	var box *packetBox
	if n == 0 {
		box = &packetBox{}
	} else {
		bb := &binaryBox{}
		box = &bb.packetBox
		if n <= len(bb.atts) {
			h.Attachments = bb.atts[:0:n]
		} else {
			// The count is the client's word: reserve little, grow as
			// frames come.
			h.Attachments = make([][]byte, 0, min(n, 16))
		}
	}
	if len(h.Data) > 0 {
		if len(h.Data) <= len(box.data) {
			data := box.data[:len(h.Data):len(h.Data)]
			copy(data, h.Data)
			h.Data = data
		} else {
			h.Data = append([]byte(nil), h.Data...)
		}
	}
	box.p = h
	return &box.p, n, nil
}

// parseText parses the text message of a packet into p, whose Data
// aliases msg (nil when empty), and returns the number of attachments it
// announces.
func (d *Decoder) parseText(p *Packet, msg []byte) (int, error) {
	if len(msg) == 0 {
		return 0, invalid("empty message")
	}
	t := Type(msg[0] - '0')
	if msg[0] < '0' || !t.Valid() {
		return 0, invalid("unknown packet type " + strconv.QuoteRune(rune(msg[0])))
	}
	i := 1
	n := 0
	if t.IsBinary() {
		var err error
		if n, i, err = d.attachmentCount(msg, i); err != nil {
			return 0, err
		}
	}
	nsp := DefaultNamespace
	if i < len(msg) && msg[i] == '/' {
		start := i
		for i < len(msg) && msg[i] != ',' && i-start <= MaxNamespaceLen {
			i++
		}
		if i-start > MaxNamespaceLen {
			return 0, invalid("namespace longer than " + strconv.Itoa(MaxNamespaceLen) + " bytes")
		}
		nsp = d.namespace(msg[start:i])
		if i < len(msg) {
			i++ // the comma
		}
	}
	var id uint64
	hasID := false
	if i < len(msg) && isDigit(msg[i]) {
		if t != Event && t != Ack && !t.IsBinary() {
			return 0, invalid(t.String() + " packet with an ack id")
		}
		for ; i < len(msg) && isDigit(msg[i]); i++ {
			id = id*10 + uint64(msg[i]-'0')
			if id > maxSafeInteger {
				return 0, invalid("ack id above 2^53-1")
			}
		}
		hasID = true
	}
	if !hasID && (t == Ack || t == BinaryAck) {
		return 0, invalid(t.String() + " packet without an ack id")
	}
	data := msg[i:]
	if err := d.checkData(t, data, n); err != nil {
		return 0, err
	}
	if len(data) == 0 {
		data = nil
	}
	*p = Packet{Type: t, Namespace: nsp, ID: id, HasID: hasID, Data: data}
	return n, nil
}

// attachmentCount parses the "<n>-" of a binary packet header at msg[i:] and
// returns n and the offset after the dash.
func (d *Decoder) attachmentCount(msg []byte, i int) (int, int, error) {
	start := i
	n := 0
	for ; i < len(msg) && isDigit(msg[i]); i++ {
		overflow := n > (math.MaxInt-9)/10 // only reachable with a huge MaxAttachments
		n = n*10 + int(msg[i]-'0')
		if overflow || n > d.maxAttachments {
			return 0, 0, &parseError{kind: ErrInvalidPacket, also: ErrTooManyAttachments,
				detail: "more than " + strconv.Itoa(d.maxAttachments) + " attachments"}
		}
	}
	if i == start || i >= len(msg) || msg[i] != '-' {
		return 0, 0, invalid("binary packet without an attachment count")
	}
	if n == 0 {
		return 0, 0, invalid("binary packet with no attachment")
	}
	return n, i + 1, nil
}

// namespace returns nsp as a string, reusing the previous one when equal,
// since a connection mostly talks to the same namespace.
func (d *Decoder) namespace(nsp []byte) string {
	if string(nsp) != d.lastNsp {
		d.lastNsp = string(nsp)
	}
	return d.lastNsp
}

func invalid(detail string) error {
	return &parseError{kind: ErrInvalidPacket, detail: detail}
}
