#!/bin/bash
# The overload guard under a real flood (docs/guard.md; issue 16, incident S4). Run as root:
#   sudo BANNIN=build/release/bin/bannin bench/guard_bench.sh [FLOOD_PPS] [SECONDS]
# In two network namespaces it creates (as tests/cli/guard_unbound_flood_test.sh): unbound
# with so-rcvbuf 8k, a flood from 1,000 spoofed sources in 4 /24s (tests/cli/tools/
# guard_flood.c), a good client at 10 q/s. Two runs in the same session, same flood:
#   A. bannin in observe mode (the guard decides, nothing is limited) — the reference;
#   B. bannin in enforce mode (the guard switches the limits on and off).
# Prints, per run: the good client's answers during the flood, unbound's CPU during the
# flood, RcvbufErrors, and (B) the guard's CPU per tick idle and while on (it reads its nft
# counter every second while on), and when it switched. Ratios B/A at the end.
set -euo pipefail
BANNIN=${BANNIN:-build/release/bin/bannin}
PPS=${1:-25000}
SECS=${2:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
SRV="bn_bsrv_$$"
CLI="bn_bcli_$$"
UPID=""
DPID=""
cleanup() {
  [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
  [ -n "$UPID" ] && kill "$UPID" 2>/dev/null
  ip netns del "$SRV" 2>/dev/null
  ip netns del "$CLI" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$SRV"
ip netns add "$CLI"
ip link add "bs$$" type veth peer name "bc$$"
ip link set "bs$$" netns "$SRV"
ip link set "bc$$" netns "$CLI"
ip -n "$SRV" addr add 10.79.0.1/24 dev "bs$$"
ip -n "$CLI" addr add 10.79.0.2/24 dev "bc$$"
for ns in "$SRV" "$CLI"; do ip -n "$ns" link set lo up; done
ip -n "$SRV" link set "bs$$" up
ip -n "$CLI" link set "bc$$" up
ip -n "$SRV" route add 10.79.128.0/17 via 10.79.0.2
cc -O2 -o "$TMP/guard_flood" "$ROOT/tests/cli/tools/guard_flood.c"
cat >"$TMP/unbound.conf" <<EOF
server:
    num-threads: 1
    interface: 10.79.0.1
    do-ip6: no
    so-rcvbuf: 8k
    so-reuseport: no
    username: ""
    chroot: ""
    directory: "$TMP"
    do-daemonize: no
    use-syslog: no
    logfile: "$TMP/unbound.log"
    module-config: "iterator"
    access-control: 10.79.0.0/16 allow
    local-zone: "gd.test." static
    local-data: "www.gd.test. 60 IN A 10.79.0.80"
remote-control:
    control-enable: no
EOF
ip netns exec "$SRV" unbound -d -c "$TMP/unbound.conf" &
UPID=$!
sleep 1
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
API="http://127.0.0.1:$PORT"
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
rcvbuf() { ip netns exec "$SRV" awk '/^Udp: [0-9]/ {print $6}' /proc/net/snmp; }
guard() { ip netns exec "$SRV" "$BANNIN" guard status --api "$API" --format json 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

run() { # run MODE -> prints one result line, sets RATIO_<MODE>
  local mode=$1
  rm -f "$TMP/bannin.db"*
  cat >"$TMP/bannin.yaml" <<YAML
mode: $mode
geo: {database: none}
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: ""}
sources: []
rule_files: [$ROOT/rules/base/kpi.yaml]
recorder: {enabled: false}
enforce: {nftables: {table: bnbench}}
notify: {enabled: false}
guard:
  services:
    - {name: dns, proto: udp, ports: [53], signal: udp_rcvbuf_errors, on_above: 100/s,
       on_after: 1s, quiet_after: 3s, hold: 5s, per_source: 20/s, per_prefix: 50/s}
YAML
  ip netns exec "$SRV" "$BANNIN" run --config "$TMP/bannin.yaml" >"$TMP/daemon-$mode.log" 2>&1 &
  DPID=$!
  for _ in $(seq 100); do
    ip netns exec "$SRV" "$BANNIN" status --api "$API" >/dev/null 2>&1 && break
    sleep 0.1
  done
  sleep 3
  local idle_us
  idle_us=$(guard 'd["tick_cpu_us"]')
  local total=$((SECS + 6))
  ip netns exec "$CLI" "$TMP/guard_flood" client 10.79.0.1 53 10 "$total" >"$TMP/client-$mode.txt" &
  local cpid=$!
  sleep 2
  local u0 r0 ticks0 cpu0
  u0=$(cpu_ticks "$UPID")
  r0=$(rcvbuf)
  ticks0=$(guard 'd["ticks"]')
  cpu0=$(guard 'd["tick_cpu_us"] * d["ticks"]')
  ip netns exec "$CLI" "$TMP/guard_flood" flood 10.79.0.1 53 10.79.128.0 1000 "$PPS" 5000000 "$SECS" >"$TMP/flood-$mode.txt"
  local u1 r1 ticks1 cpu1
  u1=$(cpu_ticks "$UPID")
  r1=$(rcvbuf)
  ticks1=$(guard 'd["ticks"]')
  cpu1=$(guard 'd["tick_cpu_us"] * d["ticks"]')
  wait "$cpid"
  local fstart fend
  fstart=$(awk '$1=="start"{print $2}' "$TMP/flood-$mode.txt")
  fend=$(awk '$1=="end"{print $2}' "$TMP/flood-$mode.txt")
  local sent
  sent=$(awk '$1=="end"{print $4}' "$TMP/flood-$mode.txt")
  local ratio
  ratio=$(awk -v a="$fstart" -v b="$fend" '$1>=a && $1<=b {n++; s+=$2} END {printf "%.3f", n ? s/n : 0}' "$TMP/client-$mode.txt")
  local on_us
  on_us=$(python3 -c "print(round(($cpu1 - $cpu0) / max(1, $ticks1 - $ticks0)))")
  local hz
  hz=$(getconf CLK_TCK)
  local ucpu
  ucpu=$(python3 -c "print(round(100 * ($u1 - $u0) / $hz / (($fend - $fstart) / 1e9), 1))")
  printf '%-8s flood %s pkts in %ss: good client %s answered during the flood; unbound CPU %s %%; RcvbufErrors %s; guard tick %s µs idle, %s µs during the flood; transitions: %s\n' \
    "$mode" "$sent" "$SECS" "$ratio" "$ucpu" "$((r1 - r0))" "$idle_us" "$on_us" \
    "$(guard '" ".join(t["change"] + "@" + t["ts"][11:19] for t in d["transitions"])')"
  kill "$DPID"
  wait "$DPID" 2>/dev/null || true
  DPID=""
  eval "RATIO_$mode=$ratio"
  eval "UCPU_$mode=$ucpu"
  sleep 2
}

run observe
run enforce
python3 -c "
a, b = $RATIO_observe, $RATIO_enforce
print(f'good client answers: {b:.3f} with the guard vs {a:.3f} without ({b / a if a else float(\"inf\"):.2f}x)')
print(f'unbound CPU during the flood: {$UCPU_enforce} % with the guard vs {$UCPU_observe} % without')
"
