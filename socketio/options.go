package socketio

import (
	"log/slog"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/engineio"
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
	// Logger receives the server's logs. Default slog.Default().
	Logger *slog.Logger
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
	return c
}
