package redisadapter

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

// testRedis is the Redis the tests use: REDIS_URL, or a redis-server the
// tests start on a free loopback port (and may restart).
var testRedis struct {
	url  string
	addr string
	cmd  *exec.Cmd // nil with REDIS_URL
}

func TestMain(m *testing.M) {
	before := goleak.IgnoreCurrent()
	code := func() int {
		// The server starts with the first test that needs it (not in
		// fuzzing workers).
		defer stopRedis()
		return m.Run()
	}()
	if code == 0 {
		if err := goleak.Find(before); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startRedis starts redis-server on testRedis.addr and waits until it
// answers.
func startRedis() error {
	_, port, _ := net.SplitHostPort(testRedis.addr)
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlives the tests
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%w (is redis-server installed? apt-get install redis-server)", err)
	}
	testRedis.cmd = cmd
	c := redis.NewClient(&redis.Options{Addr: testRedis.addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not answer: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func stopRedis() {
	if testRedis.cmd == nil {
		return
	}
	_ = testRedis.cmd.Process.Kill()
	_ = testRedis.cmd.Wait()
	testRedis.cmd = nil
}

var redisOnce sync.Once
var redisErr error

// needRedis starts the tests' redis-server, once, unless REDIS_URL is set.
func needRedis(t testing.TB) {
	t.Helper()
	redisOnce.Do(func() {
		if u := os.Getenv("REDIS_URL"); u != "" {
			testRedis.url = u
			return
		}
		port, err := freePort()
		if err != nil {
			redisErr = err
			return
		}
		testRedis.addr = "127.0.0.1:" + strconv.Itoa(port)
		testRedis.url = "redis://" + testRedis.addr
		redisErr = startRedis()
	})
	if redisErr != nil {
		t.Fatal(redisErr)
	}
}

func newClient(t testing.TB) *redis.Client {
	t.Helper()
	needRedis(t)
	opt, err := redis.ParseURL(testRedis.url)
	if err != nil {
		t.Fatal(err)
	}
	opt.MaxRetries = -1
	opt.DialTimeout = time.Second
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

var keySeq atomic.Int64

// uniqueKey is a channel prefix of its own for one test's cluster.
func uniqueKey() string {
	return fmt.Sprintf("sio-test-%d-%d", os.Getpid(), keySeq.Add(1))
}
