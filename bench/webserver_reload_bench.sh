#!/bin/bash
# bench/webserver_reload_bench.sh — how many nginx reloads, and how long, 1,000 vhost_path
# decisions cost (issue 14: "a wave on 300 vhosts makes one reload, not 300").
#
# Usage: sudo bench/webserver_reload_bench.sh [N] [BANNIN]
#   N       vhosts hit by the wave (default 1000): one vhost_path decision each
#   BANNIN  default build/release/bin/bannin
#
# A real nginx and `bannin run` (enforce mode, enforce.webserver.server: nginx) run inside a
# network namespace created here; the geo data is the real tor-geoipdb with home country JP,
# so every install carries the real ~15,000-CIDR JP allow-list (the test addresses 127.0.0.x
# are unknown = foreign). The wave: 3 POSTs to /contact/ on each of N vhosts, appended to
# nginx's access log at once; the form-relay rule decides one vhost_path containment per
# vhost. Measured per row: seconds from the append until the store says all N decisions are
# active, and the reloads nginx itself logged ("reconfiguring", error_log at notice).
# Reference row in the same run: enforce.webserver.batch_window 0 (no gathering: one install
# per batch the act thread happens to pop). Afterwards a foreign POST to one of the vhosts
# must get 403 (no test address is domestic in tor's data, so only the 403 is checked).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000}
BANNIN=${2:-$ROOT/build/release/bin/bannin}
[ -x "$BANNIN" ] || { echo "no bannin binary at $BANNIN (cmake --preset release && cmake --build --preset release --target bannin)" >&2; exit 1; }
command -v nginx >/dev/null || { echo "nginx is not installed (tools/setup.sh)" >&2; exit 1; }
TMP=$(mktemp -d)
NS="bn_wbench_$$"
DPID=""
cleanup() {
  [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
  [ -f "$TMP/nginx.pid" ] && kill "$(cat "$TMP/nginx.pid")" 2>/dev/null
  sleep 0.2
  ip netns del "$NS" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
N() { ip netns exec "$NS" "$@"; }
PORT=18080
API=18731

sed -e 's/ttl: 6s/ttl: 1h/' "$ROOT/tests/fixtures/daemon/form_relay_short.yaml" >"$TMP/rule.yaml"

run() {  # WINDOW: prints "seconds reloads"
  local window=$1
  rm -rf "$TMP/bannin" "$TMP/bannin.db"* "$TMP/access.log" "$TMP/error.log"
  touch "$TMP/access.log"
  cat >"$TMP/nginx.conf" <<CONF
pid $TMP/nginx.pid;
error_log $TMP/error.log notice;
worker_processes 1;
events {}
http {
    include $TMP/bannin/http.conf;
    access_log off;
    client_body_temp_path $TMP/body;
    proxy_temp_path $TMP/proxy;
    fastcgi_temp_path $TMP/fastcgi;
    uwsgi_temp_path $TMP/uwsgi;
    scgi_temp_path $TMP/scgi;
    server {
        listen 127.0.0.1:$PORT default_server;
        server_name _;
        include $TMP/bannin/server.conf;
        location / { return 200 "ok\n"; }
    }
}
CONF
  cat >"$TMP/bannin.yaml" <<YAML
mode: enforce
site: {home_countries: [JP]}
geo: {database: tor}
rule_files: [$TMP/rule.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$API}
decide: {max_per_minute: 0}
enforce:
  nftables: {table: bannin_wbench}
  webserver: {server: nginx, dir: $TMP/bannin, config: $TMP/nginx.conf, batch_window: $window, min_entries: 10000}
sources:
  - type: file
    paths: [$TMP/access.log]
    decoder: vhost_combined
YAML
  N "$BANNIN" webserver setup --config "$TMP/bannin.yaml" >/dev/null
  N nginx -c "$TMP/nginx.conf"
  ip netns exec "$NS" "$BANNIN" run --config "$TMP/bannin.yaml" >"$TMP/daemon.log" 2>&1 &
  DPID=$!
  for _ in $(seq 200); do N "$BANNIN" status --api "http://127.0.0.1:$API" >/dev/null 2>&1 && break; sleep 0.05; done
  # The daemon's first act loop rewrites the files from the (empty) store and reloads once;
  # that start-up reload is not the wave's.
  local base=0
  for _ in $(seq 100); do
    base=$(grep -c reconfiguring "$TMP/error.log" || true)
    [ "$base" -ge 1 ] && break
    sleep 0.1
  done
  sleep 0.5
  python3 - "$N" >"$TMP/wave.log" <<'PY'
import sys, time
n = int(sys.argv[1])
ts = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
for v in range(n):
    for a in ("127.0.0.2", "127.0.0.4", "127.0.0.5"):
        print(f'v{v}.example.jp:80 {a} - - [{ts}] "POST /contact/ HTTP/1.1" 200 3 "-" "bench"')
PY
  local t0 t1 active=0
  t0=$(date +%s%N)
  cat "$TMP/wave.log" >>"$TMP/access.log"
  for _ in $(seq 3000); do
    active=$(sqlite3 -cmd '.timeout 5000' "$TMP/bannin.db" "SELECT count(*) FROM decisions WHERE state='active'" 2>/dev/null || echo 0)
    [ "$active" -ge "$N" ] && break
    sleep 0.1
  done
  t1=$(date +%s%N)
  [ "$active" -ge "$N" ] || { echo "only $active of $N decisions active after 300 s" >&2; tail "$TMP/daemon.log" >&2; exit 1; }
  sleep 1  # the last reload's new workers
  local code
  code=$(N curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 -X POST -d x=1 \
    -H "Host: v$((N / 2)).example.jp" "http://127.0.0.1:$PORT/contact/")
  [ "$code" = 403 ] || { echo "a foreign POST to v$((N / 2)) got $code, not 403" >&2; exit 1; }
  local reloads
  reloads=$(( $(grep -c reconfiguring "$TMP/error.log" || true) - base ))
  kill -TERM "$DPID"; wait "$DPID" || true; DPID=""
  kill "$(cat "$TMP/nginx.pid")"; sleep 0.3
  local row
  row=$(awk -v a="$t0" -v b="$t1" -v r="$reloads" 'BEGIN{ printf "%.2f %d", (b - a) / 1e9, r }')
  echo "  batch_window $window: $row (seconds, reloads)" >&2
  echo "$row"
}

echo "webserver reload bench: $N vhost_path decisions (one per vhost), nginx $(nginx -v 2>&1 | sed 's/.*\///'), JP allow-list from tor-geoipdb"
read -r t_win r_win < <(run 500ms)
read -r t_ref r_ref < <(run 0)
printf "%-34s %10s %9s\n" "run" "seconds" "reloads"
printf "%-34s %10s %9s\n" "batch_window 500ms (default)" "$t_win" "$r_win"
printf "%-34s %10s %9s\n" "batch_window 0 (reference)" "$t_ref" "$r_ref"
awk -v a="$t_win" -v b="$t_ref" -v ra="$r_win" -v rb="$r_ref" \
  'BEGIN{ printf "ratio (default/reference): time %.2fx, reloads %.2fx\n", a / b, (rb > 0 ? ra / rb : 0) }'
