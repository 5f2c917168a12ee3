#!/bin/bash
# A 10x burst: 200,000 sshd "Failed password" datagrams from 20,000 addresses are sent to a
# `type: syslog` UDP source as fast as Python can send them, while a file source gets lines
# of its own. Runs in a private network namespace (when the kernel allows one) so that the
# kernel's UDP counters (/proc/net/snmp) belong to this test alone. Checks:
#   - no crash; peak RSS (VmHWM) under a bound (below);
#   - every datagram is accounted for: read by bannin (sources[].lines) or counted as lost
#     in the kernel (sources[].dropped_kernel, from SO_RXQ_OVFL), and these agree with the
#     kernel's own counters; what bannin read but could not queue is in sources[].dropped;
#     so drops are never silent, and `bannin status` shows them (exit 1);
#   - the file source loses nothing meanwhile (a file waits, it is its own buffer);
#   - detection still works after the burst (one more attacker gets a decision).
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
if [ -z "${BANNIN_IN_NET_NS:-}" ] && unshare -n true 2>/dev/null; then
  exec env BANNIN_IN_NET_NS=1 unshare -n bash "$0" "$@"
fi
if [ -n "${BANNIN_IN_NET_NS:-}" ]; then ip link set lo up; fi
. "$(dirname "$0")/lib/daemon.sh"

SENT_TARGET=200000
FILE_LINES=3000
# Peak RSS bound. Measured on the ASan+UBSan debug build: 0.33-0.51 GB over 15 runs, alone
# and with 6 other daemon tests in parallel (ASan's shadow memory and quarantine, the records
# queue full of 1,024-line batches, detection state for 20,000 addresses); a release build
# needs a fraction of that. 1.5 GB is 3x the highest measurement: it catches a leak or an
# unbounded queue, not allocator noise.
RSS_BOUND_KB=${BANNIN_BURST_RSS_BOUND_KB:-1500000}

UDP_PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$TMP/logs"
LOG="$TMP/logs/access.log"
: >"$LOG"
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
rule_files: [$ROOT/tests/fixtures/daemon/every_path.yaml, $ROOT/rules/base/auth.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: "", max_per_minute: 0, escalate_prefix: {min_members: 0}}
# The records queue counts batches, and a batch holds 1 to 1,024 lines depending on how far
# the ingest thread is behind, so the default 256 may hold anywhere from a few hundred lines
# to 262,144: on a loaded machine the whole burst fits and takes minutes of ASan detection
# to drain. 32 batches bound the backlog (and the test's time) whatever the scheduling.
queues: {records: 32}
sources:
  - type: syslog
    listen: udp://127.0.0.1:$UDP_PORT
  - type: file
    paths: [$LOG]
    decoder: combined
YAML

udp_counters() {  # InDatagrams RcvbufErrors InErrors of this network namespace
  awk '$1 == "Udp:" && $2 ~ /^[0-9]/ {print $2, $4, $6; exit}' /proc/net/snmp
}
read -r in0 rcvbuf0 inerr0 < <(udp_counters)
start_daemon

# The file writer runs during the burst: FILE_LINES lines over about 2 s.
python3 - "$LOG" "$FILE_LINES" <<'PY' &
import sys, time
path, count = sys.argv[1], int(sys.argv[2])
with open(path, "a") as f:
    for i in range(count):
        f.write('192.0.2.1 - - [25/Nov/2026:10:00:00 +0000] "GET /once/%d HTTP/1.1" 200 10 "-" "t"\n' % i)
        if i % 100 == 99:
            f.flush()
            time.sleep(0.06)
PY
WPID=$!

# The burst, then (after a pause, once bannin has emptied its socket) 10 trailer datagrams:
# the kernel reports drops with the next datagram it queues.
python3 - "$UDP_PORT" "$SENT_TARGET" >"$TMP/sent" <<'PY'
import socket, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
stamp = time.strftime("%b %e %H:%M:%S", time.gmtime())
msgs = [("<38>%s web1 sshd[%d]: Failed password for root from 10.77.%d.%d port 40022 ssh2"
         % (stamp, 1000 + a % 5000, (a >> 8) & 255, a & 255)).encode() for a in range(20000)]
sent = 0
t = time.time()
for i in range(count):
    s.sendto(msgs[i % 20000], ("127.0.0.1", port))
    sent += 1
burst_s = time.time() - t
time.sleep(1.5)
for i in range(10):
    s.sendto(b"<38>%s web1 sshd[1]: Connection closed by 192.0.2.200 port 1 [preauth]" % stamp.encode(),
             ("127.0.0.1", port))
    sent += 1
    time.sleep(0.05)
print(sent, "%.2f" % burst_s)
PY
read -r sent burst_s <"$TMP/sent"
wait "$WPID"
kill -0 "$DPID" 2>/dev/null || fail "the daemon died during the burst"
echo "sent $sent datagrams ($SENT_TARGET in ${burst_s}s, $(python3 -c "print(int($SENT_TARGET/$burst_s))")/s)"

# Everything read has been decoded or dropped once the queue is drained.
syslog_settled() {
  [ "$(status_get "[s for s in d['sources'] if s['kind'] == 'syslog'][0]" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(s["decoded"] + s["decode_errors"] + s["dropped"] == s["lines"] and s["lines"] + s["dropped_kernel"] >= 1)')" = True ]
}
wait_until 120 "the syslog source's lines all decoded or counted as dropped" syslog_settled
file_done() { [ "$(sql "SELECT count(*) FROM findings WHERE rule = 'test.every_path'")" -ge "$FILE_LINES" ]; }
wait_until 120 "all $FILE_LINES file lines in the store" file_done

# Detection still works after the burst: one more attacker, max_failures failed logins
# (auth.bruteforce.per_source, threshold read from the rule file), sent once all is quiet.
N=$(python3 -c '
import sys, yaml
for r in yaml.safe_load(open(sys.argv[1]))["rules"]:
    if r["id"] == "auth.bruteforce.per_source":
        print(r["params"]["max_failures"])' "$ROOT/rules/base/auth.yaml")
python3 - "$UDP_PORT" "$N" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
stamp = time.strftime("%b %e %H:%M:%S", time.gmtime())
for i in range(n):
    s.sendto(("<38>%s web1 sshd[77]: Failed password for root from 198.51.100.99 port %d ssh2"
              % (stamp, 50000 + i)).encode(), ("127.0.0.1", port))
    time.sleep(0.02)
PY
sent=$((sent + N))
# (Either auth rule may take it: per_source at max_failures, or the distributed campaign
# that the burst started, which takes members with 3 failures.)
sentinel_decided() { [ "$(sql "SELECT count(*) FROM decisions WHERE rule LIKE 'auth.bruteforce.%' AND target_json LIKE '%\"198.51.100.99\"%'")" -ge 1 ]; }
wait_until 30 "a decision for the attacker after the burst" sentinel_decided
wait_until 30 "the syslog source settled again" syslog_settled

status_get "[s for s in d['sources'] if s['kind'] == 'syslog'][0]" >"$TMP/syslog_source.json"
read -r lines dropped dropped_kernel decoded decode_errors < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(s["lines"], s["dropped"], s["dropped_kernel"], s["decoded"], s["decode_errors"])' "$TMP/syslog_source.json")
read -r in1 rcvbuf1 inerr1 < <(udp_counters)
k_in=$((in1 - in0)); k_rcvbuf=$((rcvbuf1 - rcvbuf0)); k_inerr=$((inerr1 - inerr0))
hwm=$(daemon_mem_kb VmHWM)
taken=$(status_get "d['decisions']['taken']")
echo "bannin: read $lines (decoded $decoded, dropped at the queue $dropped), dropped_kernel $dropped_kernel;" \
  "kernel: delivered $k_in, RcvbufErrors $k_rcvbuf, InErrors $k_inerr; decisions taken $taken;" \
  "peak RSS $((hwm / 1024)) MB (bound $((RSS_BOUND_KB / 1024)) MB)"

[ "$lines" -le "$sent" ] || fail "bannin read $lines datagrams, more than the $sent sent"
if [ -n "${BANNIN_IN_NET_NS:-}" ]; then
  # This namespace's kernel counters are this test's alone: they must agree with bannin.
  [ "$k_in" -eq "$lines" ] || fail "the kernel delivered $k_in datagrams, bannin counts $lines read"
  [ "$dropped_kernel" -eq "$k_rcvbuf" ] ||
    fail "bannin reports $dropped_kernel kernel drops, the kernel $k_rcvbuf (RcvbufErrors)"
  [ $((lines + k_inerr)) -eq "$sent" ] ||
    fail "sent $sent != read $lines + kernel InErrors $k_inerr: datagrams unaccounted for"
  # So bannin's own counters account for every datagram sent.
  [ $((decoded + decode_errors + dropped + dropped_kernel)) -eq "$sent" ] ||
    fail "decoded $decoded + decode_errors $decode_errors + dropped $dropped + dropped_kernel $dropped_kernel != sent $sent"
else
  echo "(no private network namespace: the kernel's counters are shared, only bannin's are checked)"
  [ $((lines + dropped_kernel)) -le "$sent" ] || fail "read $lines + dropped_kernel $dropped_kernel > sent $sent"
fi
if [ $((dropped + dropped_kernel)) -gt 0 ]; then
  set +e
  "$BANNIN" status --api "$API" >"$TMP/status.txt" 2>&1
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || fail "bannin status exit $rc although lines were dropped (expected 1: a problem)"
fi
[ "$hwm" -lt "$RSS_BOUND_KB" ] || fail "peak RSS $hwm kB is over the bound $RSS_BOUND_KB kB"
file_findings=$(sql "SELECT count(*) FROM findings WHERE rule = 'test.every_path'")
file_distinct=$(sql "SELECT count(DISTINCT e.line) FROM evidence e JOIN findings f ON f.id = e.finding_id WHERE f.rule = 'test.every_path'")
[ "$file_findings" -eq "$FILE_LINES" ] || fail "file source: $file_findings findings for $FILE_LINES lines"
[ "$file_distinct" -eq "$FILE_LINES" ] || fail "file source: $file_distinct distinct lines for $FILE_LINES"
stop_daemon
echo "PASS: burst of $sent datagrams: no crash, every datagram accounted for, file source complete"
