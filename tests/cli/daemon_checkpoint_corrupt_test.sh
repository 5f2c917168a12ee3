#!/bin/bash
# A damaged checkpoint row: `bannin run` follows a log, is stopped, and its checkpoints row
# is damaged with sqlite3 (a negative offset, a head hash that is not a number, a NULL; the
# last needs the table rebuilt without its NOT NULL constraints, as a hand-edited or
# foreign-tool file could be). Each time the daemon must start, log which row it skipped and
# why, follow the file again from its end (the source's `start: end`: the lines already
# processed are not processed twice) and detect new lines; the next stop must leave a good
# checkpoint row behind.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

mkdir -p "$TMP/logs"
LOG="$TMP/logs/access.log"
: >"$LOG"
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
rule_files: [$ROOT/tests/fixtures/daemon/every_path.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: "", max_per_minute: 0, escalate_prefix: {min_members: 0}}
sources:
  - type: file
    paths: [$LOG]
    decoder: combined
    start: end
YAML

next=0
write_lines() {
  python3 - "$LOG" "$next" "$1" <<'PY'
import sys
path, start, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "a") as f:
    for i in range(start, start + count):
        f.write('10.0.%d.%d - - [25/Nov/2026:10:00:00 +0000] "GET /once/%d HTTP/1.1" 200 10 "-" "t"\n'
                % ((i >> 8) & 255, i & 255, i))
PY
  next=$((next + $1))
}
all_in_store() { [ "$(sql 'SELECT count(*) FROM findings')" -ge "$next" ]; }
good_checkpoint() {
  local size
  size=$(stat -c %s "$LOG")
  [ "$(sql "SELECT typeof(offset_bytes) || ' ' || offset_bytes || ' ' || typeof(device) FROM checkpoints WHERE source = '$LOG'")" = "integer $size integer" ]
}

start_daemon
write_lines 50
wait_until 20 "the first 50 findings" all_in_store
stop_daemon
good_checkpoint || fail "no good checkpoint after a clean stop: $(sql 'SELECT * FROM checkpoints')"

# round DESCRIPTION EXPECTED-LOG-TEXT SQL...: damage the row, restart, check.
round() {
  local what=$1 expect=$2
  shift 2
  sql "$@"
  local log_before
  log_before=$(wc -l <"$TMP/daemon.log")
  start_daemon
  round_log() { tail -n +"$((log_before + 1))" "$TMP/daemon.log" >"$TMP/round.log"; }
  following() { round_log && grep -qF "following $LOG" "$TMP/round.log"; }
  # The file's tail is set up (at its end) before new lines are written.
  wait_until 10 "$what: the file followed again" following
  # The problem is logged once, with the row and the reason.
  round_log
  grep -F 'checkpoint skipped' "$TMP/round.log" | grep -qF "$expect" ||
    fail "$what: the log does not say 'checkpoint skipped ... $expect'"
  [ "$(grep -cF 'checkpoint skipped' "$TMP/round.log")" -eq 1 ] || fail "$what: not logged exactly once"
  grep -qF "following $LOG (new lines only)" "$TMP/round.log" ||
    fail "$what: the file is not followed from its end"
  write_lines 20
  wait_until 20 "$what: findings for the 20 new lines" all_in_store
  stop_daemon
  local findings distinct
  findings=$(sql 'SELECT count(*) FROM findings')
  distinct=$(sql 'SELECT count(DISTINCT line) FROM evidence')
  [ "$findings" -eq "$next" ] || fail "$what: findings $findings != lines $next (lines processed twice?)"
  [ "$distinct" -eq "$next" ] || fail "$what: distinct evidence $distinct != lines $next"
  good_checkpoint || fail "$what: the stop did not leave a good checkpoint: $(sql 'SELECT * FROM checkpoints')"
  echo "ok: $what: started, logged '$(grep -F 'checkpoint skipped' "$TMP/round.log" | sed 's/^.*bannin: //')', followed ($next lines, each once)"
}

round "negative offset" "offset_bytes is negative (-5)" \
  "UPDATE checkpoints SET offset_bytes = -5"
round "text head hash" 'head_hash is not a number ("not-a-hash")' \
  "UPDATE checkpoints SET head_hash = 'not-a-hash'"
round "text offset" 'offset_bytes is not an integer ("12abc")' \
  "UPDATE checkpoints SET offset_bytes = '12abc'"
# NULLs: the table is rebuilt without NOT NULL (the schema bannin created refuses them).
round "NULL device and head hash" "device is NULL; head_hash is NULL" \
  "BEGIN;
   CREATE TABLE cp_copy AS SELECT * FROM checkpoints;
   DROP TABLE checkpoints;
   CREATE TABLE checkpoints (source TEXT PRIMARY KEY, device BIGINT, inode BIGINT,
     offset_bytes BIGINT, head_hash TEXT, updated_ns BIGINT);
   INSERT INTO checkpoints SELECT source, NULL, inode, offset_bytes, NULL, updated_ns FROM cp_copy;
   DROP TABLE cp_copy;
   COMMIT;"
echo "PASS: damaged checkpoint rows are logged and skipped; the file is followed from its end, each line once"
