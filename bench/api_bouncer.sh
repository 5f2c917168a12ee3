#!/bin/bash
# bench/api_bouncer.sh — the API under bouncer load (issue 15). Not a test: prints numbers.
#
# Usage: bench/api_bouncer.sh [DECISIONS] [BANNIN]
#   DECISIONS  active ip decisions in the store (default 100000)
#   BANNIN     binary (default build/bannin, else build/release/bin/bannin)
#
# Builds a store with DECISIONS active ip decisions (inserted with sqlite3 after bannin made
# the schema), starts `bannin run` (observe mode, no sources) on a free loopback port, and
# measures in the same run:
#   /health with wrk (2 threads, 50 connections, 5 s)           the reference
#   the bouncer startup answer (DECISIONS decisions), by curl      target <= 1 s
#   plain delta polls with wrk (X-Api-Key, nothing new)            target >= 2 k/s, p99 <= 20 ms
#   /health with wrk while 200 connections hold half-sent heads    must stay near the reference
# Each wrk line gives requests/s and the latency p99 (wrk --latency).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-100000}
BANNIN=${2:-$ROOT/build/bannin}
[ -x "$BANNIN" ] || BANNIN=$ROOT/build/release/bin/bannin
[ -x "$BANNIN" ] || { echo "no bannin binary (make build)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
TMP=$(mktemp -d)
DPID=""
SPID=""
trap '[ -n "$DPID" ] && kill $DPID 2>/dev/null; [ -n "$SPID" ] && kill $SPID 2>/dev/null; rm -rf "$TMP"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
API="http://127.0.0.1:$PORT"
KEY="bench-key-0123456789abcdef"

"$BANNIN" bouncers add bench --key "$KEY" --store "$TMP/bannin.db" >/dev/null 2>&1
python3 - "$TMP/bannin.db" "$N" <<'PY'
import sqlite3, sys, time
db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
now = time.time_ns()
rows = []
for i in range(n):
    ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
    rows.append((now, "bench.rule", "rule", "deny", "ip", '{"ip":"%s"}' % ip, ip, 86400,
                 now + 86400 * 10**9, "bench", "active"))
c.executemany("INSERT INTO decisions(ts_ns, rule, origin, action, scope, target_json, target_key,"
              " ttl_s, expires_ns, reason, state) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
c.execute("INSERT INTO decision_history(decision_id, ts_ns, state, note)"
          " SELECT id, ts_ns, state, 'bench' FROM decisions")
c.commit()
PY
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
sources: []
YAML
"$BANNIN" run --config "$TMP/bannin.yaml" >"$TMP/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 200); do curl -sf "$API/health" >/dev/null 2>&1 && break; sleep 0.05; done
curl -sf "$API/health" >/dev/null || { echo "the daemon did not start:"; cat "$TMP/daemon.log"; exit 1; }

wrk_line() {  # wrk_line LABEL ARGS...: "LABEL  N req/s  p99 X"
  local label=$1; shift
  local out
  out=$(wrk -t2 -c50 -d5s --latency "$@" 2>&1)
  printf '%-44s %10s req/s   p99 %s\n' "$label" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")"
}
echo "bannin: $BANNIN; $N active decisions; $(nproc) cores"
wrk_line "/health (reference)" "$API/health"
t0=$(date +%s%N)
curl -s -H "X-Api-Key: $KEY" "$API/v1/decisions/stream?startup=true" -o "$TMP/startup.json"
t1=$(date +%s%N)
got=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["new"]))' "$TMP/startup.json")
printf '%-44s %10s s     (%s decisions, %s bytes)\n' "bouncer startup answer" \
  "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')" "$got" "$(stat -c %s "$TMP/startup.json")"
wrk_line "bouncer delta polls (nothing new)" -H "X-Api-Key: $KEY" "$API/v1/decisions/stream?"
python3 - "$PORT" <<'PY' &
# 200 connections that never finish their head; each one the server closes (2 s deadline)
# is opened again at once, so 200 are always pending.
import select, socket, sys, time
port = int(sys.argv[1])
def open_one(i):
    s = socket.socket()
    s.bind((f"127.0.3.{1 + i // 25}", 0))
    s.connect(("127.0.0.1", port))
    s.send(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    return s
held = {i: open_one(i) for i in range(200)}
end = time.time() + 30
while time.time() < end:
    ready, _, _ = select.select(list(held.values()), [], [], 0.2)
    for s in ready:
        i = next(k for k, v in held.items() if v is s)
        s.close()
        held[i] = open_one(i)
PY
SPID=$!
sleep 1
wrk_line "/health with 200 half-sent heads open" "$API/health"
