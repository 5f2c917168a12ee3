#!/bin/bash
# Detection quality bar of issue 4, on generated days: for each seed in [FROM, TO], generate
# a day with ../shared/bench/gen_access_log.py (size and flavor vary with the seed), replay
# it with rules/base and -o site.home_countries=JP, and score the decisions with
# ../shared/bench/score_detect.py (the reviewers' scorer). Fails if any day misses the bar.
# Usage: detect_quality.sh FROM TO [STEP]   (env: BANNIN binary, SHARED = ../shared)
# `make test` runs every 5th seed of 1-100 (the full set takes ~15 min on 2 cores);
# `make quality` runs all 100.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BANNIN:?BANNIN must point at the bannin binary}"
SHARED=${SHARED:-$ROOT/../shared}
FROM=${1:-1}; TO=${2:-10}; STEP=${3:-1}
if [ ! -f "$SHARED/bench/gen_access_log.py" ] || [ ! -f "$SHARED/bench/score_detect.py" ]; then
  echo "SKIP: $SHARED/bench (generator and scorer) not found"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sizes=(60000 100000 150000 250000)
fail=0
for seed in $(seq "$FROM" "$STEP" "$TO"); do
  lines=${sizes[$((seed % ${#sizes[@]}))]}
  flavor=nginx; [ $((seed % 3)) = 0 ] && flavor=apache
  log=$tmp/day-$seed.log
  /usr/bin/python3 "$SHARED/bench/gen_access_log.py" --lines "$lines" --seed "$seed" --flavor "$flavor" --out "$log" > /dev/null 2>&1
  "$BANNIN" replay -q --rules "$ROOT/rules/base" -o site.home_countries=JP "$log" > "$log.out"
  if score=$(/usr/bin/python3 "$SHARED/bench/score_detect.py" "$log" "$log.truth.json" "$log.out"); then
    echo "ok   seed $seed ($lines lines, $flavor): $score"
  else
    echo "FAIL seed $seed ($lines lines, $flavor): $score"; fail=1
  fi
  rm -f "$log" "$log.out" "$log.truth.json"
done
exit $fail
