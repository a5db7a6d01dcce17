package engineio

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingConn records each Write as one system call would see it.
type countingConn struct {
	net.Conn
	in     io.Reader
	writes [][]byte
}

func (c *countingConn) Read(p []byte) (int, error) { return c.in.Read(p) }
func (c *countingConn) Write(p []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

func TestWireReadsWhatTheHTTPServerBufferedFirst(t *testing.T) {
	buffered := bufio.NewReader(strings.NewReader("early"))
	_, err := buffered.Peek(5)
	require.NoError(t, err)
	w, rw := newWire(&countingConn{in: strings.NewReader(" late")}, buffered)
	got, err := io.ReadAll(rw)
	require.NoError(t, err)
	assert.Equal(t, "early late", string(got))
	assert.Nil(t, w.pre)
}

func TestWireCorkedFramesLeaveInOneWrite(t *testing.T) {
	c := &countingConn{in: strings.NewReader("")}
	w, rw := newWire(c, bufio.NewReader(strings.NewReader("")))
	w.cork()
	for _, frame := range []string{"one", strings.Repeat("x", 3*wBuf), "three"} {
		_, err := rw.WriteString(frame)
		require.NoError(t, err)
		require.NoError(t, rw.Flush())
	}
	assert.Empty(t, c.writes, "nothing leaves while corked")
	require.NoError(t, w.flush())
	require.Len(t, c.writes, 1)
	assert.Equal(t, "one"+strings.Repeat("x", 3*wBuf)+"three", string(c.writes[0]))
	assert.Nil(t, w.out, "an idle wire keeps no batch buffer")

	_, err := w.Write([]byte("pong"))
	require.NoError(t, err)
	assert.Equal(t, "pong", string(c.writes[1]), "uncorked writes go straight out")
}
