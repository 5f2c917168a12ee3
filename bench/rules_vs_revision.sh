#!/bin/bash
# bench/rules_vs_revision.sh — `bannin replay` with the rules of this tree against the same
# binary with the rules of a reference git revision (default: main), on the same generated
# day, in one run. Measures what a rule change costs (e.g. the probe lists of issue 12 read
# from data/web_probes/ and matched per request), apart from engine changes.
#
# Usage: bench/rules_vs_revision.sh [LINES] [BANNIN] [REVISION]
# Prints lines/s for both rule sets and the ratio current / reference (1.00 = no change).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
LINES=${1:-1000000}
BANNIN=${2:-$ROOT/build/bannin}
REV=${3:-main}
OUT=$ROOT/bench/out
. "$ROOT/bench/lib.sh"
LOG=$(bench_access_day "$LINES" "$OUT" "$SHARED" "$BANNIN")
REPS=${REPS:-3}
ref=$(mktemp -d)
trap 'rm -rf "$ref"' EXIT
# The reference tree's rules and data (list files are found relative to the rule files).
git -C "$ROOT" archive "$REV" rules data | tar -x -C "$ref"

measure() { bench_measure "$OUT" "$@"; }
read -r r_wall r_rss < <(measure "$BANNIN" replay -q --rules "$ref/rules/base" -o site.home_countries=JP "$LOG")
r_dec=$(grep -c '"type":"decision"' "$OUT/stdout" || true)
read -r c_wall c_rss < <(measure "$BANNIN" replay -q --rules "$ROOT/rules/base" -o site.home_countries=JP "$LOG")
c_dec=$(grep -c '"type":"decision"' "$OUT/stdout" || true)

printf '\n%s lines, one core, best of %s\n' "$LINES" "$REPS"
printf '%-32s %9s %12s %10s %10s\n' rules "wall s" "lines/s" "peak RSS" decisions
row() { printf '%-32s %9.3f %12.0f %8d MB %10s\n' "$1" "$2" "$(awk -v l="$LINES" -v w="$2" 'BEGIN{print l / w}')" "$(($3 / 1024))" "$4"; }
row "rules/base at $REV" "$r_wall" "$r_rss" "$r_dec"
row "rules/base (this tree)" "$c_wall" "$c_rss" "$c_dec"
printf 'ratio (this tree / %s): %.2f x the lines/s\n' "$REV" "$(awk -v a="$r_wall" -v b="$c_wall" 'BEGIN{print a / b}')"
