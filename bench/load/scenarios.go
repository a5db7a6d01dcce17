//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

func runConnect(ctx context.Context, c config) (map[string]any, error) {
	before, err := readProc(c.pid)
	if err != nil {
		return nil, err
	}
	clients := make([]*wsClient, c.conns)
	sem := make(chan struct{}, c.concurrency)
	var wg sync.WaitGroup
	var failed atomic.Int64
	start := time.Now()
	for i := range clients {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			cl, err := dialWS(ctx, c.url, nil)
			if err != nil {
				failed.Add(1)
				return
			}
			clients[i] = cl
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	connected := c.conns - int(failed.Load())
	afterConnect, _ := readProc(c.pid)
	time.Sleep(c.settle)
	settled, _ := readProc(c.pid)
	for _, cl := range clients {
		if cl != nil {
			cl.close()
		}
	}
	if connected == 0 {
		return nil, errors.New("no connection succeeded")
	}
	return map[string]any{
		"connections":               connected,
		"failed":                    failed.Load(),
		"connects_per_s":            round(float64(connected) / elapsed.Seconds()),
		"server_cpu_us_per_connect": round(cpuPer(before, afterConnect, connected)),
		"server_rss_bytes_per_conn": (settled.rssBytes - before.rssBytes) / int64(connected),
		"server_rss_bytes":          settled.rssBytes,
	}, nil
}

// runEcho keeps c.clients clients each with one echo outstanding.
func runEcho(ctx context.Context, c config, binary bool) (map[string]any, error) {
	clients := make([]*wsClient, c.clients)
	for i := range clients {
		cl, err := dialWS(ctx, c.url, nil)
		if err != nil {
			return nil, err
		}
		clients[i] = cl
		defer cl.close()
	}
	var bin []byte
	if binary {
		bin = make([]byte, c.payload)
	}
	return measure(ctx, c, len(clients), func(ctx context.Context, i int) error {
		return clients[i].echo(`"hello"`, bin)
	})
}

func runPolling(ctx context.Context, c config) (map[string]any, error) {
	hc := httpClient(c.clients)
	clients := make([]*pollClient, c.clients)
	for i := range clients {
		cl, err := dialPolling(ctx, hc, c.url)
		if err != nil {
			return nil, err
		}
		clients[i] = cl
		defer cl.close(ctx)
	}
	return measure(ctx, c, len(clients), func(ctx context.Context, i int) error {
		return clients[i].echo(ctx, `"hello"`)
	})
}

// measure runs op in n loops for the configured duration and reports
// throughput, latency percentiles and server CPU per op.
func measure(ctx context.Context, c config, n int, op func(context.Context, int) error) (map[string]any, error) {
	before, err := readProc(c.pid)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	lat := make([][]time.Duration, n)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for runCtx.Err() == nil {
				t := time.Now()
				if err := op(runCtx, i); err != nil {
					if runCtx.Err() == nil {
						firstErr.CompareAndSwap(nil, err)
					}
					return
				}
				lat[i] = append(lat[i], time.Since(t))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	after, _ := readProc(c.pid)
	if e, _ := firstErr.Load().(error); e != nil {
		return nil, e
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	return map[string]any{
		"clients":              n,
		"ops":                  len(all),
		"ops_per_s":            round(float64(len(all)) / elapsed.Seconds()),
		"p50_ms":               ms(pct(all, 0.50)),
		"p99_ms":               ms(pct(all, 0.99)),
		"p999_ms":              ms(pct(all, 0.999)),
		"server_cpu_us_per_op": round(cpuPer(before, after, len(all))),
	}, nil
}

// runBroadcast connects c.conns receivers; one sender emits c.messages
// "broadcast" events which the server sends to every socket.
func runBroadcast(ctx context.Context, c config) (map[string]any, error) {
	var received atomic.Int64
	want := int64(c.conns+1) * int64(c.messages) // the sender receives too
	all := make(chan struct{})
	onEvent := func() {
		if received.Add(1) == want {
			close(all)
		}
	}
	clients := make([]*wsClient, 0, c.conns+1)
	defer func() {
		for _, cl := range clients {
			cl.close()
		}
	}()
	sem := make(chan struct{}, c.concurrency)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var dialErr atomic.Value
	for range c.conns + 1 {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			cl, err := dialWS(ctx, c.url, onEvent)
			if err != nil {
				dialErr.CompareAndSwap(nil, err)
				return
			}
			mu.Lock()
			clients = append(clients, cl)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if e, _ := dialErr.Load().(error); e != nil {
		return nil, e
	}
	time.Sleep(500 * time.Millisecond) // let "auth" events and the like pass
	received.Store(0)
	sender := clients[0]
	before, err := readProc(c.pid)
	if err != nil {
		return nil, err
	}
	var bin []byte
	if c.attach > 0 {
		bin = make([]byte, c.attach)
	}
	start := time.Now()
	for i := range c.messages {
		if bin != nil {
			err = sender.emitBinary("broadcast", bin)
		} else {
			err = sender.emit("broadcast", i)
		}
		if err != nil {
			return nil, err
		}
	}
	select {
	case <-all:
	case <-time.After(2 * time.Minute):
		return nil, fmt.Errorf("only %d of %d deliveries arrived", received.Load(), want)
	}
	elapsed := time.Since(start)
	after, _ := readProc(c.pid)
	return map[string]any{
		"receivers":                  c.conns + 1,
		"messages":                   c.messages,
		"attachment_bytes":           c.attach,
		"deliveries":                 want,
		"deliveries_per_s":           round(float64(want) / elapsed.Seconds()),
		"all_delivered_ms":           ms(elapsed),
		"server_cpu_us_per_delivery": round(cpuPer(before, after, int(want))),
	}, nil
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(math.Ceil(p*float64(len(sorted))))-1)]
}

func ms(d time.Duration) float64 { return round(float64(d) / float64(time.Millisecond)) }

func round(f float64) float64 { return math.Round(f*1000) / 1000 }
