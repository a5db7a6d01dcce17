package socketio

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// The 16 KiB binary echo of the load tool (bench/load): the client emits
// "echo" with one binary attachment and an ack; the handler acks with the
// arguments it received, so the attachment goes back.
var (
	binaryEchoText = []byte(`51-0["echo",{"_placeholder":true,"num":0}]`)
	binaryEchoAtt  = bytes.Repeat([]byte{0xa5}, 16<<10)
)

const binaryEchoReply = `61-0[{"_placeholder":true,"num":0}]`

func echoHandler(e *Event) { _ = e.Ack(e.RawArgs()...) }

// BenchmarkBinaryEcho measures the Socket.IO side of one 16 KiB binary
// echo, from the Engine.IO messages handed to the connection's handler to
// the reply's messages queued on its session: decoding, attachment
// reassembly, the hop to the socket's inbox, the handler and the encoding
// of the BINARY_ACK. The session is a long-polling one whose queue is
// drained outside the measure.
func BenchmarkBinaryEcho(b *testing.B) {
	// The engine hands over a fresh buffer per message; reusing these is
	// safe here since each echo is done with them before the next.
	msgs := []benchMessage{{data: bytes.Clone(binaryEchoText)}, {data: binaryEchoAtt, binary: true}}
	b.SetBytes(int64(len(binaryEchoAtt)))
	benchEcho(b, msgs, "4"+binaryEchoReply+"\x1eb", 64)
}

// BenchmarkBinaryEchoSync is BenchmarkBinaryEcho without the engine and the
// inbox goroutine: decode the two messages, build the event, run the
// handler, turn the ack into its messages, all on one goroutine.
func BenchmarkBinaryEchoSync(b *testing.B) {
	dec := parser.NewDecoder(parser.Limits{})
	var out []engineio.Message
	reply := func(p *parser.Packet) { out = frames(p) }
	run := func() {
		if p, err := dec.Decode(binaryEchoText, false); p != nil || err != nil {
			b.Fatal(p, err)
		}
		p, err := dec.Decode(binaryEchoAtt, true)
		if p == nil || err != nil {
			b.Fatal(p, err)
		}
		e, err := newEvent(nil, p)
		if err != nil {
			b.Fatal(err)
		}
		e.reply = reply
		echoHandler(e)
	}
	run()
	if len(out) != 2 || string(out[0].Data) != binaryEchoReply || !bytes.Equal(out[1].Data, binaryEchoAtt) {
		b.Fatalf("reply %d messages, text %q", len(out), out[0].Data)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(binaryEchoAtt)))
	for b.Loop() {
		run()
	}
}

// pollingBenchClient opens one long-polling client joined to "/" and
// returns its polling URL.
func pollingBenchClient(b *testing.B, srv *Server) string {
	b.Helper()
	res := pollingBenchServe(srv, http.MethodGet, "/socket.io/?EIO=4&transport=polling", "")
	_, sid, _ := strings.Cut(res, `"sid":"`)
	sid, _, _ = strings.Cut(sid, `"`)
	url := "/socket.io/?EIO=4&transport=polling&sid=" + sid
	pollingBenchServe(srv, http.MethodPost, url, "40")
	if got := pollingBenchServe(srv, http.MethodGet, url, ""); !strings.HasPrefix(got, "40") {
		b.Fatalf("CONNECT reply %q", got)
	}
	return url
}

func pollingBenchServe(h http.Handler, method, url, body string) string {
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return string(b)
}

// drainWriter takes a polling response, keeping only its start: the
// benchmark drains queues of megabytes.
type drainWriter struct {
	header http.Header
	head   []byte
}

func (w *drainWriter) Header() http.Header { return w.header }
func (w *drainWriter) WriteHeader(int)     {}
func (w *drainWriter) Write(p []byte) (int, error) {
	if n := 128 - len(w.head); n > 0 {
		w.head = append(w.head, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

// BenchmarkBinaryBind measures a handler reading the 16 KiB attachment of a
// decoded binary event into a []byte, and into a generic value.
func BenchmarkBinaryBind(b *testing.B) {
	dec := parser.NewDecoder(parser.Limits{})
	_, _ = dec.Decode(binaryEchoText, false)
	p, err := dec.Decode(binaryEchoAtt, true)
	if p == nil || err != nil {
		b.Fatal(p, err)
	}
	e, err := newEvent(nil, p)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("bytes", func(b *testing.B) {
		var got []byte
		b.ReportAllocs()
		b.SetBytes(int64(len(binaryEchoAtt)))
		for b.Loop() {
			if err := e.Bind(&got); err != nil {
				b.Fatal(err)
			}
		}
		if !bytes.Equal(got, binaryEchoAtt) {
			b.Fatal("wrong attachment")
		}
	})
	b.Run("any", func(b *testing.B) {
		var got any
		b.ReportAllocs()
		b.SetBytes(int64(len(binaryEchoAtt)))
		for b.Loop() {
			if err := e.Bind(&got); err != nil {
				b.Fatal(err)
			}
		}
		if g, ok := got.([]byte); !ok || !bytes.Equal(g, binaryEchoAtt) {
			b.Fatal("wrong attachment")
		}
	})
}
