#!/bin/bash
# The overload guard in observe mode (docs/guard.md): it decides and records, and touches no
# nftables. A guarded service whose level is certain to be crossed (memory available below
# 99.9 %) switches on at the first samples. Asserts: the on finding is stored with its numbers
# and says "observe mode"; the notice stage got it (observe-notices.jsonl); `bannin guard
# status` shows it on; no guard table exists; at stop the guard goes off and that is recorded
# ("daemon stopping").
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: ""}
sources: []
rule_files: [$ROOT/rules/base/kpi.yaml]
notify: {gather: 1s, operator: [ops@example.test]}
enforce: {nftables: {table: bnobs$$}}
guard:
  services:
    - {name: mem, proto: tcp, ports: [110], signal: mem_available, on_below: 99.9%,
       on_after: 1s, hold: 1m}
YAML
start_daemon
on() { [ "$(sql "select count(*) from findings where rule='guard.mem.on'")" = 1 ]; }
wait_until 10 "a guard.mem.on finding" on
sql "select numbers_json from findings where rule='guard.mem.on'" | grep -q '"threshold":99.9' ||
  fail "the on finding lacks its threshold"
sql "select e.line from evidence e join findings f on e.finding_id=f.id where f.rule='guard.mem.on'" |
  grep -q '"enforced":false,"detail":"observe mode' || fail "the on finding does not say observe mode"
noticed() { grep -q '"guard.mem.on"' "$TMP/observe-notices.jsonl"; }
wait_until 10 "the notice of the switch in observe-notices.jsonl" noticed
"$BANNIN" guard status --api "$API" >"$TMP/guard.txt"
cat "$TMP/guard.txt"
grep -q "^  mem .* on since" "$TMP/guard.txt" || fail "guard status does not show it on"
if command -v nft >/dev/null && nft list tables >/dev/null 2>&1; then
  nft list table inet "bnobs$$_guard_mem" >/dev/null 2>&1 && fail "observe mode made an nft table"
fi
stop_daemon
sql "select e.line from evidence e join findings f on e.finding_id=f.id where f.rule='guard.mem.off'" |
  grep -q '"detail":"daemon stopping"' || fail "the off at stop is not recorded"
echo "PASS: observe mode decided, recorded and told, and touched no nftables"
