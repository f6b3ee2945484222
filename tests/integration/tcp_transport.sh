#!/usr/bin/env bash
# TCP transport: two engines whose peer is a TCP connection that dcoctl made and passed in.
#
#   ns a                                          ns b
#   ovpn0 10.8.0.1/24, fd08::1/64                 ovpn0 10.8.0.2/24, fd08::2/64
#   ovpnd --dco-only                              ovpnd --dco-only
#     peer 1 = TCP socket accepted on  <-- TCP --   peer 1 = TCP socket connected from
#              10.200.0.1:1194                               10.200.0.2
#   v-a-b 10.200.0.1/24 -------------- veth -------------- v-b-a 10.200.0.2/24
#
# Checks: ping over IPv4 and IPv6 inside, a 20 MB transfer with its SHA-256 verified, no drops;
# a control packet sent by b's engine arrives at a's as an up-call naming the peer and TCP;
# when b's engine dies, a's deletes the peer at once with reason transport-disconnect.
NS_PREFIX=ovt-tcp-
source "$(dirname "$0")/lib.sh"

make_ns a
make_ns b
link_ns a b 10.200.0.1 10.200.0.2
start_engine a --dev ovpn0 --listen 10.200.0.1:1194 --ifconfig 10.8.0.1/24 --ifconfig fd08::1/64 --threads 2
start_engine b --dev ovpn0 --listen 10.200.0.2:1194 --ifconfig 10.8.0.2/24 --ifconfig fd08::2/64 --threads 2
ctl a monitor >"$WORK/events.log" &
PIDS+=($!)

# a accepts (dcoctl runs in a's namespace: the listening socket must be there).
in_ns a "$DCOCTL" --socket "$WORK/a.sock" peer-new 1 --tcp-accept 10.200.0.1:1194 --timeout 10 \
  keepalive 2 20 >"$WORK/accept.log" 2>&1 &
accept_pid=$!
for _ in $(seq 50); do
  [ -n "$(in_ns a ss -Hltn 'sport = :1194')" ] && break
  sleep 0.1
done
in_ns b "$DCOCTL" --socket "$WORK/b.sock" peer-new 1 --tcp-connect 10.200.0.1:1194 \
  keepalive 2 20 >"$WORK/connect.log" 2>&1 || die "tcp-connect: $(cat "$WORK/connect.log")"
wait "$accept_pid" || die "tcp-accept: $(cat "$WORK/accept.log")"
"$DCOCTL" genkey >"$WORK/key"
ctl a key-new 1 primary 0 AES-256-GCM "$WORK/key" server
ctl b key-new 1 primary 0 AES-256-GCM "$WORK/key" client
[ "$(counter a 1 "['transport']")" = tcp ] || die "peer is not TCP: $(ctl a show)"
[ "$(counter a 1 "['remote']" | cut -d: -f1)" = 10.200.0.2 ] || die "remote: $(ctl a show)"

in_ns a ping -c 5 -i 0.2 -W 2 10.8.0.2 >"$WORK/ping4.log" || die "IPv4 ping through the tunnel"
in_ns b ping -c 5 -i 0.2 -W 2 fd08::1 >"$WORK/ping6.log" || die "IPv6 ping through the tunnel"
log "ping v4 and v6 over TCP: ok"

head -c 20000000 /dev/urandom >"$WORK/blob"
in_ns a python3 "$(dirname "$0")/transfer.py" receive 10.8.0.1 5001 >"$WORK/received.sha" &
PIDS+=($!)
sleep 0.5
in_ns b python3 "$(dirname "$0")/transfer.py" send 10.8.0.1 5001 "$WORK/blob" >"$WORK/sent.sha"
wait "${PIDS[-1]}"
[ "$(cat "$WORK/sent.sha")" = "$(cat "$WORK/received.sha")" ] || die "transfer checksum differs"
log "20 MB transfer over TCP: sha256 $(cut -c1-16 "$WORK/sent.sha")… matches"
for ns in a b; do
  drops=$(peer_json $ns 1 | python3 -c "import json,sys; print(sum(json.load(sys.stdin)['peer']['stats']['drops'].values()))")
  [ "$drops" -eq 0 ] || die "$ns dropped $drops packets: $(ctl $ns show)"
done

ctl b raw '{"cmd":"send_control","peer":1,"bytes":"3801020304"}' >/dev/null
for _ in $(seq 50); do
  grep -q '"event":"control_packet"' "$WORK/events.log" && break
  sleep 0.1
done
grep '"event":"control_packet"' "$WORK/events.log" | grep -q '"transport":"tcp"' ||
  die "no TCP control up-call: $(cat "$WORK/events.log")"
grep '"event":"control_packet"' "$WORK/events.log" | grep -q '3801020304' ||
  die "control bytes differ: $(cat "$WORK/events.log")"
log "control packet over TCP: up-call with peer and transport"

kill -9 "${PIDS[1]}"  # b's engine (PIDS: a, b, monitor, ...): the kernel closes its socket
for _ in $(seq 30); do
  grep -q '"event":"peer_deleted".*"reason":"transport-disconnect"' "$WORK/events.log" && break
  sleep 0.1
done
grep -q '"event":"peer_deleted".*"reason":"transport-disconnect"' "$WORK/events.log" ||
  die "no transport-disconnect notification: $(cat "$WORK/events.log")"
log "disconnect: peer_deleted (transport-disconnect) within 3 s"
log "PASS"
