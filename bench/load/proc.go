//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// procStat reads a process's CPU time (user+system, in µs) and resident
// memory (bytes) from /proc. Zero values when pid is 0.
type procStat struct {
	cpuMicros int64
	rssBytes  int64
}

func readProc(pid int) (procStat, error) {
	if pid == 0 {
		return procStat{}, nil
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// Fields after the command name, which may hold spaces: ") S ppid ..."
	rest := stat[bytes.LastIndexByte(stat, ')')+2:]
	f := strings.Fields(string(rest))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticksPerSecond = 100 // USER_HZ on Linux
	st := procStat{cpuMicros: (utime + stime) * 1_000_000 / ticksPerSecond}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procStat{}, err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			st.rssBytes = kb * 1024
		}
	}
	return st, nil
}

// cpuPer divides the CPU spent between two readings over n operations.
func cpuPer(before, after procStat, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(after.cpuMicros-before.cpuMicros) / float64(n)
}
