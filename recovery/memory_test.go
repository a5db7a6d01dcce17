package recovery_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/recovery"
	"github.com/seed-e3ad8a97/sio/socketio/parser"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// clock is a manual clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// event builds an EVENT packet of namespace nsp whose data is the JSON
// array of name and args.
func event(nsp, name string, args ...any) *parser.Packet {
	data, err := json.Marshal(append([]any{name}, args...))
	if err != nil {
		panic(err)
	}
	return &parser.Packet{Type: parser.Event, Namespace: nsp, Data: data}
}

// decode parses a packet's data as a JSON array.
func decode(t testing.TB, p *parser.Packet) []any {
	t.Helper()
	var v []any
	if err := json.Unmarshal(p.Data, &v); err != nil {
		t.Fatalf("data %q is not a JSON array: %v", p.Data, err)
	}
	return v
}

// offsetOf returns the offset a stored packet carries (its last argument).
func offsetOf(t testing.TB, p *parser.Packet) string {
	t.Helper()
	v := decode(t, p)
	s, ok := v[len(v)-1].(string)
	if !ok {
		t.Fatalf("last argument of %s is %T, not an offset string", p.Data, v[len(v)-1])
	}
	return s
}

func mustAppend(t testing.TB, m *recovery.Memory, p *parser.Packet, opts adapter.BroadcastOptions) *parser.Packet {
	t.Helper()
	out, err := m.Append(p, opts)
	if err != nil {
		t.Fatalf("Append(%s): %v", p.Data, err)
	}
	return out
}

func mustPersist(t testing.TB, m *recovery.Memory, s adapter.Session) {
	t.Helper()
	if err := m.Persist(s); err != nil {
		t.Fatalf("Persist(%s): %v", s.PID, err)
	}
}

func restore(t testing.TB, m *recovery.Memory, nsp, pid, offset string) *adapter.Session {
	t.Helper()
	s, err := m.Restore(nsp, pid, offset)
	if err != nil {
		t.Fatalf("Restore(%q, %q, %q): %v", nsp, pid, offset, err)
	}
	return s
}

// missedData lists the JSON data of the missed packets, for comparisons.
func missedData(s *adapter.Session) []string {
	out := make([]string, len(s.Missed))
	for i, p := range s.Missed {
		out[i] = string(p.Data)
	}
	return out
}

func session(nsp, pid string, rooms ...string) adapter.Session {
	return adapter.Session{Namespace: nsp, SID: "sid-" + pid, PID: pid, Rooms: rooms}
}

func TestAppendAddsOffsetAsLastArgument(t *testing.T) {
	m := recovery.NewMemory(nil)
	cases := []struct {
		name string
		in   *parser.Packet
		want []any // data without the offset
	}{
		{"one arg", event("/", "ev", "a"), []any{"ev", "a"}},
		{"no args", event("/", "ev"), []any{"ev"}},
		{"mixed args", event("/chat", "ev", 1.5, map[string]any{"k": []any{"x"}}, nil, true),
			[]any{"ev", 1.5, map[string]any{"k": []any{"x"}}, nil, true}},
		{"escaped name", event("/", "a \"quoted\" \\ name\n", "é"), []any{"a \"quoted\" \\ name\n", "é"}},
		{"spaces", &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(` [ "ev" , 1 ] `)}, []any{"ev", 1.0}},
		{"spaces, name only", &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte("[\"ev\"\n]\n")}, []any{"ev"}},
	}
	var last string
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := slices.Clone(c.in.Data)
			out := mustAppend(t, m, c.in, adapter.BroadcastOptions{})
			if string(c.in.Data) != string(before) {
				t.Errorf("Append modified its input: %q became %q", before, c.in.Data)
			}
			got := decode(t, out)
			if len(got) != len(c.want)+1 {
				t.Fatalf("data %s: want %d elements (the offset last), got %d", out.Data, len(c.want)+1, len(got))
			}
			if fmt.Sprint(got[:len(c.want)]) != fmt.Sprint(c.want) {
				t.Errorf("data %s: arguments before the offset = %v, want %v", out.Data, got[:len(c.want)], c.want)
			}
			off := offsetOf(t, out)
			if off == "" || off == last {
				t.Errorf("offset %q: empty or the same as the previous one", off)
			}
			last = off
			if out.Type != c.in.Type || out.Namespace != c.in.Namespace || out.HasID {
				t.Errorf("packet header changed: %+v from %+v", out, c.in)
			}
		})
	}
}

func TestAppendKeepsBinaryAttachments(t *testing.T) {
	m := recovery.NewMemory(nil)
	in := &parser.Packet{
		Type: parser.BinaryEvent, Namespace: "/",
		Data:        []byte(`["bin",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`),
		Attachments: [][]byte{{1, 2, 3}, {}},
	}
	out := mustAppend(t, m, in, adapter.BroadcastOptions{})
	if out.Type != parser.BinaryEvent || len(out.Attachments) != 2 || string(out.Attachments[0]) != "\x01\x02\x03" {
		t.Fatalf("attachments lost: %+v", out)
	}
	if got := decode(t, out); len(got) != 4 {
		t.Fatalf("data %s: want the 3 elements and the offset", out.Data)
	}
	offsetOf(t, out)
}

func TestAppendRefusesNonArrayData(t *testing.T) {
	m := recovery.NewMemory(nil)
	for _, data := range []string{"", "{}", `"ev"`, "[", "]", "ev]"} {
		p := &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(data)}
		out, err := m.Append(p, adapter.BroadcastOptions{})
		if err == nil {
			t.Errorf("Append(%q) = %q, want an error", data, out.Data)
		}
	}
	if _, n := m.Len(); n != 0 {
		t.Errorf("refused packets are kept: %d", n)
	}
}

func TestOffsetsAreUniqueAndStoresDiffer(t *testing.T) {
	a, b := recovery.NewMemory(nil), recovery.NewMemory(nil)
	seen := map[string]bool{}
	var aOffsets []string
	for i := range 1000 {
		for _, m := range []*recovery.Memory{a, b} {
			off := offsetOf(t, mustAppend(t, m, event("/", "ev", i), adapter.BroadcastOptions{}))
			if seen[off] {
				t.Fatalf("offset %q given twice", off)
			}
			seen[off] = true
			if m == a {
				aOffsets = append(aOffsets, off)
			}
		}
	}
	// Offsets follow the order of the packets: restoring from the i-th
	// one gives back exactly those after it.
	for _, i := range []int{0, 1, 500, 998, 999} {
		pid := "p" + strconv.Itoa(i)
		mustPersist(t, a, session("/", pid))
		s := restore(t, a, "/", pid, aOffsets[i])
		if s == nil || len(s.Missed) != 999-i {
			t.Fatalf("restore from offset #%d: %v, want %d missed", i, s, 999-i)
		}
		for j, p := range s.Missed {
			if got := offsetOf(t, p); got != aOffsets[i+1+j] {
				t.Fatalf("restore from offset #%d: missed[%d] has offset %q, want %q", i, j, got, aOffsets[i+1+j])
			}
		}
	}
	// A store (e.g. after a restart) does not take another's offsets, even
	// at the same position.
	offB := offsetOf(t, mustAppend(t, b, event("/", "x"), adapter.BroadcastOptions{}))
	mustPersist(t, a, session("/", "other"))
	if s := restore(t, a, "/", "other", offB); s != nil {
		t.Errorf("store a restored a session from store b's offset %q", offB)
	}
}

// The offsets of a store embed a random epoch; whatever characters it
// happens to hold, the store must read its own offsets back. Each store
// draws a new epoch, so many stores try many.
func TestEveryStoreReadsItsOwnOffsets(t *testing.T) {
	failed := 0
	for i := range 500 {
		m := recovery.NewMemory(nil)
		off := offsetOf(t, mustAppend(t, m, event("/", "first"), adapter.BroadcastOptions{}))
		mustAppend(t, m, event("/", "second"), adapter.BroadcastOptions{})
		mustPersist(t, m, session("/", "p"))
		s, err := m.Restore("/", "p", off)
		if err != nil || s == nil || len(s.Missed) != 1 {
			failed++
			if failed <= 3 {
				t.Errorf("store #%d: Restore after its own offset %q = %v, %v; want the session with 1 missed packet", i, off, s, err)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of 500 stores could not read their own offsets", failed)
	}
}

func TestRestoreReturnsMissedPacketsInOrderFiltered(t *testing.T) {
	m := recovery.NewMemory(nil)
	first := mustAppend(t, m, event("/", "before"), adapter.BroadcastOptions{})
	type sent struct {
		p    *parser.Packet
		opts adapter.BroadcastOptions
	}
	all := []sent{
		{event("/", "all-1"), adapter.BroadcastOptions{}},
		{event("/", "to-r1"), adapter.BroadcastOptions{Rooms: []string{"r1"}}},
		{event("/", "to-r2"), adapter.BroadcastOptions{Rooms: []string{"r2"}}},
		{event("/", "to-r2-or-r1"), adapter.BroadcastOptions{Rooms: []string{"r2", "r1"}}},
		{event("/", "all-except-r1"), adapter.BroadcastOptions{Except: []string{"r1"}}},
		{event("/", "r2-except-r3"), adapter.BroadcastOptions{Rooms: []string{"r2"}, Except: []string{"r3"}}},
		{event("/", "to-sid"), adapter.BroadcastOptions{Rooms: []string{"sid-a"}}},
		{event("/", "to-other-sid"), adapter.BroadcastOptions{Rooms: []string{"sid-b"}}},
		{event("/other", "other-nsp"), adapter.BroadcastOptions{}},
		{event("/", "all-2"), adapter.BroadcastOptions{}},
		{event("/", "except-sid"), adapter.BroadcastOptions{Except: []string{"sid-a"}}},
		{event("/", "all-3"), adapter.BroadcastOptions{Flags: adapter.Flags{Compress: true}}},
	}
	var stored []*parser.Packet
	for _, s := range all {
		stored = append(stored, mustAppend(t, m, s.p, s.opts))
	}
	names := func(s *adapter.Session) []string {
		var out []string
		for _, p := range s.Missed {
			out = append(out, decode(t, p)[0].(string))
		}
		return out
	}
	cases := []struct {
		nsp   string
		rooms []string
		want  []string
	}{
		{"/", []string{"sid-a"}, []string{"all-1", "all-except-r1", "to-sid", "all-2", "all-3"}},
		{"/", []string{"sid-a", "r1"}, []string{"all-1", "to-r1", "to-r2-or-r1", "to-sid", "all-2", "all-3"}},
		{"/", []string{"sid-a", "r2"}, []string{"all-1", "to-r2", "to-r2-or-r1", "all-except-r1", "r2-except-r3", "to-sid", "all-2", "all-3"}},
		{"/", []string{"sid-a", "r2", "r3"}, []string{"all-1", "to-r2", "to-r2-or-r1", "all-except-r1", "to-sid", "all-2", "all-3"}},
		{"/", nil, []string{"all-1", "all-except-r1", "all-2", "except-sid", "all-3"}},
		{"/other", []string{"sid-a"}, []string{"other-nsp"}},
	}
	for i, c := range cases {
		pid := "p" + strconv.Itoa(i)
		mustPersist(t, m, adapter.Session{Namespace: c.nsp, SID: "s", PID: pid, Rooms: c.rooms, Data: i})
		s := restore(t, m, c.nsp, pid, offsetOf(t, first))
		if s == nil {
			t.Fatalf("%s %v: no session", c.nsp, c.rooms)
		}
		if got := names(s); !slices.Equal(got, c.want) {
			t.Errorf("%s in %v: missed %v, want %v", c.nsp, c.rooms, got, c.want)
		}
		if s.PID != pid || s.SID != "s" || s.Namespace != c.nsp || !slices.Equal(s.Rooms, c.rooms) || s.Data != i {
			t.Errorf("session came back changed: %+v", s)
		}
		for _, p := range s.Missed {
			if !slices.ContainsFunc(stored, func(q *parser.Packet) bool { return string(q.Data) == string(p.Data) }) {
				t.Errorf("missed packet %s is not one Append returned", p.Data)
			}
		}
	}
	// From the last offset nothing is missed, but the session comes back.
	mustPersist(t, m, session("/", "last", "sid-last"))
	s := restore(t, m, "/", "last", offsetOf(t, stored[len(stored)-1]))
	if s == nil || len(s.Missed) != 0 {
		t.Errorf("restore from the last offset: %v, want the session with nothing missed", s)
	}
}

func TestRestoreUnknownGivesNil(t *testing.T) {
	m := recovery.NewMemory(nil)
	off := offsetOf(t, mustAppend(t, m, event("/", "ev"), adapter.BroadcastOptions{}))
	mustAppend(t, m, event("/", "ev2"), adapter.BroadcastOptions{})
	mustPersist(t, m, session("/", "known", "sid-known"))
	other := recovery.NewMemory(nil)
	otherOff := offsetOf(t, mustAppend(t, other, event("/", "ev"), adapter.BroadcastOptions{}))
	epoch := off[:len(off)-1] // the same store, a sequence number it never gave
	cases := []struct{ name, nsp, pid, offset string }{
		{"unknown pid", "/", "unknown", off},
		{"empty pid", "/", "", off},
		{"public id as pid", "/", "sid-known", off},
		{"other namespace", "/admin", "known", off},
		{"empty offset", "/", "known", ""},
		{"garbage offset", "/", "known", "not an offset"},
		{"dash only", "/", "known", "-"},
		{"future sequence", "/", "known", epoch + "zzzz"},
		{"negative sequence", "/", "known", epoch + "-1"},
		{"offset of another store", "/", "known", otherOff},
	}
	for _, c := range cases {
		if s := restore(t, m, c.nsp, c.pid, c.offset); s != nil {
			t.Errorf("%s: Restore(%q, %q, %q) = %+v, want nil", c.name, c.nsp, c.pid, c.offset, s)
		}
	}
	// None of that took the session away.
	if s := restore(t, m, "/", "known", off); s == nil || len(s.Missed) != 1 {
		t.Errorf("the session was lost by failed restores: %v", s)
	}
}

func TestRestoreConsumesTheSession(t *testing.T) {
	m := recovery.NewMemory(nil)
	off := offsetOf(t, mustAppend(t, m, event("/", "ev"), adapter.BroadcastOptions{}))
	mustPersist(t, m, session("/", "p"))
	if s := restore(t, m, "/", "p", off); s == nil {
		t.Fatal("first restore: nil")
	}
	if s := restore(t, m, "/", "p", off); s != nil {
		t.Fatalf("second restore of the same session: %+v, want nil", s)
	}
	if n, _ := m.Len(); n != 0 {
		t.Errorf("Len sessions = %d after restore, want 0", n)
	}
}

func TestExpiryAfterMaxDisconnectionDuration(t *testing.T) {
	const max = 10 * time.Second
	clk := newClock()
	m := recovery.NewMemory(&recovery.Options{MaxDisconnectionDuration: max, Now: clk.Now})
	off := offsetOf(t, mustAppend(t, m, event("/", "ev"), adapter.BroadcastOptions{}))
	mustPersist(t, m, session("/", "in-time"))
	mustPersist(t, m, session("/", "late"))

	clk.Add(max) // exactly the limit: still recoverable
	s := restore(t, m, "/", "in-time", off)
	if s == nil {
		t.Fatal("restore at exactly MaxDisconnectionDuration: nil, want the session")
	}
	clk.Add(time.Nanosecond)
	if s := restore(t, m, "/", "late", off); s != nil {
		t.Fatalf("restore after MaxDisconnectionDuration: %+v, want nil", s)
	}
	if sessions, packets := m.Len(); sessions != 0 || packets != 0 {
		t.Errorf("Len = %d sessions, %d packets after expiry, want 0, 0", sessions, packets)
	}

	// A session that is recent, but whose offset has expired, starts afresh
	// rather than come back with missing packets.
	old := offsetOf(t, mustAppend(t, m, event("/", "old"), adapter.BroadcastOptions{}))
	clk.Add(max / 2)
	mustAppend(t, m, event("/", "newer"), adapter.BroadcastOptions{})
	clk.Add(max/2 + time.Millisecond)
	mustPersist(t, m, session("/", "recent"))
	if s := restore(t, m, "/", "recent", old); s != nil {
		t.Errorf("restore from an expired offset: %+v, want nil", s)
	}
	// Expiry happens without any Restore: Persist and Append prune too.
	clk.Add(max + time.Millisecond)
	mustPersist(t, m, session("/", "trigger"))
	mustAppend(t, m, event("/", "trigger"), adapter.BroadcastOptions{})
	if sessions, packets := m.Len(); sessions != 1 || packets != 1 {
		t.Errorf("Len = %d sessions, %d packets, want 1, 1 (only the last of each)", sessions, packets)
	}
}

func TestPersistReplacesTheSameSession(t *testing.T) {
	clk := newClock()
	m := recovery.NewMemory(&recovery.Options{MaxSessions: 2, MaxDisconnectionDuration: time.Minute, Now: clk.Now})
	off := offsetOf(t, mustAppend(t, m, event("/", "ev"), adapter.BroadcastOptions{}))
	mustPersist(t, m, session("/", "p1", "old-room"))
	clk.Add(time.Second)
	mustPersist(t, m, session("/", "p2"))
	clk.Add(time.Second)
	mustPersist(t, m, session("/", "p1", "new-room")) // p1 is now the newest
	if n, _ := m.Len(); n != 2 {
		t.Fatalf("Len sessions = %d, want 2", n)
	}
	clk.Add(time.Second)
	mustPersist(t, m, session("/", "p3")) // evicts the oldest: p2
	if s := restore(t, m, "/", "p2", off); s != nil {
		t.Errorf("p2 (oldest) survived eviction")
	}
	s := restore(t, m, "/", "p1", off)
	if s == nil || !slices.Equal(s.Rooms, []string{"new-room"}) {
		t.Fatalf("p1 = %+v, want its second version (rooms [new-room])", s)
	}
}

func TestReplacedSessionKeepsItsNewTime(t *testing.T) {
	clk := newClock()
	m := recovery.NewMemory(&recovery.Options{MaxDisconnectionDuration: 10 * time.Second, Now: clk.Now})
	mustPersist(t, m, session("/", "p", "v1"))
	clk.Add(8 * time.Second)
	mustPersist(t, m, session("/", "p", "v2"))
	clk.Add(8 * time.Second) // 16 s after v1, 8 s after v2
	off := offsetOf(t, mustAppend(t, m, event("/", "ev"), adapter.BroadcastOptions{}))
	s := restore(t, m, "/", "p", off)
	if s == nil || !slices.Equal(s.Rooms, []string{"v2"}) {
		t.Fatalf("restore = %+v, want v2 (persisted 8 s ago)", s)
	}
}

func TestMaxSessionsEvictsTheOldest(t *testing.T) {
	m := recovery.NewMemory(&recovery.Options{MaxSessions: 3})
	off := offsetOf(t, mustAppend(t, m, event("/", "ev"), adapter.BroadcastOptions{}))
	for i := range 5 {
		mustPersist(t, m, session("/", "p"+strconv.Itoa(i)))
	}
	if n, _ := m.Len(); n != 3 {
		t.Fatalf("Len sessions = %d, want 3", n)
	}
	for i := range 5 {
		s := restore(t, m, "/", "p"+strconv.Itoa(i), off)
		if (s != nil) != (i >= 2) {
			t.Errorf("p%d restored = %v, want %v", i, s != nil, i >= 2)
		}
	}
}

func TestMaxPacketsEvictsTheOldest(t *testing.T) {
	m := recovery.NewMemory(&recovery.Options{MaxPackets: 10})
	var offs []string
	for i := range 25 {
		offs = append(offs, offsetOf(t, mustAppend(t, m, event("/", "ev", i), adapter.BroadcastOptions{})))
	}
	if _, n := m.Len(); n != 10 {
		t.Fatalf("Len packets = %d, want 10", n)
	}
	for i, off := range offs {
		pid := "p" + strconv.Itoa(i)
		mustPersist(t, m, session("/", pid))
		s := restore(t, m, "/", pid, off)
		if (s != nil) != (i >= 15) {
			t.Fatalf("restore from offset #%d: %v, want a session: %v", i, s, i >= 15)
		}
		if s != nil && len(s.Missed) != 24-i {
			t.Errorf("restore from offset #%d: %d missed, want %d", i, len(s.Missed), 24-i)
		}
	}
}

func TestMaxBytesEvictsTheOldest(t *testing.T) {
	const size = 10_000
	m := recovery.NewMemory(&recovery.Options{MaxBytes: 100_000})
	big := strings.Repeat("x", size)
	var offs []string
	for i := range 50 {
		offs = append(offs, offsetOf(t, mustAppend(t, m, event("/", "ev", big, i), adapter.BroadcastOptions{})))
	}
	_, n := m.Len()
	if n < 5 || n > 10 {
		t.Fatalf("Len packets = %d with MaxBytes 100,000 and packets of about %d bytes, want 5 to 10", n, size)
	}
	// Only a suffix is kept, so no restore skips a dropped packet.
	for i, off := range offs {
		pid := "p" + strconv.Itoa(i)
		mustPersist(t, m, session("/", pid))
		s := restore(t, m, "/", pid, off)
		if (s != nil) != (i >= 50-n) {
			t.Fatalf("restore from offset #%d: %v, want a session: %v", i, s, i >= 50-n)
		}
	}
	// A packet larger than the bound is still kept (alone), so that the
	// offsets given before it cannot restore past it.
	huge := offsetOf(t, mustAppend(t, m, event("/", "huge", strings.Repeat("x", 200_000)), adapter.BroadcastOptions{}))
	if _, n := m.Len(); n != 1 {
		t.Errorf("Len packets = %d after a packet larger than MaxBytes, want 1", n)
	}
	mustPersist(t, m, session("/", "h"))
	if s := restore(t, m, "/", "h", offs[len(offs)-1]); s != nil {
		t.Errorf("restore from before the huge packet: %+v, want nil", s)
	}
	mustPersist(t, m, session("/", "h"))
	if s := restore(t, m, "/", "h", huge); s == nil {
		t.Errorf("restore from the huge packet's offset: nil")
	}
}

// heapAlloc is the live heap after a full collection.
func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

const mib = 1 << 20

// floodSize is how many sessions or packets the flood tests push.
func floodSize() int {
	if testing.Short() {
		return 100_000
	}
	return 1_000_000
}

// A client can connect and drop as often as it likes; each drop keeps a
// session. The store must stay bounded however many there are.
func TestSessionFloodIsBounded(t *testing.T) {
	const maxSessions = 1000
	n := floodSize()
	m := recovery.NewMemory(&recovery.Options{MaxSessions: maxSessions})
	before := heapAlloc()
	peak := uint64(0)
	rooms := []string{"", "lobby", "room-with-a-longer-name"}
	for i := range n {
		pid := "pid-" + strconv.Itoa(i) + "-0123456789abcdef"
		rooms[0] = "sid-" + strconv.Itoa(i)
		mustPersist(t, m, adapter.Session{
			Namespace: "/", SID: rooms[0], PID: pid, Rooms: slices.Clone(rooms),
			Data: map[string]any{"user": i},
		})
		if i%(n/10) == n/10-1 {
			if s, _ := m.Len(); s > maxSessions {
				t.Fatalf("after %d sessions: Len = %d > MaxSessions %d", i+1, s, maxSessions)
			}
			if h := heapAlloc(); h > peak {
				peak = h
			}
		}
	}
	after := heapAlloc()
	s, _ := m.Len()
	runtime.KeepAlive(m)
	growth := int64(after) - int64(before)
	t.Logf("%d sessions persisted, MaxSessions %d: Len %d; heap before %.2f MiB, peak %.2f MiB, after %.2f MiB (growth %.2f MiB)",
		n, maxSessions, s, float64(before)/mib, float64(peak)/mib, float64(after)/mib, float64(growth)/mib)
	if s != maxSessions {
		t.Errorf("Len = %d, want %d", s, maxSessions)
	}
	// 1000 sessions of well under 1 KiB each; a store keeping all the
	// sessions would hold hundreds of MiB.
	if growth > 8*mib || peak-before > 16*mib {
		t.Errorf("heap grew by %.2f MiB (peak +%.2f MiB) for %d kept sessions", float64(growth)/mib, float64(peak-before)/mib, s)
	}
}

// The same session persisted, restored or replaced again and again must not
// leave anything behind either.
func TestSessionChurnIsBounded(t *testing.T) {
	n := floodSize()
	m := recovery.NewMemory(&recovery.Options{MaxSessions: 1000})
	off := offsetOf(t, mustAppend(t, m, event("/", "ev"), adapter.BroadcastOptions{}))
	before := heapAlloc()
	for i := range n {
		pid := "pid-" + strconv.Itoa(i%5000)
		mustPersist(t, m, session("/", pid, "sid-"+pid))
		if i%3 == 0 {
			restore(t, m, "/", pid, off)
		}
	}
	after := heapAlloc()
	s, _ := m.Len()
	runtime.KeepAlive(m)
	t.Logf("%d persist/restore/replace operations: Len %d; heap growth %.2f MiB", n, s, float64(int64(after)-int64(before))/mib)
	if s > 1000 {
		t.Errorf("Len = %d > MaxSessions", s)
	}
	if int64(after)-int64(before) > 8*mib {
		t.Errorf("heap grew by %.2f MiB", float64(int64(after)-int64(before))/mib)
	}
}

func TestPacketFloodIsBounded(t *testing.T) {
	const maxPackets = 1000
	n := floodSize()
	m := recovery.NewMemory(&recovery.Options{MaxPackets: maxPackets})
	before := heapAlloc()
	peak := uint64(0)
	payload := strings.Repeat("x", 100)
	opts := adapter.BroadcastOptions{Rooms: []string{"room"}}
	for i := range n {
		mustAppend(t, m, event("/", "message", payload, i), opts)
		if i%(n/10) == n/10-1 {
			if _, p := m.Len(); p > maxPackets {
				t.Fatalf("after %d packets: Len = %d > MaxPackets %d", i+1, p, maxPackets)
			}
			if h := heapAlloc(); h > peak {
				peak = h
			}
		}
	}
	after := heapAlloc()
	_, p := m.Len()
	runtime.KeepAlive(m)
	growth := int64(after) - int64(before)
	t.Logf("%d packets of ~%d bytes appended, MaxPackets %d: Len %d; heap before %.2f MiB, peak %.2f MiB, after %.2f MiB (growth %.2f MiB)",
		n, 100+40, maxPackets, p, float64(before)/mib, float64(peak)/mib, float64(after)/mib, float64(growth)/mib)
	if p != maxPackets {
		t.Errorf("Len = %d, want %d", p, maxPackets)
	}
	if growth > 8*mib || peak-before > 16*mib {
		t.Errorf("heap grew by %.2f MiB (peak +%.2f MiB) for %d kept packets", float64(growth)/mib, float64(peak-before)/mib, p)
	}
}

// Large broadcasts are bounded by bytes, not only by count: with the
// defaults, 3,000 broadcasts of 64 KiB (187.5 MiB in all) must not all stay.
func TestPacketBytesAreBoundedByDefault(t *testing.T) {
	m := recovery.NewMemory(nil)
	before := heapAlloc()
	payload := strings.Repeat("x", 64<<10)
	const n = 3000
	for i := range n {
		mustAppend(t, m, event("/", "big", payload, i), adapter.BroadcastOptions{})
	}
	after := heapAlloc()
	_, p := m.Len()
	runtime.KeepAlive(m)
	growth := int64(after) - int64(before)
	t.Logf("%d packets of 64 KiB (%.0f MiB) with default options: Len %d; heap growth %.2f MiB",
		n, float64(n*(64<<10))/mib, p, float64(growth)/mib)
	if p >= n || growth > 150*mib {
		t.Errorf("Len %d, heap grew by %.2f MiB: packets are not bounded in bytes", p, float64(growth)/mib)
	}
}

func TestConcurrentUse(t *testing.T) {
	m := recovery.NewMemory(&recovery.Options{MaxSessions: 50, MaxPackets: 100})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			var last string
			for i := range 2000 {
				pid := fmt.Sprintf("w%d-%d", w, i%20)
				room := "r" + strconv.Itoa(i%3)
				out, err := m.Append(event("/", "ev", w, i), adapter.BroadcastOptions{Rooms: []string{room}})
				if err != nil {
					t.Error(err)
					return
				}
				if i%2 == 0 {
					if err := m.Persist(session("/", pid, room)); err != nil {
						t.Error(err)
						return
					}
				} else if last != "" {
					s, err := m.Restore("/", pid, last)
					if err != nil {
						t.Error(err)
						return
					}
					if s != nil {
						for _, p := range s.Missed {
							if len(p.Data) == 0 {
								t.Error("empty missed packet")
							}
						}
					}
				}
				last = offsetOf(t, out)
				if s, p := m.Len(); s > 50 || p > 100 {
					t.Errorf("Len = %d, %d beyond the bounds", s, p)
					return
				}
			}
		})
	}
	wg.Wait()
}

// model is a plain re-statement of what the store must do, to check it
// against random operation sequences.
type model struct {
	max         time.Duration
	maxSessions int
	maxPackets  int
	packets     []modelPacket
	sessions    []modelSession // in persist order
}

type modelPacket struct {
	at     time.Time
	offset string
	p      *parser.Packet
	opts   adapter.BroadcastOptions
}

type modelSession struct {
	at time.Time
	s  adapter.Session
}

func (md *model) prune(now time.Time) {
	limit := now.Add(-md.max)
	md.packets = slices.DeleteFunc(md.packets, func(p modelPacket) bool { return p.at.Before(limit) })
	md.sessions = slices.DeleteFunc(md.sessions, func(s modelSession) bool { return s.at.Before(limit) })
}

func (md *model) append(now time.Time, offset string, p *parser.Packet, opts adapter.BroadcastOptions) {
	md.prune(now)
	md.packets = append(md.packets, modelPacket{now, offset, p, opts})
	if len(md.packets) > md.maxPackets {
		md.packets = md.packets[len(md.packets)-md.maxPackets:]
	}
}

func (md *model) persist(now time.Time, s adapter.Session) {
	md.prune(now)
	md.sessions = slices.DeleteFunc(md.sessions, func(k modelSession) bool { return k.s.PID == s.PID })
	if len(md.sessions) >= md.maxSessions {
		md.sessions = md.sessions[len(md.sessions)-md.maxSessions+1:]
	}
	md.sessions = append(md.sessions, modelSession{now, s})
}

func (md *model) restore(now time.Time, nsp, pid, offset string) *adapter.Session {
	md.prune(now)
	i := slices.IndexFunc(md.sessions, func(k modelSession) bool { return k.s.PID == pid })
	if i < 0 || md.sessions[i].s.Namespace != nsp {
		return nil
	}
	j := slices.IndexFunc(md.packets, func(p modelPacket) bool { return p.offset == offset })
	if j < 0 {
		return nil
	}
	s := md.sessions[i].s
	md.sessions = slices.Delete(md.sessions, i, i+1)
	for _, p := range md.packets[j+1:] {
		if p.p.Namespace != nsp {
			continue
		}
		in := len(p.opts.Rooms) == 0
		out := false
		for _, r := range s.Rooms {
			in = in || slices.Contains(p.opts.Rooms, r)
			out = out || slices.Contains(p.opts.Except, r)
		}
		if in && !out {
			s.Missed = append(s.Missed, p.p)
		}
	}
	return &s
}

// runModel applies the operations encoded in ops to a store and the model
// and fails on the first difference.
func runModel(t *testing.T, ops []byte) {
	clk := newClock()
	opts := recovery.Options{MaxDisconnectionDuration: 10 * time.Second, MaxSessions: 4, MaxPackets: 8, Now: clk.Now}
	m := recovery.NewMemory(&opts)
	md := &model{max: opts.MaxDisconnectionDuration, maxSessions: opts.MaxSessions, maxPackets: opts.MaxPackets}
	nsps := []string{"/", "/x"}
	rooms := []string{"a", "b", "c"}
	pick := func(b byte, of []string) []string {
		var out []string
		for i, r := range of {
			if b&(1<<i) != 0 {
				out = append(out, r)
			}
		}
		return out
	}
	var offsets []string // every offset given, expired ones too
	for k := 0; k+2 < len(ops); k += 3 {
		op, a, b := ops[k]%4, ops[k+1], ops[k+2]
		switch op {
		case 0: // advance the clock by 0 to 7.5 s
			clk.Add(time.Duration(a%16) * 500 * time.Millisecond)
		case 1: // broadcast
			bo := adapter.BroadcastOptions{Rooms: pick(a, rooms), Except: pick(a>>3, rooms)}
			out := mustAppend(t, m, event(nsps[b%2], "ev", k), bo)
			off := offsetOf(t, out)
			offsets = append(offsets, off)
			md.append(clk.Now(), off, out, bo)
		case 2: // a socket drops
			s := adapter.Session{Namespace: nsps[b%2], PID: "p" + strconv.Itoa(int(a%6)), SID: "s" + strconv.Itoa(k), Rooms: pick(b>>1, rooms)}
			mustPersist(t, m, s)
			md.persist(clk.Now(), s)
		case 3: // a socket comes back
			pid := "p" + strconv.Itoa(int(a%6))
			off := "none"
			if len(offsets) > 0 {
				off = offsets[len(offsets)-1-int(b>>1)%len(offsets)]
			}
			got := restore(t, m, nsps[b%2], pid, off)
			want := md.restore(clk.Now(), nsps[b%2], pid, off)
			if (got == nil) != (want == nil) {
				t.Fatalf("op %d: Restore(%q, %q, %q) = %+v, model says %+v", k/3, nsps[b%2], pid, off, got, want)
			}
			if got != nil {
				if got.SID != want.SID || !slices.Equal(got.Rooms, want.Rooms) || !slices.Equal(missedData(got), missedData(want)) {
					t.Fatalf("op %d: Restore(%q, %q, %q):\n got  %v %v %q\n want %v %v %q", k/3, nsps[b%2], pid, off,
						got.SID, got.Rooms, missedData(got), want.SID, want.Rooms, missedData(want))
				}
			}
		}
		s, p := m.Len()
		md.prune(clk.Now()) // Len does not prune; compare upper bounds
		if s < len(md.sessions) || p < len(md.packets) || s > opts.MaxSessions || p > opts.MaxPackets {
			t.Fatalf("op %d: Len = %d, %d; model keeps %d, %d (bounds %d, %d)", k/3, s, p, len(md.sessions), len(md.packets), opts.MaxSessions, opts.MaxPackets)
		}
	}
}

func TestAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	runs := 300
	if testing.Short() {
		runs = 50
	}
	for range runs {
		ops := make([]byte, 3*400)
		for i := range ops {
			ops[i] = byte(r.UintN(256))
		}
		runModel(t, ops)
		if t.Failed() {
			return
		}
	}
}

func FuzzMemory(f *testing.F) {
	f.Add([]byte{1, 0, 0, 2, 0, 0, 1, 0, 0, 3, 0, 2})
	f.Add([]byte{1, 7, 1, 2, 3, 7, 0, 15, 0, 1, 1, 1, 3, 3, 0})
	f.Add([]byte("\x01\x01\x00\x02\x01\x02\x01\x02\x00\x00\x0f\x00\x03\x01\x02"))
	f.Fuzz(runModel)
}

func BenchmarkAppend(b *testing.B) {
	m := recovery.NewMemory(nil)
	p := event("/", "message", "hello, world", 42)
	opts := adapter.BroadcastOptions{Rooms: []string{"room"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Append(p, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRestore persists then restores one session per iteration, with
// 10,000 packets kept of which 100 are missed (50 of them for its rooms).
func BenchmarkRestore(b *testing.B) {
	m := recovery.NewMemory(nil)
	var off string
	for i := range 10_000 {
		room := []string{"r" + strconv.Itoa(i%2)}
		out, err := m.Append(event("/", "message", i), adapter.BroadcastOptions{Rooms: room})
		if err != nil {
			b.Fatal(err)
		}
		if i == 10_000-101 {
			off = offsetOf(b, out)
		}
	}
	s := adapter.Session{Namespace: "/", SID: "sid", PID: "pid", Rooms: []string{"sid", "r0"}}
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Persist(s); err != nil {
			b.Fatal(err)
		}
		got, err := m.Restore("/", "pid", off)
		if err != nil || got == nil || len(got.Missed) != 50 {
			b.Fatalf("Restore = %v, %v", got, err)
		}
	}
}
