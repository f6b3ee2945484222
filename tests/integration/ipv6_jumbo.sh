#!/usr/bin/env bash
# IPv6 underlay, IPv6 inside, and jumbo frames: veth MTU 9000, tunnel MTU 8900; large pings
# that must not fragment inside, and a checksummed transfer. Topology: p2p_setup.sh over fd20::/64.
NS_PREFIX=ovt-v6-
UNDERLAY=6
MTU=8900
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/p2p_setup.sh"
in_ns a ip link set v-a-b mtu 9000
in_ns b ip link set v-b-a mtu 9000

in_ns b ping -6 -c 3 -i 0.2 -W 2 -s 8800 -M do fd08::1 >"$WORK/ping.log" ||
  die "8800-byte IPv6 ping: $(tail -2 "$WORK/ping.log")"
in_ns b ping -c 3 -i 0.2 -W 2 -s 8800 -M do 10.8.0.1 >"$WORK/ping4.log" ||
  die "8800-byte IPv4 ping: $(tail -2 "$WORK/ping4.log")"
log "8800-byte pings (v4 and v6 inside, IPv6 underlay) ok"

head -c 20000000 /dev/urandom >"$WORK/blob"
in_ns a python3 "$(dirname "$0")/transfer.py" receive fd08::1 5001 >"$WORK/received.sha" &
PIDS+=($!)
sleep 0.5
in_ns b python3 "$(dirname "$0")/transfer.py" send fd08::1 5001 "$WORK/blob" >"$WORK/sent.sha"
wait "${PIDS[-1]}"
[ "$(cat "$WORK/sent.sha")" = "$(cat "$WORK/received.sha")" ] || die "transfer checksum differs"
log "20 MB over IPv6 inside and under, MTU 8900: sha256 matches"
log "PASS"
