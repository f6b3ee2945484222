#!/usr/bin/env bash
# Reset flood (issue 5): while a fourth namespace sends 10,000 client hard resets a second to the
# ovpnd server, three connected clients running iperf3 keep above 80% of their flood-free
# throughput.
#
#   ns ld-rf-srv: ovpnd --config server.conf (tls-crypt, duplicate-cn), iperf3 -s on 10.8.0.1
#     ports 5201..5203; br0 10.77.0.1/24 bridges the four veths below
#   ns ld-rf-c1, c2, c3: ovpnd --config client.conf --threads 1, each iperf3 -c 10.8.0.1 (one
#     TCP stream, client to server: the direction the flood shares the server's socket with)
#   ns ld-rf-fld: reset_flood --rate 10000: P_CONTROL_HARD_RESET_CLIENT_V2 wrapped with the
#     clients' tls-crypt key (so each one passes the server's authentication and costs a full
#     stateless reply), every 8th with a bad tag, each from another source port
#   v-X-srv 10.77.0.1X/24 --- veth --- v-srv-X (in br0), X = c1 c2 c3 fld
#
# Rounds alternate flood-free and flooded runs (all three iperf3 at once, TIME s each); the
# figures compared are each client's median over the rounds. Asserted: every client's flooded
# median is at least 80% of its flood-free median, and the flood reached 9,500 packets a second
# at the server's veth. When the first ROUNDS miss that, ROUNDS more run and the verdict is on
# all of them. Printed: every run's throughput, the flood's achieved rate, and the server's CPU
# time per run, control thread (where every reset is handled) apart from the engine's threads.
#
# Everything shares the machine's cores, so the runs are CPU-bound and a client's share moves by
# +-20% from run to run: hence medians over 5 rounds, and one engine thread per client (three
# two-shard clients beside the server's shards make the shares noisier still).
#
# Bounded: ROUNDS (default 5) pairs of TIME (default 3) s runs, about 50 s in all (twice that
# when the first verdict fails); the flood lasts TIME + 2 s and stops by itself. RATE and
# CLIENT_THREADS can be set too.
NS_PREFIX=ld-rf-
SERVER=ovpnd
source "$(dirname "$0")/../interop/lib.sh"
FLOOD=${FLOOD:-$BUILD_DIR/tests/load/reset_flood}
[ -x "$FLOOD" ] || die "no reset_flood at $FLOOD"
command -v iperf3 >/dev/null || die "no iperf3"
ROUNDS=${ROUNDS:-5}
TIME=${TIME:-3}
CLIENT_THREADS=${CLIENT_THREADS:-1}
RATE=${RATE:-10000}
CLIENTS=(c1 c2 c3)

# The star: every namespace on one bridge in srv, the server at 10.77.0.1.
make_ns srv
ip -n "${NS_PREFIX}srv" link add br0 type bridge
ip -n "${NS_PREFIX}srv" addr add 10.77.0.1/24 dev br0
ip -n "${NS_PREFIX}srv" link set br0 up
i=0
for n in "${CLIENTS[@]}" fld; do
  i=$((i + 1))
  make_ns "$n"
  ip link add "v-$n-srv" netns "${NS_PREFIX}$n" type veth peer name "v-srv-$n" \
    netns "${NS_PREFIX}srv"
  ip -n "${NS_PREFIX}srv" link set "v-srv-$n" master br0 up
  ip -n "${NS_PREFIX}$n" addr add "10.77.0.1$i/24" dev "v-$n-srv"
  ip -n "${NS_PREFIX}$n" link set "v-$n-srv" up
done

make_pki "$WORK"
server_conf wrap=tls-crypt extra="duplicate-cn"
client_conf wrap=tls-crypt
start_server

# The clients, one per namespace (client_conf's config, logs $WORK/c1.log ...).
for n in "${CLIENTS[@]}"; do
  (cd "$WORK" && exec ip netns exec "${NS_PREFIX}$n" "$OVPND" --config client.conf \
    --threads "$CLIENT_THREADS") >"$WORK/$n.log" 2>&1 &
  PIDS+=("$!")
done
for n in "${CLIENTS[@]}"; do
  for _ in $(seq 200); do
    [ "$(count_lines "$WORK/$n.log" "$READY")" -ge 1 ] && break
    sleep 0.1
  done
  [ "$(count_lines "$WORK/$n.log" "$READY")" -ge 1 ] || die "client $n did not connect in 20 s"
  ping_from "$n" 10.8.0.1
done

# One iperf3 server per client.
port=5200
for n in "${CLIENTS[@]}"; do
  port=$((port + 1))
  in_ns srv iperf3 -s -B 10.8.0.1 -p "$port" >"$WORK/iperf3-s-$n.out" 2>&1 &
  PIDS+=("$!")
done
for p in 5201 5202 5203; do
  for _ in $(seq 50); do
    [ -n "$(in_ns srv ss -Hltn "sport = :$p")" ] && break
    sleep 0.1
  done
done

# server_cpu: "control engine" CPU ticks of the server so far: its main thread (the control
# plane) and the sum of its other threads (the engine's shards and housekeeping).
server_cpu() {
  local t ctl=0 eng=0 ticks
  for t in /proc/"$SERVER_PID"/task/*; do
    ticks=$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)
    if [ "${t##*/}" = "$SERVER_PID" ]; then ctl=$((ctl + ticks)); else eng=$((eng + ticks)); fi
  done
  echo "$ctl $eng"
}

# flood_rx: packets the server's side of the flood's veth has received.
flood_rx() { in_ns srv cat /sys/class/net/v-srv-fld/statistics/rx_packets; }
# flood_answers: UDP datagrams fld received for no socket: the server's stateless replies to the
# flood (the raw socket has no port), which only resets that passed authentication get.
flood_answers() { in_ns fld awk '$1 == "Udp:" && $2 ~ /^[0-9]/ {print $3}' /proc/net/snmp; }

# run_iperf TAG: the three iperf3 clients at once; appends "TAG client Mbit/s" to $WORK/runs.
run_iperf() {
  local n port=5200 pids=() ctl0 eng0 ctl1 eng1
  read -r ctl0 eng0 < <(server_cpu)
  for n in "${CLIENTS[@]}"; do
    port=$((port + 1))
    timeout $((TIME + 20)) ip netns exec "${NS_PREFIX}$n" iperf3 -c 10.8.0.1 -p "$port" \
      -t "$TIME" -J >"$WORK/iperf3-$n.json" 2>&1 &
    pids+=("$!")
  done
  for p in "${pids[@]}"; do wait "$p" || die "iperf3 failed: $(tail -5 "$WORK"/iperf3-c*.json)"; done
  read -r ctl1 eng1 < <(server_cpu)
  local line="$1:"
  for n in "${CLIENTS[@]}"; do
    mbps=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.0f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))' \
      "$WORK/iperf3-$n.json") || die "iperf3 $n: $(tail -5 "$WORK/iperf3-$n.json")"
    echo "$1 $n $mbps" >>"$WORK/runs"
    line+=" $n $mbps"
  done
  echo "$line Mbit/s; server CPU over the run: control $(((ctl1 - ctl0) * 10)) ms," \
    "engine $(((eng1 - eng0) * 10)) ms"
}

# run_flooded: run_iperf while reset_flood runs in fld; checks the rate the server's veth saw.
run_flooded() {
  local rx0 rx1 out pps answers0 answers1
  rx0=$(flood_rx)
  answers0=$(flood_answers)
  (cd "$WORK" && exec ip netns exec "${NS_PREFIX}fld" "$FLOOD" --config client.conf \
    --rate "$RATE" --duration $((TIME + 2)) --bad-every 8) >"$WORK/flood.out" 2>&1 &
  local flood_pid=$!
  PIDS+=("$flood_pid")
  sleep 1  # the flood runs at full rate before the measurement starts
  run_iperf flood
  wait "$flood_pid" || die "reset_flood: $(cat "$WORK/flood.out")"
  forget "$flood_pid"
  rx1=$(flood_rx)
  answers1=$(flood_answers)
  out=$(tail -1 "$WORK/flood.out")
  local seconds=${out##*seconds=}
  seconds=${seconds%% *}
  pps=$(awk -v n=$((rx1 - rx0)) -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
  echo "  $out; the server's veth received $((rx1 - rx0)) packets, $pps/s;" \
    "the server answered $((answers1 - answers0))"
  # Some answers show that the resets pass the server's tls-crypt check (the limiter lets about
  # 100 per 10 s out).
  [ $((answers1 - answers0)) -gt 0 ] || die "the server answered none of the resets"
  echo "$pps" >>"$WORK/flood_pps"
}

: >"$WORK/runs"
: >"$WORK/flood_pps"
# run_rounds FIRST LAST: rounds FIRST..LAST, each a flood-free run and a flooded run.
run_rounds() {
  local r
  for r in $(seq "$1" "$2"); do
    CONTEXT="round $r"
    run_iperf free
    run_flooded
  done
  CONTEXT=
}

# verdict: the medians per client over every round so far; fails if a client is below 80% or
# the flood fell short of its rate.
verdict() {
  python3 - "$WORK/runs" "$WORK/flood_pps" "$RATE" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    tag, client, mbps = line.split()
    runs.setdefault(client, {}).setdefault(tag, []).append(float(mbps))
ok = True
total = {"free": 0.0, "flood": 0.0}
for client in sorted(runs):
    free = statistics.median(runs[client]["free"])
    flood = statistics.median(runs[client]["flood"])
    total["free"] += free
    total["flood"] += flood
    ratio = flood / free if free else 0.0
    verdict = "ok" if ratio >= 0.8 else "BELOW 80%"
    ok = ok and ratio >= 0.8
    print(f"{client}: median {free:.0f} Mbit/s flood-free, {flood:.0f} Mbit/s flooded "
          f"({ratio:.0%}) {verdict}")
print(f"all: {total['free']:.0f} Mbit/s flood-free, {total['flood']:.0f} Mbit/s flooded "
      f"({total['flood'] / total['free']:.0%})")
rates = [float(x) for x in open(sys.argv[2])]
need = 0.95 * float(sys.argv[3])
print(f"flood at the server: {', '.join('%.0f' % r for r in rates)} packets/s (need {need:.0f})")
ok = ok and min(rates) >= need
sys.exit(0 if ok else 1)
EOF
}

run_rounds 1 "$ROUNDS"
if ! verdict; then
  # A client's share of the two cores moves by +-20% from run to run (see above), so a median of
  # 5 can dip below 80% without a cause (seen once in CI: 78%, the three clients 86% together).
  # A real cost shows in any number of rounds: judge again on twice the rounds.
  log "below the bar after $ROUNDS rounds: $ROUNDS more, then the verdict on all of them"
  run_rounds $((ROUNDS + 1)) $((2 * ROUNDS))
  verdict || die "the flood cost a client more than 20% (or fell short of its rate)"
fi
log "PASS"
