#!/bin/bash
# Notices delivered through real parts: `bannin run` (observe mode for the firewall,
# notify.observe: send) on a generated form-relay day, a real SMTP server on loopback
# (aiosmtpd with STARTTLS required and AUTH, its certificate made here with openssl) and a
# loopback HTTP receiver that checks the HMAC-SHA256 signature and answers 503 to the first
# two requests. Asserts:
#   - every incident on the site gets exactly one incident mail per recipient: the site owner
#     (Japanese, from the inventory file) and the operator (English), sent under STARTTLS
#     after AUTH, with the wave's numbers (its attackers and their countries as the
#     generator's truth file and the geo data say, the store's decisions, the first finding
#     time) and evidence lines that are lines of the log;
#   - every (rule, group) with a finding got one incident notice per language (incidents of one
#     source, which name no site, go to the operator only), and no other incident notices
#     were sent; the webhook got one signed JSON body per notice, after retries;
#   - every attempt is on record in the store (notice_deliveries: the webhook's refusals as
#     pending rows with the HTTP status, then sent rows), and `bannin status` shows the
#     deliveries (sent, retries, no failures) and the latency.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"
SHARED=${SHARED:-$ROOT/../shared}
PY=/usr/bin/python3  # Debian's python, which has python3-aiosmtpd
if [ ! -f "$SHARED/bench/gen_access_log.py" ]; then
  echo "SKIP: $SHARED/bench/gen_access_log.py not found"
  exit 0
fi
$PY -c 'import aiosmtpd' 2>/dev/null || fail "python3-aiosmtpd is not installed (tools/setup.sh)"
export TZ=UTC

# The day: 30,000 combined lines with a contact-form spam wave, made vhost_combined for
# shop.example.jp so that the inventory knows its owner.
mkdir -p "$TMP/logs"
python3 "$SHARED/bench/gen_access_log.py" --lines 30000 --seed 11 --flavor nginx \
  --out "$TMP/day.log" >/dev/null
sed 's/^/shop.example.jp:443 /' "$TMP/day.log" >"$TMP/logs/access.log"
LINES=$(wc -l <"$TMP/logs/access.log")

# TLS material for STARTTLS, the AUTH password, the webhook secret.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
  >/dev/null 2>&1 || fail "openssl could not make a test certificate"
echo 's3cret-pw' >"$TMP/smtp.pw"
echo 'hook-secret-42' >"$TMP/hook.secret"

SMTP_PORT=$(free_port)
HOOK_PORT=$(free_port)
$PY "$ROOT/tests/cli/lib/smtp_server.py" "$SMTP_PORT" "$TMP/mail.jsonl" \
  --tls "$TMP/cert.pem" "$TMP/key.pem" --auth bannin:s3cret-pw >"$TMP/smtp.log" 2>&1 &
SMTP_PID=$!
$PY "$ROOT/tests/cli/lib/webhook_receiver.py" "$HOOK_PORT" "$TMP/hook.jsonl" hook-secret-42 \
  --fail 2 >"$TMP/hook.log" 2>&1 &
HOOK_PID=$!
EXTRA_CLEANUP="kill $SMTP_PID $HOOK_PID 2>/dev/null"
wait_for 10 "the SMTP server" grep -q ready "$TMP/smtp.log"
wait_for 10 "the webhook receiver" grep -q ready "$TMP/hook.log"

cat >"$TMP/inventory.yaml" <<YAML
accounts:
  hanako: {contacts: [hanako@shop.example.jp], language: ja}
sites:
  - names: [shop.example.jp, www.shop.example.jp]
    account: hanako
    docroot: /home/hanako/public_html
YAML
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
site: {home_countries: [JP]}
rule_files: [$ROOT/rules/base]
store: {path: $TMP/bannin.db}
# The host's KPIs (rules/base/kpi.yaml) would add findings of whatever else runs on this
# machine (a parallel test flooding a UDP socket): not what this test is about.
kpi: {enabled: false}
api: {listen: 127.0.0.1:$PORT}
sources:
  - type: file
    paths: [$TMP/logs/access.log]
    decoder: auto
    start: beginning
inventory:
  file: $TMP/inventory.yaml
notify:
  observe: send
  operator: [ops@host.example]
  operator_language: en
  from: bannin@host.example
  gather: 2s
  retry_base: 1s
  smtp:
    url: smtp://127.0.0.1:$SMTP_PORT
    tls: require
    ca_file: $TMP/cert.pem
    user: bannin
    password_file: $TMP/smtp.pw
  webhook:
    url: http://127.0.0.1:$HOOK_PORT/bannin
    secret_file: $TMP/hook.secret
YAML

"$BANNIN" run --config "$TMP/bannin.yaml" --check >"$TMP/check.out" 2>&1 ||
  fail "run --check: $(cat "$TMP/check.out")"
grep -q "inventory: 1 sites, 1 accounts" "$TMP/check.out" || fail "run --check does not show the inventory: $(cat "$TMP/check.out")"

start_daemon
decoded() {
  local n
  n=$(status_get 'sum(s["decoded"] + s["decode_errors"] for s in d["sources"])')
  [ "${n:-0}" -ge "$LINES" ]
}
wait_until 120 "the daemon read all $LINES lines" decoded
# Every incident's notice delivered on every channel (the webhook after its two 503s): none
# pending, and no new notice for longer than the gather time (2 s) — on a loaded machine the
# last incidents' notices are made after the first ones were delivered.
LAST_NOTICES=-1
LAST_CHANGE=$(date +%s)
delivered() {
  local pending notices
  pending=$(status_get 'd["notify"]["pending"]')
  notices=$(status_get 'd["notify"]["notices"]')
  if [ "${notices:-0}" != "$LAST_NOTICES" ]; then
    LAST_NOTICES=${notices:-0}
    LAST_CHANGE=$(date +%s)
  fi
  [ "${notices:-0}" -ge 1 ] && [ "${pending:-1}" -eq 0 ] && [ $(($(date +%s) - LAST_CHANGE)) -ge 4 ]
}
wait_until 60 "every notice delivered" delivered
"$BANNIN" status --api "$API" >"$TMP/status.txt"
"$BANNIN" status --api "$API" --format json >"$TMP/status.json"
stop_daemon

sqlite3 -json "$TMP/bannin.db" "SELECT ts_ns, rule, group_json, numbers_json FROM findings ORDER BY id" >"$TMP/findings.json"
sqlite3 -json "$TMP/bannin.db" "SELECT rule, scope, target_json FROM decisions ORDER BY id" >"$TMP/decisions.json"
sqlite3 -json "$TMP/bannin.db" "SELECT notice_id, channel, recipient, state, attempts, error FROM notice_deliveries ORDER BY id" >"$TMP/deliveries.json"

$PY - "$TMP" "$LINES" <<'PY' || fail "the notices are not what the store says"
import bisect, collections, datetime, ipaddress, json, os, sys
tmp = sys.argv[1]
errors = []
def err(m): errors.append(m)
load = lambda p: [json.loads(l) for l in open(os.path.join(tmp, p), encoding="utf-8") if l.strip()]
mails = load("mail.jsonl")
hooks = load("hook.jsonl")
findings = json.load(open(os.path.join(tmp, "findings.json")))
decisions = json.load(open(os.path.join(tmp, "decisions.json")))
status = json.load(open(os.path.join(tmp, "status.json")))["notify"]
log_lines = set(open(os.path.join(tmp, "logs", "access.log"), encoding="utf-8").read().splitlines())

def key(rule, group):
    g = json.loads(group)
    return rule + "".join(" %s=%s" % (k, v) for k, v in g.items())

incidents = collections.OrderedDict()
for f in findings:
    incidents.setdefault(key(f["rule"], f["group_json"]), []).append(f)

# Every mail came under STARTTLS after AUTH, from bannin@host.example.
for m in mails:
    if not m["tls"] or not m["authenticated"]:
        err("a mail was accepted without STARTTLS+AUTH: %s" % m["subject"])
    if m["mail_from"] != "bannin@host.example":
        err("envelope sender %r" % m["mail_from"])
incident_mails = [m for m in mails if "Update:" not in m["subject"] and "続報" not in m["subject"]
                  and "Digest" not in m["subject"] and "まとめ" not in m["subject"]]
by_key = collections.defaultdict(list)
for m in incident_mails:
    k = m["body"].rsplit("incident #", 1)[-1] if "incident #" in m["body"] else m["body"].rsplit("事案 #", 1)[-1]
    k = k.strip().split(" ", 1)[1] if " " in k.strip() else ""
    by_key[k].append(m)
# The owner is known for incidents on the site (grouped by vhost); incidents of one source
# (brute force, probing) go to the operator only.
def audience(k):
    return ["hanako@shop.example.jp", "ops@host.example"] if "vhost=shop.example.jp" in k else ["ops@host.example"]
for k in incidents:
    got = by_key.get(k, [])
    to = sorted(r for m in got for r in m["rcpt_tos"])
    if to != audience(k):
        err("incident %s: incident mails to %s, want %s" % (k, to, audience(k)))
for k in by_key:
    if k not in incidents:
        err("an incident mail for %r, which has no finding in the store" % k)

# The form relay: the numbers and the evidence.
relay = [k for k in incidents if k.startswith("web.form_relay.many_sources")]
if len(relay) != 1:
    err("expected one form-relay incident, got %s" % relay)
else:
    k = relay[0]
    fs = incidents[k]
    # The sources: the wave's attackers in the generator's truth file; their countries from
    # the geo data bannin uses (Debian tor-geoipdb, IPv4 and IPv6).
    truth = json.load(open(os.path.join(tmp, "day.log.truth.json")))
    wave = [i for i in truth["incidents"] if i["kind"] == "contact_spam"]
    ips = set(wave[0]["ips"]) if len(wave) == 1 else set()
    if not ips:
        err("the generated day has no single contact_spam incident")
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
    sources = len(ips)
    countries = len({country(ip) for ip in ips} - {None})
    scopes = collections.Counter(d["scope"] for d in decisions if d["rule"] == "web.form_relay.many_sources")
    denied = "%d source addresses" % scopes["ip"] + (" and %d prefixes" % scopes["prefix"] if scopes["prefix"] else "") + " denied until"
    t0 = datetime.datetime.fromtimestamp(min(f["ts_ns"] for f in fs) // 10**9, datetime.timezone.utc)
    en = [m for m in by_key[k] if m["rcpt_tos"] == ["ops@host.example"]]
    ja = [m for m in by_key[k] if m["rcpt_tos"] == ["hanako@shop.example.jp"]]
    if en:
        body = en[0]["body"]
        want = "from %d addresses in %d countries to shop.example.jp/contact/ between %s" % (
            sources, countries, t0.strftime("%Y-%m-%d %H:%M UTC"))
        if want not in body:
            err("the English notice lacks %r:\n%s" % (want, body))
        if denied not in body:
            err("the English notice lacks %r (the store's decisions)" % denied)
        if "observe mode: decided, not carried out" not in body:
            err("observe mode not said")
        if "/home/hanako/public_html" not in body:
            err("the document root from the inventory is not in the advice")
        ev = [l[2:] for l in body.split("Evidence (log lines, oldest first)\n", 1)[1].split("\n\n", 1)[0].splitlines()]
        if not ev or any(l not in log_lines for l in ev):
            err("evidence lines are not lines of the log: %s" % ev[:3])
        if en[0]["headers"].get("Content-Language") != "en":
            err("Content-Language of the English mail")
        print("EN notice:", en[0]["subject"])
        print("  " + body.split("\n")[1].strip())
    if ja:
        body = ja[0]["body"]
        want = "%d か国の %d 個のアドレスから shop.example.jp/contact/ へ POST" % (countries, sources)
        if want not in body:
            err("the Japanese notice lacks %r:\n%s" % (want, body))
        if "reCAPTCHA" not in body or "中継" not in ja[0]["subject"]:
            err("the Japanese notice lacks its advice or subject")
        print("JA notice:", ja[0]["subject"])
        print("  " + body.split("\n")[1].strip())

# The webhook: two 503s, then every notice once, signed.
if [h["status"] for h in hooks[:2]] != [503, 503]:
    err("the receiver did not refuse the first two requests: %s" % [h["status"] for h in hooks[:2]])
if any(not h["signature_ok"] for h in hooks):
    err("a webhook request with a bad HMAC signature")
ok_notices = [h["notice"] for h in hooks if h["status"] == 200]
if len(ok_notices) != len(set(ok_notices)):
    err("a notice was delivered to the webhook twice")
hook_incidents = [b for h in hooks if h["status"] == 200 for b in h["body"] if b["kind"] == "incident"]
want_hooks = sorted(k.split(" ")[0] for k in incidents for _ in audience(k))  # one per language
if sorted(b["rule"] for b in hook_incidents) != want_hooks:
    err("webhook incident bodies: %s, want %s" % (sorted(b["rule"] for b in hook_incidents), want_hooks))
rb = [b for b in hook_incidents if b["rule"] == "web.form_relay.many_sources"]
if rb and not rb[0]["evidence"]:
    err("the webhook body has no evidence")

# The store's record of the attempts: the webhook's two refusals as "pending" rows with the
# receiver's answer, then one "sent" row per delivery that arrived.
rows = json.load(open(os.path.join(tmp, "deliveries.json")))
refused = [r for r in rows if r["channel"] == "webhook" and r["state"] == "pending"]
if len(refused) != 2 or any("HTTP 503" not in r["error"] for r in refused):
    err("store: webhook retries on record: %s" % refused)
sent = collections.Counter(r["channel"] for r in rows if r["state"] == "sent")
if sent["smtp"] != len(mails) or sent["webhook"] != len(ok_notices):
    err("store: sent rows %s, but %d mails and %d webhook posts arrived" % (dict(sent), len(mails), len(ok_notices)))
if any(r["state"] == "failed" for r in rows):
    err("store: a failed delivery")
if status["failed"] != 0 or status["pending"] != 0:
    err("status: failed %s, pending %s" % (status["failed"], status["pending"]))
if status["retries"] < 2:
    err("status shows %s retries, want >= 2 (the receiver refused twice)" % status["retries"])
if status["sent"] != len(mails) + len(ok_notices):
    err("status sent=%s, but %d mails + %d webhook posts arrived" % (status["sent"], len(mails), len(ok_notices)))
print("incidents %d, mails %d, webhook posts %d (%d refused), retries %d; latency finding->delivered: last %d ms, max %d ms" % (
    len(incidents), len(mails), len(hooks), len(hooks) - len(ok_notices), status["retries"],
    status["last_latency_ms"], status["max_latency_ms"]))
for e in errors:
    print("ERROR:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
grep -q "notify: send (smtp,webhook)" "$TMP/status.txt" || fail "bannin status does not show the notices: $(cat "$TMP/status.txt")"
echo "PASS"
