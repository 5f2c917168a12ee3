#!/bin/bash
# `bannin replay --store FILE` keeps the audit trail in a real SQLite file: every printed
# finding (with its evidence lines) and decision is in the tables, a second replay appends,
# and a file from a newer bannin is refused with a clear error.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BANNIN:?BANNIN must point at the bannin binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case_dir=$ROOT/tests/scenarios/web/form_relay_wave
"$BANNIN" replay -q --rules "$ROOT/rules/base" -o site.home_countries=JP --store "$tmp/a.db" \
  "$case_dir/input.log" > "$tmp/out.jsonl"
findings=$(grep -c '"type":"finding"' "$tmp/out.jsonl")
decisions=$(grep -c '"type":"decision"' "$tmp/out.jsonl")
[ "$(sqlite3 "$tmp/a.db" 'SELECT COUNT(*) FROM findings;')" = "$findings" ]
[ "$(sqlite3 "$tmp/a.db" 'SELECT COUNT(*) FROM decisions;')" = "$decisions" ]
[ "$(sqlite3 "$tmp/a.db" "SELECT COUNT(*) FROM decisions WHERE scope='vhost_path' AND target_json LIKE '%\"except_countries\":[\"JP\"]%';")" = 1 ]
# Evidence lines are the raw log lines.
sqlite3 "$tmp/a.db" 'SELECT line FROM evidence;' | grep -q 'POST /contact/ HTTP/1.1'
[ "$(sqlite3 "$tmp/a.db" 'PRAGMA journal_mode;')" = wal ]
# Every decision has its "proposed" history row.
[ "$(sqlite3 "$tmp/a.db" "SELECT COUNT(*) FROM decision_history WHERE state='proposed';")" = "$decisions" ]
# A second run appends.
"$BANNIN" replay -q --rules "$ROOT/rules/base" -o site.home_countries=JP --store "$tmp/a.db" \
  "$case_dir/input.log" > /dev/null
[ "$(sqlite3 "$tmp/a.db" 'SELECT COUNT(*) FROM decisions;')" = "$((decisions * 2))" ]
# A newer schema is refused, the file untouched.
sqlite3 "$tmp/a.db" 'PRAGMA user_version=99;'
if "$BANNIN" replay -q --rules "$ROOT/rules/base" --store "$tmp/a.db" "$case_dir/input.log" \
    > /dev/null 2> "$tmp/err"; then
  echo "FAIL: newer store accepted" >&2; exit 1
fi
grep -q "newer bannin" "$tmp/err"
echo "ok: $findings findings and $decisions decisions stored with evidence and history"
