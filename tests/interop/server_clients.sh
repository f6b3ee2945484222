#!/usr/bin/env bash
# The ovpnd server (issue 5) with three stock OpenVPN 2.6 clients at once, each in its own
# namespace, and a fourth that takes the address of one that vanished.
#
#                        ns srv: ovpnd --config server.conf
#                        tun0 10.8.0.1/24, fd88::1/64; pool 10.8.0.2 - 10.8.0.4 (three!)
#        v-srv-c1 10.77.1.1   v-srv-c2 10.77.2.1   v-srv-c3 10.77.3.1   v-srv-c4 10.77.4.1
#             |                    |                    |                    |
#        ns c1 10.77.1.2      ns c2 10.77.2.2      ns c3 10.77.3.2      ns c4 10.77.4.2
#        CN client1           CN client2           CN client3           CN client4
#                                                  lo 10.66.0.1/24
#                                                  (ccd: iroute 10.66.0.0/24)
#
# keepalive 1 4 (the server expires a silent client after 8 s); status file every second.
# Run 1, client-to-client, ip_forward off in srv:
#   (a) each client pings the other two (IPv4 and IPv6 inside): only the engine carries that;
#   (b) the subnet behind client 3 answers clients 1 and 2 and srv;
#   (d) client 2 SIGKILLed: the server expires it (ping-expired), its address goes back to the
#       pool, and client 4 (another CN) gets exactly that address and reaches client 1;
#   (e) client 1 SIGTERMed (explicit-exit-notify 1): the server ends it at once (client-exit) and
#       the status file (rewritten every second) drops it within 2.5 s.
# Run 2, no client-to-client, ip_forward on in srv:
#   (c) clients reach the server and it reaches them, but not each other nor the iroute subnet.
NS_PREFIX=oi-sc-
SERVER=ovpnd
source "$(dirname "$0")/lib.sh"

# server_clients_conf C2C: $WORK/server.conf; C2C 1: with client-to-client.
server_clients_conf() {
  {
    echo "dev tun"
    echo "proto udp"
    echo "port 1194"
    # `server` would pool all of 10.8.0.0/24, and with `nopool` refuses server-ipv6: by hand.
    echo "server-ipv6 fd88::/64"
    echo "topology subnet"
    echo "ifconfig 10.8.0.1 255.255.255.0"
    echo "ifconfig-pool 10.8.0.2 10.8.0.4 255.255.255.0"
    echo 'push "topology subnet"'
    echo 'push "route-gateway 10.8.0.1"'
    if [ "$1" = 1 ]; then echo "client-to-client"; fi
    echo "client-config-dir ccd"
    echo "route 10.66.0.0 255.255.255.0"
    echo 'push "route 10.66.0.0 255.255.255.0"'
    echo "ca ca.crt"
    echo "cert server.crt"
    echo "key server.key"
    echo "dh none"
    echo "tls-crypt tc.key"
    echo "keepalive 1 4"
    echo "status status.log 1"
    echo "disable-dco"
    echo "verb 3"
  } >"$WORK/server.conf"
}

# client_named_conf K: $WORK/cK.conf for CN clientK, over the link to 10.77.K.1.
client_named_conf() {
  cat >"$WORK/c$1.conf" <<EOF
client
dev tun
proto udp
remote 10.77.$1.1 1194
nobind
ca ca.crt
cert client$1.crt
key client$1.key
remote-cert-tls server
tls-crypt tc.key
explicit-exit-notify 1
connect-retry 1
disable-dco
verb 3
EOF
}

# start_clients K...: starts them all, then waits for each; their addresses into V4[K], V6[K].
declare -A V4 V6
start_clients() {
  local k
  for k; do start_named_client "c$k"; done
  for k; do
    wait_named_connected "c$k" 20
    V4[$k]=$(ip -n "${NS_PREFIX}c$k" -4 -o addr show dev tun0 | awk '{split($4, a, "/"); print a[1]}')
    V6[$k]=$(ip -n "${NS_PREFIX}c$k" -6 -o addr show dev tun0 scope global |
      awk '{split($4, a, "/"); print a[1]}')
    [[ ${V4[$k]} == 10.8.0.[234] ]] || die "client $k: IPv4 '${V4[$k]}' is not from the pool"
    [[ ${V6[$k]} == fd88::* ]] || die "client $k: IPv6 '${V6[$k]}' is not from the pool"
  done
}

# no_ping NS ADDR: no echo reply within 2 s.
no_ping() {
  if in_ns "$1" ping -c 2 -i 0.2 -w 2 "$2" >"$WORK/ping.out" 2>&1; then
    die "$1 reached $2, which it must not"
  fi
}

# status_has CN: the status file lists CN in its client list.
status_has() { grep -q "^$1," "$WORK/status.log" 2>/dev/null; }

# wait_for SECONDS CMD...: until CMD succeeds; false on timeout. Sets WAITED.
wait_for() {
  local t0 limit=$(($1 * 20))
  shift
  t0=$(now)
  for _ in $(seq "$limit"); do
    if "$@"; then
      WAITED=$(since "$t0")
      return 0
    fi
    sleep 0.05
  done
  return 1
}
not() { ! "$@"; }

[ -x "$OVPND" ] || die "no ovpnd at $OVPND"
make_ns srv
for k in 1 2 3 4; do
  make_ns c$k
  link_ns srv c$k 10.77.$k.1 10.77.$k.2
done
in_ns c3 ip addr add 10.66.0.1/24 dev lo
make_pki "$WORK"
for k in 1 2 3 4; do
  make_client_cert "$WORK" client$k
  client_named_conf $k
done
mkdir -p "$WORK/ccd"
echo "iroute 10.66.0.0 255.255.255.0" >"$WORK/ccd/client3"
T0=$(now)

CONTEXT="run 1 (client-to-client)"
in_ns srv sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
server_clients_conf 1
start_server
start_clients 1 2 3
log "three clients up: ${V4[1]} ${V4[2]} ${V4[3]} / ${V6[1]} ${V6[2]} ${V6[3]}"
[ "${V4[1]}" != "${V4[2]}" ] && [ "${V4[2]}" != "${V4[3]}" ] && [ "${V4[1]}" != "${V4[3]}" ] ||
  die "two clients share an address"

CONTEXT="(a) client-to-client"
for k in 1 2 3; do
  ping_from c$k 10.8.0.1
  for j in 1 2 3; do
    [ $j = $k ] && continue
    ping_from c$k "${V4[$j]}"
    ping_from c$k "${V6[$j]}"
  done
done
echo "(a) each of three clients pings the other two, IPv4 and IPv6, with ip_forward off: ok"

CONTEXT="(b) iroute behind client 3"
ping_from c1 10.66.0.1
ping_from c2 10.66.0.1
ping_from srv 10.66.0.1
echo "(b) 10.66.0.1 behind client 3 answers clients 1, 2 and the server: ok"

CONTEXT="(d) client 2 killed without notice"
wait_for 5 status_has client2 || die "the status file does not list client2"
t_kill=$(now)
stop_named_client c2 KILL
wait_for 20 grep -qE "client2/[^ ]*: ping-expired" "$WORK/server.log" ||
  die "the server did not expire client2 within 20 s: $(tail -3 "$WORK/server.log")"
EXPIRED=$(since "$t_kill")
awk -v e="$EXPIRED" 'BEGIN { exit !(e >= 6 && e <= 12) }' ||
  die "client2 expired ${EXPIRED} s after the kill, not about 8 s (ping-restart 2 x 4)"
wait_for 3 not status_has client2 || die "client2 stays in the status file after expiry"
STATUS_GONE=$(since "$t_kill")
start_clients 4
[ "${V4[4]}" = "${V4[2]}" ] ||
  die "client4 got ${V4[4]}, not the address client2 left (${V4[2]})"
ping_from c4 "${V4[1]}"
ping_from c1 "${V4[4]}"
ping_from c4 "${V6[3]}"
echo "(d) client2 SIGKILLed: expired after ${EXPIRED} s (status file: ${STATUS_GONE} s);" \
  "client4 got its address ${V4[4]} and reaches the others"

CONTEXT="(e) client 1 exits cleanly"
wait_for 5 status_has client1 || die "the status file does not list client1"
t_term=$(now)
kill -TERM "${NAMED_PID[c1]}"
# Timed from the signal: the client itself lingers a moment after telling the server.
wait_for 3 grep -qE "client1/[^ ]*: client-exit" "$WORK/server.log" ||
  die "the server did not end client1 (client-exit) within 3 s of SIGTERM"
LOGGED=$(since "$t_term")
wait_for 3 not status_has client1 || die "client1 stays in the status file"
REMOVED=$(since "$t_term")
stop_named_client c1 TERM 5
[ "$STOP_RC" = 0 ] || die "client1 exited with status $STOP_RC on SIGTERM"
awk -v r="$REMOVED" 'BEGIN { exit !(r <= 2.5) }' ||
  die "client1 left the status file ${REMOVED} s after SIGTERM, not within 2.5 s"
status_has client3 && status_has client4 || die "the status file lost client3 or client4"
if grep -qE "client[34]/[^ ]*: " "$WORK/server.log"; then
  die "the server ended client3 or client4: $(grep -E "client[34]/[^ ]*: " "$WORK/server.log")"
fi
echo "(e) client1 SIGTERMed: server log client-exit after ${LOGGED} s, gone from the status" \
  "file after ${REMOVED} s (status interval 1 s)"
stop_named_client c3 TERM 5
stop_named_client c4 TERM 5
stop_server

CONTEXT="run 2 (no client-to-client, ip_forward on)"
in_ns srv sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
server_clients_conf 0
start_server
start_clients 1 2 3
CONTEXT="(c) no client-to-client"
for k in 1 2 3; do
  ping_from c$k 10.8.0.1
  ping_from c$k fd88::1
  ping_from srv "${V4[$k]}"
done
ping_from srv 10.66.0.1
no_ping c1 "${V4[2]}"
no_ping c2 "${V4[3]}"
no_ping c3 "${V4[1]}"
no_ping c1 "${V6[2]}"
no_ping c1 10.66.0.1
no_ping c2 10.66.0.1
echo "(c) without client-to-client (ip_forward on): clients and server reach each other;" \
  "clients reach neither each other nor the iroute subnet: ok"
stop_named_client c1 TERM 5
stop_named_client c2 TERM 5
stop_named_client c3 TERM 5
stop_server
CONTEXT=
log "PASS ($(since "$T0") s after the PKI)"
