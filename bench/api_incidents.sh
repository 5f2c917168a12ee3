#!/bin/bash
# bench/api_incidents.sh — the incident and finding views under load (issue 15). Not a test:
# prints numbers.
#
# Usage: bench/api_incidents.sh [FINDINGS] [BANNIN]
#   FINDINGS  findings in the store (default 10000)
#   BANNIN    binary (default build/bannin, else build/release/bin/bannin)
#
# Builds a store the way a busy day leaves it (inserted with sqlite3 after bannin made the
# schema): 80 % per-source findings (scanners, brute force; one decision each, a few sources
# tripping two rules) and 20 % form-relay waves (200 form paths, findings 15 min apart, 20
# member decisions each), 5 evidence lines per finding; starts `bannin run` (observe mode, no
# sources) on a free loopback port and measures with wrk (2 threads, 16 connections, 5 s),
# in the same run:
#   /health                                  the reference
#   /api/v1/incidents (a page of 50)         grouping and rendered page cached (store version,
#                                            rules, the second); the cold times printed first
#   /api/v1/findings (a page of 50)          with evidence and decisions
#   /api/v1/findings?rule=…&limit=50         through the rule index
#   /api/v1/incidents/{id} (a relay wave)    one incident with its findings and decisions
# Each line: requests/s, p99 latency, and requests/s as a ratio of /health's.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10000}
BANNIN=${2:-$ROOT/build/bannin}
[ -x "$BANNIN" ] || BANNIN=$ROOT/build/release/bin/bannin
[ -x "$BANNIN" ] || { echo "no bannin binary (make build)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
TMP=$(mktemp -d)
DPID=""
trap '[ -n "$DPID" ] && kill $DPID 2>/dev/null; [ -z "${KEEP:-}" ] && rm -rf "$TMP"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
API="http://127.0.0.1:$PORT"

cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: tor}
site: {home_countries: [JP]}
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
sources: []
YAML
# A first start makes the schema (and stops at once).
"$BANNIN" run --config "$TMP/bannin.yaml" >"$TMP/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 200); do curl -sf "$API/health" >/dev/null 2>&1 && break; sleep 0.05; done
kill "$DPID"; wait "$DPID" 2>/dev/null || true; DPID=""

WAVE=$(python3 - "$TMP/bannin.db" "$N" <<'PY'
import random, sqlite3, sys, time
db, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(1)
c = sqlite3.connect(db)
day = time.time_ns() - 86400 * 10**9
sec = 10**9
findings, evidence, decisions = [], [], []
def line(ip, path, t):
    return '%s - - [25/Nov/2026:05:21:35 +0900] "POST %s HTTP/1.1" 200 147 "-" "Mozilla/5.0"' % (ip, path)
def decide(fid, t, rule, ip):
    decisions.append((t, rule, "rule", "deny", "ip", '{"ip":"%s"}' % ip, ip, 86400,
                      t + 86400 * sec, "bench", "proposed", fid))
fid = 0
per_source = int(n * 0.8)
rules = ["web.scanner.probe_paths", "web.wp_login.bruteforce", "web.xmlrpc.bruteforce",
         "web.scanner.many_errors"]
for i in range(per_source):
    fid += 1
    ip = "%d.%d.%d.%d" % (rnd.choice([5, 31, 45, 77, 185, 203]), rnd.randrange(256),
                          rnd.randrange(256), rnd.randrange(1, 255))
    if i % 10 == 1:  # a source that trips a second rule a minute later
        ip = last_ip
    last_ip = ip
    t = day + rnd.randrange(86400) * sec
    rule = rules[i % len(rules)]
    findings.append((fid, t, rule, '{"src_ip":"%s"}' % ip, '{"count()":5}', ""))
    evidence += [(fid, k, line(ip, "/wp-login.php", t)) for k in range(5)]
    decide(fid, t, rule, ip)
waves = n - per_source
groups = max(1, waves // 10)
first_wave = None
for g in range(groups):
    start = day + rnd.randrange(80000) * sec
    for k in range(waves // groups):
        fid += 1
        if first_wave is None:
            first_wave = fid
        t = start + k * 900 * sec
        group = '{"vhost":"site%d.example.jp","path":"/contact/"}' % g
        findings.append((fid, t, "web.form_relay.many_sources", group,
                         '{"distinct(src_ip)":%d,"share(country not in $home_countries)":0.9}' % (3 + 20 * k),
                         "site%d.example.jp" % g))
        evidence += [(fid, e, line("198.51.100.%d" % e, "/contact/", t)) for e in range(5)]
        for m in range(20):
            decide(fid, t, "web.form_relay.many_sources",
                   "%d.%d.%d.%d" % (rnd.choice([5, 45, 185]), rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255)))
c.executemany("INSERT INTO findings(id, ts_ns, rule, group_json, numbers_json, vhost)"
              " VALUES (?,?,?,?,?,?)", findings)
c.executemany("INSERT INTO evidence(finding_id, seq, line) VALUES (?,?,?)", evidence)
c.executemany("INSERT INTO decisions(ts_ns, rule, origin, action, scope, target_json, target_key,"
              " ttl_s, expires_ns, reason, state, finding_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
              decisions)
c.execute("INSERT INTO decision_history(decision_id, ts_ns, state, note)"
          " SELECT id, ts_ns, state, 'bench' FROM decisions")
c.commit()
print(first_wave)
PY
)
"$BANNIN" run --config "$TMP/bannin.yaml" >>"$TMP/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 400); do curl -sf "$API/health" >/dev/null 2>&1 && break; sleep 0.05; done
curl -sf "$API/health" >/dev/null || { echo "the daemon did not start:"; cat "$TMP/daemon.log"; exit 1; }

REF=""
wrk_line() {  # wrk_line LABEL URL: "LABEL  N req/s  p99 X  ratio"
  local label=$1 url=$2 out rps
  out=$(wrk -t2 -c16 -d5s --latency "$url" 2>&1)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  [ -n "$REF" ] || REF=$rps
  printf '%-46s %10s req/s   p99 %-9s %s of /health\n' "$label" "$rps" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out")" "$(awk -v a="$rps" -v b="$REF" 'BEGIN{printf "%.4f", a/b}')"
}
# The first request of a query renders it (grouping included: nothing is cached yet); wrk's
# repeated requests within a second are then answered from the page cache, as a dashboard's
# polls are. Both are printed.
cold_inc=$(curl -s -o /dev/null -w '%{time_total}' "$API/api/v1/incidents")
cold_inc2=$(curl -s -o /dev/null -w '%{time_total}' "$API/api/v1/incidents?limit=49")
counts=$(curl -s "$API/api/v1/incidents?limit=1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["scanned"])')
bytes_inc=$(curl -s "$API/api/v1/incidents" | wc -c)
bytes_find=$(curl -s "$API/api/v1/findings" | wc -c)
echo "bannin: $BANNIN; $counts findings, $(sqlite3 "$TMP/bannin.db" 'SELECT COUNT(*) FROM decisions') decisions; $(nproc) cores"
echo "answers: incidents page $bytes_inc bytes, findings page $bytes_find bytes"
echo "incidents page rendered cold: ${cold_inc}s (grouping + page), another query of the same range: ${cold_inc2}s (page only)"
if [ -n "${ONLY_TIMES:-}" ]; then
  for u in /api/v1/incidents /api/v1/findings "/api/v1/findings?rule=web.xmlrpc.bruteforce" "/api/v1/incidents/$WAVE"; do
    curl -s -o /dev/null -w "$u %{time_total}s\n" "$API$u"
  done
  exit 0
fi
wrk_line "/health (reference)" "$API/health"
wrk_line "/api/v1/incidents (50 of all)" "$API/api/v1/incidents"
wrk_line "/api/v1/findings (50)" "$API/api/v1/findings"
wrk_line "/api/v1/findings?rule=web.xmlrpc.bruteforce" "$API/api/v1/findings?rule=web.xmlrpc.bruteforce"
wrk_line "/api/v1/incidents/$WAVE (a relay wave)" "$API/api/v1/incidents/$WAVE"
