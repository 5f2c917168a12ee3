#!/bin/bash
# bench/daemon_latency.sh — line-to-enforcement latency of `bannin run` (issue 7's target:
# p99 <= 200 ms from the line being appended to the address being in the nftables set), under
# a steady background of harmless log lines. A benchmark: it prints numbers, asserts nothing.
#
# Usage: sudo bench/daemon_latency.sh [BANNIN] [PROBE]
#   BANNIN  default build/release/bin/bannin (a release build)
#   PROBE   default <BANNIN's build>/bench/daemon_latency_probe (bench/daemon_latency_probe.cpp)
# Env: RATE (background lines/s, default 100000), COUNT (triggers, default 1000), WARMUP
#      (seconds of background before measuring, default 3), GAP_MS (pause after each trigger,
#      default 20), OUT (default bench/out/latency), PERF=1 records `perf record -g` of the
#      daemon during the measurement into OUT/perf.data and prints its top symbols.
#
# Everything runs in a network namespace created here (deleted on exit): the daemon enforces
# into table inet bannin_lat there, with a file source tailing TMP/logs/access.log and the
# rule file tests/fixtures/daemon/every_path.yaml (test.login_guess: 3 POSTs to /login from
# one source -> deny ip for 1 h). The probe writes the background lines from a thread, then
# COUNT times appends three failed logins for a fresh address (10.100.x.9, a /24 each) in one
# write() and waits for the kernel's NEWSETELEM notification for that address (netlink group
# NFNLGRP_NFTABLES: no polling; clock resolution 1 ns, accuracy = the probe's wakeup delay).
# The addresses are only text in a log file: nothing is sent to them.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BANNIN=${1:-$ROOT/build/release/bin/bannin}
PROBE=${2:-$(cd "$(dirname "$BANNIN")/.." && pwd)/bench/daemon_latency_probe}
RATE=${RATE:-100000}
COUNT=${COUNT:-1000}
WARMUP=${WARMUP:-3}
GAP_MS=${GAP_MS:-20}
OUT=${OUT:-$ROOT/bench/out/latency}
PERF=${PERF:-0}

[ -x "$BANNIN" ] || { echo "no bannin binary at $BANNIN (run make build)" >&2; exit 1; }
[ -x "$PROBE" ] || { echo "no probe at $PROBE (cmake --build <dir> --target daemon_latency_probe)" >&2; exit 1; }
mkdir -p "$OUT"

NS="bn_lat_$$"
TMP=$(mktemp -d)
DPID=""
PERFPID=""
cleanup() {
  if [ -n "$PERFPID" ]; then kill -INT "$PERFPID" 2>/dev/null || true; wait "$PERFPID" 2>/dev/null || true; fi
  if [ -n "$DPID" ]; then kill -TERM "$DPID" 2>/dev/null || true; wait "$DPID" 2>/dev/null || true; fi
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
ip netns add "$NS" || { echo "cannot create a network namespace (root needed)" >&2; exit 1; }
ip -n "$NS" link set lo up
N() { ip netns exec "$NS" "$@"; }

PORT=18087
API="http://127.0.0.1:$PORT"
mkdir -p "$TMP/logs"
touch "$TMP/logs/access.log"
cat >"$TMP/bannin.yaml" <<YAML
mode: enforce
geo: {database: none}
rule_files: [$ROOT/tests/fixtures/daemon/every_path.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: "", max_per_minute: 0}
enforce: {nftables: {table: bannin_lat}}
sources:
  - type: file
    paths: [$TMP/logs/access.log]
    decoder: combined
YAML

# Not through N(): a backgrounded function is a subshell, and $! would be its PID. `ip netns
# exec` execs the command, so $! is the daemon's own PID.
ip netns exec "$NS" "$BANNIN" run --config "$TMP/bannin.yaml" >"$TMP/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 200); do
  if N "$BANNIN" status --api "$API" --format json >/dev/null 2>&1; then break; fi
  kill -0 "$DPID" 2>/dev/null || { echo "the daemon exited at start:" >&2; cat "$TMP/daemon.log" >&2; exit 1; }
  sleep 0.05
done

if [ "$PERF" = 1 ]; then
  perf record -F 499 -g -p "$DPID" -o "$OUT/perf.data" >"$OUT/perf.log" 2>&1 &
  PERFPID=$!
fi
echo "bannin run (enforce, nftables) in netns $NS, kernel $(uname -r), $(nproc) cores;" \
  "background $RATE lines/s, $COUNT triggers" >&2
set +e
N "$PROBE" "$TMP/logs/access.log" "$DPID" bannin_lat "$RATE" "$COUNT" "$WARMUP" "$GAP_MS" \
  | tee "$OUT/result.txt"
rc=${PIPESTATUS[0]}
set -e
if [ -n "$PERFPID" ]; then
  kill -INT "$PERFPID" 2>/dev/null || true
  wait "$PERFPID" 2>/dev/null || true
  PERFPID=""
fi

# Did the daemon keep up with the background? Its own counters, after a second to drain.
sleep 1
N "$BANNIN" status --api "$API" --format json >"$OUT/status.json" 2>/dev/null || true
python3 - "$OUT/status.json" "$(wc -l <"$TMP/logs/access.log")" <<'EOF' || true
import json, sys
try:
    st = json.load(open(sys.argv[1]))
except Exception as e:
    print("daemon status: unreadable (%s)" % e); sys.exit(0)
written = int(sys.argv[2])
def find(o, key):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == key: yield v
            yield from find(v, key)
    elif isinstance(o, list):
        for v in o: yield from find(v, key)
decoded = sum(v for v in find(st, "decoded") if isinstance(v, int))
print("daemon decoded      %d of %d lines written (%.1f %%)" % (decoded, written, 100.0 * decoded / max(written, 1)))
for key in ("dropped", "queue_drops", "decisions", "applied", "failed_actions"):
    vals = [v for v in find(st, key) if isinstance(v, (int, float))]
    if vals: print("daemon %-12s %s" % (key, sum(vals)))
EOF
if [ "$PERF" = 1 ] && [ -s "$OUT/perf.data" ]; then
  echo "--- perf: daemon threads by CPU share"
  perf report -i "$OUT/perf.data" --no-children --sort comm -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -8
  echo "--- perf: top symbols"
  perf report -i "$OUT/perf.data" --no-children --sort comm,dso,sym -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25
fi
echo "target: p99 <= 200 ms (issue 7); daemon log: $(grep -c . "$TMP/daemon.log") lines" >&2
exit "$rc"
