#!/usr/bin/env bash
# The ovpnd server's management interface (issue 5) with a stock OpenVPN 2.6 client connected.
# Topology: lib.sh, `ovpnd --config server.conf` in srv with `management $WORK/mgmt.sock unix`;
# the test talks to the socket from the host (a unix socket is reached by its path from any
# network namespace) with a small python3 client.
#
# Checks: the socket is srw------- and root's; the greeting; `version`; `state` (CONNECTED);
# `status 2` lists the client with its common name and virtual address; `bytecount 1` reports
# growing counts while the client pings; `load-stats`; `kill client1` disconnects it (gone from
# the status at once, the client logs the server's RESTART and reconnects); `kill IP:PORT`;
# an unknown command; `client-kill CID HALT` stops the client; a management session stays open
# across SIGHUP (same socket); the socket is removed when the server exits.
NS_PREFIX=oi-mg-
SERVER=ovpnd
CLIENT=openvpn
source "$(dirname "$0")/lib.sh"
[ -x "$OVPND" ] || die "no ovpnd at $OVPND"

SOCK="$WORK/mgmt.sock"

# mgmt WATCH_SECONDS COMMAND...: one management session: the greeting, each command and its
# answer (up to END for multi-line answers; real-time '>' lines in between are printed too),
# then whatever arrives within WATCH_SECONDS; quit. Prints every line it reads.
mgmt() {
  python3 - "$SOCK" "$@" <<'PY'
import socket, sys, time

path, watch, commands = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(path)
f = s.makefile("rb")

def line():
    raw = f.readline()
    if not raw:
        sys.exit("management: connection closed")
    text = raw.decode(errors="replace")
    if not text.endswith("\r\n"):
        sys.exit("management: a line without CRLF: %r" % text)
    print(text[:-2], flush=True)
    return text[:-2]

greeting = line()
if not greeting.startswith(">INFO:OpenVPN Management Interface Version 5 "):
    sys.exit("management: greeting %r" % greeting)
for command in commands:
    s.sendall((command + "\n").encode())
    words = command.split()
    multi = words[0] in ("status", "version", "help") or command in ("state", "state all")
    while True:
        l = line()
        if l.startswith(">"):
            continue
        if not multi or l == "END":
            break
end = time.monotonic() + watch
while time.monotonic() < end:
    s.settimeout(max(0.05, end - time.monotonic()))
    try:
        line()
    except socket.timeout:
        break
s.sendall(b"quit\n")
PY
}

make_topology
make_pki "$WORK"

CONTEXT="server start"
server_conf proto=udp wrap=tls-crypt extra="management $SOCK unix"
client_conf proto=udp wrap=tls-crypt
start_server
[ -S "$SOCK" ] || die "no management socket at $SOCK"
mode=$(stat -c '%A %U' "$SOCK")
[ "$mode" = "srw------- root" ] || die "management socket mode/owner: '$mode', want 'srw------- root'"
echo "socket: $mode"

CONTEXT="connect"
start_client
wait_connected 1 20
ping_from cli 10.8.0.1

CONTEXT="version, state, status"
mgmt 0 version state "status 2" load-stats "frobnicate" >"$WORK/m1.out" || die "$(cat "$WORK/m1.out")"
grep -q '^OpenVPN Version: ovpnd' "$WORK/m1.out" || die "version: $(cat "$WORK/m1.out")"
grep -q '^Management Version: 5$' "$WORK/m1.out" || die "no management version"
grep -qE '^[0-9]+,CONNECTED,SUCCESS,10\.8\.0\.1,' "$WORK/m1.out" || die "state: $(cat "$WORK/m1.out")"
client_line=$(grep -E '^CLIENT_LIST,client1,10\.77\.0\.2:[0-9]+,10\.8\.0\.2,' "$WORK/m1.out") ||
  die "status 2 does not list client1 at 10.8.0.2: $(cat "$WORK/m1.out")"
grep -q '^SUCCESS: nclients=1,bytesin=[1-9][0-9]*,bytesout=[1-9][0-9]*$' "$WORK/m1.out" ||
  die "load-stats: $(cat "$WORK/m1.out")"
grep -q "^ERROR: unknown command, enter 'help' for more options$" "$WORK/m1.out" ||
  die "unknown command: $(cat "$WORK/m1.out")"
cid=$(echo "$client_line" | cut -d, -f11)
echo "status: $client_line"

CONTEXT="bytecount"
in_ns cli ping -c 20 -i 0.2 10.8.0.1 >/dev/null 2>&1 &
PING_PID=$!
PIDS+=("$PING_PID")
mgmt 3.5 "bytecount 1" >"$WORK/m2.out" || die "$(cat "$WORK/m2.out")"
wait "$PING_PID" || true
forget "$PING_PID"
grep -q '^SUCCESS: bytecount interval changed$' "$WORK/m2.out" || die "bytecount: $(cat "$WORK/m2.out")"
grep "^>BYTECOUNT_CLI:$cid," "$WORK/m2.out" | cut -d, -f2 >"$WORK/counts"
[ "$(wc -l <"$WORK/counts")" -ge 2 ] || die "fewer than 2 BYTECOUNT_CLI lines: $(cat "$WORK/m2.out")"
sort -n -c -u "$WORK/counts" || die "bytes in do not grow: $(tr '\n' ' ' <"$WORK/counts")"
echo "bytecount: $(tr '\n' ' ' <"$WORK/counts")"

CONTEXT="kill by common name"
mgmt 0 "kill client1" "status 2" "kill client1" >"$WORK/m3.out" || die "$(cat "$WORK/m3.out")"
grep -q "^SUCCESS: common name 'client1' found, 1 client(s) killed$" "$WORK/m3.out" ||
  die "kill: $(cat "$WORK/m3.out")"
! grep -q '^CLIENT_LIST,client1,' "$WORK/m3.out" || die "still listed after kill: $(cat "$WORK/m3.out")"
grep -q "^ERROR: common name 'client1' not found$" "$WORK/m3.out" || die "second kill found it"
grep -q 'client1/.*killed by the management interface' "$WORK/server.log" || die "no kill in the server log"
for _ in $(seq 100); do
  grep -qE "server-pushed-connection-reset|'RESTART'" "$WORK/client.log" && break
  sleep 0.05
done
grep -qE "server-pushed-connection-reset|'RESTART'" "$WORK/client.log" ||
  die "the client did not log the server's RESTART: $(tail -5 "$WORK/client.log")"
echo "client: $(grep -m1 -E "server-pushed-connection-reset|'RESTART'" "$WORK/client.log")"
wait_connected 2 20
ping_from cli 10.8.0.1
echo "kill: the client was told RESTART and reconnected in $WAITED s"

CONTEXT="kill by address"
mgmt 0 "status 2" >"$WORK/m4.out" || die "$(cat "$WORK/m4.out")"
real=$(grep -E '^CLIENT_LIST,client1,' "$WORK/m4.out" | cut -d, -f3)
[ -n "$real" ] || die "the client is not listed again: $(cat "$WORK/m4.out")"
mgmt 0 "kill $real" "status 2" >"$WORK/m5.out" || die "$(cat "$WORK/m5.out")"
grep -q "^SUCCESS: 1 client(s) at address $real killed$" "$WORK/m5.out" ||
  die "kill $real: $(cat "$WORK/m5.out")"
! grep -q '^CLIENT_LIST,client1,' "$WORK/m5.out" || die "still listed after kill $real"
echo "kill $real: ok"

CONTEXT="client-kill HALT"
wait_connected 3 20
mgmt 0 "status 2" >"$WORK/m6.out" || die "$(cat "$WORK/m6.out")"
cid=$(grep -E '^CLIENT_LIST,client1,' "$WORK/m6.out" | cut -d, -f11)
[ -n "$cid" ] || die "the client is not listed again: $(cat "$WORK/m6.out")"
mgmt 0 "client-kill $cid HALT" >"$WORK/m7.out" || die "$(cat "$WORK/m7.out")"
grep -q '^SUCCESS: client-kill command succeeded$' "$WORK/m7.out" || die "$(cat "$WORK/m7.out")"
wait_client_exit 10 || die "the client did not stop after HALT: $(tail -3 "$WORK/client.log")"
echo "client-kill $cid HALT: the client stopped after $STOP_SECS s ($(grep -m1 -oE 'server-pushed-halt|HALT' "$WORK/client.log"))"

CONTEXT="SIGHUP keeps the management interface"
inode=$(stat -c %i "$SOCK")
(sleep 1 && kill -HUP "$SERVER_PID") &
mgmt 5 "state on" >"$WORK/m8.out" || die "the session did not survive SIGHUP: $(cat "$WORK/m8.out")"
grep -qE '^>STATE:[0-9]+,RECONNECTING,' "$WORK/m8.out" || die "no RECONNECTING: $(cat "$WORK/m8.out")"
grep -qE '^>STATE:[0-9]+,CONNECTED,SUCCESS,' "$WORK/m8.out" || die "no CONNECTED: $(cat "$WORK/m8.out")"
[ "$(stat -c %i "$SOCK")" = "$inode" ] || die "the socket was made again"
echo "SIGHUP: the management session stayed open (RECONNECTING, then CONNECTED), same socket"

CONTEXT="stop"
stop_client 5
stop_server
[ ! -e "$SOCK" ] || die "the management socket outlived the server"
log "PASS: management interface"
