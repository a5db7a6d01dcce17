package socketio_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-e3ad8a97/sio/socketio"
)

// The CONNECT reply waits for the connection handlers, so that it leaves
// with what they emit in one write (one response, on long-polling).
func TestAdmission_ReplyLeavesWithTheHandlersEmits(t *testing.T) {
	srv, ts := newServer(t, nil)
	written := make(chan uint64, 1)
	srv.OnConnection(func(s *socketio.Socket) {
		written <- srv.Engine().Stats().MessagesOut
		_ = s.Emit("hello", 1)
	})
	c := dial(t, ts)
	before := srv.Engine().Stats().MessagesOut
	c.connect("/", "")
	require.Equal(t, before, recv(t, written), "the CONNECT reply left before the handler ran")
	c.expect(`2["hello",1]`)
	// The count follows the write, which the client may see first.
	out := func() uint64 { return srv.Engine().Stats().MessagesOut }
	eventually(t, func() bool { return out() >= before+2 }, "two messages counted")
	require.Equal(t, before+2, out())
}

// A connection handler that takes long does not hold the CONNECT reply
// back: the client is connected while the handler still runs.
func TestAdmission_SlowHandlerDoesNotHoldTheReply(t *testing.T) {
	srv, ts := newServer(t, nil)
	release := make(chan struct{})
	srv.OnConnection(func(s *socketio.Socket) {
		<-release
		_ = s.Emit("late")
	})
	c := dial(t, ts)
	c.connect("/", "")
	close(release)
	c.expect(`2["late"]`)
}
