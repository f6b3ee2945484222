#!/usr/bin/env bash
# The client ($CLIENT: ovpnd, or stock openvpn to validate the harness) against the server
# ($SERVER: a stock OpenVPN 2.6 server by default, or the ovpnd server) over a pairwise set of
# configurations. Topology: lib.sh.
#
# Each cell: the server forces the data cipher (data-ciphers with that one cipher; the client
# keeps its default list, so NCP picks it) and the server log must name it; ping the server's
# tunnel address and the host behind the pushed route (IPv4, and IPv6 where IPv6 inside is on);
# a 2 MB checksummed transfer to that host (over IPv4, and IPv6 too where it is on); SIGTERM: the
# client exits with status 0 within 5 s and takes its pushed route with it.
NS_PREFIX=oi-mx-
source "$(dirname "$0")/lib.sh"

# proto cipher wrap underlay ipv6-inside userpass. Pairwise: the first 15 cells pair every value
# of each of proto {udp,tcp}, cipher {AES-256-GCM,AES-128-GCM,CHACHA20-POLY1305}, wrap {none,
# tls-auth (key direction 0/1), tls-auth-nodir, tls-crypt, tls-crypt-v2}, underlay {4,6} and
# ipv6-inside {0,1} with every value of every other dimension at least once (15 = ciphers x wraps,
# the largest pair product; checked below). Cell 16 adds username/password and a pushed
# redirect-gateway def1 ipv6: while connected, the kernel routes any address through the tunnel
# (checked with `ip route get`, which sends nothing); after the exit those routes are gone.
# 16 cells.
CELLS=(
  "tcp AES-256-GCM none 6 0 0"
  "tcp AES-128-GCM none 4 0 0"
  "udp CHACHA20-POLY1305 none 6 1 0"
  "tcp AES-256-GCM tls-auth 6 1 0"
  "tcp AES-128-GCM tls-auth 4 1 0"
  "udp CHACHA20-POLY1305 tls-auth 4 0 0"
  "tcp AES-256-GCM tls-auth-nodir 6 1 0"
  "udp AES-128-GCM tls-auth-nodir 4 0 0"
  "udp CHACHA20-POLY1305 tls-auth-nodir 6 0 0"
  "tcp AES-256-GCM tls-crypt 4 1 0"
  "udp AES-128-GCM tls-crypt 6 0 0"
  "tcp CHACHA20-POLY1305 tls-crypt 6 1 0"
  "udp AES-256-GCM tls-crypt-v2 4 1 0"
  "udp AES-128-GCM tls-crypt-v2 6 0 0"
  "tcp CHACHA20-POLY1305 tls-crypt-v2 4 1 0"
  "udp AES-256-GCM tls-crypt 4 1 1"
)

# The list must stay pairwise over its first five columns.
VALUES=("udp tcp" "AES-256-GCM AES-128-GCM CHACHA20-POLY1305"
  "none tls-auth tls-auth-nodir tls-crypt tls-crypt-v2" "4 6" "0 1")
declare -A seen=()
for cell in "${CELLS[@]}"; do
  read -ra c <<<"$cell"
  for i in 0 1 2 3 4; do for j in 0 1 2 3 4; do
    [ $i -lt $j ] && seen["$i=${c[$i]},$j=${c[$j]}"]=1
  done; done
done
for i in 0 1 2 3 4; do for j in 0 1 2 3 4; do
  [ $i -lt $j ] || continue
  for x in ${VALUES[$i]}; do for y in ${VALUES[$j]}; do
    [ -n "${seen["$i=$x,$j=$y"]:-}" ] || die "cell list not pairwise: no cell with $x and $y"
  done; done
done; done

make_topology
make_pki "$WORK"
head -c 2000000 /dev/urandom >"$WORK/blob"

n=0
for cell in "${CELLS[@]}"; do
  n=$((n + 1))
  read -r proto cipher wrap fam ipv6 userpass <<<"$cell"
  name="cell $n: $proto $cipher $wrap v$fam"
  [ "$ipv6" = 1 ] && name+=" ipv6-inside"
  [ "$userpass" = 1 ] && name+=" user/pass"
  CONTEXT=$name
  t0=$(now)
  params=(proto="$proto" fam="$fam" ciphers="$cipher" wrap="$wrap" ipv6="$ipv6" userpass="$userpass")
  redirect=0
  [ "$userpass" = 1 ] && redirect=1
  if [ "$redirect" = 1 ]; then
    server_conf "${params[@]}" extra='push "redirect-gateway def1 ipv6"'
  else
    server_conf "${params[@]}"
  fi
  client_conf "${params[@]}"
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

  # The server logs the data channel cipher of the client's key about a second after the push
  # (checked after the traffic, which covers that second).
  for _ in $(seq 100); do
    [ "$(count_lines "$WORK/server.log" "Data Channel: cipher '$cipher'")" -ge 1 ] && break
    sleep 0.05
  done
  [ "$(count_lines "$WORK/server.log" "Data Channel: cipher '$cipher'")" -ge 1 ] ||
    die "the server log names no data channel cipher '$cipher'"
  if [ "$userpass" = 1 ]; then
    [ "$(count_lines "$WORK/server.log" "authentication succeeded for username 'alice'")" -ge 1 ] ||
      die "the server did not accept alice/secret"
  fi
  if [ "$redirect" = 1 ]; then
    ip -n "${NS_PREFIX}cli" route get 192.0.2.1 | grep -q "dev tun" ||
      die "redirect-gateway: 192.0.2.1 is not routed into the tunnel: $(ip -n "${NS_PREFIX}cli" route get 192.0.2.1 2>&1)"
    ip -n "${NS_PREFIX}cli" -6 route get 2001:db8::1 | grep -q "dev tun" ||
      die "redirect-gateway ipv6: 2001:db8::1 is not routed into the tunnel"
    ping_from cli 10.77.0.1  # the server itself is still reached over the underlay
  fi

  stop_client 5
  [ "$STOP_RC" = 0 ] || die "the client exited with status $STOP_RC on SIGTERM"
  [ -z "$(ip -n "${NS_PREFIX}cli" route show 10.99.0.0/24)" ] ||
    die "the pushed route outlived the client"
  if [ "$redirect" = 1 ] && ip -n "${NS_PREFIX}cli" route get 192.0.2.1 >/dev/null 2>&1; then
    die "redirect-gateway routes outlived the client"
  fi
  stop_server
  echo "$name: ok ($(since "$t0") s)"
  CONTEXT=
done
log "PASS: $n cells"
