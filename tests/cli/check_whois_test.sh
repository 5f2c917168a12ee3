#!/bin/bash
# End-to-end test of the WHOIS fallback and Spamhaus DQS keys in `bannin check`, against real
# servers on loopback (never the internet), the test bed of tests/cli/lib/domain_testbed.sh:
#   NSD "parent" (fake TLD test.)                               @BASE.1:PORT
#   NSD "child"  (the shops' own zones)                         @BASE.2:PORT
#   NSD "dnsbl"  (<key>.zen.dq.spamhaus.net, <key>.dbl.dq.spamhaus.net, multi.surbl.org,
#                 multi.uribl.com; NOT the public zen/dbl mirrors)  @BASE.3:PORT
#   blackhole (TCP accepted, never answered)                    @BASE.4:WHOIS_PORT
#   WHOIS fixture server (tests/fixtures/domain/whois/)         @BASE.43:WHOIS_PORT
# The RDAP bootstrap given to bannin has no entry for "test", like .jp in the real one, so
# registry status comes from WHOIS. BASE is 127.x.y from this shell's pid.
set -u
BANNIN=${BANNIN:?set BANNIN to the bannin binary}

TMP=$(mktemp -d /tmp/bannin-whois-test.XXXXXX)
. "$(dirname "$0")/lib/domain_testbed.sh"
BASE=$TB_BASE
PORT=$TB_PORT
WHOIS_PORT=$TB_WHOIS_PORT
KEY=bannintestdqskey0123456789   # a test key: the DQS zones in the fixtures carry it
fails=0

cleanup() {
  tb_stop
  rm -rf "$TMP"
}
trap cleanup EXIT
tb_require

die() { echo "FAIL: $*"; for l in "$TMP"/*.log; do [ -s "$l" ] && { echo "--- $l"; tail -20 "$l"; }; done; tb_logs; exit 1; }
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

tb_start_dns || die "parent or child nsd did not start"
tb_nsd dnsbl "$BASE.3" "$KEY.zen.dq.spamhaus.net" "$KEY.dbl.dq.spamhaus.net" multi.surbl.org multi.uribl.com
$TB_TESTBED wait-dns "$BASE.3" "$PORT" "$KEY.zen.dq.spamhaus.net" || die "dnsbl nsd did not start"
tb_blackhole "$WHOIS_PORT"
tb_whois "$TMP/whois-queries.txt"

# A bootstrap without "test" (the shipped one has no .jp either) and a server table for it.
cat > "$TMP/dns.json" <<JSON
{"version":"1.0","publication":"2026-11-24T00:00:00Z","services":[[["example"],["http://$BASE.80:18080/rdap/"]]]}
JSON
cat > "$TMP/whois.yaml" <<YAML
version: 1
servers:
  - tld: test
    server: $BASE.43:$WHOIS_PORT
    query_suffix: "/e"
YAML

# No resolver panel (no unbound here): resolver and DNSBL are "not checked" unless asked.
W=(--parent-servers "$BASE.1:$PORT" --ns-port "$PORT" --resolver none --no-dnsbl
   --rdap-bootstrap "$TMP/dns.json" --whois-servers "$TMP/whois.yaml" --timeout-ms 400 --tries 2
   --now 2026-11-25T00:00:00Z)

run() {  # NAME EXPECTED_EXIT ARGS...
  local name=$1 want=$2; shift 2
  "$BANNIN" check --format json "$@" >"$TMP/$name.json" 2>"$TMP/$name.err"
  local rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name exit $rc"; else bad "$name: exit $rc, want $want"; cat "$TMP/$name.json" "$TMP/$name.err"; fi
}
has() {  # NAME SUBJECT CHECK STATE [SEVERITY] [SOURCE]
  local name=$1 subject=$2 check=$3 state=$4 sev=${5:-} src=${6:-}
  if python3 - "$TMP/$name.json" "$subject" "$check" "$state" "$sev" "$src" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
_, _, subject, check, state, sev, src = sys.argv
for s in doc["subjects"]:
    if s["subject"] != subject:
        continue
    for r in s["results"]:
        if r["check"] == check and r["state"] == state and (not sev or r["severity"] == sev) \
                and (not src or r["source"] == src):
            sys.exit(0)
sys.exit(1)
PY
  then ok "$name: $subject $check=$state${sev:+ ($sev)}${src:+ from $src}"; else bad "$name: no $subject $check=$state${sev:+ ($sev)}${src:+ from $src}"; cat "$TMP/$name.json"; fi
}
never() {  # NAME CHECK STATE
  if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(1 if any(r['check']==sys.argv[2] and r['state']==sys.argv[3] for s in d['subjects'] for r in s['results']) else 0)" "$TMP/$1.json" "$2" "$3"; then
    ok "$1: no $2=$3"; else bad "$1: unexpected $2=$3"; cat "$TMP/$1.json"; fi
}
explained() {  # NAME SUBJECT CHECK STATE: the result carries an explanation
  if python3 -c "
import json,sys
d=json.load(open(sys.argv[1]))
for s in d['subjects']:
    for r in s['results']:
        if s['subject']==sys.argv[2] and r['check']==sys.argv[3] and r['state']==sys.argv[4] and r.get('explanation'):
            sys.exit(0)
sys.exit(1)" "$TMP/$1.json" "$2" "$3" "$4"; then ok "$1: $4 explained"; else bad "$1: $4 without explanation"; cat "$TMP/$1.json"; fi
}

# --- WHOIS -----------------------------------------------------------------------------
# 1. Active (JPRS English, /e): delegated, child ok, registry Active -> 0
run w_active 0 "${W[@]}" goodshop.test
has w_active goodshop.test whois ok ok "$BASE.43:$WHOIS_PORT"
has w_active goodshop.test rdap not_checked info
has w_active goodshop.test delegation delegated ok
grep -q "AgentLock" "$TMP/w_active.json" && ok "w_active: lock status in the detail" || bad "w_active: no lock status"
grep -qF "'goodshop.test/e\r\n'" "$TMP/whois-queries.txt" && ok "query sent as <name>/e CRLF" || { bad "query line"; cat "$TMP/whois-queries.txt"; }

# 2. Suspended (JPRS): critical with an explanation (en and ja), same story as the delegation
run w_suspended 2 "${W[@]}" heldshop.test
has w_suspended heldshop.test whois suspended critical
has w_suspended heldshop.test whois expired critical
has w_suspended heldshop.test delegation delegation_removed critical
explained w_suspended heldshop.test whois suspended
"$BANNIN" check --lang ja "${W[@]}" heldshop.test >"$TMP/w_ja.out"
grep -q "登録回復" "$TMP/w_ja.out" && ok "Japanese explanation of suspended" || { bad "no Japanese explanation"; cat "$TMP/w_ja.out"; }

# 3. Japanese key set in ISO-2022-JP, "To be suspended" -> warning (1)
run w_japanese 1 "${W[@]}" flaggedshop.test
has w_japanese flaggedshop.test whois deletion_requested warning
grep -q "ns1.flaggedshop.test" "$TMP/w_japanese.json" && ok "w_japanese: name server read from [ネームサーバ]" || bad "w_japanese: name server"

# 4. gTLD-style clientHold through --whois-server (override of the table)
run w_gtld 2 "${W[@]}" --whois-server "$BASE.43:$WHOIS_PORT" listedshop.test
has w_gtld listedshop.test whois client_hold critical
explained w_gtld listedshop.test whois client_hold

# 5. organisation type "Connected (2026/12/10)": expiry in brackets -> expires soon (1)
run w_connected 1 "${W[@]}" pendingshop.test
has w_connected pendingshop.test whois ok ok
has w_connected pendingshop.test whois expires_soon warning

# 6. "No match!!" -> not registered (critical)
run w_nomatch 2 "${W[@]}" nosuchshop.test
has w_nomatch nosuchshop.test whois not_registered critical

# 7. garbage -> bad answer, never ok (3: the domain itself is healthy)
run w_garbage 3 "${W[@]}" brokenshop.test
has w_garbage brokenshop.test whois bad_answer unknown
never w_garbage whois ok

# 8. a server that accepts and never answers -> timeout, could not check (3), bounded in time
start=$(date +%s%N)
run w_timeout 3 "${W[@]}" --whois-server "$BASE.4:$WHOIS_PORT" --whois-timeout-ms 500 goodshop.test
took=$(( ($(date +%s%N) - start) / 1000000 ))
has w_timeout goodshop.test whois timeout unknown
never w_timeout whois ok
[ "$took" -lt 5000 ] && ok "w_timeout: bounded (${took} ms)" || bad "w_timeout: took ${took} ms"
# ... and a silent domain on the fixture server, next to a healthy one: one does not block the other
run w_silent 2 "${W[@]}" --whois-timeout-ms 500 silentshop.test goodshop.test
has w_silent silentshop.test whois timeout unknown
has w_silent goodshop.test whois ok ok

# 9. a server that sends too much -> error at the size cap, not a parse of the first 64 KiB
run w_huge 2 "${W[@]}" hugeshop.test
has w_huge hugeshop.test whois error unknown
grep -q "larger than 64 KiB" "$TMP/w_huge.json" && ok "w_huge: size cap named" || bad "w_huge: no size cap text"

# 10. --no-whois: registry status not checked, never clean
run w_off 0 "${W[@]}" --no-whois goodshop.test
never w_off whois ok
has w_off goodshop.test rdap not_checked info

# 11. bad --whois-server -> 3
"$BANNIN" check "${W[@]}" --whois-server "bad host:1" goodshop.test >/dev/null 2>&1; rc=$?
[ $rc -eq 3 ] && ok "bad --whois-server -> 3" || bad "bad --whois-server: exit $rc"

# --- Spamhaus DQS ------------------------------------------------------------------------
printf '%s\n' "$KEY" > "$TMP/dqs.key"
D=(--parent-servers "$BASE.1:$PORT" --ns-port "$PORT" --resolver none --dnsbl-server "$BASE.3:$PORT"
   --no-rdap --no-whois --timeout-ms 400 --tries 2 --now 2026-11-25T00:00:00Z)
ZEN="…zen.dq.spamhaus.net"
DBL="…dbl.dq.spamhaus.net"

# 12. listed in the DQS zone (and only there: the public mirror is not served here)
run dqs_sbl 2 "${D[@]}" --spamhaus-dqs-key-file "$TMP/dqs.key" --ip 203.0.113.10
has dqs_sbl 203.0.113.10 dnsbl listed critical "$ZEN"
run dqs_xbl 2 "${D[@]}" --spamhaus-dqs-key-file "$TMP/dqs.key" --ip 203.0.113.11
has dqs_xbl 203.0.113.11 dnsbl listed critical "$ZEN"
# 13. clean, with the DQS test point passing
run dqs_clean 0 "${D[@]}" --spamhaus-dqs-key-file "$TMP/dqs.key" --ip 203.0.113.1
has dqs_clean 203.0.113.1 dnsbl not_listed ok "$ZEN"
# 14. error codes stay errors: 127.255.255.255 (excess queries), 127.255.255.250 (key disabled)
run dqs_excess 3 "${D[@]}" --spamhaus-dqs-key-file "$TMP/dqs.key" --ip 203.0.113.8
has dqs_excess 203.0.113.8 dnsbl blocked unknown "$ZEN"
never dqs_excess dnsbl listed
run dqs_disabled 3 "${D[@]}" --spamhaus-dqs-key-file "$TMP/dqs.key" --ip 203.0.113.7
has dqs_disabled 203.0.113.7 dnsbl blocked unknown "$ZEN"
grep -q "DQS key disabled" "$TMP/dqs_disabled.json" && ok "dqs_disabled: code named" || bad "dqs_disabled: code not named"
# 15. domains through <key>.dbl.dq.spamhaus.net; key from the environment
BANNIN_SPAMHAUS_DQS_KEY=$KEY run dqs_dbl 2 "${D[@]}" listedshop.test goodshop.test
has dqs_dbl listedshop.test dnsbl listed critical "$DBL"
has dqs_dbl goodshop.test dnsbl not_listed ok "$DBL"
# 16. without a key the public mirror is asked (not served here: an error, never clean)
run dqs_nokey 3 "${D[@]}" --ip 203.0.113.1
has dqs_nokey 203.0.113.1 dnsbl error unknown zen.spamhaus.org
never dqs_nokey dnsbl not_listed
# 17. the key never appears: JSON, text, events, stderr
"$BANNIN" check "${D[@]}" --spamhaus-dqs-key-file "$TMP/dqs.key" --ip 203.0.113.10 >"$TMP/dqs_text.out" 2>"$TMP/dqs_text.err"
BANNIN_SPAMHAUS_DQS_KEY=$KEY "$BANNIN" check --format events "${D[@]}" --ip 203.0.113.8 listedshop.test >"$TMP/dqs_events.out" 2>"$TMP/dqs_events.err"
grep -q "$ZEN" "$TMP/dqs_text.out" && ok "text shows $ZEN" || { bad "text does not show the masked zone"; cat "$TMP/dqs_text.out"; }
if grep -l "$KEY" "$TMP"/dqs_*.json "$TMP"/dqs_*.err "$TMP"/dqs_*.out; then bad "the DQS key leaked"; else ok "the DQS key appears in no output"; fi
# 18. a bad key is refused without echoing it
printf 'not.a/key\n' > "$TMP/bad.key"
"$BANNIN" check "${D[@]}" --spamhaus-dqs-key-file "$TMP/bad.key" --ip 203.0.113.1 >/dev/null 2>"$TMP/badkey.err"; rc=$?
[ $rc -eq 3 ] && ! grep -q "not.a/key" "$TMP/badkey.err" && ok "bad key -> 3, not echoed" || { bad "bad key: exit $rc"; cat "$TMP/badkey.err"; }

if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
