package parser

import "testing"

// benchFile is a typical struct argument with binary fields.
type benchFile struct {
	Name  string         `json:"name"`
	Size  int            `json:"size"`
	Type  string         `json:"type,omitempty"`
	Data  []byte         `json:"data"`
	Parts [][]byte       `json:"parts"`
	Meta  map[string]any `json:"meta"`
}

// benchUser has no []byte: encoding/json writes it whole.
type benchUser struct {
	ID    int      `json:"id"`
	Name  string   `json:"name"`
	Email string   `json:"email,omitempty"`
	Tags  []string `json:"tags"`
}

func benchAppendValue(b *testing.B, v any) {
	buf := make([]byte, 0, 512)
	var atts [][]byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendValue(buf[:0], v, &atts); err != nil {
			b.Fatal(err)
		}
		atts = atts[:0]
	}
}

func BenchmarkAppendValue_StructBinary(b *testing.B) {
	benchAppendValue(b, &benchFile{Name: "a.png", Size: 1024, Data: make([]byte, 1024),
		Parts: [][]byte{{1}, {2}}, Meta: map[string]any{"w": 10, "h": 20}})
}

func BenchmarkAppendValue_StructNoBinary(b *testing.B) {
	benchAppendValue(b, []any{"user", benchUser{ID: 7, Name: "bob", Tags: []string{"a", "b"}}})
}

func BenchmarkAppendValue_MapOfBinary(b *testing.B) {
	benchAppendValue(b, map[string][]byte{"a": {1}, "b": {2}, "c": {3}})
}
