#!/bin/bash
# End-to-end test of `bannin check` against real servers on loopback (never the internet),
# the test bed of tests/cli/lib/domain_testbed.sh:
#   NSD "parent" (fake TLD test.)         @BASE.1:PORT
#   NSD "child"  (the shops' own zones)   @BASE.2:PORT   (not authoritative for lameshop.test)
#   NSD "dnsbl"  (zen/dbl.spamhaus.org, multi.surbl.org, multi.uribl.com, served locally)
#                                         @BASE.3:PORT
#   blackhole (never answers)             @BASE.4:PORT
#   unbound "A" (plain resolver)          @BASE.53:PORT
#   unbound "B" (filtering resolver: blocks flaggedshop.test with NXDOMAIN, no SOA)
#                                         @BASE.54:PORT
#   RDAP fixture HTTP server              @BASE.80:RDAP_PORT
# BASE is 127.x.y from this shell's pid, so parallel runs do not collide. Every daemon is
# started here with its own config and pid file in a temp dir and stopped at the end.
# A daemon that does not start fails the test (setup.sh installs nsd and unbound).
set -u
BANNIN=${BANNIN:?set BANNIN to the bannin binary}
# Operator keys in the environment would send Safe Browsing / VirusTotal queries to the
# internet; this test expects them "not_checked" (check_reputation_test.sh tests them).
unset BANNIN_SAFE_BROWSING_KEY BANNIN_VIRUSTOTAL_KEY

TMP=$(mktemp -d /tmp/bannin-check-test.XXXXXX)
. "$(dirname "$0")/lib/domain_testbed.sh"
BASE=$TB_BASE
PORT=$TB_PORT
RDAP_PORT=$TB_RDAP_PORT
TESTBED=$TB_TESTBED
fails=0

cleanup() {
  tb_stop
  rm -rf "$TMP"
}
trap cleanup EXIT
tb_require unbound

die() { echo "FAIL: $*"; for l in "$TMP"/*.log; do [ -s "$l" ] && { echo "--- $l"; tail -20 "$l"; }; done; tb_logs; exit 1; }
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# --- the test bed ----------------------------------------------------------------------
tb_start_dns || die "parent or child nsd did not start"
tb_dnsbl || die "dnsbl nsd did not start"
tb_rdap
tb_resolvers || die "unbound A or B did not start"
tb_wait_rdap
DNS_JSON=$TB_DIR/dns.json  # the RDAP bootstrap: "test" -> the fixture server

# Common options: every server on loopback; nothing else is ever asked.
# BASIC has neither a resolver nor a clock; COMMON adds resolver A and a fixed "now".
BASIC=(--parent-servers "$BASE.1:$PORT" --ns-port "$PORT"
       --dnsbl-server "$BASE.3:$PORT" --rdap-bootstrap "$DNS_JSON" --timeout-ms 400 --tries 2
       --rdap-timeout-ms 3000)
COMMON=("${BASIC[@]}" --resolver "$BASE.53:$PORT" --now 2026-11-25T00:00:00Z)

# run NAME EXPECTED_EXIT ARGS... : runs bannin check --format json, keeps the output in $TMP/NAME.json
run() {
  local name=$1 want=$2; shift 2
  "$BANNIN" check --format json "$@" >"$TMP/$name.json" 2>"$TMP/$name.err"
  local rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name exit $rc"; else bad "$name: exit $rc, want $want"; cat "$TMP/$name.json" "$TMP/$name.err"; fi
}
# has NAME SUBJECT CHECK STATE [SEVERITY]: the JSON output holds that result
has() {
  local name=$1 subject=$2 check=$3 state=$4 sev=${5:-}
  if python3 - "$TMP/$name.json" "$subject" "$check" "$state" "$sev" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
_, _, subject, check, state, sev = sys.argv
for s in doc["subjects"]:
    if s["subject"] != subject:
        continue
    for r in s["results"]:
        if r["check"] == check and r["state"] == state and (not sev or r["severity"] == sev):
            sys.exit(0)
sys.exit(1)
PY
  then ok "$name: $subject $check=$state${sev:+ ($sev)}"; else bad "$name: no $subject $check=$state${sev:+ ($sev)}"; cat "$TMP/$name.json"; fi
}
# never NAME STATE: no result has this state (e.g. a timeout must never read as ok)
never() {
  if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(1 if any(r['state']==sys.argv[2] for s in d['subjects'] for r in s['results']) else 0)" "$TMP/$1.json" "$2"; then
    ok "$1: no state $2"; else bad "$1: unexpected state $2"; cat "$TMP/$1.json"; fi
}

# 1. healthy: referral, authoritative child, resolver ok, RDAP active, lists clean (canaries pass)
run healthy 0 "${COMMON[@]}" goodshop.test
has healthy goodshop.test delegation delegated ok
has healthy goodshop.test child ok ok
has healthy goodshop.test resolver ok ok
has healthy goodshop.test rdap ok ok
has healthy goodshop.test dnsbl not_listed ok
has healthy goodshop.test safebrowsing not_checked info
has healthy goodshop.test virustotal not_checked info
if python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['subjects'][0]; sys.exit(s.get('nameservers') != ['ns1.goodshop.test'])" "$TMP/healthy.json"; then
  ok "healthy: nameservers lists the parent's NS set"; else bad "healthy: nameservers"; cat "$TMP/healthy.json"; fi

# 2. held (S1): NXDOMAIN+AA at the parent although the child server still serves the zone
run held 2 "${COMMON[@]}" heldshop.test
has held heldshop.test delegation delegation_removed critical
has held heldshop.test resolver nxdomain critical
has held heldshop.test rdap server_hold critical
has held heldshop.test child not_checked info
if python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['subjects'][0]; sys.exit('nameservers' in s)" "$TMP/held.json"; then
  ok "held: no nameservers without a delegation"; else bad "held: nameservers present"; cat "$TMP/held.json"; fi
$TESTBED wait-dns "$BASE.2" "$PORT" heldshop.test >/dev/null && ok "held: child server still answers for heldshop.test"

# 3. EPP camelCase / WHOIS URL spellings through --rdap-server, and pending delete
run held_epp 2 "${COMMON[@]}" --rdap-server "http://$BASE.80:$RDAP_PORT/rdap/" --no-dnsbl heldepp.test
has held_epp heldepp.test rdap server_hold critical
run pending 2 "${COMMON[@]}" pendingshop.test
has pending pendingshop.test rdap pending_delete critical
has pending pendingshop.test rdap expired critical
has pending pendingshop.test delegation delegated ok

# 4. lame: the delegated server refuses (REFUSED), the resolver SERVFAILs
run lame 2 "${COMMON[@]}" lameshop.test
has lame lameshop.test child lame warning
has lame lameshop.test child lame_delegation critical
has lame lameshop.test resolver servfail critical

# 5. dead name server: timeouts are a state of their own
run dead 2 "${BASIC[@]}" --resolver none deadshop.test
has dead deadshop.test child lame_timeout
has dead deadshop.test child lame_delegation critical

# 6. filtered: resolver B answers NXDOMAIN without SOA; A resolves it -> disagreement
run filtered 1 "${BASIC[@]}" --resolver "$BASE.53:$PORT" --resolver "$BASE.54:$PORT" flaggedshop.test
has filtered flaggedshop.test resolver filtered warning
has filtered flaggedshop.test resolver disagreement warning
has filtered flaggedshop.test resolver ok ok

# 7. listed on DBL (phishing) and SURBL (MW+ABUSE); URIBL clean
run listed 2 "${COMMON[@]}" listedshop.test
has listed listedshop.test dnsbl listed critical
has listed listedshop.test dnsbl not_listed ok
grep -q 'phishing' "$TMP/listed.json" && grep -q 'ABUSE' "$TMP/listed.json" && ok "listed: codes named" || bad "listed: codes not named"

# 8. IPs: SBL listed (2), PBL only (1), error code 127.255.255.254 (3, never a listing), clean (0)
run ip_sbl 2 "${COMMON[@]}" --ip 203.0.113.10
has ip_sbl 203.0.113.10 dnsbl listed critical
run ip_pbl 1 "${COMMON[@]}" --ip 203.0.113.9
has ip_pbl 203.0.113.9 dnsbl listed warning
run ip_error 3 "${COMMON[@]}" --ip 203.0.113.8
has ip_error 203.0.113.8 dnsbl blocked unknown
never ip_error listed
run ip_clean 0 "${COMMON[@]}" --ip 203.0.113.1
has ip_clean 203.0.113.1 dnsbl not_listed ok

# 9. RDAP trouble: malformed JSON, 429 with Retry-After, a redirect, unknown domain (404)
run rdap_bad 3 "${COMMON[@]}" brokenshop.test
has rdap_bad brokenshop.test rdap bad_answer unknown
run rdap_429 3 "${COMMON[@]}" --rdap-server "http://$BASE.80:$RDAP_PORT/ratelimit/" goodshop.test
has rdap_429 goodshop.test rdap rate_limited unknown
grep -q 'Retry-After 120' "$TMP/rdap_429.json" && ok "rdap_429: Retry-After shown" || bad "rdap_429: no Retry-After"
run rdap_moved 0 "${COMMON[@]}" --rdap-server "http://$BASE.80:$RDAP_PORT/moved/" goodshop.test
has rdap_moved goodshop.test rdap ok ok
# goodshop.test expires 2027-11-22: twelve days before, it is a warning
run expiring_soon 1 "${BASIC[@]}" --resolver "$BASE.53:$PORT" --now 2027-11-10T00:00:00Z goodshop.test
has expiring_soon goodshop.test rdap expires_soon warning

# 10. every server timing out: parent, resolver, lists and RDAP -> 3, nothing reads as clean
run all_timeout 3 --parent-servers "$BASE.4:$PORT" --resolver "$BASE.4:$PORT" --dnsbl-server "$BASE.4:$PORT" \
  --rdap-server "http://$BASE.4:$PORT/" --timeout-ms 200 --tries 1 --rdap-timeout-ms 500 goodshop.test --ip 203.0.113.1
has all_timeout goodshop.test delegation timeout unknown
has all_timeout goodshop.test resolver timeout unknown
has all_timeout goodshop.test rdap timeout unknown
has all_timeout goodshop.test dnsbl timeout unknown
has all_timeout 203.0.113.1 dnsbl timeout unknown
never all_timeout ok
never all_timeout not_listed

# 11. several domains at once: the worst decides the exit code
run many 2 "${COMMON[@]}" goodshop.test heldshop.test
has many goodshop.test delegation delegated ok
has many heldshop.test delegation delegation_removed critical

# 12. output forms: text (en/ja) and domain.status events
"$BANNIN" check "${COMMON[@]}" heldshop.test >"$TMP/text.out"; rc=$?
[ $rc -eq 2 ] && grep -q "CRITICAL" "$TMP/text.out" && grep -q "registrar" "$TMP/text.out" \
  && ok "text output" || bad "text output (rc $rc)"
"$BANNIN" check --lang ja "${COMMON[@]}" heldshop.test >"$TMP/ja.out"
grep -q "レジストラ" "$TMP/ja.out" && ok "Japanese explanation" || bad "no Japanese explanation"
"$BANNIN" check --format events "${COMMON[@]}" heldshop.test >"$TMP/events.out"
if python3 - "$TMP/events.out" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert evs and all(e["kind"] == "domain.status" for e in evs), evs
assert any(e.get("check") == "delegation" and e.get("state") == "delegation_removed" and e.get("domain") == "heldshop.test" for e in evs), evs
PY
then ok "events output"; else bad "events output"; cat "$TMP/events.out"; fi

# 13. bad arguments: could not check
"$BANNIN" check "bad domain!" >/dev/null 2>&1; rc=$?
[ $rc -eq 3 ] && ok "bad domain -> 3" || bad "bad domain: exit $rc"
"$BANNIN" check --ip 999.1.1.1 >/dev/null 2>&1; rc=$?
[ $rc -eq 3 ] && ok "bad ip -> 3" || bad "bad ip: exit $rc"

# 14. the parent zone found through the resolver, the way a resolver finds a zone cut (no
# --parent-servers): shop.co.test is delegated by test., and co.test is no zone of its own
# (NODATA with the SOA of test), as example.co.jp is delegated by jp. Parent and delegated
# servers are asked at --ns-port (the test bed's port).
FOUND=(--resolver "$BASE.53:$PORT" --ns-port "$PORT" --dnsbl-server "$BASE.3:$PORT"
       --rdap-bootstrap "$DNS_JSON" --timeout-ms 400 --tries 2 --rdap-timeout-ms 3000
       --now 2026-11-25T00:00:00Z)
# detail NAME SUBJECT CHECK TEXT: the first result of CHECK for SUBJECT has TEXT in its detail
detail() {
  if python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
r = [r for s in d['subjects'] if s['subject'] == sys.argv[2] for r in s['results'] if r['check'] == sys.argv[3]]
sys.exit(0 if r and sys.argv[4] in r[0]['detail'] else 1)" "$TMP/$1.json" "$2" "$3" "$4"; then
    ok "$1: $2 $3 detail has \"$4\""; else bad "$1: $2 $3 detail lacks \"$4\""; cat "$TMP/$1.json"; fi
}
run co_found 0 "${FOUND[@]}" shop.co.test
has co_found shop.co.test delegation delegated ok
has co_found shop.co.test child ok ok
has co_found shop.co.test resolver ok ok
has co_found shop.co.test rdap ok ok
detail co_found shop.co.test delegation "parent zone 'test'"
detail co_found shop.co.test delegation "no zone at 'co.test'"
# a name under co.test that the parent does not delegate (held): the parent is still found
# and says so, instead of "the parent zone's servers could not be found"
run co_held 2 "${FOUND[@]}" gone.co.test
has co_held gone.co.test delegation delegation_removed critical
never co_held error
# a plain second-level name through the resolver, and several domains sharing the search
run tld_found 0 "${FOUND[@]}" goodshop.test
has tld_found goodshop.test delegation delegated ok
run mixed 2 "${FOUND[@]}" shop.co.test goodshop.test gone.co.test heldshop.test
has mixed shop.co.test delegation delegated ok
has mixed goodshop.test delegation delegated ok
has mixed gone.co.test delegation delegation_removed critical
has mixed heldshop.test delegation delegation_removed critical
# the resolver never answers: the parent cannot be found, a located error, explained
run parent_unreachable 3 --resolver "$BASE.4:$PORT" --ns-port "$PORT" --no-dnsbl --no-rdap --no-whois \
  --timeout-ms 200 --tries 1 shop.co.test
has parent_unreachable shop.co.test delegation error unknown
if python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if all('explanation' in r for s in d['subjects'] for r in s['results'] if r['severity'] in ('warning', 'unknown', 'critical')) else 1)" "$TMP/parent_unreachable.json"; then
  ok "parent_unreachable: every warning-or-worse result is explained"; else bad "parent_unreachable: unexplained result"; cat "$TMP/parent_unreachable.json"; fi

# 15. IDNs: typed as U-labels, asked as A-labels (the zones are served as punycode), both
# forms in the report
run idn 0 "${FOUND[@]}" 例え.test 日本語.co.test
has idn xn--r8jz45g.test delegation delegated ok
has idn xn--r8jz45g.test child ok ok
has idn xn--wgv71a119e.co.test delegation delegated ok
has idn xn--wgv71a119e.co.test resolver ok ok
if python3 -c "
import json, sys
d = {s['subject']: s for s in json.load(open(sys.argv[1]))['subjects']}
assert d['xn--r8jz45g.test']['subject_unicode'] == '例え.test', d
assert d['xn--wgv71a119e.co.test']['subject_unicode'] == '日本語.co.test', d" "$TMP/idn.json"; then
  ok "idn: JSON has both forms"; else bad "idn: JSON forms"; cat "$TMP/idn.json"; fi
"$BANNIN" check "${FOUND[@]}" --lang ja 例え.test >"$TMP/idn.out" 2>"$TMP/idn.err"
grep -qF "例え.test (xn--r8jz45g.test): " "$TMP/idn.out" && ok "idn: text shows both forms" \
  || { bad "idn: text forms"; cat "$TMP/idn.out" "$TMP/idn.err"; }
run idn_alabel 0 "${FOUND[@]}" XN--R8JZ45G.test
has idn_alabel xn--r8jz45g.test delegation delegated ok
grep -q '"subject_unicode":"例え.test"' "$TMP/idn_alabel.json" && ok "idn_alabel: Unicode form shown" \
  || bad "idn_alabel: no Unicode form"

# 16. typos are refused with exit 3 and a message naming the label, before any network step:
# no report, and the RDAP server never sees the name (it saw the good ones above).
grep -q "/rdap/domain/shop.co.test " "$TB_DIR/rdap.log" && ok "rdap log records requests" \
  || bad "rdap log has no request for shop.co.test"
l() { printf "%${1}s" "" | tr ' ' "$2"; }
L64="$(l 64 a).test"
N254="$(l 63 a).$(l 63 a).$(l 63 a).$(l 57 b).test"
[ ${#N254} -eq 254 ] || bad "test setup: N254 is ${#N254} octets"
typo() {
  local name=$1 want=$2; shift 2
  "$BANNIN" check "${FOUND[@]}" "$@" >"$TMP/typo.out" 2>"$TMP/typo.err"; local rc=$?
  if [ $rc -eq 3 ] && [ ! -s "$TMP/typo.out" ] && grep -qF -- "$want" "$TMP/typo.err"; then
    ok "typo $name: exit 3, \"$want\""
  else
    bad "typo $name: exit $rc, want 3 and \"$want\""; cat "$TMP/typo.out" "$TMP/typo.err"
  fi
}
typo label64 "is 64 octets long; at most 63" "$L64"
typo name254 "is 254 octets long in its A-label form; at most 253" "$N254"
typo leading_hyphen "label '-bad' starts with '-'" -- -bad.test
typo trailing_hyphen "label 'bad-' ends with '-'" bad-.test
typo empty_label "two dots" bad..test
typo option_like "-bad..name" -bad..name
typo ip_as_domain "IP address" 203.0.113.10
asked=0
for n in aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb -bad bad- bad..test; do
  if grep -qF -- "$n" "$TB_DIR/rdap.log"; then bad "typo: RDAP was asked about $n"; asked=1; fi
done
[ $asked -eq 0 ] && ok "typos: RDAP never asked"

# 17. usage errors exit 3 for check (docs/check.md) and for every other command, naming the
# argument; --help is not an error
usage() {
  local name=$1 want=$2; shift 2
  "$BANNIN" "$@" >"$TMP/usage.out" 2>"$TMP/usage.err"; local rc=$?
  if [ $rc -eq 3 ] && grep -qF -- "$want" "$TMP/usage.err"; then ok "usage $name: exit 3"
  else bad "usage $name: exit $rc, want 3 naming $want"; cat "$TMP/usage.err"; fi
}
usage format_xml "--format" check --format xml goodshop.test
usage lang_fr "--lang" check --lang fr goodshop.test
usage unknown_option "--colour" check --colour goodshop.test
usage bad_range "--tries" check --tries 9 goodshop.test
usage parse_unknown "--nonsense" parse --nonsense /dev/null
usage nested_missing "bannin rules explain: id is required" rules explain
usage status_unknown "bannin status: " status --bogus
usage no_such_command "frobnicate" frobnicate
"$BANNIN" check --help >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && ok "check --help exits 0" || bad "check --help: exit $rc"

if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
