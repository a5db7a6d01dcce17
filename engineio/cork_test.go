package engineio_test

import (
	"net/http"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/seed-e3ad8a97/sio/engineio"
)

func TestCork_WebSocketHoldsUntilUncork(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, _, r := h.wsHandshake()
	defer ws.CloseNow()
	before := h.srv.Stats().MessagesOut

	uncork := r.s.Cork()
	require.NoError(t, r.s.SendNow(text("a")))
	require.NoError(t, r.s.SendNow(text("b")))
	// Uncorked, an idle session writes a SendNow in the caller: the
	// counter would already have moved.
	require.Equal(t, before, h.srv.Stats().MessagesOut, "written while corked")

	uncork()
	require.Equal(t, "4a", readText(t, ws))
	require.Equal(t, "4b", readText(t, ws))
	// The count follows the write (on a writer goroutine, if the socket was
	// busy), which the client may see first.
	eventually(t, "both messages counted", func() bool { return h.srv.Stats().MessagesOut == before+2 })
	uncork() // a second call does nothing
}

func TestCork_PollingAnswersOnceWithAll(t *testing.T) {
	h := newHarness(t, nil, nil)
	sid, _, r := h.handshake()
	got := h.asyncGet(sid)
	waitGETPending(t, r.s)

	uncork := r.s.Cork()
	mustSend(t, r.s, text("a"))
	// A round trip of the client's: time enough for an uncorked GET to
	// answer with "a" alone.
	h.post(sid, "4ping")
	require.Equal(t, "ping", string(r.message(t).Data))
	mustSend(t, r.s, text("b"))
	pending, _ := engineio.PollState(r.s)
	require.True(t, pending, "the GET answered while corked")
	uncork()

	res := h.await(got)
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, []string{"4a", "4b"}, splitPayload(res.body))
}

// A cork nobody lifts holds writes for corkLimit only.
func TestCork_EndsByItself(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, _, r := h.wsHandshake()
	defer ws.CloseNow()

	_ = r.s.Cork()
	mustSend(t, r.s, text("late"))
	require.Equal(t, "4late", readText(t, ws))

	// The next cork is a new one, and works.
	uncork := r.s.Cork()
	require.NoError(t, r.s.SendNow(text("next")))
	uncork()
	require.Equal(t, "4next", readText(t, ws))
}

// Closing a corked session still delivers what was sent, then closes.
func TestCork_CloseFlushes(t *testing.T) {
	h := newHarness(t, nil, nil)
	ws, _, r := h.wsHandshake()
	defer ws.CloseNow()

	_ = r.s.Cork()
	mustSend(t, r.s, text("bye"))
	r.s.Close()
	frames, err := readErr(t, ws)
	require.Equal(t, []string{"4bye"}, frames)
	require.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err))
}
