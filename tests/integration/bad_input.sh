#!/usr/bin/env bash
# Bad input from outside: replayed, bit-flipped, unknown-peer, DATA_V1 and truncated packets
# are sent to an engine while its tunnel carries traffic. Each is dropped and counted by its
# reason (on the peer, or on the device when there is no peer to blame), and the tunnel keeps
# working. Topology: p2p_setup.sh; the injector runs in ns b next to b's engine.
NS_PREFIX=ovt-bad-
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/p2p_setup.sh"

in_ns a ping -c 50 -i 0.05 -W 2 10.8.0.2 >/dev/null 2>&1 &
PIDS+=($!)
in_ns b python3 "$(dirname "$0")/inject.py" v-b-a 10.200.0.1 10.200.0.2 1194 >"$WORK/inject.log" ||
  die "injection: $(cat "$WORK/inject.log")"
sleep 0.5

drop() { counter b 1 "['stats']['drops']['$1']"; }
device_drop() {
  ctl b --json device | python3 -c "import json,sys; print(json.load(sys.stdin)['device']['drops']['$1'])"
}
[ "$(drop replay)" -ge 5 ] || die "replay drops: $(drop replay)"
[ "$(drop bad_tag)" -ge 5 ] || die "bad_tag drops: $(drop bad_tag)"
[ "$(device_drop unknown_peer)" -ge 5 ] || die "unknown_peer drops: $(device_drop unknown_peer)"
[ "$(device_drop data_v1)" -ge 5 ] || die "data_v1 drops: $(device_drop data_v1)"
[ "$(device_drop malformed)" -ge 5 ] || die "malformed drops: $(device_drop malformed)"
[ "$(counter a 1 "['remote']")" = "10.200.0.2:1194" ] || die "a forged packet moved the peer"
[ "$(counter b 1 "['remote']")" = "10.200.0.1:1194" ] || die "a replayed packet moved the peer"
ctl b show
ctl b device
in_ns b ping -c 3 -i 0.2 -W 2 10.8.0.1 >/dev/null || die "tunnel broken after the bad input"
log "every bad packet dropped and counted by reason; tunnel still up"
log "PASS"
