#!/bin/bash
# The daemon's scheduled domain probe (config `domains:`, incident S1) against real DNS
# servers on loopback (tests/cli/lib/domain_testbed.sh; never the internet):
#   (a) healthy: goodshop.test's delegation and child checks are stored as ok, and no
#       finding is made of a first, healthy state;
#   (b) a flap: flaggedshop.test's delegation disappears from the parent and comes back
#       before the re-check: the candidate state is seen (pending in the API), then counted
#       "not confirmed"; no finding, the stored state stays "delegated";
#   (c) a hold: goodshop.test's delegation is removed from the parent zone and stays
#       removed: after re-confirmation (not before reconfirm_after) a Finding of the shipped
#       rule domain.state.bad (rules/base/domain.yaml; group state delegation_removed) is in
#       the store with the parent's answer as evidence, and GET /api/v1/domains/goodshop.test shows the timeline
#       delegated -> delegation_removed; `bannin status` names the domain as a problem;
#       the shop's owner (inventory, Japanese) and the operator (English) get a notice;
#   (b2) flaggedshop.test's delegation is repointed at the parent (ns1 -> ns2): one Finding
#       domain.delegation.ns_changed with "NS old → new" evidence and a delegation.ns row;
#   (d) SIGTERM while a check waits on a blackhole server (timeouts far longer than the
#       stop) ends the daemon promptly, and the unfinished round is not stored.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/domain_testbed.sh"
tb_require
EXTRA_CLEANUP="tb_stop"
tb_start_dns || fail "the DNS test bed did not start"

mkdir -p "$TMP/logs"
: >"$TMP/logs/access.log"
FIX="$ROOT/tests/fixtures/daemon"
RECONFIRM=4
# write_config DOMAINS TIMEOUT_MS TRIES
write_config() {
  cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
rule_files: [$FIX/every_path.yaml, $ROOT/rules/base/domain.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: ""}
sources:
  - type: file
    paths: [$TMP/logs/access.log]
    decoder: combined
inventory: {file: $TMP/inventory.yaml}
notify: {operator: [ops@host.example], gather: 0s}
domains:
  list: [$1]
  interval: 2s
  reconfirm_after: ${RECONFIRM}s
  parent_servers: ["$TB_BASE.1:$TB_PORT"]
  ns_port: $TB_PORT
  resolvers: [none]
  dnsbl: false
  rdap: false
  timeout_ms: $2
  tries: $3
YAML
}
# goodshop.test belongs to a shop whose owner reads Japanese (S1: the shop is told first).
cat >"$TMP/inventory.yaml" <<'YAML'
accounts:
  goodshop:
    contacts: [owner@goodshop.test]
    language: ja
sites:
  - names: [www.goodshop.test]
    account: goodshop
YAML
api() { curl -sf "$API$1"; }
stored_state() {  # SUBJECT CHECK -> state
  sql "SELECT state FROM domain_checks WHERE subject='$1' AND check_name='$2' AND source_key=''"
}
is_state() { [ "$(stored_state "$1" "$2")" = "$3" ]; }
findings_of() {  # RULE SUBJECT [STATE] -> count
  sql "SELECT count(*) FROM findings WHERE rule='$1' AND group_json LIKE '%\"$2\"%' AND group_json LIKE '%\"${3:-}%'"
}
has_finding() { [ "$(findings_of "$@")" -ge 1 ]; }
pending_for() {  # SUBJECT STATE: the API shows a candidate waiting for its re-check
  api "/api/v1/domains/$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if any(p["state"] == sys.argv[1] for p in d["pending"]) else 1)' "$2"
}
not_confirmed() { [ "$(status_get "d['domains']['not_confirmed']")" -ge "$1" ]; }

# --- (a) healthy ------------------------------------------------------------------------
write_config "goodshop.test, flaggedshop.test" 300 1
"$BANNIN" run --config "$TMP/bannin.yaml" --check >"$TMP/check.out" 2>&1 || fail "--check: $(cat "$TMP/check.out")"
grep -q "domain probe: 2 domains" "$TMP/check.out" || fail "--check does not mention the probe"
start_daemon
wait_until 20 "goodshop.test delegation stored as delegated" is_state goodshop.test delegation delegated
wait_until 20 "goodshop.test child stored as ok" is_state goodshop.test child ok
wait_until 20 "flaggedshop.test delegation stored as delegated" is_state flaggedshop.test delegation delegated
[ "$(sql "SELECT severity FROM domain_checks WHERE subject='goodshop.test' AND check_name='delegation'")" = ok ] \
  || fail "goodshop.test delegation not stored with severity ok"
[ "$(sql "SELECT count(*) FROM findings WHERE rule LIKE 'domain.%'")" = 0 ] \
  || fail "a healthy first state made a finding: $(sql "SELECT rule, group_json FROM findings")"
api /api/v1/domains | python3 -c '
import json, sys
d = json.load(sys.stdin)
names = [x.get("domain") for x in d["domains"]]
assert names == ["goodshop.test", "flaggedshop.test"], names
good = d["domains"][0]
assert any(c["check"] == "delegation" and c["state"] == "delegated" for c in good["checks"]), good
' || fail "GET /api/v1/domains"
echo "ok: (a) healthy domains stored as ok, no finding"

# --- (b) a flap the re-check does not confirm --------------------------------------------
tb_parent_zone remove flaggedshop >/dev/null || fail "parent NSD did not come back"
wait_until 15 "flaggedshop.test delegation_removed pending re-confirmation" \
  pending_for flaggedshop.test delegation_removed
tb_parent_zone restore >/dev/null || fail "parent NSD did not come back"
wait_until 20 "the flap counted as not confirmed" not_confirmed 1
grep -q "flaggedshop.test delegation: delegation_removed not confirmed" "$TMP/daemon.log" \
  || fail "no 'not confirmed' log line for flaggedshop.test"
# Several rounds later the old state still stands and nothing was found.
sleep $((RECONFIRM + 2))
is_state flaggedshop.test delegation delegated || fail "flaggedshop.test state changed: $(stored_state flaggedshop.test delegation)"
[ "$(findings_of domain.state.bad flaggedshop.test delegation_removed)" = 0 ] \
  || fail "an unconfirmed flap became a finding"
[ "$(sql "SELECT count(*) FROM domain_history WHERE subject='flaggedshop.test' AND state='delegation_removed'")" = 0 ] \
  || fail "an unconfirmed flap is in the history"
echo "ok: (b) a flap was not confirmed: no finding, state kept"

# --- (b2) an NS change at the parent: flaggedshop.test repointed to ns2.flaggedshop.test --
# (the flap above was a round without a delegation: it changed no NS set.)
[ "$(findings_of domain.delegation.ns_changed flaggedshop.test)" = 0 ] \
  || fail "a removed and restored delegation made an NS change finding"
tb_parent_zone repoint flaggedshop >/dev/null || fail "parent NSD did not come back"
grep -q "^flaggedshop .* NS ns2.flaggedshop.test." "$TB_DIR/zones/test.zone" || fail "repoint did not edit the zone"
wait_until 15 "finding domain.delegation.ns_changed for flaggedshop.test" \
  has_finding domain.delegation.ns_changed flaggedshop.test
sql "SELECT line FROM evidence e JOIN findings f ON f.id = e.finding_id WHERE f.rule='domain.delegation.ns_changed'" \
  | grep -q "NS ns1.flaggedshop.test → ns2.flaggedshop.test" || fail "NS finding evidence: $(sql 'SELECT line FROM evidence')"
[ "$(sql "SELECT previous_state || '>' || state FROM domain_history WHERE subject='flaggedshop.test' AND check_name='delegation.ns'")" = "ns1.flaggedshop.test>ns2.flaggedshop.test" ] \
  || fail "NS change timeline: $(sql "SELECT check_name, previous_state, state FROM domain_history WHERE subject='flaggedshop.test'")"
sleep 5  # two more rounds with the new set: no second finding
[ "$(findings_of domain.delegation.ns_changed flaggedshop.test)" = 1 ] || fail "more than one finding for one NS change"
[ "$(findings_of domain.delegation.ns_changed goodshop.test)" = 0 ] || fail "an NS change finding for goodshop.test"
echo "ok: (b2) an NS change at the parent is one finding domain.delegation.ns_changed"

# --- (c) a hold: confirmed after reconfirm_after -----------------------------------------
tb_parent_zone remove goodshop >/dev/null || fail "parent NSD did not come back"
wait_until 30 "finding domain.state.bad (delegation_removed) for goodshop.test" \
  has_finding domain.state.bad goodshop.test delegation_removed
is_state goodshop.test delegation delegation_removed || fail "stored state: $(stored_state goodshop.test delegation)"
sql "SELECT line FROM evidence e JOIN findings f ON f.id = e.finding_id WHERE f.rule='domain.state.bad'" \
  | grep -q "NXDOMAIN" || fail "the finding's evidence lacks the parent's answer: $(sql 'SELECT line FROM evidence')"
gap=$(sql "SELECT (ts_ns - first_seen_ns) / 1000000000 FROM domain_history WHERE subject='goodshop.test' AND state='delegation_removed'")
[ "$gap" -ge "$RECONFIRM" ] || fail "confirmed ${gap}s after first seen, before reconfirm_after (${RECONFIRM}s)"
[ "$(findings_of domain.state.bad goodshop.test delegation_removed)" = 1 ] || fail "more than one finding for one change"
api /api/v1/domains/goodshop.test >"$TMP/timeline.json" || fail "GET /api/v1/domains/goodshop.test"
python3 - "$TMP/timeline.json" <<'PY' || fail "timeline: $(cat "$TMP/timeline.json")"
import json, sys
d = json.load(open(sys.argv[1]))
t = [(e["check"], e["from"], e["to"]) for e in d["timeline"] if e["check"] == "delegation"]
assert t == [("delegation", "", "delegated"), ("delegation", "delegated", "delegation_removed")], t
last = [e for e in d["timeline"] if e["to"] == "delegation_removed"][0]
assert last["severity"] == "critical" and last["first_seen"] < last["ts"], last
PY
api /api/v1/domains/nosuch.test >/dev/null 2>&1 && fail "an unknown domain is not a 404"
rc=0; "$BANNIN" status --api "$API" >"$TMP/status.txt" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "bannin status exit $rc with a critical domain"
grep -q "domain goodshop.test: delegation delegation_removed" "$TMP/status.txt" || fail "status: $(cat "$TMP/status.txt")"
# The notice (observe mode: written to observe-notices.jsonl beside the store): the owner
# named in the inventory for www.goodshop.test gets it in Japanese, the operator in English,
# both pointing at `bannin check goodshop.test`.
notice_for() {  # RECIPIENT LANGUAGE
  [ -f "$TMP/observe-notices.jsonl" ] && python3 - "$TMP/observe-notices.jsonl" "$1" "$2" <<'PY'
import json, sys
path, who, lang = sys.argv[1:4]
for line in open(path, encoding="utf-8"):
    n = json.loads(line)
    if who in n.get("recipients", []) and n.get("language") == lang \
            and "bannin check goodshop.test" in n.get("text", "") \
            and "delegation_removed" in n.get("text", ""):
        sys.exit(0)
sys.exit(1)
PY
}
wait_until 10 "a Japanese notice to the shop's owner" notice_for owner@goodshop.test ja
wait_until 10 "an English notice to the operator" notice_for ops@host.example en
echo "ok: (c) the hold is a re-confirmed finding, in the store, the API timeline and the notices"

# A restart keeps the confirmed states: no second finding for the same hold. (start_daemon
# waits for `bannin status` to succeed; with a critical domain it exits 1, so wait on /health.)
stop_daemon
"$BANNIN" run --config "$TMP/bannin.yaml" >>"$TMP/daemon.log" 2>&1 &
DPID=$!
wait_until 10 "the API after a restart" api /health
restarted_round() { [ "$(grep -c "domain probe: 2 domains" "$TMP/daemon.log")" -ge 2 ]; }
wait_until 10 "the probe after a restart" restarted_round
sleep $((RECONFIRM + 2))  # rounds at 2 s: a repeated finding would be confirmed by now
[ "$(findings_of domain.state.bad goodshop.test delegation_removed)" = 1 ] || fail "a restart repeated the finding"
stop_daemon

# --- (d) SIGTERM while a check waits on a blackhole ----------------------------------------
# deadshop.test is delegated to the blackhole: each child query waits 4 s x 2 tries.
write_config "deadshop.test" 4000 2
rm -f "$TMP/bannin.db" "$TMP/bannin.db-wal" "$TMP/bannin.db-shm"
start_daemon
probe_started() { grep -q "domain probe: 1 domains" "$TMP/daemon.log"; }
wait_until 10 "the probe started" probe_started
sleep 1  # the first round is in its child step, waiting on the blackhole
t0=$(date +%s%N)
kill -TERM "$DPID"
for _ in $(seq 200); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$DPID" 2>/dev/null && fail "the daemon did not stop within 10 s of SIGTERM"
wait "$DPID" || fail "the daemon exited with status $? after SIGTERM"
DPID=""
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 4000 ] || fail "stopping took ${ms} ms while a check waited on a blackhole (one try is 4000 ms)"
[ "$(sql "SELECT count(*) FROM domain_checks WHERE subject='deadshop.test'")" = 0 ] \
  || fail "a cancelled round was stored"
echo "ok: (d) SIGTERM during a check: stopped in ${ms} ms, the cancelled round not stored"
echo "all checks passed"
