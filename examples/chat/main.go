// Command chat is the Socket.IO chat tutorial, every step of it, on the
// sio server: a page where everyone sees every message, that survives
// dropped connections and restarts of the server without losing or
// repeating a message.
//
// The steps, in the order of the tutorial, are marked "Step N" in the code:
//
//  1. serving the HTML page (index.html, embedded in the program);
//  2. integrating Socket.IO: the page loads /socket.io/socket.io.js, the
//     official socket.io-client bundle installed by npm and served here;
//  3. logging when a user connects and disconnects;
//  4. receiving "chat message" from the page;
//  5. broadcasting each message to everyone;
//  6. connection state recovery, with a Disconnect/Connect button;
//  7. server delivery: messages kept in SQLite, the id as offset, and the
//     client's serverOffset telling what it missed, also after a restart;
//  8. client delivery: the page retries until acknowledged, with a unique
//     client offset, and the server stores each message once;
//  9. the flags below;
//  10. scaling horizontally: several processes sharing the database and a
//     Redis through which they broadcast (-workers, -redis).
//
// Usage:
//
//	chat [-addr HOST:PORT] [-db PATH] [-redis URL [-redis-key KEY] [-workers N]]
//
// -addr defaults to 127.0.0.1:3000, or 127.0.0.1:$PORT when PORT is set;
// port 0 picks a free port. -db defaults to chat.db in the working
// directory. -redis joins a cluster of chat servers through the Redis at
// URL (redis://HOST:PORT); -workers N starts N such servers, child
// processes of this one, on ports PORT+0 to PORT+N-1 of -addr, and
// supervises them. Run `npm ci` in examples/chat first (make run does it).
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-e3ad8a97/sio/socketio"
)

// Step 1: the page, built into the program.
//
//go:embed index.html
var indexHTML []byte

type config struct {
	addr     string
	db       string
	redis    string // Redis URL, "" for a single server
	redisKey string // the name of the chat's stream, channels and keys in Redis
	workers  int    // processes to start, 0 to serve in this one
}

func main() {
	var c config
	c.bind(flag.CommandLine)
	flag.Parse()
	if err := c.check(flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	redis.SetLogger(redisLog{logger})

	if c.workers > 0 {
		// Step 10: this process only supervises the workers.
		if err := supervise(c, logger); err != nil {
			fmt.Fprintln(os.Stderr, "chat:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if n, ok := os.LookupEnv(workerEnv); ok {
		// A worker started by -workers: it stops with its parent.
		logger = logger.With("worker", n)
		ctx = untilParentGone(ctx, os.Stdin)
	}
	if err := run(ctx, c, os.Stdout, logger); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// bind defines the flags of c in fs (Step 9; Step 10 for -redis, -redis-key
// and -workers).
func (c *config) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", defaultAddr(os.Getenv("PORT")),
		"listen address HOST:PORT, port 0 for any free port (default from $PORT when set); "+
			"with -workers N, the first of N ports")
	fs.StringVar(&c.db, "db", "chat.db", "SQLite database file")
	fs.StringVar(&c.redis, "redis", "", "Redis URL (redis://HOST:PORT): join a cluster of chat servers "+
		"through the Redis adapter (Streams)")
	fs.StringVar(&c.redisKey, "redis-key", "sio-chat", "with -redis: the Redis stream of the cluster, "+
		"also the prefix of its channels and keys")
	fs.IntVar(&c.workers, "workers", 0, "start N worker processes on ports PORT+0..PORT+N-1, "+
		"sharing -db and the Redis of -redis (required)")
}

// check reports bad flags, and arguments (there are none).
func (c *config) check(args []string) error {
	switch {
	case len(args) > 0:
		return fmt.Errorf("unexpected arguments %q", args)
	case c.workers < 0:
		return fmt.Errorf("-workers %d: want 0 (serve in this process) or more", c.workers)
	case c.workers > 0 && c.redis == "":
		return errors.New("-workers needs -redis URL: the workers are separate processes, which " +
			"broadcast each message to the clients of the others through Redis " +
			"(e.g. -workers 2 -redis redis://127.0.0.1:6379)")
	case c.redis != "" && c.redisKey == "":
		return errors.New("-redis-key must not be empty")
	}
	return nil
}

// defaultAddr is 127.0.0.1:3000, or 127.0.0.1:$PORT when PORT is set.
func defaultAddr(port string) string {
	if port = strings.TrimSpace(port); port != "" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return "127.0.0.1:3000"
}

// run serves the chat until ctx is done, then shuts down gracefully. It
// prints "listening on http://HOST:PORT" to out once it accepts
// connections.
func run(ctx context.Context, c config, out io.Writer, logger *slog.Logger) error {
	// Step 2: the browser bundle must be there before anything starts.
	bundle, err := loadClientBundle(exampleDirs())
	if err != nil {
		return err
	}
	// Step 7: the messages.
	st, err := openStore(c.db)
	if err != nil {
		return err
	}
	defer st.Close()

	// Steps 2 and 6: the Socket.IO server, with connection state recovery.
	opts := &socketio.Options{
		Recovery: &socketio.Recovery{MaxDisconnectionDuration: recoveryWindow},
		Logger:   logger,
	}
	// Step 10: with -redis, one server of a cluster.
	if c.redis != "" {
		leave, err := joinCluster(c.redis, c.redisKey, opts, logger)
		if err != nil {
			return err
		}
		defer leave() // after the server's shutdown, before the database closes
	}
	io := socketio.NewServer(opts)
	ch := &chat{io: io, store: st, log: logger}
	io.OnConnection(ch.onConnection)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", serveIndex) // Step 1
	bundle.register(mux)                   // Step 2: /socket.io/socket.io.js
	mux.Handle("/socket.io/", io)          // Step 2: the Socket.IO endpoint

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ready := []any{"db", c.db, "socket.io-client", bundle.version}
	if c.redis != "" {
		ready = append(ready, "redis", redact(c.redis))
	}
	logger.Info("chat ready", ready...)
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		_ = io.Close()
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Clients first, so they hear the goodbye (and reconnect later) before
	// the listener closes; their handlers finish before the database closes.
	_ = io.Shutdown(shutdown)
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveIndex serves the page (Step 1).
func serveIndex(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(indexHTML)
}
