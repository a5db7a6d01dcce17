package engineio_test

import (
	"bytes"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// A borrowed message the session cannot write at once is queued as a copy:
// the caller may overwrite its buffer as soon as the send returns.
func TestBorrowed_QueuedAsACopy(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, _, r := h.wsHandshake()
	defer ws.CloseNow()

	sends := map[string]func(...engineio.Message) error{
		"SendNow": r.s.SendNow,
		"Send":    r.s.Send,
		"SendVolatile": func(m ...engineio.Message) error {
			require.True(t, r.s.SendVolatile(m...))
			return nil
		},
	}
	for _, name := range []string{"SendNow", "Send", "SendVolatile"} {
		uncork := r.s.Cork() // holds the write back: the message must wait in the queue
		buf := bytes.Repeat([]byte(name[:1]), 5000)
		require.NoError(t, sends[name](engineio.Message{Data: buf, Binary: true, Borrowed: true}))
		for i := range buf {
			buf[i] = 'x'
		}
		uncork()
		typ, got := readWS(t, ws)
		require.Equal(t, websocket.MessageBinary, typ, name)
		require.Equal(t, string(bytes.Repeat([]byte(name[:1]), 5000)), got, name)
	}
}

// Written at once, a borrowed message is not copied (nothing is queued), and
// what the client gets is still the data as it was during the call.
func TestBorrowed_WrittenAtOnce(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, _, r := h.wsHandshake()
	defer ws.CloseNow()
	buf := bytes.Repeat([]byte("y"), 5000)
	require.NoError(t, r.s.SendNow(engineio.Message{Data: buf, Binary: true, Borrowed: true}))
	clear(buf)
	_, got := readWS(t, ws)
	require.Equal(t, string(bytes.Repeat([]byte("y"), 5000)), got)
}

// A big payload goes out by reference rather than copied into the batch.
// When the connection takes only part of it (the client is not reading),
// what is left of a borrowed one is copied before SendNow returns: the
// caller may then reuse its buffer.
func TestBorrowed_BigAndCutShort(t *testing.T) {
	h := newHarness(t, &engineio.Options{MaxQueuedBytes: 64 << 20}, nil)
	ws, _, r := h.wsHandshake()
	defer ws.CloseNow()
	// 18 MB, more than the kernel's buffers hold unread: one SendNow is
	// cut short, and those after it queue behind the writer it starts.
	const n, size = 300, 60 << 10
	want := func(i int) []byte { return bytes.Repeat([]byte{'a' + byte(i%26)}, size) }
	for i := range n {
		buf := want(i)
		require.NoError(t, r.s.SendNow(engineio.Message{Data: buf, Binary: true, Borrowed: true}))
		for j := range buf {
			buf[j] = 'x'
		}
	}
	for i := range n {
		typ, got := readWS(t, ws)
		require.Equal(t, websocket.MessageBinary, typ)
		require.True(t, string(want(i)) == got, "message %d changed after SendNow returned", i)
	}
}

// A polling session keeps what SendNow queues until a GET takes it: a copy.
func TestBorrowed_Polling(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	buf := []byte("borrowed")
	require.NoError(t, r.s.SendNow(engineio.Message{Data: buf, Borrowed: true}))
	copy(buf, "replaced")
	require.Equal(t, []string{"4borrowed"}, h.get(sid))
}

// Recycled buffers are read into again: echoing with Recycle after each
// message, every message still arrives whole, of every size around the
// classes, while the buffers go round.
func TestRecycle_MessagesStayWhole(t *testing.T) {
	h := newHarness(t, nil, func(r *rec) {
		r.onMessage = func(r *rec, m engineio.Message) {
			m.Borrowed = true
			_ = r.s.SendNow(m)
			engineio.Recycle(m.Data)
		}
	})
	ws, _, r := h.wsHandshake()
	defer ws.CloseNow()
	for i, n := range []int{4096, 4097, 6144, 1 << 14, 1<<14 + 1, 3000, 20000, 1 << 14, 6000, 900_000, 4096} {
		want := bytes.Repeat([]byte{byte('a' + i)}, n)
		writeWS(t, ws, websocket.MessageBinary, string(want))
		typ, got := readWS(t, ws)
		require.Equal(t, websocket.MessageBinary, typ)
		require.Equal(t, len(want), len(got), "message %d", i)
		require.True(t, string(want) == got, "message %d of %d bytes corrupt", i, n)
		r.message(t)
	}
}

// A recycled buffer is read into again by messages of its size class or
// below; buffers too small or too big to be worth keeping are not kept.
func TestRecycle_Classes(t *testing.T) {
	// sync.Pool may drop what it is given (it does so on purpose under the
	// race detector, and at each collection): try a few times.
	taken := func(b []byte, n int) bool {
		for range 20 {
			engineio.Recycle(b)
			if got := engineio.Reuse(n); got != nil && &got[:1][0] == &b[:1][0] {
				require.Len(t, got, n)
				return true
			}
		}
		return false
	}
	require.True(t, taken(make([]byte, 16<<10), 16<<10))
	require.True(t, taken(make([]byte, 16<<10), 12<<10+1), "16 KiB is in the 16 KiB class")
	require.True(t, taken(make([]byte, 0, 20<<10), 16<<10), "its capacity counts")
	require.True(t, taken(make([]byte, 1<<20), 1<<20))
	require.False(t, taken(make([]byte, 16<<10), 16<<10+1), "too small for the 24 KiB class")
	require.False(t, taken(make([]byte, 2000), 2000), "too small to keep")
	require.False(t, taken(make([]byte, 2<<20), 2<<20), "too big to keep")
	engineio.Recycle(nil) // no buffer: nothing to do
}

// Once buffers are recycled, a message that finds none to reuse gets one of
// its class's size, so that a length between classes recycles too; and a
// reused buffer shows nothing of an earlier message past the new one's end.
func TestRecycle_OddLengths(t *testing.T) {
	engineio.Recycle(make([]byte, 4<<10)) // recycling is in use
	for range 20 {
		if engineio.Reuse(5000) == nil { // takes what the 6 KiB class may hold
			break
		}
	}
	b := engineio.Reuse(5000)
	require.Len(t, b, 5000)
	require.Equal(t, 6<<10, cap(b), "a new buffer of the 6 KiB class")

	for range 20 {
		old := bytes.Repeat([]byte{0xff}, 6<<10)
		engineio.Recycle(old)
		got := engineio.Reuse(5000)
		if &got[:1][0] != &old[0] {
			continue // the pool dropped it
		}
		require.Equal(t, make([]byte, 6<<10-5000), got[5000:cap(got)], "bytes of the earlier message past the end")
		return
	}
	t.Fatal("a recycled 6 KiB buffer was never reused")
}
