#!/bin/bash
# bench/million_sources.sh — detection under a million sources (issue 11).
#
# Usage: bench/million_sources.sh [LINES] [BANNIN]
#   LINES   sshd failures in the hour (default 1000000)
#   BANNIN  binary to measure (default build/bannin, else build/release/bin/bannin)
#
# Generates two deterministic sshd days with bench/million_sources_gen.py (cached in
# bench/out/): LINES failures in one hour each from a different address (a botnet), and the
# same number of lines from 1,000 addresses (the reference: same decoder, same rules, few
# keys). Times on one core (taskset -c 0), page cache warm:
#   wc -l                                        the physical floor of reading lines
#   bannin replay, rules/base, 1,000 sources     the reference run
#   bannin replay, rules/base, LINES sources     the million-source day
#   fail2ban-regex sshd, first 100,000 lines     the peer (when installed; one pass, no state)
# and prints lines/s, peak RSS, the million/1,000 speed ratio, the detector's counters
# (groups_evicted, members_cut, peak tracked keys, peak estimate) and the bytes per tracked
# key: (peak RSS of the million day - peak RSS of the reference) / peak tracked keys, next to
# the detector's own estimate. Bar (issue 11): >= 500 k lines/s and peak RSS <= 256 MB on the
# million day, drops reported. Machines are noisy: compare within one run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LINES=${1:-1000000}
BANNIN=${2:-$ROOT/build/bannin}
[ -x "$BANNIN" ] || BANNIN=$ROOT/build/release/bin/bannin
OUT=$ROOT/bench/out
REPS=${REPS:-3}
. "$ROOT/bench/lib.sh"
[ -x "$BANNIN" ] || { echo "no bannin binary at $BANNIN (run make build)" >&2; exit 1; }
mkdir -p "$OUT"

day() {  # day SOURCES -> path of the cached log
  local log=$OUT/sshd-$LINES-from-$1.log
  if [ ! -s "$log" ]; then
    echo "generating $log ..." >&2
    /usr/bin/python3 "$ROOT/bench/million_sources_gen.py" "$LINES" "$1" "$log.tmp"
    mv "$log.tmp" "$log"
  fi
  cat "$log" > /dev/null
  echo "$log"
}
MANY=$(day "$LINES")
FEW=$(day 1000)

replay() { bench_measure "$OUT" "$BANNIN" replay -q --rules "$ROOT/rules/base" "$1"; }
field() { /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], 0))' "$1" "$2"; }

read -r w_wall w_rss < <(REPS=1 bench_measure "$OUT" wc -l "$MANY")
read -r f_wall f_rss < <(replay "$FEW")
few_summary=$(tail -1 "$OUT/stdout")
read -r m_wall m_rss < <(replay "$MANY")
many_summary=$(tail -1 "$OUT/stdout")
p_wall=""
if command -v fail2ban-regex >/dev/null; then
  head -n 100000 "$MANY" > "$OUT/sshd-100k.log"
  read -r p_wall p_rss < <(REPS=1 bench_measure "$OUT" fail2ban-regex --print-no-missed "$OUT/sshd-100k.log" sshd)
fi

printf '\n%s sshd failures in one hour, one core\n' "$LINES"
printf '%-46s %9s %12s %10s\n' run "wall s" "lines/s" "peak RSS"
row() { awk -v n="$1" -v w="$2" -v l="$3" -v r="$4" 'BEGIN{ printf "%-46s %9.3f %12.0f %7.1f MB\n", n, w, l / w, r / 1024 }'; }
row "wc -l" "$w_wall" "$LINES" "$w_rss"
row "bannin replay rules/base, 1,000 sources" "$f_wall" "$LINES" "$f_rss"
row "bannin replay rules/base, $LINES sources" "$m_wall" "$LINES" "$m_rss"
[ -n "$p_wall" ] && row "fail2ban-regex sshd, first 100,000 lines" "$p_wall" 100000 "$p_rss"

keys=$(field "$many_summary" peak_tracked_keys)
est=$(field "$many_summary" peak_detect_memory_bytes)
printf '\nmillion-source day vs 1,000-source day: %s of the speed\n' \
  "$(awk -v a="$f_wall" -v b="$m_wall" 'BEGIN{ printf "%.2fx", a / b }')"
for k in groups_evicted members_cut findings decisions peak_tracked_keys peak_detect_memory_bytes; do
  printf '  %-26s %14s   (1,000 sources: %s)\n' "$k" "$(field "$many_summary" "$k")" "$(field "$few_summary" "$k")"
done
if [ "$keys" -gt 0 ]; then
  awk -v m="$m_rss" -v f="$f_rss" -v k="$keys" -v e="$est" 'BEGIN{
    printf "bytes per tracked key: %.0f (peak RSS over the reference), %.0f (detector estimate)\n",
      (m - f) * 1024 / k, e / k }'
fi
awk -v w="$m_wall" -v l="$LINES" -v r="$m_rss" 'BEGIN{
  ok = (l / w >= 500000 && r <= 256 * 1024)
  printf "bar (>= 500 k lines/s, peak RSS <= 256 MB): %s\n", ok ? "met" : "NOT met" }'
