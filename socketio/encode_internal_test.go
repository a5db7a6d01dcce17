package socketio

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// The direct encoding of an ack sends exactly what the packet route does,
// and falls back to it for binary arguments and long payloads.
func TestAckFrames_SameAsThePacketRoute(t *testing.T) {
	long := strings.Repeat("x", 100)
	cases := []struct {
		name string
		nsp  string
		id   uint64
		args []any
	}{
		{"no argument", "/", 0, nil},
		{"string", "/", 7, []any{"hello"}},
		{"several", "/", 42, []any{1, true, nil, "two"}},
		{"map", "/", 3, []any{map[string]any{"n": 1.5}}},
		{"raw", "/", 9, []any{Raw{JSON: json.RawMessage(`{"b":2,"a":1}`)}}},
		{"namespace", "/admin", 12, []any{"x"}},
		{"largest id", "/a-rather-long-namespace-name", 1<<53 - 1, []any{"0123456789"}},
		{"long", "/", 1, []any{long}},
		{"binary", "/", 2, []any{[]byte{1, 2, 3}}},
		{"binary in a map", "/", 4, []any{map[string]any{"b": []byte{9}}}},
		{"raw with attachment", "/", 5, []any{Raw{JSON: json.RawMessage(`{"_placeholder":true,"num":0}`), Attachments: [][]byte{{7}}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := newAckPacket(c.nsp, c.id, c.args)
			if err != nil {
				t.Fatal(err)
			}
			want := frames(p)
			got, err := ackFrames(c.nsp, c.id, c.args)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, want, func(a, b engineio.Message) bool {
				return a.Binary == b.Binary && string(a.Data) == string(b.Data)
			}) {
				t.Errorf("ackFrames = %v\nwant        %v", show(got), show(want))
			}
		})
	}
}

func show(msgs []engineio.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m.Data)
		if m.Binary {
			out[i] = "binary " + out[i]
		}
	}
	return out
}

func TestAckFrames_UnencodableArgument(t *testing.T) {
	if _, err := ackFrames("/", 1, []any{make(chan int)}); err == nil {
		t.Fatal("want an error for a channel argument")
	}
}

// The reply of a request-response exchange costs one allocation.
func TestAckFrames_OneAllocation(t *testing.T) {
	args := []any{Raw{JSON: json.RawMessage(`{"n":12345,"text":"hello"}`)}}
	if n := testing.AllocsPerRun(100, func() { _, _ = ackFrames("/", 123, args) }); n != 1 {
		t.Errorf("%v allocations, want 1", n)
	}
}

func BenchmarkAckFrames(b *testing.B) {
	args := []any{Raw{JSON: json.RawMessage(`{"n":12345,"text":"hello"}`)}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ackFrames("/", 123, args); err != nil {
			b.Fatal(err)
		}
	}
}
