package parser

import (
	"bytes"
	"testing"
)

// The packets of a 16 KiB binary echo: the client's BINARY_EVENT and the
// server's BINARY_ACK carrying the same attachment back.
var (
	echoEventText = []byte(`51-0["echo",{"_placeholder":true,"num":0}]`)
	echoAckText   = `61-0[{"_placeholder":true,"num":0}]`
	echoAtt       = bytes.Repeat([]byte{0xa5}, 16<<10)
)

// BenchmarkDecode_BinaryEvent16K decodes the text message and the 16 KiB
// attachment of a binary event.
func BenchmarkDecode_BinaryEvent16K(b *testing.B) {
	d := NewDecoder(Limits{})
	b.ReportAllocs()
	b.SetBytes(int64(len(echoEventText) + len(echoAtt)))
	for b.Loop() {
		if _, err := d.Decode(echoEventText, false); err != nil {
			b.Fatal(err)
		}
		if p, err := d.Decode(echoAtt, true); err != nil || p == nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode_BinaryAck16K encodes a binary ack whose one argument is a
// 16 KiB []byte: the data with its placeholder, then the text message.
func BenchmarkEncode_BinaryAck16K(b *testing.B) {
	var args any = []any{echoAtt}
	data := make([]byte, 0, 64)
	text := make([]byte, 0, 64)
	var atts [][]byte
	b.ReportAllocs()
	b.SetBytes(int64(len(echoAtt)))
	for b.Loop() {
		var err error
		data, err = AppendValue(data[:0], args, &atts)
		if err != nil {
			b.Fatal(err)
		}
		p := Packet{Type: BinaryAck, ID: 0, HasID: true, Data: data, Attachments: atts}
		text = p.AppendText(text[:0])
		atts = atts[:0]
	}
	if string(text) != echoAckText {
		b.Fatalf("%s", text)
	}
}

// BenchmarkSplitArray_BinaryEvent splits the decoded event's data into its
// raw arguments.
func BenchmarkSplitArray_BinaryEvent(b *testing.B) {
	data := echoEventText[4:]
	elems := make([][]byte, 0, 4)
	b.ReportAllocs()
	for b.Loop() {
		elems, _ = AppendElements(elems[:0], data)
	}
}

// BenchmarkRenumber_BinaryAck16K re-encodes received arguments holding a
// 16 KiB attachment for a reply: a bare placeholder and one inside an
// object, with AppendRenumbered and with the algorithm it replaced.
func BenchmarkRenumber_BinaryAck16K(b *testing.B) {
	atts := [][]byte{echoAtt}
	for _, arg := range []struct{ name, raw string }{
		{"bare", `{"_placeholder":true,"num":0}`},
		{"nested", `{"name":"a.png","size":16384,"data":{"_placeholder":true,"num":0}}`},
	} {
		raw := []byte(arg.raw)
		for _, fn := range []struct {
			name string
			f    func(dst, raw []byte, atts [][]byte, out *[][]byte) ([]byte, bool)
		}{{"AppendRenumbered", AppendRenumbered}, {"before", renumberedReference}} {
			b.Run(arg.name+"/"+fn.name, func(b *testing.B) {
				dst := make([]byte, 0, 128)
				out := make([][]byte, 0, 2)
				b.ReportAllocs()
				for b.Loop() {
					var ok bool
					if dst, ok = fn.f(dst[:0], raw, atts, &out); !ok {
						b.Fatal("refused")
					}
					out = out[:0]
				}
			})
		}
	}
}
