#!/bin/bash
# Observe mode: `bannin run` on a generated form-relay day writes its would-be notices to
# observe-notices.jsonl beside the store and sends nothing, although a mail server and a
# webhook are configured (they point at a closed loopback port: an attempt would show as a
# pending or failed delivery). Exactly one notice per incident, i.e. per (rule, group) the
# store has findings for, and no digest when the whole day arrives within the gather time;
# the form relay's notice carries the wave's numbers (its attackers and their countries, as
# the generator's truth file and the geo data say; the store's decisions and first finding
# time) and its evidence lines are lines of the log.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"
SHARED=${SHARED:-$ROOT/../shared}
if [ ! -f "$SHARED/bench/gen_access_log.py" ]; then
  echo "SKIP: $SHARED/bench/gen_access_log.py not found"
  exit 0
fi
export TZ=UTC
mkdir -p "$TMP/logs" "$TMP/var"
LOG="$TMP/logs/access.log"
python3 "$SHARED/bench/gen_access_log.py" --lines 30000 --seed 11 --flavor apache --out "$LOG" >/dev/null
LINES=$(wc -l <"$LOG")
CLOSED=$(free_port)

cat >"$TMP/bannin.yaml" <<YAML
mode: observe
site: {home_countries: [JP]}
rule_files: [$ROOT/rules/base]
store: {path: $TMP/var/bannin.db}
# The host's KPIs (rules/base/kpi.yaml) would add findings of whatever else runs on this
# machine (a parallel test flooding a UDP socket): not what this test is about.
kpi: {enabled: false}
api: {listen: 127.0.0.1:$PORT}
sources:
  - type: file
    paths: [$LOG]
    decoder: auto
    start: beginning
notify:
  operator: [ops@host.example]
  gather: 15s
  smtp: {url: "smtp://127.0.0.1:$CLOSED"}
  webhook: {url: "http://127.0.0.1:$CLOSED/hook"}
YAML

start_daemon
decoded() {
  local n
  n=$(status_get 'sum(s["decoded"] + s["decode_errors"] for s in d["sources"])')
  [ "${n:-0}" -ge "$LINES" ]
}
wait_until 120 "the daemon read all $LINES lines" decoded
incidents() {
  local i n
  i=$(status_get 'd["notify"]["incidents"]')
  n=$(status_get 'd["notify"]["notices"]')
  [ "${i:-0}" -ge 1 ] && [ "$n" = "$i" ] && [ "$(status_get 'd["notify"]["pending"]')" = 0 ]
}
wait_until 60 "a notice for every incident" incidents
"$BANNIN" status --api "$API" --format json >"$TMP/status.json"
stop_daemon
[ -s "$TMP/var/observe-notices.jsonl" ] || fail "no observe-notices.jsonl beside the store"
sqlite3 -json "$TMP/var/bannin.db" "SELECT ts_ns, rule, group_json, numbers_json FROM findings ORDER BY id" >"$TMP/findings.json"
sqlite3 -json "$TMP/var/bannin.db" "SELECT rule, scope, target_json FROM decisions ORDER BY id" >"$TMP/decisions.json"
sqlite3 -json "$TMP/var/bannin.db" "SELECT notice_id, channel, state FROM notice_deliveries ORDER BY id" >"$TMP/deliveries.json"

python3 - "$TMP" <<'PY' || fail "observe-mode notices"
import bisect, collections, datetime, ipaddress, json, os, sys
tmp = sys.argv[1]
errors = []
notices = [json.loads(l) for l in open(os.path.join(tmp, "var", "observe-notices.jsonl"), encoding="utf-8")]
findings = json.load(open(os.path.join(tmp, "findings.json")))
decisions = json.load(open(os.path.join(tmp, "decisions.json")))
status = json.load(open(os.path.join(tmp, "status.json")))["notify"]
lines = set(open(os.path.join(tmp, "logs", "access.log"), encoding="utf-8").read().splitlines())
keys = collections.OrderedDict()
for f in findings:
    g = json.loads(f["group_json"])
    keys.setdefault(f["rule"] + "".join(" %s=%s" % kv for kv in g.items()), []).append(f)
got = collections.Counter()
for n in notices:
    if n["kind"] != "incident":
        errors.append("a %s notice in observe mode within the gather time" % n["kind"])
    key = n["text"].rsplit("incident #", 1)[1].strip().split(" ", 1)[1]
    got[key] += 1
    if n["recipients"] != ["ops@host.example"]:
        errors.append("recipients %s" % n["recipients"])
for k in keys:
    if got[k] != 1:
        errors.append("incident %s: %d notices, want exactly 1" % (k, got[k]))
for k in got:
    if k not in keys:
        errors.append("notice for %s without a stored finding" % k)
relay = [n for n in notices if n["webhook"][0]["rule"] == "web.form_relay.many_sources"]
if len(relay) != 1:
    errors.append("form relay notices: %d" % len(relay))
else:
    n = relay[0]
    w = n["webhook"][0]
    fs = [f for k, v in keys.items() if k.startswith("web.form_relay") for f in v]
    # The sources: the wave's attackers in the generator's truth file; their countries from
    # the geo data bannin uses (Debian tor-geoipdb, IPv4 and IPv6).
    truth = json.load(open(os.path.join(tmp, "logs", "access.log.truth.json")))
    wave = [i for i in truth["incidents"] if i["kind"] == "contact_spam"]
    ips = set(wave[0]["ips"]) if len(wave) == 1 else set()
    if not ips:
        errors.append("the generated day has no single contact_spam incident")
    def ranges(path, parse):
        rows = []
        for line in open(path):
            if line[:1].isalnum() and "," in line:
                a, b, cc = line.strip().split(",")
                rows.append((parse(a), parse(b), cc))
        rows.sort()
        return rows, [r[0] for r in rows]
    v4 = ranges("/usr/share/tor/geoip", int)
    v6 = ranges("/usr/share/tor/geoip6", lambda x: int(ipaddress.IPv6Address(x)))
    def country(ip):
        a = ipaddress.ip_address(ip)
        rows, starts = v4 if a.version == 4 else v6
        n = int(a)
        i = bisect.bisect_right(starts, n) - 1
        return rows[i][2] if i >= 0 and rows[i][0] <= n <= rows[i][1] else None
    countries = len({country(ip) for ip in ips} - {None})
    if w["sources"] != len(ips) or w["countries"] != countries:
        errors.append("sources %s in %s countries; the truth: %d attackers in %d countries" % (
            w["sources"], w["countries"], len(ips), countries))
    scopes = collections.Counter(d["scope"] for d in decisions if d["rule"] == "web.form_relay.many_sources")
    denied = "%d source addresses" % scopes["ip"] + (" and %d prefixes" % scopes["prefix"] if scopes["prefix"] else "") + " denied until"
    if denied not in n["text"]:
        errors.append("text lacks %r (the store's decisions)" % denied)
    if w["first_seen"] != min(f["ts_ns"] for f in fs) // 10**9:
        errors.append("first_seen %s differs from the first finding" % w["first_seen"])
    if w["decisions"] != sum(1 for d in decisions if d["rule"] == "web.form_relay.many_sources"):
        errors.append("decisions %s" % w["decisions"])
    if not w["evidence"] or any(l not in lines for l in w["evidence"]):
        errors.append("evidence not from the log: %s" % w["evidence"][:2])
    t0 = datetime.datetime.fromtimestamp(w["first_seen"], datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    want = "POSTs from %d addresses in %d countries to /contact/ between %s" % (w["sources"], w["countries"], t0)
    if want not in n["text"]:
        errors.append("text lacks %r:\n%s" % (want, n["text"]))
    if "[observe mode: decided, not carried out]" not in n["text"]:
        errors.append("observe mode not said in the text")
    print(n["subject"])
    print(n["text"])
rows = json.load(open(os.path.join(tmp, "deliveries.json")))
if sorted(r["notice_id"] for r in rows) != sorted(n["notice"] for n in notices) or any(
        r["state"] != "observed" or r["channel"] != "recording" for r in rows):
    errors.append("store: notice_deliveries %s do not match the notices written" % rows[:3])
if status["channels"] != "recording" or status["sent"] != 0 or status["observed"] != len(notices):
    errors.append("status: %s" % {k: status[k] for k in ("channels", "sent", "observed")})
print("incidents %d, notices %d" % (len(keys), len(notices)))
for e in errors:
    print("ERROR:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
echo "PASS"
