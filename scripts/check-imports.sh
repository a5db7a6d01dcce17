#!/usr/bin/env bash
# Keeps the layers honest: imports only point down.
set -euo pipefail
cd "$(dirname "$0")/.."
mod=github.com/seed-e3ad8a97/sio
fail=0
deny() { # package, forbidden import patterns (regexps after the module path)...
  local pkg=$1; shift
  local deps
  deps=$(go list -deps "$mod/$pkg" 2>/dev/null | grep -vx "$mod/$pkg") || return 0
  for bad in "$@"; do
    if grep -Eq "^$mod/($bad)" <<<"$deps"; then
      echo "layering: $pkg must not import $bad"; fail=1
    fi
  done
}
deny engineio/parser 'engineio$' socketio adapter recovery
deny engineio socketio adapter recovery
deny socketio/parser engineio 'socketio$' adapter recovery
deny adapter 'socketio$' engineio
deny recovery 'socketio$' engineio
# The core module's only third-party dependency is coder/websocket.
extra=$(go list -deps ./engineio/... ./socketio/... ./adapter/... ./recovery/... 2>/dev/null \
  | grep -E '^[a-z0-9-]+\.[a-z]+/' | grep -v "^$mod" | grep -v '^github.com/coder/websocket' || true)
[ -z "$extra" ] || { echo "layering: unexpected dependencies: $extra"; fail=1; }
exit $fail
