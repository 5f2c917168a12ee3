#!/bin/bash
# Exactly once across crashes: `bannin run` follows a log that a writer keeps appending to,
# is killed with SIGKILL at random moments (several times), and restarted from its
# checkpoints in the store. Between and during the runs the log is rotated the ways logrotate
# does it: by rename, by copytruncate, with `compress` (the rotated file gzipped at once), and
# copytruncate with compress (the copy gzipped), some while bannin runs and some while it is
# down (two rotations in a row, too). A test rule gives one finding, one evidence line and one
# decision per line, so at the end the store must hold each line exactly once: none lost,
# none processed twice.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

N_ROUNDS=${N_ROUNDS:-6}
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

# logrotate's schemes. The writer (write_lines) reopens the log for every burst, so nothing is
# written between a copy and its truncation here: every line must arrive.
shift_generations() {
  for k in 9 8 7 6 5 4 3 2 1; do
    for ext in "" .gz; do
      if [ -e "$LOG.$k$ext" ]; then mv "$LOG.$k$ext" "$LOG.$((k + 1))$ext"; fi
    done
  done
}
gzip_generation() { gzip -c <"$1" >"$1.gz" && rm "$1"; }
rotate() {
  shift_generations
  case $1 in
    rename) mv "$LOG" "$LOG.1" ;;
    compress) mv "$LOG" "$LOG.1" && gzip_generation "$LOG.1" ;;
    copytruncate) cp "$LOG" "$LOG.1" && truncate -s 0 "$LOG" ;;
    copytruncate-compress) cp "$LOG" "$LOG.1" && truncate -s 0 "$LOG" && gzip_generation "$LOG.1" ;;
    *) fail "unknown rotation $1" ;;
  esac
}
# What each round does while bannin runs, and while it is down ("-": nothing). Round 1 has
# nothing while down: a file bannin never read has no checkpoint to continue.
RUNNING=(- - copytruncate rename - compress copytruncate-compress rename copytruncate - compress)
DOWN=(- - - compress copytruncate rename - copytruncate-compress compress+compress copytruncate rename)

for round in $(seq 1 $N_ROUNDS); do
  start_daemon
  half=$((PER_ROUND / 2))
  write_lines "$half"
  if [ "${RUNNING[$round]}" != - ]; then rotate "${RUNNING[$round]}"; fi
  write_lines $((PER_ROUND - half))
  sleep "0.$((RANDOM % 4))"
  kill9_daemon
  case ${DOWN[$round]} in
    -) ;;
    compress+compress)  # two rotations while down: the first generation is PATH.2.gz now
      rotate compress
      write_lines 100
      rotate compress ;;
    *) rotate "${DOWN[$round]}" ;;
  esac
  write_lines 50  # written while bannin is down
  start_daemon
  wait_for 60 "round $round (${RUNNING[$round]}, down: ${DOWN[$round]}): all $next lines committed" all_committed
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
echo "PASS: $next lines across $((N_ROUNDS * 2)) SIGKILLs and rotations by rename, copytruncate and compress (running and down), each exactly once"
