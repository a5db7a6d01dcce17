package parser

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDecodeText_AllTypes(t *testing.T) {
	for typ := Open; typ <= Noop; typ++ {
		p, err := DecodeText([]byte{'0' + byte(typ), 'x'})
		require.NoError(t, err)
		assert.Equal(t, typ, p.Type)
		assert.Equal(t, []byte("x"), p.Data)
		assert.False(t, p.Binary)
	}
}

func TestDecodeText_EmptyMessageIsValid(t *testing.T) {
	p, err := DecodeText([]byte("4"))
	require.NoError(t, err)
	assert.Equal(t, Message, p.Type)
	assert.Empty(t, p.Data)
}

func TestDecodeText_RejectsUnknownType(t *testing.T) {
	for _, in := range []string{"", "7", "9hello", "abc", "/", "\x00"} {
		_, err := DecodeText([]byte(in))
		assert.ErrorIs(t, err, ErrInvalidPacket, "input %q", in)
	}
}

func TestDecodeBinary_IsMessage(t *testing.T) {
	p := DecodeBinary([]byte{1, 2, 3})
	assert.Equal(t, Packet{Type: Message, Data: []byte{1, 2, 3}, Binary: true}, p)
}

func TestAppendText(t *testing.T) {
	assert.Equal(t, "4hello", string(AppendText(nil, Packet{Type: Message, Data: []byte("hello")})))
	assert.Equal(t, "2probe", string(AppendText(nil, Packet{Type: Ping, Data: []byte("probe")})))
	assert.Equal(t, "6", string(AppendText(nil, Packet{Type: Noop})))
}

func decodeAll(t *testing.T, body string, max int) ([]Packet, error) {
	t.Helper()
	var out []Packet
	err := DecodePayload([]byte(body), max, func(p Packet) error {
		out = append(out, Packet{Type: p.Type, Data: bytes.Clone(p.Data), Binary: p.Binary})
		return nil
	})
	return out, err
}

func TestDecodePayload_SeparatorAndBase64(t *testing.T) {
	ps, err := decodeAll(t, "4hello\x1ebAQID\x1e2\x1e4", 0)
	require.NoError(t, err)
	assert.Equal(t, []Packet{
		{Type: Message, Data: []byte("hello")},
		{Type: Message, Data: []byte{1, 2, 3}, Binary: true},
		{Type: Ping, Data: []byte{}},
		{Type: Message, Data: []byte{}},
	}, ps)
}

func TestDecodePayload_Errors(t *testing.T) {
	for _, body := range []string{"", "abc", "4a\x1e", "4a\x1e\x1e4b", "b!!!", "bAQI"} {
		_, err := decodeAll(t, body, 0)
		assert.ErrorIs(t, err, ErrInvalidPacket, "body %q", body)
	}
}

func TestDecodePayload_MaxPackets(t *testing.T) {
	_, err := decodeAll(t, "4a\x1e4b\x1e4c", 2)
	assert.ErrorIs(t, err, ErrTooManyPackets)
	ps, err := decodeAll(t, "4a\x1e4b", 2)
	require.NoError(t, err)
	assert.Len(t, ps, 2)
}

func TestDecodePayload_StopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := DecodePayload([]byte("4a\x1e4b"), 0, func(Packet) error { n++; return stop })
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, n)
}

func TestAppendPayloadPacket_MixesTextAndBinary(t *testing.T) {
	var b []byte
	b = AppendPayloadPacket(b, Packet{Type: Message, Data: []byte("hi")})
	b = AppendPayloadPacket(b, Packet{Type: Message, Data: []byte{1, 2, 3}, Binary: true})
	b = AppendPayloadPacket(b, Packet{Type: Ping})
	assert.Equal(t, "4hi\x1ebAQID\x1e2", string(b))
	assert.Equal(t, len("4hi"), EncodedLen(Packet{Type: Message, Data: []byte("hi")}))
	assert.Equal(t, len("bAQID"), EncodedLen(Packet{Data: []byte{1, 2, 3}, Binary: true}))
}

func TestTypeString(t *testing.T) {
	assert.Equal(t, "message", Message.String())
	assert.Equal(t, "Type(9)", Type(9).String())
}

func BenchmarkAppendPayload(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 256)
	p := Packet{Type: Message, Data: []byte(`2["chat message","hello world"]`)}
	for b.Loop() {
		buf = AppendPayloadPacket(AppendPayloadPacket(buf[:0], p), p)
	}
}

func BenchmarkDecodePayload(b *testing.B) {
	b.ReportAllocs()
	body := []byte("42[\"chat message\",\"hello\"]\x1e3\x1e42[\"x\",1]")
	for b.Loop() {
		_ = DecodePayload(body, 0, func(Packet) error { return nil })
	}
}
