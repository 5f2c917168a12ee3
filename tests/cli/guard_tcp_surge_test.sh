#!/bin/bash
# The overload guard for a TCP service under a connection surge (issue 16, incident S4: POP
# proxies fell one after another under a surge of connections; docs/guard.md). In two network
# namespaces this test creates, joined by a veth pair (10.77.0.0/24):
#   - a slow TCP service on 10.77.0.1:110 in the server namespace (python3: backlog 4, about
#     100 accepts a second, each answered "+OK" and closed);
#   - `bannin run` in enforce mode there, guarding it: signal listen_overflows above 10/s;
#     on, per-source (5/s) and per-/24 (20/s) new-connection limits, `ct count` per source (32)
#     and in total (sized from memory available);
#   - in the client namespace, a surge from 20 addresses of 10.77.128.0/24 (bound on the
#     client's veth: only inside the namespaces): waves of 400 connection attempts a second for
#     6 s, then it stops by itself; and a good client (10.77.0.2) connecting 4 times a second.
# Asserts: the overflows are seen and the guard goes on; its counter rises (surge connections
# refused); the good client keeps >= 95 % of its connections from a second after the switch
# (what the surge queued before it drains first) to the end of the surge; the guard
# goes off after the surge, once (one on, one off finding); the on finding names the admission
# size it chose from memory headroom.
# Skips (exit 0) only when the kernel refuses network namespaces or nftables.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

SRV="bn_tsrv_$$"
CLI="bn_tcli_$$"
SPID=""
EXTRA_CLEANUP='[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; ip netns del "$SRV" 2>/dev/null; ip netns del "$CLI" 2>/dev/null'
if ! ip netns add "$SRV" 2>"$TMP/netns.err"; then
  echo "SKIP: the kernel refused to create a network namespace: $(cat "$TMP/netns.err")"
  exit 0
fi
ip netns add "$CLI"
ip link add "ts$$" type veth peer name "tc$$"
ip link set "ts$$" netns "$SRV"
ip link set "tc$$" netns "$CLI"
ip -n "$SRV" addr add 10.77.0.1/24 dev "ts$$"
ip -n "$CLI" addr add 10.77.0.2/24 dev "tc$$"
for i in $(seq 1 20); do ip -n "$CLI" addr add "10.77.128.$i/32" dev "tc$$"; done
for ns in "$SRV" "$CLI"; do ip -n "$ns" link set lo up; done
ip -n "$SRV" link set "ts$$" up
ip -n "$CLI" link set "tc$$" up
ip -n "$SRV" route add 10.77.128.0/17 via 10.77.0.2
if ! ip netns exec "$SRV" nft list tables >/dev/null 2>"$TMP/nft.err"; then
  echo "SKIP: nftables is not usable here: $(cat "$TMP/nft.err")"
  exit 0
fi

# The slow service (ends by itself after 90 s).
ip netns exec "$SRV" python3 - <<'PY' &
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.1", 110))
s.listen(4)
s.settimeout(1)
end = time.monotonic() + 90
while time.monotonic() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    try:
        c.sendall(b"+OK\r\n")
    except OSError:
        pass
    c.close()
    time.sleep(0.01)
PY
SPID=$!

# good_client SECONDS > file: one connection every 0.25 s, 1 s to get "+OK"; "<unix ns> <0|1>".
good_client() {
  ip netns exec "$CLI" python3 - "$1" <<'PY'
import socket, sys, time
end = time.monotonic() + float(sys.argv[1])
nxt = time.monotonic()
while time.monotonic() < end:
    t = time.time_ns()
    ok = 0
    try:
        c = socket.create_connection(("10.77.0.1", 110), timeout=1, source_address=("10.77.0.2", 0))
        c.settimeout(max(0.05, 1 - (time.time_ns() - t) / 1e9))
        ok = 1 if c.recv(8).startswith(b"+OK") else 0
        c.close()
    except OSError:
        ok = 0
    print(t, ok, flush=True)
    nxt += 0.25
    time.sleep(max(0, nxt - time.monotonic()))
PY
}
serving() { good_client 1 | awk '{s+=$2} END {exit s>=3?0:1}'; }
wait_until 10 "the service answering on 10.77.0.1:110" serving

NSX="ip netns exec $SRV"
cat >"$TMP/bannin.yaml" <<YAML
# prefix_burst 4, not 20: the service's backlog is 4 (so that the surge overflows it), and the
# surge's /24 starts a wave every second; a burst of 20 SYNs at each wave start refilled the
# backlog and dropped the good client's connection whenever its 0.25 s schedule met a wave
# (misses exactly 1 s apart: a test artefact; a real service's backlog is 128 or more).
mode: enforce
geo: {database: none}
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: ""}
sources: []
rule_files: [$ROOT/rules/base/kpi.yaml]
enforce: {nftables: {table: bntcp}}
notify: {enabled: false}
recorder: {enabled: false}
guard:
  services:
    - {name: pop, proto: tcp, ports: [110], signal: listen_overflows, on_above: 10/s,
       on_after: 1s, quiet_after: 3s, hold: 5s, own_quiet: 5/s, per_source: 5/s,
       source_burst: 5, per_prefix: 20/s, prefix_burst: 4, conns_per_source: 32,
       conn_memory: 1m, min_conns: 64, max_conns: 100000}
YAML
start_daemon
ticks() { n=$(status_get 'd["guard"]["ticks"]'); [ -n "$n" ] && [ "$n" -ge 2 ]; }
wait_until 10 "the guard's first ticks" ticks

good_client 16 >"$TMP/client.txt" &
GPID=$!
sleep 2
# The surge: 6 waves, each 400 non-blocking connection attempts from 20 addresses, held 1 s.
SURGE_START=$(date +%s%N)
ip netns exec "$CLI" python3 - <<'PY'
import socket, time
for wave in range(6):
    t0 = time.monotonic()
    socks = []
    for i in range(400):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind(("10.77.128.%d" % (i % 20 + 1), 0))
            s.connect_ex(("10.77.0.1", 110))
        except OSError:
            pass
        socks.append(s)
    time.sleep(max(0, 1 - (time.monotonic() - t0)))
    for s in socks:
        s.close()
PY
SURGE_END=$(date +%s%N)

on_count() { sql "select count(*) from findings where rule='guard.pop.on'"; }
off_count() { sql "select count(*) from findings where rule='guard.pop.off'"; }
is_on() { [ "$(on_count)" -ge 1 ]; }
wait_until 5 "a guard.pop.on finding" is_on
is_off() { [ "$(off_count)" -ge 1 ]; }
wait_until 20 "a guard.pop.off finding after the surge" is_off
wait "$GPID"
sleep 2
sql "select rule, numbers_json from findings where rule like 'guard.%' order by id" | sed 's/^/  /'
[ "$(on_count)" = 1 ] || fail "the guard went on $(on_count) times (flapping)"
[ "$(off_count)" = 1 ] || fail "the guard went off $(off_count) times (flapping)"
$NSX nft list table inet bntcp_guard_pop >/dev/null 2>&1 && fail "the guard table is still there after off"
ON_JSON=$(sql "select e.line from evidence e join findings f on e.finding_id=f.id where f.rule='guard.pop.on'")
OFF_JSON=$(sql "select e.line from evidence e join findings f on e.finding_id=f.id where f.rule='guard.pop.off'")
echo "on:  $ON_JSON"
echo "off: $OFF_JSON"
python3 - "$ON_JSON" "$OFF_JSON" "$SURGE_START" "$SURGE_END" "$TMP/client.txt" <<'PY' || fail "see above"
import json, sys, datetime
on, off = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sstart, send = int(sys.argv[3]), int(sys.argv[4])
def ns(t):
    d = datetime.datetime.strptime(t[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    frac = t[19:].rstrip("Z")
    return int(d.timestamp()) * 10**9 + (int((frac[1:] + "000000000")[:9]) if frac.startswith(".") else 0)
ok = True
print(f"on {(ns(on['ts']) - sstart)/1e9:.2f} s into the surge at {on['value']} listen overflows/s; "
      f"admission {on.get('conns_total')} connections from {on.get('mem_available_bytes')} bytes available")
if not on["enforced"] or not off["enforced"]:
    print("FAIL: a transition did not reach nftables"); ok = False
if not on.get("conns_total") or on["conns_total"] < 64:
    print("FAIL: no admission size from memory headroom"); ok = False
if off["own_dropped"] < 50:
    print(f"FAIL: the guard refused only {off['own_dropped']} surge connections"); ok = False
on_at = ns(on["ts"])
rows = [l.split() for l in open(sys.argv[5])]
# From a second after the switch: connections the surge got into the accept queue before it
# still drain at the service's pace (the limits act on new connections only).
during = [int(r[1]) for r in rows if on_at + 1e9 <= int(r[0]) <= send]
misses = [round((int(r[0]) - on_at) / 1e9, 2) for r in rows if int(r[1]) == 0 and int(r[0]) >= sstart]
print("good client misses since the surge began, seconds after the switch:", misses)
share = sum(during) / len(during) if during else 0
print(f"good client: {sum(during)}/{len(during)} connections while the guard was on ({100*share:.1f} %); "
      f"refused surge connections {off['own_dropped']}; off {(ns(off['ts']) - send)/1e9:.1f} s after the surge")
if len(during) < 8 or share < 0.95:
    print("FAIL: the good client kept less than 95 % while the guard was on"); ok = False
sys.exit(0 if ok else 1)
PY
stop_daemon
echo "PASS: connection surge detected, limits on, good client served, guard off once"
