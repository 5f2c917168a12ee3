#!/bin/bash
# `make demo`: start `bannin run --config config/demo.yaml`, replay a generated incident day
# into var/demo/logs/ at 600x, show `bannin status` while it runs and the decisions at the
# end, then stop the daemon. Everything stays under var/demo/ (removed at the next demo).
set -euo pipefail
cd "$(dirname "$0")/.."
BANNIN=${BANNIN:-build/bannin}
SPEED=${SPEED:-600}
rm -rf var/demo
mkdir -p var/demo/logs
"$BANNIN" run --config config/demo.yaml 2>var/demo/daemon.log &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  "$BANNIN" status >/dev/null 2>&1 && break
  kill -0 $PID 2>/dev/null || { cat var/demo/daemon.log; exit 1; }
  sleep 0.1
done
echo "demo: bannin runs (log: var/demo/daemon.log); replaying 2 hours of logs at ${SPEED}x"
python3 tools/loggen/gen_demo_day.py --replay --speed "$SPEED" --hours 2 \
  --start "$(date -u -d '2 hours ago' +%Y-%m-%dT%H:%M:%SZ)" --out var/demo/logs &
GEN=$!
while kill -0 $GEN 2>/dev/null; do
  sleep 5
  echo "----- bannin status ($(date +%T))"
  "$BANNIN" status || true
done
wait $GEN || true
sleep 1
echo "----- decisions taken (bannin decisions list --store var/demo/bannin.db)"
"$BANNIN" decisions list --store var/demo/bannin.db || true
echo "demo: done. Explore: sqlite3 var/demo/bannin.db '.tables'; the daemon log is var/demo/daemon.log"
