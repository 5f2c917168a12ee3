#!/bin/bash
# Disk full under the store: `bannin run` keeps its store (and, in observe mode, the
# observe-actions.jsonl recording next to it) on a small tmpfs mounted in a private mount
# namespace (the host sees nothing). A filler file takes the last byte while lines that each
# give a finding and a decision keep coming. The daemon must not crash, `bannin status` must
# say the store is failing and why, detection and decisions must go on, and once the filler
# is deleted the store must recover by itself and hold every finding and decision of the
# lines accepted meanwhile (the writer kept them queued and retried).
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
if [ -z "${BANNIN_IN_MOUNT_NS:-}" ]; then
  if ! unshare -m --propagation private true 2>/dev/null; then
    echo "SKIP: cannot create a private mount namespace (needs root)"
    exit 0
  fi
  exec env BANNIN_IN_MOUNT_NS=1 unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib/daemon.sh"

ST="$TMP/st"  # the tmpfs
DB_DIR="$ST/db"  # created by the daemon; observe mode writes observe-actions.jsonl next to the store
mkdir -p "$ST" "$TMP/logs"
mount -t tmpfs -o size=6m bannin_full "$ST"
EXTRA_CLEANUP='umount -l "$ST"'
REC="$DB_DIR/observe-actions.jsonl"
LOG="$TMP/logs/access.log"
: >"$LOG"
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
rule_files: [$ROOT/tests/fixtures/daemon/every_path.yaml]
store: {path: $DB_DIR/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: "", max_per_minute: 0, escalate_prefix: {min_members: 0}}
sources:
  - type: file
    paths: [$LOG]
    decoder: combined
YAML

next=0
# write_lines COUNT: COUNT lines, each a new path from a new address (one finding and one
# decision each), with 1 KB of user agent so the store grows quickly.
write_lines() {
  python3 - "$LOG" "$next" "$1" <<'PY'
import sys
path, start, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pad = "x" * 1000
with open(path, "a") as f:
    for i in range(start, start + count):
        f.write('10.%d.%d.%d - - [25/Nov/2026:10:00:00 +0000] "GET /once/%d HTTP/1.1" 200 10 "-" "%s"\n'
                % ((i >> 16) & 255, (i >> 8) & 255, i & 255, i, pad))
PY
  next=$((next + $1))
}
findings_in_store() { sql 'SELECT count(*) FROM findings'; }
sql() { sqlite3 -cmd '.timeout 5000' "$DB_DIR/bannin.db" "$@"; }
recorded() { grep -c '"op":"apply"' "$REC" 2>/dev/null || true; }
all_in_store() { [ "$(findings_in_store)" -ge "$next" ]; }
store_ok() { [ "$(status_get "d['store']['ok']")" = "$1" ]; }
detected_all() { [ "$(status_get "d['detect']['findings']")" -ge "$next" ]; }
decided_all() { [ "$(status_get "d['decisions']['taken']")" -ge "$next" ]; }
alive() { kill -0 "$DPID" 2>/dev/null || fail "the daemon died"; }

start_daemon
write_lines 100
wait_until 20 "the first 100 findings in the store" all_in_store
before_full=$next
[ -f "$REC" ] || fail "no recording file $REC next to the store"
sleep 0.5
recorded_running=$(recorded)  # checked at the end (see there)

# 1. The disk fills up while lines keep coming.
dd if=/dev/zero of="$ST/filler" bs=64k 2>/dev/null || true
avail=$(df --output=avail -k "$ST" | tail -1 | tr -d ' ')
[ "$avail" -eq 0 ] || fail "the filler did not fill the tmpfs ($avail kB left)"
for _ in $(seq 100); do
  write_lines 40
  sleep 0.2
  alive
  if store_ok false; then break; fi
done
store_ok false || fail "the store never reported the full disk ($next lines written)"
for _ in $(seq 10); do write_lines 40; sleep 0.2; alive; done
during_full=$((next - before_full))

# 2. Status says what is wrong; detection and decisions go on.
err=$(status_get "d['store'].get('last_error', '')")
echo "store while full: ok=false, last_error: $err"
echo "$err" | grep -qi 'full' || fail "store.last_error does not say the disk is full: '$err'"
set +e
$NSX "$BANNIN" status --api "$API" >"$TMP/status.txt" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "bannin status exit $rc while the store fails (expected 1: a problem)"
grep -qi 'full' "$TMP/status.txt" || fail "bannin status (text) does not show the store error: $(cat "$TMP/status.txt")"
logged() { grep -qF "$1" "$TMP/daemon.log"; }
wait_until 10 "the log saying the store fails" logged 'store: commit failed'
wait_until 30 "findings for all $next lines while the disk is full" detected_all
wait_until 10 "decisions for all $next lines while the disk is full" decided_all
# The observe-mode recording is on the same full disk: it says so (status and log) and keeps
# its lines for a retry.
actuator_full() { [ "$(status_get "d['actuator']['ok']")" = false ]; }
wait_until 10 "status saying the recording file fails" actuator_full
rec_err=$(status_get "d['actuator']['problem']")
echo "recording while full: $rec_err"
case "$rec_err" in *"No space left"*) ;; *) fail "actuator.problem does not say the disk is full: '$rec_err'" ;; esac
[ "$(status_get "d['actuator']['pending_bytes']")" -gt 0 ] || fail "no recording lines kept for the retry"
wait_until 10 "the log saying the recording fails" logged 'act: recording: '
$NSX "$BANNIN" status --api "$API" >"$TMP/status2.txt" 2>&1 || true
grep -q 'recording: .*No space left' "$TMP/status2.txt" \
  || fail "bannin status (text) does not show the recording problem: $(cat "$TMP/status2.txt")"
alive
in_store_full=$(findings_in_store)
[ "$in_store_full" -lt "$next" ] || fail "all $next findings are in the store although the disk is full"

# 3. Space again: the writer's retries commit what it kept.
rm -f "$ST/filler"
t0=$(date +%s)
wait_until 45 "the store healthy again after the filler was deleted" store_ok true
wait_until 30 "all $next findings in the store" all_in_store
echo "store recovered $(( $(date +%s) - t0 )) s after the filler was deleted"
wait_until 10 "the log saying the store works again" logged 'store: commits succeed again'
wait_until 10 "the log saying the recording works again" logged 'act: recording: writes succeed again'
grep -F 'store: commit' "$TMP/daemon.log" | sed 's/^.*bannin: /log: /' | head -3
write_lines 20  # and it keeps working
wait_until 20 "findings after the recovery" all_in_store
dropped=$(status_get "d['store']['dropped']")
failed=$(status_get "d['store']['failed']")
stop_daemon

findings=$(findings_in_store)
distinct=$(sql 'SELECT count(DISTINCT line) FROM evidence')
decisions=$(sql "SELECT count(*) FROM decisions WHERE rule = 'test.every_path'")
echo "lines: $next ($during_full while the disk was full, $in_store_full findings stored then);" \
  "store: findings $findings (distinct evidence $distinct), decisions $decisions, dropped $dropped, failed $failed"
# Nothing may be dropped at this rate (the store queue holds 65536 rows); if the writer had
# dropped rows, status would have said so, and this says which.
[ "$dropped" -eq 0 ] || fail "the store writer dropped $dropped rows (findings $findings of $next)"
[ "$failed" -eq 0 ] || fail "the store writer refused $failed rows"
[ "$findings" -eq "$next" ] || fail "findings $findings != lines $next"
[ "$distinct" -eq "$next" ] || fail "distinct evidence lines $distinct != lines $next"
[ "$decisions" -eq "$next" ] || fail "decisions $decisions != lines $next"

# 4. The observe-mode recording (observe-actions.jsonl, always in the store's directory, so
# on the same full disk): every decision has its line, the first ones written when taken (no
# stdio buffer), those of the full-disk period once space returned.
recorded_end=$(recorded)
echo "observe-actions.jsonl: $recorded_running apply lines for the first $before_full decisions while running;" \
  "$recorded_end for $next decisions after the stop"
[ "$recorded_running" -eq "$before_full" ] || fail "recording: $recorded_running of the first $before_full decisions written while running"
[ "$recorded_end" -eq "$next" ] || fail "recording: $recorded_end lines for $next decisions after the recovery"
echo "PASS: disk full under the store: no crash, status showed it, detection went on, $next findings, decisions and recorded lines after recovery"
