package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/seed-e3ad8a97/sio/socketio"
)

const (
	// room holds the sockets that have caught up with the history; new
	// messages are broadcast to it.
	room = "chat"
	// maxMessageBytes bounds one message (the page's input allows 1000
	// characters, at most 3000 bytes of UTF-8).
	maxMessageBytes = 4000
	// maxCatchUp bounds the missed messages sent to a connecting client:
	// the newest ones. Emits never wait for a slow client, whose queue is
	// bounded (engineio.Options.MaxQueuedPackets, MaxQueuedBytes), so the
	// history is sent in a size the queue surely holds.
	maxCatchUp = 1000
	// dbTimeout bounds one database call.
	dbTimeout = 10 * time.Second
)

// chat is the tutorial's server side, steps 3 to 8.
//
// "Store a message, then broadcast it" and "send a connecting client what
// it missed, then let it receive broadcasts" each run under the database's
// write lock (see store), which orders them in this process and across the
// workers of a cluster: every message reaches a client either in its
// catch-up (stored before) or live (stored after).
type chat struct {
	io    *socketio.Server
	store *store
	log   *slog.Logger
}

// onConnection runs for every socket that connects.
func (c *chat) onConnection(s *socketio.Socket) {
	// Step 3: a user connects, and later disconnects.
	c.log.Info("a user connected", "id", s.ID(), "recovered", s.Recovered())
	s.OnDisconnect(func(reason string) {
		c.log.Info("user disconnected", "id", s.ID(), "reason", reason)
	})

	// Steps 4, 5 and 8: receive a message, store it once, broadcast it.
	s.On("chat message", c.onMessage)

	// Step 6: a recovered socket is back in its rooms and has already been
	// sent what it missed while away.
	if s.Recovered() {
		return
	}
	// Step 7: otherwise, send the messages after the client's offset, from
	// the database (this also works after a restart of the server).
	c.catchUp(s)
}

// catchUp sends s the messages it has not seen, then adds it to the room.
func (c *chat) catchUp(s *socketio.Socket) {
	var auth struct {
		ServerOffset int64 `json:"serverOffset"`
	}
	_ = json.Unmarshal(s.Handshake().RawAuth, &auth) // anything odd means from the start

	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	err := c.store.catchUp(ctx, auth.ServerOffset, maxCatchUp, func(m message) error {
		return s.Emit("chat message", m.Content, m.ID)
	}, func() { s.Join(room) })
	if err != nil {
		// The page misses some history (a reload fetches it), but gets
		// the new messages.
		c.log.Error("sending missed messages", "id", s.ID(), "err", err)
		s.Join(room)
	}
}

// onMessage handles "chat message" (content, clientOffset, ack).
func (c *chat) onMessage(e *socketio.Event) {
	var msg, clientOffset string
	if err := e.Bind(&msg, &clientOffset); err != nil || msg == "" || len(msg) > maxMessageBytes {
		c.log.Warn("message refused", "id", e.Socket().ID(), "bytes", len(msg), "err", err)
		_ = e.Ack() // answered, so the client does not send it again
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	_, err := c.store.add(ctx, msg, clientOffset, func(id int64) {
		// Step 5: to everyone, the sender included, with the offset. With
		// -redis, the other workers' clients too: the broadcast is in the
		// Redis stream before the message is committed.
		if err := c.io.To(room).Emit("chat message", msg, id); err != nil {
			c.log.Error("broadcasting a message", "id", e.Socket().ID(), "err", err)
		}
	})

	switch {
	case errors.Is(err, errDuplicate):
		// Step 8: stored by an earlier try whose acknowledgement was lost.
		_ = e.Ack()
	case err != nil:
		// No acknowledgement: the client tries again.
		c.log.Error("storing a message", "id", e.Socket().ID(), "err", err)
	default:
		_ = e.Ack()
	}
}
