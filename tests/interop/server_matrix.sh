#!/usr/bin/env bash
# The ovpnd server (issue 5) against stock OpenVPN 2.6 clients and the ovpnd client, over a set
# of configurations. Topology: lib.sh, with `ovpnd --config server.conf` in srv.
#
# Each cell: the server forces the data cipher (data-ciphers with that one cipher) and must log
# it with the client's connection; the client pings the server's tunnel address and the host
# behind the pushed route (IPv4, and IPv6 where IPv6 inside is on) and sends 2 MB checksummed
# to it; then the client stops: over UDP it says so (explicit-exit-notify, cc-exit) and the
# server must end the client at once ("client-exit"), over TCP the closed connection (or the
# ovpnd client's EXIT) must end it.
NS_PREFIX=oi-sm-
SERVER=ovpnd
source "$(dirname "$0")/lib.sh"
[ -x "$OVPND" ] || die "no ovpnd at $OVPND"

# client proto cipher wrap underlay ipv6-inside userpass: every wrapping and cipher with the
# stock client, UDP and TCP, both underlays; three cells with the ovpnd client.
CELLS=(
  "openvpn udp AES-256-GCM tls-crypt 4 1 0"
  "openvpn tcp AES-128-GCM tls-auth 6 1 0"
  "openvpn udp CHACHA20-POLY1305 tls-crypt-v2 6 0 1"
  "openvpn tcp AES-256-GCM none 4 0 1"
  "openvpn udp AES-128-GCM tls-auth-nodir 4 1 0"
  "ovpnd udp AES-256-GCM tls-crypt 4 1 0"
  "ovpnd tcp CHACHA20-POLY1305 tls-crypt-v2 6 1 1"
  "ovpnd udp AES-128-GCM none 6 0 0"
)

make_topology
make_pki "$WORK"
head -c 2000000 /dev/urandom >"$WORK/blob"

n=0
for cell in "${CELLS[@]}"; do
  n=$((n + 1))
  read -r client proto cipher wrap fam ipv6 userpass <<<"$cell"
  CLIENT=$client
  name="cell $n: $client $proto $cipher $wrap v$fam"
  [ "$ipv6" = 1 ] && name+=" ipv6-inside"
  [ "$userpass" = 1 ] && name+=" user/pass"
  CONTEXT=$name
  t0=$(now)
  params=(proto="$proto" fam="$fam" ciphers="$cipher" wrap="$wrap" ipv6="$ipv6" userpass="$userpass")
  server_conf "${params[@]}"
  if [ "$proto" = udp ]; then
    client_conf "${params[@]}" extra="explicit-exit-notify 1"
  else
    client_conf "${params[@]}"
  fi
  start_server
  start_client
  wait_connected 1 20
  ping_from cli 10.8.0.1
  ping_from cli 10.99.0.1
  transfer 10.99.0.1 "$WORK/blob"
  if [ "$ipv6" = 1 ]; then
    ping_from cli fd88::1
    ping_from cli fd99::1
    transfer fd99::1 "$WORK/blob"
  fi
  grep -q "client1/.* Data Channel: cipher '$cipher', peer-id: [0-9]*" \
    "$WORK/server.log" || die "the server log names no connection with cipher '$cipher'"
  stop_client 5
  [ "$STOP_RC" = 0 ] || die "the client exited with status $STOP_RC on SIGTERM"
  # The ovpnd client says EXIT over TCP too (cc-exit); the stock one just closes.
  want=client-exit
  [ "$proto" = tcp ] && want="(client-exit|disconnected)"
  for _ in $(seq 60); do grep -qE "client1/.*: $want" "$WORK/server.log" && break; sleep 0.05; done
  grep -qE "client1/.*: $want" "$WORK/server.log" ||
    die "the server did not end the client ($want) within 3 s: $(tail -3 "$WORK/server.log")"
  stop_server
  echo "$name: ok ($(since "$t0") s)"
  CONTEXT=
done
log "PASS: $n cells"
