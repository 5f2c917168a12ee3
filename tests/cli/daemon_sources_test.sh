#!/bin/bash
# The daemon's socket and stdin sources end to end: sshd brute force (rules/base/auth.yaml,
# auth.bruteforce.per_source: max_failures failed logins from one address, read from the
# rule file) arrives as syslog datagrams over UDP on 127.0.0.1, over a unix datagram socket
# (the /dev/log kind) and through a pipe into `bannin run`'s standard input (`type: stdin`).
# Each channel's attacker gets a decision; an address one failure short gets none; status
# counts each source's lines; the end of stdin closes that source, not the daemon.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

AUTH="$ROOT/rules/base/auth.yaml"
N=$(python3 -c '
import sys, yaml
for r in yaml.safe_load(open(sys.argv[1]))["rules"]:
    if r["id"] == "auth.bruteforce.per_source":
        print(r["params"]["max_failures"])' "$AUTH")
[ "$N" -ge 2 ] || fail "cannot read auth.bruteforce.per_source's max_failures from $AUTH"
UDP_PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SOCK="$TMP/syslog.sock"
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
rule_files: [$AUTH]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: "", max_per_minute: 0, escalate_prefix: {min_members: 0}}
sources:
  - type: syslog
    listen: udp://127.0.0.1:$UDP_PORT
  - type: syslog
    listen: unix://$SOCK
  - type: stdin
    decoder: syslog
YAML
mkfifo "$TMP/stdin.fifo"
exec 7<>"$TMP/stdin.fifo"  # the pipe's writer, held open until the end of the test
start_daemon_stdin "$TMP/stdin.fifo" 7>&-  # the daemon must not hold the writer end
[ -S "$SOCK" ] || fail "no unix socket at $SOCK"

# failures IP COUNT: sshd lines as rsyslog forwards them (RFC 3164, local time).
failures() {
  python3 - "$1" "$2" <<'PY'
import sys, time
ip, n = sys.argv[1], int(sys.argv[2])
stamp = time.strftime("%b %e %H:%M:%S", time.localtime())
for i in range(n):
    print("<38>%s web1 sshd[%d]: Failed password for invalid user admin%d from %s port %d ssh2"
          % (stamp, 4000 + i, i, ip, 40000 + i))
PY
}
send_udp() {
  python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for line in sys.stdin.read().splitlines():
    s.sendto(line.encode(), ("127.0.0.1", int(sys.argv[1])))' "$UDP_PORT"
}
send_unix() {
  python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for line in sys.stdin.read().splitlines():
    s.sendto(line.encode(), sys.argv[1])' "$SOCK"
}

failures 203.0.113.1 "$N" | send_udp
failures 203.0.113.2 "$N" | send_unix
failures 203.0.113.3 "$N" >&7
failures 203.0.113.9 $((N - 1)) | send_udp   # one short of the threshold

decided() { [ "$(sql "SELECT count(*) FROM decisions WHERE rule = 'auth.bruteforce.per_source' AND target_json LIKE '%\"$1\"%'")" -ge 1 ]; }
wait_until 20 "a decision for the UDP attacker 203.0.113.1" decided 203.0.113.1
wait_until 20 "a decision for the unix-socket attacker 203.0.113.2" decided 203.0.113.2
wait_until 20 "a decision for the stdin attacker 203.0.113.3" decided 203.0.113.3

lines_of() { status_get "sum(s['lines'] for s in d['sources'] if s['origin'] == '$1')"; }
decoded_of() { status_get "sum(s['decoded'] for s in d['sources'] if s['origin'] == '$1')"; }
all_decoded() { [ "$(decoded_of "udp://127.0.0.1:$UDP_PORT")" -eq $((2 * N - 1)) ]; }
wait_until 20 "all UDP lines decoded" all_decoded
[ "$(lines_of "udp://127.0.0.1:$UDP_PORT")" -eq $((2 * N - 1)) ] || fail "udp source lines: $(lines_of "udp://127.0.0.1:$UDP_PORT")"
[ "$(decoded_of "unix://$SOCK")" -eq "$N" ] || fail "unix source decoded: $(decoded_of "unix://$SOCK")"
[ "$(decoded_of stdin)" -eq "$N" ] || fail "stdin source decoded: $(decoded_of stdin)"
sleep 0.5
! decided 203.0.113.9 || fail "a decision for 203.0.113.9 with $((N - 1)) failures (threshold $N)"
reason=$(sql "SELECT reason FROM decisions WHERE target_json LIKE '%\"203.0.113.2\"%'")
echo "decision for the unix-socket attacker: $reason"

# The end of stdin closes that source; the daemon and the others go on.
exec 7>&-
stdin_closed() { [ "$(status_get "[s['state'] for s in d['sources'] if s['kind'] == 'stdin'][0]")" = closed ]; }
wait_until 10 "the stdin source closed at end of input" stdin_closed
kill -0 "$DPID" 2>/dev/null || fail "the daemon ended with its standard input"
failures 203.0.113.4 "$N" | send_unix
wait_until 20 "a decision after stdin closed" decided 203.0.113.4
stop_daemon
[ ! -e "$SOCK" ] || fail "the unix socket file is left behind after a clean stop"
echo "PASS: UDP, unix datagram and stdin sources reach detection and decisions (threshold $N)"
