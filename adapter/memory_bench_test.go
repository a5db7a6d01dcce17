package adapter_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

// discardNamespace is a namespace whose sockets swallow every packet, so a
// benchmark measures the adapter alone.
type discardNamespace struct{ adapter.Namespace }

func (discardNamespace) Send([]string, *parser.Packet, adapter.Flags, adapter.AckFunc) {}

// benchIDs returns n socket ids as long as the server's (20 characters).
func benchIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("sock%016d", i)
	}
	return ids
}

// BenchmarkMemoryPerSocket measures the live heap the adapter keeps for
// each of 5,000 connected sockets, joined as the server joins them: first
// their own room, then (in the second case) two rooms they all share. The
// ids are made beforehand, as the server owns them; only what the adapter
// adds is counted, in B/socket.
func BenchmarkMemoryPerSocket(b *testing.B) {
	const n = 5000
	for _, bc := range []struct {
		name  string
		extra []string
	}{
		{"own-room", nil},
		{"own+2-shared", []string{"lobby", "news"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ids := benchIDs(n)
			var total float64
			var runs int
			var before, after runtime.MemStats
			for b.Loop() {
				runtime.GC()
				runtime.ReadMemStats(&before)
				m := adapter.NewMemory(discardNamespace{})
				for _, id := range ids {
					m.AddAll(id, id)
					if bc.extra != nil {
						m.AddAll(id, bc.extra...)
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				runtime.KeepAlive(m)
				total += float64(after.HeapAlloc) - float64(before.HeapAlloc)
				runs++
			}
			b.ReportMetric(total/float64(runs)/n, "B/socket")
		})
	}
}

// BenchmarkMemoryBroadcast measures selecting the receivers of a broadcast
// and handing them to the namespace, for 1, 100 and 10,000 sockets: to
// every socket but the sender (socket.broadcast), to a room they all share,
// and to one socket through its own room.
func BenchmarkMemoryBroadcast(b *testing.B) {
	p := &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["x"]`)}
	for _, n := range []int{1, 100, 10_000} {
		ids := benchIDs(n)
		m := adapter.NewMemory(discardNamespace{})
		for _, id := range ids {
			m.AddAll(id, id)
			m.AddAll(id, "room")
		}
		for _, bc := range []struct {
			name string
			opts adapter.BroadcastOptions
		}{
			{"all-but-sender", adapter.BroadcastOptions{Except: []string{ids[0]}}},
			{"room", adapter.BroadcastOptions{Rooms: []string{"room"}}},
			{"own-room", adapter.BroadcastOptions{Rooms: []string{ids[n-1]}}},
		} {
			b.Run(fmt.Sprintf("receivers=%d/%s", n, bc.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := m.Broadcast(p, bc.opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
