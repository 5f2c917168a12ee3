#!/bin/bash
# The daemon's scheduled domain probe with operator keys (config `domains:` virustotal_* and
# safe_browsing_*), against the loopback reputation fixture
# (tests/fixtures/domain/reputation_server.py; never the internet). No DNS servers: the
# panel is off and no parent is reachable, so only the reputation checks have answers.
#   (a) the VirusTotal key from virustotal_key_file and the Safe Browsing key from
#       $BANNIN_SAFE_BROWSING_KEY reach the services: the stored results are "clean", not
#       "not_checked", and the fixture saw the requests;
#   (b) one engine changes its verdict between rounds (the fixture's answer file is
#       rewritten): a Finding domain.virustotal.engine_changed names the engine and
#       old -> new category, and the domain's timeline has the engine's row;
#   (c) neither key appears in the daemon log, `bannin status --format json`, the API or
#       the SQLite store.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 is not installed"; exit 77; }

FIXD="$ROOT/tests/fixtures/domain"
RADDR="127.$(( 60 + $$ % 150 )).$(( ($$ / 150) % 250 + 1 )).91"
RPORT=$(free_port)
VT_KEY=vt-test-key
SB_KEY=sb-test-key
unset BANNIN_VIRUSTOTAL_KEY BANNIN_SPAMHAUS_DQS_KEY
export BANNIN_SAFE_BROWSING_KEY=$SB_KEY

# The fixture reads $TMP/rep/virustotal/<domain>.json on every request: rewriting it is a
# new VirusTotal report.
mkdir -p "$TMP/rep/virustotal" "$TMP/rep/safebrowsing" "$TMP/logs"
cp "$FIXD/reputation/virustotal/goodshop.test.json" "$TMP/rep/virustotal/goodshop.test.json"
python3 "$FIXD/reputation_server.py" "$RADDR" "$RPORT" "$TMP/rep" "$TMP/rep.pid" "$TMP/hits" \
  >"$TMP/rep.log" 2>&1 &
REP_PID=$!
EXTRA_CLEANUP='kill $REP_PID 2>/dev/null; wait $REP_PID 2>/dev/null'
rep_up() {
  python3 -c "import urllib.request,urllib.error,sys
try: urllib.request.urlopen('http://$RADDR:$RPORT/api/v3/domains/x', timeout=1)
except urllib.error.HTTPError: sys.exit(0)
sys.exit(1)"
}
wait_until 10 "the reputation fixture server" rep_up
: >"$TMP/hits"  # the readiness probe asked without a key

printf '  %s\n' "$VT_KEY" >"$TMP/vt.key"
: >"$TMP/logs/access.log"
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
rule_files: [$ROOT/tests/fixtures/daemon/every_path.yaml, $ROOT/rules/base/domain.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: ""}
sources:
  - type: file
    paths: [$TMP/logs/access.log]
    decoder: combined
domains:
  list: [goodshop.test]
  interval: 1s
  reconfirm_after: 0s
  resolvers: [none]
  parent_servers: ["127.0.0.1:9"]
  timeout_ms: 100
  tries: 1
  dnsbl: false
  rdap: false
  whois: false
  virustotal_key_file: $TMP/vt.key
  virustotal_url: http://$RADDR:$RPORT
  virustotal_rate: unlimited
  safe_browsing_url: http://$RADDR:$RPORT/
YAML

sql_state() {  # CHECK -> stored state of goodshop.test
  sql "SELECT state FROM domain_checks WHERE subject='goodshop.test' AND check_name='$1' AND source_key=''"
}
is_state() { [ "$(sql_state "$1")" = "$2" ]; }
vt_hits() { grep -c -x "vt goodshop.test" "$TMP/hits" 2>/dev/null || true; }
more_vt_hits() { [ "$(vt_hits)" -gt "$1" ]; }
engine_findings() {
  sql "SELECT count(*) FROM findings WHERE rule='domain.virustotal.engine_changed' AND group_json LIKE '%goodshop.test%'"
}
has_engine_finding() { [ "$(engine_findings)" -ge 1 ]; }

# --- (a) the keys reach the services ------------------------------------------------------
"$BANNIN" run --config "$TMP/bannin.yaml" --check >"$TMP/check.out" 2>&1 || fail "--check: $(cat "$TMP/check.out")"
grep -q "VirusTotal key set" "$TMP/check.out" || fail "--check does not say the VirusTotal key is set: $(cat "$TMP/check.out")"
start_daemon
wait_until 15 "goodshop.test virustotal stored as clean" is_state virustotal clean
wait_until 15 "goodshop.test safebrowsing stored as clean" is_state safebrowsing clean
[ "$(sql "SELECT severity FROM domain_checks WHERE subject='goodshop.test' AND check_name='virustotal'")" = ok ] \
  || fail "virustotal not stored with severity ok"
grep -q "^sb goodshop.test$" "$TMP/hits" || fail "Safe Browsing was not asked (the key from the environment)"
grep -q -e "-badkey" "$TMP/hits" && fail "a key was rejected by the fixture: $(sort "$TMP/hits" | uniq -c)"
echo "ok: (a) VirusTotal and Safe Browsing results stored as clean (keys from file and environment)"

# --- (b) one engine changes between rounds -------------------------------------------------
# Let at least two reports be seen so the first is the baseline and nothing changed yet.
n=$(vt_hits)
wait_until 10 "another VirusTotal round" more_vt_hits "$n"
[ "$(engine_findings)" = 0 ] || fail "an unchanged engine list made a finding"
python3 - "$TMP/rep/virustotal/goodshop.test.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
e = d["data"]["attributes"]["last_analysis_results"]["Bfore.Ai PreCrime"]
e["category"], e["result"] = "suspicious", "suspicious"
tmp = p + ".new"
json.dump(d, open(tmp, "w"))
import os; os.replace(tmp, p)
PY
wait_until 15 "finding domain.virustotal.engine_changed for goodshop.test" has_engine_finding
sql "SELECT line FROM evidence e JOIN findings f ON f.id = e.finding_id WHERE f.rule='domain.virustotal.engine_changed'" \
  >"$TMP/evidence.txt"
grep -q "^goodshop.test virustotal.engine: Bfore.Ai PreCrime: harmless (clean) → suspicious (warning); " "$TMP/evidence.txt" \
  || fail "the finding's evidence does not name the engine and old → new: $(cat "$TMP/evidence.txt")"
sql "SELECT group_json FROM findings WHERE rule='domain.virustotal.engine_changed'" | grep -q '"list_name":"Bfore.Ai PreCrime"' \
  || fail "the finding's group lacks the engine"
[ "$(sql "SELECT previous_state || '>' || state FROM domain_history WHERE subject='goodshop.test' AND check_name='virustotal.engine' AND source_key='Bfore.Ai PreCrime'")" = "harmless>suspicious" ] \
  || fail "no timeline row for the engine: $(sql "SELECT * FROM domain_history WHERE subject='goodshop.test'")"
curl -sf "$API/api/v1/domains/goodshop.test" >"$TMP/timeline.json" || fail "GET /api/v1/domains/goodshop.test"
python3 - "$TMP/timeline.json" <<'PY' || fail "API timeline: $(cat "$TMP/timeline.json")"
import json, sys
d = json.load(open(sys.argv[1]))
t = [e for e in d["timeline"] if e["check"] == "virustotal.engine"]
assert len(t) == 1 and t[0]["list"] == "Bfore.Ai PreCrime" and t[0]["to"] == "suspicious", t
PY
grep -q "goodshop.test virustotal engine Bfore.Ai PreCrime: harmless (clean) → suspicious" "$TMP/daemon.log" \
  || fail "no log line for the engine change"
# The same list seen again: no second finding.
n=$(vt_hits)
wait_until 10 "another VirusTotal round" more_vt_hits "$((n + 1))"
[ "$(engine_findings)" = 1 ] || fail "an unchanged list repeated the finding ($(engine_findings))"
echo "ok: (b) one engine's change is a finding naming it, and a timeline row"

# --- (c) the keys are nowhere --------------------------------------------------------------
{ "$BANNIN" status --api "$API" --format json || true; } >"$TMP/status.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["domains"]["enabled"]' "$TMP/status.json" \
  || fail "status JSON: $(cat "$TMP/status.json")"
curl -sf "$API/api/v1/domains" >"$TMP/domains.json" || fail "GET /api/v1/domains"
stop_daemon
for key in "$VT_KEY" "$SB_KEY"; do
  for f in "$TMP/daemon.log" "$TMP/check.out" "$TMP/status.json" "$TMP/domains.json" "$TMP/timeline.json"; do
    [ "$(grep -c -- "$key" "$f" || true)" = 0 ] || fail "the key appears in $(basename "$f")"
  done
  [ "$(sqlite3 "$TMP/bannin.db" .dump | grep -c -- "$key" || true)" = 0 ] || fail "the key appears in the store"
done
# The check is real: the dump holds the domain's rows.
[ "$(sqlite3 "$TMP/bannin.db" .dump | grep -c "goodshop.test")" -gt 0 ] || fail "the store dump is empty"
echo "ok: (c) no key in the log, status, API or store"
echo "all checks passed"
