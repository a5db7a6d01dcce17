package socketio_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/recovery"
	"github.com/seed-e3ad8a97/sio/socketio"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// recordingStore keeps what the server gives the recovery store.
type recordingStore struct {
	adapter.SessionStore
	mu  sync.Mutex
	got []*parser.Packet
}

func (r *recordingStore) Append(p *parser.Packet, opts adapter.BroadcastOptions) (*parser.Packet, error) {
	r.mu.Lock()
	r.got = append(r.got, p)
	r.mu.Unlock()
	return r.SessionStore.Append(p, opts)
}

// payload is the attachment of message i: 8 KiB, big enough to be
// recycled, and different for each i.
func payload(i int) []byte {
	return bytes.Repeat([]byte{byte(i), byte(i * 7), 'x', byte(255 - i)}, 2048)
}

// With RecycleAttachments, an event's attachment goes back to the reader
// once its handlers return, and a later message is read into it (under the
// race detector, recycling also overwrites it at once). What the handlers
// sent with it must arrive as it was: the emit and the ack to the sender,
// the broadcast to another client, the packet kept for recovery.
func TestRecycleAttachments_WhatWasSentStaysWhole(t *testing.T) {
	store := &recordingStore{SessionStore: recovery.NewMemory(nil)}
	srv, ts := newServer(t, &socketio.Options{RecycleAttachments: true, Recovery: &socketio.Recovery{Store: store}})
	// Sent with the emit, more than a write takes at once: the session
	// queues the emit for a writer goroutine, which must get copies.
	filler := bytes.Repeat([]byte("f"), 70<<10)
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("up", func(e *socketio.Event) {
			raw := e.RawArgs()
			_ = s.Emit("back", raw[0], filler)
			_ = s.Broadcast().Emit("relayed", raw...)
			_ = e.Ack(raw...)
		})
	})
	a, b := dial(t, ts), dial(t, ts)
	a.connect("/", "")
	b.connect("/", "")

	const n = 40
	for i := range n {
		a.send(fmt.Sprintf(`51-%d["up",{"_placeholder":true,"num":0}]`, i))
		a.sendBinary(payload(i))
	}
	check := func(who string, p *parser.Packet, i int) {
		t.Helper()
		if len(p.Attachments) == 0 || !bytes.Equal(p.Attachments[0], payload(i)) {
			t.Fatalf("%s, message %d: %s with a corrupt attachment", who, i, p.Data)
		}
	}
	for i := range n {
		back, ack := a.packet(), a.packet()
		if back.Type != parser.BinaryEvent || ack.Type != parser.BinaryAck || ack.ID != uint64(i) {
			t.Fatalf("message %d: got %v %s then %v %d", i, back.Type, back.Data, ack.Type, ack.ID)
		}
		check("emit", back, i)
		if len(back.Attachments) != 2 || !bytes.Equal(back.Attachments[1], filler) {
			t.Fatalf("message %d: the emit's second attachment is corrupt", i)
		}
		check("ack", ack, i)
		check("broadcast", b.packet(), i)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	if len(store.got) != 2*n { // each emit and each broadcast
		t.Fatalf("%d packets kept for recovery, want %d", len(store.got), 2*n)
	}
	for j, p := range store.got {
		check("recovery store", p, j/2)
	}
}

// An attachment kept past the handler by copying it (Bind into a *[]byte)
// is the caller's: recycling does not touch it.
func TestRecycleAttachments_BindCopies(t *testing.T) {
	srv, ts := newServer(t, &socketio.Options{RecycleAttachments: true})
	kept := make(chan []byte, 8)
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("keep", func(e *socketio.Event) {
			var b []byte
			_ = e.Bind(&b)
			kept <- b
		})
	})
	c := dial(t, ts)
	c.connect("/", "")
	for i := range 4 {
		c.send(`51-["keep",{"_placeholder":true,"num":0}]`)
		c.sendBinary(payload(i))
	}
	var got [][]byte
	for range 4 {
		got = append(got, recv(t, kept))
	}
	for i, b := range got {
		if !bytes.Equal(b, payload(i)) {
			t.Fatalf("kept attachment %d changed", i)
		}
	}
}

// The buffers go round: with messages one at a time, the reader reads each
// into a buffer an earlier message was recycled from.
func TestRecycleAttachments_BuffersAreReused(t *testing.T) {
	srv, ts := newServer(t, &socketio.Options{RecycleAttachments: true})
	var mu sync.Mutex
	seen := map[*byte]bool{} // where each attachment's memory starts; never read
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("up", func(e *socketio.Event) {
			var raw socketio.Raw
			_ = e.Bind(&raw)
			mu.Lock()
			seen[&raw.Attachments[0][0]] = true
			mu.Unlock()
			_ = e.Ack()
		})
	})
	c := dial(t, ts)
	c.connect("/", "")
	const n = 40
	for i := range n {
		c.send(fmt.Sprintf(`51-%d["up",{"_placeholder":true,"num":0}]`, i))
		c.sendBinary(payload(i))
		if p := c.packet(); p.Type != parser.Ack || p.ID != uint64(i) {
			t.Fatalf("message %d: got %v %d", i, p.Type, p.ID)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) > n/2 {
		t.Fatalf("%d messages read into %d buffers", n, len(seen))
	}
}
