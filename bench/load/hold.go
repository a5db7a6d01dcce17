//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// perSourceIP is how many clients share one loopback source address: a
// source address has ip_local_port_range ephemeral ports (28k by default)
// toward one server address; 20k leaves room for everyone else on the box.
const perSourceIP = 20_000

// runHold opens c.conns idle Socket.IO connections on namespace "/" (at most
// c.concurrency handshakes at once), holds them for c.duration while the
// Engine.IO heartbeat runs (each client answers the server's "2" with "3"),
// and reports whether every connection survived, how many pings were
// answered, and the server's memory and CPU.
func runHold(ctx context.Context, c config) (map[string]any, error) {
	// The hold keeps its own clock: the run's deadline in main covers the
	// other scenarios, not a dial phase plus a 5-minute hold.
	ctx = context.WithoutCancel(ctx)
	if c.conns <= 0 {
		return nil, errors.New("-n must be positive")
	}
	nofile, err := raiseNofile(uint64(c.conns) + nofileSlack)
	if err != nil {
		return nil, err
	}
	nIPs := c.srcIPs
	if nIPs <= 0 {
		nIPs = (c.conns + perSourceIP - 1) / perSourceIP
	}
	if nIPs > 250 {
		return nil, fmt.Errorf("-src-ips %d: at most 250 (127.0.0.2 to 127.0.0.251)", nIPs)
	}
	u := strings.Replace(c.url, "http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
	opts := make([]*websocket.DialOptions, nIPs)
	srcs := make([]string, nIPs)
	ip := netip.MustParseAddr("127.0.0.2") // 127.0.0.1 stays free for the others on the box
	for i := range opts {
		srcs[i] = ip.String()
		opts[i] = &websocket.DialOptions{HTTPClient: sourceClient(ip), CompressionMode: websocket.CompressionDisabled}
		ip = ip.Next()
	}

	h := &holder{clients: make([]*websocket.Conn, c.conns), pings: make([]atomic.Uint32, c.conns)}
	baseline, err := readProc(c.pid)
	if err != nil {
		return nil, fmt.Errorf("server pid %d: %w", c.pid, err)
	}
	selfBase := selfCPU()

	// Dial: c.concurrency workers take the next index until all are done.
	stopProgress := progress(c.progress, func() string {
		st, _ := readProc(c.pid)
		return fmt.Sprintf("dial: %d/%d established, %d failed, %d lost, server RSS %d MiB",
			h.established.Load(), c.conns, h.failed.Load(), h.lost.Load(), st.rssBytes>>20)
	})
	var next atomic.Int64
	var wg sync.WaitGroup
	dialStart := time.Now()
	for range max(1, c.concurrency) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= c.conns {
					return
				}
				h.dial(ctx, i, u, opts[i%nIPs], c.dialTimeout)
			}
		}()
	}
	wg.Wait()
	dialTime := time.Since(dialStart)
	stopProgress()
	established := int(h.established.Load())
	if established == 0 {
		return nil, fmt.Errorf("no connection succeeded: %v", h.dialErrs.snapshot())
	}

	// Hold.
	lostBefore := h.lost.Load()
	pingsBefore := h.pingsTotal.Load()
	perClientBefore := make([]uint32, c.conns)
	for i := range h.pings {
		perClientBefore[i] = h.pings[i].Load()
	}
	startFDs := countFDs(c.pid)
	start, _ := readProc(c.pid)
	selfStart := selfCPU()
	holdStart := time.Now()
	peak := start.rssBytes
	serverGone := false
	fmt.Fprintf(os.Stderr, "hold: %d connections established in %s (%d failed); holding for %s\n",
		established, dialTime.Round(time.Millisecond), h.failed.Load(), c.duration)
	tick := time.NewTicker(max(time.Second, c.progress))
	deadline := time.NewTimer(c.duration)
hold:
	for {
		select {
		case <-deadline.C:
			break hold
		case <-tick.C:
			st, err := readProc(c.pid)
			if err != nil {
				serverGone = true
				fmt.Fprintf(os.Stderr, "hold: server pid %d is gone (%v); ending the hold\n", c.pid, err)
				break hold
			}
			peak = max(peak, st.rssBytes)
			el := time.Since(holdStart)
			fmt.Fprintf(os.Stderr, "hold: %s/%s, %d lost, %d pings answered, server RSS %d MiB, server CPU %.1f%%\n",
				el.Round(time.Second), c.duration, h.lost.Load()-lostBefore, h.pingsTotal.Load()-pingsBefore,
				st.rssBytes>>20, pct100(st.cpuMicros-start.cpuMicros, el))
		}
	}
	tick.Stop()
	holdTime := time.Since(holdStart)
	end, _ := readProc(c.pid)
	peak = max(peak, end.rssBytes)
	endFDs := countFDs(c.pid)
	selfEnd := selfCPU()
	pings := h.pingsTotal.Load() - pingsBefore
	lostDuring := h.lost.Load() - lostBefore
	minPings, maxPings := uint32(0), uint32(0)
	first := true
	for i := range h.pings {
		if h.clients[i] == nil {
			continue
		}
		n := h.pings[i].Load() - perClientBefore[i]
		if first || n < minPings {
			minPings = n
		}
		maxPings = max(maxPings, n)
		first = false
	}
	selfRSS := selfRSS()
	pongFailures := h.pongFailed.Load()

	// Close; from here on an ended read loop is ours, not a loss.
	h.closing.Store(true)
	closeStart := time.Now()
	h.closeAll(max(1, c.concurrency))
	closeTime := time.Since(closeStart)

	held := established - int(lostBefore) - int(lostDuring)
	interval := time.Duration(h.pingInterval.Load()) * time.Millisecond
	// A hold of k intervals spans k of every client's pings; allow one
	// to fall at the edge.
	perClient := uint32(0)
	if interval > 0 {
		perClient = uint32(holdTime / interval)
	}
	heartbeats := perClient < 2 || minPings >= perClient-1
	res := map[string]any{
		"ok":                      lostBefore+lostDuring == 0 && established == c.conns && !serverGone && pongFailures == 0 && heartbeats,
		"connections_attempted":   c.conns,
		"connections_established": established,
		"failed_dials":            h.failed.Load(),
		"lost_before_hold":        lostBefore,
		"lost_during_hold":        lostDuring,
		"held_at_end":             held,
		"pings_answered":          pings,
		"pong_write_failures":     pongFailures,
		"pings_per_client_min":    minPings,
		"pings_per_client_max":    maxPings,
		"ping_interval_ms":        interval.Milliseconds(),
		"hold_s":                  round(holdTime.Seconds()),
		"dial_s":                  round(dialTime.Seconds()),
		"close_s":                 round(closeTime.Seconds()),
		"connects_per_s":          round(float64(established) / dialTime.Seconds()),
		"concurrency":             c.concurrency,
		"source_ips":              srcs[0] + "-" + srcs[len(srcs)-1],
		"client_nofile_limit":     nofile,
		"client_rss_bytes":        selfRSS,
		"client_cpu_pct_dial":     round(pct100(selfStart-selfBase, dialTime)),
		"client_cpu_pct_hold":     round(pct100(selfEnd-selfStart, holdTime)),
	}
	if interval > 0 {
		res["pings_expected_approx"] = int64(float64(held) * holdTime.Seconds() / interval.Seconds())
		res["pings_per_client_expected"] = perClient
	}
	if c.pid != 0 {
		res["server_rss_bytes_before_dial"] = baseline.rssBytes
		res["server_rss_bytes_hold_start"] = start.rssBytes
		res["server_rss_bytes_hold_end"] = end.rssBytes
		res["server_rss_bytes_peak"] = peak
		if held > 0 {
			res["server_rss_bytes_per_conn"] = (end.rssBytes - baseline.rssBytes) / int64(held)
		}
		res["server_cpu_pct_dial"] = round(pct100(start.cpuMicros-baseline.cpuMicros, dialTime))
		res["server_cpu_pct_hold"] = round(pct100(end.cpuMicros-start.cpuMicros, holdTime))
		res["server_fds_hold_start"] = startFDs
		res["server_fds_hold_end"] = endFDs
		res["server_gone"] = serverGone
	}
	if e := h.dialErrs.snapshot(); len(e) > 0 {
		res["dial_errors"] = e
	}
	if e := h.lostErrs.snapshot(); len(e) > 0 {
		res["lost_reasons"] = e
	}
	return res, nil
}

// holder owns the held connections. Per client it keeps only the
// *websocket.Conn (and the read loop's goroutine) plus a ping counter.
type holder struct {
	clients      []*websocket.Conn
	pings        []atomic.Uint32
	established  atomic.Int64
	failed       atomic.Int64
	lost         atomic.Int64
	pingsTotal   atomic.Int64
	pongFailed   atomic.Int64
	pingInterval atomic.Int64 // ms, from the first open packet
	closing      atomic.Bool
	loops        sync.WaitGroup
	dialErrs     tally
	lostErrs     tally
}

// dial opens client i: WebSocket handshake, Engine.IO open packet, Socket.IO
// CONNECT to "/" and its acknowledgement; then starts the read loop.
func (h *holder) dial(ctx context.Context, i int, u string, opts *websocket.DialOptions, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ws, err := h.handshake(ctx, u, opts)
	if err != nil {
		h.failed.Add(1)
		h.dialErrs.add(reason(err))
		return
	}
	h.clients[i] = ws
	h.established.Add(1)
	h.loops.Add(1)
	go h.readLoop(i, ws)
}

func (h *holder) handshake(ctx context.Context, u string, opts *websocket.DialOptions) (*websocket.Conn, error) {
	ws, _, err := websocket.Dial(ctx, u, opts)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*websocket.Conn, error) {
		ws.CloseNow()
		return nil, err
	}
	_, msg, err := ws.Read(ctx)
	if err != nil {
		return fail(err)
	}
	if len(msg) == 0 || msg[0] != '0' {
		return fail(fmt.Errorf("no open packet: %.40q", msg))
	}
	if h.pingInterval.Load() == 0 {
		var open struct{ PingInterval int64 }
		if json.Unmarshal(msg[1:], &open) == nil {
			h.pingInterval.Store(open.PingInterval)
		}
	}
	if err := ws.Write(ctx, websocket.MessageText, []byte("40")); err != nil {
		return fail(err)
	}
	for {
		_, msg, err := ws.Read(ctx)
		if err != nil {
			return fail(err)
		}
		switch {
		case bytes.HasPrefix(msg, []byte("40")):
			return ws, nil
		case bytes.HasPrefix(msg, []byte("44")):
			return fail(fmt.Errorf("connect refused: %.80s", msg))
		case len(msg) == 1 && msg[0] == '2':
			if err := ws.Write(ctx, websocket.MessageText, []byte("3")); err != nil {
				return fail(err)
			}
		}
	}
}

// readLoop answers pings until the connection ends. Ending before closing
// is set is a lost connection; so is the server's Socket.IO DISCONNECT
// ("41") or Engine.IO CLOSE ("1").
func (h *holder) readLoop(i int, ws *websocket.Conn) {
	defer h.loops.Done()
	ctx := context.Background()
	for {
		_, msg, err := ws.Read(ctx)
		if err != nil {
			if !h.closing.Load() {
				h.lost.Add(1)
				h.lostErrs.add(reason(err))
			}
			return
		}
		switch {
		case len(msg) == 1 && msg[0] == '2':
			h.pings[i].Add(1)
			h.pingsTotal.Add(1)
			if err := ws.Write(ctx, websocket.MessageText, []byte("3")); err != nil && !h.closing.Load() {
				h.pongFailed.Add(1)
			}
		case len(msg) == 1 && msg[0] == '1', bytes.HasPrefix(msg, []byte("41")):
			if !h.closing.Load() {
				h.lost.Add(1)
				h.lostErrs.add(fmt.Sprintf("server sent %q", msg))
			}
			ws.CloseNow()
			return
		}
	}
}

func (h *holder) closeAll(workers int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(h.clients) {
					return
				}
				if ws := h.clients[i]; ws != nil {
					ws.CloseNow()
				}
			}
		}()
	}
	wg.Wait()
	h.loops.Wait()
}

// ipBindAddressNoPort is Linux's IP_BIND_ADDRESS_NO_PORT (linux/in.h),
// missing from package syscall on amd64.
const ipBindAddressNoPort = 0x18

// sourceClient dials from the loopback address src. The connections are
// hijacked by the WebSocket upgrade, so the Transport pools nothing.
//
// IP_BIND_ADDRESS_NO_PORT defers the choice of the ephemeral port from
// bind to connect, where the kernel knows the whole 4-tuple: it may then
// reuse a port in TIME_WAIT (net.ipv4.tcp_tw_reuse, on for loopback by
// default). Without it, bind(src, 0) must find a port free on src, and the
// previous run's connections, in TIME_WAIT for 60s after the close, fail
// dials with EADDRINUSE.
func sourceClient(src netip.Addr) *http.Client {
	d := &net.Dialer{
		LocalAddr: &net.TCPAddr{IP: src.AsSlice()},
		Timeout:   30 * time.Second,
		Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			if err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
			}); err != nil {
				return err
			}
			return serr
		},
	}
	return &http.Client{Transport: &http.Transport{
		Proxy:              nil, // not the environment's: this is loopback
		DialContext:        d.DialContext,
		DisableCompression: true,
	}}
}

// raiseNofile sets RLIMIT_NOFILE's soft and hard limits to at least want
// (never lowering them) and returns the soft limit.
func raiseNofile(want uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("getrlimit(RLIMIT_NOFILE): %w", err)
	}
	if lim.Cur >= want {
		return lim.Cur, nil
	}
	nl := syscall.Rlimit{Cur: want, Max: max(want, lim.Max)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &nl); err != nil {
		why := "raising the hard limit needs CAP_SYS_RESOURCE (root)"
		if lim.Max < want && !hasCapSysResource() {
			why = "this process lacks CAP_SYS_RESOURCE (not root, or root in a container that dropped it), " +
				"so its hard limit is final"
		}
		nrOpen, _ := os.ReadFile("/proc/sys/fs/nr_open")
		return 0, fmt.Errorf("cannot raise RLIMIT_NOFILE to %d for %d connections (soft %d, hard %d): %w; %s; "+
			"the ceiling is fs.nr_open=%s",
			want, want-nofileSlack, lim.Cur, lim.Max, err, why, strings.TrimSpace(string(nrOpen)))
	}
	return want, nil
}

// nofileSlack is the descriptors beyond one per connection.
const nofileSlack = 1024

// hasCapSysResource reports whether CAP_SYS_RESOURCE (bit 24) is in this
// process's effective capabilities.
func hasCapSysResource() bool {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && caps&(1<<24) != 0
		}
	}
	return false
}

// tally counts errors by a short reason.
type tally struct {
	mu sync.Mutex
	m  map[string]int64
}

func (t *tally) add(r string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]int64{}
	}
	if len(t.m) >= 20 {
		if _, ok := t.m[r]; !ok {
			r = "other"
		}
	}
	t.m[r]++
}

func (t *tally) snapshot() map[string]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int64, len(t.m))
	for k, v := range t.m {
		out[k] = v
	}
	return out
}

// reason shortens an error to something that is the same for every client
// (no addresses or ports): the close status, the errno, or the last part.
func reason(err error) string {
	if s := websocket.CloseStatus(err); s != -1 {
		return "close status " + s.String()
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// progress prints line() to stderr every d until the returned stop is
// called; d <= 0 prints nothing.
func progress(d time.Duration, line func() string) (stop func()) {
	if d <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintln(os.Stderr, line())
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// pct100 is CPU time over wall time in percent of one core.
func pct100(cpuMicros int64, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return float64(cpuMicros) / float64(wall.Microseconds()) * 100
}

func selfCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano()/1000 + ru.Stime.Nano()/1000
}

func selfRSS() int64 {
	st, _ := readProc(os.Getpid())
	return st.rssBytes
}

// countFDs counts the server's open file descriptors (0 without -pid).
func countFDs(pid int) int {
	if pid == 0 {
		return 0
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	for {
		names, err := f.Readdirnames(4096)
		n += len(names)
		if err != nil {
			return n
		}
	}
}
