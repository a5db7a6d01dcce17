package parser

import (
	"bytes"
	"testing"
)

// FuzzDecodePayload checks that no body panics the decoder and that every
// body it accepts survives a re-encode unchanged in meaning.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{"4hello", "4a\x1ebAQID\x1e2", "b", "bAQ==", "6", "\x1e", "0{}", "7", "b\x1e4"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var ps []Packet
		err := DecodePayload(body, 0, func(p Packet) error {
			ps = append(ps, Packet{Type: p.Type, Data: bytes.Clone(p.Data), Binary: p.Binary})
			return nil
		})
		if err != nil {
			return
		}
		var out []byte
		for _, p := range ps {
			out = AppendPayloadPacket(out, p)
		}
		var again []Packet
		if err := DecodePayload(out, 0, func(p Packet) error {
			again = append(again, Packet{Type: p.Type, Data: bytes.Clone(p.Data), Binary: p.Binary})
			return nil
		}); err != nil {
			t.Fatalf("re-encoded payload %q does not decode: %v", out, err)
		}
		if len(again) != len(ps) {
			t.Fatalf("got %d packets, want %d", len(again), len(ps))
		}
		for i := range ps {
			if ps[i].Type != again[i].Type || ps[i].Binary != again[i].Binary || !bytes.Equal(ps[i].Data, again[i].Data) {
				t.Fatalf("packet %d: %+v != %+v", i, ps[i], again[i])
			}
		}
	})
}

// FuzzDecodeText checks a WebSocket text frame never panics the decoder.
func FuzzDecodeText(f *testing.F) {
	f.Add([]byte("2probe"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, msg []byte) {
		p, err := DecodeText(msg)
		if err == nil && !bytes.Equal(AppendText(nil, p), msg) {
			t.Fatalf("round trip of %q changed it", msg)
		}
	})
}
