#!/usr/bin/env bash
# The main job: builds ovpnd and brings up a real OpenVPN tunnel between two network namespaces,
# with the OpenVPN handshake, and measures it.
#
#   ns srv  ovpnd --config server.conf                    ns cli  ovpnd --config client.conf
#           tun0 10.8.0.1 -- UDP over veth 10.77.0.1 <-> 10.77.0.2 -- tun0 10.8.0.2 (pushed)
#
# A throwaway PKI (EC CA, server and client certificates, tls-crypt key) is generated for the
# run, and ordinary OpenVPN configuration files. The client pings the server through the tunnel,
# then iperf3 runs for N seconds through it; then the same with stock OpenVPN 2.6 (Debian's) on
# both ends, then with the stock client against the ovpnd server, then over the plain veth; the
# figures are printed side by side. Everything is torn down at the end, also on failure.
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

iperf() {  # iperf TARGET: Gbit/s of one TCP stream from cli to srv
  in_ns srv iperf3 -s -D -1 -p 5201 >/dev/null
  sleep 0.3
  in_ns cli iperf3 -c "$1" -p 5201 -t "$SECONDS_TO_RUN" -J |
    python3 -c "import json,sys; print('%.2f' % (json.load(sys.stdin)['end']['sum_received']['bits_per_second']/1e9))"
}

SERVER=ovpnd
start_server
start_client
wait_connected
log "ovpnd client connected to the ovpnd server in ${WAITED} s: $(grep -o "Data Channel: .*" "$WORK/client.log" | head -1)"
ping_from cli 10.8.0.1
log "ping 10.8.0.2 -> 10.8.0.1 through the tunnel: ok ($(grep -o 'rtt.*' "$WORK/ping.out"))"
ovpnd_both=$(iperf 10.8.0.1)
stop_client

CLIENT=openvpn
start_client
wait_connected
stock_client=$(iperf 10.8.0.1)
stop_client
stop_server

SERVER=openvpn
start_server
start_client
wait_connected
stock_both=$(iperf 10.8.0.1)
stop_client
stop_server
veth=$(iperf 10.77.0.1)

printf '\n%-46s %10s\n' "path (1 TCP stream, ${SECONDS_TO_RUN} s, AES-256-GCM)" "Gbit/s"
printf '%-46s %10s\n' "plain veth" "$veth"
printf '%-46s %10s\n' "ovpnd server <- ovpnd client" "$ovpnd_both"
printf '%-46s %10s\n' "ovpnd server <- stock OpenVPN client" "$stock_client"
printf '%-46s %10s\n' "stock OpenVPN server <- stock OpenVPN client" "$stock_both"
python3 -c "print('%-46s %9.1fx' % ('ovpnd / stock OpenVPN', $ovpnd_both/$stock_both))"
