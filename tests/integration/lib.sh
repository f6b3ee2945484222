# Shared helpers for the namespace tests and scripts (sourced, not run).
#
# Every namespace, link and process a script creates carries the script's prefix ($NS_PREFIX)
# and is removed by cleanup(), which runs on exit, error or signal.

set -euo pipefail

: "${BUILD_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/release}"
OVPND="$BUILD_DIR/src/app/ovpnd"
DCOCTL="$BUILD_DIR/tools/dcoctl/dcoctl"
WORK=$(mktemp -d /tmp/ovpnd-test.XXXXXX)
PIDS=()

log() { printf '[%s] %s\n' "${NS_PREFIX:-ovpnd}" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

cleanup() {
  local rc=$?
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${NS_PREFIX}" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ $rc -ne 0 ] && [ -d "$WORK" ]; then
    for f in "$WORK"/*.log; do [ -f "$f" ] && { log "--- $f"; tail -20 "$f" >&2; }; done
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT INT TERM

# make_ns NAME: a namespace with loopback up.
make_ns() {
  ip netns add "${NS_PREFIX}$1"
  ip -n "${NS_PREFIX}$1" link set lo up
}

# link_ns A B ADDR_A ADDR_B [ADDR6_A ADDR6_B]: a veth pair between two namespaces.
link_ns() {
  local a="${NS_PREFIX}$1" b="${NS_PREFIX}$2"
  ip link add "v-$1-$2" netns "$a" type veth peer name "v-$2-$1" netns "$b"
  ip -n "$a" addr add "$3/24" dev "v-$1-$2"
  ip -n "$b" addr add "$4/24" dev "v-$2-$1"
  if [ $# -ge 6 ]; then
    ip -n "$a" addr add "$5/64" dev "v-$1-$2" nodad
    ip -n "$b" addr add "$6/64" dev "v-$2-$1" nodad
  fi
  ip -n "$a" link set "v-$1-$2" up
  ip -n "$b" link set "v-$2-$1" up
}

# in_ns NAME CMD...: run in a namespace.
in_ns() { local ns="${NS_PREFIX}$1"; shift; ip netns exec "$ns" "$@"; }

# start_engine NAME ARGS...: ovpnd --dco-only in namespace NAME, control socket $WORK/NAME.sock.
start_engine() {
  local name=$1; shift
  # Not through in_ns: $! must be ovpnd itself (ip netns exec execs it), so that kill stops it.
  ip netns exec "${NS_PREFIX}$name" "$OVPND" --dco-only --control "$WORK/$name.sock" "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.log" &
  PIDS+=($!)
  for _ in $(seq 100); do
    [ -S "$WORK/$name.sock" ] && return 0
    kill -0 "${PIDS[-1]}" 2>/dev/null || die "ovpnd in $name exited: $(cat "$WORK/$name.log")"
    sleep 0.05
  done
  die "ovpnd in $name did not start"
}

# ctl NAME ARGS...: dcoctl against the engine in NAME.
ctl() { local name=$1; shift; "$DCOCTL" --socket "$WORK/$name.sock" "$@"; }

# peer_json NAME ID: the peer's state as JSON.
peer_json() { ctl "$1" --json show "$2"; }

# counter NAME ID JQ-PATH: one number from the peer's JSON (python3, no jq on the machine).
counter() {
  peer_json "$1" "$2" | python3 -c "import json,sys; d=json.load(sys.stdin)['peer']; print(eval('d' + sys.argv[1]))" "$3"
}
