#!/usr/bin/env bash
# Tunnel benchmark: ovpnd against plain veth, stock OpenVPN 2.6 and wireguard-go, side by side.
#
#   ns ovbench-<pid>-a  (iperf3 server)                    ns ovbench-<pid>-b  (iperf3 client)
#   ┌────────────────────────────────────┐                 ┌────────────────────────────────────┐
#   │ ovbd0    10.210.1.1  ovpnd (default --threads)  UDP 1194  ovpnd (default)  10.210.1.2 ovbd0    │
#   │ ovbd1    10.210.2.1  ovpnd --threads 1          UDP 1196  ovpnd --threads 1 10.210.2.2 ovbd1   │
#   │ ovbd3    10.210.7.1  ovpnd --fanout on          UDP 1199  ovpnd --fanout on 10.210.7.2 ovbd3   │
#   │ ovbovpn  10.210.3.1  openvpn --tls-server       UDP 1195  openvpn --tls-client 10.210.3.2 ovbovpn │
#   │ ovbwg*a  10.210.4.1  wireguard-go               UDP 51820 wireguard-go    10.210.4.2 ovbwg*b  │
#   │ ovbd2    10.210.5.1  ovpnd (default)            TCP 1197  ovpnd (default)  10.210.5.2 ovbd2    │
#   │ ovbovpnt 10.210.6.1  openvpn --proto tcp-server TCP 1198  openvpn tcp-client 10.210.6.2 ovbovpnt │
#   │ ovb-a    10.210.0.1 ══════════════════ veth pair ══════════════════ 10.210.0.2 ovb-b           │
#   └────────────────────────────────────┘                 └────────────────────────────────────┘
#
# Every tunnel runs over the one veth pair; all of them are up at once (idle tunnels cost no
# CPU) and are measured one at a time. Traffic goes only to 10.210.x.y addresses inside the two
# namespaces this script creates; everything (namespaces, processes, wireguard UAPI sockets) is
# removed at the end, also on error or Ctrl-C.
#
# What is measured, from b (client) to a (server), through each path:
#   - iperf3 TCP, 1 stream and 4 streams (-P 4): receiver throughput (end.sum_received);
#   - iperf3 UDP, 64-byte payloads, -b 0 (as fast as the sender can): packets/s received, loss;
#   - pps64: the highest rate of 64-byte UDP datagrams a path carries losing at most 1% (the
#     throughput of RFC 2544): 2-second trials at 25 kpps, doubled until one loses more, then
#     three halvings of the interval; the datagrams come from ovpn_udp_flood (udp_flood.cc),
#     which sends with sendmmsg and counts with recvmmsg — iperf3 spends a system call per
#     datagram on each side and on two cores caps even veth near 260 kpps, and a sender that
#     floods takes the CPU the tunnel needs, so -b 0 measures the overload, not the capacity;
#   - CPU cost of the VPN: utime+stime (/proc/<pid>/stat) of the VPN processes of both ends,
#     sampled before and after each iperf3 run, divided by the bytes received. Kernel work done
#     outside those processes (softirq on other tasks, iperf3 itself) is not counted.
# Paths: plain veth; ovpnd (two engines `ovpnd --dco-only` keyed by hand with dcoctl,
# AES-256-GCM, as in scripts/tunnel_demo.sh) with the default --threads, with --threads 1, and
# with --fanout on (one peer's crypto spread over the threads);
# Debian's OpenVPN 2.6 in userspace (--disable-dco), TLS with a throwaway ECDSA P-256 PKI,
# --data-ciphers AES-256-GCM, p2p, default MTU, no compression, no extra tuning; Debian's
# wireguard-go (userspace TUN) keyed with `wg`; and over TCP, ovpnd (dcoctl makes the
# connection and hands it to the engines) against OpenVPN with --proto tcp-server/tcp-client.
# Every cell is the median of --runs runs; the runs are interleaved (round 1 runs every test on
# every path, then round 2, ...; the path order rotates each round) so that drift on a shared,
# noisy machine hits every path alike. The client and server iperf3 and both VPN ends all share
# this machine's cores, so the numbers are a same-box comparison, not a link capacity.
#
# Usage (as root): bench/tunnel/run.sh [--time SECONDS] [--runs N] [--markdown FILE]
#                  [--paths veth,ovpnd,ovpnd1,ovpnd-fo,openvpn,wggo,ovpnd-tcp,openvpn-tcp]
#                  [--tests tcp1,tcp4,udp64,pps64] [--results DIR] [--no-build]
#                  [--build-dir DIR]   (ovpnd and dcoctl from DIR, as built there; implies
#                                       --no-build: for comparing two builds)
# OVBENCH_OVPND_ARGS="--pin off" (say) is added to every ovpnd engine's command line.
# OVBENCH_IPERF_ARGS="-C cubic" (say) is added to every iperf3 client's command line (the
# tables report the machine's default congestion control: bbr on this project's machines).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD_DIR=$REPO/build/release
OVPND=$BUILD_DIR/src/app/ovpnd
DCOCTL=$BUILD_DIR/tools/dcoctl/dcoctl
UDP_FLOOD=$BUILD_DIR/bench/tunnel/ovpn_udp_flood
SUMMARISE=$HERE/summarise.py

TIME=10
RUNS=3
MARKDOWN=""
RESULTS=""
BUILD=1
ALL_PATHS=(veth ovpnd ovpnd1 ovpnd-fo openvpn wggo ovpnd-tcp openvpn-tcp)
PATHS=("${ALL_PATHS[@]}")
ALL_TESTS=(tcp1 tcp4 udp64 pps64)
TESTS=("${ALL_TESTS[@]}")

NS_A=ovbench-$$-a
NS_B=ovbench-$$-b
WG_A=ovbwg$$a # wireguard-go's UAPI socket (/var/run/wireguard/NAME.sock) is not per
WG_B=ovbwg$$b # namespace, so the two ends need different names
IPERF_PORT=5201
FLOOD_PORT=5202
PPS_TRIAL=2               # seconds per trial of the small-packet rate search (pps64)
PPS_START=25000           # datagrams/s of the first trial; doubled until one loses too many
PPS_MAX=3200000
PPS_BISECT=3              # halvings between the last good and the first bad rate
PPS_MAX_LOSS_PERMILLE=10  # 1%
WORK=""

declare -A TARGET=(
  [veth]=10.210.0.1 [ovpnd]=10.210.1.1 [ovpnd1]=10.210.2.1 [openvpn]=10.210.3.1 [wggo]=10.210.4.1
  [ovpnd-tcp]=10.210.5.1 [openvpn-tcp]=10.210.6.1 [ovpnd-fo]=10.210.7.1
)

log() { printf '[ovbench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "FAIL: $*"
  exit 1
}

usage() {
  sed -n '/^# Usage/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit "${1:-0}"
}

parse_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --time) TIME=$2; shift 2 ;;
      --runs) RUNS=$2; shift 2 ;;
      --markdown) MARKDOWN=$2; shift 2 ;;
      --results) RESULTS=$2; shift 2 ;;
      --paths) IFS=, read -r -a PATHS <<<"$2"; shift 2 ;;
      --tests) IFS=, read -r -a TESTS <<<"$2"; shift 2 ;;
      --build-dir)
        BUILD_DIR=$(cd "$2" && pwd) || die "no build directory $2"
        OVPND=$BUILD_DIR/src/app/ovpnd
        DCOCTL=$BUILD_DIR/tools/dcoctl/dcoctl
        UDP_FLOOD=$BUILD_DIR/bench/tunnel/ovpn_udp_flood
        BUILD=0
        shift 2
        ;;
      --no-build) BUILD=0; shift ;;
      -h | --help) usage 0 ;;
      *) log "unknown argument: $1"; usage 2 ;;
    esac
  done
  [[ $TIME =~ ^[1-9][0-9]*$ ]] || die "--time wants a whole number of seconds"
  [[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive whole number"
  local p t
  for p in "${PATHS[@]}"; do
    [ -n "${TARGET[$p]:-}" ] || die "unknown path '$p' (known: ${ALL_PATHS[*]})"
  done
  for t in "${TESTS[@]}"; do
    [[ " ${ALL_TESTS[*]} " == *" $t "* ]] || die "unknown test '$t' (known: ${ALL_TESTS[*]})"
  done
}

# ---------------------------------------------------------------------------------------------
# Processes and cleanup. Every process this script starts in the background runs inside one of
# its two namespaces, so cleanup finds them all with `ip netns pids` (also those started by setup
# steps in subshells) and never has to trust a remembered pid that may have been reused.

# start_bg LOG NS CMD...: CMD in namespace NS, in the background; output to $WORK/LOG.log.
# Sets BG_PID (ip netns exec execs CMD, so this is CMD's own pid).
start_bg() {
  local name=$1 ns=$2
  shift 2
  ip netns exec "$ns" "$@" >"$WORK/$name.log" 2>&1 &
  BG_PID=$!
}

# stop_pid PID [SECONDS]: SIGTERM, then SIGKILL if it is still there after SECONDS (default 3).
stop_pid() {
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < ${2:-3} * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? pid ns
  trap - EXIT INT TERM
  set +e
  for ns in "$NS_A" "$NS_B"; do
    ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
    for pid in $(ip netns pids "$ns" 2>/dev/null); do stop_pid "$pid" 3; done
    ip netns del "$ns"
  done
  rm -f "/var/run/wireguard/$WG_A.sock" "/var/run/wireguard/$WG_B.sock"
  if [ $rc -ne 0 ] && [ -n "$WORK" ]; then
    for f in "$WORK"/*.log; do [ -s "$f" ] && { log "--- $f"; tail -5 "$f" >&2; }; done
  fi
  [ -n "$WORK" ] && rm -rf "$WORK"
  exit $rc
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds; 1 on timeout.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ $SECONDS -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------------------------
# Preparation

require_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, TUN devices): sudo $0 $*"
}

install_packages() {
  local pkgs=(openvpn wireguard-go wireguard-tools iperf3 iputils-ping openssl iproute2) missing=() p
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  command -v python3 >/dev/null || die "python3 is needed for the summary"
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build_tools() {
  if [ $BUILD -eq 1 ]; then
    log "building ovpnd, dcoctl and ovpn_udp_flood (release preset)"
    (cd "$REPO" && scripts/install_deps.sh && cmake --preset release >/dev/null &&
      cmake --build --preset release --target ovpnd dcoctl ovpn_udp_flood >/dev/null)
  fi
  case " ${PATHS[*]} " in
    *" ovpnd"*) [[ -x $OVPND && -x $DCOCTL ]] || die "ovpnd/dcoctl not built under $BUILD_DIR" ;;
  esac
  case " ${TESTS[*]} " in
    *" pps64 "*) [ -x "$UDP_FLOOD" ] || die "ovpn_udp_flood not built under $BUILD_DIR" ;;
  esac
}

# ---------------------------------------------------------------------------------------------
# The paths. Each setup_* brings its tunnel up and proves it with a ping; it records the VPN
# processes of both ends in $WORK/vpn.PATH (for the CPU samples) and its names (label).

# label PATH SHORT DESCRIPTION: how the summary names the path.
label() { printf '%s\t%s\n' "$2" "$3" >"$WORK/label.$1"; }

# ping_ok NS ADDR: three pings through a path.
ping_ok() { ip netns exec "$1" ping -q -c 3 -i 0.2 -W 1 "$2" >/dev/null 2>&1; }

# link_mtu NS DEV
link_mtu() { ip -n "$1" -o link show dev "$2" | sed -n 's/.* mtu \([0-9]*\).*/\1/p'; }

setup_veth() {
  ip netns add "$NS_A"
  ip netns add "$NS_B"
  ip -n "$NS_A" link set lo up
  ip -n "$NS_B" link set lo up
  ip link add ovb-a netns "$NS_A" type veth peer name ovb-b netns "$NS_B"
  ip -n "$NS_A" addr add 10.210.0.1/24 dev ovb-a
  ip -n "$NS_B" addr add 10.210.0.2/24 dev ovb-b
  ip -n "$NS_A" link set ovb-a up
  ip -n "$NS_B" link set ovb-b up
  wait_for 10 ping_ok "$NS_B" 10.210.0.1 || die "no ping over the veth pair"
  label veth "veth (no VPN)" "plain veth pair, MTU $(link_mtu "$NS_A" ovb-a)"
  : >"$WORK/vpn.veth"
}

# ovpnd_engine PATH SIDE(a|b) NS DEV PORT NET THREADS-ARGS...
ovpnd_engine() {
  local path=$1 side=$2 ns=$3 dev=$4 port=$5 net=$6 ip
  shift 6
  ip=$([ "$side" = a ] && echo 1 || echo 2)
  start_bg "$path-$side" "$ns" "$OVPND" --dco-only --control "$WORK/$path-$side.sock" \
    --dev "$dev" --listen "10.210.0.$ip:$port" --ifconfig "10.210.$net.$ip/24" "$@" \
    ${OVBENCH_OVPND_ARGS:-}
  echo "$BG_PID" >>"$WORK/vpn.$path"
  wait_for 5 test -S "$WORK/$path-$side.sock" || die "ovpnd ($path, $side) did not start"
}

# ovpnd_peers PATH PORT TRANSPORT(udp|tcp): peer 1 on both engines. Over TCP, dcoctl in a
# accepts the connection that dcoctl in b makes, and each hands its socket to its engine.
ovpnd_peers() {
  local path=$1 port=$2 accept_pid
  if [ "$3" = udp ]; then
    "$DCOCTL" --socket "$WORK/$path-a.sock" peer-new 1 remote "10.210.0.2:$port" keepalive 10 60
    "$DCOCTL" --socket "$WORK/$path-b.sock" peer-new 1 remote "10.210.0.1:$port" keepalive 10 60
    return
  fi
  ip netns exec "$NS_A" "$DCOCTL" --socket "$WORK/$path-a.sock" peer-new 1 \
    --tcp-accept "10.210.0.1:$port" --timeout 10 keepalive 10 60 &
  accept_pid=$!
  wait_for 5 tcp_listening "$port" || die "dcoctl --tcp-accept ($path) did not listen"
  ip netns exec "$NS_B" "$DCOCTL" --socket "$WORK/$path-b.sock" peer-new 1 \
    --tcp-connect "10.210.0.1:$port" keepalive 10 60
  wait "$accept_pid" || die "dcoctl --tcp-accept ($path) failed"
}

tcp_listening() { [ -n "$(ip netns exec "$NS_A" ss -Hltn "sport = :$1")" ]; }

# setup_ovpnd PATH DEV PORT NET TRANSPORT [--threads N | --fanout on]: two engines keyed by hand, as
# tunnel_demo.sh does.
setup_ovpnd() {
  local path=$1 dev=$2 port=$3 net=$4 transport=$5 shards
  shift 5
  ovpnd_engine "$path" a "$NS_A" "$dev" "$port" "$net" "$@"
  ovpnd_engine "$path" b "$NS_B" "$dev" "$port" "$net" "$@"
  "$DCOCTL" genkey >"$WORK/$path.key"
  {
    ovpnd_peers "$path" "$port" "$transport"
    "$DCOCTL" --socket "$WORK/$path-a.sock" key-new 1 primary 0 AES-256-GCM "$WORK/$path.key" server
    "$DCOCTL" --socket "$WORK/$path-b.sock" key-new 1 primary 0 AES-256-GCM "$WORK/$path.key" client
  } >"$WORK/$path-dcoctl.log"
  wait_for 10 ping_ok "$NS_B" "${TARGET[$path]}" || die "no ping through ovpnd ($path)"
  shards=$(sed -n 's/.*engine up: .*, \([0-9]*\) shards.*/\1/p' "$WORK/$path-a.log" | head -1)
  local what
  what="${shards:-?} thread$([ "${shards:-}" = 1 ] || echo s)"
  [ $# -eq 0 ] && what+=", default"
  [ "${*: -2}" = "--fanout on" ] && what+=", fan-out"
  local name="ovpnd ($what)"
  [ "$transport" = tcp ] && name="ovpnd over TCP ($what)"
  label "$path" "$name" "two ovpnd --dco-only engines keyed with dcoctl, AES-256-GCM, \
p2p over ${transport^^}, $what, tun MTU $(link_mtu "$NS_A" "$dev")"
}

# make_pki DIR: a throwaway ECDSA P-256 CA, a server and a client certificate (made once).
make_pki() {
  local dir=$1 who eku
  [ -f "$dir/client.crt" ] && return 0
  mkdir -p "$dir"
  (
    umask 077
    cd "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
      -keyout ca.key -out ca.crt -subj /CN=ovbench-ca \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    for who in server client; do
      eku=$([ $who = server ] && echo serverAuth || echo clientAuth)
      printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n' \
        "$eku" >"$who.ext"
      openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$who.key" -out "$who.csr" -subj "/CN=ovbench-$who"
      openssl x509 -req -in "$who.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -sha256 -extfile "$who.ext" -out "$who.crt"
    done
  ) >"$WORK/pki.log" 2>&1 || die "openssl: $(tail -3 "$WORK/pki.log")"
}

# openvpn_ready PATH: both ends have logged "Initialization Sequence Completed" (dies if one
# exited).
openvpn_ready() {
  vpn_alive "$1" || die "OpenVPN exited: $(tail -1 "$WORK/$1-a.log") / $(tail -1 "$WORK/$1-b.log")"
  grep -q "Initialization Sequence Completed" "$WORK/$1-a.log" &&
    grep -q "Initialization Sequence Completed" "$WORK/$1-b.log"
}

# setup_openvpn PATH DEV PORT NET TRANSPORT(udp|tcp): stock OpenVPN 2.6, userspace data
# channel, TLS, p2p.
setup_openvpn() {
  local path=$1 dev=$2 port=$3 net=$4 transport=$5 pki=$WORK/pki
  make_pki "$pki"
  local common=(--dev "$dev" --dev-type tun --topology p2p --disable-dco
    --data-ciphers AES-256-GCM --ca "$pki/ca.crt" --ping 10 --ping-restart 60 --verb 1)
  local proto_a=(--proto udp --lport "$port" --remote 10.210.0.2 --rport "$port")
  local proto_b=(--proto udp --lport "$port" --remote 10.210.0.1 --rport "$port")
  if [ "$transport" = tcp ]; then
    proto_a=(--proto tcp-server --lport "$port")
    proto_b=(--proto tcp-client --remote 10.210.0.1 --rport "$port" --nobind)
  fi
  start_bg "$path-a" "$NS_A" openvpn "${common[@]}" --tls-server --dh none \
    --cert "$pki/server.crt" --key "$pki/server.key" --remote-cert-tls client \
    --local 10.210.0.1 "${proto_a[@]}" --ifconfig "10.210.$net.1" "10.210.$net.2"
  echo "$BG_PID" >>"$WORK/vpn.$path"
  [ "$transport" = tcp ] && { wait_for 10 tcp_listening "$port" || die "OpenVPN did not listen"; }
  start_bg "$path-b" "$NS_B" openvpn "${common[@]}" --tls-client \
    --cert "$pki/client.crt" --key "$pki/client.key" --remote-cert-tls server \
    "${proto_b[@]}" --ifconfig "10.210.$net.2" "10.210.$net.1"
  echo "$BG_PID" >>"$WORK/vpn.$path"
  wait_for 30 openvpn_ready "$path" ||
    die "OpenVPN: no 'Initialization Sequence Completed' within 30 s: $(tail -1 "$WORK/$path-b.log")"
  wait_for 10 ping_ok "$NS_B" "10.210.$net.1" || die "no ping through OpenVPN ($path)"
  local version name
  version=$(openvpn --version | awk 'NR==1 {print $2}')
  name="OpenVPN $version"
  [ "$transport" = tcp ] && name+=" over TCP"
  label "$path" "$name" "Debian's openvpn $version, --disable-dco (userspace), TLS \
(ECDSA P-256 certificates), AES-256-GCM, p2p over ${transport^^}, no compression, tun MTU \
$(link_mtu "$NS_A" "$dev")"
}

# setup_wggo: wireguard-go in each namespace (userspace TUN), keyed with wg.
setup_wggo() {
  local side ns dev ip peer_ip
  (umask 077 && wg genkey >"$WORK/wg-a.key" && wg genkey >"$WORK/wg-b.key")
  for side in a b; do
    ns=$([ $side = a ] && echo "$NS_A" || echo "$NS_B")
    dev=$([ $side = a ] && echo "$WG_A" || echo "$WG_B")
    start_bg "wggo-$side" "$ns" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$dev"
    echo "$BG_PID" >>"$WORK/vpn.wggo"
    wait_for 5 test -S "/var/run/wireguard/$dev.sock" || die "wireguard-go ($side) did not start"
  done
  for side in a b; do
    ns=$([ $side = a ] && echo "$NS_A" || echo "$NS_B")
    dev=$([ $side = a ] && echo "$WG_A" || echo "$WG_B")
    ip=$([ $side = a ] && echo 1 || echo 2)
    peer_ip=$([ $side = a ] && echo 2 || echo 1)
    ip netns exec "$ns" wg set "$dev" listen-port 51820 private-key "$WORK/wg-$side.key" \
      peer "$(wg pubkey <"$WORK/wg-$([ $side = a ] && echo b || echo a).key")" \
      endpoint "10.210.0.$peer_ip:51820" allowed-ips "10.210.4.$peer_ip/32"
    ip -n "$ns" addr add "10.210.4.$ip/24" dev "$dev"
    ip -n "$ns" link set "$dev" up
  done
  wait_for 15 ping_ok "$NS_B" 10.210.4.1 || die "no ping through wireguard-go"
  local version
  version=$(wireguard-go --version | awk 'NR==1 {print $2}')
  label wggo "wireguard-go ${version#v}" "Debian's wireguard-go ${version#v} (userspace TUN), \
keyed with wg, ChaCha20-Poly1305, tun MTU $(link_mtu "$NS_A" "$WG_A")"
}

setup_path() {
  case $1 in
    veth) ;; # the veth pair is made first, by setup_veth
    ovpnd) setup_ovpnd ovpnd ovbd0 1194 1 udp ;;
    ovpnd1) setup_ovpnd ovpnd1 ovbd1 1196 2 udp --threads 1 ;;
    ovpnd-fo) setup_ovpnd ovpnd-fo ovbd3 1199 7 udp --fanout on ;;
    ovpnd-tcp) setup_ovpnd ovpnd-tcp ovbd2 1197 5 tcp ;;
    openvpn) setup_openvpn openvpn ovbovpn 1195 3 udp ;;
    openvpn-tcp) setup_openvpn openvpn-tcp ovbovpnt 1198 6 tcp ;;
    wggo) setup_wggo ;;
  esac
}

# bring_up PATH: setup in a subshell, so that a path that fails to come up is reported and left
# out instead of ending the run. The subshell runs in the background and is waited for, because
# `set -e` is ignored inside a subshell that is the condition of an if or ||.
bring_up() {
  local err=$WORK/setup-$1.err f
  log "setting up: $1"
  (setup_path "$1") 2>"$err" &
  if wait $!; then
    UP+=("$1")
    return 0
  fi
  cat "$err" >&2
  for f in "$WORK/$1"-*.log; do [ -s "$f" ] && { log "--- $f"; tail -5 "$f" >&2; }; done
  log "path '$1' failed to come up; it is left out"
  printf '%s\t%s\n' "$1" "$(grep FAIL: "$err" | tail -1 | sed 's/.*FAIL: //')" >>"$RESULTS/failed.tsv"
}

# ---------------------------------------------------------------------------------------------
# Measuring

# cpu_ticks PATH: utime+stime, in clock ticks, of the VPN processes of PATH (0 for veth).
cpu_ticks() {
  local total=0 pid stat f
  while read -r pid; do
    stat=$(<"/proc/$pid/stat") || return 1
    stat=${stat##*) } # fields after "pid (comm) ": state is [0], utime [11], stime [12]
    read -r -a f <<<"$stat"
    total=$((total + f[11] + f[12]))
  done <"$WORK/vpn.$1"
  echo "$total"
}

vpn_alive() {
  local pid
  while read -r pid; do kill -0 "$pid" 2>/dev/null || return 1; done <"$WORK/vpn.$1"
}

iperf_listening() { [ -n "$(ip netns exec "$NS_A" ss -Hltn "sport = :$IPERF_PORT")" ]; }

# run_test PATH TEST ROUND: one run of TEST; writes $RESULTS/rROUND.TEST.PATH.{json,cpu_ms,err}.
run_test() {
  local path=$1 test=$2 round=$3
  local base=$RESULTS/r$round.$test.$path
  if ! vpn_alive "$path"; then
    echo "a VPN process of this path has exited" >"$base.err"
    log "round $round/$RUNS $test $path: FAILED, a VPN process has exited"
    return 0
  fi
  if [ "$test" = pps64 ]; then run_flood "$path" "$base"; else run_iperf3 "$path" "$test" "$base"; fi
  log "round $round/$RUNS $test $path: $(python3 "$SUMMARISE" cell "$base" || echo '?')"
}

# measure_cpu PATH BASE CMD...: runs CMD; the VPN processes' CPU time meanwhile to BASE.cpu_ms.
measure_cpu() {
  local path=$1 base=$2 before after rc=0
  shift 2
  before=$(cpu_ticks "$path") || before=""
  "$@" || rc=$?
  after=$(cpu_ticks "$path") || after=""
  if [ -n "$before" ] && [ -n "$after" ]; then
    echo "$(((after - before) * 1000 / CLK_TCK))" >"$base.cpu_ms"
  else
    echo "a VPN process exited during the test" >>"$base.err"
  fi
  return $rc
}

run_iperf3() {
  local path=$1 test=$2 base=$3 server rc=0
  local args=(-c "${TARGET[$path]}" -p "$IPERF_PORT" -t "$TIME" -J)
  [ -n "${OVBENCH_IPERF_ARGS:-}" ] && args+=($OVBENCH_IPERF_ARGS)
  case $test in
    tcp4) args+=(-P 4) ;;
    udp64) args+=(-u -l 64 -b 0) ;;
  esac
  start_bg "iperf3-server" "$NS_A" timeout $((TIME + 30)) iperf3 -s -1 -p "$IPERF_PORT"
  server=$BG_PID
  if wait_for 5 iperf_listening; then
    measure_cpu "$path" "$base" ip netns exec "$NS_B" timeout $((TIME + 30)) \
      iperf3 "${args[@]}" >"$base.json" 2>"$base.stderr" || rc=$?
    if [ $rc -ne 0 ]; then
      echo "iperf3 client exit $rc$([ $rc -eq 124 ] && echo ' (timed out)'): $(head -c 300 "$base.stderr")" >>"$base.err"
    fi
  else
    echo "iperf3 server did not start listening" >"$base.err"
  fi
  # The one-off server ends with the test; stop it if it is still there (failed client).
  wait_for 5 server_gone "$server" || stop_pid "$server"
  wait "$server" 2>/dev/null || true
}

flood_listening() { [ -n "$(ip netns exec "$NS_A" ss -Hlun "sport = :$FLOOD_PORT")" ]; }

# flood_trial PATH OUT RATE: RATE 64-byte datagrams per second from ovpn_udp_flood (batched
# system calls), b to a, for PPS_TRIAL seconds; OUT = {"rate", "cpu_ms", "sender", "receiver"}.
# Sets TRIAL_LOSS_OK (1 when at most PPS_MAX_LOSS_PERMILLE of the datagrams were lost).
flood_trial() {
  local path=$1 out=$2 rate=$3 receiver before after
  TRIAL_LOSS_OK=0
  start_bg "flood-receiver" "$NS_A" timeout $((PPS_TRIAL + 30)) \
    "$UDP_FLOOD" recv --bind "${TARGET[$path]}:$FLOOD_PORT" --timeout $((PPS_TRIAL + 20))
  receiver=$BG_PID
  if ! wait_for 5 flood_listening; then
    stop_pid "$receiver"
    return 1
  fi
  before=$(cpu_ticks "$path") || before=0
  ip netns exec "$NS_B" timeout $((PPS_TRIAL + 30)) "$UDP_FLOOD" send \
    --to "${TARGET[$path]}:$FLOOD_PORT" --seconds "$PPS_TRIAL" --size 64 --rate "$rate" \
    >"$out.sender" 2>>"$out.stderr" || true
  after=$(cpu_ticks "$path") || after=$before
  # The receiver ends a second after the last datagram; the timeout bounds it otherwise.
  wait_for $((PPS_TRIAL + 25)) server_gone "$receiver" || stop_pid "$receiver"
  wait "$receiver" 2>/dev/null || true
  [ -s "$out.sender" ] && [ -s "$WORK/flood-receiver.log" ] || return 1
  printf '{"rate": %s, "cpu_ms": %s, "sender": %s, "receiver": %s}\n' "$rate" \
    "$(((after - before) * 1000 / CLK_TCK))" "$(cat "$out.sender")" \
    "$(cat "$WORK/flood-receiver.log")" >"$out"
  rm -f "$out.sender"
  python3 -c 'import json, sys
t = json.load(open(sys.argv[1]))
sent, got = t["sender"]["packets"], t["receiver"]["packets"]
sys.exit(0 if sent and (sent - got) * 1000 <= sent * int(sys.argv[2]) else 1)' \
    "$out" "$PPS_MAX_LOSS_PERMILLE" && TRIAL_LOSS_OK=1
  return 0
}

# run_flood PATH BASE: the highest rate of 64-byte datagrams the path carries losing at most
# PPS_MAX_LOSS_PERMILLE per mille (the throughput of RFC 2544, section 26.1): trials from
# PPS_START doubling until one loses more, then PPS_BISECT halvings of the interval between the
# last good and the first bad rate. BASE.json = {"trials": [...]}, in the order run.
run_flood() {
  local path=$1 base=$2 good=0 bad=0 rate=$PPS_START i=0 halvings=0
  local trials=()
  while :; do
    if ! flood_trial "$path" "$base.t$i" "$rate"; then
      echo "flood trial at $rate/s gave no result: $(head -c 300 "$base.t$i.stderr" 2>/dev/null)" >>"$base.err"
      break
    fi
    trials+=("$base.t$i")
    i=$((i + 1))
    if [ $TRIAL_LOSS_OK -eq 1 ]; then good=$rate; else bad=$rate; fi
    if [ $bad -eq 0 ]; then
      [ $rate -lt $PPS_MAX ] || break
      rate=$((rate * 2))
    else
      halvings=$((halvings + 1))
      [ $halvings -le $PPS_BISECT ] || break
      rate=$(((good + bad) / 2))
    fi
  done
  if [ ${#trials[@]} -gt 0 ]; then
    python3 -c 'import json, sys
print(json.dumps({"trials": [json.load(open(f)) for f in sys.argv[1:]]}))' "${trials[@]}" >"$base.json"
  fi
  rm -f "$base".t*
}

server_gone() { ! kill -0 "$1" 2>/dev/null; }

# The rounds: in each, every test on every path, the path order rotated by one per round.
measure() {
  local round test i n=${#UP[@]}
  for ((round = 1; round <= RUNS; round++)); do
    for test in "${TESTS[@]}"; do
      for ((i = 0; i < n; i++)); do
        run_test "${UP[$(((i + round - 1) % n))]}" "$test" "$round"
        sleep 1 # let queues drain (a UDP flood can leave some behind)
      done
    done
  done
}

write_meta() {
  local p
  {
    printf 'time\t%s\nruns\t%s\ndate\t%s\nkernel\t%s\ncores\t%s\n' \
      "$TIME" "$RUNS" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(uname -r)" "$(nproc)"
    printf 'cpu\t%s\n' "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
    printf 'iperf3\t%s\n' "$(iperf3 --version | awk 'NR==1 {print $2}')"
    printf 'ovpnd\t%s\n' "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
  } >"$RESULTS/meta.tsv"
  for p in "${PATHS[@]}"; do
    [ -f "$WORK/label.$p" ] && printf '%s\t%s\n' "$p" "$(cat "$WORK/label.$p")" >>"$RESULTS/paths.tsv"
  done
  true
}

main() {
  parse_args "$@"
  require_root "$@"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  WORK=$(mktemp -d /tmp/ovbench.XXXXXX)
  if [ -z "$RESULTS" ]; then RESULTS=$WORK/results; fi
  mkdir -p "$RESULTS"
  CLK_TCK=$(getconf CLK_TCK)

  install_packages
  build_tools

  log "namespaces $NS_A, $NS_B; ${#PATHS[@]} paths, ${TIME} s per test, $RUNS rounds"
  setup_veth
  UP=()
  local p
  for p in "${PATHS[@]}"; do
    if [ "$p" = veth ]; then UP+=(veth); else bring_up "$p"; fi
  done
  [ ${#UP[@]} -gt 0 ] || die "no path came up"
  write_meta

  local total=$((${#UP[@]} * ${#TESTS[@]} * RUNS))
  log "measuring: $total runs of ${TIME} s (about $((total * (TIME + 3) / 60 + 1)) min)"
  measure

  local md=()
  [ -n "$MARKDOWN" ] && md=(--markdown "$MARKDOWN")
  python3 "$SUMMARISE" table "$RESULTS" --paths "$(
    IFS=,
    echo "${PATHS[*]}"
  )" "${md[@]}"
}

main "$@"
