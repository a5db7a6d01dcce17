package engineio

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// Recycling message memory. Each big binary message read from a WebSocket
// gets a buffer of its own, and at tens of thousands of messages a second
// the garbage collector runs hundreds of times a second for memory that
// lived for microseconds; the fresh memory also comes cold to the cache.
// A receiver that knows when it is done with a message can give its
// buffer back with Recycle, and a later read of about that size takes it.

// Buffers from 4 KiB to 1 MiB are kept, in classes 4, 6, 8, 12, 16, 24...
// KiB apart, so that one is at most a third bigger than the message read
// into it. Smaller messages cost little to allocate.
const (
	minRecycled = 4 << 10
	maxRecycled = 1 << 20
	nClasses    = 17 // classSize(16) == maxRecycled
)

// recycled holds, per class, pointers to the start of buffers at least
// that class's size: a pointer, unlike a slice, goes into a sync.Pool
// without an allocation.
var recycled [nClasses]sync.Pool

// recycling is set by the first Recycle: from then on a message that finds
// no buffer to reuse gets a new one of its class's size, which can be
// recycled in turn whatever its length.
var recycling atomic.Bool

func classSize(i int) int { return (4 + 2*(i&1)) << (10 + i/2) }

// Recycle gives b, the Data of a received message, back to be read into
// again. Call it only when nothing will use b any more: not the caller, nor
// anything it gave b to, nor a message queued with b as its Data (a
// [Message] marked Borrowed is safe once SendNow returns). Buffers too
// small or too big to be worth keeping are left to the garbage collector.
//
// In builds with the race detector on, Recycle overwrites b, so that a use
// after it shows up as corrupt data in tests.
func Recycle(b []byte) {
	c := cap(b)
	if c < minRecycled || c > maxRecycled {
		return
	}
	i := nClasses - 1
	for classSize(i) > c {
		i--
	}
	if !recycling.Load() { // a store each time would bounce the line between cores
		recycling.Store(true)
	}
	b = b[:c]
	if poisonRecycled {
		for j := range b {
			b[j] = 0xdb
		}
	}
	recycled[i].Put(unsafe.Pointer(unsafe.SliceData(b)))
}

// reuse returns a buffer of length n to read a message into: nil until
// Recycle is in use (no pool to look in), then a recycled one or a new one
// of n's class.
func reuse(n int) []byte {
	if n < minRecycled || n > maxRecycled || !recycling.Load() {
		return nil
	}
	i := 0
	for classSize(i) < n {
		i++
	}
	p, _ := recycled[i].Get().(unsafe.Pointer)
	if p == nil {
		return make([]byte, n, classSize(i))
	}
	// The buffer p starts is at least classSize(i) long: Recycle files
	// each under the biggest class it holds.
	b := unsafe.Slice((*byte)(p), classSize(i))
	clear(b[n:]) // past the message, no bytes of an earlier one
	return b[:n]
}
