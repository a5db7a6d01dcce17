package e2e

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// recoveryNode is a Go node of the Redis Streams adapter with recovery.
func recoveryNode(t *testing.T) (string, *exec.Cmd) {
	addr := freeAddr(t)
	cmd := startServer(t, testserver, "-addr", addr, "-redis", redisURL, "-redis-adapter", "streams", "-recovery")
	return "http://" + addr, cmd
}

func runRecovery(t *testing.T, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "recovery.mjs")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("recovery.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("recovery.mjs: %v", err)
	}
}

// A client whose connection to node A drops comes back on node B with its
// id, rooms and the events it missed: the session and the events are in
// Redis.
func TestRecoveryAcrossNodes(t *testing.T) {
	a, _ := recoveryNode(t)
	b, _ := recoveryNode(t)
	runRecovery(t, "A="+a, "B="+b)
}

// The same when node A itself stops: the session outlives the node.
func TestRecoveryAfterNodeStops(t *testing.T) {
	a, cmdA := recoveryNode(t)
	b, _ := recoveryNode(t)
	runRecovery(t, "A="+a, "B="+b, "KILL_PID="+strconv.Itoa(cmdA.Process.Pid))
}

// Recovery between a Node node (@socket.io/redis-streams-adapter) and a Go
// node, both ways: the offsets are the stream's entry ids on both.
func TestRecoveryMixed(t *testing.T) {
	nodeAddr := nodeNode(t, "-adapter", "streams", "-recovery")
	goAddr, _ := recoveryNode(t)
	t.Run("NodeToGo", func(t *testing.T) { runRecovery(t, "A="+nodeAddr, "B="+goAddr) })
	t.Run("GoToNode", func(t *testing.T) { runRecovery(t, "A="+goAddr, "B="+nodeAddr) })
}
