package parser

import (
	"testing"
)

func BenchmarkAppendText_Event(b *testing.B) {
	p := Packet{Type: Event, Namespace: "/chat", ID: 12, HasID: true, Data: []byte(`["chat message","hello"]`)}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = p.AppendText(buf[:0])
	}
}

func BenchmarkDecode_Event(b *testing.B) {
	msg := []byte(`2["chat message","hello"]`)
	d := NewDecoder(Limits{})
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := d.Decode(msg, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode_EventNamespaceAck(b *testing.B) {
	msg := []byte(`2/chat,17["chat message",{"user":"bob","text":"hello there","ts":1700000000000}]`)
	d := NewDecoder(Limits{})
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := d.Decode(msg, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode_BinaryEvent(b *testing.B) {
	msg := []byte(`52-["upload",{"name":"a.png","data":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]`)
	att := make([]byte, 1024)
	d := NewDecoder(Limits{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(msg, false); err != nil {
			b.Fatal(err)
		}
		if _, err := d.Decode(att, true); err != nil {
			b.Fatal(err)
		}
		if p, err := d.Decode(att, true); err != nil || p == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSplitArray(b *testing.B) {
	data := []byte(`["chat message",{"user":"bob","text":"hello there"},42,[1,2,3]]`)
	elems := make([][]byte, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		elems, _ = AppendElements(elems[:0], data)
	}
}

func BenchmarkReplacePlaceholders(b *testing.B) {
	raw := []byte(`{"name":"a.png","data":{"_placeholder":true,"num":0}}`)
	atts := [][]byte{make([]byte, 1024)}
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = ReplacePlaceholders(buf[:0], raw, atts)
	}
}

func BenchmarkAppendValue_Args(b *testing.B) {
	args := []any{"chat message", "hello", 42, map[string]any{"user": "bob", "n": 1.5}}
	buf := make([]byte, 0, 128)
	var atts [][]byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendValue(buf[:0], args, &atts)
		atts = atts[:0]
	}
}

func BenchmarkAppendString(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendString(buf[:0], "chat message with \"quotes\" and é")
	}
}
