#!/bin/bash
# bench/nft_set_bench.sh — how fast `bannin decisions apply --nft` puts many deny decisions
# into the kernel's nftables sets (issue 7's target: 1 M elements in <= 10 s), against the
# peer reference: the same elements loaded by `nft -f` from a file of one big `add element`
# command (same set type, same per-element timeout).
#
# Usage: sudo bench/nft_set_bench.sh [N4] [N6] [BANNIN]
#   N4      IPv4 deny decisions (default 1000000)
#   N6      IPv6 deny decisions, a second run (default 100000; 0 skips it)
#   BANNIN  default build/release/bin/bannin
# Env: OUT (default bench/out/nft), REAPPLY=0 skips the "apply again onto a full set" row.
#
# Everything runs inside a network namespace created here and deleted on exit; the host's
# ruleset is never touched. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for `ip netns`).
# Each row: wall time and peak RSS from /usr/bin/time -v, the element count read back with
# `nft -j list set`, and the ratio to nft -f for the same elements. The last row of each
# family sends the add/delete/add transaction text (add with 1 s, delete, add with the TTL,
# 1,000 elements a command) through nft -f: what refreshing every address costs where the
# kernel keeps an old timeout on re-add (Debian 12's 6.1; bannin did it for every address
# before 2026-11-25 and now only for addresses already in the set on such kernels: docs/
# decisions/2026-11-25-nftables-speed.md). Reading a set back is slow on big sets (the
# kernel's set dump grows about quadratically: ~85 s for 1 M on a 6.18 kernel), so a full
# run takes ~10 minutes.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N4=${1:-1000000}
N6=${2:-100000}
BANNIN=${3:-$ROOT/build/release/bin/bannin}
OUT=${OUT:-$ROOT/bench/out/nft}
REAPPLY=${REAPPLY:-1}
TTL=3600

[ -x "$BANNIN" ] || { echo "no bannin binary at $BANNIN (run make build)" >&2; exit 1; }
command -v nft >/dev/null || { echo "nft not found (apt-get install nftables)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 1; }
mkdir -p "$OUT"

NS="bn_bench_$$"
cleanup() { ip netns del "$NS" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
ip netns add "$NS" || { echo "cannot create a network namespace (root needed)" >&2; exit 1; }
N() { ip netns exec "$NS" "$@"; }

# gen FAMILY COUNT: OUT/decisions-FAMILY-COUNT.jsonl (the replay/decision JSON-lines format
# `decisions apply` reads, as tests/cli/nft_enforce_test.sh writes it) and
# OUT/nft-FAMILY-COUNT.nft (one `add element` command with the same addresses and timeout)
# and OUT/nft-shape-FAMILY-COUNT.nft (the same elements in the shape of bannin's transaction).
# Addresses are distinct and spread over the space: IPv4 i -> 1.0.0.0 + (i * 2654435761 mod
# 223 * 2^24), a bijection on 1.0.0.0-223.255.255.255; IPv6 2001:db8:<i as 3 groups>::1.
gen() {
  local fam=$1 n=$2
  local dec=$OUT/decisions-$fam-$n.jsonl ref=$OUT/nft-$fam-$n.nft shape=$OUT/nft-shape-$fam-$n.nft
  if [ -s "$dec" ] && [ -s "$ref" ] && [ -s "$shape" ]; then return; fi
  echo "generating $n $fam decisions ..." >&2
  python3 - "$fam" "$n" "$TTL" "$dec" "$ref" "$shape" <<'EOF'
import sys
fam, n, ttl, dec, ref, shape = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
def v4(i):
    a = 0x01000000 + (i * 2654435761) % (223 << 24)
    return "%d.%d.%d.%d" % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255)
def v6(i):
    return "2001:db8:%x:%x:%x::1" % (i >> 32 & 0xffff, i >> 16 & 0xffff, i & 0xffff)
addr = v4 if fam == "v4" else v6
ips = [addr(i) for i in range(n)]
assert len(set(ips)) == n, "addresses are not distinct"
line = ('{"type":"decision","ts":"2026-11-25T10:00:00Z","rule":"bench.nft","action":"deny",'
        '"scope":"ip","target":{"ip":"%s"},"ttl_s":' + str(ttl) + ',"reason":"bench"}\n')
with open(dec, "w") as f:
    f.writelines(line % ip for ip in ips)
typ = "ipv4_addr" if fam == "v4" else "ipv6_addr"
head = "add table inet bench_ref\nadd set inet bench_ref %s_addr { type %s; flags timeout; }\n" % (fam, typ)
with open(ref, "w") as f:
    f.write(head)
    f.write("add element inet bench_ref %s_addr { " % fam)
    f.write(", ".join("%s timeout %ds" % (ip, ttl) for ip in ips))
    f.write(" }\n")
# The add/delete/add shape (nft_commands.cpp upsert_commands, addresses that exist on a
# kernel that keeps old timeouts): 1,000 elements a command; add with a 1 s timeout,
# delete, add with the TTL, all in one batch.
def lines(verb, t):
    for s in range(0, n, 1000):
        part = ips[s:s + 1000]
        body = ", ".join(ip + (" timeout %ds" % t if t else "") for ip in part)
        yield "%s element inet bench_ref %s_addr { %s }\n" % (verb, fam, body)
with open(shape, "w") as f:
    f.write(head)
    f.writelines(lines("add", 1))
    f.writelines(lines("delete", 0))
    f.writelines(lines("add", ttl))
EOF
}

# timed NAME CMD...: runs CMD under /usr/bin/time -v; sets WALL (s) and RSS (MB); CMD's
# stdout/stderr go to OUT/NAME.out / OUT/NAME.err. Fails the bench if CMD fails.
timed() {
  local name=$1; shift
  if ! /usr/bin/time -v -o "$OUT/$name.time" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; then
    echo "$name failed: $(tail -c 600 "$OUT/$name.err") $(tail -c 300 "$OUT/$name.out")" >&2
    exit 1
  fi
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
    for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$OUT/$name.time")
  RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$OUT/$name.time")
}

# count TABLE SET: number of elements (distinct values) in set inet TABLE SET.
count() {
  N nft -j list set inet "$1" "$2" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
vals = set()
for item in doc["nftables"]:
    s = item.get("set")
    if s and s["table"] == sys.argv[1] and s["name"] == sys.argv[2]:
        for e in s.get("elem", []):
            vals.add(e["elem"]["val"] if isinstance(e, dict) else e)
print(len(vals))' "$1" "$2"
}

ROWS=()
NOTES=()
V4_WALL=0
row() {  # label wall rss count expected ref_wall
  local ratio="-"
  [ -n "${6:-}" ] && ratio=$(awk -v a="$2" -v b="$6" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  local ok="ok"; [ "$5" = "-" ] && ok="-"; [ "$4" = "$5" ] || ok="MISSING $(($5 - $4))"
  ROWS+=("$(printf '%-44s %9s %10s %10s %8s  %s' "$1" "$2" "$3" "$4" "$ratio" "$ok")")
}

bench_family() {
  local fam=$1 n=$2
  local dec=$OUT/decisions-$fam-$n.jsonl ref=$OUT/nft-$fam-$n.nft set=${fam}_addr
  gen "$fam" "$n"
  cat "$dec" "$ref" >/dev/null  # page cache

  # The peer reference first: nft -f, one `add element` command, into its own table.
  timed "nft-$fam-$n" ip netns exec "$NS" nft -f "$ref"
  local r_wall=$WALL r_rss=$RSS r_count
  r_count=$(count bench_ref "$set")
  N nft delete table inet bench_ref

  timed "bannin-$fam-$n" ip netns exec "$NS" "$BANNIN" decisions apply --nft -q "$dec"
  local b_wall=$WALL b_rss=$RSS b_count
  [ "$fam" = v4 ] && V4_WALL=$b_wall
  b_count=$(count bannin "$set")
  NOTES+=("bannin apply, $n $fam: $(cat "$OUT/bannin-$fam-$n.out")")
  row "bannin decisions apply --nft, $n $fam" "$b_wall" "$b_rss" "$b_count" "$n" "$r_wall"
  if [ "$REAPPLY" = 1 ]; then
    timed "bannin-$fam-$n-again" ip netns exec "$NS" "$BANNIN" decisions apply --nft -q "$dec"
    row "  same again onto the full set (refresh)" "$WALL" "$RSS" "$(count bannin "$set")" "$n" "$r_wall"
  fi
  row "nft -f, one add element command (reference)" "$r_wall" "$r_rss" "$r_count" "$n" "$r_wall"
  timed "flush-$fam-$n" ip netns exec "$NS" "$BANNIN" decisions flush --nft
  row "  bannin decisions flush --nft" "$WALL" "$RSS" "-" "-"

  # What refreshing every address costs on a kernel that keeps old timeouts on re-add.
  timed "nft-shape-$fam-$n" ip netns exec "$NS" nft -f "$OUT/nft-shape-$fam-$n.nft"
  row "nft -f, add/del/add shape (6.1 refresh)" "$WALL" "$RSS" "$(count bench_ref "$set")" "$n" "$r_wall"
  N nft delete table inet bench_ref
}

bench_family v4 "$N4"
[ "$N6" -gt 0 ] && bench_family v6 "$N6"

echo
echo "nftables set load, kernel $(uname -r), $(nft --version), $(nproc) cores, in netns $NS"
printf '%-44s %9s %10s %10s %8s  %s\n' "" "wall s" "peak MB" "elements" "x nft -f" "count"
printf '%s\n' "${ROWS[@]}"
printf '%s\n' "${NOTES[@]}"
echo
awk -v w="$V4_WALL" -v n="$N4" 'BEGIN { printf "target: %d IPv4 elements added in <= 10 s (issue 7): %.2f s, %s\n",
  n, w, w <= 10 ? "met" : "NOT met" }'
