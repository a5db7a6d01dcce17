#!/usr/bin/env bash
# Idle-connection soak: N WebSocket Socket.IO connections to
# examples/testserver on loopback, held for D with the Engine.IO heartbeat
# running (pingInterval 25s by default). Prints the load tool's JSON line
# and appends it to OUT; exits 1 unless every connection was established and
# none was lost ("ok": true).
#
#   bash bench/hold.sh                     # N=100000 D=5m, as root
#   N=2000 D=60s bash bench/hold.sh
#   C=256 (dial concurrency), SRC_IPS=k (source addresses; default one per
#   20000 connections), OUT=file (default bench/results-hold.jsonl)
#   PROCS=k: k server processes side by side, on ports of their own, each
#   held by a load tool of its own with N/k connections, for a box whose
#   open-files limit per process is below N; their lines are printed, then
#   one for the whole box (bench/holdsum), which is the one appended to OUT.
#
# Needs root for `ulimit -Hn` beyond the current hard limit (both the server
# and the load tool hold N/PROCS descriptors). Clients dial from 127.0.0.2,
# .3, ... (one address per 20000 connections) since one source address has
# only ip_local_port_range ephemeral ports toward a server.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-100000}
d=${D:-5m}
conc=${C:-256}
procs=${PROCS:-1}
out=${OUT:-bench/results-hold.jsonl}
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# Connections per server process: N/PROCS, the first N%PROCS one more.
per=$(((n + procs - 1) / procs))

# File descriptors: that many sockets in each server and in each load tool
# (each process needs its own limit), plus slack.
want=$((per + 1024))
nr_open=$(cat /proc/sys/fs/nr_open)
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$want" ]; then
  if [ "$want" -gt "$nr_open" ]; then
    echo "hold.sh: need $want open files, above fs.nr_open=$nr_open (sysctl -w fs.nr_open=...)" >&2
    exit 1
  fi
  if ! ulimit -Hn "$want" 2>/dev/null; then
    capeff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
    if [ "$(id -u)" = 0 ] && [ $((0x$capeff >> 24 & 1)) = 0 ]; then
      why="this root shell lacks CAP_SYS_RESOURCE (CapEff $capeff: a container that dropped it), so the hard limit is final"
    else
      why="raising it needs root (CAP_SYS_RESOURCE)"
    fi
    echo "hold.sh: cannot raise the hard open-files limit (ulimit -Hn) from $(ulimit -Hn) to $want for N=$n PROCS=$procs: $why." \
      "Each server and load tool holds N/PROCS sockets: at most $(($(ulimit -Hn) - 1024)) per process here (raise PROCS)." >&2
    exit 1
  fi
fi
if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$want" ]; then
  ulimit -Sn "$want"
fi

# Kernel limits that would cap the run: warn, don't change them.
if [ -r /proc/sys/net/netfilter/nf_conntrack_max ]; then
  ct=$(cat /proc/sys/net/netfilter/nf_conntrack_max)
  if [ "$ct" -lt $((n + 10000)) ]; then
    echo "hold.sh: warning: nf_conntrack_max=$ct < N+10000; loopback connections are tracked" >&2
  fi
fi
echo "hold.sh: N=$n D=$d PROCS=$procs concurrency=$conc; ulimit -n $(ulimit -Sn)/$(ulimit -Hn); somaxconn $(cat /proc/sys/net/core/somaxconn);" \
  "ports $(tr '\t' - </proc/sys/net/ipv4/ip_local_port_range)" >&2

(cd examples && go build -o "$tmp/testserver" ./testserver)
go build -o "$tmp/load" ./bench/load
go build -o "$tmp/holdsum" ./bench/holdsum

dmesg_before=$({ dmesg 2>/dev/null || true; } | wc -l)
urls=()
for i in $(seq "$procs"); do
  "$tmp/testserver" -addr 127.0.0.1:0 >"$tmp/server$i.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q listening "$tmp/server$i.log" && break; sleep 0.1; done
  url=$(grep -o 'http://[0-9.:]*' "$tmp/server$i.log" | head -1) || true
  if [ -z "$url" ]; then
    echo "hold.sh: server $i did not start:" >&2
    cat "$tmp/server$i.log" >&2
    exit 1
  fi
  urls+=("$url")
  echo "hold.sh: server $i pid ${pids[-1]} at $url" >&2
done

# One load tool per server, all at once (each dials, holds for D, closes).
loads=()
for i in $(seq "$procs"); do
  k=$((n / procs + (i <= n % procs ? 1 : 0)))
  "$tmp/load" -scenario hold -url "${urls[i-1]}" -pid "${pids[i-1]}" -n "$k" -d "$d" -concurrency "$conc" -label sio \
    ${SRC_IPS:+-src-ips "$SRC_IPS"} >"$tmp/line$i" &
  loads+=($!)
done
status=0
for l in "${loads[@]}"; do wait "$l" || status=$?; done

for i in $(seq "$procs"); do
  if ! kill -0 "${pids[i-1]}" 2>/dev/null; then
    echo "hold.sh: server $i exited during the run" >&2
  fi
  if [ "$(wc -l <"$tmp/server$i.log")" -gt 1 ]; then
    echo "hold.sh: server $i log (last 30 lines):" >&2
    tail -n 30 "$tmp/server$i.log" >&2
  fi
done
{ dmesg 2>/dev/null || true; } | tail -n +$((dmesg_before + 1)) |
  grep -Ei 'conntrack|orphan|out of memory|oom|socket|tcp' >&2 || true

lines=$(cat "$tmp"/line* 2>/dev/null || true)
if [ "$(grep -c '"scenario":"hold"' <<<"$lines")" -ne "$procs" ]; then
  echo "hold.sh: a load tool failed (exit $status)" >&2
  exit 1
fi
if [ "$procs" -gt 1 ]; then
  echo "$lines"
  line=$("$tmp/holdsum" <<<"$lines")
else
  line=$lines
fi
echo "$line"
echo "$line" >>"$out"
case $line in
  *'"ok":true'*) ;;
  *) echo "hold.sh: FAILED (\"ok\" is not true)" >&2; exit 1 ;;
esac
