#!/usr/bin/env bash
# The main job: builds ovpnd, runs a real tunnel between two network namespaces and measures it.
#
#   ns a  ovpn0 10.8.0.1 --- ovpnd engine ---- UDP over veth 10.200.0.1 <-> 10.200.0.2 ---- ovpnd engine --- ovpn0 10.8.0.2  ns b
#
# Two engines (ovpnd --dco-only) are given each other as peers and a fresh random key with
# dcoctl, as the kernel ovpn module's selftests do with ovpn-cli; then ping, then iperf3 for
# 10 s through the tunnel and through the plain veth, printed side by side. Everything is torn
# down at the end. Usage: scripts/tunnel_demo.sh [seconds]   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-10}

scripts/install_deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target ovpnd dcoctl >/dev/null

NS_PREFIX=ovdemo-
source tests/integration/lib.sh

make_ns a
make_ns b
link_ns a b 10.200.0.1 10.200.0.2
start_engine a --dev ovpn0 --listen 10.200.0.1:1194 --ifconfig 10.8.0.1/24
start_engine b --dev ovpn0 --listen 10.200.0.2:1194 --ifconfig 10.8.0.2/24
"$DCOCTL" genkey >"$WORK/key"
ctl a peer-new 1 remote 10.200.0.2:1194 keepalive 10 60
ctl b peer-new 1 remote 10.200.0.1:1194 keepalive 10 60
ctl a key-new 1 primary 0 AES-256-GCM "$WORK/key" server
ctl b key-new 1 primary 0 AES-256-GCM "$WORK/key" client

in_ns b ping -c 3 -i 0.2 -W 2 10.8.0.1 >/dev/null || die "no ping through the tunnel"
log "tunnel up: ping 10.8.0.2 -> 10.8.0.1 ok"

in_ns a iperf3 -s -D -1 -p 5201 >/dev/null
iperf() {  # iperf() TARGET: Gbit/s of one TCP stream from b
  sleep 0.3
  in_ns b iperf3 -c "$1" -p 5201 -t "$SECONDS_TO_RUN" -J |
    python3 -c "import json,sys; print('%.2f' % (json.load(sys.stdin)['end']['sum_received']['bits_per_second']/1e9))"
}
tunnel=$(iperf 10.8.0.1)
in_ns a iperf3 -s -D -1 -p 5201 >/dev/null
veth=$(iperf 10.200.0.1)
ctl a show
printf '\n%-32s %10s\n' "path (1 TCP stream, ${SECONDS_TO_RUN} s)" "Gbit/s"
printf '%-32s %10s\n' "plain veth" "$veth"
printf '%-32s %10s\n' "ovpnd engine, AES-256-GCM" "$tunnel"
python3 -c "print('%-32s %9.0f%%' % ('tunnel / veth', 100*$tunnel/$veth))"
