#!/bin/bash
# The escalation ladder in `bannin run` (observe mode, issue 14 "a second wave escalates one
# step with a notice first"): a form relayed in three waves (log time 05:00, 06:05, 06:25) is
# contained on its path, then warned about, then contained site-wide; the suspend hook is
# configured but observe mode runs nothing. Asserts, from the daemon's own outputs:
#   - the store holds the path decision, the warning (notify_only) and the site decision, in
#     that order, and nothing harder;
#   - the would-be notices (observe-notices.jsonl) carry the warning, to the owner in
#     Japanese (inventory) and to the operator in English;
#   - the recording actuator (observe-actions.jsonl) saw the site decision.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"
mkdir -p "$TMP/logs" "$TMP/var"
LOG="$TMP/logs/access.log"
: >"$LOG"
cat >"$TMP/inventory.yaml" <<YAML
accounts:
  hanako: {contacts: [hanako@shop.example.jp], language: ja}
sites:
  - names: [shop.example.jp]
    account: hanako
    docroot: /home/hanako/www
YAML
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
site: {home_countries: [JP]}
rule_files: [$ROOT/rules/base]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide:
  own_addresses: false
  escalate_prefix: {min_members: 0}
  ladder: {enabled: true, step_time: 1h, warn_lead: 15m}
enforce:
  suspend: {command: [/bin/false, "{account}"]}
inventory: {file: $TMP/inventory.yaml}
notify:
  operator: [ops@host.example]
  gather: 0s
sources:
  - type: file
    paths: [$LOG]
    decoder: vhost_combined
YAML
start_daemon
following() { grep -qF "following $LOG" "$TMP/daemon.log"; }
wait_until 10 "the log followed" following

wave() {  # wave MINUTE NET: 12 foreign POSTs to the form
  python3 - "$1" "$2" >>"$LOG" <<'PY'
import datetime, sys
minute, net = int(sys.argv[1]), int(sys.argv[2])
t0 = datetime.datetime(2026, 11, 25, 5, 0, 0, tzinfo=datetime.timezone.utc)
for i in range(12):
    t = t0 + datetime.timedelta(minutes=minute, seconds=i * 5)
    print('shop.example.jp:443 8.8.%d.%d - - [%s] "POST /contact/ HTTP/1.1" 200 120 "-" "Mozilla/5.0"'
          % (net, i + 1, t.strftime("%d/%b/%Y:%H:%M:%S +0000")))
PY
}
site_rows() { sql "SELECT action || ' ' || scope FROM decisions WHERE scope NOT IN ('ip','prefix') ORDER BY id" | paste -sd, -; }
n_site_rows() { [ "$(sql "SELECT count(*) FROM decisions WHERE scope NOT IN ('ip','prefix')")" -ge "$1" ]; }

wave 0 10
wait_until 30 "the form contained" n_site_rows 1
wave 65 11
wait_until 30 "the warning" n_site_rows 2
[ "$(site_rows)" = "deny vhost_path,notify_only vhost" ] || fail "after the second wave: $(site_rows)"
wave 85 12
wait_until 30 "the whole site contained" n_site_rows 3
warned_notice() { grep -q 'Warning for account hanako' "$TMP/observe-notices.jsonl" 2>/dev/null; }
wait_until 30 "the warning in a notice" warned_notice

# A site decision is revoked by its id (the API's revoke by target takes addresses only; the
# dashboard's button uses ?id= for every other scope).
site_id=$(sql "SELECT id FROM decisions WHERE scope='vhost' AND action='deny'")
[ -n "$site_id" ] || fail "no site decision to revoke"
curl -sf -X DELETE "$API/api/v1/decisions?id=$site_id&note=owner%20fixed%20the%20form" >"$TMP/revoke.json" \
  || fail "DELETE ?id=$site_id"
grep -q "\"revoked\":1" "$TMP/revoke.json" || fail "revoke answer: $(cat "$TMP/revoke.json")"
revoked() { [ "$(sql "SELECT state FROM decisions WHERE id=$site_id")" = revoked ]; }
wait_until 10 "the site decision revoked" revoked
[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$API/api/v1/decisions?id=$site_id")" = 404 ] \
  || fail "a second revoke of the same id is not a 404"
echo "ok: the whole-site decision revoked by its id"
stop_daemon

[ "$(site_rows)" = "deny vhost_path,notify_only vhost,deny vhost" ] || fail "decisions: $(site_rows)"
python3 - "$TMP/observe-notices.jsonl" <<'PY' || fail "notices"
import json, sys
notices = [json.loads(l) for l in open(sys.argv[1])]
warned = [n for n in notices if "Warning for account hanako" in n.get("text", "")
          or "アカウント hanako への警告" in n.get("text", "")]
assert warned, "no notice carries the warning"
langs = sorted({n.get("language") for n in warned})
assert langs == ["en", "ja"], langs   # the owner (ja, inventory) and the operator (en)
print("ok: %d notices, %d with the warning (%s)" % (len(notices), len(warned), ", ".join(langs)))
PY
grep -q '"scope":"vhost"' "$TMP/observe-actions.jsonl" || fail "the site decision was not recorded"
echo "PASS: path, warning notice, whole site — in observe mode, nothing run"
