// Package hostile attacks a real, listening examples/testserver process
// with hostile and careless clients: malformed packets over both
// transports, oversized bodies and frames, invalid sessions, slow clients,
// floods, churn, a stalled consumer and a shutdown under load. After each
// attack it checks that well-behaved clients are still served.
//
// The server is built from this checkout (with the race detector when the
// tests run with -race) and started as a separate process on a free port.
// Nothing is skipped: a missing tool or a failed build fails the run.
package hostile

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	serverStartTimeout = 60 * time.Second
	buildTimeout       = 5 * time.Minute
)

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
	tmpDir    string
)

func TestMain(m *testing.M) {
	var err error
	tmpDir, err = os.MkdirTemp("", "sio-hostile-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(tmpDir)
	os.Exit(code)
}

// serverBinary builds examples/testserver once. It runs inside a test so
// that the go test cache sees the sources it reads (see touchSources).
func serverBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			buildErr = err
			return
		}
		examples := filepath.Join(root, "examples")
		buildBin = filepath.Join(tmpDir, "testserver")
		args := []string{"build", "-o", buildBin}
		if raceEnabled {
			args = append(args, "-race")
		}
		args = append(args, "./testserver")
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = examples
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go %s (in %s): %v\n%s", strings.Join(args, " "), examples, err, out)
			return
		}
		buildErr = touchSources(examples)
	})
	if buildErr != nil {
		t.Fatalf("building examples/testserver failed: %v", buildErr)
	}
	return buildBin
}

// touchSources reads every non-test Go file the test server is built from,
// so that go test's result cache is invalidated when one of them changes:
// the server is a separate program, invisible to the cache otherwise.
func touchSources(examples string) error {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", "./testserver")
	cmd.Dir = examples
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go list -deps ./testserver: %v", err)
	}
	for dir := range strings.FieldsSeq(string(out)) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				_, _ = os.ReadFile(f)
			}
		}
	}
	return nil
}

// server is a running test server process.
type server struct {
	t    testing.TB
	cmd  *exec.Cmd
	addr string // host:port
	base string // http://host:port

	done    chan struct{} // closed once the process has exited
	waitErr error

	mu       sync.Mutex
	lines    []string // the last stderr lines
	dropped  int      // lines dropped from lines
	bad      []string // lines that reveal a crash, a race or a recovered panic
	counts   map[string]int
	watchers []func(string)
	ends     map[string]string // the server's "session closed" line by sid
}

var listeningRE = regexp.MustCompile(`listening on http://(\S+)`)

// badLineRE matches output that must never appear: a crash, a data race, a
// panic recovered by the library (a bug in library or test server code).
// It is matched with the session ids taken out (see badLine): they are
// random text, and one CI run met a sid that ended in "MPANIC".
var badLineRE = regexp.MustCompile(`(?i)panic|DATA RACE|fatal error|goroutine \d+ \[|concurrent map`)

var logSIDRE = regexp.MustCompile(`\bsid=\S+`)

// badLine reports whether a line of the server's output matches badLineRE
// outside its session ids.
func badLine(line string) bool {
	return badLineRE.MatchString(logSIDRE.ReplaceAllLiteralString(line, "sid=…"))
}

const keepLines = 400

// sessionEndRE finds the sid in the server's debug line for a session's end
// (see -log-level debug in hostileFlags).
var sessionEndRE = regexp.MustCompile(`engineio: session closed" sid=(\S+)`)

// sessionEnd is the server's account of how session sid ended, if it has
// ended.
func (s *server) sessionEnd(sid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if line, ok := s.ends[sid]; ok {
		return line
	}
	return "(no end logged for sid " + sid + ")"
}

// startServer starts the test server on a free port with the given flags
// and stops it (SIGTERM, then SIGKILL) at cleanup unless the test did.
func startServer(t testing.TB, flags ...string) *server {
	t.Helper()
	bin := serverBinary(t)
	args := append([]string{"-addr", "127.0.0.1:0"}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if raceEnabled {
		// Report races on stderr, keep running, and exit 66 at the end.
		cmd.Env = append(os.Environ(), "GORACE=halt_on_error=0 exitcode=66 atexit_sleep_ms=0")
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, done: make(chan struct{}), counts: map[string]int{}, ends: map[string]string{}}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	t.Logf("server pid %d: %s %s", cmd.Process.Pid, filepath.Base(bin), strings.Join(args, " "))
	ready := make(chan string, 1)
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case ready <- m[1]:
				default:
				}
			}
			s.record(sc.Text())
		}
	}()
	go func() {
		defer readers.Done()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			s.record(sc.Text())
		}
	}()
	go func() {
		readers.Wait()
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		s.stop()
		s.checkLog()
	})
	select {
	case s.addr = <-ready:
	case <-s.done:
		t.Fatalf("server exited before listening: %v\n%s", s.waitErr, s.tail(50))
	case <-time.After(serverStartTimeout):
		t.Fatalf("server printed no `listening on` line within %v", serverStartTimeout)
	}
	s.base = "http://" + s.addr
	return s
}

func (s *server) record(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lines) >= keepLines {
		copy(s.lines, s.lines[keepLines/2:])
		s.lines = s.lines[:len(s.lines)-keepLines/2]
		s.dropped += keepLines / 2
	}
	s.lines = append(s.lines, line)
	if m := sessionEndRE.FindStringSubmatch(line); m != nil && len(s.ends) < 100000 {
		s.ends[m[1]] = line
	}
	if badLine(line) && len(s.bad) < 200 {
		s.bad = append(s.bad, line)
	}
	for _, key := range []string{"closing slow consumer", "socketio: closing connection"} {
		if strings.Contains(line, key) {
			s.counts[key]++
		}
	}
	for _, w := range s.watchers {
		w(line)
	}
}

// count is how many log lines contained key (one of those record counts).
func (s *server) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[key]
}

func (s *server) tail(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := max(0, len(s.lines)-n)
	return strings.Join(s.lines[from:], "\n")
}

// checkLog fails the test when the server printed a panic, a race report
// or a crash.
func (s *server) checkLog() {
	s.mu.Lock()
	bad := append([]string(nil), s.bad...)
	s.mu.Unlock()
	if len(bad) > 0 {
		s.t.Errorf("server output reveals a crash, a race or a recovered panic:\n%s\n--- last lines:\n%s",
			strings.Join(bad, "\n"), s.tail(80))
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// alive reports whether the process is still running.
func (s *server) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return syscall.Kill(s.pid(), 0) == nil
	}
}

// waitExit waits up to d for the process to end and reports its exit error.
func (s *server) waitExit(d time.Duration) (error, bool) {
	select {
	case <-s.done:
		return s.waitErr, true
	case <-time.After(d):
		return nil, false
	}
}

// stop ends the server if it still runs: SIGTERM, SIGKILL after 15 s.
func (s *server) stop() {
	if !s.alive() {
		<-s.done
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	if _, ok := s.waitExit(15 * time.Second); !ok {
		s.t.Errorf("server pid %d ignored SIGTERM for 15s; killing it", s.pid())
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// rss is the server's resident set size in bytes, from /proc.
func (s *server) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid()))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) < 1 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", s.pid())
}

// threads is the server's OS thread count, from /proc.
func (s *server) threads() int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid()))
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(rest))
			return n
		}
	}
	return -1
}

// fds is the number of open file descriptors of the server.
func (s *server) fds() int {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.pid()))
	if err != nil {
		return -1
	}
	return len(ents)
}

var pprofClient = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// goroutines reads the server's goroutine count from /debug/pprof (the
// server must run with -pprof).
func (s *server) goroutines() (int, error) {
	body, err := s.pprof("/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(body, "\n")
	rest, ok := strings.CutPrefix(line, "goroutine profile: total ")
	if !ok {
		return 0, fmt.Errorf("unexpected goroutine profile header %q", line)
	}
	return strconv.Atoi(strings.TrimSpace(rest))
}

// goroutineDump is the full goroutine dump, for failure messages.
func (s *server) goroutineDump() string {
	body, err := s.pprof("/debug/pprof/goroutine?debug=1")
	if err != nil {
		return err.Error()
	}
	return body
}

// heap runs a GC in the server and returns its live heap (HeapAlloc) and
// HeapInuse in bytes.
func (s *server) heap() (alloc, inuse int64, err error) {
	body, err := s.pprof("/debug/pprof/heap?gc=1&debug=1")
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.SplitSeq(body, "\n") {
		if v, ok := strings.CutPrefix(line, "# HeapAlloc = "); ok {
			alloc, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
		if v, ok := strings.CutPrefix(line, "# HeapInuse = "); ok {
			inuse, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	if alloc == 0 {
		return 0, 0, fmt.Errorf("no HeapAlloc in the heap profile")
	}
	return alloc, inuse, nil
}

func (s *server) pprof(path string) (string, error) {
	resp, err := pprofClient.Get(s.base + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %s", path, resp.Status, bytes.TrimSpace(b))
	}
	return string(b), nil
}

// closeReasons is how many sessions the server has closed, by reason,
// from its /debug/vars: why a kept client lost its session.
func (s *server) closeReasons() string {
	body, err := s.pprof("/debug/vars")
	if err != nil {
		return err.Error()
	}
	var vars struct {
		Sio struct {
			Engine struct{ SessionsClosed map[string]uint64 }
		}
	}
	if err := json.Unmarshal([]byte(body), &vars); err != nil {
		return fmt.Sprintf("/debug/vars: %v", err)
	}
	var parts []string
	for reason, n := range vars.Sio.Engine.SessionsClosed {
		parts = append(parts, fmt.Sprintf("%s %d", reason, n))
	}
	slices.Sort(parts)
	return "sessions closed so far: " + strings.Join(parts, ", ")
}

// engineStacks is the server's goroutines that are in the engineio
// package, grouped by stack: whether writers or readers are stuck.
func (s *server) engineStacks() string {
	body, err := s.pprof("/debug/pprof/goroutine?debug=1")
	if err != nil {
		return err.Error()
	}
	var groups []string
	for g := range strings.SplitSeq(body, "\n\n") {
		if strings.Contains(g, "sio/engineio.") {
			groups = append(groups, g)
		}
	}
	return strings.Join(groups, "\n\n")
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// figures logs a test's measurements and also writes them to
// os.TempDir()/sio-hostile-<name>.txt, for scripts to show.
type figures struct {
	t     testing.TB
	name  string
	lines []string
}

func newFigures(t testing.TB, name string) *figures {
	f := &figures{t: t, name: name}
	t.Cleanup(f.write)
	return f
}

func (f *figures) logf(format string, args ...any) {
	f.t.Helper()
	line := fmt.Sprintf(format, args...)
	f.lines = append(f.lines, line)
	f.t.Log(line)
}

func (f *figures) write() {
	path := filepath.Join(os.TempDir(), "sio-hostile-"+f.name+".txt")
	if err := os.WriteFile(path, []byte(strings.Join(f.lines, "\n")+"\n"), 0o644); err != nil {
		f.t.Errorf("writing %s: %v", path, err)
	}
}

func TestBadLine(t *testing.T) {
	for line, want := range map[string]bool{
		`level=DEBUG msg="engineio: session closed" sid=F1_S18SdDAuHC5MPANIC reason="transport close"`: false,
		`level=DEBUG msg="engineio: session closed" sid=panic-AAAAAAAAAAAAAAA reason="ping timeout"`:   false,
		`level=ERROR msg="engineio: panic in message handler" sid=F1_S18SdDAuHC5MPANIC panic=boom`:     true,
		`level=ERROR msg="socketio: panic in event handler" panic="runtime error"`:                     true,
		`panic: runtime error: index out of range [3] with length 3`:                                   true,
		`http: panic serving 127.0.0.1:5000: boom`:                                                     true,
		`WARNING: DATA RACE`:                     true,
		`fatal error: concurrent map writes`:     true,
		`goroutine 7 [running]:`:                 true,
		`level=INFO msg="listening on http://x"`: false,
	} {
		if got := badLine(line); got != want {
			t.Errorf("badLine(%q) = %v, want %v", line, got, want)
		}
	}
}
