#!/usr/bin/env bash
# The main job: builds ovpnd and brings up a real OpenVPN tunnel between two network namespaces,
# with the OpenVPN handshake, and measures it.
#
#   ns srv  stock OpenVPN 2.6 server (Debian's)          ns cli  ovpnd --config client.conf
#           tun0 10.8.0.1 -- UDP over veth 10.77.0.1 <-> 10.77.0.2 -- tun0 10.8.0.2 (pushed)
#
# A throwaway PKI (EC CA, server and client certificates, tls-crypt key) is generated for the
# run. The client pings the server through the tunnel, then iperf3 runs for N seconds through the
# tunnel with the ovpnd client, again with the stock OpenVPN client in its place, and over the
# plain veth; the three are printed side by side. Until ovpnd's server lands (issue 5) the
# server is stock OpenVPN, whose single-threaded userspace data path bounds both tunnels.
# Everything is torn down at the end, also on failure.
# Usage: scripts/tunnel_demo.sh [seconds]   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-10}

scripts/install_deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target ovpnd >/dev/null

NS_PREFIX=ovdemo-
BUILD_DIR=$PWD/build/release
CLIENT=ovpnd
source tests/interop/lib.sh

make_topology
make_pki "$WORK"
server_conf wrap=tls-crypt
client_conf wrap=tls-crypt
start_server

iperf() {  # iperf TARGET: Gbit/s of one TCP stream from cli to srv
  in_ns srv iperf3 -s -D -1 -p 5201 >/dev/null
  sleep 0.3
  in_ns cli iperf3 -c "$1" -p 5201 -t "$SECONDS_TO_RUN" -J |
    python3 -c "import json,sys; print('%.2f' % (json.load(sys.stdin)['end']['sum_received']['bits_per_second']/1e9))"
}

start_client
wait_connected
log "ovpnd client connected in ${WAITED} s: $(grep -o "Data Channel: .*" "$WORK/client.log" | head -1)"
ping_from cli 10.8.0.1
log "ping 10.8.0.2 -> 10.8.0.1 through the tunnel: ok ($(grep -o 'rtt.*' "$WORK/ping.out"))"
with_ovpnd=$(iperf 10.8.0.1)
stop_client

CLIENT=openvpn
start_client
wait_connected
with_stock=$(iperf 10.8.0.1)
stop_client
veth=$(iperf 10.77.0.1)

printf '\n%-46s %10s\n' "path (1 TCP stream, ${SECONDS_TO_RUN} s, AES-256-GCM)" "Gbit/s"
printf '%-46s %10s\n' "plain veth" "$veth"
printf '%-46s %10s\n' "stock OpenVPN server <- ovpnd client" "$with_ovpnd"
printf '%-46s %10s\n' "stock OpenVPN server <- stock OpenVPN client" "$with_stock"
