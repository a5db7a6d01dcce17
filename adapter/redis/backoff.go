package redisadapter

import "time"

// backoff spaces the retries of a loop that lost Redis: 20ms, doubling up
// to 1s, back to 20ms once it works. The zero value is ready.
type backoff struct{ d time.Duration }

// sleep waits for the next retry; false if stop closed first.
func (b *backoff) sleep(stop <-chan struct{}) bool {
	if b.d == 0 {
		b.d = 20 * time.Millisecond
	}
	select {
	case <-stop:
		return false
	case <-time.After(b.d):
	}
	b.d = min(b.d*2, time.Second)
	return true
}

// reset starts over from 20ms.
func (b *backoff) reset() { b.d = 0 }
