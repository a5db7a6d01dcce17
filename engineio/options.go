package engineio

import (
	"log/slog"
	"net/http"
	"time"
)

// Transport names, as they appear in the transport query parameter.
const (
	Polling   = "polling"
	WebSocket = "websocket"
)

// Options configure a [Server]. The zero value (or nil) gives the defaults
// of the Node.js reference server.
type Options struct {
	// PingInterval is how often the server pings each client. Default 25s.
	PingInterval time.Duration
	// PingTimeout is how long the server waits for a pong before closing
	// the session with "ping timeout". Default 20s.
	PingTimeout time.Duration
	// UpgradeTimeout is how long a polling session may take to complete an
	// upgrade to WebSocket before the probe is dropped. Default 10s.
	UpgradeTimeout time.Duration
	// MaxPayload is the largest polling body or WebSocket message accepted,
	// in bytes, and is advertised to clients. Default 1,000,000.
	MaxPayload int
	// MaxPayloadPackets bounds the packets in one polling body; a body with
	// more closes its session as a parse error. Default 10,000.
	MaxPayloadPackets int
	// MaxQueuedPackets bounds the packets waiting to be written to one
	// session; when full, volatile packets are dropped and the session is
	// closed as a slow consumer. Default 16384 (a queue entry is a few
	// words; MaxQueuedBytes bounds the memory).
	MaxQueuedPackets int
	// MaxQueuedBytes bounds the bytes waiting to be written to one session,
	// with the same effect as MaxQueuedPackets. Default 8 MiB.
	MaxQueuedBytes int
	// WriteTimeout bounds one write to a client. Default 10s.
	WriteTimeout time.Duration
	// Transports lists the allowed transports. Default polling and websocket.
	Transports []string
	// DisableUpgrades stops polling sessions from upgrading to WebSocket.
	DisableUpgrades bool
	// AllowRequest, when set, may refuse a handshake by returning an error;
	// the client gets 403 with code 4 and the error's text.
	AllowRequest func(r *http.Request) error
	// CORS, when set, answers preflight requests and adds the
	// Access-Control headers to polling responses, and decides which
	// origins may open a WebSocket. When nil, browsers may only connect
	// from the server's own origin.
	CORS *CORS
	// Cookie, when set, sends a cookie holding the session id with the
	// handshake response. Default: no cookie.
	Cookie *Cookie
	// PerMessageDeflate, when set, compresses WebSocket messages at least
	// Threshold bytes long. Default: off.
	PerMessageDeflate *Deflate
	// HTTPCompressionThreshold is the size from which polling responses are
	// gzip- or deflate-compressed when the client accepts it. Default 1024;
	// negative disables compression.
	HTTPCompressionThreshold int
	// Logger receives the server's logs. Default slog.Default().
	Logger *slog.Logger
}

// CORS configures cross-origin access.
type CORS struct {
	// Origins lists the allowed origins ("https://example.com"); "*" allows
	// any origin.
	Origins []string
	// AllowOrigin, when set, decides instead of Origins.
	AllowOrigin func(origin string) bool
	// Credentials allows cookies and HTTP auth on cross-origin requests.
	Credentials bool
	// Methods lists the allowed methods. Default GET, HEAD, PUT, PATCH,
	// POST, DELETE.
	Methods []string
	// Headers lists the allowed request headers. Default: the ones the
	// preflight asks for.
	Headers []string
	// MaxAge is how long a preflight answer may be cached. Default: unset.
	MaxAge time.Duration
}

// Cookie configures the session cookie.
type Cookie struct {
	// Name of the cookie. Default "io".
	Name string
	// Path of the cookie. Default "/".
	Path string
	// HTTPOnly hides the cookie from scripts. Default false; set it.
	HTTPOnly bool
	// SameSite of the cookie. Default http.SameSiteLaxMode.
	SameSite http.SameSite
}

// Deflate configures WebSocket per-message compression.
type Deflate struct {
	// Threshold is the smallest message compressed, in bytes. Default 1024.
	Threshold int
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PingInterval, 25*time.Second)
	def(&c.PingTimeout, 20*time.Second)
	def(&c.UpgradeTimeout, 10*time.Second)
	def(&c.WriteTimeout, 10*time.Second)
	if c.MaxPayload <= 0 {
		c.MaxPayload = 1_000_000
	}
	if c.MaxPayloadPackets <= 0 {
		c.MaxPayloadPackets = 10_000
	}
	if c.MaxQueuedPackets <= 0 {
		c.MaxQueuedPackets = 16384
	}
	if c.MaxQueuedBytes <= 0 {
		c.MaxQueuedBytes = 8 << 20
	}
	if len(c.Transports) == 0 {
		c.Transports = []string{Polling, WebSocket}
	}
	if c.HTTPCompressionThreshold == 0 {
		c.HTTPCompressionThreshold = 1024
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Cookie != nil {
		ck := *c.Cookie
		if ck.Name == "" {
			ck.Name = "io"
		}
		if ck.Path == "" {
			ck.Path = "/"
		}
		if ck.SameSite == 0 {
			ck.SameSite = http.SameSiteLaxMode
		}
		c.Cookie = &ck
	}
	if c.PerMessageDeflate != nil && c.PerMessageDeflate.Threshold <= 0 {
		c.PerMessageDeflate = &Deflate{Threshold: 1024}
	}
	return c
}

func (o *Options) allows(transport string) bool {
	for _, t := range o.Transports {
		if t == transport {
			return true
		}
	}
	return false
}
