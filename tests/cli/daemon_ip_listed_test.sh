#!/bin/bash
# Which accounts got the server's address block-listed (issue 17 "Host IP reputation",
# incident S5), with real parts: the daemon reads a Postfix log in which two hosting accounts
# (uids mapped through a passwd file) sent mail in the hour before, and its domain probe
# checks one of the server's own addresses (127.0.0.2, the RFC 5782 test point the test
# bed's zen.spamhaus.org zone lists) against the block-list NSD on loopback. After
# re-confirmation the listing is a finding of the shipped rule domain.state.bad grouped by
# the address, and its evidence — in the store and in the operator's notice — lists the
# accounts that sent the most mail before it, most first, with their counts.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/domain_testbed.sh"
tb_require
EXTRA_CLEANUP="tb_stop"
tb_zones
tb_dnsbl || fail "the block-list NSD did not start"

# The mail log: shop3 (uid 1003) sends 40 messages, blog4 (uid 1004) 6, in the last hour.
mkdir -p "$TMP/logs"
python3 - "$TMP/logs/mail.log" <<'PY'
import datetime, sys
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
lines = []
def message(n, uid, user, minutes_ago, status="sent"):
    t = (now - datetime.timedelta(minutes=minutes_ago)).strftime("%b %e %H:%M:%S")
    q = "%X" % (0xA0000 + n)
    lines.append(f"{t} web1 postfix/pickup[2101]: {q}: uid={uid} from=<{user}>")
    lines.append(f"{t} web1 postfix/qmgr[880]: {q}: from=<{user}@web1.example.jp>, size=2844, nrcpt=1 (queue active)")
    lines.append(f"{t} web1 postfix/smtp[2103]: {q}: to=<r{n}@example.com>, relay=mx.example.com[192.0.2.20]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=2.0.0, status={status} (250 ok)")
for n in range(40):
    message(n, 1003, "shop3", 50 - n, "deferred" if n % 4 == 0 else "sent")
for n in range(40, 46):
    message(n, 1004, "blog4", 30)
open(sys.argv[1], "w").write("".join(l + "\n" for l in lines))
PY
printf 'shop3:x:1003:1003::/home/shop3:/bin/sh\nblog4:x:1004:1004::/home/blog4:/bin/sh\n' >"$TMP/passwd"

cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
rule_files: [$ROOT/rules/base]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
kpi: {enabled: false}
decide: {own_addresses: false, crawlers: ""}
inventory: {passwd_file: $TMP/passwd}
notify: {operator: [ops@host.example], gather: 0s}
sources:
  - type: file
    paths: [$TMP/logs/mail.log]
    decoder: syslog
    start: beginning
domains:
  ips: [127.0.0.2]
  interval: 2s
  reconfirm_after: 3s
  resolvers: [none]
  rdap: false
  dnsbl: true
  dnsbl_server: "$TB_BASE.3:$TB_PORT"
  timeout_ms: 500
  tries: 1
YAML
start_daemon

listed() {
  [ "$(sql "SELECT count(*) FROM findings WHERE rule='domain.state.bad' AND group_json LIKE '%\"127.0.0.2\"%' AND group_json LIKE '%zen.spamhaus.org%'")" -ge 1 ]
}
wait_until 30 "a finding for 127.0.0.2 on zen.spamhaus.org" listed
sql "SELECT e.line FROM evidence e JOIN findings f ON f.id = e.finding_id WHERE f.rule='domain.state.bad' AND f.group_json LIKE '%zen.spamhaus.org%' ORDER BY e.rowid" \
  >"$TMP/evidence.txt"
grep -q "127.0.0.2 dnsbl (zen.spamhaus.org): first state → listed (critical)" "$TMP/evidence.txt" \
  || fail "the listing itself is not in the evidence: $(cat "$TMP/evidence.txt")"
grep -q "#1: account shop3 sent 40 (10 deferred or bounced)" "$TMP/evidence.txt" \
  || fail "shop3 is not named first: $(cat "$TMP/evidence.txt")"
grep -q "#2: account blog4 sent 6 (0 deferred or bounced)" "$TMP/evidence.txt" \
  || fail "blog4 is not named second: $(cat "$TMP/evidence.txt")"
echo "ok: the listing names the accounts that sent the most mail before it, with evidence"

operator_told() {
  [ -f "$TMP/observe-notices.jsonl" ] && python3 - "$TMP/observe-notices.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    n = json.loads(line)
    if "ops@host.example" in n.get("recipients", []) and "account shop3 sent 40" in n.get("text", ""):
        sys.exit(0)
sys.exit(1)
PY
}
wait_until 10 "the operator's notice naming shop3" operator_told
echo "ok: the operator's notice names the account"
stop_daemon
echo "all checks passed"
