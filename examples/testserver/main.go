// Command testserver is the small sio program that interoperability,
// conformance, load and hostile-input checks point at. Its contract:
// an Engine.IO echo at /engine.io/ and the Socket.IO events of the test
// suites at /socket.io/ on namespaces / and /custom.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"expvar"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/seed-e3ad8a97/sio/engineio"
	"github.com/seed-e3ad8a97/sio/socketio"
)

type config struct {
	addr           string
	pingInterval   time.Duration
	pingTimeout    time.Duration
	maxPayload     int
	transports     string
	recovery       bool
	redis          string
	redisAdapter   string
	connectTimeout time.Duration
	cors           string
	pprof          bool
	logLevel       string
	tlsCert        string
	tlsKey         string
}

func main() {
	var c config
	flag.StringVar(&c.addr, "addr", "127.0.0.1:3000", "listen address")
	flag.DurationVar(&c.pingInterval, "ping-interval", 25*time.Second, "Engine.IO ping interval")
	flag.DurationVar(&c.pingTimeout, "ping-timeout", 20*time.Second, "Engine.IO ping timeout")
	flag.IntVar(&c.maxPayload, "max-payload", 1_000_000, "largest polling body or WebSocket message, in bytes")
	flag.StringVar(&c.transports, "transports", "polling,websocket", "allowed transports")
	flag.BoolVar(&c.recovery, "recovery", false, "enable connection state recovery (max disconnection 2m)")
	flag.StringVar(&c.redis, "redis", "", "Redis URL: join a cluster through the Redis adapter")
	flag.StringVar(&c.redisAdapter, "redis-adapter", "pubsub", "with -redis: the adapter, pubsub (as @socket.io/redis-adapter), sharded (its sharded pub/sub variant, Redis 7) or streams (as @socket.io/redis-streams-adapter, which also keeps recovery sessions in Redis)")
	flag.DurationVar(&c.connectTimeout, "connect-timeout", 45*time.Second, "how long a client may wait before sending CONNECT")
	flag.StringVar(&c.cors, "cors", "", "allowed origin(s), comma-separated, * for any")
	flag.BoolVar(&c.pprof, "pprof", false, "serve net/http/pprof at /debug/pprof/")
	flag.StringVar(&c.logLevel, "log-level", "warn", "log level: debug (every session's end, with its cause), info, warn or error")
	flag.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS and WSS, with -tls-key")
	flag.StringVar(&c.tlsKey, "tls-key", "", "PEM private key file of -tls-cert")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "testserver:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return errors.New("-tls-cert and -tls-key go together")
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	eopts := &engineio.Options{
		PingInterval: c.pingInterval,
		PingTimeout:  c.pingTimeout,
		MaxPayload:   c.maxPayload,
		Transports:   strings.Split(c.transports, ","),
		Logger:       logger,
	}
	if c.cors != "" {
		eopts.CORS = &engineio.CORS{Origins: strings.Split(c.cors, ","), Credentials: true}
	}
	echo := engineio.NewServer(engineio.HandlerFunc(newEcho), eopts)
	sopts := &socketio.Options{
		Engine:         eopts,
		ConnectTimeout: c.connectTimeout,
		Logger:         logger,
		// Every handler here is done with its event's attachments when
		// it returns: what it sends with them, the server copies.
		RecycleAttachments: true,
	}
	if c.recovery {
		sopts.Recovery = &socketio.Recovery{MaxDisconnectionDuration: 2 * time.Minute}
	}
	if c.redis != "" {
		closeCluster, err := joinCluster(c, sopts, logger)
		if err != nil {
			return err
		}
		defer closeCluster()
	}
	io := socketio.NewServer(sopts)
	mountSuite(io)
	if c.redis != "" {
		mountCluster(io, c.addr)
	}

	mux := http.NewServeMux()
	mux.Handle("/engine.io/", echo)
	mux.Handle("/socket.io/", io)
	if c.pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		// The server's counters (sessions closed by reason and so on), for
		// tests that must tell why a session ended.
		expvar.Publish("sio", expvar.Func(func() any { return io.Stats() }))
		mux.Handle("/debug/vars", expvar.Handler())
	}

	// No TCP keep-alive: Engine.IO's heartbeats already find dead peers,
	// and the probes' settings would cost four system calls per accepted
	// connection (Node's HTTP server leaves them off too).
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(context.Background(), "tcp", c.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	scheme := "http"
	if c.tlsCert != "" {
		// Loaded before "listening" is printed: a bad pair fails the start.
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		scheme = "https"
	}
	fmt.Printf("listening on %s://%s\n", scheme, ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		if c.tlsCert != "" {
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Sessions first, so clients hear the goodbye before listeners close.
	_ = echo.Shutdown(shutdown)
	_ = io.Shutdown(shutdown)
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
