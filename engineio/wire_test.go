package engineio

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e3ad8a97/sio/engineio/parser"
)

// countingConn records each Write as one system call would see it.
type countingConn struct {
	net.Conn
	in     io.Reader
	writes [][]byte
	closed bool
}

func (c *countingConn) Read(p []byte) (int, error) { return c.in.Read(p) }
func (c *countingConn) Write(p []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}
func (c *countingConn) Close() error { c.closed = true; return nil }

// Deadlines are not needed by these tests.
func (c *countingConn) SetDeadline(time.Time) error      { return nil }
func (c *countingConn) SetReadDeadline(time.Time) error  { return nil }
func (c *countingConn) SetWriteDeadline(time.Time) error { return nil }

// clientFrame is a frame as a client sends it: masked.
func clientFrame(op byte, fin bool, payload string) []byte {
	return rawFrame(op, fin, true, []byte(payload))
}

func rawFrame(op byte, fin, masked bool, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var b []byte
	switch n := len(payload); {
	case n < 126:
		b = []byte{b0, byte(n)}
	case n <= 0xffff:
		b = []byte{b0, 126, byte(n >> 8), byte(n)}
	default:
		b = binary.BigEndian.AppendUint64([]byte{b0, 127}, uint64(n))
	}
	p := bytes.Clone(payload)
	if masked {
		b[1] |= 0x80
		key := [4]byte{0x12, 0x34, 0x56, 0x78}
		b = append(b, key[:]...)
		mask(p, key, 0)
	}
	return append(b, p...)
}

func socketReading(limit int, frames ...[]byte) (*socket, *countingConn) {
	c := &countingConn{in: bytes.NewReader(bytes.Join(frames, nil))}
	return newSocket(c, bufio.NewReader(strings.NewReader("")), limit, nil), c
}

func TestSocketReadsWhatTheHTTPServerBufferedFirst(t *testing.T) {
	frame := clientFrame(opText, true, "4early and late")
	buffered := bufio.NewReader(bytes.NewReader(frame[:5]))
	_, err := buffered.Peek(5)
	require.NoError(t, err)
	ws := newSocket(&countingConn{in: bytes.NewReader(frame[5:])}, buffered, 100, nil)
	bin, msg, err := ws.read()
	require.NoError(t, err)
	assert.False(t, bin)
	assert.Equal(t, "4early and late", string(msg))
	assert.Nil(t, ws.inBuf, "an idle socket keeps no read buffer")
}

func TestSocketReadsFragmentsWithPingsBetween(t *testing.T) {
	big := strings.Repeat("y", 70000) // a 64-bit length, read past the buffer
	ws, c := socketReading(1<<20,
		clientFrame(opText, false, "4frag"),
		clientFrame(opPing, true, "are you there"),
		clientFrame(opContinuation, false, "mented"),
		clientFrame(opContinuation, true, ""),
		clientFrame(opBinary, true, big),
	)
	_, msg, err := ws.read()
	require.NoError(t, err)
	assert.Equal(t, "4fragmented", string(msg))
	require.Len(t, c.writes, 1)
	assert.Equal(t, append([]byte{0x8a, 13}, "are you there"...), c.writes[0], "the ping gets its pong")
	bin, msg, err := ws.read()
	require.NoError(t, err)
	assert.True(t, bin)
	assert.Equal(t, big, string(msg))
	_, _, err = ws.read()
	assert.ErrorIs(t, err, io.EOF)
}

func TestSocketAnswersACloseAndEnds(t *testing.T) {
	ws, c := socketReading(100, clientFrame(opClose, true, "\x03\xe8bye"))
	_, _, err := ws.read()
	var ce *closeError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, closeNormal, ce.code)
	assert.Equal(t, ReasonTransportClose, endReason(err))
	require.Len(t, c.writes, 1)
	assert.Equal(t, []byte{0x88, 2, 0x03, 0xe8}, c.writes[0])
	assert.True(t, c.closed)
}

// A client that breaks RFC 6455 gets close 1002 (1009 for a message over
// the limit) and the connection ends.
func TestSocketRefusesBadFrames(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input []byte
		code  int
	}{
		{"unmasked", rawFrame(opText, true, false, []byte("4x")), closeProtocolError},
		{"unknown opcode", clientFrame(0x3, true, "x"), closeProtocolError},
		{"continuation first", clientFrame(opContinuation, true, "x"), closeProtocolError},
		{"text inside a fragmented text", append(clientFrame(opText, false, "4a"), clientFrame(opText, true, "b")...), closeProtocolError},
		{"fragmented ping", clientFrame(opPing, false, ""), closeProtocolError},
		{"long ping", clientFrame(opPing, true, strings.Repeat("p", 126)), closeProtocolError},
		{"reserved bit", func() []byte { f := clientFrame(opText, true, "4x"); f[0] |= 0x40; return f }(), closeProtocolError},
		{"close of one byte", clientFrame(opClose, true, "\x03"), closeProtocolError},
		{"close code 1005", clientFrame(opClose, true, "\x03\xed"), closeProtocolError},
		{"close reason not UTF-8", clientFrame(opClose, true, "\x03\xe8\xff"), closeProtocolError},
		{"length with top bit", []byte{0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}, closeProtocolError},
		{"over the limit", clientFrame(opText, true, strings.Repeat("x", 101)), closeTooBig},
		{"fragments over the limit", append(clientFrame(opText, false, strings.Repeat("x", 60)), clientFrame(opContinuation, true, strings.Repeat("x", 60))...), closeTooBig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, c := socketReading(100, tc.input)
			_, _, err := ws.read()
			require.Error(t, err)
			if tc.code == closeTooBig {
				assert.ErrorIs(t, err, errWSTooBig)
			} else {
				assert.ErrorIs(t, err, errWSProtocol)
			}
			assert.Equal(t, ReasonTransportError, endReason(err))
			require.NotEmpty(t, c.writes)
			assert.Equal(t, []byte{0x88, 2, byte(tc.code >> 8), byte(tc.code)}, c.writes[len(c.writes)-1])
			assert.True(t, c.closed)
		})
	}
}

func TestSocketCorkedFramesLeaveInOneWrite(t *testing.T) {
	c := &countingConn{in: strings.NewReader("")}
	ws := newSocket(c, bufio.NewReader(strings.NewReader("")), 100, nil)
	big := bytes.Repeat([]byte{7}, 300)
	batch := []parser.Packet{
		{Type: parser.Message, Data: []byte("one")},
		{Type: parser.Message, Data: big, Binary: true},
		{Type: parser.Ping},
	}
	assert.Equal(t, 3, ws.encode(batch, batchBytes))
	require.NoError(t, ws.writeControl(opPong, []byte("p")), "a control frame while corked")
	assert.Empty(t, c.writes, "nothing leaves while corked")
	require.NoError(t, ws.flush())
	require.Len(t, c.writes, 1)
	want := append([]byte{0x81, 4}, "4one"...)
	want = append(append(want, 0x82, 126, 1, 44), big...)
	want = append(want, 0x81, 1, '2', 0x8a, 1, 'p')
	assert.Equal(t, want, c.writes[0])
	assert.Nil(t, ws.out, "an idle socket keeps no batch buffer")

	require.NoError(t, ws.writeControl(opPong, nil))
	assert.Equal(t, []byte{0x8a, 0}, c.writes[1], "uncorked control frames go straight out")
	require.NoError(t, ws.writeControl(opClose, closePayload(closeNormal, "")))
	assert.ErrorIs(t, ws.writeControl(opPong, nil), net.ErrClosed, "nothing after a close frame")
}

func TestSocketEncodeStopsAtTheLimit(t *testing.T) {
	ws := newSocket(&countingConn{in: strings.NewReader("")}, bufio.NewReader(strings.NewReader("")), 100, nil)
	batch := make([]parser.Packet, 10)
	for i := range batch {
		batch[i] = parser.Packet{Type: parser.Message, Data: bytes.Repeat([]byte("x"), 100)}
	}
	assert.Equal(t, 3, ws.encode(batch, 250), "frames are added until the batch holds the limit")
}

func TestSocketDeflateRoundTrip(t *testing.T) {
	msg := "4" + strings.Repeat("compress me ", 200)
	z := appendDeflated(nil, []byte(msg))
	assert.Less(t, len(z), len(msg)/4)
	got, err := inflate(z, len(msg))
	require.NoError(t, err)
	assert.Equal(t, msg, string(got))
	_, err = inflate(z, len(msg)-1)
	assert.ErrorIs(t, err, errWSTooBig, "a message that inflates past the limit")
	_, err = inflate([]byte{0xff, 0xff, 0xff}, 100)
	assert.True(t, errors.Is(err, errWSProtocol), "garbage: %v", err)
}

// FuzzSocketRead feeds arbitrary bytes to the frame reader: it must end
// with a message or an error, never panic or hand out more than the limit.
func FuzzSocketRead(f *testing.F) {
	f.Add(clientFrame(opText, true, "4hello"))
	f.Add(append(clientFrame(opText, false, "4a"), clientFrame(opContinuation, true, "b")...))
	f.Add(clientFrame(opClose, true, "\x03\xe8"))
	f.Add(clientFrame(opPing, true, "x"))
	f.Add([]byte{0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4})
	f.Add(rawFrame(opBinary, true, true, bytes.Repeat([]byte{1}, 600)))
	f.Fuzz(func(t *testing.T, input []byte) {
		ws, _ := socketReading(1000, input)
		ws.deflate = &Deflate{Threshold: 1}
		for range 10 {
			_, msg, err := ws.read()
			if err != nil {
				return
			}
			if len(msg) > 1000 {
				t.Fatalf("a message of %d bytes passed the limit of 1000", len(msg))
			}
		}
	})
}

// loopReader hands out the same bytes forever.
type loopReader struct {
	b   []byte
	off int
}

func (r *loopReader) Read(p []byte) (int, error) {
	n := copy(p, r.b[r.off:])
	r.off = (r.off + n) % len(r.b)
	return n, nil
}

func BenchmarkSocketReadText(b *testing.B) {
	benchmarkRead(b, clientFrame(opText, true, `42["echo",{"n":1,"text":"hello, world"}]`))
}

func BenchmarkSocketReadBinary16K(b *testing.B) {
	benchmarkRead(b, rawFrame(opBinary, true, true, bytes.Repeat([]byte{9}, 16<<10)))
}

// With each message given back by Recycle, as a receiver that is done
// with it would: no allocation per message.
func BenchmarkSocketReadBinary16KRecycled(b *testing.B) {
	benchmarkRead(b, rawFrame(opBinary, true, true, bytes.Repeat([]byte{9}, 16<<10)), Recycle)
}

// benchmarkRead reads frame over and over, handing each message to done
// if it is given.
func benchmarkRead(b *testing.B, frame []byte, done ...func([]byte)) {
	c := &countingConn{in: &loopReader{b: frame}}
	ws := newSocket(c, bufio.NewReader(strings.NewReader("")), 1<<20, nil)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		_, msg, err := ws.read()
		if err != nil {
			b.Fatal(err)
		}
		for _, fn := range done {
			fn(msg)
		}
	}
}

// discardConn takes writes without keeping them.
type discardConn struct{ countingConn }

func (discardConn) Write(p []byte) (int, error) { return len(p), nil }

func BenchmarkSocketEncodeBatch(b *testing.B) {
	ws := newSocket(&discardConn{}, bufio.NewReader(strings.NewReader("")), 1<<20, nil)
	batch := []parser.Packet{
		{Type: parser.Message, Data: []byte(`2["news",{"n":1}]`)},
		{Type: parser.Message, Data: []byte(`3[{"ok":true}]`)},
		{Type: parser.Ping},
	}
	b.ReportAllocs()
	for b.Loop() {
		ws.encode(batch, batchBytes)
		if err := ws.flush(); err != nil {
			b.Fatal(err)
		}
	}
}

// mask is the XOR of RFC 6455 §5.3, whatever the length and the key's
// position: the same as the byte at a time definition.
func TestMaskMatchesBytewise(t *testing.T) {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	for n := range 100 {
		for pos := range int64(4) {
			in := make([]byte, n)
			for i := range in {
				in[i] = byte(i*7 + n)
			}
			want := bytes.Clone(in)
			for i := range want {
				want[i] ^= key[(pos+int64(i))&3]
			}
			got := bytes.Clone(in)
			mask(got, key, pos)
			if !bytes.Equal(got, want) {
				t.Fatalf("mask of %d bytes at position %d = %x, want %x", n, pos, got, want)
			}
		}
	}
}
