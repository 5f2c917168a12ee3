#!/bin/bash
# Exactly once across crashes: `bannin run` follows a log that a writer keeps appending to,
# is killed with SIGKILL at random moments (several times, some while the log is rotated by
# rename), and restarted from its checkpoints in the store. A test rule gives one finding,
# one evidence line and one decision per line, so at the end the store must hold each line
# exactly once: none lost, none processed twice.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

N_ROUNDS=8
PER_ROUND=700
mkdir -p "$TMP/logs"
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
rule_files: [$ROOT/tests/fixtures/daemon/every_path.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: "", max_per_minute: 0, escalate_prefix: {min_members: 0}}
sources:
  - type: file
    paths: [$TMP/logs/access.log]
    decoder: combined
    start: beginning
YAML

LOG="$TMP/logs/access.log"
next=0
# write_lines COUNT: appends COUNT lines, one new path each, in small bursts.
write_lines() {
  python3 - "$LOG" "$next" "$1" <<'PY'
import sys, time
path, start, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "a") as f:
    for i in range(start, start + count):
        # one source address per line too, so each line also gets its own decision
        f.write('10.%d.%d.%d - - [25/Nov/2026:10:00:00 +0000] "GET /once/%d HTTP/1.1" 200 10 "-" "t"\n'
                % ((i >> 16) & 255, (i >> 8) & 255, i & 255, i))
        if i % 50 == 49:
            f.flush()
            time.sleep(0.002)
PY
  next=$((next + $1))
}

committed() { sql 'SELECT count(*) FROM findings'; }
all_committed() { [ "$(committed)" -ge "$next" ]; }

for round in $(seq 1 $N_ROUNDS); do
  start_daemon
  half=$((PER_ROUND / 2))
  write_lines "$half"
  if [ $((round % 3)) -eq 0 ]; then
    # Rotation while running: the tail keeps reading the renamed file to its end.
    mv "$LOG" "$LOG.1"
  fi
  write_lines $((PER_ROUND - half))
  sleep "0.$((RANDOM % 4))"
  kill9_daemon
  if [ $((round % 3)) -eq 1 ] && [ "$round" -gt 1 ]; then
    # Rotation while bannin is down: the restart finds the rest of the old file as .1.
    # (Not in round 1: a file bannin never read has no checkpoint to continue.)
    # (Only one generation is looked at, so the test lets bannin catch up before the next.)
    mv "$LOG" "$LOG.1"
  fi
  # Let it catch up before the next round's rotation, so that only one rotated
  # generation ever holds unread lines (bannin reads PATH.1, not PATH.2).
  start_daemon
  wait_for 60 "round $round: all $next lines committed" all_committed
  kill9_daemon
done

start_daemon
wait_for 60 "all $next lines committed" all_committed
stop_daemon

findings=$(sql 'SELECT count(*) FROM findings')
evidence=$(sql 'SELECT count(*) FROM evidence')
distinct=$(sql 'SELECT count(DISTINCT line) FROM evidence')
decisions=$(sql "SELECT count(*) FROM decisions WHERE rule = 'test.every_path'")
echo "lines written: $next; findings: $findings; evidence: $evidence (distinct $distinct); decisions: $decisions"
[ "$findings" -eq "$next" ] || fail "findings $findings != lines $next"
[ "$evidence" -eq "$next" ] || fail "evidence lines $evidence != lines $next"
[ "$distinct" -eq "$next" ] || fail "distinct evidence lines $distinct != lines $next (a line was processed twice)"
[ "$decisions" -eq "$next" ] || fail "decisions $decisions != lines $next"
# Every path 0..next-1 is there once.
missing=$(sql "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i+1 < $next)
  SELECT count(*) FROM n WHERE NOT EXISTS (SELECT 1 FROM evidence WHERE line LIKE '%GET /once/' || i || ' HTTP%')")
[ "$missing" -eq 0 ] || fail "$missing lines never reached the store"
grep -q 'from its checkpoint' "$TMP/daemon.log" || fail "no restart resumed from a checkpoint"
echo "PASS: $next lines across $N_ROUNDS SIGKILLs and $((N_ROUNDS * 2 / 3)) rotations, each exactly once"
