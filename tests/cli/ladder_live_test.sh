#!/bin/bash
# The escalation ladder on a live web server (issue 14, "a second wave escalates one step with
# a notice first"): `bannin run` in enforce mode, a real nginx on loopback inside a network
# namespace created here, a real SMTP server (aiosmtpd) for the notices, the hosting
# inventory naming the owner (Japanese). A form is relayed in three waves of three "foreign"
# sources (a test .mmdb maps 127.0.0.2/.4/.5 to US/DE/CN and 127.0.0.3 to JP):
#   1. the form is contained: foreign POST /contact/ gets 403; domestic POSTs, other paths
#      and other methods get 200;
#   2. the relay goes on after step_time: a warning decision, and the owner's notice with
#      the warning (in Japanese) reaches the SMTP server — while the site is still open;
#   3. it still goes on after warn_lead: the whole site is contained for foreign POSTs
#      (POST /about/ from abroad 403, from JP 200, GET 200), not before the warning's mail.
# Skips only when the kernel refuses a namespace or nginx/curl/aiosmtpd are missing.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/nginx.sh"

for b in nginx curl; do
  command -v "$b" >/dev/null || { echo "SKIP: $b is not installed (tools/setup.sh)"; exit 0; }
done
PY=/usr/bin/python3  # Debian's python, which has python3-aiosmtpd
$PY -c 'import aiosmtpd' 2>/dev/null || fail "python3-aiosmtpd is not installed (tools/setup.sh)"
NS="bn_ladder_$$"
if ! ip netns add "$NS" 2>"$TMP/netns.err"; then
  echo "SKIP: the kernel refused to create a network namespace: $(cat "$TMP/netns.err")"
  exit 0
fi
EXTRA_CLEANUP='[ -f "$TMP/nginx/nginx.pid" ] && kill $(cat "$TMP/nginx/nginx.pid") 2>/dev/null; [ -n "${SMTP_PID:-}" ] && kill $SMTP_PID 2>/dev/null; sleep 0.2; ip netns del '"$NS"' 2>/dev/null'
ip -n "$NS" link set lo up
NSX="ip netns exec $NS"
N() { ip netns exec "$NS" "$@"; }
chmod 755 "$TMP"

python3 "$ROOT/tests/fixtures/geo/make_mmdb.py" "$TMP/geo.mmdb" \
  127.0.0.3/32=JP 127.0.0.2/32=US 127.0.0.4/32=DE 127.0.0.5/32=CN

WPORT=$(free_port)
code() {  # code ADDR METHOD PATH: the HTTP status nginx gives for host example.jp
  N curl -s -o /dev/null -w '%{http_code}' --max-time 2 --interface "$1" -X "$2" \
    -H "Host: example.jp" -d x=1 "http://127.0.0.1:$WPORT$3" 2>/dev/null || true
}
expect() {  # expect CODE ADDR METHOD PATH WHY
  local got
  got=$(code "$2" "$3" "$4")
  [ "$got" = "$1" ] || fail "$5: $3 $4 from $2 gave $got, expected $1"
}
is_code() { [ "$(code "$2" "$3" "$4")" = "$1" ]; }
wave() { for a in 127.0.0.2 127.0.0.4 127.0.0.5; do code $a POST /contact/ >/dev/null; done; }
site_rows() { sql "SELECT action || ' ' || scope FROM decisions WHERE scope NOT IN ('ip','prefix') ORDER BY id" | paste -sd, -; }
n_site_rows() { [ "$(sql "SELECT count(*) FROM decisions WHERE scope NOT IN ('ip','prefix')")" -ge "$1" ]; }

# The SMTP server, in the namespace with the daemon (plain: TLS and AUTH are
# notify_delivery_test.sh's).
SMTP_PORT=$(free_port)
N $PY "$ROOT/tests/cli/lib/smtp_server.py" "$SMTP_PORT" "$TMP/mail.jsonl" >"$TMP/smtp.log" 2>&1 &
SMTP_PID=$!
wait_for 10 "the SMTP server" grep -q ready "$TMP/smtp.log"

# nginx with bannin's include files, logging in vhost_combined form.
write_nginx_conf "$TMP/nginx" "$WPORT" example.jp

# The form-relay rule with a window of seconds, so that each wave is a new finding (the
# shipped rule's 15 minutes would make this test wait an hour; the ladder counts the same).
cat >"$TMP/relay.yaml" <<'YAML'
rules:
  - id: test.form_relay
    title: A web form used as a relay by many sources from abroad (test, short window)
    when: [http.request]
    where: method == "POST" and status < 500
    group_by: [vhost, path]
    window: 3s
    params: {min_sources: 3, min_foreign_share: 0.75}
    fire: distinct(src_ip) >= $min_sources and share(country not in $home_countries) >= $min_foreign_share
    then:
      - action: deny
        scope: vhost_path
        method: POST
        except_countries: $home_countries
        ttl: 5m
        reason: "Form {vhost}{path} used as a relay; foreign POSTs refused for {ttl}."
YAML
cat >"$TMP/inventory.yaml" <<YAML
accounts:
  hanako: {contacts: [hanako@example.jp], language: ja}
sites:
  - names: [example.jp]
    account: hanako
    docroot: /home/hanako/www
YAML
cat >"$TMP/bannin.yaml" <<YAML
mode: enforce
site: {home_countries: [JP]}
geo: {database: $TMP/geo.mmdb}
rule_files: [$TMP/relay.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
kpi: {enabled: false}
decide:
  own_addresses: false
  ladder: {enabled: true, step_time: 4s, warn_lead: 3s}
enforce:
  nftables: {table: bannin_laddert}
  webserver: {server: nginx, dir: $TMP/nginx/bannin, config: $TMP/nginx/nginx.conf, batch_window: 200ms}
inventory: {file: $TMP/inventory.yaml}
notify:
  operator: [ops@host.example]
  operator_language: en
  from: bannin@host.example
  gather: 0s
  smtp: {url: "smtp://127.0.0.1:$SMTP_PORT", tls: "off"}
sources:
  - type: file
    paths: [$TMP/nginx/access.log]
    decoder: vhost_combined
YAML
N "$BANNIN" webserver setup --config "$TMP/bannin.yaml" >"$TMP/setup.out" 2>&1 ||
  fail "webserver setup: $(cat "$TMP/setup.out")"
N nginx -c "$TMP/nginx/nginx.conf" || fail "nginx did not start"
wait_for 5 "nginx answers" is_code 200 127.0.0.3 GET /
# The daemon runs in the namespace too: it reloads that nginx.
start_daemon
following() { grep -qF "following $TMP/nginx/access.log" "$TMP/daemon.log"; }
wait_until 10 "the log followed" following

# 1. The first wave: the form is contained, nothing else.
t1=$(date +%s.%N)
wave
wait_for 10 "wave 1: foreign POST /contact/ refused" is_code 403 127.0.0.2 POST /contact/
expect 200 127.0.0.3 POST /contact/ "wave 1 domestic"
expect 200 127.0.0.2 POST /about/ "wave 1 other path"
expect 200 127.0.0.2 GET /contact/ "wave 1 GET"
[ "$(site_rows)" = "deny vhost_path" ] || fail "after wave 1: $(site_rows)"

# 2. After step_time (4 s) the relay goes on: the warning, mailed to the owner at once,
#    while the rest of the site stays open.
sleep "$(python3 -c "print(max(0.0, $t1 + 5 - __import__('time').time()))")"
wave
wait_until 15 "the warning decision" n_site_rows 2
[ "$(site_rows)" = "deny vhost_path,notify_only vhost" ] || fail "after wave 2: $(site_rows)"
warned_mail() { grep -q 'hanako@example.jp' "$TMP/mail.jsonl" 2>/dev/null && grep -q '警告' "$TMP/mail.jsonl"; }
wait_until 15 "the warning in the owner's mail" warned_mail
expect 200 127.0.0.2 POST /about/ "after the warning, before the next step"

# 3. After warn_lead (3 s) it still goes on: the whole site, for foreign POSTs only.
sleep 3.5
wave
wait_until 15 "the whole site contained" n_site_rows 3
[ "$(site_rows)" = "deny vhost_path,notify_only vhost,deny vhost" ] || fail "after wave 3: $(site_rows)"
wait_for 10 "wave 3: foreign POST /about/ refused" is_code 403 127.0.0.2 POST /about/
# (nginx may still be switching workers after the reload: an old worker can take a new
# connection for a moment, so the second address gets the same few seconds as the first.)
wait_for 5 "wave 3: foreign POST / from another address refused" is_code 403 127.0.0.4 POST /
expect 200 127.0.0.3 POST /about/ "wave 3 domestic"
expect 200 127.0.0.2 GET /about/ "wave 3 GET"
stop_daemon

# The warning mail came before the site decision was taken.
python3 - "$TMP/mail.jsonl" "$(sql "SELECT ts_ns FROM decisions WHERE scope='vhost' AND action='deny'")" <<'PY' || fail "order of warning and step"
import json, sys
mails = [json.loads(l) for l in open(sys.argv[1])]
step_s = int(sys.argv[2]) / 1e9
warned = [m for m in mails if "hanako@example.jp" in m["rcpt_tos"] and "警告" in m["body"]]
assert warned, "no warning to the owner"
first = min(m["received"] for m in warned)
assert first < step_s, "warning mailed %.2f s after the step" % (first - step_s)
print("ok: the owner's warning mailed %.1f s before the whole site was contained" % (step_s - first))
PY
echo "PASS: path, warning mail, whole site — live nginx, enforce mode"
