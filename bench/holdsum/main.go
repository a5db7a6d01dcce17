// Command holdsum combines the JSON lines of hold runs made side by side,
// one load tool per server process (bench/hold.sh with PROCS > 1), into one
// line for the whole box: counts and CPU add up, per-client minimums and
// maximums stay minimums and maximums, and "ok" holds only if every run's
// does.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
)

func main() {
	sum := map[string]float64{}
	ok, n := true, 0
	var sources []string
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil || line["scenario"] != "hold" {
			continue
		}
		n++
		if line["ok"] != true {
			ok = false
		}
		if s, _ := line["source_ips"].(string); s != "" {
			sources = append(sources, s)
		}
		for k, v := range line {
			x, isNum := v.(float64)
			if !isNum {
				continue
			}
			switch {
			case strings.HasSuffix(k, "_min"):
				if cur, seen := sum[k]; !seen || x < cur {
					sum[k] = x
				}
			case strings.HasSuffix(k, "_max"), k == "hold_s", k == "dial_s", k == "close_s",
				k == "ping_interval_ms", k == "pings_per_client_expected", k == "concurrency":
				sum[k] = math.Max(sum[k], x) // the same, or the slowest, for every run
			case k == "client_nofile_limit":
				sum[k] = x
			default: // counts, bytes, descriptors, CPU percentages
				sum[k] += x
			}
		}
	}
	if n == 0 {
		fmt.Fprintln(os.Stderr, "holdsum: no hold line on stdin")
		os.Exit(1)
	}
	out := map[string]any{"scenario": "hold", "processes": n, "ok": ok, "source_ips": strings.Join(sources, ",")}
	for k, v := range sum {
		out[k] = math.Round(v*1000) / 1000
	}
	// Rates and per-connection figures are recomputed from the totals.
	if est := sum["connections_established"]; est > 0 {
		out["server_rss_bytes_per_conn"] = math.Round((sum["server_rss_bytes_hold_end"] - sum["server_rss_bytes_before_dial"]) / est)
		if d := sum["dial_s"]; d > 0 {
			out["connects_per_s"] = math.Round(est / d)
		}
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
