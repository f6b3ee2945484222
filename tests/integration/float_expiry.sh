#!/usr/bin/env bash
# Float and expiry. Client b changes its underlay address mid-stream: a's engine moves the peer
# to the new address after the first authenticated packet from it, reports peer_floated, and
# traffic resumes. Then b's engine is killed: a's engine expires the peer after its keepalive
# timeout and reports peer_deleted (expired). Topology: p2p_setup.sh, b listening on any address.
NS_PREFIX=ovt-float-
LISTEN_B='[::]:1194'
KEEPALIVE="1 3"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/p2p_setup.sh"

ctl a monitor >"$WORK/events.log" &
PIDS+=($!)
in_ns b ping -c 3 -i 0.2 -W 2 10.8.0.1 >/dev/null || die "tunnel down"

# b moves from 10.200.0.2 to 10.200.0.3 (kept when the primary address goes).
in_ns b sysctl -qw net.ipv4.conf.v-b-a.promote_secondaries=1
in_ns b ip addr add 10.200.0.3/24 dev v-b-a
in_ns b ip addr del 10.200.0.2/24 dev v-b-a
in_ns b ping -c 5 -i 0.2 -W 2 10.8.0.1 >"$WORK/after.log" || die "no traffic after the float"
[ "$(counter a 1 "['remote']")" = "10.200.0.3:1194" ] || die "peer remote not moved"
grep -q '"event":"peer_floated".*"remote":"10.200.0.3:1194"' "$WORK/events.log" ||
  die "no peer_floated notification: $(cat "$WORK/events.log")"
log "float: peer moved to 10.200.0.3:1194, notified, traffic resumed"

kill "${PIDS[1]}"  # b's engine (PIDS: a, b, monitor)
for _ in $(seq 100); do
  grep -q '"event":"peer_deleted".*"reason":"expired"' "$WORK/events.log" && break
  sleep 0.1
done
grep -q '"event":"peer_deleted".*"reason":"expired"' "$WORK/events.log" ||
  die "no expiry notification: $(cat "$WORK/events.log")"
[ "$(ctl a --json show | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["peers"]))')" = 0 ] ||
  die "expired peer still listed"
log "expiry: peer_deleted (expired) after the 3 s keepalive timeout"
log "PASS"
