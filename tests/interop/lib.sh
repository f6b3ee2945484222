# Shared helpers for the interop tests: a stock OpenVPN 2.6 server against the client that
# $CLIENT names — ovpnd (the default) or openvpn (stock, to validate the harness) (sourced, not run).
#
#   ns srv                                        ns cli
#   stock openvpn server (disable-dco)            $CLIENT --config client.conf
#     tun0 10.8.0.1/24, fd88::1/64                  tun0 10.8.0.2/24, fd88::1000/64 (pushed)
#   d0 10.99.0.1/24, fd99::1/64                     pushed routes 10.99.0.0/24, fd99::/64
#     (a veth to d0-peer: no dummy driver in         via the tunnel
#     every container)
#   v-srv-cli 10.77.0.1/24, fd77::1/64 --- veth --- v-cli-srv 10.77.0.2/24, fd77::2/64
#
# Both programs run with $WORK as working directory; the PKI and keys are there, the configs name
# them relatively. Logs: $WORK/server.log, $WORK/client.log (shown by cleanup on failure).

source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

# die names the step in progress ($CONTEXT) when there is one.
die() { log "FAIL${CONTEXT:+ in $CONTEXT}: $*"; exit 1; }
CONTEXT=

INTEROP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRANSFER="$INTEROP_DIR/../integration/transfer.py"
OPENVPN=$(command -v openvpn || echo /usr/sbin/openvpn)
CLIENT=${CLIENT:-ovpnd}
SERVER=${SERVER:-openvpn}  # ovpnd: the server tests
READY='Initialization Sequence Completed'
SERVER_PID=
CLIENT_PID=

case $CLIENT in
  ovpnd) [ -x "$OVPND" ] || die "no ovpnd at $OVPND (set BUILD_DIR, or CLIENT=openvpn)" ;;
  openvpn) ;;
  *) die "CLIENT must be ovpnd or openvpn, not '$CLIENT'" ;;
esac
[ -x "$OPENVPN" ] || die "no stock openvpn (apt-get install openvpn)"

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# alive PID: the process exists and is not a zombie.
alive() {
  [ -e "/proc/$1" ] || return 1
  [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# forget PID: drop a reaped process from the cleanup list (its number may be reused).
forget() {
  local keep=() p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && [ "$p" != "$1" ] && keep+=("$p"); done
  PIDS=("${keep[@]}")
}

# stop_pid PID SIGNAL TIMEOUT: signal, wait at most TIMEOUT s; sets STOP_RC and STOP_SECS.
# Returns 1 (process left running) on timeout.
stop_pid() {
  local pid=$1 t0
  t0=$(now)
  kill "-$2" "$pid" 2>/dev/null || true
  for _ in $(seq $(($3 * 20))); do alive "$pid" || break; sleep 0.05; done
  STOP_SECS=$(since "$t0")
  alive "$pid" && return 1
  STOP_RC=0
  wait "$pid" 2>/dev/null || STOP_RC=$?
  forget "$pid"
}

# count_lines FILE PATTERN: lines of FILE matching the fixed string PATTERN (0 if no file).
count_lines() { grep -cF -- "$2" "$1" 2>/dev/null || true; }

# make_topology: the two namespaces, the veth and the dummy network behind the server.
make_topology() {
  make_ns srv
  make_ns cli
  link_ns srv cli 10.77.0.1 10.77.0.2 fd77::1 fd77::2
  ip -n "${NS_PREFIX}srv" link add d0 type veth peer name d0-peer
  ip -n "${NS_PREFIX}srv" addr add 10.99.0.1/24 dev d0
  ip -n "${NS_PREFIX}srv" addr add fd99::1/64 dev d0 nodad
  ip -n "${NS_PREFIX}srv" link set d0-peer up
  ip -n "${NS_PREFIX}srv" link set d0 up
}

# issue_cert DIR CN EKU NAME: an EC key and a certificate (CN=CN, extendedKeyUsage EKU) from the
# CA in DIR, as DIR/NAME.key and DIR/NAME.crt.
issue_cert() {
  local d=$1 cn=$2 eku=$3 name=$4
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=%s\n' \
    "$eku" >"$d/$cn.ext"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$d/$name.key" -out "$d/$cn.csr" -subj "/CN=$cn" >>"$d/pki.out" 2>&1 ||
    die "$cn key: $(cat "$d/pki.out")"
  openssl x509 -req -in "$d/$cn.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 30 -extfile "$d/$cn.ext" -out "$d/$name.crt" >>"$d/pki.out" 2>&1 ||
    die "$cn cert: $(cat "$d/pki.out")"
}

# make_pki DIR: an EC (prime256v1) CA, server (CN=server, serverAuth) and client (CN=client1,
# clientAuth) certificates; tls-auth / tls-crypt keys (ta.key, tc.key); tls-crypt-v2 server and
# client keys (v2s.key, v2c.key); the user/password checker (alice / secret) and its files.
make_pki() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -keyout "$d/ca.key" -out "$d/ca.crt" -subj /CN=ovpnd-interop-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    >>"$d/pki.out" 2>&1 || die "CA: $(cat "$d/pki.out")"
  issue_cert "$d" server serverAuth server
  issue_cert "$d" client1 clientAuth client
  {
    "$OPENVPN" --genkey secret "$d/ta.key" &&
      "$OPENVPN" --genkey secret "$d/tc.key" &&
      "$OPENVPN" --genkey tls-crypt-v2-server "$d/v2s.key" &&
      "$OPENVPN" --tls-crypt-v2 "$d/v2s.key" --genkey tls-crypt-v2-client "$d/v2c.key"
  } >>"$d/pki.out" 2>&1 || die "openvpn --genkey: $(cat "$d/pki.out")"
  # auth-user-pass-verify via-file: $1 is a file holding the username and the password.
  cat >"$d/checkpass.sh" <<'EOF'
#!/bin/sh
{ read -r user; read -r pass; } <"$1"
[ "$user" = alice ] && [ "$pass" = secret ]
EOF
  chmod 755 "$d/checkpass.sh"
  # Stock openvpn runs as ./ovpn-stock: name-based kills of other people's openvpn processes on a
  # shared machine (pkill openvpn, pkill -f "openvpn --config") leave these tests alone.
  ln -sf "$OPENVPN" "$d/ovpn-stock"
  printf 'alice\nsecret\n' >"$d/good.pass"
  printf 'alice\nwrong\n' >"$d/bad.pass"
}

# conf_params KEY=VALUE...: the parameters of server_conf / client_conf, into P_*.
#   proto=udp|tcp  fam=4|6 (underlay)  ciphers=LIST (server data-ciphers; empty: the default)
#   wrap=none|tls-auth|tls-auth-nodir|tls-crypt|tls-crypt-v2  ipv6=0|1 (inside)
#   userpass=0|1 (client: good|bad names the password file, 1 = good)  extra=LINE (repeatable)
conf_params() {
  P_proto=udp P_fam=4 P_ciphers='' P_wrap=none P_ipv6=0 P_userpass=0 P_extra=''
  local a
  for a; do
    case $a in
      proto=udp | proto=tcp) P_proto=${a#*=} ;;
      fam=4 | fam=6) P_fam=${a#*=} ;;
      ciphers=*) P_ciphers=${a#*=} ;;
      wrap=none | wrap=tls-auth | wrap=tls-auth-nodir | wrap=tls-crypt | wrap=tls-crypt-v2)
        P_wrap=${a#*=} ;;
      ipv6=0 | ipv6=1) P_ipv6=${a#*=} ;;
      userpass=0 | userpass=1 | userpass=good | userpass=bad) P_userpass=${a#*=} ;;
      extra=*) P_extra+="${a#*=}"$'\n' ;;
      *) die "conf parameter '$a'" ;;
    esac
  done
}

# server_conf KEY=VALUE...: writes $WORK/server.conf (see conf_params).
server_conf() {
  conf_params "$@"
  local addr=10.77.0.1
  [ "$P_fam" = 6 ] && addr=fd77::1
  {
    echo "dev tun"
    if [ "$P_proto" = tcp ]; then echo "proto tcp-server"; else echo "proto udp"; fi
    echo "local $addr"
    echo "port 1194"
    echo "topology subnet"
    echo "server 10.8.0.0 255.255.255.0"
    echo 'push "route 10.99.0.0 255.255.255.0"'
    if [ "$P_ipv6" = 1 ]; then
      echo "server-ipv6 fd88::/64"
      echo 'push "route-ipv6 fd99::/64"'
    fi
    echo "ca ca.crt"
    echo "cert server.crt"
    echo "key server.key"
    echo "dh none"
    [ -n "$P_ciphers" ] && echo "data-ciphers $P_ciphers"
    case $P_wrap in
      tls-auth) echo "tls-auth ta.key 0" ;;
      tls-auth-nodir) echo "tls-auth ta.key" ;;
      tls-crypt) echo "tls-crypt tc.key" ;;
      tls-crypt-v2) echo "tls-crypt-v2 v2s.key" ;;
    esac
    if [ "$P_userpass" != 0 ]; then
      echo "script-security 2"
      echo "auth-user-pass-verify checkpass.sh via-file"
      echo "tmp-dir $WORK"
    fi
    echo "keepalive 2 20"
    echo "disable-dco"
    echo "verb 3"
    printf '%s' "$P_extra"
  } >"$WORK/server.conf"
}

# client_conf KEY=VALUE...: writes $WORK/client.conf (see conf_params); the client keeps its
# default data-ciphers.
client_conf() {
  conf_params "$@"
  local addr=10.77.0.1
  [ "$P_fam" = 6 ] && addr=fd77::1
  {
    echo "client"
    echo "dev tun"
    echo "proto $P_proto"
    echo "remote $addr 1194"
    echo "nobind"
    echo "ca ca.crt"
    echo "cert client.crt"
    echo "key client.key"
    echo "remote-cert-tls server"
    case $P_wrap in
      tls-auth) echo "tls-auth ta.key 1" ;;
      tls-auth-nodir) echo "tls-auth ta.key" ;;
      tls-crypt) echo "tls-crypt tc.key" ;;
      tls-crypt-v2) echo "tls-crypt-v2 v2c.key" ;;
    esac
    case $P_userpass in
      1 | good) echo "auth-user-pass good.pass" ;;
      bad) echo "auth-user-pass bad.pass" ;;
    esac
    echo "connect-retry 1"
    echo "disable-dco"
    echo "verb 3"
    printf '%s' "$P_extra"
  } >"$WORK/client.conf"
}

# start_server [append]: stock openvpn with $WORK/server.conf in srv, waits for it to be up.
# With "append" the log of an earlier run is kept.
start_server() {
  local before=0
  if [ "${1:-}" = append ]; then
    before=$(count_lines "$WORK/server.log" "$READY")
  else
    : >"$WORK/server.log"
  fi
  local prog=./ovpn-stock
  [ "$SERVER" = ovpnd ] && prog=$OVPND
  (cd "$WORK" && exec ip netns exec "${NS_PREFIX}srv" "$prog" --config server.conf) \
    >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 200); do
    [ "$(count_lines "$WORK/server.log" "$READY")" -gt "$before" ] && return 0
    alive "$SERVER_PID" || die "the server exited"
    sleep 0.05
  done
  die "the server did not start in 10 s"
}

# stop_server [SIGNAL] [TIMEOUT]: stops the server (default TERM, 10 s).
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  stop_pid "$SERVER_PID" "${1:-TERM}" "${2:-10}" || die "the server did not exit on SIG${1:-TERM}"
  SERVER_PID=
}

# start_client: $CLIENT with $WORK/client.conf in cli (log $WORK/client.log, truncated).
start_client() {
  local prog=$OVPND
  [ "$CLIENT" = openvpn ] && prog=./ovpn-stock
  # Truncated here, not by the background job: wait_connected must not see the last run's log.
  : >"$WORK/client.log"
  (cd "$WORK" && exec ip netns exec "${NS_PREFIX}cli" "$prog" --config client.conf) \
    >>"$WORK/client.log" 2>&1 &
  CLIENT_PID=$!
  PIDS+=("$CLIENT_PID")
}

# wait_connected [N] [TIMEOUT]: waits (default 20 s) for the N-th (default 1st) readiness line
# in the client log; sets WAITED (seconds). Fails if the client exits or on timeout.
wait_connected() {
  local n=${1:-1} t0
  t0=$(now)
  for _ in $(seq $((${2:-20} * 20))); do
    if [ "$(count_lines "$WORK/client.log" "$READY")" -ge "$n" ]; then
      WAITED=$(since "$t0")
      return 0
    fi
    alive "$CLIENT_PID" || die "the client exited before readiness #$n"
    sleep 0.05
  done
  die "no readiness #$n ('$READY') in the client log within ${2:-20} s"
}

# stop_client [TIMEOUT]: SIGTERM, the client must exit within TIMEOUT (default 5) s;
# sets STOP_RC and STOP_SECS.
stop_client() {
  [ -n "$CLIENT_PID" ] || return 0
  stop_pid "$CLIENT_PID" TERM "${1:-5}" || die "the client did not exit within ${1:-5} s of SIGTERM"
  CLIENT_PID=
}

# wait_client_exit TIMEOUT: waits for the client to exit by itself; sets STOP_RC and STOP_SECS.
wait_client_exit() {
  local t0
  t0=$(now)
  for _ in $(seq $(($1 * 20))); do alive "$CLIENT_PID" || break; sleep 0.05; done
  alive "$CLIENT_PID" && return 1
  STOP_SECS=$(since "$t0")
  STOP_RC=0
  wait "$CLIENT_PID" 2>/dev/null || STOP_RC=$?
  forget "$CLIENT_PID"
  CLIENT_PID=
}

# ping_from NS ADDR: two echo replies within 5 s.
ping_from() {
  in_ns "$1" ping -c 2 -i 0.2 -w 5 "$2" >"$WORK/ping.out" 2>&1 ||
    die "ping $2 from $1: $(tail -3 "$WORK/ping.out")"
}

# start_receiver ADDR PORT OUT: transfer.py receive in srv, returns once it listens; sets RECV_PID.
start_receiver() {
  in_ns srv python3 "$TRANSFER" receive "$1" "$2" >"$3" 2>"$WORK/receiver.err" &
  RECV_PID=$!
  PIDS+=("$RECV_PID")
  for _ in $(seq 100); do
    [ -n "$(in_ns srv ss -Hltn "sport = :$2")" ] && return 0
    alive "$RECV_PID" || die "receiver: $(cat "$WORK/receiver.err")"
    sleep 0.05
  done
  die "receiver on $1:$2 did not listen"
}

# transfer ADDR FILE: FILE from cli to a receiver in srv at ADDR:5001, SHA-256 compared.
transfer() {
  start_receiver "$1" 5001 "$WORK/received.sha"
  timeout 120 ip netns exec "${NS_PREFIX}cli" python3 "$TRANSFER" send "$1" 5001 "$2" \
    >"$WORK/sent.sha" 2>"$WORK/sender.err" || die "send to $1: $(cat "$WORK/sender.err")"
  wait "$RECV_PID" || die "receiver: $(cat "$WORK/receiver.err")"
  forget "$RECV_PID"
  if [ ! -s "$WORK/sent.sha" ] || [ "$(cat "$WORK/sent.sha")" != "$(cat "$WORK/received.sha")" ]; then
    die "transfer to $1: checksum differs"
  fi
}

# ---- Several stock clients at once (server_clients.sh) ------------------------------------------

# make_client_cert DIR CN: one more client certificate (clientAuth, CN=CN) from make_pki's CA, as
# DIR/CN.crt and DIR/CN.key.
make_client_cert() { issue_cert "$1" "$2" clientAuth "$2"; }

# NAMED_PID[NAME]: the stock clients start_named_client started, by name.
declare -gA NAMED_PID=()

# start_named_client NAME: stock openvpn with $WORK/NAME.conf in namespace NAME, log
# $WORK/NAME.log (truncated first); the pid is openvpn's own, in NAMED_PID[NAME].
start_named_client() {
  : >"$WORK/$1.log"
  (cd "$WORK" && exec ip netns exec "${NS_PREFIX}$1" ./ovpn-stock --config "$1.conf") \
    >>"$WORK/$1.log" 2>&1 &
  NAMED_PID[$1]=$!
  PIDS+=("$!")
}

# wait_named_connected NAME [TIMEOUT]: waits (default 20 s) for the readiness line in NAME's log;
# sets WAITED (seconds). Fails if the client exits or on timeout.
wait_named_connected() {
  local t0
  t0=$(now)
  for _ in $(seq $((${2:-20} * 20))); do
    if [ "$(count_lines "$WORK/$1.log" "$READY")" -ge 1 ]; then
      WAITED=$(since "$t0")
      return 0
    fi
    alive "${NAMED_PID[$1]}" || die "client $1 exited before readiness"
    sleep 0.05
  done
  die "no readiness ('$READY') in $1's log within ${2:-20} s"
}

# stop_named_client NAME SIGNAL [TIMEOUT]: signals the client, which must exit within TIMEOUT
# (default 5) s; sets STOP_RC and STOP_SECS.
stop_named_client() {
  stop_pid "${NAMED_PID[$1]}" "$2" "${3:-5}" || die "client $1 did not exit within ${3:-5} s of SIG$2"
  unset "NAMED_PID[$1]"
}
