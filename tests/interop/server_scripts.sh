#!/usr/bin/env bash
# The ovpnd server's per-client hooks and checks with a stock OpenVPN 2.6 client ($CLIENT,
# default the stock one). Topology: lib.sh.
#
# (a) client-connect: its environment (common name, real address, pool address, peer-info), the
#     options it writes (ifconfig-push, a pushed route) reach the client; client-disconnect runs
#     with the byte counts; `inactive 3` ends an idle client (keepalive pings do not count as
#     traffic) and the time it took is printed.
# (b) client-connect exiting 1 refuses the client: AUTH_FAILED.
# (c) crl-verify: the client connects with an empty CRL; its certificate is revoked and the CRL
#     file rewritten while the server runs; its next connection is refused (the server read the
#     CRL again).
# (d) tls-crypt-v2-verify: a client key whose metadata the script accepts connects (the script
#     saw the metadata and its type); a key without that metadata is refused before TLS.
NS_PREFIX=oi-sc-
CLIENT=${CLIENT:-openvpn}
SERVER=ovpnd
source "$(dirname "$0")/lib.sh"

make_topology
make_pki "$WORK"
cd "$WORK"

cat >cc.sh <<'EOF'
#!/bin/sh
env >cc.env
[ -e refuse ] && exit 1
printf 'ifconfig-push 10.8.0.77 255.255.255.0\npush "route 10.55.0.0 255.255.255.0"\n' >"$1"
EOF
cat >cd.sh <<'EOF'
#!/bin/sh
env >cd.env.tmp && mv cd.env.tmp cd.env
EOF
chmod 755 cc.sh cd.sh

# env_of FILE NAME: the value of NAME in a dumped environment.
env_of() { sed -n "s/^$2=//p" "$1"; }

# wait_log FILE PATTERN SECONDS: waits for a line; sets WAITED.
wait_log() {
  local t0
  t0=$(now)
  for _ in $(seq $(($3 * 20))); do
    if grep -qF -- "$2" "$1"; then
      WAITED=$(since "$t0")
      return 0
    fi
    sleep 0.05
  done
  die "no '$2' in $(basename "$1") within $3 s: $(tail -3 "$1")"
}

# ---- (a) -------------------------------------------------------------------------------------
CONTEXT="(a) client-connect, client-disconnect, inactive"
server_conf extra="script-security 2" extra="client-connect cc.sh" \
  extra="client-disconnect cd.sh" extra="inactive 3"
client_conf
start_server
start_client
wait_connected 1 20
[ "$(env_of cc.env script_type)" = client-connect ] || die "cc.env: script_type"
[ "$(env_of cc.env common_name)" = client1 ] || die "cc.env: common_name $(env_of cc.env common_name)"
[ "$(env_of cc.env trusted_ip)" = 10.77.0.2 ] || die "cc.env: trusted_ip $(env_of cc.env trusted_ip)"
[ "$(env_of cc.env ifconfig_pool_remote_ip)" = 10.8.0.2 ] || die "cc.env: ifconfig_pool_remote_ip"
[ -n "$(env_of cc.env IV_VER)" ] || die "cc.env: no IV_VER (peer-info)"
in_ns cli ip -4 addr show | grep -q "inet 10.8.0.77/24" || die "the client's address is not the pushed 10.8.0.77"
in_ns cli ip route show 10.55.0.0/24 | grep -q . || die "the route pushed by client-connect is missing"
ping_from cli 10.8.0.1
idle_from=$(now)
wait_log server.log "Inactivity timeout" 10
idle=$(since "$idle_from")
[ -s cd.env ] || sleep 0.5
[ -s cd.env ] || die "client-disconnect did not run"
[ "$(env_of cd.env script_type)" = client-disconnect ] || die "cd.env: script_type"
[ "$(env_of cd.env common_name)" = client1 ] || die "cd.env: common_name"
[ "$(env_of cd.env bytes_received)" -gt 0 ] || die "cd.env: bytes_received"
[ "$(env_of cd.env bytes_sent)" -gt 0 ] || die "cd.env: bytes_sent"
echo "(a) client-connect set 10.8.0.77 and a route; inactive 3: ended ${idle} s after the last ping; client-disconnect: bytes_received $(env_of cd.env bytes_received), bytes_sent $(env_of cd.env bytes_sent), time_duration $(env_of cd.env time_duration)"
stop_client 5

# ---- (b) -------------------------------------------------------------------------------------
CONTEXT="(b) client-connect refuses"
touch refuse
start_client
wait_log client.log AUTH_FAILED 10
grep -qF "client-connect command exited with status 1" server.log ||
  die "the server does not say why: $(tail -3 server.log)"
echo "(b) client-connect exit 1: AUTH_FAILED after ${WAITED} s"
stop_client 5
stop_server
rm -f refuse

# ---- (c) -------------------------------------------------------------------------------------
CONTEXT="(c) crl-verify reload"
cat >ca.cnf <<EOF
[ca]
default_ca = own
[own]
database = $WORK/index.txt
crlnumber = $WORK/crlnumber
default_md = sha256
default_crl_days = 30
EOF
: >index.txt
echo 01 >crlnumber
openssl ca -config ca.cnf -gencrl -keyfile ca.key -cert ca.crt -out crl.pem >>pki.out 2>&1 ||
  die "gencrl: $(tail -3 pki.out)"
server_conf extra="crl-verify crl.pem"
start_server
start_client
wait_connected 1 20
ping_from cli 10.8.0.1
stop_client 5
openssl ca -config ca.cnf -revoke client.crt -keyfile ca.key -cert ca.crt >>pki.out 2>&1 ||
  die "revoke: $(tail -3 pki.out)"
openssl ca -config ca.cnf -gencrl -keyfile ca.key -cert ca.crt -out crl.pem.new >>pki.out 2>&1 ||
  die "gencrl: $(tail -3 pki.out)"
mv crl.pem.new crl.pem
start_client
wait_log server.log "crl-verify crl.pem: reloaded" 10
sleep 3
[ "$(count_lines client.log "$READY")" = 0 ] || die "the revoked client connected"
alive "$CLIENT_PID" || die "the client exited"
echo "(c) crl-verify: revoked while the server ran, the next connection refused"
stop_client 5
stop_server

# ---- (d) -------------------------------------------------------------------------------------
CONTEXT="(d) tls-crypt-v2-verify"
"$OPENVPN" --tls-crypt-v2 v2s.key --genkey tls-crypt-v2-client v2c_md.key \
  "$(printf 'allowed-user' | base64)" >>pki.out 2>&1 || die "genkey with metadata: $(tail -3 pki.out)"
cat >v2verify.sh <<'EOF'
#!/bin/sh
cp "$metadata_file" md.out
echo "$metadata_type" >mdtype.out
grep -q allowed "$metadata_file"
EOF
chmod 755 v2verify.sh
server_conf wrap=tls-crypt-v2 extra="script-security 2" extra="tls-crypt-v2-verify v2verify.sh"
client_conf wrap=tls-crypt-v2
sed -i 's/^tls-crypt-v2 v2c.key$/tls-crypt-v2 v2c_md.key/' client.conf
start_server
start_client
wait_connected 1 20
ping_from cli 10.8.0.1
[ "$(cat md.out)" = allowed-user ] || die "the script saw metadata '$(cat md.out)'"
[ "$(cat mdtype.out)" = 0 ] || die "metadata_type $(cat mdtype.out), want 0 (user)"
stop_client 5
client_conf wrap=tls-crypt-v2  # v2c.key: the default metadata, a timestamp
start_client
wait_log server.log "tls-crypt-v2-verify: tls-crypt-v2-verify command exited with status 1" 10
sleep 2
[ "$(count_lines client.log "$READY")" = 0 ] || die "the refused client connected"
[ "$(cat mdtype.out)" = 1 ] || die "metadata_type $(cat mdtype.out), want 1 (timestamp)"
echo "(d) tls-crypt-v2-verify: metadata 'allowed-user' (type 0) accepted, a timestamp key (type 1) refused before TLS"
stop_client 5
stop_server
CONTEXT=
log "PASS"
