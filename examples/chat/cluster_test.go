package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestCluster runs the chat as a cluster, -workers 2 -redis URL, on a Redis
// of its own (or REDIS_URL's), and drives it with cluster.test.mjs: a page
// on each worker; a message sent on one shows on the other once; both send
// at once and the pages agree on the order; a page catches up from the
// shared database and recovers from a dropped connection; a Node client
// drops on one worker and recovers on the other (the session and the
// missed messages come from Redis). Then the database must hold what the
// pages show, and the workers must stop cleanly on the parent's SIGTERM.
// It needs redis-server (or REDIS_URL), node, the npm packages and
// Chromium: without them it fails, it never skips.
func TestCluster(t *testing.T) {
	node, chromium := requireBrowserTools(t)
	redisURL := testRedis(t)
	key := fmt.Sprintf("sio-chat-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	rdb := redisClient(t, redisURL)
	bin := buildChat(t)
	db := filepath.Join(t.TempDir(), "chat.db")

	cl := startCluster(t, bin, "-db", db, "-redis", redisURL, "-redis-key", key, "-workers", "2")
	defer func() { cl.stop(t) }()
	if len(cl.addrs) != 2 || portOf(t, cl.addrs[1]) != portOf(t, cl.addrs[0])+1 {
		t.Fatalf("workers listen on %v, want two consecutive ports", cl.addrs)
	}

	ctx, cancel := context.WithTimeout(context.Background(), browserTestTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "cluster.test.mjs")
	cmd.Env = append(os.Environ(),
		"CHAT_URLS=http://"+cl.addrs[0]+",http://"+cl.addrs[1],
		"CHROMIUM="+chromium,
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	var history []string
	var moved string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		t.Log("cluster: " + line)
		switch {
		case strings.HasPrefix(line, "ctl session "):
			// The worker that saw the connection drop has kept its session
			// in Redis: any worker can now restore it.
			pid := strings.TrimPrefix(line, "ctl session ")
			if err := waitForKey(rdb, key+":session:"+pid); err != nil {
				t.Errorf("session %s: %v", pid, err)
				fmt.Fprintln(stdin, "no")
				continue
			}
			fmt.Fprintln(stdin, "ok")
		case strings.HasPrefix(line, "moved "):
			moved = strings.TrimPrefix(line, "moved ")
		case strings.HasPrefix(line, "history "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "history ")), &history); err != nil {
				t.Errorf("history line: %v", err)
			}
		}
	}
	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("cluster test failed: %v\n%s\nchat:\n%s", err, stderr.String(), cl.log())
	}
	if stderr.Len() > 0 {
		t.Logf("cluster test stderr:\n%s", stderr.String())
	}

	cl.stop(t)
	out := cl.log()
	for w := range 2 {
		if !regexp.MustCompile(`msg="a user connected" worker=` + strconv.Itoa(w) + ` `).MatchString(out) {
			t.Errorf("worker %d logged no connection:\n%s", w, out)
		}
	}
	// The Node client came back on worker 1 with its id, recovered.
	if moved == "" || !strings.Contains(out, `msg="a user connected" worker=1 id=`+moved+` recovered=true`) {
		t.Errorf("worker 1 did not log the recovery of the moved client %q:\n%s", moved, out)
	}
	checkDatabase(t, db, history)
}

// TestWorkersNeedRedis checks the flags of the cluster mode.
func TestWorkersNeedRedis(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string // in the error, "" for none
	}{
		{nil, ""},
		{[]string{"-redis", "redis://127.0.0.1:6379"}, ""},
		{[]string{"-workers", "2", "-redis", "redis://127.0.0.1:6379"}, ""},
		{[]string{"-workers", "2"}, "-workers needs -redis URL"},
		{[]string{"-workers", "-1", "-redis", "redis://x"}, "-workers -1"},
		{[]string{"-redis", "redis://x", "-redis-key", ""}, "-redis-key"},
		{[]string{"extra"}, "unexpected arguments"},
	} {
		fs := flag.NewFlagSet("chat", flag.ContinueOnError)
		var c2 config
		c2.bind(fs)
		if err := fs.Parse(c.args); err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		err := c2.check(fs.Args())
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q: %v", c.args, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q: error %v, want one with %q", c.args, err, c.want)
		}
	}
}

// startCluster starts the chat with args, which hold -workers, on two
// consecutive free ports, and waits until both workers listen. Another
// program may take a port between the choice and the workers' start: then
// it tries other ports.
func startCluster(t *testing.T, bin string, args ...string) *chatProcess {
	t.Helper()
	var last error
	for range 5 {
		base := freePortPair(t)
		p, err := startProcess(t, bin, 2, append(args, "-addr", "127.0.0.1:"+strconv.Itoa(base))...)
		if err == nil {
			return p
		}
		last = err
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	t.Fatal(last)
	return nil
}

// freePortPair returns a port p of the loopback such that p and p+1 are
// both free. It looks below the ephemeral range (32768 and up on Linux),
// where the kernel takes the local ports of outgoing connections (even
// ones, mostly), so that the port after a free one is often taken there.
func freePortPair(t *testing.T) int {
	t.Helper()
	for range 200 {
		p := 20000 + rand.IntN(12000)
		first, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		second, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+1))
		first.Close()
		if err == nil {
			second.Close()
			return p
		}
	}
	t.Fatal("no two consecutive free ports on 127.0.0.1 from 20000 to 32000")
	return 0
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// comparePorts orders HOST:PORT addresses by port.
func comparePorts(a, b string) int {
	port := func(s string) int {
		_, p, _ := net.SplitHostPort(s)
		n, _ := strconv.Atoi(p)
		return n
	}
	return cmp.Compare(port(a), port(b))
}

// testRedis returns REDIS_URL, or starts a redis-server of the test's own
// on a free loopback port, stopped when the test ends.
func testRedis(t *testing.T) string {
	t.Helper()
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	server, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is required for the cluster test (apt-get install redis-server, "+
			"or set REDIS_URL to a Redis to use): %v", err)
	}
	var last error
	for range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		cmd := exec.Command(server, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
		cmd.Dir = t.TempDir() // where it would write anything
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.SysProcAttr = redisProcAttr() // never outlives the tests
		if err := cmd.Start(); err != nil {
			t.Fatalf("redis-server: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		url := "redis://127.0.0.1:" + port
		if last = pingRedis(url, exited); last == nil {
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			return url
		}
		_ = cmd.Process.Kill()
		<-exited
		last = fmt.Errorf("%w\n%s", last, out.String())
	}
	t.Fatalf("redis-server did not start: %v", last)
	return ""
}

// pingRedis waits until the Redis at url answers, or exited closes.
func pingRedis(url string, exited <-chan struct{}) error {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	opts.MaxRetries = -1
	c := redis.NewClient(opts)
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited: %w", err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not answer: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func redisClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// waitForKey waits until key exists in Redis.
func waitForKey(c *redis.Client, key string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		n, err := c.Exists(ctx, key).Result()
		cancel()
		if err == nil && n == 1 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not in Redis after 10s (last error %v)", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWorkers checks the supervision of -workers: a worker that dies is
// restarted on its port; a worker that cannot start stops them all, with
// the reason; and workers whose parent is killed stop by themselves.
func TestWorkers(t *testing.T) {
	redisURL := testRedis(t)
	key := fmt.Sprintf("sio-chat-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	bin := buildChat(t)
	if _, err := loadClientBundle([]string{"."}); err != nil {
		t.Fatal(err) // the workers need it: npm ci
	}
	db := filepath.Join(t.TempDir(), "chat.db")
	args := []string{"-db", db, "-redis", redisURL, "-redis-key", key, "-workers", "2"}

	t.Run("a worker that dies is restarted", func(t *testing.T) {
		cl := startCluster(t, bin, args...)
		defer func() { cl.stop(t) }()
		pids := workerPIDs(t, cl, 2)
		time.Sleep(minUptime) // a worker dying sooner stops everything
		kill(t, pids[1])
		if again := workerPIDs(t, cl, 3); again[1] == pids[1] { // the third start
			t.Errorf("worker 1 kept pid %d across its restart", pids[1])
		}
		if !strings.Contains(cl.log(), `msg="worker exited; restarting it" worker=1`) {
			t.Errorf("no restart logged:\n%s", cl.log())
		}
		waitListening(t, cl.addrs[1])
		cl.stop(t)
		if n := strings.Count(cl.log(), `msg="shutting down"`); n != 2 {
			t.Errorf("%d workers shut down gracefully, want 2:\n%s", n, cl.log())
		}
	})

	t.Run("a worker that cannot start stops them all", func(t *testing.T) {
		var base int
		var busy net.Listener
		for busy == nil {
			base = freePortPair(t)
			busy, _ = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+1)) // nil if taken meanwhile
		}
		defer busy.Close()
		p, err := startProcess(t, bin, 1, append(args, "-addr", "127.0.0.1:"+strconv.Itoa(base))...)
		if err != nil {
			// Worker 1 may fail before worker 0 says it listens.
			if !strings.Contains(err.Error(), "worker 1") || !strings.Contains(err.Error(), "address already in use") {
				t.Fatalf("the error does not name worker 1 and the busy port: %v", err)
			}
			return
		}
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			t.Fatalf("the chat did not stop after worker 1 failed:\n%s", p.log())
		}
		if p.err == nil || !strings.Contains(p.log(), "worker 1") || !strings.Contains(p.log(), "address already in use") {
			t.Errorf("exit %v; the log does not name worker 1 and the busy port:\n%s", p.err, p.log())
		}
		if !strings.Contains(p.log(), `msg="shutting down" worker=0`) {
			t.Errorf("worker 0 was not stopped:\n%s", p.log())
		}
	})

	t.Run("workers stop when their parent is killed", func(t *testing.T) {
		cl := startCluster(t, bin, args...)
		pids := workerPIDs(t, cl, 2)
		if err := cl.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-cl.done: // its output ends with its workers' (they share it)
		case <-time.After(stopTimeout):
			for _, pid := range pids {
				if proc, err := os.FindProcess(pid); err == nil {
					_ = proc.Kill()
				}
			}
			t.Fatalf("the workers (pids %v) still ran %v after their parent was killed", pids, stopTimeout)
		}
		cl.err = nil // killed on purpose
		for _, addr := range cl.addrs {
			deadline := time.Now().Add(stopTimeout)
			for {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					break // no longer listening
				}
				c.Close()
				if time.Now().After(deadline) {
					t.Fatalf("a worker (pids %v) still listens on %s after its parent was killed", pids, addr)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	})
}

var workerStartedRE = regexp.MustCompile(`msg="worker started" worker=(\d+) pid=(\d+)`)

// workerPIDs waits until the parent logged n worker starts, and returns
// the pid of each worker's latest.
func workerPIDs(t *testing.T, p *chatProcess, n int) map[int]int {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		m := workerStartedRE.FindAllStringSubmatch(p.log(), -1)
		if len(m) >= n {
			pids := make(map[int]int)
			for _, s := range m {
				w, _ := strconv.Atoi(s[1])
				pids[w], _ = strconv.Atoi(s[2])
			}
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d worker starts logged, want %d:\n%s", len(m), n, p.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill kills a worker of the test's chat.
func kill(t *testing.T, pid int) {
	t.Helper()
	proc, err := os.FindProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Kill(); err != nil {
		t.Fatal(err)
	}
}

// waitListening waits until addr accepts connections.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
