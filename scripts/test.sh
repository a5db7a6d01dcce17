#!/usr/bin/env bash
# The whole test suite: installs what it needs (Go modules, the pinned npm
# clients), then vets, tests with the race detector, and runs each fuzzer
# for a bounded number of inputs. FUZZTIME overrides the per-fuzzer budget
# (a count such as 50000x, or a duration).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
modules=(. examples metrics/prometheus adapter/redis)
# A count, not a duration: with a duration, Go 1.26's fuzzing coordinator
# may fail a clean run with "context deadline exceeded" when a worker is
# busy as the time runs out (golang/go#75804, fixed in Go 1.27). 50,000
# inputs take 2-15 s per fuzzer here.
fuzztime=${FUZZTIME:-50000x}

step() { printf '\n=== %s\n' "$*"; }

# apt_install installs Debian packages, with sudo when not root.
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "$@"
}

step "Go modules"
for m in "${modules[@]}"; do (cd "$m" && go mod download); done

step "npm clients (e2e)"
command -v node >/dev/null || apt_install nodejs npm
(cd e2e && npm ci --no-audit --no-fund)

step "npm packages and redis-server (adapter/redis)"
(cd adapter/redis/e2e && npm ci --no-audit --no-fund)
command -v redis-server >/dev/null || apt_install redis-server

step "npm packages and Chromium (examples/chat browser test)"
(cd examples/chat && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
[ -x /usr/bin/chromium ] || apt_install chromium

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go'))
[ -z "$unformatted" ] || { echo "gofmt needed: $unformatted"; exit 1; }

step "staticcheck"
for m in "${modules[@]}"; do
  (cd "$m" && go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...)
done

step "layering"
bash scripts/check-imports.sh

# The library is for every platform Go serves, not only this one.
step "cross-build"
for os in windows darwin freebsd; do
  GOOS=$os go build ./engineio/... ./socketio/... ./adapter/... ./recovery/...
done

# e2e/hostile times echoes beside a stalled client to show that it delays
# no one; beside other packages' tests it would time their competition for
# the two cores instead, so it runs on its own.
for m in "${modules[@]}"; do
  step "vet + race tests: $m"
  (cd "$m" && go vet ./... &&
    go test -race -count=1 -timeout 20m $(go list ./... | grep -v '/e2e/hostile$'))
done
step "race tests: e2e/hostile, alone"
go test -race -count=1 -timeout 20m ./e2e/hostile/

step "fuzz ($fuzztime each)"
for m in "${modules[@]}"; do
  (cd "$m"
   for pkg in $(go list ./...); do
     dir=$(go list -f '{{.Dir}}' "$pkg")
     for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
       echo "--- $pkg $f"
       go test -run='^$' -fuzz="^$f\$" -fuzztime="$fuzztime" "$pkg"
     done
   done)
done
echo; echo "all tests passed"
