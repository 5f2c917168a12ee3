#!/bin/bash
# bench/replay_ab.sh — two bannin binaries (e.g. a release build before and after an engine
# change) replaying the same generated day with the same rules, alternating, in one run.
# Prints per round the CPU time (user+sys) and wall time of each, then the best CPU time of
# each and the ratio. CPU time is what to compare on a shared machine: wall time there is
# mostly waiting for a core. Also checks that both printed the same findings and decisions.
#
# Usage: bench/replay_ab.sh BEFORE AFTER [LINES] [RULES_DIR]   (env: ROUNDS, default 4)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
A=${1:?usage: replay_ab.sh BEFORE AFTER [LINES] [RULES_DIR]}
B=${2:?usage: replay_ab.sh BEFORE AFTER [LINES] [RULES_DIR]}
LINES=${3:-1000000}
RULES=${4:-$ROOT/rules/base}
OUT=$ROOT/bench/out
. "$ROOT/bench/lib.sh"
LOG=$(bench_access_day "$LINES" "$OUT" "$SHARED" "$B")
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
best_a="" best_b=""
for round in $(seq 1 "${ROUNDS:-4}"); do
  for side in a b; do
    bin=$A
    [ "$side" = b ] && bin=$B
    t0=$(date +%s%N)
    /usr/bin/time -f "%U %S" -o "$OUT/ab.time" $pin "$bin" replay -q --rules "$RULES" \
      -o site.home_countries=JP "$LOG" > "$OUT/ab.$side"
    t1=$(date +%s%N)
    cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$OUT/ab.time")
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{ printf "%.2f", (b - a) / 1e9 }')
    printf 'round %s %-6s cpu %6s s  wall %6s s  decisions %s\n' "$round" \
      "$([ "$side" = a ] && echo before || echo after)" "$cpu" "$wall" \
      "$(grep -c '"type":"decision"' "$OUT/ab.$side" || true)"
    if [ "$side" = a ]; then
      if [ -z "$best_a" ] || awk "BEGIN{exit !($cpu < $best_a)}"; then best_a=$cpu; fi
    elif [ -z "$best_b" ] || awk "BEGIN{exit !($cpu < $best_b)}"; then
      best_b=$cpu
    fi
  done
done
if cmp -s <(grep -v '"type":"summary"' "$OUT/ab.a") <(grep -v '"type":"summary"' "$OUT/ab.b"); then
  same="identical findings, decisions and notes"
else
  same="OUTPUT DIFFERS (findings, decisions or notes)"
fi
printf '%s lines, one core, best CPU time: before %s s (%.0f lines/s), after %s s (%.0f lines/s), %.2fx; %s\n' \
  "$LINES" "$best_a" "$(awk -v l="$LINES" -v c="$best_a" 'BEGIN{print l / c}')" \
  "$best_b" "$(awk -v l="$LINES" -v c="$best_b" 'BEGIN{print l / c}')" \
  "$(awk -v a="$best_a" -v b="$best_b" 'BEGIN{print a / b}')" "$same"
