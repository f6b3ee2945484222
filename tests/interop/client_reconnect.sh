#!/usr/bin/env bash
# The client ($CLIENT) reconnects by itself when the stock OpenVPN 2.6 server goes away and
# comes back. Topology: lib.sh. Each phase: connect, ping 10.99.0.1, take the server away, start
# it again at once, wait for the client's second readiness line, ping 10.99.0.1 again.
#
# (a) UDP, server keepalive 1 5 (pushed: ping 1, ping-restart 5): the server is SIGKILLed, so only
#     the client's ping-restart can notice; reconnected within 30 s. The client runs with
#     `user nobody` / `group nogroup`: its addresses and routes are set again after the
#     reconnect all the same (ovpnd keeps CAP_NET_ADMIN; stock needs persist-tun for that).
# (b) UDP, server explicit-exit-notify 1 and keepalive 10 60: the server is SIGTERMed and tells the
#     client (control message RESTART); the client must log the reset it was told of and be back
#     within 20 s, long before its 60 s ping-restart could fire.
# (c) TCP, keepalive 10 60: the server is SIGKILLed, the kernel closes the connection; the client
#     must notice at once and be back within 15 s.
NS_PREFIX=oi-rc-
source "$(dirname "$0")/lib.sh"

make_topology
make_pki "$WORK"

# bounce SIGNAL BOUND: stops the server with SIGNAL, starts it again, waits for the client's
# second readiness line; prints and sets RECONNECT (seconds from the signal to readiness).
bounce() {
  local t0
  ping_from cli 10.99.0.1
  t0=$(now)
  stop_server "$1" 10
  start_server append
  wait_connected 2 "$2"
  RECONNECT=$(since "$t0")
  ping_from cli 10.99.0.1
}

CONTEXT="(a) UDP, SIGKILL, ping-restart 5"
server_conf proto=udp wrap=tls-crypt extra="keepalive 1 5"
if [ "$CLIENT" = ovpnd ]; then
  client_conf proto=udp wrap=tls-crypt extra="user nobody" extra="group nogroup"
else
  client_conf proto=udp wrap=tls-crypt extra="user nobody" extra="group nogroup" extra="persist-tun"
fi
start_server
start_client
wait_connected 1 20
[ "$(awk '/^Uid:/ {print $2}' "/proc/$CLIENT_PID/status")" = "$(id -u nobody)" ] ||
  die "the client did not drop its privileges to nobody"
bounce KILL 30
echo "(a) UDP, server SIGKILLed, client ping-restart 5: reconnected ${RECONNECT} s after the kill"
stop_client
stop_server

CONTEXT="(b) UDP, SIGTERM, explicit-exit-notify"
server_conf proto=udp fam=6 wrap=tls-auth extra="keepalive 10 60" extra="explicit-exit-notify 1"
client_conf proto=udp fam=6 wrap=tls-auth
start_server
start_client
wait_connected 1 20
bounce TERM 20
[ "$(count_lines "$WORK/server.log" "SENT CONTROL [client1]: 'RESTART'")" -ge 1 ] ||
  die "the server log shows no RESTART sent to the client"
grep -qE 'server-pushed-connection-reset|RESTART' "$WORK/client.log" ||
  die "the client log does not mention the RESTART the server sent"
echo "(b) UDP, server SIGTERMed with explicit-exit-notify: client told (RESTART), reconnected ${RECONNECT} s after the signal"
stop_client
stop_server

CONTEXT="(c) TCP, SIGKILL"
server_conf proto=tcp wrap=tls-crypt-v2 extra="keepalive 10 60"
client_conf proto=tcp wrap=tls-crypt-v2
start_server
start_client
wait_connected 1 20
bounce KILL 15
echo "(c) TCP, server SIGKILLed: reconnected ${RECONNECT} s after the kill"
stop_client
stop_server
CONTEXT=
log "PASS"
