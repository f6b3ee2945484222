# Two namespaces a and b joined by veth, an ovpnd engine in each, peered and keyed (sourced by
# the point-to-point tests after lib.sh). Overridable: LISTEN_A/LISTEN_B, UNDERLAY (4 or 6),
# MTU, KEEPALIVE ("interval timeout").
#
#   ns a: ovpn0 10.8.0.1/24 fd08::1/64      ns b: ovpn0 10.8.0.2/24 fd08::2/64
#   v-a-b 10.200.0.1 / fd20::1  --veth--  v-b-a 10.200.0.2 / fd20::2
: "${UNDERLAY:=4}" "${MTU:=1420}" "${KEEPALIVE:=2 20}" "${THREADS:=2}"
make_ns a
make_ns b
link_ns a b 10.200.0.1 10.200.0.2 fd20::1 fd20::2
if [ "$UNDERLAY" = 6 ]; then
  A_REMOTE='[fd20::1]:1194'; B_REMOTE='[fd20::2]:1194'
else
  A_REMOTE=10.200.0.1:1194; B_REMOTE=10.200.0.2:1194
fi
: "${LISTEN_A:=$A_REMOTE}" "${LISTEN_B:=$B_REMOTE}"
start_engine a --dev ovpn0 --listen "$LISTEN_A" --ifconfig 10.8.0.1/24 --ifconfig fd08::1/64 \
  --mtu "$MTU" --threads "$THREADS" ${OFFLOAD:+--udp-offload $OFFLOAD --tun-offload $OFFLOAD} ${OFFLOAD:+--udp-offload $OFFLOAD --tun-offload $OFFLOAD} ${OFFLOAD:+--udp-offload $OFFLOAD} ${OFFLOAD:+--udp-offload $OFFLOAD}
start_engine b --dev ovpn0 --listen "$LISTEN_B" --ifconfig 10.8.0.2/24 --ifconfig fd08::2/64 \
  --mtu "$MTU" --threads "$THREADS" ${OFFLOAD:+--udp-offload $OFFLOAD --tun-offload $OFFLOAD} ${OFFLOAD:+--udp-offload $OFFLOAD --tun-offload $OFFLOAD} ${OFFLOAD:+--udp-offload $OFFLOAD} ${OFFLOAD:+--udp-offload $OFFLOAD}
"$DCOCTL" genkey >"$WORK/key0"
# shellcheck disable=SC2086
ctl a peer-new 1 remote "$B_REMOTE" keepalive $KEEPALIVE
# shellcheck disable=SC2086
ctl b peer-new 1 remote "$A_REMOTE" keepalive $KEEPALIVE
ctl a key-new 1 primary 0 AES-256-GCM "$WORK/key0" server
ctl b key-new 1 primary 0 AES-256-GCM "$WORK/key0" client
