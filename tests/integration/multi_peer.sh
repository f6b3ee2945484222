#!/usr/bin/env bash
# Multi-peer: one server engine, three client engines in their own namespaces, each client a
# peer chosen by VPN address (longest-prefix match); a subnet behind client 3 (its iroute).
#
#                         ns s: ovpn0 10.8.0.1/24, ip_forward off
#                         ovpnd --mode mp --client-to-client on, UDP [::]:1194
#          v-s-c1 10.201.1.1   v-s-c2 10.201.2.1   v-s-c3 10.201.3.1
#               |                   |                   |
#          ns c1 10.201.1.2   ns c2 10.201.2.2    ns c3 10.201.3.2
#          ovpn0 10.8.0.11    ovpn0 10.8.0.12     ovpn0 10.8.0.13, lo 192.168.30.1/24
#          peer id 1          peer id 2           peer id 3 (iroute 192.168.30.0/24)
#
# Checks: every client reaches the server, each other (through the server's engine alone: the
# host does not forward), and the subnet behind client 3; a client spoofing another's address is
# dropped as reverse_path. Then the server engine again without client-to-client, ip_forward on:
# clients still reach the server, not each other (dropped as client_to_client).
NS_PREFIX=ovt-mp-
source "$(dirname "$0")/lib.sh"

make_ns s
in_ns s sysctl -qw net.ipv4.ip_forward=0

for k in 1 2 3; do
  make_ns c$k
  link_ns s c$k 10.201.$k.1 10.201.$k.2
done
# server_engine on|off KEY: the server engine (client-to-client on or off) with the three
# peers, peer k keyed with $WORK/KEYk.
server_engine() {
  start_engine s --dev ovpn0 --mode mp --listen '[::]:1194' --ifconfig 10.8.0.1/24 \
    --route 192.168.30.0/24 --threads 2 --client-to-client "$1"
  SERVER_PID=${PIDS[-1]}
  local k routes
  for k in 1 2 3; do
    routes=()
    [ $k -eq 3 ] && routes=(route 192.168.30.0/24)
    ctl s peer-new $k remote 10.201.$k.2:1194 vpn-ipv4 10.8.0.1$k "${routes[@]}" keepalive 5 30
    ctl s key-new $k primary 0 AES-256-GCM "$WORK/$2$k" server
  done
}

for k in 1 2 3; do "$DCOCTL" genkey >"$WORK/key$k"; done
server_engine on key
for k in 1 2 3; do
  start_engine c$k --dev ovpn0 --listen 10.201.$k.2:1194 --ifconfig 10.8.0.1$k/24 \
    --route 192.168.30.0/24 --threads 1
  ctl c$k peer-new $k remote 10.201.$k.1:1194 keepalive 5 30
  ctl c$k key-new $k primary 0 AES-256-GCM "$WORK/key$k" client
done
in_ns c3 ip addr add 192.168.30.1/24 dev lo

ping_ok() {  # ping_ok NS TARGET [SOURCE]
  local src=()
  [ $# -ge 3 ] && src=(-I "$3")
  in_ns "$1" ping -c 3 -i 0.2 -W 2 "${src[@]}" "$2" >"$WORK/ping.log" 2>&1 ||
    die "ping from $1 to $2 failed: $(tail -3 "$WORK/ping.log")"
}
for k in 1 2 3; do ping_ok c$k 10.8.0.1; done
log "clients reach the server"
ping_ok c1 10.8.0.12
ping_ok c2 10.8.0.13
ping_ok c3 10.8.0.11
log "clients reach each other through the server's engine"
ping_ok c1 192.168.30.1
ping_ok c2 192.168.30.1
log "the subnet behind client 3 is reachable (iroute)"
ping_ok s 192.168.30.1 10.8.0.1

# Client 1 claims client 2's address: the server drops it (reverse path), counted on peer 1.
in_ns c1 ip addr add 10.8.0.12/32 dev ovpn0
in_ns c1 ping -c 2 -i 0.2 -W 1 -I 10.8.0.12 10.8.0.1 >/dev/null 2>&1 || true
spoofed=$(counter s 1 "['stats']['drops']['reverse_path']")
[ "$spoofed" -ge 2 ] || die "spoofed packets not dropped as reverse_path ($spoofed)"
log "spoofed source dropped: reverse_path $spoofed"
in_ns c1 ip addr del 10.8.0.12/32 dev ovpn0
ctl s show

# The server engine again, without client-to-client; the host forwards now, and must not matter.
kill "$SERVER_PID"
wait "$SERVER_PID" || true
in_ns s sysctl -qw net.ipv4.ip_forward=1
# New keys: the new engine's packet ids start again, and a key never sees an id twice.
for k in 1 2 3; do
  "$DCOCTL" genkey >"$WORK/again$k"
  ctl c$k peer-del $k
  ctl c$k peer-new $k remote 10.201.$k.1:1194 keepalive 5 30
  ctl c$k key-new $k primary 0 AES-256-GCM "$WORK/again$k" client
done
server_engine off again
for k in 1 2 3; do ping_ok c$k 10.8.0.1; done
if in_ns c1 ping -c 2 -i 0.2 -W 1 10.8.0.12 >/dev/null 2>&1; then
  die "client 1 reached client 2 without client-to-client"
fi
blocked=$(counter s 1 "['stats']['drops']['client_to_client']")
[ "$blocked" -ge 2 ] || die "client 1's packets for client 2 not dropped as client_to_client ($blocked)"
log "without client-to-client: clients reach the server, not each other (client_to_client $blocked)"
log "PASS"
