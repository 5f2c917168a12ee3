#!/bin/bash
# The overload guard with real parts (issue 16, incident S4; docs/guard.md). In two network
# namespaces this test creates, joined by a veth pair (10.78.0.0/24):
#   - a real unbound on 10.78.0.1:53 in the server namespace with a deliberately small
#     receive buffer (so-rcvbuf: 8k), serving one local name;
#   - `bannin run` in enforce mode in the server namespace, with the KPI probe and one guarded
#     service (dns: udp/53, signal udp_rcvbuf_errors above 100/s);
#   - in the client namespace, a well-behaved client (10.78.0.2) asking 10 queries a second,
#     and a bounded flood (tests/cli/tools/guard_flood.c, built here: 1,000 spoofed sources in
#     10.78.128.0/22, 25,000 packets a second, at most 200,000 packets and 8 s, then it stops
#     by itself). The spoofed addresses exist only inside the namespaces; the server routes
#     them back to the client namespace, which drops the answers.
# Asserts:
#   - the RcvbufErrors rise is detected within 2 s of the flood's first packet (the guard's
#     first sample beyond the level, from the daemon's own timestamps);
#   - the guard switches on (its nft table is in the server namespace, its counter rises);
#   - the good client keeps >= 95 % answers while the guard is on during the flood;
#   - the guard switches off after the flood stops, without flapping: exactly one `on` and
#     one `off` finding, and no guard table left;
#   - `bannin guard status` and the status' guard section show it;
#   - switching on froze the flight recorder: its file holds the quiet samples before the
#     flood and the flood's first.
# Skips (exit 0) only when the kernel refuses network namespaces or nftables.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

SRV="bn_gsrv_$$"
CLI="bn_gcli_$$"
UPID=""
EXTRA_CLEANUP='[ -n "$UPID" ] && kill "$UPID" 2>/dev/null; ip netns del "$SRV" 2>/dev/null; ip netns del "$CLI" 2>/dev/null'
if ! ip netns add "$SRV" 2>"$TMP/netns.err"; then
  echo "SKIP: the kernel refused to create a network namespace: $(cat "$TMP/netns.err")"
  exit 0
fi
ip netns add "$CLI"
ip link add "gs$$" type veth peer name "gc$$"
ip link set "gs$$" netns "$SRV"
ip link set "gc$$" netns "$CLI"
ip -n "$SRV" addr add 10.78.0.1/24 dev "gs$$"
ip -n "$CLI" addr add 10.78.0.2/24 dev "gc$$"
for ns in "$SRV" "$CLI"; do ip -n "$ns" link set lo up; done
ip -n "$SRV" link set "gs$$" up
ip -n "$CLI" link set "gc$$" up
ip -n "$SRV" route add 10.78.128.0/17 via 10.78.0.2
if ! ip netns exec "$SRV" nft list tables >/dev/null 2>"$TMP/nft.err"; then
  echo "SKIP: nftables is not usable here: $(cat "$TMP/nft.err")"
  exit 0
fi

# The flood sender and the client.
cc -O2 -o "$TMP/guard_flood" "$ROOT/tests/cli/tools/guard_flood.c" || fail "cannot build guard_flood.c"

cat >"$TMP/unbound.conf" <<EOF
server:
    num-threads: 1
    interface: 10.78.0.1
    port: 53
    do-ip6: no
    so-rcvbuf: 8k
    so-reuseport: no
    username: ""
    chroot: ""
    directory: "$TMP"
    pidfile: "$TMP/unbound.pid"
    do-daemonize: no
    use-syslog: no
    logfile: "$TMP/unbound.log"
    module-config: "iterator"
    access-control: 10.78.0.0/16 allow
    local-zone: "gd.test." static
    local-data: "www.gd.test. 60 IN A 10.78.0.80"
remote-control:
    control-enable: no
EOF
ip netns exec "$SRV" unbound -d -c "$TMP/unbound.conf" &
UPID=$!
answers() { ip netns exec "$CLI" "$TMP/guard_flood" client 10.78.0.1 53 10 1 | awk '{s+=$2} END {exit s>=5?0:1}'; }
wait_until 10 "unbound answering on 10.78.0.1:53" answers

NSX="ip netns exec $SRV"
cat >"$TMP/bannin.yaml" <<YAML
mode: enforce
geo: {database: none}
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: ""}
sources: []
rule_files: [$ROOT/rules/base/kpi.yaml]
enforce: {nftables: {table: bntest}}
notify: {enabled: false}
guard:
  services:
    - {name: dns, proto: udp, ports: [53], signal: udp_rcvbuf_errors, on_above: 100/s,
       on_after: 1s, quiet_after: 3s, hold: 5s, own_quiet: 10/s, per_source: 20/s,
       per_prefix: 50/s}
YAML
start_daemon
sampled() { n=$(status_get 'd["guard"]["ticks"]'); [ -n "$n" ] && [ "$n" -ge 2 ]; }
wait_until 10 "the guard's first ticks" sampled
[ "$(status_get 'd["guard"]["services"][0]["state"]')" = off ] || fail "the guard is not off at start"
$NSX nft list table inet bntest_guard_dns >/dev/null 2>&1 && fail "a guard table exists before any flood"

# The good client for the whole run (10 q/s, 24 s), then the flood 3 s in.
ip netns exec "$CLI" "$TMP/guard_flood" client 10.78.0.1 53 10 24 >"$TMP/client.txt" &
CPID=$!
sleep 3
ip netns exec "$CLI" "$TMP/guard_flood" flood 10.78.0.1 53 10.78.128.0 1000 25000 200000 8 >"$TMP/flood.txt"
cat "$TMP/flood.txt"
FSTART=$(awk '$1=="start"{print $2}' "$TMP/flood.txt")
FEND=$(awk '$1=="end"{print $2}' "$TMP/flood.txt")

on_count() { sql "select count(*) from findings where rule='guard.dns.on'"; }
off_count() { sql "select count(*) from findings where rule='guard.dns.off'"; }
is_on() { [ "$(on_count)" -ge 1 ]; }
wait_until 5 "a guard.dns.on finding" is_on
is_off() { [ "$(off_count)" -ge 1 ]; }
wait_until 20 "a guard.dns.off finding after the flood" is_off
wait "$CPID"
sleep 2  # a relapse would show here (a flapping guard comes back on at once)
sql "select rule, numbers_json from findings where rule like 'guard.%' order by id" | sed 's/^/  /'
[ "$(on_count)" = 1 ] || fail "the guard went on $(on_count) times (flapping)"
[ "$(off_count)" = 1 ] || fail "the guard went off $(off_count) times (flapping)"
$NSX nft list table inet bntest_guard_dns >/dev/null 2>&1 && fail "the guard table is still there after off"

# The transitions as the daemon recorded them (evidence lines: the guard's own JSON).
ON_JSON=$(sql "select e.line from evidence e join findings f on e.finding_id=f.id where f.rule='guard.dns.on'")
OFF_JSON=$(sql "select e.line from evidence e join findings f on e.finding_id=f.id where f.rule='guard.dns.off'")
echo "on:  $ON_JSON"
echo "off: $OFF_JSON"
python3 - "$ON_JSON" "$OFF_JSON" "$FSTART" "$FEND" "$TMP/client.txt" <<'PY' || fail "see above"
import json, sys, datetime
on, off = json.loads(sys.argv[1]), json.loads(sys.argv[2])
fstart, fend = int(sys.argv[3]), int(sys.argv[4])
def ns(t):
    d = datetime.datetime.strptime(t[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    frac = t[19:].rstrip("Z")
    return int(d.timestamp()) * 10**9 + (int((frac[1:] + "000000000")[:9]) if frac.startswith(".") else 0)
ok = True
detect = (ns(on["first_beyond"]) - fstart) / 1e9
print(f"detected {detect:.2f} s after the flood's first packet (RcvbufErrors {on['value']}/s)")
if not (-1.0 <= detect <= 2.0):
    print("FAIL: the rise was not detected within 2 s"); ok = False
if not on["enforced"]:
    print("FAIL: the on transition did not reach nftables:", on.get("detail")); ok = False
if not off["enforced"]:
    print("FAIL: the off transition did not reach nftables:", off.get("detail")); ok = False
if off["own_dropped"] < 1000:
    print(f"FAIL: the guard's own counter saw only {off['own_dropped']} drops"); ok = False
off_at = ns(off["ts"])
if off_at < fend:
    print(f"FAIL: the guard went off {(fend - off_at)/1e9:.1f} s before the flood ended"); ok = False
print(f"on for {off['on_for_s']} s; off {(off_at - fend)/1e9:.1f} s after the flood ended; "
      f"guard dropped {off['own_dropped']}")
# The good client while the flood sources were limited: from the guard's switch to the flood's end.
on_at = ns(on["ts"])
rows = [l.split() for l in open(sys.argv[5])]
during = [int(r[1]) for r in rows if on_at + 0.5e9 <= int(r[0]) <= fend]
before = [int(r[1]) for r in rows if int(r[0]) < fstart]
share = sum(during) / len(during) if during else 0
print(f"good client: {sum(during)}/{len(during)} answered while limited ({100*share:.1f} %), "
      f"{sum(before)}/{len(before)} before the flood")
if len(during) < 20 or share < 0.95:
    print("FAIL: the good client kept less than 95 % answers while the guard was on"); ok = False
sys.exit(0 if ok else 1)
PY

# Switching on froze the flight recorder: the KPI samples of the seconds before the flood and
# of its first second.
F=$(ls "$TMP"/records/ 2>/dev/null | grep -- '-rule_guard.dns.on.txt.gz$' | head -1 || true)
[ -n "$F" ] || fail "no flight-recorder file from the guard switching on"
F="$TMP/records/$F"
zcat "$F" | grep -q '"udp.rcvbuf_errors":0' || fail "the frozen samples lack the quiet seconds before the flood"
zcat "$F" | grep -Eq '"udp.rcvbuf_errors":[0-9]{3,}' || fail "the frozen samples lack the flood"

$NSX "$BANNIN" guard status --api "$API" >"$TMP/guard.txt" || fail "bannin guard status failed"
cat "$TMP/guard.txt"
grep -q "^  dns " "$TMP/guard.txt" || fail "bannin guard status does not list the service"
grep -q "dns on:" "$TMP/guard.txt" || fail "bannin guard status does not show the on transition"
$NSX "$BANNIN" status --api "$API" >"$TMP/status.txt" || true
grep -q "^Overload guard" "$TMP/status.txt" || fail "bannin status has no guard section"
stop_daemon
echo "PASS: flood detected, guard on, good client served, guard off once"
