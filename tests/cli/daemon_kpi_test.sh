#!/bin/bash
# The KPI probe with real parts (issue 16, incident S4: a DNS server's UDP receive buffer
# overflowed and nobody watched the counter). In a network namespace this test creates: a
# UDP socket with a small receive buffer that is never read (python3), and a bounded flood
# into it from the same namespace (12,000 datagrams over four seconds, then it stops by
# itself). `bannin run` runs in the host namespace and reads that namespace's counters
# through kpi.proc_root=/proc/<pid of the receiver>, with the receiver as a service.
# Asserts:
#   - udp.rcvbuf_errors in GET /api/v1/series shows the drops (≥ 100/s at some second), and
#     the service's own socket drops (service.udp_drops/sink) too;
#   - a finding of the shipped rule host.udp.rcvbuf_drops (rules/base/kpi.yaml) is stored,
#     and one of service.udp.rcvbuf_drops for the service;
#   - `bannin status` shows the KPI section with the service;
#   - service KPIs from an access log (log.http, log.http.5xx/<vhost>) are series too;
#   - the series survive a restart (written to kpi-series.bin at stop, read at start), and so
#     do the learned baselines of the rules (baselines.bin).
# Skips (exit 0) only when the kernel refuses to create a network namespace.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

NS="bn_kpi_$$"
RPID=""
EXTRA_CLEANUP='[ -n "$RPID" ] && kill "$RPID" 2>/dev/null; ip netns del "$NS" 2>/dev/null'
if ! ip netns add "$NS" 2>"$TMP/netns.err"; then
  echo "SKIP: the kernel refused to create a network namespace: $(cat "$TMP/netns.err")"
  exit 0
fi
ip -n "$NS" link set lo up

# The receiver: a 2 KiB receive buffer on 127.0.0.1:5300 inside the namespace, never read;
# it writes its pid file once bound and ends by itself after 60 s at most.
ip netns exec "$NS" python3 - "$TMP/sink.pid" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
s.bind(("127.0.0.1", 5300))
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(60)
PY
RPID=$!
wait_for 5 "the receiver's pid file" test -s "$TMP/sink.pid"
[ "$(cat "$TMP/sink.pid")" = "$RPID" ] || fail "the receiver is not the process ip netns exec started"

cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: ""}
sources:
  - {type: file, paths: [$TMP/access.log], decoder: vhost_combined, start: beginning}
rule_files: [$ROOT/rules/base/kpi.yaml]
kpi:
  proc_root: /proc/$RPID
  services:
    - {name: sink, pid_file: $TMP/sink.pid, ports: [5300]}
YAML
# An access log: 40 requests of one site, 10 of them answered 503 (service KPIs from logs).
python3 - "$TMP/access.log" <<'PY'
import sys, time
t = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
with open(sys.argv[1], "w") as f:
    for i in range(40):
        f.write('shop.example.jp:443 192.0.2.%d - - [%s] "GET /item/%d HTTP/1.1" %d 512 "-" "Mozilla/5.0"\n'
                % (i + 1, t, i, 503 if i % 4 == 0 else 200))
PY
start_daemon
sampled() { n=$(status_get 'd["kpi"]["samples"]'); [ -n "$n" ] && [ "$n" -ge 1 ]; }
wait_until 5 "a first KPI sample" sampled
[ "$(status_get 'd["kpi"]["proc_root"]')" = "/proc/$RPID" ] || fail "status does not name the proc_root"

# The flood: 3,000 datagrams a second for four seconds, from inside the namespace.
ip netns exec "$NS" python3 - <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload = b"q" * 200
start = time.monotonic()
for second in range(4):
    for _ in range(3000):
        s.sendto(payload, ("127.0.0.1", 5300))
    left = start + second + 1 - time.monotonic()
    if left > 0:
        time.sleep(left)
PY

# series_max NAME: the largest value of the series over the last minute ("" when none).
series_max() {
  curl -s "$API/api/v1/series?name=$1&from=-60s" | python3 -c '
import json, sys
d = json.load(sys.stdin)
vals = [p[1] for p in d.get("points", []) if p[1] is not None]
print(int(max(vals)) if vals else "")'
}
drops_seen() { v=$(series_max udp.rcvbuf_errors); [ -n "$v" ] && [ "$v" -ge 100 ]; }
wait_until 5 "udp.rcvbuf_errors >= 100/s in /api/v1/series" drops_seen
echo "udp.rcvbuf_errors peak: $(series_max udp.rcvbuf_errors)/s"
svc_seen() { v=$(series_max service.udp_drops/sink); [ -n "$v" ] && [ "$v" -ge 100 ]; }
wait_until 5 "service.udp_drops/sink >= 100/s" svc_seen
curl -s "$API/api/v1/series" | grep -q '"name":"udp.rcvbuf_errors"' || fail "udp.rcvbuf_errors not in the series list"
# Service KPIs from the log: the site's requests and its 5xx answers as rates.
http_seen() { v=$(series_max log.http.5xx/shop.example.jp); [ -n "$v" ] && [ "$v" -ge 1 ]; }
wait_until 5 "log.http.5xx/shop.example.jp in /api/v1/series" http_seen
curl -s "$API/api/v1/series" | grep -q '"name":"log.http","kind":"rate","unit":"1/s"' ||
  fail "log.http is not listed as a rate"
echo "log.http peak $(series_max log.http)/s, log.http.5xx/shop.example.jp $(series_max log.http.5xx/shop.example.jp)/s"

finding() { [ "$(sql "select count(*) from findings where rule='$1'")" -ge 1 ]; }
wait_until 5 "a stored finding host.udp.rcvbuf_drops" finding host.udp.rcvbuf_drops
wait_until 5 "a stored finding service.udp.rcvbuf_drops" finding service.udp.rcvbuf_drops
sql "select rule, group_json, numbers_json from findings" | sed 's/^/  /'
sql "select group_json from findings where rule='service.udp.rcvbuf_drops'" | grep -q '"service":"sink"' ||
  fail "the service finding does not name the service"
[ "$(sql "select count(*) from evidence e join findings f on e.finding_id=f.id where f.rule='host.udp.rcvbuf_drops'")" -ge 3 ] ||
  fail "the finding has fewer than 3 samples as evidence"

"$BANNIN" status --api "$API" >"$TMP/status.txt" || true
grep -q "^KPIs" "$TMP/status.txt" || fail "bannin status has no KPI section"
grep -q "^  sink " "$TMP/status.txt" || fail "bannin status does not list the service"

# Restart: the series come back from kpi-series.bin.
before=$(series_max udp.rcvbuf_errors)
stop_daemon
[ -s "$TMP/kpi-series.bin" ] || fail "no series file beside the store after stop"
start_daemon
after=$(series_max udp.rcvbuf_errors)
[ "$after" = "$before" ] || fail "after a restart the series peak is '$after', was '$before'"
grep -q "series restored from $TMP/kpi-series.bin" "$TMP/daemon.log" || fail "no restore logged"
# host.udp.drops_out_of_line learns each host's usual drops (baseline()): the learned state
# was written beside the store at stop and read back at start.
[ -s "$TMP/baselines.bin" ] || fail "no baselines.bin beside the store after a stop"
grep -q "learned states restored from $TMP/baselines.bin" "$TMP/daemon.log" ||
  fail "no baselines restore logged"
stop_daemon
echo "PASS: drops seen in the series and as findings, the series survived a restart"
