package redisadapter

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// A packet survives the trip through MessagePack byte for byte, and its
// MessagePack form is what a Node server reads.
func TestPacketRoundTrip(t *testing.T) {
	for _, data := range []string{
		`["a",1,-2,1.5,1e-7,1e+21,true,false,null,"é\n\"",{"b":[],"a":{}}]`,
		`["x",{"z":1.50,"a":{"_placeholder":true,"num":1}},{"_placeholder":true,"num":0},"\u00e9<>"]`,
		`["big",12345678901234567890,-9007199254740993]`,
	} {
		p := &parser.Packet{Type: parser.Event, Namespace: "/n", Data: []byte(data)}
		if bytes.Contains(p.Data, []byte("_placeholder")) {
			p.Type, p.Attachments = parser.BinaryEvent, [][]byte{{1}, {2, 3}}
		}
		v, err := packetValue(p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := encodeMsgpack(v)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeMsgpack(b)
		if err != nil {
			t.Fatal(err)
		}
		got := valuePacket(back, "/")
		if got.Type != p.Type || got.Namespace != "/n" || string(got.Data) != data || !sameAttachments(got.Attachments, p.Attachments) {
			t.Errorf("%s: got %v %s %q", data, got.Type, got.Data, got.Attachments)
		}
		if t, _ := back.get("type").num(); t != 2 {
			panic("events travel as type 2")
		}
	}
}

func TestJSONNumbers(t *testing.T) {
	for in, want := range map[string]string{
		`[1.0]`: `[1]`, `[0.1]`: `[0.1]`, `[1e-7]`: `[1e-7]`, `[123e20]`: `[1.23e+22]`, `[-0.000001]`: `[-0.000001]`,
	} {
		v, err := parseJSON([]byte(in), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := encodeMsgpack(v)
		back, _ := decodeMsgpack(b)
		if got := string(back.appendJSON(nil, nil)); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// Messages from the network never panic the decoders.
func FuzzDecodeMessage(f *testing.F) {
	f.Add([]byte(`{"type":5,"requestId":"x","opts":{"rooms":["a"],"except":[]}}`))
	f.Add([]byte{0x93, 0xa1, 'u', 0x83, 0xa4, 't', 'y', 'p', 'e', 0x02, 0xa4, 'd', 'a', 't', 'a', 0x91, 0xc4, 0x01, 0x00, 0xa3, 'n', 's', 'p', 0xa1, '/', 0x80})
	f.Add([]byte{0xc6, 0x7f, 0xff, 0xff, 0xff}) // 2 GiB of binary declared: found by this fuzzer (slow, not a crash)
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeMessage(b)
		if err != nil {
			return
		}
		p := valuePacket(v, "/")
		if _, err := parseJSON(p.Data, p.Attachments); err != nil {
			t.Fatalf("rendered invalid JSON %q from %x", p.Data, b)
		}
		_ = valueOpts(v)
		_ = valueSocket(v)
	})
}

// A message declaring a string, binary or extension longer than itself is
// malformed, and is refused before anything that size is allocated: five
// bytes declaring 2 GiB of binary used to cost 2 GiB and seconds.
func TestDecodeMessage_LengthBeyondTheMessage(t *testing.T) {
	for _, b := range [][]byte{
		{0xc6, 0x7f, 0xff, 0xff, 0xff},            // bin32
		{0xc5, 0xff, 0xff, 0x00},                  // bin16
		{0xc4, 0x05, 0x00},                        // bin8
		{0xdb, 0x7f, 0xff, 0xff, 0xff},            // str32
		{0xa5, 'a', 'b'},                          // fixstr
		{0xc9, 0x7f, 0xff, 0xff, 0xff, 0xff},      // ext32
		{0xd8, 0xff, 0x00},                        // fixext16
		{0x93, 0xa1, 'u', 0xc6, 0x7f, 0xff, 0xff}, // bin32 inside an array, header cut short
		{0x81, 0xa1, 'k', 0xc6, 0x40, 0, 0, 0, 1}, // as a map value
		{0x91, 0xdb, 0xff, 0xff, 0xff, 0xff, 'x'}, // str32 of 4 GiB
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := decodeMessage(b)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, errSyntax) {
			t.Errorf("%x: err %v, want errSyntax", b, err)
		}
		// The decoder and the error, never the declared size.
		if got := after.TotalAlloc - before.TotalAlloc; got > 64<<10 {
			t.Errorf("%x: decoding allocated %d bytes", b, got)
		}
	}
	// Lengths that fit still decode.
	v, err := decodeMessage([]byte{0x92, 0xc4, 0x02, 1, 2, 0xa2, 'h', 'i'})
	if err != nil || len(v.arr) != 2 || v.arr[0].s != "\x01\x02" || v.arr[1].s != "hi" {
		t.Errorf("decoded %+v, %v", v, err)
	}
}
