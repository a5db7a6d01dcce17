package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/seed-e3ad8a97/sio/adapter"
	"github.com/seed-e3ad8a97/sio/recovery"
	"github.com/seed-e3ad8a97/sio/socketio"
)

// TestRecoveryRace checks the promise the chat's recovery step relies on:
// a recovered socket gets every broadcast it missed, once, in order, and
// keeps receiving broadcasts. The official client reconnects over and over
// while the server broadcasts numbered events (testdata/recovery-race.mjs).
// It caught three library bugs, now fixed: broadcasts lost or overtaking
// the replay while a socket recovered, a recovered socket removed with its
// old self, and a long-polling replay larger than the session's queue.
func TestRecoveryRace(t *testing.T) {
	if _, err := os.Stat(filepath.Join(clientDir, "socket.io.js")); err != nil {
		t.Fatalf("%v: run `npm ci` in examples/chat", err)
	}
	t.Run("missed events", func(t *testing.T) {
		// Broadcasts made between the session's restore and the socket's
		// joining its rooms are lost; those made between its joining and the
		// replay of the missed ones overtake them.
		raceRecovery(t, &socketio.Recovery{}, 40, 30*time.Millisecond)
	})
	t.Run("slow persist", func(t *testing.T) {
		// The dropped socket leaves its namespace after its session is
		// persisted: a client that recovers in between is removed with it
		// (same id), and hears no more broadcasts.
		store := slowPersist{recovery.NewMemory(nil), 300 * time.Millisecond}
		raceRecovery(t, &socketio.Recovery{Store: store}, 3, 500*time.Millisecond)
	})
	t.Run("large backlog over polling", func(t *testing.T) {
		// Replaying more missed events than the session's queue holds
		// closes it as a slow consumer; the session is kept again and the
		// client comes back with the same offset, over and over.
		recoverBacklog(t, 6000)
	})
}

func recoverBacklog(t *testing.T, burst int) {
	io := socketio.NewServer(&socketio.Options{Recovery: &socketio.Recovery{}})
	hs := httptest.NewServer(io)
	defer hs.Close()
	defer io.Close()
	io.OnConnection(func(s *socketio.Socket) { _ = s.Emit("tick", 0) }) // gives the client an offset

	cmd := exec.Command("node", "testdata/recovery-backlog.mjs")
	cmd.Env = append(os.Environ(), "SERVER_URL="+hs.URL)
	cmd.Stderr = os.Stderr
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
	var last string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		last = sc.Text()
		if last == "ctl burst" {
			for n := 1; n <= burst; n++ {
				_ = io.Emit("tick", n)
			}
			fmt.Fprintln(stdin, "ok")
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("node: %v", err)
	}
	var r struct {
		Connected, Recovered      bool
		Drops, Received, Distinct int
	}
	if err := json.Unmarshal([]byte(last), &r); err != nil {
		t.Fatalf("%v: %s", err, last)
	}
	t.Logf("%+v", r)
	if !r.Connected || !r.Recovered || r.Drops > 0 || r.Received != burst || r.Distinct != burst {
		t.Errorf("after missing %d events: %+v; want recovered at once, each event once", burst, r)
	}
}

// slowPersist is a store whose Persist is slow to return after the session
// is kept, as a networked store may be.
type slowPersist struct {
	*recovery.Memory
	delay time.Duration
}

func (s slowPersist) Persist(sess adapter.Session) error {
	err := s.Memory.Persist(sess)
	time.Sleep(s.delay)
	return err
}

func raceRecovery(t *testing.T, rec *socketio.Recovery, rounds int, pause time.Duration) {
	io := socketio.NewServer(&socketio.Options{Recovery: rec})
	hs := httptest.NewServer(io)
	defer hs.Close()
	defer io.Close()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // a steady stream of numbered broadcasts
		defer wg.Done()
		for n := 1; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			_ = io.Emit("tick", n)
			time.Sleep(200 * time.Microsecond)
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	cmd := exec.Command("node", "testdata/recovery-race.mjs")
	cmd.Env = append(os.Environ(), "SERVER_URL="+hs.URL,
		"ROUNDS="+strconv.Itoa(rounds), "PAUSE_MS="+strconv.Itoa(int(pause.Milliseconds())))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var r struct {
		Rounds, Recovered, Fresh, Deaf, Lost, Duplicated, Reordered int
		Examples                                                    []string
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Logf("%+v", r)
	if r.Deaf > 0 {
		t.Errorf("a recovered socket stopped receiving broadcasts")
	}
	if r.Lost > 0 || r.Duplicated > 0 || r.Reordered > 0 {
		t.Errorf("recovered sessions lost %d events, got %d twice and %d out of order: %q",
			r.Lost, r.Duplicated, r.Reordered, r.Examples)
	}
}
