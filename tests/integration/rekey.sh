#!/usr/bin/env bash
# Key rotation under traffic, as the control plane does it on a renegotiation: the new key goes
# into the secondary slot on both sides, both swap, the old key is deleted — while a ping flood
# runs. Not one ping may be lost. Topology: p2p_setup.sh.
NS_PREFIX=ovt-rekey-
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/p2p_setup.sh"

in_ns b ping -c 3 -i 0.2 -W 2 10.8.0.1 >/dev/null || die "tunnel down before the rotation"
in_ns b ping -c 600 -i 0.005 -W 2 10.8.0.1 >"$WORK/flood.log" 2>&1 &
FLOOD=$!
PIDS+=($FLOOD)
for round in 1 2 3; do
  sleep 0.4
  new=$round
  "$DCOCTL" genkey >"$WORK/key$new"
  ctl a key-new 1 secondary $new CHACHA20-POLY1305 "$WORK/key$new" server
  ctl b key-new 1 secondary $new CHACHA20-POLY1305 "$WORK/key$new" client
  ctl a key-swap 1
  sleep 0.05  # one side sends with the new key while the other still sends with the old one
  ctl b key-swap 1
  sleep 0.1
  ctl a key-del 1 secondary
  ctl b key-del 1 secondary
  [ "$(ctl a key-get 1 primary)" = "primary: key id $new, CHACHA20-POLY1305" ] || die "round $round"
done
wait $FLOOD || true
grep -q " 0% packet loss" "$WORK/flood.log" || die "pings lost during rotation: $(tail -2 "$WORK/flood.log")"
log "3 rotations under a 600-ping flood: $(grep -o '[0-9]* received' "$WORK/flood.log"), 0% loss"
log "PASS"
