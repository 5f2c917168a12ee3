#!/bin/bash
# End-to-end test of `bannin check` against Safe Browsing and VirusTotal fixtures on loopback
# (tests/fixtures/domain/reputation_server.py; never the internet). No DNS daemons: the DNS,
# RDAP, WHOIS and DNSBL steps are switched off or have no server, so the exit code comes from
# the reputation checks alone. Keys are passed in files or the environment, never on the
# command line, and must never appear in any output.
set -u
BANNIN=${BANNIN:?set BANNIN to the bannin binary}
FIX=$(cd "$(dirname "$0")/../fixtures/domain" && pwd)

command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }

ADDR="127.$(( 60 + $$ % 150 )).$(( ($$ / 150) % 250 + 1 )).90"
PORT=18443
TMP=$(mktemp -d /tmp/bannin-reputation-test.XXXXXX)
fails=0
unset BANNIN_SAFE_BROWSING_KEY BANNIN_VIRUSTOTAL_KEY

cleanup() {
  [ -f "$TMP/server.pid" ] && kill "$(cat "$TMP/server.pid")" 2>/dev/null
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

python3 "$FIX/reputation_server.py" "$ADDR" "$PORT" "$FIX/reputation" "$TMP/server.pid" "$TMP/hits" \
  >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do
  python3 -c "import urllib.request,urllib.error,sys
try: urllib.request.urlopen('http://$ADDR:$PORT/api/v3/domains/x', timeout=1)
except urllib.error.HTTPError: sys.exit(0)
sys.exit(1)" 2>/dev/null && break
  sleep 0.1
done
: > "$TMP/hits"

SB_KEY=sb-test-key
VT_KEY=vt-test-key
printf '%s\n' "$SB_KEY" > "$TMP/sb.key"
printf '  %s\n\n' "$VT_KEY" > "$TMP/vt.key"   # white space around the key is allowed
printf 'not-the-key\n' > "$TMP/wrong.key"
printf 'two words\n' > "$TMP/spaces.key"

# Nothing but the reputation checks: no parent servers, no resolver, no RDAP, no lists.
QUIET=(--resolver none --no-rdap --no-dnsbl --now 2026-11-25T00:00:00Z
       --safe-browsing-url "http://$ADDR:$PORT" --virustotal-url "http://$ADDR:$PORT/"
       --reputation-timeout-ms 3000)
KEYS=(--safe-browsing-key-file "$TMP/sb.key" --virustotal-key-file "$TMP/vt.key")

# run NAME EXPECTED_EXIT ARGS... : bannin check --format json, output in $TMP/NAME.json
run() {
  local name=$1 want=$2; shift 2
  "$BANNIN" check --format json "$@" >"$TMP/$name.json" 2>"$TMP/$name.err"
  local rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name exit $rc"; else bad "$name: exit $rc, want $want"; cat "$TMP/$name.json" "$TMP/$name.err"; fi
}
# has NAME SUBJECT CHECK STATE [SEVERITY [DETAIL_SUBSTRING]]
has() {
  local name=$1 subject=$2 check=$3 state=$4 sev=${5:-} text=${6:-}
  if python3 - "$TMP/$name.json" "$subject" "$check" "$state" "$sev" "$text" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
_, _, subject, check, state, sev, text = sys.argv
for s in doc["subjects"]:
    if s["subject"] != subject:
        continue
    for r in s["results"]:
        if r["check"] == check and r["state"] == state and (not sev or r["severity"] == sev) \
                and (not text or text in r["detail"]):
            sys.exit(0)
sys.exit(1)
PY
  then ok "$name: $subject $check=$state${sev:+ ($sev)}${text:+ '$text'}"
  else bad "$name: no $subject $check=$state${sev:+ ($sev)}${text:+ '$text'}"; cat "$TMP/$name.json"; fi
}
# hits LINE: how many requests the fixture logged as exactly LINE since reset_hits
hits() { grep -c -x -- "$1" "$TMP/hits"; }
reset_hits() { : > "$TMP/hits"; }

# 1. no keys: not_checked (info, exit 0), and the detail says where a key comes from
reset_hits
run nokey 0 "${QUIET[@]}" goodshop.test
has nokey goodshop.test safebrowsing not_checked info "--safe-browsing-key-file"
has nokey goodshop.test safebrowsing not_checked info "BANNIN_SAFE_BROWSING_KEY"
has nokey goodshop.test virustotal not_checked info "--virustotal-key-file"
has nokey goodshop.test virustotal not_checked info "BANNIN_VIRUSTOTAL_KEY"
[ ! -s "$TMP/hits" ] && ok "nokey: nothing asked" || bad "nokey: the fixture was asked: $(cat "$TMP/hits")"

# 2. clean on both; the per-engine list is in the JSON
reset_hits
run clean 0 "${QUIET[@]}" "${KEYS[@]}" goodshop.test
has clean goodshop.test safebrowsing clean ok
has clean goodshop.test virustotal clean ok "0 of 10 engines"
if python3 - "$TMP/clean.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["subjects"][0]
eng = {e["engine"]: e for e in s["virustotal_engines"]}
assert len(eng) == 10, eng
assert eng["Bfore.Ai PreCrime"]["category"] == "harmless" and eng["Bfore.Ai PreCrime"]["result"] == "clean"
assert [e["engine"] for e in s["virustotal_engines"]] == sorted(eng), "not sorted"
PY
then ok "clean: virustotal_engines lists 10 engines, sorted"; else bad "clean: virustotal_engines"; cat "$TMP/clean.json"; fi
[ "$(hits 'sb goodshop.test')" = 1 ] && [ "$(hits 'vt goodshop.test')" = 1 ] && ok "clean: one request each" \
  || bad "clean: requests: $(cat "$TMP/hits")"

# 3. Safe Browsing listing: threat types named, cacheDuration reported
run sb_listed 2 "${QUIET[@]}" "${KEYS[@]}" phishshop.test
has sb_listed phishshop.test safebrowsing listed critical "MALWARE, SOCIAL_ENGINEERING"
has sb_listed phishshop.test safebrowsing listed critical "cacheDuration 300s"
has sb_listed phishshop.test virustotal not_listed info "HTTP 404"

# 4. one VirusTotal engine flags the site: named, warning (exit 1), in text, ja, JSON, events
run vt_single 1 "${QUIET[@]}" "${KEYS[@]}" flaggedshop.test
has vt_single flaggedshop.test virustotal suspicious warning "Bfore.Ai PreCrime: suspicious"
has vt_single flaggedshop.test safebrowsing clean ok
python3 -c "
import json,sys
s=json.load(open(sys.argv[1]))['subjects'][0]
e={x['engine']:x['category'] for x in s['virustotal_engines']}
assert e['Bfore.Ai PreCrime']=='suspicious' and e['ESET']=='harmless', e
r=[x for x in s['results'] if x['state']=='suspicious'][0]
assert 'Bfore.Ai PreCrime' in r['source'] and 'VirusTotal' in r['source'], r
assert 'vendor' in r['explanation']['who'] and 'Not VirusTotal' in r['explanation']['who'], r
" "$TMP/vt_single.json" && ok "vt_single: engine list and explanation" || bad "vt_single: engine list/explanation"
"$BANNIN" check "${QUIET[@]}" "${KEYS[@]}" flaggedshop.test >"$TMP/vt_single.txt"; rc=$?
[ $rc -eq 1 ] && grep -q "\[WARNING\] virustotal suspicious" "$TMP/vt_single.txt" \
  && grep -q "Bfore.Ai PreCrime: suspicious" "$TMP/vt_single.txt" && grep -q "False-Positive-Center" "$TMP/vt_single.txt" \
  && ok "vt_single: text output names the engine and the false-positive route" || { bad "vt_single: text (rc $rc)"; cat "$TMP/vt_single.txt"; }
"$BANNIN" check --lang ja "${QUIET[@]}" "${KEYS[@]}" flaggedshop.test >"$TMP/vt_single_ja.txt"
grep -q "Bfore.Ai PreCrime: suspicious" "$TMP/vt_single_ja.txt" && grep -q "VirusTotal ではありません" "$TMP/vt_single_ja.txt" \
  && ok "vt_single: Japanese explanation" || { bad "vt_single: no Japanese explanation"; cat "$TMP/vt_single_ja.txt"; }
"$BANNIN" check --format events "${QUIET[@]}" "${KEYS[@]}" flaggedshop.test >"$TMP/vt_single.events"
python3 -c "
import json,sys
evs=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert any(e.get('check')=='virustotal' and e.get('state')=='suspicious' and 'Bfore.Ai PreCrime' in e.get('detail','') for e in evs), evs
" "$TMP/vt_single.events" && ok "vt_single: domain.status event" || { bad "vt_single: events"; cat "$TMP/vt_single.events"; }

# 5. malicious + suspicious engines: one result each, malicious is critical
run vt_mal 2 "${QUIET[@]}" "${KEYS[@]}" malshop.test
has vt_mal malshop.test virustotal malicious critical "Kaspersky: malicious ('phishing')"
has vt_mal malshop.test virustotal suspicious warning "Bfore.Ai PreCrime: suspicious"

# 6. unknown to VirusTotal (404): not_listed, info, exit 0
run vt_404 0 "${QUIET[@]}" "${KEYS[@]}" unknownshop.test
has vt_404 unknownshop.test virustotal not_listed info
python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['subjects'][0]; sys.exit('virustotal_engines' in s)" "$TMP/vt_404.json" \
  && ok "vt_404: no engine list" || bad "vt_404: engine list present"
"$BANNIN" check "${QUIET[@]}" "${KEYS[@]}" unknownshop.test >"$TMP/vt_404.txt"
grep -q "\[INFO\] virustotal not_listed" "$TMP/vt_404.txt" && ok "vt_404: text says INFO, not NOT CHECKED" \
  || { bad "vt_404: text label"; cat "$TMP/vt_404.txt"; }

# 7. 429 with Retry-After: rate_limited, and the next domain is deferred, not asked
reset_hits
run vt_429 3 "${QUIET[@]}" "${KEYS[@]}" ratelimited.test goodshop.test
has vt_429 ratelimited.test virustotal rate_limited unknown "Retry-After 120s"
has vt_429 goodshop.test virustotal deferred unknown "asked to wait"
has vt_429 goodshop.test safebrowsing clean ok
[ "$(hits 'vt goodshop.test')" = 0 ] && ok "vt_429: goodshop.test not asked during Retry-After" \
  || bad "vt_429: VirusTotal asked during Retry-After: $(cat "$TMP/hits")"
run sb_429 3 "${QUIET[@]}" "${KEYS[@]}" sb-ratelimit.test
has sb_429 sb-ratelimit.test safebrowsing rate_limited unknown "Retry-After 30s"

# 8. wrong keys: error, saying the key was rejected (and which option holds it)
run wrong_key 3 "${QUIET[@]}" --safe-browsing-key-file "$TMP/wrong.key" --virustotal-key-file "$TMP/wrong.key" goodshop.test
has wrong_key goodshop.test virustotal error unknown "key was rejected (HTTP 401"
has wrong_key goodshop.test virustotal error unknown "--virustotal-key-file"
has wrong_key goodshop.test safebrowsing error unknown "key was rejected (HTTP 400"

# 9. bad JSON and unexpected shapes: error with the place named, never a crash
run bad_json 3 "${QUIET[@]}" "${KEYS[@]}" brokenshop.test shapeshop.test
has bad_json brokenshop.test virustotal error unknown "not valid JSON"
has bad_json brokenshop.test safebrowsing error unknown "not valid JSON"
has bad_json shapeshop.test virustotal error unknown "last_analysis_results['ESET'].category is not a string"
has bad_json shapeshop.test safebrowsing error unknown '"matches" is not an array'

# 10. rate limit per provider: 4/min by default for VirusTotal; the rest is deferred, not clean
reset_hits
run budget 3 "${QUIET[@]}" "${KEYS[@]}" a1.test a2.test a3.test a4.test a5.test a6.test
has budget a4.test virustotal not_listed info
has budget a5.test virustotal deferred unknown "budget (4/min)"
has budget a6.test virustotal deferred unknown "--wait-rate-limit"
has budget a6.test safebrowsing clean ok
[ "$(grep -c '^vt ' "$TMP/hits")" = 4 ] && ok "budget: exactly 4 VirusTotal requests" \
  || bad "budget: VirusTotal requests: $(grep -c '^vt ' "$TMP/hits")"
# ... and with --wait-rate-limit bannin waits for the bucket instead (2/s: ~1 s for 4 domains)
reset_hits
start=$(date +%s%N)
run budget_wait 0 "${QUIET[@]}" "${KEYS[@]}" --virustotal-rate 2/s --wait-rate-limit b1.test b2.test b3.test b4.test
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
has budget_wait b4.test virustotal not_listed info
[ "$(grep -c '^vt ' "$TMP/hits")" = 4 ] && [ "$elapsed_ms" -ge 900 ] && ok "budget_wait: 4 requests, waited ${elapsed_ms} ms" \
  || bad "budget_wait: $(grep -c '^vt ' "$TMP/hits") requests in ${elapsed_ms} ms"

# 11. Safe Browsing cache: the same domain twice in one run is asked once
reset_hits
run sb_cache 0 "${QUIET[@]}" "${KEYS[@]}" goodshop.test goodshop.test
has sb_cache goodshop.test safebrowsing clean ok "from cache"
[ "$(hits 'sb goodshop.test')" = 1 ] && ok "sb_cache: one Safe Browsing request" || bad "sb_cache: $(cat "$TMP/hits")"

# 12. keys from the environment
BANNIN_SAFE_BROWSING_KEY=$SB_KEY BANNIN_VIRUSTOTAL_KEY=$VT_KEY run env_key 1 "${QUIET[@]}" flaggedshop.test
has env_key flaggedshop.test virustotal suspicious warning "Bfore.Ai PreCrime"
has env_key flaggedshop.test safebrowsing clean ok

# 13. unreachable service: error (or timeout), never clean
run unreachable 3 --resolver none --no-rdap --no-dnsbl "${KEYS[@]}" --safe-browsing-url "http://$ADDR:1" \
  --virustotal-url "http://$ADDR:1" --reputation-timeout-ms 500 goodshop.test
has unreachable goodshop.test virustotal error unknown "no VirusTotal answer"
has unreachable goodshop.test safebrowsing error unknown "no Safe Browsing answer"

# 14. bad key files and options: exit 3 naming the file, never the key
"$BANNIN" check "${QUIET[@]}" --virustotal-key-file "$TMP/missing.key" goodshop.test >/dev/null 2>"$TMP/missing.err"; rc=$?
[ $rc -eq 3 ] && grep -q "missing.key" "$TMP/missing.err" && ok "missing key file -> 3" || bad "missing key file: rc $rc $(cat "$TMP/missing.err")"
"$BANNIN" check "${QUIET[@]}" --safe-browsing-key-file "$TMP/spaces.key" goodshop.test >/dev/null 2>"$TMP/spaces.err"; rc=$?
[ $rc -eq 3 ] && grep -q "spaces.key" "$TMP/spaces.err" && ! grep -q "two words" "$TMP/spaces.err" \
  && ok "key with spaces -> 3, key not shown" || bad "key with spaces: rc $rc $(cat "$TMP/spaces.err")"
"$BANNIN" check "${QUIET[@]}" --virustotal-rate 4/fortnight goodshop.test >/dev/null 2>&1; rc=$?
[ $rc -eq 3 ] && ok "bad rate -> 3" || bad "bad rate: rc $rc"

# 15. the keys never appear in any output
if grep -l -e "$SB_KEY" -e "$VT_KEY" "$TMP"/*.json "$TMP"/*.txt "$TMP"/*.events "$TMP"/*.err 2>/dev/null; then
  bad "a key appears in the output (files above)"
else
  ok "no key in any output"
fi

if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
