package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// Step 10: -workers N. The program starts N copies of itself, the
// workers, on ports PORT+0 to PORT+N-1, all with the same database and
// Redis; a worker is an ordinary chat server with -redis. This process
// supervises them: it restarts a worker that dies, passes SIGINT and
// SIGTERM on, and exits once they all have.

// workerEnv marks a worker; its value is the worker's number.
const workerEnv = "SIO_CHAT_WORKER"

const (
	// minUptime: a worker that exits sooner after its start does not get
	// restarted (a port in use, Redis gone, ...): everything stops.
	minUptime = 5 * time.Second
	// restartDelay is the pause before a worker that died is restarted.
	restartDelay = time.Second
	// stopGrace is how long the workers have to shut down gracefully once
	// told to; they are killed after it.
	stopGrace = 20 * time.Second
)

// worker is one child process.
type worker struct {
	n        int
	addr     string
	cmd      *exec.Cmd      // nil while not running
	lifeline io.WriteCloser // the worker's stdin; it stops when it closes
	started  time.Time
}

type workerExit struct {
	w   *worker
	err error
}

// supervise runs c.workers workers until SIGINT or SIGTERM, which it
// forwards to them; it returns once they have all exited.
func supervise(c config, logger *slog.Logger) error {
	host, port, err := net.SplitHostPort(c.addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	base, err := strconv.Atoi(port)
	if err != nil || base <= 0 || base+c.workers-1 > 65535 {
		return fmt.Errorf("-addr %s with -workers %d: the port must be a number from 1 to %d "+
			"(worker i listens on port+i; port 0 cannot be shared out)", c.addr, c.workers, 65536-c.workers)
	}
	// What every worker needs, checked once with a clear error: the
	// browser bundle, the database (created, with its table and WAL mode,
	// before the workers open it together), Redis.
	if _, err := loadClientBundle(exampleDirs()); err != nil {
		return err
	}
	st, err := openStore(c.db)
	if err != nil {
		return err
	}
	_ = st.Close()
	client, err := dialRedis(c.redis)
	if err != nil {
		return err
	}
	_ = client.Close()
	exe, err := os.Executable()
	if err != nil {
		return err
	}

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	exits := make(chan workerExit)
	restarts := make(chan *worker, c.workers)
	start := func(w *worker) error {
		cmd := exec.Command(exe, "-addr", w.addr, "-db", c.db, "-redis", c.redis, "-redis-key", c.redisKey)
		cmd.Env = append(os.Environ(), workerEnv+"="+strconv.Itoa(w.n))
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		lifeline, err := cmd.StdinPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("worker %d: %w", w.n, err)
		}
		w.cmd, w.lifeline, w.started = cmd, lifeline, time.Now()
		logger.Info("worker started", "worker", w.n, "pid", cmd.Process.Pid, "addr", w.addr)
		go func() { exits <- workerExit{w, cmd.Wait()} }()
		return nil
	}

	workers := make([]*worker, c.workers)
	running, pending := 0, 0 // processes, and restarts waiting for their delay
	var failed error         // why the workers are stopped, if not by a signal
	var stopping bool
	var killAt <-chan time.Time
	stopAll := func(sig os.Signal) {
		for _, w := range workers {
			if w == nil || w.cmd == nil {
				continue
			}
			if err := w.cmd.Process.Signal(sig); err != nil {
				_ = w.lifeline.Close() // no signals here: closing its stdin stops it too
			}
		}
		if !stopping {
			stopping = true
			killAt = time.After(stopGrace)
		}
	}
	fail := func(err error) {
		if failed == nil {
			failed = err
		}
		logger.Error("stopping the workers", "err", err)
		stopAll(syscall.SIGTERM)
	}

	for i := range workers {
		w := &worker{n: i, addr: net.JoinHostPort(host, strconv.Itoa(base+i))}
		if err := start(w); err != nil {
			fail(err)
			break
		}
		workers[i] = w
		running++
	}

	for running+pending > 0 {
		select {
		case sig := <-sigs:
			if stopping {
				logger.Warn("signal while stopping: killing the workers", "signal", sig)
				killAll(workers)
				continue
			}
			logger.Info("stopping the workers", "signal", sig)
			stopAll(sig)
		case <-killAt:
			logger.Error("the workers did not stop in time: killing them", "after", stopGrace)
			killAll(workers)
		case ex := <-exits:
			running--
			w := ex.w
			w.cmd = nil
			switch {
			case stopping:
				if ex.err != nil {
					logger.Error("worker exited", "worker", w.n, "err", ex.err)
					if failed == nil {
						failed = fmt.Errorf("worker %d: %w", w.n, ex.err)
					}
				}
			case time.Since(w.started) < minUptime:
				fail(fmt.Errorf("worker %d (%s) exited %v after its start: %v",
					w.n, w.addr, time.Since(w.started).Round(time.Millisecond), ex.err))
			default:
				logger.Error("worker exited; restarting it", "worker", w.n, "err", ex.err, "in", restartDelay)
				pending++
				time.AfterFunc(restartDelay, func() { restarts <- w })
			}
		case w := <-restarts:
			pending--
			if stopping {
				continue
			}
			if err := start(w); err != nil {
				fail(err)
				continue
			}
			running++
		}
	}
	return failed
}

// killAll kills the workers still running.
func killAll(workers []*worker) {
	for _, w := range workers {
		if w != nil && w.cmd != nil {
			_ = w.cmd.Process.Kill()
		}
	}
}

// untilParentGone returns a context done with ctx or when r, a worker's
// stdin (a pipe from its parent, never written), ends: the parent is gone,
// or asks the worker to stop.
func untilParentGone(ctx context.Context, r io.Reader) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		if _, err := io.Copy(io.Discard, r); err == nil {
			cancel() // the end of the pipe
		} // else no pipe to read: the signals stop the worker
	}()
	return ctx
}
