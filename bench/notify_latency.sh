#!/bin/bash
# bench/notify_latency.sh — notice latency of `bannin run`: from the log line that makes a
# form-relay finding to the notice mail being accepted by a real SMTP server (aiosmtpd on
# loopback). A benchmark: it prints numbers, asserts nothing.
#
# Usage: bench/notify_latency.sh [BANNIN]      (default build/release/bin/bannin, else build/dev)
# Env: COUNT (incidents, default 40), GAP_MS (pause between incidents, default 250),
#      GATHER (notify.gather, default 0s: the first notice as soon as the finding is seen;
#      the shipped default is 30s, which adds 30 s to every number below).
#
# The daemon (observe mode, notify.observe: send, no budget per recipient) tails a
# vhost_combined access log from its end. For each incident a fresh site sNNN.example.jp gets
# three POSTs to /contact/ from three foreign documentation-range-free addresses in one
# write(); the third makes web.form_relay.many_sources fire. The time of that write and the
# time the SMTP server accepted the operator's mail for that site give the latency (the mail
# path includes the notify thread's wakeup, the SMTP session and the server's parsing). The
# addresses are only text in a log file: nothing is sent to them.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BANNIN=${1:-}
if [ -z "$BANNIN" ]; then
  BANNIN=$ROOT/build/release/bin/bannin
  [ -x "$BANNIN" ] || BANNIN=$ROOT/build/dev/bin/bannin
fi
COUNT=${COUNT:-40}
GAP_MS=${GAP_MS:-250}
GATHER=${GATHER:-0s}
PY=/usr/bin/python3
[ -x "$BANNIN" ] || { echo "no bannin binary at $BANNIN" >&2; exit 1; }
$PY -c 'import aiosmtpd' || { echo "python3-aiosmtpd missing (tools/setup.sh)" >&2; exit 1; }

TMP=$(mktemp -d)
DPID="" SPID=""
cleanup() {
  [ -n "$DPID" ] && kill "$DPID" 2>/dev/null || true
  [ -n "$SPID" ] && kill "$SPID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SMTP_PORT=$(port)
API_PORT=$(port)
mkdir -p "$TMP/logs"
: >"$TMP/logs/access.log"
$PY "$ROOT/tests/cli/lib/smtp_server.py" "$SMTP_PORT" "$TMP/mail.jsonl" >"$TMP/smtp.log" 2>&1 &
SPID=$!
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
site: {home_countries: [JP]}
rule_files: [$ROOT/rules/base]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$API_PORT}
decide: {max_per_minute: 0}
sources:
  - type: file
    paths: [$TMP/logs/access.log]
    decoder: vhost_combined
notify:
  observe: send
  operator: [ops@host.example]
  gather: $GATHER
  per_recipient_per_hour: 0
  smtp: {url: "smtp://127.0.0.1:$SMTP_PORT", tls: "off"}
YAML
"$BANNIN" run --config "$TMP/bannin.yaml" >"$TMP/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 300); do
  "$BANNIN" status --api "http://127.0.0.1:$API_PORT" --format json >/dev/null 2>&1 && break
  sleep 0.1
done
grep -q ready "$TMP/smtp.log" || sleep 1

$PY - "$TMP" "$COUNT" "$GAP_MS" "$BANNIN" "$API_PORT" <<'PY'
import json, os, subprocess, sys, time
tmp, count, gap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) / 1000
bannin, api = sys.argv[4], sys.argv[5]
log = os.path.join(tmp, "logs", "access.log")
# Foreign sources (US, DE, BR ranges in Debian's tor-geoipdb), distinct per incident.
blocks = ["8.8.%d.%d", "85.214.%d.%d", "200.147.%d.%d"]
written = {}
with open(log, "a") as f:
    for i in range(count):
        vhost = "s%03d.example.jp" % i
        stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
        lines = "".join('%s:443 %s - - [%s] "POST /contact/ HTTP/1.1" 200 512 "-" "Mozilla/5.0"\n'
                        % (vhost, b % (i // 250, i % 250 + 1), stamp) for b in blocks)
        f.write(lines)
        f.flush()
        written[vhost] = time.time()
        time.sleep(gap)
deadline = time.time() + 30
mails = []
while time.time() < deadline:
    path = os.path.join(tmp, "mail.jsonl")
    mails = [json.loads(l) for l in open(path)] if os.path.exists(path) else []
    if len({m["subject"] for m in mails}) >= count:
        break
    time.sleep(0.2)
lat = []
for m in mails:
    for vhost, t in written.items():
        if vhost + "/contact/" in m["subject"]:
            lat.append((m["received"] - t) * 1000)
lat.sort()
def pct(p):
    return lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")
st = json.loads(subprocess.run([bannin, "status", "--api", "http://127.0.0.1:" + api, "--format", "json"],
                               capture_output=True, text=True).stdout)["notify"]
print("binary: %s" % bannin)
print("incidents written %d, notices received %d" % (count, len(lat)))
print("line -> mail accepted (ms): p50 %.1f  p90 %.1f  max %.1f  min %.1f" % (pct(0.5), pct(0.9), lat[-1] if lat else float("nan"), lat[0] if lat else float("nan")))
print("daemon's own finding -> delivered: last %s ms, max %s ms; sent %s, failed %s, retries %s" % (
    st["last_latency_ms"], st["max_latency_ms"], st["sent"], st["failed"], st["retries"]))
PY
