#!/bin/bash
# /metrics passes Prometheus' own linter: `promtool check metrics` (Debian's prometheus
# package) on the text of a running daemon that has read lines, fired a rule, decided, and
# answered a bouncer, so the per-source, per-rule and bouncer series are all present.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"
command -v promtool >/dev/null || fail "promtool is not installed (tools/setup.sh installs prometheus)"

mkdir -p "$TMP/logs"
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
rule_files: [$ROOT/tests/fixtures/daemon/every_path.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: ""}
sources:
  - type: file
    paths: [$TMP/logs/access.log]
    decoder: combined
YAML
touch "$TMP/logs/access.log"
"$BANNIN" bouncers add prom --key prom-key-0123456789abcdef --store "$TMP/bannin.db" >/dev/null 2>&1
start_daemon
for i in 1 2 3; do
  printf '192.0.2.7 - - [25/Nov/2026:10:00:0%s +0000] "POST /login HTTP/1.1" 200 10 "-" "t"\n' "$i" \
    >>"$TMP/logs/access.log"
done
decided() { [ "$(sql "SELECT COUNT(*) FROM decisions")" -ge 1 ]; }
wait_for 10 "a decision" decided
curl -sf -H "X-Api-Key: prom-key-0123456789abcdef" "$API/v1/decisions/stream?startup=true" >/dev/null ||
  fail "the bouncer stream did not answer"
curl -sf "$API/metrics" >"$TMP/metrics.txt" || fail "GET /metrics failed"
grep -q '^bannin_source_lines_total{' "$TMP/metrics.txt" || fail "no per-source series"
grep -q '^bannin_bouncer_polls_total 1' "$TMP/metrics.txt" || fail "bouncer poll not counted"
# Per-rule series (api/rule_metrics.h): the rule that fired has its findings and decisions.
grep -qE '^bannin_rule_findings_total\{rule="[^"]+"\} [1-9]' "$TMP/metrics.txt" || fail "no per-rule findings series"
grep -qE '^bannin_rule_decisions_total\{rule="[^"]+"\} [1-9]' "$TMP/metrics.txt" || fail "no per-rule decisions series"
# The Grafana dashboard (contrib/grafana/bannin.json) names only series the daemon serves.
for name in $(grep -oE 'bannin_[a-z_]+' "$ROOT/contrib/grafana/bannin.json" | sort -u); do
  grep -q "^$name[{ ]" "$TMP/metrics.txt" || fail "contrib/grafana/bannin.json uses $name, /metrics has no such series"
done
if ! promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1; then
  cat "$TMP/promtool.out" >&2
  fail "promtool check metrics found problems"
fi
stop_daemon
echo "PASS: /metrics passes promtool check metrics ($(grep -c '^# TYPE' "$TMP/metrics.txt") metric families)"
