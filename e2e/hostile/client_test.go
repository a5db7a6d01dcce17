package hostile

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// This file is a small, strict Socket.IO v5 client over raw WebSocket
// frames and raw long-polling requests, written for these tests: it does
// exactly what it is told (so it can also misbehave), answers pings unless
// told not to, records what it receives and checks every text it gets is
// valid UTF-8.

const (
	transportWS      = "websocket"
	transportPolling = "polling"
	sep              = "\x1e" // record separator of polling payloads
)

// httpClient is shared by the polling clients; long GETs are held by the
// server for up to a ping interval.
var httpClient = &http.Client{
	Timeout: 30 * time.Second,
	Transport: &http.Transport{
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     30 * time.Second,
	},
}

// closeIdle drops the pooled idle connections of the shared HTTP client, so
// the server's goroutine count no longer includes them.
func closeIdle() { httpClient.Transport.(*http.Transport).CloseIdleConnections() }

// ack is the answer to an emit: the JSON array after the ack id, and the
// binary attachments of a BINARY_ACK.
type ack struct {
	data string
	bins [][]byte
}

type pendingBinary struct {
	kind byte // '3' ack, '2' event
	id   uint64
	data string
	want int
	bins [][]byte
}

// client is one Engine.IO session speaking Socket.IO.
type client struct {
	transport string
	base      string // http://host:port
	eioSID    string
	open      string // the open packet's JSON
	sid       string // the Socket.IO id on "/", once connected

	ws     *websocket.Conn
	postMu sync.Mutex // polling: one POST at a time

	noPong atomic.Bool // stop answering pings
	// countBroadcasts only counts "broadcast" events instead of keeping them.
	countBroadcasts atomic.Bool
	broadcasts      atomic.Int64
	closing         atomic.Bool // we are closing it ourselves
	badUTF8         atomic.Int64
	pings           atomic.Int64
	received        atomic.Int64

	mu      sync.Mutex
	nextID  uint64
	acks    map[uint64]chan ack
	pending *pendingBinary
	recv    []string // the first packets received, shortened
	events  []string // "broadcast" events received (payload after the event name)
	badUTF  string   // a sample of invalid UTF-8 received

	closed    chan struct{}
	closeOnce sync.Once
	closeInfo string
	closedAt  time.Time
}

func newClient(transport, base string) *client {
	return &client{transport: transport, base: base, acks: map[uint64]chan ack{}, closed: make(chan struct{})}
}

func wsURL(base, query string) string {
	return "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?" + query
}

// dial opens an Engine.IO session (no Socket.IO CONNECT yet).
func dial(ctx context.Context, transport, base string) (*client, error) {
	return dialWith(ctx, transport, base, nil)
}

// dialWith is dial with WebSocket dial options (a custom HTTP client).
func dialWith(ctx context.Context, transport, base string, wopts *websocket.DialOptions) (*client, error) {
	c := newClient(transport, base)
	if transport == transportWS {
		ws, resp, err := websocket.Dial(ctx, wsURL(base, "EIO=4&transport=websocket"), wopts)
		if err != nil {
			return nil, fmt.Errorf("websocket dial: %w%s", err, respStatus(resp))
		}
		ws.SetReadLimit(64 << 20)
		typ, data, err := ws.Read(ctx)
		if err != nil {
			ws.CloseNow()
			return nil, fmt.Errorf("reading the open packet: %w", err)
		}
		if typ != websocket.MessageText || len(data) == 0 || data[0] != '0' {
			ws.CloseNow()
			return nil, fmt.Errorf("first frame is not an open packet: %q", data)
		}
		c.ws = ws
		if err := c.parseOpen(string(data[1:])); err != nil {
			ws.CloseNow()
			return nil, err
		}
		go c.readLoop()
		return c, nil
	}
	status, body, err := httpDo(ctx, "GET", base+"/socket.io/?EIO=4&transport=polling", "", nil)
	if err != nil {
		return nil, err
	}
	if status != 200 || !strings.HasPrefix(body, "0") {
		return nil, fmt.Errorf("polling handshake: %d %q", status, body)
	}
	first, rest, _ := strings.Cut(body, sep)
	if err := c.parseOpen(first[1:]); err != nil {
		return nil, err
	}
	if rest != "" {
		c.handlePayload(rest)
	}
	go c.pollLoop()
	return c, nil
}

func respStatus(resp *http.Response) string {
	if resp == nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	return fmt.Sprintf(" (HTTP %d %s)", resp.StatusCode, bytes.TrimSpace(b))
}

func (c *client) parseOpen(js string) error {
	var o struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal([]byte(js), &o); err != nil || o.SID == "" {
		return fmt.Errorf("bad open packet %q: %v", js, err)
	}
	c.open, c.eioSID = js, o.SID
	return nil
}

func (c *client) pollURL() string {
	return c.base + "/socket.io/?EIO=4&transport=polling&sid=" + c.eioSID
}

// markClosed records the end of the session once.
func (c *client) markClosed(info string) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.closeInfo = info
		c.closedAt = time.Now()
		close(c.closed) // under mu: emitAck registers no ack after this
		for id, ch := range c.acks {
			close(ch)
			delete(c.acks, id)
		}
	})
}

// isClosed reports whether the session ended.
func (c *client) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// info is how the session ended ("" while open).
func (c *client) info() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeInfo
}

// waitClosed waits up to d for the server to end the session.
func (c *client) waitClosed(d time.Duration) bool {
	select {
	case <-c.closed:
		return true
	case <-time.After(d):
		return false
	}
}

func (c *client) readLoop() {
	for {
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.markClosed(describeWSErr(err))
			return
		}
		c.handleEngine(data, typ == websocket.MessageBinary)
	}
}

// describeWSErr names how a WebSocket ended: a close frame's code and
// reason, or a connection that ended without one.
func describeWSErr(err error) string {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		if ce.Reason != "" {
			return fmt.Sprintf("close %d %q", int(ce.Code), ce.Reason)
		}
		return fmt.Sprintf("close %d", int(ce.Code))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "EOF") {
		return "TCP closed without a close frame"
	}
	return "error: " + err.Error()
}

func (c *client) pollLoop() {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		status, body, err := httpDo(ctx, "GET", c.pollURL(), "", nil)
		cancel()
		switch {
		case err != nil:
			c.markClosed("GET error: " + err.Error())
			return
		case status != 200:
			c.markClosed(fmt.Sprintf("GET answered %d %s", status, shorten(body, 80)))
			return
		}
		if c.handlePayload(body) {
			return
		}
		if c.closing.Load() {
			c.markClosed("closed by the client")
			return
		}
	}
}

// handlePayload handles a polling payload and reports whether it held a
// close packet.
func (c *client) handlePayload(body string) bool {
	if !utf8.ValidString(body) {
		c.noteBadUTF8(body)
	}
	for item := range strings.SplitSeq(body, sep) {
		if strings.HasPrefix(item, "b") {
			data, err := base64.StdEncoding.DecodeString(item[1:])
			if err != nil {
				c.record("bad base64 from server: " + shorten(item, 40))
				continue
			}
			c.handleEngine(data, true)
			continue
		}
		if item == "1" {
			c.record("1")
			c.markClosed(`polling payload with close packet "1"`)
			return true
		}
		c.handleEngine([]byte(item), false)
	}
	return false
}

func (c *client) noteBadUTF8(s string) {
	c.badUTF8.Add(1)
	c.mu.Lock()
	if c.badUTF == "" {
		c.badUTF = strconv.QuoteToASCII(shorten(s, 80))
	}
	c.mu.Unlock()
}

func (c *client) record(p string) {
	c.mu.Lock()
	if len(c.recv) < 64 {
		c.recv = append(c.recv, shorten(p, 120))
	}
	c.mu.Unlock()
}

// received packets so far, shortened, for the report.
func (c *client) packets() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.recv...)
}

func (c *client) handleEngine(data []byte, binary bool) {
	c.received.Add(1)
	if binary {
		c.mu.Lock()
		p := c.pending
		if p != nil {
			p.bins = append(p.bins, data)
			if len(p.bins) == p.want {
				c.pending = nil
				c.mu.Unlock()
				c.deliver(p)
				return
			}
		}
		c.mu.Unlock()
		if p == nil {
			c.record(fmt.Sprintf("<unexpected binary %d bytes>", len(data)))
		}
		return
	}
	// (Clients that only count broadcasts skip the check: under the race
	// detector it would make them too slow a consumer of a heavy load.)
	if !c.countBroadcasts.Load() && !utf8.Valid(data) {
		c.noteBadUTF8(string(data))
	}
	if len(data) == 0 {
		c.record("<empty text frame>")
		return
	}
	switch data[0] {
	case '2':
		c.pings.Add(1)
		if !c.noPong.Load() {
			go func() { _ = c.sendEngine(context.Background(), "3") }()
		}
	case '4':
		c.handleSIO(string(data[1:]))
	case '1':
		c.record("1")
		if c.transport == transportPolling {
			c.markClosed(`polling payload with close packet "1"`)
		}
	case '6':
		// noop
	default:
		c.record(string(data))
	}
}

// parseSIO splits a Socket.IO packet: type, attachments, namespace, ack id
// (-1 when none) and data.
func parseSIO(p string) (typ byte, n int, nsp string, id int64, data string) {
	id = -1
	if p == "" {
		return 0, 0, "", -1, ""
	}
	typ, p = p[0], p[1:]
	if typ == '5' || typ == '6' {
		i := strings.IndexByte(p, '-')
		if i > 0 {
			n, _ = strconv.Atoi(p[:i])
			p = p[i+1:]
		}
	}
	nsp = "/"
	if strings.HasPrefix(p, "/") {
		i := strings.IndexByte(p, ',')
		if i < 0 {
			return typ, n, p, -1, ""
		}
		nsp, p = p[:i], p[i+1:]
	}
	j := 0
	for j < len(p) && p[j] >= '0' && p[j] <= '9' {
		j++
	}
	if j > 0 {
		id, _ = strconv.ParseInt(p[:j], 10, 64)
		p = p[j:]
	}
	return typ, n, nsp, id, p
}

func (c *client) handleSIO(p string) {
	typ, n, nsp, id, data := parseSIO(p)
	switch typ {
	case '3':
		c.deliver(&pendingBinary{kind: '3', id: uint64(id), data: data})
		return
	case '6', '5':
		c.record("4" + p)
		c.mu.Lock()
		c.pending = &pendingBinary{kind: map[byte]byte{'6': '3', '5': '2'}[typ], id: uint64(id), data: data, want: n}
		c.mu.Unlock()
		return
	case '2':
		if rest, ok := strings.CutPrefix(data, `["broadcast"`); ok && nsp == "/" {
			c.broadcasts.Add(1)
			if c.countBroadcasts.Load() {
				return
			}
			c.mu.Lock()
			if len(c.events) < 4096 {
				c.events = append(c.events, rest)
			}
			c.mu.Unlock()
			return
		}
		if strings.HasPrefix(data, `["auth"`) {
			return
		}
	case '0':
		if nsp == "/" && c.sid == "" {
			var o struct {
				SID string `json:"sid"`
			}
			if json.Unmarshal([]byte(data), &o) == nil {
				c.mu.Lock()
				c.sid = o.SID
				c.mu.Unlock()
			}
		}
	}
	c.record("4" + p)
}

func (c *client) deliver(p *pendingBinary) {
	if p.kind != '3' {
		return
	}
	c.mu.Lock()
	ch := c.acks[p.id]
	delete(c.acks, p.id)
	c.mu.Unlock()
	if ch != nil {
		ch <- ack{data: p.data, bins: p.bins}
		return
	}
	c.record(fmt.Sprintf("43%d%s", p.id, p.data)) // nobody waits for it: keep it for the report
}

// sendEngine sends Engine.IO packets (each "<type><data>" text) in one POST
// or as one frame each.
func (c *client) sendEngine(ctx context.Context, pkts ...string) error {
	if c.transport == transportWS {
		for _, p := range pkts {
			if err := c.ws.Write(ctx, websocket.MessageText, []byte(p)); err != nil {
				return err
			}
		}
		return nil
	}
	return c.post(ctx, strings.Join(pkts, sep))
}

// sendBinary sends binary Engine.IO messages: frames, or b64 items.
func (c *client) sendMixed(ctx context.Context, text string, bins [][]byte) error {
	if c.transport == transportWS {
		if err := c.ws.Write(ctx, websocket.MessageText, []byte(text)); err != nil {
			return err
		}
		for _, b := range bins {
			if err := c.ws.Write(ctx, websocket.MessageBinary, b); err != nil {
				return err
			}
		}
		return nil
	}
	items := []string{text}
	for _, b := range bins {
		items = append(items, "b"+base64.StdEncoding.EncodeToString(b))
	}
	return c.post(ctx, strings.Join(items, sep))
}

// post sends one polling body; anything but 200 "ok" is an error.
func (c *client) post(ctx context.Context, body string) error {
	c.postMu.Lock()
	defer c.postMu.Unlock()
	status, resp, err := httpDo(ctx, "POST", c.pollURL(), body, map[string]string{"Content-Type": "text/plain;charset=UTF-8"})
	if err != nil {
		return err
	}
	if status != 200 || resp != "ok" {
		return fmt.Errorf("POST answered %d %s", status, shorten(resp, 80))
	}
	return nil
}

// connect joins namespace "/" and waits for the server's CONNECT.
func (c *client) connect(ctx context.Context) error {
	if err := c.sendEngine(ctx, "40"); err != nil {
		return err
	}
	for {
		c.mu.Lock()
		sid := c.sid
		c.mu.Unlock()
		if sid != "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no CONNECT reply (got %q): %w", c.packets(), ctx.Err())
		case <-c.closed:
			return fmt.Errorf("closed before the CONNECT reply: %s (sid %s)", c.info(), c.eioSID)
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// emitAck sends an event with an ack id and waits for the ack. payload is
// the packet's JSON array, event name included; bins are attachments
// (payload then holds their placeholders).
func (c *client) emitAck(ctx context.Context, payload string, bins ...[]byte) (ack, error) {
	ch := make(chan ack, 1)
	c.mu.Lock()
	if c.isClosed() {
		c.mu.Unlock()
		return ack{}, fmt.Errorf("session closed: %s", c.closeInfo)
	}
	id := c.nextID
	c.nextID++
	c.acks[id] = ch
	c.mu.Unlock()
	var err error
	if len(bins) > 0 {
		err = c.sendMixed(ctx, fmt.Sprintf("45%d-%d%s", len(bins), id, payload), bins)
	} else {
		err = c.sendEngine(ctx, fmt.Sprintf("42%d%s", id, payload))
	}
	if err != nil {
		c.dropAck(id)
		return ack{}, err
	}
	select {
	case a, ok := <-ch:
		if !ok {
			return ack{}, fmt.Errorf("session closed before the ack: %s", c.info())
		}
		return a, nil
	case <-ctx.Done():
		c.dropAck(id)
		return ack{}, fmt.Errorf("no ack for id %d: %w", id, ctx.Err())
	}
}

func (c *client) dropAck(id uint64) {
	c.mu.Lock()
	delete(c.acks, id)
	c.mu.Unlock()
}

// echo emits ["echo", arg] with an ack and checks the ack is [arg].
func (c *client) echo(ctx context.Context, arg string) error {
	a, err := c.emitAck(ctx, `["echo",`+arg+`]`)
	if err != nil {
		return err
	}
	if a.data != "["+arg+"]" {
		return fmt.Errorf("echo ack %q, want %q", shorten(a.data, 200), shorten("["+arg+"]", 200))
	}
	return nil
}

// broadcasts returns the "broadcast" events received so far and forgets them.
func (c *client) takeBroadcasts() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ev := c.events
	c.events = nil
	return ev
}

// waitPacket waits up to d for a received packet with the given prefix.
func (c *client) waitPacket(prefix string, d time.Duration) (string, bool) {
	deadline := time.Now().Add(d)
	for {
		for _, p := range c.packets() {
			if strings.HasPrefix(p, prefix) {
				return p, true
			}
		}
		if time.Now().After(deadline) {
			return "", false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// close ends the session politely: a close frame, or a "1" packet.
func (c *client) close() {
	c.closing.Store(true)
	if c.transport == transportWS {
		_ = c.ws.Close(websocket.StatusNormalClosure, "")
		c.markClosed("closed by the client")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.post(ctx, "1")
	c.waitClosed(5 * time.Second)
}

// kill drops the connection without a goodbye.
func (c *client) kill() {
	c.closing.Store(true)
	c.noPong.Store(true)
	if c.ws != nil {
		_ = c.ws.CloseNow()
	}
	c.markClosed("killed by the client")
}

// httpDo sends one request and returns the status and body.
func httpDo(ctx context.Context, method, url, body string, header map[string]string) (int, string, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, "", err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp.StatusCode, string(b), err
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// shorten cuts s to n bytes for a report.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…(%d bytes)", len(s))
}
