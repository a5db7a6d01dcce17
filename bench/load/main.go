//go:build linux

// Command load puts a Socket.IO server (examples/testserver, or the Node
// reference in e2e/reference) under load on loopback and prints one JSON
// line per run. Server CPU and memory come from /proc/PID when -pid is
// given. Linux only, for /proc and the open-files limit it raises.
//
//	go run ./bench/load -scenario echo -url http://127.0.0.1:3000 -pid 1234
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"
)

type config struct {
	url         string
	scenario    string
	pid         int
	conns       int
	clients     int
	messages    int
	concurrency int
	duration    time.Duration
	settle      time.Duration
	payload     int
	attach      int
	label       string
	srcIPs      int
	dialTimeout time.Duration
	progress    time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.url, "url", "http://127.0.0.1:3000", "server base URL")
	flag.StringVar(&c.scenario, "scenario", "echo", "connect, echo, broadcast, binary, polling or hold")
	flag.IntVar(&c.pid, "pid", 0, "server process id, for CPU and memory figures")
	flag.IntVar(&c.conns, "n", 1000, "connections (connect, hold) or receivers (broadcast)")
	flag.IntVar(&c.clients, "c", 100, "concurrent clients (echo, binary, polling)")
	flag.IntVar(&c.messages, "k", 10, "messages the broadcast sender emits")
	flag.IntVar(&c.concurrency, "concurrency", 64, "connections opened at once")
	flag.DurationVar(&c.duration, "d", 10*time.Second, "duration (echo, binary, polling) or how long to hold (hold)")
	flag.DurationVar(&c.settle, "settle", 3*time.Second, "pause before reading memory (connect)")
	flag.IntVar(&c.payload, "payload", 16<<10, "attachment size in bytes (binary)")
	flag.IntVar(&c.attach, "attach", 0, "attachment size in bytes of each broadcast message (broadcast); 0: none, a number only")
	flag.StringVar(&c.label, "label", "", "a label copied into the output (e.g. sio or node)")
	flag.IntVar(&c.srcIPs, "src-ips", 0, "loopback source addresses from 127.0.0.2 on (hold); 0: one per 20000 connections")
	flag.DurationVar(&c.dialTimeout, "dial-timeout", 30*time.Second, "limit of one connection's handshake (hold)")
	flag.DurationVar(&c.progress, "progress", 10*time.Second, "interval of progress lines on stderr (hold); 0: none")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), c.duration+5*time.Minute)
	defer cancel()
	var (
		res map[string]any
		err error
	)
	switch c.scenario {
	case "connect":
		res, err = runConnect(ctx, c)
	case "echo":
		res, err = runEcho(ctx, c, false)
	case "binary":
		res, err = runEcho(ctx, c, true)
	case "polling":
		res, err = runPolling(ctx, c)
	case "broadcast":
		res, err = runBroadcast(ctx, c)
	case "hold":
		res, err = runHold(ctx, c)
	default:
		err = fmt.Errorf("unknown scenario %q", c.scenario)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	res["scenario"] = c.scenario
	if c.label != "" {
		res["label"] = c.label
	}
	res["time"] = time.Now().UTC().Format(time.RFC3339)
	_ = json.NewEncoder(os.Stdout).Encode(res)
}

func httpClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 2 * conns
	t.MaxConnsPerHost = 0
	return &http.Client{Transport: t, Timeout: time.Minute}
}
