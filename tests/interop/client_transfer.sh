#!/usr/bin/env bash
# Bulk data and renegotiation under traffic: the client ($CLIENT) against the server ($SERVER: a
# stock OpenVPN 2.6 server by default, or the ovpnd server). Topology: lib.sh; the data goes from the client to 10.99.0.1 (behind the pushed route).
#
# (a) UDP, tls-crypt: 100 MB with its SHA-256 verified; txqueuelen in both configurations sets
#     each side's tun queue depth.
# (b) UDP, tls-auth: the server renegotiates every 10 s (reneg-sec 10) during a 40 s paced transfer
#     at 1 MB/s; the SHA-256 matches, no write blocked for long, a ping every 0.2 s alongside loses
#     none, and the server log shows at least 3 renegotiations it started (soft resets) that
#     completed (new TLS handshakes).
# (c) TCP, tls-crypt-v2: the same for 20 s with the client renegotiating (reneg-sec 6 in
#     client.conf, reneg-sec 0 on the server): at least 2 completed handshakes after the first,
#     none started by the server.
NS_PREFIX=oi-xfer-
source "$(dirname "$0")/lib.sh"

SOFT_RESET='TLS: soft reset'       # the server starts a renegotiation
HANDSHAKE='Control Channel: TLS'   # a TLS handshake completed (initial or renegotiation)

make_topology
make_pki "$WORK"

# paced_phase SECONDS: a paced transfer to 10.99.0.1 with pings alongside; checks and prints.
paced_phase() {
  local secs=$1 rate=1000000 t0 sha bytes worst pings
  start_receiver 10.99.0.1 5001 "$WORK/received.sha"
  in_ns cli ping -i 0.2 -c $((secs * 5)) -W 2 10.99.0.1 >"$WORK/pings.out" 2>&1 &
  local ping_pid=$!
  PIDS+=("$ping_pid")
  t0=$(now)
  timeout $((secs + 60)) ip netns exec "${NS_PREFIX}cli" python3 "$INTEROP_DIR/paced.py" \
    10.99.0.1 5001 $rate "$secs" >"$WORK/paced.out" 2>"$WORK/paced.err" ||
    die "paced sender: $(cat "$WORK/paced.err")"
  PHASE_SECS=$(since "$t0")
  wait "$RECV_PID" || die "receiver: $(cat "$WORK/receiver.err")"
  forget "$RECV_PID"
  read -r sha bytes worst <"$WORK/paced.out"
  [ "$sha" = "$(cat "$WORK/received.sha")" ] || die "paced transfer: checksum differs"
  awk -v w="$worst" 'BEGIN { exit !(w < 3) }' || die "a write blocked for $worst s"
  for _ in $(seq 100); do alive "$ping_pid" || break; sleep 0.1; done
  wait "$ping_pid" || true
  forget "$ping_pid"
  pings=$(grep -o '[0-9]* packets transmitted, [0-9]* received' "$WORK/pings.out" || true)
  grep -q ' 0% packet loss' "$WORK/pings.out" || die "pings lost during the transfer: $pings"
  PHASE_MB=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
  PHASE_INFO="$PHASE_MB MB in $PHASE_SECS s (longest write ${worst} s), pings: ${pings/packets /}"
}

# tun_qlen NS: the txqueuelen of the tun device in namespace NS (cli or srv).
tun_qlen() {
  ip -n "${NS_PREFIX}$1" link show | sed -n 's/^[0-9]*: tun[0-9]*:.* qlen \([0-9]*\).*/\1/p'
}

# (a), with txqueuelen in both configurations: each side's tun device has the depth it asked for
# (ovpnd and OpenVPN both honour it).
server_conf proto=udp wrap=tls-crypt extra="txqueuelen 1500"
client_conf proto=udp wrap=tls-crypt extra="txqueuelen 1000"
start_server
start_client
wait_connected 1 20
[ "$(tun_qlen cli)" = 1000 ] || die "client tun txqueuelen $(tun_qlen cli), not the configured 1000"
[ "$(tun_qlen srv)" = 1500 ] || die "server tun txqueuelen $(tun_qlen srv), not the configured 1500"
head -c 100000000 /dev/urandom >"$WORK/big"
t0=$(now)
CONTEXT="(a) 100 MB"
transfer 10.99.0.1 "$WORK/big"
secs=$(since "$t0")
rm -f "$WORK/big"
echo "(a) 100 MB client -> server side in $secs s ($(awk -v s="$secs" 'BEGIN { printf "%.0f", 800 / s }') Mbit/s), sha256 ok"
stop_client
stop_server

# (b)
CONTEXT="(b) server reneg-sec 10"
server_conf proto=udp wrap=tls-auth extra="reneg-sec 10"
client_conf proto=udp wrap=tls-auth
start_server
start_client
wait_connected 1 20
paced_phase 40
resets=$(count_lines "$WORK/server.log" "$SOFT_RESET")
renegs=$(($(count_lines "$WORK/server.log" "$HANDSHAKE") - 1))
[ "$resets" -ge 3 ] || die "$resets server-initiated renegotiations (soft resets), want >= 3"
[ "$renegs" -ge 3 ] || die "$renegs completed renegotiations, want >= 3"
echo "(b) server reneg-sec 10: $PHASE_INFO, $renegs renegotiations ($resets started by the server), sha256 ok"
stop_client
stop_server

# (c)
CONTEXT="(c) client reneg-sec 6"
server_conf proto=tcp wrap=tls-crypt-v2 extra="reneg-sec 0"
client_conf proto=tcp wrap=tls-crypt-v2 extra="reneg-sec 6"
start_server
start_client
wait_connected 1 20
paced_phase 20
resets=$(count_lines "$WORK/server.log" "$SOFT_RESET")
renegs=$(($(count_lines "$WORK/server.log" "$HANDSHAKE") - 1))
[ "$resets" -eq 0 ] || die "the server started $resets renegotiations with reneg-sec 0"
[ "$renegs" -ge 2 ] || die "$renegs client-initiated renegotiations, want >= 2"
echo "(c) client reneg-sec 6 over TCP: $PHASE_INFO, $renegs renegotiations (started by the client), sha256 ok"
stop_client
stop_server
CONTEXT=
log "PASS"
