#!/usr/bin/env bash
# Side-by-side benchmark: the same load scenarios against examples/testserver
# (sio) and the Node.js reference (bench/node/server.mjs, socket.io 4.8.x),
# interleaved A/B/A/B, REPS repetitions each; prints every JSON line to
# bench/results.jsonl and a table of medians and ratios sio/node.
#
#   bash bench/compare.sh            # REPS=3 by default
#   REPS=5 SCENARIOS="echo broadcast" bash bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${REPS:-3}
scenarios=${SCENARIOS:-"connect echo echo100 broadcast1k broadcast5k binary polling jsecho"}
out=${OUT:-bench/results.jsonl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd bench/node && npm ci --no-audit --no-fund >/dev/null)
# The Node server runs as Socket.IO's performance guide tunes it, with ws's
# native masking (bufferutil); it falls back to JavaScript without a word
# if the add-on cannot load, so check that it does.
(cd bench/node && node -e 'require("node-gyp-build")(require("path").dirname(require.resolve("bufferutil")))') ||
  { echo "bench/node: bufferutil's native add-on does not load"; exit 1; }
(cd examples && go build -o "$tmp/testserver" ./testserver)
go build -o "$tmp/load" ./bench/load
go build -o "$tmp/summary" ./bench/summary

port=39$((RANDOM % 90 + 10))
start_server() { # label → sets pid
  case $1 in
    sio) "$tmp/testserver" -addr "127.0.0.1:$port" >"$tmp/server.log" 2>&1 & ;;
    node) node bench/node/server.mjs -addr "127.0.0.1:$port" >"$tmp/server.log" 2>&1 & ;;
  esac
  pid=$!
  for _ in $(seq 100); do grep -q listening "$tmp/server.log" && return; sleep 0.1; done
  echo "server $1 did not start"; cat "$tmp/server.log"; exit 1
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; }

args_for() {
  case $1 in
    connect) echo "-scenario connect -n 10000 -settle 5s" ;;
    echo) echo "-scenario echo -c 50 -d 10s" ;;
    echo100) echo "-scenario echo -c 100 -d 10s" ;;
    broadcast1k) echo "-scenario broadcast -n 1000 -k 50" ;;
    broadcast5k) echo "-scenario broadcast -n 5000 -k 20" ;;
    binary) echo "-scenario binary -c 50 -d 10s -payload 16384" ;;
    polling) echo "-scenario polling -c 50 -d 10s" ;;
    jsecho) echo "-c 50 -d 10" ;;
  esac
}

# jsecho is the echo driven by the official client (bench/node/echo-client.mjs)
# instead of the load tool.
load() {
  case $1 in
    jsecho) node bench/node/echo-client.mjs "${@:2}" ;;
    *) "$tmp/load" "${@:2}" ;;
  esac
}

: >"$out"
for s in $scenarios; do
  for r in $(seq "$reps"); do
    for label in sio node; do
      start_server "$label"
      sleep 0.5
      # shellcheck disable=SC2046
      line=$(load "$s" -url "http://127.0.0.1:$port" -pid "$pid" -label "$label" $(args_for "$s")) || line=""
      stop_server
      [ -n "$line" ] && echo "${line%\}},\"tag\":\"$s\"}" | tee -a "$out"
    done
  done
done
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(date -u +%F)"
"$tmp/summary" <"$out"
