package hostile

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The flags of the server the hostile suite attacks.
const (
	maxPayload     = 100000
	pingInterval   = 300 * time.Millisecond
	pingTimeout    = 300 * time.Millisecond
	connectTimeout = time.Second
)

var hostileFlags = []string{
	"-ping-interval", pingInterval.String(), "-ping-timeout", pingTimeout.String(),
	"-connect-timeout", connectTimeout.String(), "-max-payload", strconv.Itoa(maxPayload),
	"-log-level", "debug", // each session's end and its cause, for the reports
}

// healthyWithin bounds how long a well-behaved client may take to get its
// echo ack after each case.
const healthyWithin = 2 * time.Second

// caseResult is one row of the report.
type caseResult struct {
	name, transport, sent string
	answer                string
	later                 string // what a background check saw afterwards
	verdict               string
	health                string
}

// env is what the cases share: the server and the clients kept open
// across all of them.
type env struct {
	t        *testing.T
	srv      *server
	keptWS   *client
	keptPoll *client
	fresh    atomic.Int64

	mu    sync.Mutex
	rows  []*caseResult
	later sync.WaitGroup
}

// sidInErrRE finds a session named in a case's error, "(sid X)".
var sidInErrRE = regexp.MustCompile(`\(sid ([A-Za-z0-9_-]+)\)`)

// hcase is one hostile case.
type hcase struct {
	name      string
	transport string // websocket, polling, http or tcp
	sent      string // what is sent, for the report
	run       func(ctx context.Context, e *env, row *caseResult) (answer string, err error)
}

// TestHostileClients attacks the server with each case of hostileCases, in
// order, and after each checks that a fresh client and the clients kept
// open since the start still get their echo acks within 2 s.
func TestHostileClients(t *testing.T) {
	srv := startServer(t, append([]string{"-pprof"}, hostileFlags...)...)
	e := &env{t: t, srv: srv}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	var err error
	if e.keptWS, err = e.wellBehaved(ctx, transportWS); err != nil {
		t.Fatalf("the kept WebSocket client: %v", err)
	}
	if e.keptPoll, err = e.wellBehaved(ctx, transportPolling); err != nil {
		t.Fatalf("the kept polling client: %v", err)
	}
	cancel()
	defer func() { e.keptWS.kill() }()
	defer func() { e.keptPoll.close() }()
	// One fresh client first, so the baseline has what any session leaves.
	e.checkHealth(t)
	g0, _, _, _ := settle(t, srv, 0)
	fd0 := srv.fds()

	for i, hc := range hostileCases() {
		row := &caseResult{name: hc.name, transport: hc.transport, sent: hc.sent}
		e.mu.Lock()
		e.rows = append(e.rows, row)
		e.mu.Unlock()
		t.Run(fmt.Sprintf("%02d_%s_%s", i+1, hc.transport, hc.name), func(t *testing.T) {
			badBefore := e.keptWS.badUTF8.Load() + e.keptPoll.badUTF8.Load()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			answer, err := hc.run(ctx, e, row)
			row.answer = answer
			row.verdict = "ok"
			if err != nil {
				row.verdict = "FAIL: " + err.Error()
				t.Errorf("%s over %s: %v\nserver answered: %s", hc.name, hc.transport, err, answer)
				if m := sidInErrRE.FindStringSubmatch(err.Error()); m != nil {
					t.Errorf("the server's account of sid %s: %s", m[1], e.srv.sessionEnd(m[1]))
				}
			}
			row.health = e.checkHealth(t)
			if bad := e.keptWS.badUTF8.Load() + e.keptPoll.badUTF8.Load(); bad > badBefore {
				t.Errorf("%s made the server send invalid UTF-8 to a bystander (a kept client): %s %s",
					hc.name, e.keptWS.badUTF, e.keptPoll.badUTF)
				row.health += "; bystander got invalid UTF-8"
			}
		})
	}

	// Background checks (slow clients, abandoned upgrades) end here.
	done := make(chan struct{})
	go func() { e.later.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Errorf("background checks still running after 60s")
	}
	t.Run("after_all_cases", func(t *testing.T) {
		if !srv.alive() {
			t.Fatalf("the server process died:\n%s", srv.tail(60))
		}
		health := e.checkHealth(t)
		// Every hostile session is over: the server's goroutines and file
		// descriptors must be back to what they were with only the kept
		// clients connected.
		g1, heap1, _, rss1 := settle(t, srv, g0)
		fd1 := srv.fds()
		t.Logf("server alive after all cases (pid %d, %d threads); goroutines %d before → %d after; fds %d → %d; live heap %s, RSS %s; %s",
			srv.pid(), srv.threads(), g0, g1, fd0, fd1, mib(heap1), mib(rss1), health)
		if g1 > g0+goroutineSlack {
			t.Errorf("server goroutines did not return to baseline after the cases: %d before, %d after\n%s", g0, g1, srv.goroutineDump())
		}
		if fd1 > fd0+goroutineSlack {
			t.Errorf("server file descriptors did not return to baseline: %d before, %d after", fd0, fd1)
		}
	})
	e.report(t)
}

// wellBehaved connects a client to "/" that answers pings.
func (e *env) wellBehaved(ctx context.Context, transport string) (*client, error) {
	c, err := dial(ctx, transport, e.srv.base)
	if err != nil {
		return nil, err
	}
	if err := c.connect(ctx); err != nil {
		c.kill()
		return nil, err
	}
	return c, nil
}

// checkHealth asserts that a fresh WebSocket client gets an echo ack, and
// that the kept clients still do, each within healthyWithin.
func (e *env) checkHealth(t *testing.T) string {
	t.Helper()
	var parts []string
	n := e.fresh.Add(1)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), healthyWithin)
	err := func() error {
		c, err := e.wellBehaved(ctx, transportWS)
		if err != nil {
			return err
		}
		defer c.close()
		return c.echo(ctx, fmt.Sprintf(`{"fresh":%d}`, n))
	}()
	cancel()
	if err != nil {
		t.Errorf("a fresh client got no echo ack within %v: %v", healthyWithin, err)
		parts = append(parts, "fresh FAILED")
	} else {
		parts = append(parts, fmt.Sprintf("fresh %dms", time.Since(start).Milliseconds()))
	}
	for _, kept := range []*client{e.keptWS, e.keptPoll} {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), healthyWithin)
		err := kept.echo(ctx, fmt.Sprintf(`"kept-%d"`, n))
		cancel()
		if err != nil {
			t.Errorf("the kept %s client got no echo ack within %v: %v\nserver: %s\nits session's end: %s\nits engineio goroutines:\n%s",
				kept.transport, healthyWithin, err, e.srv.closeReasons(), e.srv.sessionEnd(kept.eioSID), e.srv.engineStacks())
			parts = append(parts, "kept "+kept.transport+" FAILED")
			if kept.isClosed() {
				// Replace it so that later cases are still checked.
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				if c, err := e.wellBehaved(ctx, kept.transport); err == nil {
					if kept == e.keptWS {
						e.keptWS = c
					} else {
						e.keptPoll = c
					}
				}
				cancel()
			}
			continue
		}
		parts = append(parts, fmt.Sprintf("kept %s %dms", kept.transport[:2], time.Since(start).Milliseconds()))
	}
	return strings.Join(parts, ", ")
}

// background runs check after the case, while the next cases run; what it
// reports is added to the row and an error fails the test.
func (e *env) background(row *caseResult, check func() (string, error)) {
	e.later.Add(1)
	go func() {
		defer e.later.Done()
		answer, err := check()
		e.mu.Lock()
		defer e.mu.Unlock()
		row.later = answer
		if err != nil {
			row.verdict = "FAIL (later): " + err.Error()
			e.t.Errorf("%s (%s), checked later: %v", row.name, row.transport, err)
		}
	}()
}

// report prints the table of cases and writes it under os.TempDir().
func (e *env) report(t *testing.T) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	b.WriteString("| # | case | transport | sent | server answered | verdict | well-behaved clients after |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for i, r := range e.rows {
		answer := r.answer
		if r.later != "" {
			answer += "; later: " + r.later
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s |\n", i+1, md(r.name), r.transport, md(r.sent), md(answer), md(r.verdict), md(r.health))
	}
	path := filepath.Join(os.TempDir(), "sio-hostile-cases.md")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Errorf("writing %s: %v", path, err)
	}
	t.Logf("hostile cases (also in %s):\n%s", path, b.String())
}

// md makes s safe inside a Markdown table cell.
func md(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return s
}

// q quotes a packet for the report, with invalid UTF-8 and control
// characters escaped, shortened.
func q(s string) string {
	if len(s) <= 64 {
		return strconv.QuoteToASCII(s)
	}
	return strconv.QuoteToASCII(s[:64]) + fmt.Sprintf("…(%d bytes)", len(s))
}

var sidRE = regexp.MustCompile(`"sid":"[^"]*"`)

// summary describes what a session received and how it ended.
func summary(c *client, dropConnect bool) string {
	var got []string
	for _, p := range c.packets() {
		if dropConnect && strings.HasPrefix(p, `40{"sid"`) {
			continue
		}
		got = append(got, q(sidRE.ReplaceAllString(p, `"sid":"…"`)))
	}
	s := "no packet"
	if len(got) > 0 {
		s = strings.Join(got, " ")
	}
	if c.isClosed() {
		return s + "; then " + c.info()
	}
	return s + "; session open"
}

// ---------------------------------------------------------------------------
// The cases

func hostileCases() []hcase {
	var cs []hcase
	add := func(c ...hcase) { cs = append(cs, c...) }

	// Slow clients and abandoned upgrades first: their checks run in the
	// background while the other cases go on.
	add(slowHeaderCase(), slowBodyCase(), abandonedUpgradeCase(true), abandonedUpgradeCase(false))

	// Invalid sessions, transports and handshakes.
	add(
		httpCase("missing EIO", "GET", "transport=polling", "", nil, 400, `{"code":5,"message":"Unsupported protocol version"}`),
		httpCase("EIO=3", "GET", "EIO=3&transport=polling", "", nil, 400, `{"code":5,"message":"Unsupported protocol version"}`),
		httpCase("EIO=abc", "GET", "EIO=abc&transport=polling", "", nil, 400, `{"code":5,"message":"Unsupported protocol version"}`),
		httpCase("missing transport", "GET", "EIO=4", "", nil, 400, `{"code":0,"message":"Transport unknown"}`),
		httpCase("unknown transport", "GET", "EIO=4&transport=flashsocket", "", nil, 400, `{"code":0,"message":"Transport unknown"}`),
		httpCase("handshake by POST", "POST", "EIO=4&transport=polling", "40", nil, 400, `{"code":2,"message":"Bad handshake method"}`),
		httpCase("unknown sid GET", "GET", "EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA", "", nil, 400, `{"code":1,"message":"Session ID unknown"}`),
		httpCase("unknown sid POST", "POST", "EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA", "40", nil, 400, `{"code":1,"message":"Session ID unknown"}`),
		httpCase("websocket without Upgrade", "GET", "EIO=4&transport=websocket", "", nil, 400, `{"code":3,"message":"Bad request"}`),
		unknownSIDUpgradeCase(),
		wrongTransportCase(),
		websocketSIDOnPollingCase(),
		upgradeWebSocketSessionCase(),
		pollSessionCase("PUT on a session", "PUT", "4hello", nil, 400, `{"code":3,"message":"Bad request"}`, false),
	)

	// Malformed Engine.IO packets.
	add(
		pollSessionCase("bad packet type", "POST", "9hello", nil, 400, `"code":3`, true),
		pollSessionCase("empty body", "POST", "", nil, 400, `"code":3`, true),
		pollSessionCase("empty packet in payload", "POST", "4a"+sep+sep+"4b", nil, 400, `"code":3`, true),
		pollSessionCase("garbage base64", "POST", "b!!!not base64!!!", nil, 400, `"code":3`, true),
		pollSessionCase("binary content-type", "POST", "4hello", map[string]string{"Content-Type": "application/octet-stream"}, 400, `"code":3`, true),
		// As the reference server: 413, and the session stays up.
		pollSessionCase("oversized body", "POST", "4"+strings.Repeat("x", maxPayload), nil, 413, "", false),
		pollSessionCase("ping from the client", "POST", "2", nil, 200, "ok", true),
		// engineio.Options.MaxPayloadPackets (default 10,000) bounds the
		// work of one request: more packets end that session.
		pollSessionCase("10,000 noops in one body (the limit)", "POST", strings.Repeat("6"+sep, 9999)+"6", nil, 200, "ok", false),
		pollSessionCase("50,000 noops in one body", "POST", strings.Repeat("6"+sep, 49999)+"6", nil, 400, `{"code":3,"message":"Bad request"}`, true),
		concurrentGETCase(),
		concurrentPOSTCase(),
		concurrentStormCase(),
		wsEngineCase("bad packet type", "9hello", websocket.MessageText),
		wsEngineCase("empty text frame", "", websocket.MessageText),
		wsEngineCase("ping from the client", "2", websocket.MessageText),
		wsEngineCase("binary frame before CONNECT", "\x00\x01\x02", websocket.MessageBinary),
		wsOversizeCase(websocket.MessageText),
		wsOversizeCase(websocket.MessageBinary),
	)

	// Malformed Socket.IO packets, over both transports.
	ph := func(n int) string { return fmt.Sprintf(`{"_placeholder":true,"num":%d}`, n) }
	for _, tr := range []string{transportWS, transportPolling} {
		add(
			sioClose(tr, "unknown packet type", true, "49[]"),
			sioClose(tr, "non-digit packet type", true, `4x["echo"]`),
			sioClose(tr, "binary event without dash", true, `451["echo",`+ph(0)+`]`),
			sioClose(tr, "binary event with 0 attachments", true, `450-["echo"]`),
			sioClose(tr, "binary event with letters as count", true, `45a-["echo"]`),
			sioClose(tr, "11 attachments (limit 10)", true, `4511-["echo",`+ph(0)+`]`),
			sioClose(tr, "attachment count overflow", true, `4599999999999999999999-["echo",`+ph(0)+`]`),
			sioClose(tr, "placeholder num out of range", true, `451-["echo",`+ph(1)+`]`),
			sioClose(tr, "invalid JSON (truncated)", true, `42["echo",`),
			sioClose(tr, "invalid JSON (mismatched)", true, `42["echo"}`),
			sioClose(tr, "invalid JSON (bad literal)", true, `42["echo",nul]`),
			sioClose(tr, "event payload is an object", true, `42{"a":1}`),
			sioClose(tr, "event payload is an empty array", true, `42[]`),
			sioClose(tr, "event name is an object", true, `42[{}]`),
			sioClose(tr, "event name is null", true, `42[null]`),
			sioClose(tr, "event payload is a string", true, `42"echo"`),
			sioClose(tr, "ack without id", true, `43[]`),
			sioClose(tr, "ack payload is an object", true, `431{}`),
			sioClose(tr, "CONNECT payload is a string", false, `40"token"`),
			sioClose(tr, "CONNECT payload is an array", false, `40[]`),
			sioClose(tr, "DISCONNECT with data", true, `41{}`),
			sioClose(tr, "reserved event connect", true, `42["connect"]`),
			sioClose(tr, "reserved event disconnect", true, `42["disconnect"]`),
			sioClose(tr, "reserved event disconnecting", true, `421["disconnecting"]`),
			sioClose(tr, "reserved event newListener", true, `42["newListener","echo"]`),
			sioClose(tr, "reserved event removeListener", true, `42["removeListener","echo"]`),
			sioClose(tr, "reserved event connect_error", true, `42["connect_error",{}]`),
			sioClose(tr, "reserved event, escaped", true, `42["\u0063onnect"]`),
			sioClose(tr, "ack id 99999999999999999999", true, `4299999999999999999999["echo",1]`),
			sioClose(tr, "ack id 2^53", true, `429007199254740992["echo",1]`),
			sioClose(tr, "ack id 2^64", true, `4218446744073709551616["echo",1]`),
			sioReply(tr, "ack id 2^53-1 (largest valid)", true, `429007199254740991["echo",1]`, `439007199254740991[1]`, nil),
			sioReply(tr, "ack for an unknown id", true, `4399999[]`, "", nil),
			sioClose(tr, "event before CONNECT", false, `42["echo",1]`),
			sioClose(tr, "event with ack before CONNECT", false, `421["echo",1]`),
			sioClose(tr, "ack before CONNECT", false, `430[]`),
			sioReply(tr, "CONNECT to an unknown namespace", false, `40/nope,`, `44/nope,{"message":"Invalid namespace"}`, connectAndEcho),
			sioReply(tr, "CONNECT to an unknown namespace with auth", false, `40/nope,{"token":1}`, `44/nope,{"message":"Invalid namespace"}`, connectAndEcho),
			sioClose(tr, "namespace of 300 bytes", false, `40/`+strings.Repeat("a", 300)+`,`),
			sioClose(tr, "second CONNECT to /", true, `40`),
			sioClose(tr, "CONNECT_ERROR from the client", true, `44{"message":"x"}`),
			sioClose(tr, "event for a namespace not joined", true, `42/custom,["echo",1]`),
			sioClose(tr, "event after DISCONNECT", true, `41`, `421["echo",1]`),
			sioClose(tr, "text while attachments are awaited", true, `451-["echo",`+ph(0)+`]`, `42["echo",1]`),
			binaryWithoutHeaderCase(tr),
			attachmentNeverSentCase(tr),
			maxAttachmentsCase(tr),
			deepJSONCase(tr, 100000),
			deepJSONCase(tr, maxPayload/2-20),
			unclosedDeepJSONCase(tr),
			deep20Case(tr, "objects", nestObjects(20)),
			deep20Case(tr, "arrays", nestArrays(20)),
			deep20Case(tr, "mixed", nestMixed(20)),
			invalidUTF8EchoCase(tr),
			invalidUTF8BroadcastCase(tr),
			invalidUTF8NamespaceCase(tr),
			eventFloodCase(tr),
		)
	}

	// Many sessions that never CONNECT.
	add(neverConnectFloodCase(200, 100))
	return cs
}

// ---------------------------------------------------------------------------
// HTTP-level cases

func httpCase(name, method, query, body string, header map[string]string, wantStatus int, wantBody string) hcase {
	return hcase{
		name: name, transport: "http", sent: method + " /socket.io/?" + query + bodyNote(body),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			status, got, err := httpDo(ctx, method, e.srv.base+"/socket.io/?"+query, body, header)
			if err != nil {
				return "", err
			}
			answer := fmt.Sprintf("%d %s", status, shorten(got, 100))
			if status != wantStatus || got != wantBody {
				return answer, fmt.Errorf("got %d %q, want %d %q", status, got, wantStatus, wantBody)
			}
			return answer, nil
		},
	}
}

func bodyNote(body string) string {
	if body == "" {
		return ""
	}
	return " body " + q(body)
}

// pollHandshake opens a polling session and returns its sid.
func pollHandshake(ctx context.Context, base string) (string, error) {
	c := newClient(transportPolling, base)
	status, body, err := httpDo(ctx, "GET", base+"/socket.io/?EIO=4&transport=polling", "", nil)
	if err != nil {
		return "", err
	}
	if status != 200 || !strings.HasPrefix(body, "0") {
		return "", fmt.Errorf("handshake: %d %q", status, body)
	}
	if err := c.parseOpen(strings.TrimPrefix(body, "0")); err != nil {
		return "", err
	}
	return c.eioSID, nil
}

// sessionState reports whether a polling session is gone: a GET then gets
// 400 "Session ID unknown", or a close packet (then 400). A live session
// answers a ping within a ping interval.
func sessionState(ctx context.Context, base, sid string) (string, bool) {
	url := base + "/socket.io/?EIO=4&transport=polling&sid=" + sid
	var seen []string
	for range 4 {
		status, body, err := httpDo(ctx, "GET", url, "", nil)
		if err != nil {
			return strings.Join(append(seen, "GET error "+err.Error()), ", "), false
		}
		if status == 400 && strings.Contains(body, `"code":1`) {
			return strings.Join(append(seen, "GET → 400 Session ID unknown"), ", "), true
		}
		seen = append(seen, fmt.Sprintf("GET → %d %s", status, q(body)))
		if status != 200 {
			return strings.Join(seen, ", "), false
		}
		if strings.Contains(body, "2") && !strings.Contains(body, "1") {
			return strings.Join(append(seen, "(alive)"), ", "), false
		}
	}
	return strings.Join(seen, ", "), false
}

// pollSessionCase sends one request with the sid of a fresh polling session
// and checks the answer and whether the session ended (wantGone).
func pollSessionCase(name, method, body string, header map[string]string, wantStatus int, wantBody string, wantGone bool) hcase {
	return hcase{
		name: name, transport: transportPolling, sent: method + " with a session's sid" + bodyNote(body),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			sid, err := pollHandshake(ctx, e.srv.base)
			if err != nil {
				return "", err
			}
			if header == nil {
				header = map[string]string{"Content-Type": "text/plain;charset=UTF-8"}
			}
			status, got, err := httpDo(ctx, method, e.srv.base+"/socket.io/?EIO=4&transport=polling&sid="+sid, body, header)
			if err != nil {
				return "", err
			}
			state, gone := sessionState(ctx, e.srv.base, sid)
			answer := fmt.Sprintf("%d %s; %s", status, shorten(strings.TrimSpace(got), 80), state)
			switch {
			case status != wantStatus:
				return answer, fmt.Errorf("status %d, want %d", status, wantStatus)
			case !strings.Contains(got, wantBody):
				return answer, fmt.Errorf("body %q does not contain %q", got, wantBody)
			case gone != wantGone:
				return answer, fmt.Errorf("session ended: %v, want %v", gone, wantGone)
			}
			return answer, nil
		},
	}
}

func unknownSIDUpgradeCase() hcase {
	return hcase{
		name: "unknown sid upgrade", transport: transportWS, sent: "WebSocket upgrade with sid=AAAAAAAAAAAAAAAAAAAA",
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			return wsDialRefused(ctx, wsURL(e.srv.base, "EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAAAAAA"), `"code":1`)
		},
	}
}

// wsDialRefused dials url and expects the upgrade to be refused with 400.
func wsDialRefused(ctx context.Context, url, wantBody string) (string, error) {
	ws, resp, err := websocket.Dial(ctx, url, nil)
	if err == nil {
		ws.CloseNow()
		return "101 Switching Protocols", errors.New("the upgrade was accepted")
	}
	if resp == nil {
		return err.Error(), fmt.Errorf("no HTTP answer: %v", err)
	}
	answer := strings.TrimSpace(respStatus(resp))
	if resp.StatusCode != 400 || !strings.Contains(answer, wantBody) {
		return answer, fmt.Errorf("want 400 with %s", wantBody)
	}
	return answer, nil
}

func wrongTransportCase() hcase {
	return hcase{
		name: "polling sid with transport=websocket, no Upgrade", transport: transportPolling, sent: "GET transport=websocket&sid=<polling sid>",
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			sid, err := pollHandshake(ctx, e.srv.base)
			if err != nil {
				return "", err
			}
			status, body, err := httpDo(ctx, "GET", e.srv.base+"/socket.io/?EIO=4&transport=websocket&sid="+sid, "", nil)
			if err != nil {
				return "", err
			}
			state, gone := sessionState(ctx, e.srv.base, sid)
			answer := fmt.Sprintf("%d %s; %s", status, body, state)
			if status != 400 || !strings.Contains(body, `"code":3`) {
				return answer, errors.New("want 400 Bad request")
			}
			if gone {
				return answer, errors.New("a refused request ended the session")
			}
			return answer, nil
		},
	}
}

func websocketSIDOnPollingCase() hcase {
	return hcase{
		name: "websocket sid used for polling", transport: transportWS, sent: "GET transport=polling&sid=<websocket sid>",
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := dial(ctx, transportWS, e.srv.base)
			if err != nil {
				return "", err
			}
			defer c.kill()
			status, body, err := httpDo(ctx, "GET", c.pollURL(), "", nil)
			if err != nil {
				return "", err
			}
			answer := fmt.Sprintf("%d %s", status, body)
			if status != 400 || !strings.Contains(body, `"code":3`) {
				return answer, errors.New("want 400 Bad request")
			}
			if err := c.connect(ctx); err != nil {
				return answer, fmt.Errorf("the WebSocket session broke: %v", err)
			}
			return answer + "; the WebSocket session still works", c.echo(ctx, "1")
		},
	}
}

func upgradeWebSocketSessionCase() hcase {
	return hcase{
		name: "upgrade of a websocket session", transport: transportWS, sent: "WebSocket upgrade with the sid of a WebSocket session",
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := dial(ctx, transportWS, e.srv.base)
			if err != nil {
				return "", err
			}
			defer c.kill()
			answer, err := wsDialRefused(ctx, wsURL(e.srv.base, "EIO=4&transport=websocket&sid="+c.eioSID), `"code":3`)
			if err != nil {
				return answer, err
			}
			if err := c.connect(ctx); err != nil {
				return answer, fmt.Errorf("the first WebSocket broke: %v", err)
			}
			return answer + "; the first WebSocket still works", c.echo(ctx, "1")
		},
	}
}

// ---------------------------------------------------------------------------
// Concurrent polling requests

func concurrentGETCase() hcase {
	return hcase{
		name: "two concurrent GETs", transport: transportPolling, sent: "GET, then a second GET while the first is pending",
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			sid, err := pollHandshake(ctx, e.srv.base)
			if err != nil {
				return "", err
			}
			url := e.srv.base + "/socket.io/?EIO=4&transport=polling&sid=" + sid
			type res struct {
				status int
				body   string
				err    error
			}
			first := make(chan res, 1)
			go func() {
				s, b, err := httpDo(ctx, "GET", url, "", nil)
				first <- res{s, b, err}
			}()
			time.Sleep(50 * time.Millisecond)
			s2, b2, err := httpDo(ctx, "GET", url, "", nil)
			if err != nil {
				return "", err
			}
			r1 := <-first
			if r1.err != nil {
				return "", r1.err
			}
			state, gone := sessionState(ctx, e.srv.base, sid)
			answer := fmt.Sprintf("second GET → %d %s; first GET → %d %s; %s", s2, b2, r1.status, q(r1.body), state)
			if s2 != 400 || r1.status != 200 || !strings.Contains(r1.body, "1") || !gone {
				return answer, errors.New("want 400 for the second GET, a close packet for the first, and the session gone")
			}
			return answer, nil
		},
	}
}

// rawPOSTStart opens a TCP connection and sends a POST whose body is cut
// short: Content-Length says declared, only sent bytes follow.
func rawPOSTStart(addr, path string, declared int, sent string) (net.Conn, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: %d\r\n\r\n%s",
		path, addr, declared, sent)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// readStatus reads an HTTP response's status line and body start from
// conn, within d.
func readResponse(conn net.Conn, d time.Duration) string {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	var b strings.Builder
	buf := make([]byte, 4096)
	for b.Len() < 4096 {
		n, err := conn.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				if b.Len() == 0 {
					return "(nothing, connection open)"
				}
			case b.Len() == 0:
				return "(closed without an answer: " + errText(err) + ")"
			}
			break
		}
		if strings.Contains(b.String(), "\r\n\r\n") {
			_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		}
	}
	head, body, _ := strings.Cut(b.String(), "\r\n\r\n")
	status, _, _ := strings.Cut(head, "\r\n")
	return strings.TrimSpace(status + " " + shorten(body, 60))
}

func errText(err error) string {
	if errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "EOF") {
		return "EOF"
	}
	if strings.Contains(err.Error(), "reset") {
		return "RST"
	}
	return err.Error()
}

func concurrentPOSTCase() hcase {
	return hcase{
		name: "two concurrent POSTs", transport: transportPolling, sent: "POST with a body cut short, then a second POST",
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			sid, err := pollHandshake(ctx, e.srv.base)
			if err != nil {
				return "", err
			}
			path := "/socket.io/?EIO=4&transport=polling&sid=" + sid
			conn, err := rawPOSTStart(e.srv.addr, path, 40, "4hello")
			if err != nil {
				return "", err
			}
			defer conn.Close()
			time.Sleep(50 * time.Millisecond)
			s2, b2, err := httpDo(ctx, "POST", e.srv.base+path, "4second", map[string]string{"Content-Type": "text/plain;charset=UTF-8"})
			if err != nil {
				return "", err
			}
			// Complete the first body and read its answer.
			_, _ = conn.Write([]byte(strings.Repeat("x", 34)))
			r1 := readResponse(conn, 3*time.Second)
			state, gone := sessionState(ctx, e.srv.base, sid)
			answer := fmt.Sprintf("second POST → %d %s; first POST (completed) → %s; %s", s2, b2, r1, state)
			if s2 != 400 || !gone {
				return answer, errors.New("want 400 for the second POST and the session gone")
			}
			return answer, nil
		},
	}
}

// concurrentStormCase hits many sessions with overlapping GETs and POSTs.
func concurrentStormCase() hcase {
	const sessions, each = 20, 3
	return hcase{
		name: "storm of overlapping GETs and POSTs", transport: transportPolling,
		sent: fmt.Sprintf("%d sessions × (%d GETs + %d POSTs at once)", sessions, each, each),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			var mu sync.Mutex
			statuses := map[string]int{}
			var wg sync.WaitGroup
			var sids []string
			for range sessions {
				sid, err := pollHandshake(ctx, e.srv.base)
				if err != nil {
					return "", err
				}
				sids = append(sids, sid)
				url := e.srv.base + "/socket.io/?EIO=4&transport=polling&sid=" + sid
				for i := range 2 * each {
					wg.Add(1)
					go func() {
						defer wg.Done()
						method, body := "GET", ""
						if i%2 == 1 {
							method, body = "POST", `40`
						}
						s, _, err := httpDo(ctx, method, url, body, nil)
						key := fmt.Sprintf("%s %d", method, s)
						if err != nil {
							key = method + " error"
						}
						mu.Lock()
						statuses[key]++
						mu.Unlock()
					}()
				}
			}
			wg.Wait()
			alive := 0
			for _, sid := range sids {
				if _, gone := sessionState(ctx, e.srv.base, sid); !gone {
					alive++
				}
			}
			var parts []string
			for k, v := range statuses {
				parts = append(parts, fmt.Sprintf("%s ×%d", k, v))
			}
			answer := fmt.Sprintf("%s; %d/%d sessions still open", strings.Join(sortStrings(parts), ", "), alive, sessions)
			if statuses["GET error"]+statuses["POST error"] > 0 {
				return answer, errors.New("requests failed without an HTTP answer")
			}
			return answer, nil
		},
	}
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// ---------------------------------------------------------------------------
// Engine.IO over WebSocket

func wsEngineCase(name, frame string, typ websocket.MessageType) hcase {
	kind := "text"
	if typ == websocket.MessageBinary {
		kind = "binary"
	}
	return hcase{
		name: name, transport: transportWS, sent: kind + " frame " + q(frame),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := dial(ctx, transportWS, e.srv.base)
			if err != nil {
				return "", err
			}
			defer c.kill()
			if err := c.ws.Write(ctx, typ, []byte(frame)); err != nil {
				return "", err
			}
			if !c.waitClosed(2 * time.Second) {
				return summary(c, false), errors.New("the session is still open after 2s")
			}
			return summary(c, false), nil
		},
	}
}

func wsOversizeCase(typ websocket.MessageType) hcase {
	kind, frame := "text", "4"+strings.Repeat("x", maxPayload)
	if typ == websocket.MessageBinary {
		kind, frame = "binary", strings.Repeat("\x00", maxPayload+1)
	}
	return hcase{
		name: "oversized " + kind + " frame", transport: transportWS, sent: fmt.Sprintf("%s frame of %d bytes (max payload %d)", kind, len(frame), maxPayload),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := dial(ctx, transportWS, e.srv.base)
			if err != nil {
				return "", err
			}
			defer c.kill()
			if err := c.connect(ctx); err != nil {
				return "", err
			}
			_ = c.ws.Write(ctx, typ, []byte(frame))
			if !c.waitClosed(2 * time.Second) {
				return summary(c, true), errors.New("the session is still open after 2s")
			}
			answer := summary(c, true)
			if !strings.HasPrefix(c.info(), "close 1009") {
				return answer, errors.New("want close 1009 (message too big)")
			}
			return answer, nil
		},
	}
}

// ---------------------------------------------------------------------------
// Socket.IO packets

// sioClose sends packets on a fresh session (after CONNECT to "/" when
// connect is set) and expects the server to close the session.
func sioClose(tr, name string, connect bool, pkts ...string) hcase {
	return hcase{
		name: name, transport: tr, sent: sentNote(connect, pkts),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := sioSession(ctx, e, tr, connect)
			if err != nil {
				return "", err
			}
			defer c.kill()
			sendErr := c.sendEngine(ctx, pkts...)
			if !c.waitClosed(2 * time.Second) {
				return summary(c, connect), fmt.Errorf("the session is still open after 2s (send error: %v)", sendErr)
			}
			answer := summary(c, connect)
			if sendErr != nil {
				answer = "send: " + sendErr.Error() + "; " + answer
			}
			return answer, nil
		},
	}
}

func sentNote(connect bool, pkts []string) string {
	var qs []string
	for _, p := range pkts {
		qs = append(qs, q(p))
	}
	s := strings.Join(qs, " then ")
	if connect {
		return "after CONNECT: " + s
	}
	return s
}

func sioSession(ctx context.Context, e *env, tr string, connect bool) (*client, error) {
	c, err := dial(ctx, tr, e.srv.base)
	if err != nil {
		return nil, err
	}
	if connect {
		if err := c.connect(ctx); err != nil {
			c.kill()
			return nil, err
		}
	}
	return c, nil
}

// connectAndEcho checks a session that got an error answer still works.
func connectAndEcho(ctx context.Context, c *client) error {
	if err := c.connect(ctx); err != nil {
		return err
	}
	return c.echo(ctx, `"after"`)
}

// sioReply sends packets and expects a packet starting with reply (none
// when reply is empty), with the session left open and working.
func sioReply(tr, name string, connect bool, pkt, reply string, after func(context.Context, *client) error) hcase {
	return hcase{
		name: name, transport: tr, sent: sentNote(connect, []string{pkt}),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := sioSession(ctx, e, tr, connect)
			if err != nil {
				return "", err
			}
			defer c.kill()
			if err := c.sendEngine(ctx, pkt); err != nil {
				return summary(c, connect), err
			}
			if reply != "" {
				if _, ok := c.waitPacket(reply, 2*time.Second); !ok {
					return summary(c, connect), fmt.Errorf("no %q within 2s", reply)
				}
			}
			if after == nil {
				after = func(ctx context.Context, c *client) error { return c.echo(ctx, `"after"`) }
			}
			if err := after(ctx, c); err != nil {
				return summary(c, connect), fmt.Errorf("the session does not work afterwards: %v", err)
			}
			return summary(c, connect), nil
		},
	}
}

func binaryWithoutHeaderCase(tr string) hcase {
	return hcase{
		name: "attachment without a binary packet", transport: tr, sent: "after CONNECT: a binary message",
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := sioSession(ctx, e, tr, true)
			if err != nil {
				return "", err
			}
			defer c.kill()
			sendErr := c.sendBinaries(ctx, [][]byte{{1, 2, 3}})
			if !c.waitClosed(2 * time.Second) {
				return summary(c, true), fmt.Errorf("the session is still open after 2s (send: %v)", sendErr)
			}
			return summary(c, true), nil
		},
	}
}

// sendBinaries sends binary Engine.IO messages alone.
func (c *client) sendBinaries(ctx context.Context, bins [][]byte) error {
	if c.transport == transportWS {
		for _, b := range bins {
			if err := c.ws.Write(ctx, websocket.MessageBinary, b); err != nil {
				return err
			}
		}
		return nil
	}
	var items []string
	for _, b := range bins {
		items = append(items, "b"+b64(b))
	}
	return c.post(ctx, strings.Join(items, sep))
}

func attachmentNeverSentCase(tr string) hcase {
	return hcase{
		name: "attachment announced, never sent", transport: tr, sent: `after CONNECT: "451-0[\"echo\",<placeholder 0>]", then silence`,
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := sioSession(ctx, e, tr, true)
			if err != nil {
				return "", err
			}
			defer c.kill()
			if err := c.sendEngine(ctx, `451-0["echo",{"_placeholder":true,"num":0}]`); err != nil {
				return "", err
			}
			if c.waitClosed(time.Second) {
				return summary(c, true), nil // refusing it is fine too
			}
			// Waiting costs the server one pending packet; stop answering
			// pings, as a vanished client would, and the heartbeat ends it.
			c.noPong.Store(true)
			start := time.Now()
			if !c.waitClosed(3 * (pingInterval + pingTimeout)) {
				return summary(c, true), errors.New("still open although it answers no ping")
			}
			return fmt.Sprintf("kept waiting 1s (pings answered); once pongs stopped: %s after %dms",
				c.info(), time.Since(start).Milliseconds()), nil
		},
	}
}

// maxAttachmentsCase sends binary events with 10 attachments of the
// largest size a message may have, from several clients at once, and
// expects them echoed back as BINARY_ACKs.
func maxAttachmentsCase(tr string) hcase {
	size := maxPayload
	if tr == transportPolling {
		// A whole POST is bounded by max payload, base64 included.
		size = (maxPayload - 1000) / 10 * 3 / 4
	}
	const clients, rounds = 4, 2
	return hcase{
		name: "10 attachments of max size", transport: tr,
		sent: fmt.Sprintf("%d clients × %d binary events, each with 10 attachments of %d bytes", clients, rounds, size),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			rss0, _ := e.srv.rss()
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			for k := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := sioSession(ctx, e, tr, true)
					if err != nil {
						errs <- err
						return
					}
					defer c.close()
					for r := range rounds {
						bins := make([][]byte, 10)
						var phs []string
						for i := range bins {
							bins[i] = []byte(strings.Repeat(string(rune('a'+(k+r+i)%26)), size))
							phs = append(phs, fmt.Sprintf(`{"_placeholder":true,"num":%d}`, i))
						}
						payload := `["echo",` + strings.Join(phs, ",") + `]`
						a, err := c.emitAck(ctx, payload, bins...)
						if err != nil {
							errs <- err
							return
						}
						if a.data != "["+strings.Join(phs, ",")+"]" || len(a.bins) != 10 {
							errs <- fmt.Errorf("ack %q with %d attachments", shorten(a.data, 80), len(a.bins))
							return
						}
						for i := range bins {
							if string(a.bins[i]) != string(bins[i]) {
								errs <- fmt.Errorf("attachment %d differs", i)
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			rss1, _ := e.srv.rss()
			answer := fmt.Sprintf("every event acked as BINARY_ACK \"46 10-<id>[…]\" with the 10 attachments intact; server RSS %s → %s", mib(rss0), mib(rss1))
			for err := range errs {
				return "", err
			}
			return answer, nil
		},
	}
}

func deepArrays(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }

// deepJSONCase sends an echo whose argument is depth nested arrays: the
// server must refuse it (too large or too deep) without harm.
func deepJSONCase(tr string, depth int) hcase {
	pkt := `421["echo",` + deepArrays(depth) + `]`
	return hcase{
		name: fmt.Sprintf("JSON nested %d deep", depth), transport: tr,
		sent: fmt.Sprintf(`after CONNECT: 421["echo",[[[…]]]] nested %d deep (%d bytes)`, depth, len(pkt)),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := sioSession(ctx, e, tr, true)
			if err != nil {
				return "", err
			}
			defer c.kill()
			sendErr := c.sendEngine(ctx, pkt)
			if len(pkt) > maxPayload && tr == transportPolling {
				// Refused by size: 413, and the session stays up (as
				// the reference server does).
				answer := "send: " + fmt.Sprint(sendErr) + "; " + summary(c, true)
				if sendErr == nil || !strings.Contains(sendErr.Error(), "413") {
					return answer, errors.New("a body over max payload must get 413")
				}
				if err := c.echo(ctx, `"after"`); err != nil {
					return answer, fmt.Errorf("the session does not work after the 413: %v", err)
				}
				return answer + "; the session still works", nil
			}
			closed := c.waitClosed(2 * time.Second)
			answer := summary(c, true)
			if sendErr != nil {
				answer = "send: " + sendErr.Error() + "; " + answer
			}
			if !closed {
				return answer, errors.New("the session is still open after 2s")
			}
			if len(pkt) > maxPayload && !strings.HasPrefix(c.info(), "close 1009") {
				return answer, errors.New("a frame over max payload must get close 1009")
			}
			return answer, nil
		},
	}
}

func unclosedDeepJSONCase(tr string) hcase {
	depth := maxPayload - 100
	pkt := `421["echo",` + strings.Repeat("[", depth)
	return hcase{
		name: "unclosed JSON nesting", transport: tr, sent: fmt.Sprintf("after CONNECT: 421[\"echo\", then %d \"[\"", depth),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := sioSession(ctx, e, tr, true)
			if err != nil {
				return "", err
			}
			defer c.kill()
			sendErr := c.sendEngine(ctx, pkt)
			if !c.waitClosed(2 * time.Second) {
				return summary(c, true), fmt.Errorf("the session is still open after 2s (send: %v)", sendErr)
			}
			return summary(c, true), nil
		},
	}
}

func nestObjects(depth int) string {
	s := `"leaf"`
	for i := depth; i > 0; i-- {
		s = fmt.Sprintf(`{"k%d":%s,"n":%d}`, i, s, i)
	}
	return s
}

func nestArrays(depth int) string {
	s := `1.50`
	for i := depth; i > 0; i-- {
		s = fmt.Sprintf(`[%d,%s,"x"]`, i, s)
	}
	return s
}

func nestMixed(depth int) string {
	s := `null`
	for i := depth; i > 0; i-- {
		if i%2 == 0 {
			s = fmt.Sprintf(`{"a":%s,"b":[true,false]}`, s)
		} else {
			s = fmt.Sprintf(`[%s,{"z":"é\u00e9"}]`, s)
		}
	}
	return s
}

// deep20Case echoes a 20-deep value through an ack and a broadcast: the
// sender and the kept clients must all get it back byte for byte.
func deep20Case(tr, kind, value string) hcase {
	return hcase{
		name: "JSON nested 20 deep (" + kind + ") echoed and broadcast", transport: tr,
		sent: "after CONNECT: echo and broadcast of " + q(value),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := sioSession(ctx, e, tr, true)
			if err != nil {
				return "", err
			}
			defer c.close()
			if err := c.echo(ctx, value); err != nil {
				return summary(c, true), fmt.Errorf("echo: %v", err)
			}
			e.keptWS.takeBroadcasts()
			e.keptPoll.takeBroadcasts()
			a, err := c.emitAck(ctx, `["broadcast",`+value+`]`)
			if err != nil {
				return summary(c, true), fmt.Errorf("broadcast: %v", err)
			}
			if a.data != "[]" {
				return "", fmt.Errorf("broadcast ack %q, want []", a.data)
			}
			want := "," + value + "]"
			for _, who := range []*client{c, e.keptWS, e.keptPoll} {
				if err := waitBroadcast(who, want, 2*time.Second); err != nil {
					return "", fmt.Errorf("%s client: %v", who.transport, err)
				}
			}
			return fmt.Sprintf("echo ack identical (%d bytes); broadcast identical at the sender and both kept clients", len(value)), nil
		},
	}
}

func waitBroadcast(c *client, want string, d time.Duration) error {
	deadline := time.Now().Add(d)
	var got []string
	for time.Now().Before(deadline) {
		for _, ev := range c.takeBroadcasts() {
			if ev == want {
				return nil
			}
			got = append(got, shorten(ev, 60))
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("no identical broadcast within %v (got %q)", d, got)
}

func invalidUTF8EchoCase(tr string) hcase {
	pkt := "421[\"echo\",\"a\xff\xfeb\xc3\x28\"]"
	return hcase{
		name: "invalid UTF-8 in an event", transport: tr, sent: "after CONNECT: " + q(pkt),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := sioSession(ctx, e, tr, true)
			if err != nil {
				return "", err
			}
			defer c.kill()
			_ = c.sendEngine(ctx, pkt)
			ch := make(chan ack, 1)
			c.mu.Lock()
			c.acks[1] = ch
			c.mu.Unlock()
			select {
			case a, ok := <-ch:
				if !ok { // closed
					return summary(c, true), nil
				}
				answer := "ack " + q(a.data)
				if c.badUTF8.Load() > 0 {
					return answer, errors.New("the server sent invalid UTF-8 back in a text message (RFC 6455 §5.6, §8.1)")
				}
				return answer, nil
			case <-c.closed:
				return summary(c, true), nil
			case <-time.After(2 * time.Second):
				return summary(c, true), errors.New("neither an ack nor a close within 2s")
			}
		},
	}
}

func invalidUTF8BroadcastCase(tr string) hcase {
	pkt := "421[\"broadcast\",\"x\xc3\x28y\"]"
	return hcase{
		name: "invalid UTF-8 in a broadcast", transport: tr, sent: "after CONNECT: " + q(pkt),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := sioSession(ctx, e, tr, true)
			if err != nil {
				return "", err
			}
			defer c.kill()
			_ = c.sendEngine(ctx, pkt)
			c.waitClosed(time.Second)
			// The bystanders' UTF-8 check runs after every case.
			return summary(c, true), nil
		},
	}
}

func invalidUTF8NamespaceCase(tr string) hcase {
	pkt := "40/\xff\xfe,"
	return hcase{
		name: "invalid UTF-8 in a namespace", transport: tr, sent: q(pkt),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := sioSession(ctx, e, tr, false)
			if err != nil {
				return "", err
			}
			defer c.kill()
			_ = c.sendEngine(ctx, pkt)
			c.waitPacket("44", time.Second)
			answer := summary(c, false)
			if c.badUTF8.Load() > 0 {
				return answer, errors.New("the server sent invalid UTF-8 back in a text message (RFC 6455 §5.6, §8.1)")
			}
			return answer, nil
		},
	}
}

// eventFloodCase sends 3000 events at once: they are handled, or the
// session is closed for flooding; either way only this session.
func eventFloodCase(tr string) hcase {
	const n = 3000
	return hcase{
		name: "3000 events at once", transport: tr, sent: fmt.Sprintf(`after CONNECT: %d × 42["message",1] in one burst`, n),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			c, err := sioSession(ctx, e, tr, true)
			if err != nil {
				return "", err
			}
			defer c.kill()
			pkts := make([]string, n)
			for i := range pkts {
				pkts[i] = `42["message",1]`
			}
			sendErr := c.sendEngine(ctx, pkts...)
			closed := c.waitClosed(1500 * time.Millisecond)
			backs := 0
			for _, p := range c.packets() {
				if strings.HasPrefix(p, `42["message-back"`) {
					backs++
				}
			}
			if closed {
				return fmt.Sprintf("≥%d message-back, then %s (send: %v)", backs, c.info(), sendErr), nil
			}
			if err := c.echo(ctx, "1"); err != nil {
				return "", fmt.Errorf("open but not answering: %v", err)
			}
			return fmt.Sprintf("all handled, session open (send: %v)", sendErr), nil
		},
	}
}

// ---------------------------------------------------------------------------
// Slow clients, abandoned upgrades, floods

const slowClients = 50

// slowHeaderCase opens connections that send half a request and stall;
// the server must keep serving and drop them after its header timeout.
func slowHeaderCase() hcase {
	return hcase{
		name: "slow headers", transport: "tcp", sent: fmt.Sprintf("%d connections send half a request line and headers, then stall", slowClients),
		run: func(ctx context.Context, e *env, row *caseResult) (string, error) {
			conns := make([]net.Conn, 0, slowClients)
			for i := range slowClients {
				conn, err := net.DialTimeout("tcp", e.srv.addr, 5*time.Second)
				if err != nil {
					closeAll(conns)
					return "", err
				}
				conns = append(conns, conn)
				part := fmt.Sprintf("GET /socket.io/?EIO=4&transport=polling&t=%d HTTP/1.1\r\nHost: %s\r\nUser-Agent: slo", i, e.srv.addr)
				if i%2 == 0 {
					part = "GET /socket.io/?EIO=4&transp"
				}
				if _, err := conn.Write([]byte(part)); err != nil {
					closeAll(conns)
					return "", err
				}
			}
			start := time.Now()
			e.background(row, func() (string, error) {
				defer closeAll(conns)
				return waitServerCloses(conns, start, 25*time.Second)
			})
			return fmt.Sprintf("%d connections held open by the server while stalled", len(conns)), nil
		},
	}
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		c.Close()
	}
}

// waitServerCloses waits until the server has closed every connection and
// describes when and with what answer.
func waitServerCloses(conns []net.Conn, start time.Time, limit time.Duration) (string, error) {
	type res struct {
		answer string
		after  time.Duration
		closed bool
	}
	results := make([]res, len(conns))
	var wg sync.WaitGroup
	for i, conn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = conn.SetReadDeadline(start.Add(limit))
			rd := bufio.NewReader(conn)
			line, err := rd.ReadString('\n')
			for err == nil {
				_, err = rd.ReadString('\n')
			}
			var ne net.Error
			timedOut := errors.As(err, &ne) && ne.Timeout()
			ans := strings.TrimSpace(line)
			if ans == "" {
				ans = "closed, no answer"
			}
			results[i] = res{answer: ans, after: time.Since(start), closed: !timedOut}
		}()
	}
	wg.Wait()
	answers := map[string]int{}
	closed := 0
	var minD, maxD time.Duration
	for _, r := range results {
		if !r.closed {
			continue
		}
		answers[r.answer]++
		if closed == 0 || r.after < minD {
			minD = r.after
		}
		maxD = max(maxD, r.after)
		closed++
	}
	var parts []string
	for a, n := range answers {
		parts = append(parts, fmt.Sprintf("%q ×%d", a, n))
	}
	answer := fmt.Sprintf("server closed %d/%d after %.1f–%.1fs (%s)", closed, len(conns), minD.Seconds(), maxD.Seconds(), strings.Join(sortStrings(parts), ", "))
	if closed < len(conns) {
		return answer, fmt.Errorf("%d connections still held by the server %v after they stalled", len(conns)-closed, limit)
	}
	return answer, nil
}

// slowBodyCase sends POSTs whose body never completes, on live sessions.
func slowBodyCase() hcase {
	const n = 20
	return hcase{
		name: "slow body", transport: transportPolling, sent: fmt.Sprintf("%d POSTs with Content-Length 1000 and 10 bytes sent, then stall", n),
		run: func(ctx context.Context, e *env, row *caseResult) (string, error) {
			var conns []net.Conn
			for range n {
				sid, err := pollHandshake(ctx, e.srv.base)
				if err != nil {
					closeAll(conns)
					return "", err
				}
				conn, err := rawPOSTStart(e.srv.addr, "/socket.io/?EIO=4&transport=polling&sid="+sid, 1000, `42["echo"`)
				if err != nil {
					closeAll(conns)
					return "", err
				}
				conns = append(conns, conn)
			}
			start := time.Now()
			// A session that cannot POST cannot pong: it ends at ping
			// timeout, and its stalled request must not outlive it long.
			e.background(row, func() (string, error) {
				defer closeAll(conns)
				return waitServerCloses(conns, start, 25*time.Second)
			})
			return fmt.Sprintf("%d POSTs held open while stalled", n), nil
		},
	}
}

// abandonedUpgradeCase starts an upgrade (2probe, 3probe) and never sends
// the upgrade packet. With keepPolling the client goes on polling (and
// ponging): the probe must be dropped after the upgrade timeout and the
// session keep working. Otherwise the client vanishes: the heartbeat ends
// the session and the probe with it.
func abandonedUpgradeCase(keepPolling bool) hcase {
	name, sent := "abandoned upgrade, client vanishes", "polling session, WebSocket with its sid: 2probe, then nothing at all"
	if keepPolling {
		name, sent = "abandoned upgrade, polling goes on", "polling session, WebSocket with its sid: 2probe, then never 5 (polling goes on)"
	}
	return hcase{
		name: name, transport: transportWS, sent: sent,
		run: func(ctx context.Context, e *env, row *caseResult) (string, error) {
			pc, err := dial(ctx, transportPolling, e.srv.base)
			if err != nil {
				return "", err
			}
			if err := pc.connect(ctx); err != nil {
				pc.kill()
				return "", err
			}
			probe, _, err := websocket.Dial(ctx, wsURL(e.srv.base, "EIO=4&transport=websocket&sid="+pc.eioSID), nil)
			if err != nil {
				pc.kill()
				return "", err
			}
			if err := probe.Write(ctx, websocket.MessageText, []byte("2probe")); err != nil {
				return "", err
			}
			_, got, err := probe.Read(ctx)
			if err != nil || string(got) != "3probe" {
				probe.CloseNow()
				pc.kill()
				return "", fmt.Errorf("probe answer %q, %v", got, err)
			}
			if !keepPolling {
				pc.noPong.Store(true)
			}
			start := time.Now()
			probeEnd := make(chan string, 1)
			go func() {
				_, _, err := probe.Read(context.Background())
				probeEnd <- describeWSErr(err)
			}()
			e.background(row, func() (string, error) {
				defer pc.kill()
				defer probe.CloseNow()
				var how string
				select {
				case how = <-probeEnd:
				case <-time.After(20 * time.Second):
					return "", errors.New("the server kept the probe WebSocket 20s")
				}
				after := time.Since(start)
				answer := fmt.Sprintf("probe ended after %.1fs (%s)", after.Seconds(), how)
				if !keepPolling {
					if after > 5*time.Second {
						return answer, errors.New("the probe outlived its session by seconds")
					}
					return answer, nil
				}
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				if err := pc.echo(ctx, `"after-probe"`); err != nil {
					return answer, fmt.Errorf("the polling session does not work after the dropped probe: %v", err)
				}
				return answer + "; polling session still works", nil
			})
			return `"3probe"`, nil
		},
	}
}

// neverConnectFloodCase opens many sessions that answer pings but never
// CONNECT; the server must close each after the connect timeout.
func neverConnectFloodCase(nWS, nPoll int) hcase {
	return hcase{
		name: "never-CONNECT flood", transport: "both", sent: fmt.Sprintf("%d WebSocket + %d polling sessions that answer pings, never CONNECT", nWS, nPoll),
		run: func(ctx context.Context, e *env, _ *caseResult) (string, error) {
			var mu sync.Mutex
			var clients []*client
			opened := map[*client]time.Time{}
			var wg sync.WaitGroup
			sem := make(chan struct{}, 32)
			var dialErrs atomic.Int64
			for i := range nWS + nPoll {
				tr := transportWS
				if i >= nWS {
					tr = transportPolling
				}
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					// The server starts its connect timer while answering
					// the handshake, after this moment: timed from here, a
					// close is never early by mistake. Timed from the end
					// of the dial, a handshake answered slowly (a loaded
					// machine) made a punctual close look early.
					start := time.Now()
					c, err := dial(ctx, tr, e.srv.base)
					if err != nil {
						dialErrs.Add(1)
						return
					}
					mu.Lock()
					clients = append(clients, c)
					opened[c] = start
					mu.Unlock()
				}()
			}
			wg.Wait()
			defer func() {
				for _, c := range clients {
					c.kill()
				}
			}()
			if n := dialErrs.Load(); n > 0 {
				return "", fmt.Errorf("%d sessions could not open", n)
			}
			// The health check runs while they are open (see below).
			health := e.checkHealth(e.t)
			deadline := time.Now().Add(10 * time.Second)
			var minD, maxD time.Duration
			var first *client // the earliest closed
			hows := map[string]int{}
			notClosed := 0
			for _, c := range clients {
				if !c.waitClosed(time.Until(deadline)) {
					notClosed++
					continue
				}
				d := c.closedAt.Sub(opened[c])
				if minD == 0 || d < minD {
					minD, first = d, c
				}
				maxD = max(maxD, d)
				hows[c.transport+": "+c.info()]++
			}
			var parts []string
			for h, n := range hows {
				parts = append(parts, fmt.Sprintf("%s ×%d", h, n))
			}
			answer := fmt.Sprintf("%d/%d closed %.2f–%.2fs after opening (%s); while open: %s",
				len(clients)-notClosed, len(clients), minD.Seconds(), maxD.Seconds(), strings.Join(sortStrings(parts), ", "), health)
			switch {
			case notClosed > 0:
				return answer, fmt.Errorf("%d sessions still open 10s later", notClosed)
			case minD < connectTimeout-100*time.Millisecond:
				return answer, fmt.Errorf("a session was closed after %v, before the connect timeout (%s); the server: %s",
					minD, first.info(), e.srv.sessionEnd(first.eioSID))
			}
			return answer, nil
		},
	}
}
