#!/bin/bash
# bench/mail_accounts_bench.sh — what the account rules (rules/base/mail.yaml and logins.yaml,
# issue 17) cost `bannin replay`: one generated mail day (tools/loggen/gen_mail_accounts.py:
# Postfix + dovecot lines of ACCOUNTS hosting accounts over HOURS hours) replayed with every
# shipped rule and with every rule but those two files, alternating, on one binary in one
# run. Prints per round the CPU time (user+sys) of each, then the best of each, lines per
# second and the ratio (the issue's bar: within 10 % of the replay rate without them, i.e.
# ratio >= 0.90). CPU time is what to compare on a shared machine.
#
# A mail-only day is the worst case (every line is a mail or login event the new rules see);
# ACCESS_LINES=N adds a generated access log of N lines (../shared/bench/gen_access_log.py, the
# day bench/replay_vs_peers.sh uses) to both sides, as on a host that also serves the web.
#
# Usage: BANNIN=build/release/bannin bench/mail_accounts_bench.sh [HOURS] [ACCOUNTS]
#        (env: ROUNDS, default 3; SEED, default 1; ACCESS_LINES, default 0)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BANNIN:-$ROOT/build/release/bannin}
HOURS=${1:-24}
ACCOUNTS=${2:-2000}
OUT=$ROOT/bench/out/mail_accounts
mkdir -p "$OUT"
python3 "$ROOT/tools/loggen/gen_mail_accounts.py" --out "$OUT/day" --seed "${SEED:-1}" \
  --hours "$HOURS" --accounts "$ACCOUNTS" --compromised 30
INPUTS=("$OUT/day/mail.log")
if [ "${ACCESS_LINES:-0}" -gt 0 ]; then
  . "$ROOT/bench/lib.sh"
  INPUTS+=("$(bench_access_day "$ACCESS_LINES" "$ROOT/bench/out" "${SHARED:-$ROOT/../shared}" "$BIN")")
fi
LINES=$(cat "${INPUTS[@]}" | wc -l)
# The rules without the two files, where their list files (../../data/…) still resolve.
rm -rf "$OUT/rules" "$OUT/data"
mkdir -p "$OUT/rules/base"
for f in "$ROOT"/rules/base/*.yaml; do
  case $(basename "$f") in mail.yaml | logins.yaml) ;; *) cp "$f" "$OUT/rules/base/" ;; esac
done
cp -r "$ROOT/data" "$OUT/data"
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
best_with="" best_without=""
for round in $(seq 1 "${ROUNDS:-3}"); do
  for side in without with; do
    rules=$ROOT/rules/base
    [ "$side" = without ] && rules=$OUT/rules/base
    # The inputs first: -o takes every word after it up to the next option.
    /usr/bin/time -f "%U %S" -o "$OUT/time" $pin "$BIN" replay -q "${INPUTS[@]}" --rules "$rules" \
      --year 2026 -o site.home_countries=JP -o "inventory.passwd_file=$OUT/day/passwd" \
      >"$OUT/out.$side"
    cpu=$(awk '{ printf "%.3f", $1 + $2 }' "$OUT/time")
    echo "round $round $side: ${cpu} s CPU"
    if [ "$side" = with ]; then
      if [ -z "$best_with" ] || awk "BEGIN{exit !($cpu < $best_with)}"; then best_with=$cpu; fi
    else
      if [ -z "$best_without" ] || awk "BEGIN{exit !($cpu < $best_without)}"; then best_without=$cpu; fi
    fi
  done
done
findings=$(grep -c '"type":"finding"' "$OUT/out.with" || true)
awk -v l="$LINES" -v a="$best_without" -v b="$best_with" -v f="$findings" 'BEGIN {
  printf "%d lines; without the account rules %.3f s (%.0f lines/s), with them %.3f s (%.0f lines/s): ratio %.3f; %d findings\n",
    l, a, l / a, b, l / b, a / b, f }'
