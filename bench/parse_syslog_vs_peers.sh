#!/bin/bash
# bench/parse_syslog_vs_peers.sh — `bannin parse` on a syslog mail+ssh log against
# fail2ban-regex with the stock filters, on the same file, in one run (issue 5).
#
# Usage: bench/parse_syslog_vs_peers.sh [LINES] [BANNIN]
#   LINES   size of the generated log (default 1000000)
#   BANNIN  binary to measure (default build/bannin, the release build)
#
# Generates a deterministic syslog-framed day of sshd + postfix + dovecot (~125 bytes a line,
# ~20 % attack lines) with tools/loggen/gen_syslog_mix.py (cached in bench/out/), warms the
# page cache, then times on one core (taskset -c 0):
#   wc -l                                   the physical floor of reading lines
#   fail2ban-regex FILE sshd                stock filter (Debian fail2ban), one regex set/line
#   fail2ban-regex FILE postfix             stock filter
#   bannin parse --format none              decode every line of every daemon, count, print nothing
#   bannin parse --format jsonl >/dev/null  decode and write one JSON object per line
# and prints lines/s, peak RSS and the ratios. fail2ban-regex only reads: it starts no server
# and touches no firewall (tools/setup.sh installs it). Machines are noisy: compare within a
# run. Target (issue 5): bannin none >= 30x fail2ban-regex.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LINES=${1:-1000000}
BANNIN=${2:-$ROOT/build/bannin}
OUT=$ROOT/bench/out
mkdir -p "$OUT"
LOG=$OUT/syslog-mix-$LINES.log
TMP=$(mktemp -d "$OUT/.syslog-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

[ -x "$BANNIN" ] || { echo "no bannin binary at $BANNIN (run make build)" >&2; exit 1; }
if [ ! -s "$LOG" ]; then
  echo "generating $LOG ($LINES lines) ..." >&2
  /usr/bin/python3 "$ROOT/tools/loggen/gen_syslog_mix.py" --lines "$LINES" --seed 1 --out "$LOG.tmp" >&2
  mv "$LOG.tmp" "$LOG"
fi
cat "$LOG" > /dev/null

. "$ROOT/bench/lib.sh"
declare -A WALL RSS
# run NAME CMD...: best wall of $REPS runs and peak RSS, into WALL[NAME] and RSS[NAME].
run() {
  local name=$1; shift
  read -r "WALL[$name]" "RSS[$name]" < <(bench_measure "$TMP" "$@")
}

# What fail2ban-regex found, from its summary ("Lines: N lines, I ignored, M matched, X missed").
f2b_matched() { grep -Eo '[0-9]+ matched' "$TMP/stdout" | head -1 | cut -d' ' -f1; }

declare -A NOTE
run "wc -l" wc -l "$LOG"
run "bannin parse --format none" "$BANNIN" parse -q --format none "$LOG"
run "bannin parse --format jsonl" sh -c "\"$BANNIN\" parse -q --format jsonl \"$LOG\" > /dev/null"
"$BANNIN" parse "$LOG" 2>&1 >/dev/null | grep -E 'mail queue ids|^total' > "$TMP/bannin.summary" || true
failures=$("$BANNIN" parse -q "$LOG" | grep -c '"outcome":"failure"' || true)
NOTE["bannin parse --format none"]="$failures failure lines"
F2B=()
if command -v fail2ban-regex >/dev/null; then
  for filter in sshd postfix; do
    name="fail2ban-regex $filter"
    REPS=1 run "$name" fail2ban-regex --print-no-missed --print-no-ignored "$LOG" "$filter"
    NOTE[$name]="$(f2b_matched) matched"
    F2B+=("$name")
  done
else
  echo "fail2ban-regex not installed (tools/setup.sh installs it); skipping that peer" >&2
fi

printf '\n%s lines, %s bytes, one core\n' "$LINES" "$(stat -c %s "$LOG")"
printf '%-30s %10s %14s %10s  %s\n' "tool" "wall s" "lines/s" "peak RSS" "notes"
for name in "wc -l" "${F2B[@]}" "bannin parse --format none" "bannin parse --format jsonl"; do
  [ -n "${WALL[$name]:-}" ] || continue
  awk -v n="$name" -v w="${WALL[$name]}" -v l="$LINES" -v r="${RSS[$name]}" -v note="${NOTE[$name]:-}" \
    'BEGIN{ if (w <= 0) w = 0.001; printf "%-30s %10.4f %14.0f %8.1f MB  %s\n", n, w, l / w, r / 1024, note }'
done
ratio() { awk -v a="${WALL[$1]:-0}" -v b="${WALL[$2]:-0}" 'BEGIN{ if (a > 0 && b > 0) printf "%.1fx", a / b; else printf "n/a" }'; }
echo
for name in "${F2B[@]}"; do
  printf 'bannin none  vs %-22s %s faster (target >= 30x)\n' "$name:" "$(ratio "$name" "bannin parse --format none")"
  printf 'bannin jsonl vs %-22s %s faster\n' "$name:" "$(ratio "$name" "bannin parse --format jsonl")"
done
if [ ${#F2B[@]} -eq 2 ]; then
  # fail2ban needs one pass per filter to cover what bannin decodes in one.
  both=$(awk -v a="${WALL[${F2B[0]}]}" -v b="${WALL[${F2B[1]}]}" 'BEGIN{ print a + b }')
  WALL["fail2ban-regex sshd+postfix"]=$both
  printf 'bannin none  vs %-22s %s faster\n' "sshd+postfix passes:" "$(ratio "fail2ban-regex sshd+postfix" "bannin parse --format none")"
fi
echo "wc -l        vs bannin none:    $(ratio "bannin parse --format none" "wc -l") (how far from the reading floor)"
cat "$TMP/bannin.summary"
