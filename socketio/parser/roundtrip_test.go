package parser

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonGen writes random, valid raw JSON with varied spacing, number text and
// string escapes, and placeholders when attachments are available.
type jsonGen struct {
	r *rand.Rand
	n int // attachments placeholders may name; 0: none
}

func (g *jsonGen) space(b []byte) []byte {
	if g.r.IntN(6) == 0 {
		return append(b, " \t\n\r"[g.r.IntN(4)])
	}
	return b
}

func (g *jsonGen) str(b []byte) []byte {
	parts := []string{"a", "chat", " ", "é", "日本", "😀", `\"`, `\\`, `\/`, `\n`, `\u00e9`, `\ud83d\ude00`, "<&>", "_placeholder!", "num!"} // never exactly a placeholder key
	b = append(b, '"')
	for i := g.r.IntN(4); i > 0; i-- {
		b = append(b, parts[g.r.IntN(len(parts))]...)
	}
	return append(b, '"')
}

func (g *jsonGen) num(b []byte) []byte {
	nums := []string{"0", "-0", "1", "42", "-7", "1.50", "3.25e-7", "1E21", "12345678901234567890", "-0.0e+0"}
	return append(b, nums[g.r.IntN(len(nums))]...)
}

func (g *jsonGen) value(b []byte, depth int) []byte {
	k := g.r.IntN(9)
	if depth >= 5 {
		k = g.r.IntN(4)
	}
	switch k {
	case 0:
		return g.str(b)
	case 1:
		return g.num(b)
	case 2:
		return append(b, []string{"true", "false", "null"}[g.r.IntN(3)]...)
	case 3:
		if g.n > 0 {
			return AppendPlaceholder(b, g.r.IntN(g.n))
		}
		return g.str(b)
	case 4, 5:
		return g.array(b, depth, nil)
	default:
		return g.object(b, depth)
	}
}

// array writes an array; first, when set, writes its first element.
func (g *jsonGen) array(b []byte, depth int, first func([]byte) []byte) []byte {
	b = append(b, '[')
	n := g.r.IntN(4)
	if first != nil {
		b = g.space(b)
		b = first(b)
		b = g.space(b)
	}
	for i := 0; i < n; i++ {
		if i > 0 || first != nil {
			b = append(b, ',')
		}
		b = g.space(b)
		b = g.value(b, depth+1)
		b = g.space(b)
	}
	return append(b, ']')
}

func (g *jsonGen) object(b []byte, depth int) []byte {
	b = append(b, '{')
	for i := g.r.IntN(4); i > 0; i-- {
		b = g.space(b)
		b = g.str(b)
		b = g.space(b)
		b = append(b, ':')
		b = g.space(b)
		b = g.value(b, depth+1)
		b = g.space(b)
		if i > 1 {
			b = append(b, ',')
		}
	}
	return append(b, '}')
}

func (g *jsonGen) eventName(b []byte) []byte {
	if g.r.IntN(4) == 0 {
		return g.num(b)
	}
	return g.str(b)
}

// randomPacket builds a random valid packet.
func randomPacket(r *rand.Rand) *Packet {
	p := &Packet{Type: Type(r.IntN(7)), Namespace: "/"}
	if r.IntN(2) == 0 {
		chars := []string{"a", "z", "0", "-", "_", "/", "é", " ", "{", "["}
		for i := r.IntN(8); i > 0; i-- {
			p.Namespace += chars[r.IntN(len(chars))]
		}
	}
	g := &jsonGen{r: r}
	if p.Type.IsBinary() {
		g.n = 1 + r.IntN(DefaultMaxAttachments)
		for i := 0; i < g.n; i++ {
			a := make([]byte, r.IntN(20))
			for j := range a {
				a[j] = byte(r.Uint32())
			}
			p.Attachments = append(p.Attachments, a)
		}
	}
	switch p.Type {
	case Event, BinaryEvent, Ack, BinaryAck:
		if p.Type == Ack || p.Type == BinaryAck || r.IntN(2) == 0 {
			p.HasID = true
			p.ID = r.Uint64N(1 << 53)
		}
	}
	switch p.Type {
	case Connect:
		if r.IntN(2) == 0 {
			p.Data = g.object(nil, 1)
		}
	case ConnectError:
		if r.IntN(2) == 0 {
			p.Data = g.str(nil)
		} else {
			p.Data = g.object(nil, 1)
		}
	case Event, BinaryEvent:
		p.Data = g.array(nil, 1, g.eventName)
	case Ack, BinaryAck:
		p.Data = g.array(nil, 1, nil)
	}
	if len(p.Data) > 0 && r.IntN(5) == 0 {
		p.Data = append(p.Data, ' ') // trailing space is JSON whitespace
	}
	return p
}

// feed decodes the messages of p's encoding with d.
func feed(t testing.TB, d *Decoder, p *Packet) (*Packet, error) {
	got, err := d.Decode(p.AppendText(nil), false)
	for i, a := range p.Attachments {
		if err != nil {
			return nil, err
		}
		if got != nil {
			t.Fatalf("packet complete before attachment %d", i)
		}
		got, err = d.Decode(a, true)
	}
	return got, err
}

func TestRoundTrip_RandomPackets(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	d := NewDecoder(Limits{})
	for i := 0; i < 20000; i++ {
		p := randomPacket(r)
		require.True(t, p.Data == nil || json.Valid(p.Data), "generator wrote invalid JSON %q", p.Data)
		if (p.Type == Event || p.Type == BinaryEvent) && isReservedName(p.Data) {
			continue
		}
		got, err := feed(t, d, p)
		require.NoError(t, err, "%q", p.AppendText(nil))
		require.NotNil(t, got)
		assert.Equal(t, p, got, "%q", p.AppendText(nil))
	}
}

func isReservedName(data []byte) bool {
	elems, err := SplitArray(data)
	if err != nil || len(elems) == 0 {
		return false
	}
	var name string
	if json.Unmarshal(elems[0], &name) != nil {
		return false
	}
	for _, r := range reservedEvents {
		if r == name {
			return true
		}
	}
	return false
}

func TestRoundTrip_ValuesThroughPacket(t *testing.T) {
	// AppendValue + AppendText → Decoder → SplitArray + ReplacePlaceholders
	// gives back the arguments: the path of an emit with binary data.
	args := []any{"file", []byte{0, 1, 2}, map[string]any{"name": "a.bin", "data": []byte("xyz")}, 3.5}
	p := &Packet{Type: BinaryEvent, Namespace: "/up", ID: 4, HasID: true}
	var err error
	p.Data, err = AppendValue(nil, args, &p.Attachments)
	require.NoError(t, err)
	assert.Len(t, p.Attachments, 2)

	got, err := feed(t, NewDecoder(Limits{}), p)
	require.NoError(t, err)
	elems, err := SplitArray(got.Data)
	require.NoError(t, err)
	require.Len(t, elems, 4)
	var payload struct {
		Name string
		Data []byte
	}
	assert.True(t, HasPlaceholder(elems[2]))
	fixed, err := ReplacePlaceholders(nil, elems[2], got.Attachments)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(fixed, &payload))
	assert.Equal(t, "a.bin", payload.Name)
	assert.Equal(t, []byte("xyz"), payload.Data)
	assert.False(t, HasPlaceholder(elems[3]))
	assert.Equal(t, "3.5", string(elems[3]))
	assert.Equal(t, strconv.Quote("file"), string(elems[0]))
}
