#!/bin/bash
# The dashboard in a real browser: Debian's chromium, headless, driven by Playwright
# (playwright-core from web/node_modules, pinned in web/package-lock.json) against a real
# `bannin run` that reads a generated incident day (tools/loggen/gen_demo_day.py, seed 7: S2's
# form-relay wave among everyday attacks) with an API token set. dashboard_test.mjs asserts:
#   - without a token the page asks for one; a wrong token gets the clear message;
#   - the overview's live chart of lines per source is non-zero, KPI charts have values, and
#     the finding of a KPI rule (host.memory.low, its threshold raised so it fires) is marked
#     on the memory chart;
#   - the form-relay incident on /contact/ is listed, and its page shows the evidence lines
#     (POSTs to the form) and its numbers (addresses, countries, foreign share);
#   - revoking a decision from the incident page removes it from the API's decisions in force;
#     one added from the decisions page's form reaches the API (a refused one shows why);
#   - the domains page shows heldshop.test on serverHold (RDAP fixture server) with what it
#     means, and its timeline;
#   - the language switch and a Japanese browser show Japanese text;
# and writes each page's screenshot to build/screenshots/ (SHOTS to change). It prints the
# time until the overview was ready (a report, not an assertion).
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/../cli/lib/daemon.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing (tools/setup.sh installs Debian's chromium)"
[ -f "$ROOT/web/node_modules/playwright-core/package.json" ] ||
  fail "web/node_modules/playwright-core is missing: run tools/setup.sh (npm ci in web/)"
SHOTS=${SHOTS:-$ROOT/build/screenshots}
mkdir -p "$SHOTS"

TOKEN="browser-test-token-$RANDOM$RANDOM"
export BANNIN_API_TOKEN=$TOKEN  # `bannin status` in fail()
DAY="$TMP/day"
python3 "$ROOT/tools/loggen/gen_demo_day.py" --seed 7 --out "$DAY" 2>"$TMP/gen.err" ||
  fail "generator: $(cat "$TMP/gen.err")"
TOTAL_LINES=$(cat "$DAY/access.log" "$DAY/auth.log" "$DAY/mail.log" | wc -l)
# The domain probe watches two shops: the registry (the RDAP fixture server of the domain
# tests, on loopback) says heldshop.test is on serverHold (S1) and goodshop.test is fine; no
# DNS server answers on the ports given (those checks end as timeouts).
RDAP_PORT=$(free_port)
DEAD_PORT=$(free_port)
python3 "$ROOT/tests/fixtures/domain/testbed.py" rdap 127.0.0.1 "$RDAP_PORT" "$ROOT/tests/fixtures/domain/rdap" \
  "$TMP/rdap.pid" 2>"$TMP/rdap.log" &
RDAP_PID=$!
EXTRA_CLEANUP='kill $RDAP_PID 2>/dev/null; wait $RDAP_PID 2>/dev/null'
rdap_up() { curl -sf "http://127.0.0.1:$RDAP_PORT/rdap/domain/goodshop.test" >/dev/null; }
wait_until 10 "the RDAP fixture server" rdap_up
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
site: {home_countries: [JP]}
rule_files: [$ROOT/rules/base]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT, token: $TOKEN}
decide: {own_addresses: false, crawlers: ""}
# host.memory.low fires on any machine with this threshold: a KPI finding to be marked on the
# overview's memory chart.
rules: {host.memory.low: {max_permille: 1000, min_seconds: 2}}
domains:
  list: [heldshop.test, goodshop.test]
  interval: 1h
  reconfirm_after: 0
  resolvers: [127.0.0.1:$DEAD_PORT]
  parent_servers: [127.0.0.1:$DEAD_PORT]
  timeout_ms: 200
  tries: 1
  dnsbl: false
  whois: false
  rdap_server: http://127.0.0.1:$RDAP_PORT/rdap/
sources:
  - {type: file, paths: [$DAY/access.log], decoder: auto, start: beginning}
  - {type: file, paths: [$DAY/auth.log], decoder: syslog, start: beginning}
  - {type: file, paths: [$DAY/mail.log], decoder: syslog, start: beginning}
YAML

# True when every line is read and the store holds as many findings as the daemon made.
day_done() {
  python3 - "$API" "$TOTAL_LINES" "$TOKEN" <<'PY'
import json, sys, urllib.request
api, total, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def get(path):
    req = urllib.request.Request(api + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req, timeout=5))
st = get("/api/v1/status")
if sum(s["lines"] for s in st["sources"]) < total:
    sys.exit(1)
made = st["detect"]["findings"]
sys.exit(0 if made > 0 and len(get("/api/v1/findings?limit=500")["findings"]) == made else 1)
PY
}

# The daemon follows the three logs from their (empty) start, and the day is appended once
# its series exist, so the lines arrive live: the per-second rates see them (a file read
# before the first KPI sample would only move the baseline).
mv "$DAY/access.log" "$DAY/access.day"; mv "$DAY/auth.log" "$DAY/auth.day"; mv "$DAY/mail.log" "$DAY/mail.day"
: >"$DAY/access.log"; : >"$DAY/auth.log"; : >"$DAY/mail.log"
# Not start_daemon: `bannin status` exits 1 while the daemon shows a problem, and the domain
# probe's DNS checks (nothing answers) are one. /health answers once the API is up.
"$BANNIN" run --config "$TMP/bannin.yaml" >>"$TMP/daemon.log" 2>&1 &
DPID=$!
health() { kill -0 "$DPID" 2>/dev/null && curl -sf "$API/health" >/dev/null; }
wait_until 30 "the daemon's API" health
series_ready() {
  curl -sf -H "Authorization: Bearer $TOKEN" "$API/api/v1/series" | grep -q '"bannin.lines/'
}
wait_until 20 "the daemon's rate series" series_ready
sleep 1.5  # one more sample: the next one's rates count our lines
python3 - "$DAY" <<'PY'
import sys, time
day = sys.argv[1]
# In 3 slices over about 2 s, as a busy server would write them.
for name in ("access", "auth", "mail"):
    lines = open("%s/%s.day" % (day, name)).readlines()
    globals()[name] = lines
for i in range(3):
    for name in ("access", "auth", "mail"):
        lines = globals()[name]
        part = lines[i * len(lines) // 3:(i + 1) * len(lines) // 3]
        with open("%s/%s.log" % (day, name), "a") as f:
            f.writelines(part)
    time.sleep(0.7)
PY
wait_until 60 "the day read and its findings stored" day_done
domains_checked() {
  curl -sf -H "Authorization: Bearer $TOKEN" "$API/api/v1/domains/heldshop.test" | grep -q server_hold
}
wait_until 20 "the domain probe's first round" domains_checked
# The files through the real server: no token, an ETag, and 304 when it matches.
etag=$(curl -sfI "$API/assets/app.js" | tr -d '\r' | awk 'tolower($1) == "etag:" {print $2}')
[ -n "$etag" ] || fail "GET /assets/app.js: no ETag (or not 200 without a token)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$API/assets/app.js")
[ "$code" = 304 ] || fail "If-None-Match $etag gave $code, not 304"
API="$API" TOKEN="$TOKEN" SHOTS="$SHOTS" CHROMIUM="$CHROMIUM" ROOT="$ROOT" \
  timeout 120 node "$ROOT/tests/browser/dashboard_test.mjs" || fail "the browser test failed (above)"
stop_daemon
echo "PASS: the dashboard in headless chromium: token, overview charts, the form-relay incident, revoke, Japanese (screenshots in $SHOTS)"
