package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// The path of a binary echo: the event built from a decoded packet, its
// raw arguments sent back in an ack, the ack's messages.
func TestBinaryEchoPath(t *testing.T) {
	dec := parser.NewDecoder(parser.Limits{})
	zero, one := []byte("zero"), []byte("one")
	if p, err := dec.Decode([]byte(`52-/nsp,7["up",{"z":1.0,"b":{"_placeholder":true,"num":1}},{"_placeholder":true,"num":0}]`), false); p != nil || err != nil {
		t.Fatal(p, err)
	}
	_, _ = dec.Decode(zero, true)
	p, err := dec.Decode(one, true)
	if p == nil || err != nil {
		t.Fatal(p, err)
	}
	e, err := newEvent(nil, p)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "up" || e.Len() != 2 || !e.WantsAck() || e.ack.id != 7 {
		t.Fatalf("event %q, %d args, ack %v", e.Name, e.Len(), e.ack)
	}
	var out []engineio.Message
	e.reply = func(p *parser.Packet) { out = frames(p) }
	if err := e.Ack(e.RawArgs()...); err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || out[0].Binary || !out[1].Binary || !out[2].Binary {
		t.Fatalf("%d messages", len(out))
	}
	if got, want := string(out[0].Data), `62-7[{"z":1.0,"b":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]`; got != want {
		t.Fatalf("text %s, want %s", got, want)
	}
	// The attachments go back as they came, not copied.
	if &out[1].Data[0] != &one[0] || &out[2].Data[0] != &zero[0] {
		t.Fatal("attachments copied or misplaced")
	}
}

func TestNewPacketShapes(t *testing.T) {
	p, err := newAckPacket("/", 3, nil)
	if err != nil || p.Type != parser.Ack || string(p.Data) != "[]" || p.Attachments != nil {
		t.Fatalf("%+v %v", p, err)
	}
	p, err = newEventPacket("/x", "e", []any{"s", 1, []byte{1}})
	if err != nil || p.Type != parser.BinaryEvent || string(p.Data) != `["e","s",1,{"_placeholder":true,"num":0}]` || len(p.Attachments) != 1 {
		t.Fatalf("%+v %v", p, err)
	}
	// Past the room kept in the packet's own allocation.
	big := strings.Repeat("x", 200)
	bins := [][]byte{{0}, {1}, {2}, {3}}
	p, err = newEventPacket("/", "e", []any{big, bins})
	if err != nil || p.Type != parser.BinaryEvent || len(p.Attachments) != 4 || !bytes.Contains(p.Data, []byte(big)) {
		t.Fatalf("%+v %v", p, err)
	}
	msgs := frames(p)
	if len(msgs) != 5 || !strings.HasPrefix(string(msgs[0].Data), `54-["e","`+big) || !msgs[4].Binary || msgs[4].Data[0] != 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	if _, err := newAckPacket("/", 1, []any{Raw{JSON: json.RawMessage(`{`), Attachments: bins}}); err == nil {
		t.Fatal("invalid raw JSON accepted")
	}
}

func TestEventName(t *testing.T) {
	for _, raw := range []string{`"echo"`, `""`, `"a\"b\u00e9\ud83d\ude00"`, "\"\xff\"", `"\ud83d"`} {
		var want string
		if err := json.Unmarshal([]byte(raw), &want); err != nil {
			t.Fatal(err)
		}
		if got := eventName([]byte(raw)); got != want {
			t.Errorf("eventName(%s) = %q, want %q", raw, got, want)
		}
	}
	for raw, want := range map[string]string{`12`: "12", `-1.5e3`: "-1.5e3", `null`: ""} {
		if got := eventName([]byte(raw)); got != want {
			t.Errorf("eventName(%s) = %q, want %q", raw, got, want)
		}
	}
}

func TestArgsBinary(t *testing.T) {
	zero, one, empty := []byte("zero"), []byte("one"), []byte{}
	a := Args{
		raw: [][]byte{
			[]byte(`{"_placeholder":true,"num":1}`),
			[]byte(`{"num":0,"_placeholder":true}`),
			[]byte(`{"_placeholder":true,"num":3}`),
			[]byte(`{"_placeholder":true,"num":2}`),
			[]byte(`{"_placeholder":true,"num":01}`),
		},
		attachments: [][]byte{zero, one, empty},
	}
	var b0, b1, b2, b3 []byte
	if err := a.Bind(&b0, &b1, nil, &b3); err != nil {
		t.Fatal(err)
	}
	if string(b0) != "one" || string(b1) != "zero" || b3 == nil || len(b3) != 0 {
		t.Fatalf("%q %q %#v", b0, b1, b3)
	}
	if &b0[0] == &one[0] {
		t.Fatal("Bind handed the attachment itself, not a copy")
	}
	if err := a.Bind(nil, nil, &b2); !errors.Is(err, parser.ErrInvalidPlaceholder) {
		t.Fatalf("out of range: %v", err)
	}
	if err := a.Bind(nil, nil, nil, nil, &b2); err == nil {
		t.Fatal("invalid JSON accepted")
	}
	if err := a.Bind((*[]byte)(nil)); err == nil {
		t.Fatal("nil target accepted")
	}
	vals := a.Values()
	if v, ok := vals[0].([]byte); !ok || &v[0] != &one[0] {
		t.Fatalf("Values()[0] = %#v", vals[0])
	}
	if v, ok := vals[1].([]byte); !ok || &v[0] != &zero[0] {
		t.Fatalf("Values()[1] = %#v", vals[1])
	}
	if m, ok := vals[2].(map[string]any); !ok || m["num"] != 3.0 {
		t.Fatalf("Values()[2] = %#v", vals[2])
	}
	if vals[4] != nil {
		t.Fatalf("Values()[4] = %#v", vals[4])
	}
}

// appendArgBefore is how Raw arguments were encoded before
// parser.AppendRenumbered: appendArg must write the same.
func appendArgBefore(dst []byte, r Raw, atts *[][]byte) ([]byte, error) {
	if len(r.Attachments) == 0 || !parser.HasPlaceholder(r.JSON) {
		return parser.AppendValue(dst, r.JSON, atts)
	}
	if out, ok := appendRawBinaryBefore(dst, r, atts); ok {
		return out, nil
	}
	var v any
	if err := json.Unmarshal(r.JSON, &v); err != nil {
		return dst, err
	}
	return parser.AppendValue(dst, parser.ResolvePlaceholders(v, r.Attachments), atts)
}

func appendRawBinaryBefore(dst []byte, r Raw, atts *[][]byte) ([]byte, bool) {
	placeholderStart := []byte(`{"_placeholder":true,"num":`)
	start, natts := len(dst), len(*atts)
	fail := func() ([]byte, bool) {
		*atts = (*atts)[:natts]
		return dst[:start], false
	}
	rest := r.JSON
	var plain []byte
	for {
		i := bytes.Index(rest, placeholderStart)
		if i < 0 {
			break
		}
		j := i + len(placeholderStart)
		k := j
		for k < len(rest) && rest[k] >= '0' && rest[k] <= '9' {
			k++
		}
		if k == j || k >= len(rest) || rest[k] != '}' {
			return fail()
		}
		num, err := strconv.Atoi(string(rest[j:k]))
		if err != nil || num >= len(r.Attachments) {
			return fail()
		}
		dst = parser.AppendPlaceholder(append(dst, rest[:i]...), len(*atts))
		*atts = append(*atts, r.Attachments[num])
		plain = append(append(plain, rest[:i]...), "null"...)
		rest = rest[k+1:]
	}
	if parser.HasPlaceholder(append(plain, rest...)) {
		return fail()
	}
	return append(dst, rest...), true
}

var rawArgCorpus = []string{
	``, ` `, `null`, `1`, ` 1.50 `, `"s"`, `{"b":2,"a":1}`, `[1,2]`, `{`, `[1,`, `"\u00e9"`,
	`{"_placeholder":true,"num":0}`, `{"_placeholder":true,"num":1}`, `{"_placeholder":true,"num":2}`,
	`{"_placeholder":true,"num":01}`, `{"_placeholder":true,"num":-1}`, `{"_placeholder":true,"num":1.0}`,
	`{"num":1,"_placeholder":true}`, ` { "_placeholder" : true , "num" : 0 } `,
	`{"z":1.0,"b":{"_placeholder":true,"num":1},"a":[{"_placeholder":true,"num":0}]}`,
	`[{"_placeholder":true,"num":0,"_placeholder":false}]`,
	`[{"_placeholder":true,"num":0,"_placeholder":false},{"_placeholder":true,"num":1}]`,
	`{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":1}}`,
	`{"_placeholder":false,"num":0}`, `"{\"_placeholder\":true,\"num\":0}"`,
	`[{"_placeholder":true,"num":0}`, `{"_placeholder":true,"num":0}x`,
	`{"y":[1e3,{"num":0,"_placeholder":true}],"x":{"_placeholder":true,"num":1}}`,
}

func TestAppendArgRawAsBefore(t *testing.T) {
	for _, raw := range rawArgCorpus {
		for _, atts := range [][][]byte{nil, {[]byte("a")}, {[]byte("a"), []byte("b")}} {
			checkAppendArgAsBefore(t, []byte(raw), atts)
		}
	}
}

func FuzzAppendArgRaw(f *testing.F) {
	for _, raw := range rawArgCorpus {
		f.Add([]byte(raw), uint8(2))
	}
	f.Fuzz(func(t *testing.T, raw []byte, n uint8) {
		atts := make([][]byte, n%4)
		for i := range atts {
			atts[i] = []byte{byte('a' + i)}
		}
		checkAppendArgAsBefore(t, raw, atts)
	})
}

func checkAppendArgAsBefore(t *testing.T, raw []byte, atts [][]byte) {
	t.Helper()
	r := Raw{JSON: raw, Attachments: atts}
	first := []byte("first")
	gotAtts, wantAtts := [][]byte{first}, [][]byte{first}
	got, err := appendArg([]byte("x"), r, &gotAtts)
	want, wantErr := appendArgBefore([]byte("x"), r, &wantAtts)
	if (err == nil) != (wantErr == nil) || !bytes.Equal(got, want) || len(gotAtts) != len(wantAtts) {
		t.Fatalf("%q with %d attachments: got %q %v (%d attachments), want %q %v (%d)",
			raw, len(atts), got, err, len(gotAtts), want, wantErr, len(wantAtts))
	}
	for i := range gotAtts {
		if &gotAtts[i][0] != &wantAtts[i][0] {
			t.Fatalf("%q: attachment %d differs", raw, i)
		}
	}
}
