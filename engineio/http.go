package engineio

import (
	"compress/flate"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio/parser"
)

var payloadBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// writePayload answers a polling GET with packets joined into one payload,
// compressed when large enough and the client accepts it.
func (srv *Server) writePayload(w http.ResponseWriter, r *http.Request, packets []parser.Packet) {
	bp := payloadBufs.Get().(*[]byte)
	body := (*bp)[:0]
	for _, p := range packets {
		body = parser.AppendPayloadPacket(body, p)
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	if t := srv.opts.HTTPCompressionThreshold; t > 0 && len(body) >= t {
		if enc := acceptedEncoding(r.Header.Get("Accept-Encoding")); enc != "" {
			h.Set("Content-Encoding", enc)
			h.Add("Vary", "Accept-Encoding")
			var zw io.WriteCloser
			if enc == "gzip" {
				zw, _ = gzip.NewWriterLevel(w, gzip.BestSpeed)
			} else {
				zw, _ = flate.NewWriter(w, flate.BestSpeed)
			}
			_, _ = zw.Write(body)
			_ = zw.Close()
			srv.putPayload(bp, body)
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
	srv.putPayload(bp, body)
}

func (srv *Server) putPayload(bp *[]byte, body []byte) {
	if cap(body) <= 64<<10 { // don't keep a huge buffer alive
		*bp = body[:0]
		payloadBufs.Put(bp)
	}
}

func acceptedEncoding(header string) string {
	for enc := range strings.SplitSeq(header, ",") {
		enc, _, _ = strings.Cut(strings.TrimSpace(enc), ";")
		switch enc {
		case "gzip", "deflate":
			return enc
		}
	}
	return ""
}

// cors applies the CORS options to a request; it reports true when it has
// answered the request (a preflight, or a refused origin).
func (srv *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	c := srv.opts.CORS
	origin := r.Header.Get("Origin")
	h := w.Header()
	h.Add("Vary", "Origin")
	if origin != "" {
		if !c.allows(origin) {
			srv.writeError(w, CodeForbidden, "")
			return true
		}
		h.Set("Access-Control-Allow-Origin", origin)
		if c.Credentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}
	if r.Method != http.MethodOptions {
		return false
	}
	methods := "GET,HEAD,PUT,PATCH,POST,DELETE"
	if len(c.Methods) > 0 {
		methods = strings.Join(c.Methods, ",")
	}
	h.Set("Access-Control-Allow-Methods", methods)
	if len(c.Headers) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.Headers, ","))
	} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
		h.Add("Vary", "Access-Control-Request-Headers")
	}
	if c.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(int(c.MaxAge/time.Second)))
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
	return true
}

func (c *CORS) allows(origin string) bool {
	if c.AllowOrigin != nil {
		return c.AllowOrigin(origin)
	}
	for _, o := range c.Origins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}
