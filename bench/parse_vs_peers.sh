#!/bin/bash
# bench/parse_vs_peers.sh — `bannin parse` against its peers on the same file, in one run.
#
# Usage: bench/parse_vs_peers.sh [LINES] [BANNIN]
#   LINES   size of the generated access-log day (default 1000000)
#   BANNIN  binary to measure (default build/bannin, the release build)
#
# Generates a deterministic access-log day with ../shared/bench/gen_access_log.py (cached in
# bench/out/), warms the page cache, then times on one core (taskset -c 0):
#   wc -l                                   the physical floor of reading lines
#   fail2ban-regex + bannin-contact.conf    the peer most operators run today (one regex/line)
#   bannin parse --format none              decode every field, count, print nothing
#   bannin parse --format jsonl >/dev/null  decode and write one JSON object per line
# and prints lines/s, peak RSS and the ratios. Machines are noisy: compare within a run.
# Targets (issue 3): none >= 5 M lines/s and >= 60x fail2ban-regex; jsonl >= 1.5 M lines/s;
# peak RSS <= 64 MB whatever the file size.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
LINES=${1:-1000000}
BANNIN=${2:-$ROOT/build/bannin}
OUT=$ROOT/bench/out
. "$ROOT/bench/lib.sh"
LOG=$(bench_access_day "$LINES" "$OUT" "$SHARED" "$BANNIN")

declare -A WALL RSS
# run NAME CMD...: best wall of $REPS runs and peak RSS, into WALL[NAME] and RSS[NAME].
run() {
  local name=$1; shift
  read -r "WALL[$name]" "RSS[$name]" < <(bench_measure "$OUT" "$@")
}

run "wc -l" wc -l "$LOG"
run "bannin parse --format none" "$BANNIN" parse -q --format none "$LOG"
run "bannin parse --format jsonl" sh -c "\"$BANNIN\" parse -q --format jsonl \"$LOG\" > /dev/null"
# Memory must not grow with the input: 10 copies of the day through a pipe (10x the lines).
REPS=1 run "bannin parse --format none (10x, stdin)" sh -c \
  "for i in 1 2 3 4 5 6 7 8 9 10; do cat \"$LOG\"; done | \"$BANNIN\" parse -q --format none -"
if command -v fail2ban-regex >/dev/null; then
  REPS=1 run "fail2ban-regex (contact filter)" fail2ban-regex --print-no-missed --print-no-ignored \
    "$LOG" "$SHARED/bench/fail2ban/bannin-contact.conf"
else
  echo "fail2ban-regex not installed (tools/setup.sh installs it); skipping that peer" >&2
fi

printf '\n%s lines, %s bytes, one core\n' "$LINES" "$(stat -c %s "$LOG")"
printf '%-34s %10s %14s %10s\n' "tool" "wall s" "lines/s" "peak RSS"
for name in "wc -l" "fail2ban-regex (contact filter)" "bannin parse --format none" "bannin parse --format jsonl"; do
  [ -n "${WALL[$name]:-}" ] || continue
  awk -v n="$name" -v w="${WALL[$name]}" -v l="$LINES" -v r="${RSS[$name]}" \
    'BEGIN{ if (w <= 0) w = 0.001; printf "%-34s %10.4f %14.0f %8.1f MB\n", n, w, l / w, r / 1024 }'
done
printf '%-34s %10s %14s %8.1f MB\n' "bannin none, 10x lines via stdin" "" "" "$(awk -v r="${RSS["bannin parse --format none (10x, stdin)"]}" 'BEGIN{print r/1024}')"
ratio() { awk -v a="${WALL[$1]:-0}" -v b="${WALL[$2]:-0}" 'BEGIN{ if (a > 0 && b > 0) printf "%.1fx", a / b; else printf "n/a" }'; }
echo
echo "bannin none  vs fail2ban-regex: $(ratio "fail2ban-regex (contact filter)" "bannin parse --format none") faster (target >= 60x)"
echo "bannin jsonl vs fail2ban-regex: $(ratio "fail2ban-regex (contact filter)" "bannin parse --format jsonl") faster"
echo "wc -l        vs bannin none:    $(ratio "bannin parse --format none" "wc -l") (how far from the reading floor)"
