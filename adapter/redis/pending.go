package redisadapter

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
)

// pending holds what a namespace adapter awaits from other nodes: its
// requests and the acks of its broadcasts, by request id. Both adapters
// (classic and cluster protocol) keep the same bookkeeping, so it lives
// here once.
type pending struct {
	mu       sync.Mutex
	closed   bool
	requests map[string]*request
	acks     map[string]*ackRequest
}

// request waits for the answers of other nodes.
type request struct {
	typ      int
	want     int // answers expected
	got      int
	sockets  []adapter.SocketInfo
	onReply  adapter.AckFunc
	done     chan struct{}
	finished bool
	timer    *time.Timer // set when nobody waits on done: it forgets the request
}

// ackRequest receives the client counts and acks of a broadcast.
type ackRequest struct {
	expect func(int)
	onAck  adapter.AckFunc
	timer  *time.Timer
}

// answer hands msg, an answer to the broadcast, to its callbacks: as a
// client count or as a client's ack.
func (ar *ackRequest) answer(nsp string, count, ack bool, msg value) {
	switch {
	case count:
		n, _ := msg.get("clientCount").num()
		ar.expect(int(n))
	case ack:
		ar.onAck(msg.get("sid").str(), ackPacket(nsp, msg.get("packet")))
	}
}

func newPending() *pending {
	return &pending{requests: make(map[string]*request), acks: make(map[string]*ackRequest)}
}

// newRequest makes a request of type typ that wants want answers.
func newRequest(typ, want int, onReply adapter.AckFunc) *request {
	return &request{typ: typ, want: want, onReply: onReply, done: make(chan struct{})}
}

// add registers r under id. With keep > 0, r is forgotten after keep, for
// callers that do not wait on r.done; otherwise the caller drops it.
func (p *pending) add(id string, r *request, keep time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	p.requests[id] = r
	if keep > 0 {
		r.timer = time.AfterFunc(keep, func() { p.drop(id) })
	}
	return nil
}

// drop forgets request id.
func (p *pending) drop(id string) {
	p.mu.Lock()
	if r := p.requests[id]; r != nil && r.timer != nil {
		r.timer.Stop()
	}
	delete(p.requests, id)
	p.mu.Unlock()
}

// ack is the ack request id, or nil.
func (p *pending) ack(id string) *ackRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.acks[id]
}

// request is the unfinished request id, or nil.
func (p *pending) request(id string) *request {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.requests[id]; r != nil && !r.finished {
		return r
	}
	return nil
}

// answered counts one answer to request id (r), with the sockets it
// brought, and finishes r once all answered. Answers past that are
// dropped: whoever waited may already read r.sockets.
func (p *pending) answered(id string, r *request, sockets []adapter.SocketInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.finished {
		return
	}
	r.sockets = append(r.sockets, sockets...)
	r.got++
	if r.got >= r.want {
		r.finished = true
		close(r.done)
		if r.timer != nil {
			r.timer.Stop()
			delete(p.requests, id)
		}
	}
}

// wait waits until r is answered or ctx ends.
func (p *pending) wait(ctx context.Context, r *request) (*request, error) {
	select {
	case <-r.done:
		return r, nil
	case <-ctx.Done():
		p.mu.Lock()
		got := r.got
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: %d of %d nodes answered", ErrTimeout, got, r.want)
	}
}

// close forgets everything and refuses what comes after; false if it was
// already closed.
func (p *pending) close() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.closed = true
	for id, r := range p.requests {
		if r.timer != nil {
			r.timer.Stop()
		}
		delete(p.requests, id)
	}
	for id, ar := range p.acks {
		ar.timer.Stop()
		delete(p.acks, id)
	}
	return true
}

// send registers request r under id, for callers that do not wait for
// it (forgotten after keep), and sends it with send.
func (p *pending) send(id string, r *request, keep time.Duration, send func() error) error {
	if err := p.add(id, r, keep); err != nil {
		return err
	}
	if err := send(); err != nil {
		p.drop(id)
		return err
	}
	return nil
}

// sendAcked registers the acks of broadcast id for keep, or def without
// one, and sends the broadcast with send.
func (p *pending) sendAcked(id string, ar *ackRequest, keep, def time.Duration, send func() error) error {
	if keep <= 0 {
		keep = def
	}
	forget := func() {
		p.mu.Lock()
		delete(p.acks, id)
		p.mu.Unlock()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.acks[id] = ar
	ar.timer = time.AfterFunc(keep, forget)
	p.mu.Unlock()
	if err := send(); err != nil {
		ar.timer.Stop()
		forget()
		return err
	}
	return nil
}
