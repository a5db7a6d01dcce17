package engineio_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio"
)

// lendLog records, for each message, whether RunOnReader took the work
// and what the work saw, in the order the work ran.
type lendLog struct {
	mu   sync.Mutex
	took []bool
	ran  []string
}

func (l *lendLog) add(took bool) {
	l.mu.Lock()
	l.took = append(l.took, took)
	l.mu.Unlock()
}

func (l *lendLog) run(s string) {
	l.mu.Lock()
	l.ran = append(l.ran, s)
	l.mu.Unlock()
}

func (l *lendLog) snapshot() ([]bool, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]bool(nil), l.took...), append([]string(nil), l.ran...)
}

// Work lent to the WebSocket reader runs after its message, in order, and
// on the reader: nothing else is read while it runs.
func TestRunOnReader_RunsInOrderBetweenReads(t *testing.T) {
	var log lendLog
	h := newHarness(t, nil, func(r *rec) {
		r.onMessage = func(r *rec, m engineio.Message) {
			data := string(m.Data)
			log.add(r.s.RunOnReader(func() { log.run(data) }))
		}
	})
	ws, _, r := h.wsHandshake()
	for i := range 20 {
		writeText(t, ws, fmt.Sprintf("4m%d", i))
	}
	for range 20 {
		r.message(t)
	}
	eventually(t, "all lent work ran", func() bool { _, ran := log.snapshot(); return len(ran) == 20 })
	took, ran := log.snapshot()
	for i := range 20 {
		if !took[i] {
			t.Fatalf("RunOnReader refused message %d on a WebSocket", i)
		}
		if want := fmt.Sprintf("m%d", i); ran[i] != want {
			t.Fatalf("work %d ran for %q, want %q (order: %q)", i, ran[i], want, ran)
		}
	}
}

// RunOnReader takes one function per message, and none from outside a
// Message call or on a long-polling session.
func TestRunOnReader_Refusals(t *testing.T) {
	var log lendLog
	h := newHarness(t, nil, func(r *rec) {
		r.onMessage = func(r *rec, m engineio.Message) {
			log.add(r.s.RunOnReader(func() {}))
			log.add(r.s.RunOnReader(func() {})) // a second one for the same message
		}
	})
	ws, _, r := h.wsHandshake()
	if r.s.RunOnReader(func() { t.Error("ran a function lent from outside Message") }) {
		t.Error("RunOnReader outside a Message call = true")
	}
	writeText(t, ws, "4x")
	r.message(t)

	sid, _, pr := h.handshake()
	h.post(sid, "4y")
	pr.message(t)
	eventually(t, "both messages seen", func() bool { took, _ := log.snapshot(); return len(took) == 4 })
	took, _ := log.snapshot()
	if want := []bool{true, false, false, false}; fmt.Sprint(took) != fmt.Sprint(want) {
		t.Errorf("RunOnReader results (ws first, ws second, polling first, polling second) = %v, want %v", took, want)
	}
}

// Lent work that waits for the next message gets it: the reader that runs
// it is replaced after a short while, without the work asking.
func TestRunOnReader_BlockedWorkIsHandedOff(t *testing.T) {
	testBlockedLend(t, false)
}

// HandOff replaces the lent reader at once.
func TestRunOnReader_HandOff(t *testing.T) {
	testBlockedLend(t, true)
}

func testBlockedLend(t *testing.T, handOff bool) {
	second := make(chan string, 1)
	got := make(chan string, 1)
	h := newHarness(t, nil, func(r *rec) {
		r.onMessage = func(r *rec, m engineio.Message) {
			if string(m.Data) != "first" {
				second <- string(m.Data)
				return
			}
			s := r.s
			s.RunOnReader(func() {
				if handOff {
					s.HandOff()
				}
				select {
				case m := <-second: // only a new reader can deliver it
					got <- m
				case <-time.After(waitTimeout):
					got <- "nothing"
				}
			})
		}
	})
	ws, _, r := h.wsHandshake()
	writeText(t, ws, "4first")
	writeText(t, ws, "4second")
	if m := <-got; m != "second" {
		t.Fatalf("lent work waiting for the next message got %q", m)
	}
	// The session still works both ways on the new reader.
	writeText(t, ws, "4third")
	r.message(t)
	r.message(t)
	if m := <-second; m != "third" {
		t.Fatalf("after the hand-off, message = %q", m)
	}
	mustSend(t, r.s, text("out"))
	if got := readText(t, ws); got != "4out" {
		t.Fatalf("frame = %q", got)
	}
	_ = ws.CloseNow()
	r.waitClosed(t)
}

// A server closing while a lent reader is blocked ends the session without
// waiting for the work, which ends on its own later.
func TestRunOnReader_CloseWithBlockedWork(t *testing.T) {
	release := make(chan struct{})
	finished := make(chan struct{})
	h := newHarness(t, nil, func(r *rec) {
		r.onMessage = func(r *rec, m engineio.Message) {
			r.s.RunOnReader(func() { <-release; close(finished) })
		}
	})
	ws, _, r := h.wsHandshake()
	writeText(t, ws, "4block")
	r.message(t)
	h.closeInTime("Server.Close waited for blocked lent work")
	if ev := r.waitClosed(t); ev.reason != engineio.ReasonShuttingDown {
		t.Errorf("reason = %q", ev.reason)
	}
	close(release)
	<-finished
	_ = ws.CloseNow()
}
