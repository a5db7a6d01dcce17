// Package e2e runs clusters of real server processes on a real Redis and
// drives them with the official Node.js packages (socket.io-client, and
// socket.io with @socket.io/redis-adapter for mixed clusters), pinned in
// package.json.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	redisadapter "github.com/seed-e3ad8a97/sio/adapter/redis"
)

var (
	redisURL   string
	testserver string // the built examples/testserver binary
)

func TestMain(m *testing.M) {
	os.Exit(func() int {
		for _, tool := range []string{"node", "go"} {
			if _, err := exec.LookPath(tool); err != nil {
				fmt.Fprintf(os.Stderr, "e2e: %s is required: %v\n", tool, err)
				return 1
			}
		}
		if _, err := os.Stat("node_modules/socket.io-client"); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: run npm ci in adapter/redis/e2e first:", err)
			return 1
		}
		dir, err := os.MkdirTemp("", "sio-redis-e2e")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		testserver = filepath.Join(dir, "testserver")
		build := exec.Command("go", "build", "-o", testserver, "./testserver")
		build.Dir = filepath.Join("..", "..", "..", "examples")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: building the testserver: %v\n%s", err, out)
			return 1
		}
		if redisURL = os.Getenv("REDIS_URL"); redisURL == "" {
			stop, url, err := startRedis()
			if err != nil {
				fmt.Fprintln(os.Stderr, "e2e:", err)
				return 1
			}
			defer stop()
			redisURL = url
		}
		return m.Run()
	}())
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startRedis starts a redis-server of the tests' own on a free port.
func startRedis() (stop func(), url string, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlives the tests
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("redis-server (apt-get install redis-server): %w", err)
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err == nil {
			_, _ = c.Write([]byte("PING\r\n"))
			buf := make([]byte, 7)
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			n, _ := io.ReadFull(c, buf)
			c.Close()
			if string(buf[:n]) == "+PONG\r\n" {
				return stop, "redis://127.0.0.1:" + port, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, "", fmt.Errorf("redis-server on port %s did not answer", port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startServer runs a server process until the test ends; it returns once
// the server listens. Its output goes to the test log.
func startServer(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = "."
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if s := stderr.String(); s != "" {
			t.Logf("%s %v stderr:\n%s", filepath.Base(name), args, s)
		}
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "listening on") {
				select {
				case ready <- true:
				default:
				}
			}
		}
		_ = cmd.Wait()
		close(exited)
		select {
		case ready <- false:
		default:
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("%s %v exited: %s", name, args, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("%s %v did not start", name, args)
	}
	return cmd
}

func goNode(t *testing.T, extra ...string) string {
	addr := freeAddr(t)
	startServer(t, testserver, append([]string{"-addr", addr, "-redis", redisURL}, extra...)...)
	return "http://" + addr
}

func nodeNode(t *testing.T, extra ...string) string {
	addr := freeAddr(t)
	startServer(t, "node", append([]string{"node-server.mjs", "-addr", addr, "-redis", redisURL}, extra...)...)
	return "http://" + addr
}

// drive runs cluster.mjs against servers.
func drive(t *testing.T, servers []string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "cluster.mjs")
	cmd.Env = append(os.Environ(), append(env, "SERVERS="+strings.Join(servers, ","), "REDIS_URL="+redisURL)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if id, ok := strings.CutPrefix(line, "emit-now "); ok {
			if err := goEmit(id); err != nil {
				t.Errorf("Go emitter: %v", err)
			}
			_, _ = io.WriteString(stdin, "done\n")
		}
	}
	err = cmd.Wait()
	t.Logf("cluster.mjs:\n%s", out.String())
	if err != nil {
		t.Fatalf("cluster.mjs: %v", err)
	}
}

// goEmit emits through redisadapter.Emitter what cluster.mjs expects: to
// room r with binary, and to everyone except the socket id.
func goEmit(except string) error {
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return err
	}
	client := redis.NewClient(opt)
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e := redisadapter.NewEmitter(client, nil)
	if err := e.To("r").Emit(ctx, "from-go-emitter", "room", []byte{1, 2, 3}, map[string]any{"n": 1.5}); err != nil {
		return err
	}
	return e.Except(except).Emit(ctx, "from-go-emitter", "except")
}

// Three Go nodes: room broadcasts reach every client once, broadcast acks
// count every client, fetch-sockets sees all, the server count is 3 and
// server-side emit acks arrive.
func TestGoCluster(t *testing.T) {
	var servers []string
	for range 3 {
		servers = append(servers, goNode(t))
	}
	drive(t, servers)
}

// A Node server (socket.io + @socket.io/redis-adapter) and two Go nodes:
// the same checks, in both directions, and @socket.io/redis-emitter and
// the Go Emitter reaching the clients of every node.
func TestMixedCluster(t *testing.T) {
	servers := []string{nodeNode(t), goNode(t), goNode(t)}
	drive(t, servers, "EMITTER=1", "GO_EMITTER=1")
}

// A Node server on @socket.io/redis-streams-adapter and two Go nodes on
// the Streams adapter: the same checks, in both directions.
func TestMixedStreamsCluster(t *testing.T) {
	servers := []string{nodeNode(t, "-adapter", "streams"), goNode(t, "-redis-adapter", "streams"), goNode(t, "-redis-adapter", "streams")}
	drive(t, servers)
}

// A Node server on @socket.io/redis-adapter's sharded adapter (Redis 7
// sharded pub/sub, dynamic room channels) and two Go nodes on Sharded.
func TestMixedShardedCluster(t *testing.T) {
	servers := []string{nodeNode(t, "-adapter", "sharded"), goNode(t, "-redis-adapter", "sharded"), goNode(t, "-redis-adapter", "sharded")}
	drive(t, servers)
}
