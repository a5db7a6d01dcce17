package engineio

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e3ad8a97/sio/engineio/parser"
)

// Whatever a write that stopped short took, the pieces left are the rest
// of the stream, in order, none of them empty.
func TestSocketPiecesSkipWhatWasSent(t *testing.T) {
	ws := &socket{}
	b := []byte("head1")
	b = ws.appendPayload(b, bytes.Repeat([]byte("A"), refMin))
	b = append(b, "h2"...)
	b = ws.appendPayload(b, bytes.Repeat([]byte("B"), refMin+3))
	b = append(b, "tail"...)
	ws.out = &b
	require.Len(t, ws.refs, 2)
	whole := "head1" + strings.Repeat("A", refMin) + "h2" + strings.Repeat("B", refMin+3) + "tail"
	for sent := 0; sent <= len(whole); sent++ {
		ws.sent = sent
		var got []byte
		for _, p := range ws.pieces(nil) {
			require.NotEmpty(t, p, "sent %d", sent)
			got = append(got, p...)
		}
		require.True(t, whole[sent:] == string(got), "sent %d", sent)
		require.Equal(t, len(whole)-sent, ws.outLen())
	}
}

// Big payloads, text or binary, are not copied into the batch; the writes
// still carry every frame, in order, and leave the socket with nothing
// held.
func TestSocketBigPayloadsLeaveByReference(t *testing.T) {
	c := &countingConn{in: strings.NewReader("")}
	ws := newSocket(c, bufio.NewReader(strings.NewReader("")), 100, nil)
	big := bytes.Repeat([]byte{7}, refMin)
	text := bytes.Repeat([]byte("t"), 20000)
	batch := []parser.Packet{
		{Type: parser.Message, Data: []byte("one")},
		{Type: parser.Message, Data: big, Binary: true},
		{Type: parser.Message, Data: text},
		{Type: parser.Ping},
	}
	assert.Equal(t, 4, ws.encode(batch, batchBytes))
	assert.Less(t, len(*ws.out), 32, "the batch holds the headers and small frames only")
	require.NoError(t, ws.writeControl(opPong, []byte("p")), "a control frame while corked")
	require.NoError(t, ws.flush())

	want := append([]byte{0x81, 4}, "4one"...)
	want = append(append(want, 0x82, 126, byte(refMin>>8), 0), big...)
	want = append(append(want, 0x81, 126, byte(20001>>8), byte(20001&0xff), '4'), text...)
	want = append(want, 0x81, 1, '2', 0x8a, 1, 'p')
	assert.Equal(t, want, bytes.Join(c.writes, nil))
	assert.Nil(t, ws.out, "an idle socket keeps no batch buffer")
	assert.Empty(t, ws.refs, "nor any hold on what it wrote")
	assert.Zero(t, ws.sent)
}
