#!/bin/bash
# bench/yara_scan_bench.sh — the file probe's walk of a document root against the `yara`
# command (Debian package `yara`, the same libyara) on the same rules and files, same run
# (issue 17: "YARA scan of a document root vs the yara command on the same rules").
#
# Usage: bench/yara_scan_bench.sh [MB] [BANNIN]
#   MB      size of the generated document root (default 200; the issue's 1 GB: 1024)
#   BANNIN  default build/release/bin/bannin
#
# The root is generated once (deterministic, seed 1) under $BENCH_DIR (default
# /tmp/bannin-bench/docroot-MB): WordPress-like PHP, JS and CSS text (90 % of the files) and
# image-like binary blobs (most of the bytes), one planted sample per site (at most 20).
# Measured, best of REPS (3): `bannin files scan ROOT --yara rules/yara` (every regular file read once,
# content signs + YARA + SHA-256 of hits) and `yara -r -p 1 rules/yara/webshells.yar ROOT`
# (one thread, as bannin's walk). Printed: CPU seconds (user + system, the least of REPS
# runs: the machine is shared, so wall time says more about the neighbours than about the
# scan), MB per CPU second and the ratio bannin/yara (lower is faster), and whether both
# found the planted YARA samples. A second yara row with its default threads shows what the
# parallel tool costs in CPU.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MB=${1:-200}
BANNIN=${2:-$ROOT/build/release/bin/bannin}
[ -x "$BANNIN" ] || { echo "no bannin binary at $BANNIN" >&2; exit 1; }
command -v yara >/dev/null || { echo "yara is not installed (tools/setup.sh)" >&2; exit 1; }
REPS=${REPS:-3}
DIR=${BENCH_DIR:-/tmp/bannin-bench}/docroot-$MB
if [ ! -f "$DIR/.done" ]; then
  echo "generating $DIR ($MB MB) ..." >&2
  rm -rf "$DIR"
  python3 - "$DIR" "$MB" <<'PY'
import os, random, sys
root, mb = sys.argv[1], int(sys.argv[2])
rnd = random.Random(1)
words = ("function return array string echo if else foreach wp_query get_option apply_filters "
         "add_action esc_html class public private static this null true false").split()
target = mb << 20
total = 0
n = 0
site = 0
while total < target:
    base = os.path.join(root, f"site{site:03d}")
    for d in ("wp-includes", "wp-admin/js", "wp-content/plugins/p1", "wp-content/themes/t1/css",
              "wp-content/uploads/2026/11"):
        os.makedirs(os.path.join(base, d), exist_ok=True)
    for i in range(300):
        kind = rnd.random()
        if kind < 0.6:
            path = os.path.join(base, rnd.choice(["wp-includes", "wp-content/plugins/p1"]), f"f{i}.php")
            body = "<?php\n" + "\n".join(" ".join(rnd.choice(words) for _ in range(12)) + ";" for _ in range(rnd.randint(20, 400)))
            data = body.encode()
        elif kind < 0.9:
            path = os.path.join(base, rnd.choice(["wp-admin/js", "wp-content/themes/t1/css"]), f"f{i}.js")
            data = ("var x=" + ",".join(str(rnd.randint(0, 9999)) for _ in range(rnd.randint(200, 3000))) + ";").encode()
        else:
            path = os.path.join(base, "wp-content/uploads/2026/11", f"img{i}.jpg")
            data = b"\xff\xd8\xff\xe0" + rnd.randbytes(rnd.randint(50_000, 400_000))
        with open(path, "wb") as f:
            f.write(data)
        total += len(data)
        n += 1
    site += 1
planted = 0
for s in range(min(site, 20)):
    p = os.path.join(root, f"site{s:03d}", "wp-content/plugins/p1", "planted.php")
    with open(p, "w") as f:
        f.write("<?php /* BANNIN-TEST-WEBSHELL-7F3A */ echo 1;\n")
    planted += 1
with open(os.path.join(root, ".done"), "w") as f:
    f.write(f"{n} files, {total} bytes, {planted} planted\n")
PY
fi
cat "$DIR/.done" >&2
BYTES=$(du -sb "$DIR" | cut -f1)
PLANTED=$(grep -o "[0-9]* planted" "$DIR/.done" | cut -d" " -f1)
find "$DIR" -type f -exec cat {} + >/dev/null  # warm the page cache for both
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# cpu_measure CMD...: the least user+system CPU seconds over REPS runs, and the peak RSS (KB).
cpu_measure() {
  local best="" rss=0 cpu kb
  for _ in $(seq 1 "$REPS"); do
    /usr/bin/time -f "%U %S %M" -o "$T/time" "$@" >"$T/stdout" 2>"$T/stderr" || true
    read -r u s kb < <(tail -1 "$T/time")
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{ printf "%.2f", u + s }')
    if [ -z "$best" ] || awk "BEGIN{exit !($cpu < $best)}"; then best=$cpu; fi
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  echo "$best $rss"
}
read -r b_s b_kb < <(cpu_measure "$BANNIN" files scan "$DIR" --yara "$ROOT/rules/yara" --upload-dirs none-here)
b_found=$(grep -c "yara:bannin_test_webshell" "$T/stdout" || true)
read -r y_s y_kb < <(cpu_measure yara -r -p 1 "$ROOT/rules/yara/webshells.yar" "$DIR")
y_found=$(grep -c "^bannin_test_webshell " "$T/stdout" || true)
read -r yp_s _ < <(REPS=1 cpu_measure yara -r "$ROOT/rules/yara/webshells.yar" "$DIR")
mbs() { awk -v b="$BYTES" -v s="$1" 'BEGIN{ printf "%.0f", b / 1048576 / s }'; }
echo "document root: $((BYTES >> 20)) MB ($(cut -d, -f1 "$DIR/.done")), rules/yara ($(grep -c '^rule ' "$ROOT/rules/yara/webshells.yar") rules)"
printf "%-44s %8s %8s %9s %s\n" "" "CPU s" "MB/CPUs" "RSS MB" "planted found"
printf "%-44s %8.2f %8s %9d %s\n" "bannin files scan (signs+YARA, 1 thread)" "$b_s" "$(mbs "$b_s")" $((b_kb / 1024)) "$b_found/$PLANTED"
printf "%-44s %8.2f %8s %9d %s\n" "yara -r -p 1 (YARA only, 1 thread)" "$y_s" "$(mbs "$y_s")" $((y_kb / 1024)) "$y_found/$PLANTED"
printf "%-44s %8.2f %8s\n" "yara -r (its default threads)" "$yp_s" "$(mbs "$yp_s")"
echo "ratio bannin/yara (CPU, 1 thread each): $(awk -v a="$b_s" -v b="$y_s" 'BEGIN{ printf "%.2f", a / b }') (lower is faster)"
