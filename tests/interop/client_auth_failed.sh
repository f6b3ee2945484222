#!/usr/bin/env bash
# A wrong password: the stock OpenVPN 2.6 server (auth-user-pass-verify, alice/secret) rejects
# the client ($CLIENT), which offers alice/wrong. Topology: lib.sh.
#
# (a) UDP, no auth-retry: the client log shows AUTH_FAILED and the client exits by itself within
#     10 s (ovpnd with a non-zero status; stock 2.6 exits 0), after one or two attempts in the
#     server log.
# (b) TCP, auth-retry nointeract: the client keeps retrying, but paced: a second attempt within
#     13 s, at least 2 s after the first, never more than 5 attempts meanwhile; still running at
#     the end, it exits within 5 s of SIGTERM.
NS_PREFIX=oi-af-
source "$(dirname "$0")/lib.sh"

REJECTED='Auth Username/Password verification failed'   # server log, one line per attempt

make_topology
make_pki "$WORK"

CONTEXT="(a) no auth-retry"
server_conf proto=udp userpass=1
client_conf proto=udp userpass=bad
start_server
start_client
wait_client_exit 10 || die "the client still runs 10 s after a wrong password"
grep -qF AUTH_FAILED "$WORK/client.log" || die "no AUTH_FAILED in the client log"
if [ "$CLIENT" = ovpnd ]; then
  [ "$STOP_RC" != 0 ] || die "ovpnd exited with status 0 after AUTH_FAILED"
fi
attempts=$(count_lines "$WORK/server.log" "$REJECTED")
if [ "$attempts" -lt 1 ] || [ "$attempts" -gt 2 ]; then
  die "$attempts authentication attempts, want 1 or 2"
fi
echo "(a) wrong password: AUTH_FAILED, client exited by itself after $STOP_SECS s with status $STOP_RC, $attempts attempt(s) in the server log"
stop_server

CONTEXT="(b) auth-retry nointeract"
server_conf proto=tcp wrap=tls-crypt userpass=1
client_conf proto=tcp wrap=tls-crypt userpass=bad extra="auth-retry nointeract"
start_server
start_client
t0=$(now)
first='' second=''
for _ in $(seq 260); do
  attempts=$(count_lines "$WORK/server.log" "$REJECTED")
  [ "$attempts" -le 5 ] || die "$attempts attempts in $(since "$t0") s: retrying in a tight loop"
  [ -z "$first" ] && [ "$attempts" -ge 1 ] && first=$(since "$t0")
  [ "$attempts" -ge 2 ] && { second=$(since "$t0"); break; }
  alive "$CLIENT_PID" || die "the client exited although auth-retry nointeract"
  sleep 0.05
done
[ -n "$second" ] || die "no second attempt within 13 s (attempts: $attempts)"
gap=$(awk -v a="$first" -v b="$second" 'BEGIN { printf "%.1f", b - a }')
awk -v g="$gap" 'BEGIN { exit !(g >= 2) }' || die "second attempt only $gap s after the first"
grep -qF AUTH_FAILED "$WORK/client.log" || die "no AUTH_FAILED in the client log"
stop_client 5
echo "(b) auth-retry nointeract: attempts at $first s and $second s ($gap s apart), client still running, exited on SIGTERM in $STOP_SECS s"
stop_server
CONTEXT=
log "PASS"
