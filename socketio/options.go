package socketio

import (
	"log/slog"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/recovery"
)

// Options configure a [Server]. nil or zero fields mean the defaults of the
// Node.js reference server.
type Options struct {
	// Engine configures the Engine.IO layer (heartbeats, payload limits,
	// transports, CORS...). Default: engineio's defaults.
	Engine *engineio.Options
	// ConnectTimeout is how long a client may stay without joining any
	// namespace before it is disconnected. Default 45s.
	ConnectTimeout time.Duration
	// Adapter makes each namespace's adapter. Default adapter.NewMemory.
	Adapter adapter.Factory
	// MaxAttachments bounds the binary attachments of one packet. Default 10.
	MaxAttachments int
	// MaxDepth bounds the JSON nesting depth of one packet. Default 32.
	MaxDepth int
	// MaxPendingEvents bounds the events of one socket waiting for its
	// handlers; a client flooding past it is disconnected. Default 1024.
	MaxPendingEvents int
	// RecycleAttachments hands the memory of an event's binary
	// attachments back to the server once the event's handlers have
	// returned, to read later messages into: the server then neither
	// allocates nor collects a buffer per binary message (a 16 KiB
	// binary echo cost 27-32 % less CPU). The price is a rule for
	// handlers: an attachment ([]byte from Values, RawArgs or a Raw) is
	// valid only until they return. Copy what must live longer (Bind
	// into a *[]byte copies). Emits, acks and broadcasts made with an
	// attachment before then are safe: the server copies what it does
	// not write at once. Under the race detector a recycled buffer is
	// overwritten, so that a handler breaking the rule shows in tests.
	// Default false.
	RecycleAttachments bool
	// Recovery, when set, turns on connection state recovery: a client
	// whose connection drops comes back with its id, rooms and data, and
	// gets the events it missed. Default: off.
	Recovery *Recovery
	// Logger receives the server's logs. Default slog.Default().
	Logger *slog.Logger
}

// Recovery configures connection state recovery.
type Recovery struct {
	// MaxDisconnectionDuration is how long a dropped session can be
	// recovered. Default 2 minutes.
	MaxDisconnectionDuration time.Duration
	// RunMiddlewares runs the namespace's middlewares for a recovered
	// socket too. Default false: they already ran when it first connected.
	RunMiddlewares bool
	// Store keeps sessions and missed packets. Default an in-memory store
	// (recovery.NewMemory) bounded by MaxDisconnectionDuration.
	Store adapter.SessionStore
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 45 * time.Second
	}
	if c.Adapter == nil {
		c.Adapter = adapter.NewMemory
	}
	if c.MaxPendingEvents <= 0 {
		c.MaxPendingEvents = 1024
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Recovery != nil {
		r := *c.Recovery
		if r.MaxDisconnectionDuration <= 0 {
			r.MaxDisconnectionDuration = 2 * time.Minute
		}
		if r.Store == nil {
			r.Store = recovery.NewMemory(&recovery.Options{MaxDisconnectionDuration: r.MaxDisconnectionDuration})
		}
		c.Recovery = &r
	}
	return c
}
