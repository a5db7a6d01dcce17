package socketio

import (
	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// Recycling attachments (Options.RecycleAttachments). An event's binary
// attachments are the buffers the WebSocket reader read them into; once
// the event's handlers have returned, they go back to the reader. What the
// handlers sent with them must then not point into them: a send to one
// client marks its binary messages Borrowed, so that the session copies
// what it cannot write at once, and whatever keeps a packet longer than
// the call that made it (a broadcast's shared frames, the adapter, the
// recovery store) gets copies of its attachments.

// keep gives p attachments of its own, when attachments are recycled.
func (srv *Server) keep(p *parser.Packet) {
	if !srv.opts.RecycleAttachments || len(p.Attachments) == 0 {
		return
	}
	atts := make([][]byte, len(p.Attachments))
	for i, a := range p.Attachments {
		atts[i] = append([]byte(nil), a...)
	}
	p.Attachments = atts
}

// lend marks the binary messages of a send to one client as borrowed,
// when attachments are recycled.
func (srv *Server) lend(msgs []engineio.Message) {
	if !srv.opts.RecycleAttachments {
		return
	}
	for i := range msgs {
		if msgs[i].Binary {
			msgs[i].Borrowed = true
		}
	}
}

// release gives the event's attachments back to the reader; its handlers
// have returned.
func (e *Event) release() {
	for _, a := range e.attachments {
		engineio.Recycle(a)
	}
	e.attachments = nil
}
