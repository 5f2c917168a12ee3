#!/bin/bash
# One pipeline: `bannin replay --config C` must find and decide exactly what `bannin run` with
# the same configuration C stores for the same lines. A generated incident day (form relay,
# brute force, scanners, a distributed wave, benign look-alikes) goes through the daemon
# (observe mode, the file read from its beginning) and through replay with --store; the two
# stores must hold the same findings (time, rule, group, numbers, evidence lines) and the same
# decisions (rule, origin, action, scope, target, TTL, reason), ignoring only row ids and the
# daemon's wall-clock stamps. The configuration turns every decide policy on (caps, repeat
# offenders, prefix escalation, allowlists), so a policy step missing from either side shows.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"
SHARED=${SHARED:-$ROOT/../shared}
if [ ! -f "$SHARED/bench/gen_access_log.py" ]; then
  echo "SKIP: $SHARED/bench/gen_access_log.py not found"
  exit 0
fi

mkdir -p "$TMP/logs"
LOG="$TMP/logs/access.log"
python3 "$SHARED/bench/gen_access_log.py" --lines 30000 --seed 11 --flavor nginx --out "$LOG" >/dev/null
LINES=$(wc -l <"$LOG")

cat >"$TMP/bannin.yaml" <<YAML
mode: observe
site: {home_countries: [JP]}
rule_files: [$ROOT/rules/base]
store: {path: $TMP/bannin.db}
# The host's KPIs (rules/base/kpi.yaml) would add findings of whatever else runs on this
# machine (a parallel test flooding a UDP socket): not what this test is about.
kpi: {enabled: false}
api: {listen: 127.0.0.1:$PORT}
decide:
  allowlist: [198.51.100.0/24]
  max_per_minute: 40
  repeat: {window: 24h, ttl_factor: 2, max_ttl: 7d}
  escalate_prefix: {min_members: 3, v4_len: 24, v6_len: 64, window: 1h}
sources:
  - type: file
    paths: [$LOG]
    decoder: auto
    start: beginning
YAML

start_daemon
decoded() {
  local n
  n=$(status_get 'sum(s["decoded"] + s["decode_errors"] for s in d["sources"])')
  [ "${n:-0}" -ge "$LINES" ]
}
wait_until 120 "the daemon read all $LINES lines" decoded
stop_daemon

"$BANNIN" replay -q --config "$TMP/bannin.yaml" --store "$TMP/replay.db" "$LOG" >"$TMP/replay.jsonl"

# dump DB: findings with their evidence, and decisions, in a canonical order.
dump() {
  sqlite3 -cmd '.timeout 5000' "$1" <<'SQL'
SELECT 'F', f.ts_ns, f.rule, f.group_json, f.numbers_json,
       (SELECT group_concat(line, char(10)) FROM (SELECT line FROM evidence e
          WHERE e.finding_id = f.id ORDER BY seq))
  FROM findings f ORDER BY f.id;
SELECT 'D', rule, origin, action, scope, target_json, ttl_s, reason
  FROM decisions ORDER BY id;
SQL
}
dump "$TMP/bannin.db" >"$TMP/daemon.dump"
dump "$TMP/replay.db" >"$TMP/replay.dump"

nf=$(grep -c '^F|' "$TMP/daemon.dump" || true)
nd=$(grep -c '^D|' "$TMP/daemon.dump" || true)
[ "$nf" -gt 0 ] || fail "the daemon stored no findings for an incident day"
[ "$nd" -gt 0 ] || fail "the daemon stored no decisions for an incident day"
if ! diff -u "$TMP/daemon.dump" "$TMP/replay.dump" >"$TMP/diff"; then
  head -40 "$TMP/diff" >&2
  fail "replay and the daemon differ for the same lines and configuration"
fi
# The policy steps really ran (else the comparison proves little): the cap, escalation or
# the allowlist left a trace in replay's summary.
python3 - "$TMP/replay.jsonl" <<'PY'
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if '"summary"' in l][-1]
steps = {k: s[k] for k in ("decisions_suppressed_cap", "escalations", "decisions_suppressed_active")}
assert s["decisions_suppressed_cap"] > 0 or s["escalations"] > 0, steps
print("policy steps seen:", steps)
PY
echo "ok: $nf findings and $nd decisions identical in the daemon's store and replay's"
