#!/usr/bin/env bash
# Point-to-point over UDP: two engines configured by hand, as the kernel ovpn selftests do.
#
#   ns a                                         ns b
#   ovpn0 10.8.0.1/24, fd08::1/64                ovpn0 10.8.0.2/24, fd08::2/64
#   ovpnd --dco-only (UDP 10.200.0.1:1194) <---> ovpnd --dco-only (UDP 10.200.0.2:1194)
#   v-a-b 10.200.0.1/24 ------------- veth ----------- v-b-a 10.200.0.2/24
#
# Checks: ping over IPv4 and IPv6 inside, a 20 MB transfer with its SHA-256 verified, the
# counters of both peers, that nothing was dropped, and the engine block of `dcoctl show`: the
# TUN queue at ovpnd's default depth (4000), the TUN offload figures (the transfer's TCP
# super-packets read by b's engine) in the text and in the JSON alike.
NS_PREFIX=ovt-p2p-
source "$(dirname "$0")/lib.sh"

make_ns a
make_ns b
link_ns a b 10.200.0.1 10.200.0.2
start_engine a --dev ovpn0 --listen 10.200.0.1:1194 --ifconfig 10.8.0.1/24 --ifconfig fd08::1/64 --threads 2
start_engine b --dev ovpn0 --listen 10.200.0.2:1194 --ifconfig 10.8.0.2/24 --ifconfig fd08::2/64 --threads 2

"$DCOCTL" genkey >"$WORK/key"
ctl a peer-new 1 remote 10.200.0.2:1194 keepalive 2 20
ctl b peer-new 1 remote 10.200.0.1:1194 keepalive 2 20
ctl a key-new 1 primary 0 AES-256-GCM "$WORK/key" server
ctl b key-new 1 primary 0 AES-256-GCM "$WORK/key" client

in_ns a ping -c 5 -i 0.2 -W 2 10.8.0.2 >"$WORK/ping4.log" || die "IPv4 ping through the tunnel"
in_ns b ping -c 5 -i 0.2 -W 2 fd08::1 >"$WORK/ping6.log" || die "IPv6 ping through the tunnel"
log "ping v4 and v6: ok"

# 20 MB from b to a over TCP inside the tunnel, checksummed at both ends.
head -c 20000000 /dev/urandom >"$WORK/blob"
in_ns a python3 "$(dirname "$0")/transfer.py" receive 10.8.0.1 5001 >"$WORK/received.sha" &
PIDS+=($!)
sleep 0.5
in_ns b python3 "$(dirname "$0")/transfer.py" send 10.8.0.1 5001 "$WORK/blob" >"$WORK/sent.sha"
wait "${PIDS[-1]}"
[ "$(cat "$WORK/sent.sha")" = "$(cat "$WORK/received.sha")" ] || die "transfer checksum differs"
log "20 MB transfer: sha256 $(cut -c1-16 "$WORK/sent.sha")… matches"

rx=$(counter a 1 "['stats']['vpn_rx_bytes']")
[ "$rx" -gt 20000000 ] || die "peer counters: vpn_rx_bytes $rx"
for ns in a b; do
  drops=$(peer_json $ns 1 | python3 -c "import json,sys; print(sum(json.load(sys.stdin)['peer']['stats']['drops'].values()))")
  [ "$drops" -eq 0 ] || die "$ns dropped $drops packets: $(ctl $ns show)"
done

ctl b show >"$WORK/show_b.txt"
head -1 "$WORK/show_b.txt" | grep -qx 'engine: ovpn0, 2 threads, listening on 10.200.0.2:1194, TUN queue 4000 packets' ||
  die "dcoctl show: no engine block: $(cat "$WORK/show_b.txt")"
ctl b --json show >"$WORK/show_b.json"
ctl b --json engine >"$WORK/engine_b.json"
tso_reads=$(python3 - "$WORK/show_b.json" "$WORK/engine_b.json" <<'EOF'
import json, sys
show = json.load(open(sys.argv[1]))
engine = json.load(open(sys.argv[2]))["engine"]
e = show["engine"]
assert len(show["peers"]) == 1, show
assert e["ifname"] == "ovpn0" and e["threads"] == 2 and e["local"] == "10.200.0.2:1194", e
assert e["tun_tx_queue_len"] == 4000, e
assert not e["offloads"]["fanout"] and e["fanout_stats"]["jobs"] == 0, e
t = e["tun_stats"]
if e["offloads"]["tun_tso"]:
    assert t["tso_reads"] > 0 and t["tso_segments"] > t["tso_reads"], t
assert engine["tun_stats"]["tso_reads"] == t["tso_reads"], (engine, e)
print(t["tso_reads"] if e["offloads"]["tun_tso"] else "off")
EOF
) || die "engine figures in dcoctl --json show: $(cat "$WORK/show_b.json")"
if [ "$tso_reads" != off ]; then
  grep -q "^  tun reads: $tso_reads TCP super-packets" "$WORK/show_b.txt" ||
    die "dcoctl show: not the JSON's $tso_reads TSO reads: $(cat "$WORK/show_b.txt")"
fi
log "engine block: $tso_reads TCP super-packets read from b's TUN"
ctl a show
log "PASS"
