package engineio

import (
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// The WebSocket opening handshake (RFC 6455 §4.2), server side.

// acceptGUID is the constant the accept key is derived with (§1.3).
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// accept completes a WebSocket handshake, or answers the request with an
// error and returns nil.
func (srv *Server) accept(w http.ResponseWriter, r *http.Request) *socket {
	fail := func(status int, msg string) *socket {
		srv.opts.Logger.Debug("engineio: websocket handshake failed", "reason", msg)
		if status == http.StatusBadRequest && r.Header.Get("Sec-WebSocket-Version") != "13" {
			w.Header().Set("Sec-WebSocket-Version", "13")
		}
		http.Error(w, msg, status)
		return nil
	}
	switch {
	case !headerHasToken(r.Header, "Connection", "upgrade"):
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "websocket")
		return fail(http.StatusUpgradeRequired, "WebSocket protocol violation: Connection header does not contain Upgrade")
	case !headerHasToken(r.Header, "Upgrade", "websocket"):
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "websocket")
		return fail(http.StatusUpgradeRequired, "WebSocket protocol violation: Upgrade header does not contain websocket")
	case r.Method != http.MethodGet:
		return fail(http.StatusMethodNotAllowed, "WebSocket protocol violation: handshake request method is not GET")
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return fail(http.StatusBadRequest, "unsupported WebSocket protocol version (only 13 is supported)")
	}
	key := r.Header.Get("Sec-WebSocket-Key")
	if k, err := base64.StdEncoding.DecodeString(key); err != nil || len(k) != 16 {
		return fail(http.StatusBadRequest, "WebSocket protocol violation: invalid Sec-WebSocket-Key")
	}
	if srv.opts.CORS == nil && !sameOrigin(r) {
		// Without CORS settings a page of another site may not open a
		// WebSocket with the user's cookies (cross-site WebSocket
		// hijacking); with them, the CORS check has already decided.
		return fail(http.StatusForbidden, "request Origin is not the Host")
	}
	var deflate *Deflate
	ext := ""
	if d := srv.opts.PerMessageDeflate; d != nil && offersDeflate(r.Header) {
		deflate = d
		ext = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
	}

	c, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		srv.opts.Logger.Debug("engineio: websocket hijack failed", "err", err)
		return nil
	}
	ws := newSocket(c, brw.Reader, srv.opts.MaxPayload, deflate)
	// The 101 response starts the socket's first batch, so that it leaves
	// with the frames queued next (the open packet) in one write; headers
	// set before (a cookie, CORS) go with it.
	ws.mu.Lock()
	ws.corked, ws.out = true, batches.Get().(*[]byte)
	*ws.out = appendSwitching(*ws.out, w.Header(), acceptKey(key), ext)
	ws.mu.Unlock()
	srv.poller.ready()
	ws.poller = &srv.poller
	return ws
}

// appendSwitching appends the 101 response that completes the handshake.
func appendSwitching(b []byte, h http.Header, accept, ext string) []byte {
	b = append(b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	b = append(b, accept...)
	b = append(b, "\r\n"...)
	if ext != "" {
		b = append(b, "Sec-WebSocket-Extensions: "...)
		b = append(b, ext...)
		b = append(b, "\r\n"...)
	}
	if len(h) > 0 {
		a := &appender{b: b}
		_ = h.Write(a)
		b = a.b
	}
	return append(b, "\r\n"...)
}

func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// sameOrigin reports whether the request has no Origin or one whose host
// is the request's.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// offersDeflate reports whether the client offers permessage-deflate in a
// form the server can take: without context takeover on either side
// (which the server asks for) and with the full window for its own
// messages (compress/flate has no smaller one).
func offersDeflate(h http.Header) bool {
	for _, v := range h.Values("Sec-WebSocket-Extensions") {
	offers:
		for offer := range strings.SplitSeq(v, ",") {
			params := strings.Split(offer, ";")
			if strings.TrimSpace(params[0]) != "permessage-deflate" {
				continue
			}
			for _, p := range params[1:] {
				name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
				switch strings.TrimSpace(name) {
				case "client_no_context_takeover", "server_no_context_takeover", "client_max_window_bits":
				case "server_max_window_bits":
					if strings.Trim(strings.TrimSpace(value), `"`) != "15" {
						continue offers
					}
				default:
					continue offers
				}
			}
			return true
		}
	}
	return false
}
