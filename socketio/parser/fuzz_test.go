package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// fuzzSep separates the Engine.IO messages of one FuzzDecode input. It is
// the polling payload separator, which valid text packets never contain.
const fuzzSep = 0x1e

func FuzzDecode(f *testing.F) {
	seeds := []struct {
		msgs string
		bin  uint64 // bit i set: message i is binary
	}{
		{`0`, 0}, {`0{"token":"123"}`, 0}, {`0/custom,`, 0}, {`0/custom`, 0}, {`1/custom,`, 0},
		{`2["chat message","hello"]`, 0}, {`212["foo"]`, 0}, {`2/nsp,0[1]`, 0}, {`35[]`, 0},
		{`3/nsp,9007199254740991["x"]`, 0}, {`39007199254740992[]`, 0}, {`4{"message":"x"}`, 0}, {`4"x"`, 0},
		{`2["connect"]`, 0}, {`2["conn\u0065ct"]`, 0}, {`2[]`, 0}, {`2`, 0}, {`3[]`, 0}, {`1{}`, 0},
		{"51-[\"a\",{\"_placeholder\":true,\"num\":0}]\x1e\x01\x02", 0b10},
		{"62-/n,3[{\"_placeholder\":true,\"num\":1},{\"num\":0,\"_placeholder\":true}]\x1ea\x1eb\x1e2[\"next\"]", 0b110},
		{"51-[\"a\",{\"_placeholder\":true,\"num\":1}]\x1ex", 0b10},
		{"52-[\"a\",{\"_placeholder\":true,\"num\":0}]\x1ex\x1e2[\"interleaved\"]", 0b10},
		{"x", 1}, {`511-["a"]`, 0}, {`50-["a"]`, 0}, {`5-["a"]`, 0}, {`21-["a"]`, 0},
		{`2[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["a"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`, 0},
		{`2["a",{"b":[1.5e3,-0,true,null,"\ud83d\ude00"]}] `, 0}, {"2[\"\xff\"]", 0}, {`2["a"]x`, 0},
	}
	for _, s := range seeds {
		f.Add([]byte(s.msgs), s.bin)
	}
	f.Fuzz(func(t *testing.T, input []byte, bin uint64) {
		d := NewDecoder(Limits{})
		owned := NewDecoder(Limits{}) // the same messages through DecodeOwned
		for i, msg := range bytes.Split(input, []byte{fuzzSep}) {
			binary := bin&(1<<(uint(i)%64)) != 0
			var q Packet
			whole, oerr := owned.DecodeOwned(&q, bytes.Clone(msg), binary)
			p, err := d.Decode(msg, binary)
			if (err == nil) != (oerr == nil) || whole != (p != nil) || owned.Waiting() != d.Waiting() {
				t.Fatalf("DecodeOwned: whole %v, err %v; Decode: %v, %v", whole, oerr, p, err)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidPacket) {
					t.Fatalf("error does not match ErrInvalidPacket: %v", err)
				}
				if d.Waiting() {
					t.Fatal("decoder not reset after an error")
				}
				continue
			}
			if p != nil {
				checkPacket(t, p)
				samePacket(t, &q, p)
			}
		}
	})
}

// samePacket fails unless got and want are the same packet.
func samePacket(t *testing.T, got, want *Packet) {
	t.Helper()
	if got.Type != want.Type || got.Namespace != want.Namespace || got.ID != want.ID || got.HasID != want.HasID ||
		!bytes.Equal(got.Data, want.Data) || (got.Data == nil) != (want.Data == nil) ||
		len(got.Attachments) != len(want.Attachments) {
		t.Fatalf("packets differ:\n%+v\n%+v", got, want)
	}
	for i := range want.Attachments {
		if !bytes.Equal(got.Attachments[i], want.Attachments[i]) {
			t.Fatalf("attachment %d differs", i)
		}
	}
}

// checkPacket verifies the invariants of a decoded packet, and that it
// re-encodes to messages that decode to the same packet.
func checkPacket(t *testing.T, p *Packet) {
	t.Helper()
	if !p.Type.Valid() || len(p.Namespace) == 0 || p.Namespace[0] != '/' || len(p.Namespace) > MaxNamespaceLen {
		t.Fatalf("bad header: %+v", p)
	}
	if p.ID > maxSafeInteger || (p.HasID && p.Type != Event && p.Type != Ack && !p.Type.IsBinary()) {
		t.Fatalf("bad id: %+v", p)
	}
	if p.Type.IsBinary() != (len(p.Attachments) > 0) {
		t.Fatalf("attachments do not match type: %+v", p)
	}
	if p.Data != nil && !json.Valid(p.Data) {
		t.Fatalf("invalid JSON data: %q", p.Data)
	}
	got, err := feed(t, NewDecoder(Limits{}), p)
	if err != nil {
		t.Fatalf("re-encoded %q does not decode: %v", p.AppendText(nil), err)
	}
	if got == nil || got.Type != p.Type || got.Namespace != p.Namespace || got.ID != p.ID ||
		got.HasID != p.HasID || !bytes.Equal(got.Data, p.Data) || (got.Data == nil) != (p.Data == nil) ||
		len(got.Attachments) != len(p.Attachments) {
		t.Fatalf("round trip changed the packet:\n%+v\n%+v", p, got)
	}
	for i := range p.Attachments {
		if !bytes.Equal(got.Attachments[i], p.Attachments[i]) {
			t.Fatalf("attachment %d changed", i)
		}
	}
}

func FuzzJSONHelpers(f *testing.F) {
	for _, s := range jsonCorpus {
		f.Add([]byte(s), uint8(2))
	}
	for _, s := range []string{
		`["x",{"_placeholder":true,"num":1},{"a":[{"_placeholder":true,"num":0}]}]`,
		`{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":1}}`,
		`{"num":1,"\u005fplaceholder":true}`, `{"_placeholder":true,"num":0,"num":3}`,
		`{"_placeholder":true,"_placeholder":false,"num":0}`, `[{"_placeholder":true,"num":1.0}]`,
		` [ { "_placeholder" : true , "num" : 0 } ] `, `{"a":{"_placeholder":true,"num":0},"a":1}`,
	} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, raw []byte, n uint8) {
		atts := make([][]byte, n%12)
		for i := range atts {
			atts[i] = []byte{byte(i), 0xff}
		}
		valid := json.Valid(raw)

		elems, err := SplitArray(raw)
		isArray := valid && bytes.TrimLeft(raw, " \t\r\n")[0] == '['
		if (err == nil) != isArray {
			t.Fatalf("SplitArray err=%v, want array=%v", err, isArray)
		}
		if err == nil {
			var want []json.RawMessage
			if json.Unmarshal(raw, &want) == nil && len(want) != len(elems) {
				t.Fatalf("SplitArray gave %d elements, encoding/json %d", len(elems), len(want))
			}
			for _, e := range elems {
				if !json.Valid(e) || len(bytes.TrimSpace(e)) != len(e) {
					t.Fatalf("bad element %q", e)
				}
			}
		}

		has := HasPlaceholder(raw)
		if has && !valid {
			t.Fatal("HasPlaceholder on invalid JSON")
		}
		out, err := ReplacePlaceholders(nil, raw, atts)
		if err != nil {
			if !valid && !errors.Is(err, ErrInvalidJSON) || valid && !errors.Is(err, ErrInvalidPlaceholder) {
				t.Fatalf("unexpected error %v (valid=%v)", err, valid)
			}
			if !has && valid {
				t.Fatal("placeholder error without placeholder")
			}
			return
		}
		if !valid {
			t.Fatal("ReplacePlaceholders accepted invalid JSON")
		}
		if !json.Valid(out) || HasPlaceholder(out) {
			t.Fatalf("bad replacement %q", out)
		}
		if !has && !bytes.Equal(out, raw) {
			t.Fatal("replacement changed JSON without placeholders")
		}
		// Agreement with the decoded-value path.
		var v, w any
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		if err := json.Unmarshal(out, &w); err != nil {
			t.Fatalf("replacement does not unmarshal: %v", err)
		}
		a, err1 := json.Marshal(ResolvePlaceholders(v, atts))
		b, err2 := json.Marshal(w)
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Fatalf("ResolvePlaceholders and ReplacePlaceholders disagree:\n%s\n%s", a, b)
		}
	})
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\/", "\x00\x1f\x7f", "\u2028\u2029", "\xff\xfe", "<&>", "😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := string(AppendString(nil, s))
		if want := encodingJSONString(s); got != want {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Fatal(err)
		}
		if !stringEquals([]byte(got), back) {
			t.Fatalf("stringEquals(%s, %q) = false", got, back)
		}
	})
}
