#!/bin/bash
# bench/replay_vs_peers.sh — `bannin replay` with every base rule against fail2ban-regex with
# one filter, on the same generated 1 M-line day, in one run (issue 4's benchmark).
#
# Usage: bench/replay_vs_peers.sh [LINES] [BANNIN]
# Prints lines/s, peak RSS and the ratio, then RSS on 10x the lines streamed through stdin
# (memory must stay flat). Targets: >= 1 M lines/s on one core (>= 15x fail2ban-regex with
# one filter, while running all base rules), peak RSS <= 256 MB, flat on 10x.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
LINES=${1:-1000000}
BANNIN=${2:-$ROOT/build/bannin}
OUT=$ROOT/bench/out
. "$ROOT/bench/lib.sh"
LOG=$(bench_access_day "$LINES" "$OUT" "$SHARED" "$BANNIN")
REPS=${REPS:-3}

measure() { bench_measure "$OUT" "$@"; }

read -r b_wall b_rss < <(measure "$BANNIN" replay -q --rules "$ROOT/rules/base" -o site.home_countries=JP "$LOG")
summary=$(tail -1 "$OUT/stdout")
f_wall=""; f_rss=""
if command -v fail2ban-regex >/dev/null; then
  read -r f_wall f_rss < <(REPS=1 measure fail2ban-regex --print-no-missed --print-no-ignored "$LOG" "$SHARED/bench/fail2ban/bannin-wplogin.conf")
fi
read -r x_wall x_rss < <(REPS=1 measure sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do cat \"$LOG\"; done | \"$BANNIN\" replay -q --rules \"$ROOT/rules/base\" -o site.home_countries=JP -")

printf '\n%s lines, one core\n' "$LINES"
printf '%-44s %9s %12s %10s\n' tool "wall s" "lines/s" "peak RSS"
row() { awk -v n="$1" -v w="$2" -v l="$3" -v r="$4" 'BEGIN{ printf "%-44s %9.3f %12.0f %7.1f MB\n", n, w, l / w, r / 1024 }'; }
row "bannin replay, every rule in rules/base" "$b_wall" "$LINES" "$b_rss"
[ -n "$f_wall" ] && row "fail2ban-regex, one filter (wp-login)" "$f_wall" "$LINES" "$f_rss"
row "bannin replay, 10x lines via stdin" "$x_wall" "$((LINES * 10))" "$x_rss"
[ -n "$f_wall" ] && awk -v a="$f_wall" -v b="$b_wall" 'BEGIN{ printf "\nbannin replay vs fail2ban-regex: %.1fx faster (target >= 15x)\n", a / b }'
echo "replay summary: $summary"
