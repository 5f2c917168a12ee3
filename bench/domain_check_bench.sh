#!/bin/bash
# bench/domain_check_bench.sh — `bannin check` over 10,000 domains against loopback servers,
# with a reference run of the same queries by dnsperf in the same invocation.
#
# Usage (as root like the other benches; every server uses PORT on 127.231.X.*, never port 53):
#   bench/domain_check_bench.sh [N=10000] [BANNIN=build/bannin]
#   env: PORT=25353  MAX_IN_FLIGHT=  (passed as --max-in-flight when set)  DNSPERF_Q=100
#        KEEP=1 (keep the temp dir)  PERF=1 (perf record bannin's run, top symbols)
#        BED_ONLY=1 (start the test bed and wait until killed; BED_ONLY_INFO=FILE gets "BASE TMP")
#
# Issue (incident S1): "all DNS steps for 10 k domains in <= 60 s on this machine (~600 k
# domains/hour)". This is a benchmark, not a test: it prints numbers, and fails only when the
# test bed does not start or bannin's results differ from what was generated.
#
# Test bed, all on 127.231.X.* (X from the pid) at PORT, started here, stopped on exit/Ctrl-C:
#   NSD parent  BASE.1   fake TLD "test.": NS + glue for 9,500 of the N domains (held ones absent)
#   NSD child1  BASE.2   one zone per domain (9,500 zones: healthy, listed and held ones; the
#   NSD child2  BASE.3   lame ones are served by neither -> REFUSED); every delegation has
#                        ns1 -> child1 and ns2 -> child2, with glue
#   NSD dnsbl   BASE.4   dbl.spamhaus.org (the test bed's zone + the "listed" domains),
#                        multi.surbl.org, multi.uribl.com, zen.spamhaus.org
#   unbound     BASE.53  like tests/cli/check_domain_test.sh (do-not-query-localhost: no,
#                        local-zone "test." nodefault, stub for test. at the parent, a stub
#                        per delegated domain at the children since referrals carry no port);
#                        restarted before each run so each starts with a cold cache
# Mix (bench/domain_bench_gen.py): 85 % healthy, 5 % held (absent from the parent), 5 % lame,
# 5 % listed on the local DBL. Per domain bannin asks: parent NS + DS (RD=0), SOA + NS at both
# child servers (RD=0), A at the resolver, 3 domain DNSBL zones = 10 queries (6 for held).
#
# Runs:
#   dnsperf (reference)  the same queries (parent 2N, child1/child2 SOA+NS per delegated domain,
#                        resolver A N, DNSBL 3N + canaries), one dnsperf per server, all five
#                        concurrently, each with DNSPERF_Q queries outstanding; it parses
#                        nothing and follows no referral, so it is a floor, not a peer
#   bannin check         --format json --no-rdap, all N domains in one invocation; its JSON is
#                        compared with what was generated, per domain
# Reported: wall, domains/hour, queries, peak RSS (/usr/bin/time -v), UDP receive-buffer drops
# on the host during the run (/proc/net/snmp RcvbufErrors: packets a loopback server never saw),
# and bannin's wall as a multiple of the reference.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-${N:-10000}}
BANNIN=${2:-${BANNIN:-$ROOT/build/bannin}}
PORT=${PORT:-25353}
DNSPERF_Q=${DNSPERF_Q:-100}
FIX=$ROOT/tests/fixtures/domain
GEN="python3 $ROOT/bench/domain_bench_gen.py"
BASE="127.231.$(( $$ % 250 + 1 ))"

for bin in nsd unbound dnsperf python3; do
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || {
    echo "$bin is not installed (tools/setup.sh installs it)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "/usr/bin/time is not installed (package time)" >&2; exit 1; }
[ -x "$BANNIN" ] || { echo "no bannin binary at $BANNIN (make build)" >&2; exit 1; }
NSD=$(command -v nsd || echo /usr/sbin/nsd)
UNBOUND=$(command -v unbound || echo /usr/sbin/unbound)

TMP=$(mktemp -d /tmp/bannin-dnsbench.XXXXXX)
DPIDS=()
cleanup() {
  local pid
  for pid in "${DPIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${DPIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "bench: $*" >&2; for l in "$TMP"/*.log; do [ -s "$l" ] && { echo "--- $l" >&2; tail -5 "$l" >&2; }; done; exit 1; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
udp_drops() { awk '/^Udp:/ { if (h) { print $0; exit } h = 1 }' /proc/net/snmp | awk '{print $6}'; }

echo "test bed: $N domains on $BASE.*:$PORT, temp $TMP" >&2
t0=$(date +%s%N)
$GEN generate "$TMP" "$BASE" "$PORT" "$N" "$FIX/zones" >&2
echo "generated in $(ms_since "$t0") ms" >&2

nsd_start() {  # name addr zone-blocks-file|zones...
  local name=$1 addr=$2; shift 2
  {
    echo "server:"
    echo "  ip-address: $addr"
    echo "  port: $PORT"
    echo "  username: \"\""
    echo "  chroot: \"\""
    echo "  zonesdir: \"$TMP/zones\""
    echo "  database: \"\""
    echo "  pidfile: \"$TMP/nsd-$name.pid\""
    echo "  xfrdfile: \"$TMP/nsd-$name-xfrd.state\""
    echo "  zonelistfile: \"$TMP/nsd-$name-zone.list\""
    echo "  logfile: \"$TMP/nsd-$name.log\""
    echo "  server-count: 1"
    echo "  verbosity: 0"
    # NSD's response rate limiting (on by default: 200 answers/s per source /24 and kind,
    # dropped or truncated beyond) would measure RRL, not the client: off for the bench.
    echo "  rrl-ratelimit: 0"
    echo "  rrl-whitelist-ratelimit: 0"
    echo "remote-control:"
    echo "  control-enable: no"
    if [ -f "$1" ]; then
      cat "$1"
    else
      for z in "$@"; do printf 'zone:\n  name: "%s."\n  zonefile: "%s.zone"\n' "$z" "$z"; done
    fi
  } > "$TMP/nsd-$name.conf"
  "$NSD" -d -c "$TMP/nsd-$name.conf" > "$TMP/nsd-$name.out.log" 2>&1 &
  DPIDS+=($!)
}
UNBOUND_PID=""
unbound_start() {  # (re)starts the resolver with an empty cache
  if [ -n "$UNBOUND_PID" ]; then kill "$UNBOUND_PID" 2>/dev/null || true; wait "$UNBOUND_PID" 2>/dev/null || true; fi
  cat > "$TMP/unbound.conf" <<CONF
server:
  interface: $BASE.53
  port: $PORT
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  username: ""
  chroot: ""
  directory: "$TMP"
  pidfile: "$TMP/unbound.pid"
  logfile: "$TMP/unbound.log"
  use-syslog: no
  verbosity: 0
  num-threads: 1
  so-reuseport: no
  module-config: "iterator"
  qname-minimisation: no
  local-zone: "test." nodefault
stub-zone:
  name: "test."
  stub-addr: $BASE.1@$PORT
include: "$TMP/unbound-stubs.conf"
remote-control:
  control-enable: no
CONF
  "$UNBOUND" -d -c "$TMP/unbound.conf" > "$TMP/unbound.out.log" 2>&1 &
  UNBOUND_PID=$!
  DPIDS+=($!)
  wait_dns "$BASE.53" nic.test || die "unbound did not start"
}

t0=$(date +%s%N)
nsd_start parent "$BASE.1" test
nsd_start child1 "$BASE.2" "$TMP/child-zones.conf"
nsd_start child2 "$BASE.3" "$TMP/child-zones.conf"
nsd_start dnsbl "$BASE.4" dbl.spamhaus.org multi.surbl.org multi.uribl.com zen.spamhaus.org
last=$(tail -1 "$TMP/domains.txt")
# wait_dns ADDR NAME [AA]: until ADDR answers for NAME (with AA: an authoritative NOERROR SOA;
# the children answer REFUSED until their zones are loaded). The helper dies of SIGINT rather
# than catching it, so Ctrl-C reaches this script's trap.
wait_dns() {
  local i
  for i in $(seq 600); do
    python3 - "$1" "$PORT" "$2" "${3:-}" <<'PY' && return 0
import signal, socket, struct, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
addr, port, name, aa = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "aa"
if not addr.startswith("127."):
    sys.exit("refusing non-loopback " + addr)
q = struct.pack(">HHHHHH", 0x4242, 0, 1, 0, 0, 0)
for l in name.split("."):
    q += bytes([len(l)]) + l.encode()
q += b"\x00" + struct.pack(">HH", 6, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.2)
try:
    s.sendto(q, (addr, port))
    d, _ = s.recvfrom(4096)
    sys.exit(0 if len(d) >= 12 and (not aa or ((d[2] & 0x04) and (d[3] & 0x0f) == 0)) else 1)
except OSError:
    sys.exit(1)
PY
    sleep 0.1
  done
  return 1
}
wait_dns "$BASE.1" test aa || die "parent nsd did not start"
wait_dns "$BASE.2" "$last" aa || die "child1 nsd did not load its zones"
wait_dns "$BASE.3" "$last" aa || die "child2 nsd did not load its zones"
wait_dns "$BASE.4" dbl.spamhaus.org aa || die "dnsbl nsd did not start"
echo "4 NSD instances up (child zones loaded) in $(ms_since "$t0") ms" >&2

declare -A WALL RSS QUERIES DROPS NOTE

if [ -n "${BED_ONLY:-}" ]; then  # keep the bed up for experiments until killed (Ctrl-C)
  unbound_start
  echo "bed up: parent $BASE.1, children $BASE.2 $BASE.3, dnsbl $BASE.4, unbound $BASE.53," \
    "port $PORT; domains in $TMP/domains.txt" >&2
  echo "$BASE $TMP" > "${BED_ONLY_INFO:-/dev/null}"
  while :; do sleep 1; done
fi

# --- reference: dnsperf, one per server, concurrently --------------------------------------
unbound_start
d0=$(udp_drops)
t0=$(date +%s%N)
pids=()
for pair in "parent $BASE.1" "child1 $BASE.2" "child2 $BASE.3" "resolver $BASE.53" "dnsbl $BASE.4"; do
  set -- $pair
  dnsperf -s "$2" -p "$PORT" -d "$TMP/q-$1.txt" -n 1 -c 1 -q "$DNSPERF_Q" -t 5 \
    > "$TMP/dnsperf-$1.out" 2>&1 &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done
WALL[ref]=$(awk -v ns=$(( $(date +%s%N) - t0 )) 'BEGIN{ printf "%.3f", ns / 1e9 }')
DROPS[ref]=$(( $(udp_drops) - d0 ))
sent=0; lost=0
for f in "$TMP"/dnsperf-*.out; do
  s=$(awk '/Queries sent:/ {print $3}' "$f"); l=$(awk '/Queries lost:/ {print $3}' "$f")
  sent=$(( sent + ${s:-0} )); lost=$(( lost + ${l:-0} ))
done
QUERIES[ref]=$sent
NOTE[ref]="$lost lost"
RSS[ref]=""
echo "dnsperf: $sent queries, $lost lost, ${WALL[ref]} s" >&2

# --- bannin check ---------------------------------------------------------------------------
unbound_start
EXTRA=()
HELP=$("$BANNIN" check --help 2>&1 || true)
[[ $HELP == *--stats* ]] && EXTRA+=(--stats)  # older binaries: no query count
[[ $HELP == *--no-whois* ]] && EXTRA+=(--no-whois)  # DNS steps only: no WHOIS fallback either
[ -n "${MAX_IN_FLIGHT:-}" ] && EXTRA+=(--max-in-flight "$MAX_IN_FLIGHT")
CMD=("$BANNIN" check --format json --no-rdap --parent-servers "$BASE.1:$PORT"
     --ns-port "$PORT" --resolver "$BASE.53:$PORT" --dnsbl-server "$BASE.4:$PORT"
     --now 2026-11-25T00:00:00Z "${EXTRA[@]}")
PERFCMD=()
[ -n "${PERF:-}" ] && PERFCMD=(perf record -g -o "$TMP/perf.data" --)
d0=$(udp_drops)
t0=$(date +%s%N)
rc=0
/usr/bin/time -v -o "$TMP/bannin.time" "${PERFCMD[@]}" "${CMD[@]}" $(cat "$TMP/domains.txt") \
  > "$TMP/bannin.json" 2> "$TMP/bannin.err" || rc=$?
[ "$rc" -gt 128 ] && exit "$rc"  # interrupted (time(1) passes the signal on as a status)
WALL[bannin]=$(awk -v ns=$(( $(date +%s%N) - t0 )) 'BEGIN{ printf "%.3f", ns / 1e9 }')
DROPS[bannin]=$(( $(udp_drops) - d0 ))
RSS[bannin]=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/bannin.time")
QUERIES[bannin]=$(sed -n 's/.*dns: \([0-9]*\) queries.*/\1/p' "$TMP/bannin.err" | tail -1)
NOTE[bannin]="exit $rc; $(grep -m1 '^dns:' "$TMP/bannin.err" | sed 's/^dns: //' || true)"
[ "$rc" -eq 2 ] || echo "bannin exited $rc (2 expected: the bed has critical domains); stderr:" \
  "$(head -5 "$TMP/bannin.err")" >&2
echo >&2
verify=0
$GEN verify "$TMP" "$TMP/bannin.json" || verify=1
if [ -n "${PERF:-}" ]; then
  perf report -i "$TMP/perf.data" --no-children --sort dso,symbol -g none --stdio 2>/dev/null | cut -c1-150 | grep -v '^#' | grep -v '^$' | head -25
fi

printf '\n%s domains (85%% healthy, 5%% held, 5%% lame, 5%% listed), kernel %s, load %s\n' "$N" \
  "$(uname -r)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-30s %9s %14s %9s %10s %10s  %s\n' "run" "wall s" "domains/hour" "queries" "peak RSS" "udp drops" "notes"
for k in ref bannin; do
  name=$([ $k = ref ] && echo "dnsperf x5 (reference)" || echo "bannin check --no-rdap")
  awk -v n="$name" -v w="${WALL[$k]}" -v d="$N" -v q="${QUERIES[$k]:-?}" -v r="${RSS[$k]}" \
      -v dr="${DROPS[$k]}" -v note="${NOTE[$k]}" 'BEGIN{
    if (w <= 0) w = 0.001
    printf "%-30s %9.2f %14.0f %9s %10s %10s  %s\n", n, w, d * 3600 / w, q,
      (r == "" ? "-" : sprintf("%.1f MB", r / 1024)), dr, note }'
done
awk -v a="${WALL[bannin]}" -v b="${WALL[ref]}" -v n="$N" 'BEGIN{
  printf "\nbannin / dnsperf wall: %.2fx   (target: %d domains <= 60 s, i.e. >= %d domains/hour: %s)\n",
    a / b, n, n * 60, (a <= 60 * n / 10000 ? "met" : "NOT met") }'
exit $verify
