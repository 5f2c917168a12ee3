#!/bin/bash
# CrowdSec's own firewall bouncer (Debian's crowdsec-firewall-bouncer 0.0.25, nftables mode)
# enforcing bannin's decisions, end to end, inside a network namespace made here:
#   1. a decision added in bannin appears in the bouncer's nftables set, and the bouncer's rule
#      drops that address's traffic (its counter rises; bannin's own chain runs after it);
#      a neighbour is still answered;
#   2. a revoked decision leaves the bouncer's set;
#   3. with the bouncer paused, a revoke and a new decision are made and bannin is killed and
#      restarted: the bouncer's next plain poll still brings both (cursor kept in the store);
#   4. a deleted key is refused (403 {"message":"access forbidden"}), and the stream answer
#      carries the seven fields every decision needs.
# Skips only when the kernel refuses to create a namespace.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

command -v crowdsec-firewall-bouncer >/dev/null ||
  fail "crowdsec-firewall-bouncer is not installed (tools/setup.sh installs it)"
NS="bn_csb_$$"
BPID=""
HPID=""
EXTRA_CLEANUP='[ -n "$BPID" ] && kill -9 $BPID 2>/dev/null; [ -n "$HPID" ] && kill $HPID 2>/dev/null; ip netns del $NS 2>/dev/null'
if ! ip netns add "$NS" 2>"$TMP/netns.err"; then
  echo "SKIP: the kernel refused to create a network namespace: $(cat "$TMP/netns.err")"
  exit 0
fi
NSX="ip netns exec $NS"
S() { ip netns exec "$NS" "$@"; }
ip -n "$NS" link set lo up
for a in 192.0.2.10 192.0.2.11 198.51.100.7; do ip -n "$NS" addr add "$a/32" dev lo; done
mkdir -p "$TMP/www" "$TMP/logs" && echo ok >"$TMP/www/index.html" && touch "$TMP/logs/access.log"
S python3 -m http.server 8082 --bind 127.0.0.1 --directory "$TMP/www" >"$TMP/http.log" 2>&1 &
HPID=$!
answered() {
  code=$(S curl -s -o /dev/null -w '%{http_code}' --max-time 1 --interface "$1" \
    "http://127.0.0.1:8082/" 2>/dev/null) || true
  [ "$code" = "200" ]
}
expect_answered() { answered "$1" || answered "$1" || answered "$1" || fail "$2: $1 got no answer"; }
expect_dropped() { ! answered "$1" || fail "$2: $1 was answered"; }
wait_for 10 "the test web server" answered 192.0.2.11

KEY="bannin-e2e-key-0123456789abcdef"
"$BANNIN" bouncers add fw --key "$KEY" --store "$TMP/bannin.db" >"$TMP/key.out" 2>"$TMP/key.err" ||
  fail "bouncers add: $(cat "$TMP/key.err")"
[ "$(cat "$TMP/key.out")" = "$KEY" ] || fail "bouncers add printed $(cat "$TMP/key.out")"
"$BANNIN" bouncers add fw --store "$TMP/bannin.db" >/dev/null 2>&1 && fail "a second bouncer named fw was accepted"

cat >"$TMP/bannin.yaml" <<YAML
mode: enforce
geo: {database: none}
rule_files: [$ROOT/tests/fixtures/daemon/every_path.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: ""}
enforce: {nftables: {table: bannin_csb, priority: 100}}
sources:
  - type: file
    paths: [$TMP/logs/access.log]
    decoder: combined
YAML
start_daemon

cat >"$TMP/bouncer.yaml" <<YAML
mode: nftables
update_frequency: 1s
daemonize: true
log_mode: file
log_dir: $TMP/
log_level: info
api_url: http://127.0.0.1:$PORT/
api_key: $KEY
deny_action: DROP
supported_decisions_types: [ban]
nftables:
  ipv4: {enabled: true, set-only: false, table: crowdsec, chain: crowdsec-chain}
  ipv6: {enabled: true, set-only: false, table: crowdsec6, chain: crowdsec6-chain}
YAML
# A decision in force before the bouncer starts comes with its startup=true request.
add() {
  S curl -s -X POST -H 'Content-Type: application/json' \
    -d "{\"scope\":\"ip\",\"target\":\"$1\",\"action\":\"deny\",\"ttl_s\":3600,\"reason\":\"bouncer e2e\"}" \
    "$API/api/v1/decisions" >"$TMP/add.json"
  grep -q '"id"' "$TMP/add.json" || fail "decision for $1 refused: $(cat "$TMP/add.json")"
}
state_is() { [ "$(sql "SELECT state FROM decisions WHERE target_key = '$1' ORDER BY id DESC LIMIT 1")" = "$2" ]; }
add 198.51.100.7
wait_for 10 "198.51.100.7 active in bannin" state_is 198.51.100.7 active
S crowdsec-firewall-bouncer -c "$TMP/bouncer.yaml" >"$TMP/bouncer.out" 2>&1 &
BPID=$!
cs_set() { S nft list set ip crowdsec crowdsec-blacklists 2>/dev/null; }
in_cs() { local t; t=$(cs_set) || return 1; grep -qwF -- "$1" <<<"$t"; }
not_in_cs() { local t; t=$(cs_set) || return 1; ! grep -qwF -- "$1" <<<"$t"; }
wait_for 15 "198.51.100.7 in the bouncer's set (startup)" in_cs 198.51.100.7

# 1. A new decision reaches the bouncer on a plain poll and the bouncer drops the traffic.
expect_answered 192.0.2.10 "before any decision"
add 192.0.2.10
wait_for 10 "192.0.2.10 in the bouncer's set" in_cs 192.0.2.10
expect_dropped 192.0.2.10 "banned through the bouncer"
expect_answered 192.0.2.11 "a neighbour"
drops=$(S nft list chain ip crowdsec crowdsec-chain | grep -o 'counter packets [0-9]*' | awk '{s+=$3} END {print s+0}')
[ "$drops" -gt 0 ] || fail "the bouncer's rule dropped nothing (bannin's own chain runs after it)"

# 2. Revoked in bannin: gone from the bouncer's set.
S curl -s -X DELETE "$API/api/v1/decisions/192.0.2.10" >/dev/null
wait_for 10 "192.0.2.10 out of the bouncer's set" not_in_cs 192.0.2.10
expect_answered 192.0.2.10 "after revoke"

# 3. Changes while the bouncer is paused, then a bannin crash and restart: none is lost.
kill -STOP "$BPID"
S curl -s -X DELETE "$API/api/v1/decisions/198.51.100.7" >/dev/null
add 192.0.2.11
wait_for 10 "192.0.2.11 active in bannin" state_is 192.0.2.11 active
wait_for 10 "198.51.100.7 revoked in bannin" state_is 198.51.100.7 revoked
kill9_daemon
start_daemon
kill -CONT "$BPID"
wait_for 15 "192.0.2.11 in the bouncer's set after bannin's restart" in_cs 192.0.2.11
wait_for 15 "198.51.100.7 out of the bouncer's set after bannin's restart" not_in_cs 198.51.100.7
kill -0 "$BPID" 2>/dev/null || fail "the bouncer exited: $(tail -5 "$TMP/crowdsec-firewall-bouncer.log" 2>/dev/null)"

# 4. The answer's shape, then a deleted key.
S curl -s -H "X-Api-Key: $KEY" "$API/v1/decisions/stream?startup=true" >"$TMP/startup.json"
python3 - "$TMP/startup.json" <<'PY' || fail "startup answer: $(cat "$TMP/startup.json")"
import json, re, sys
d = json.load(open(sys.argv[1]))
new = d["new"]
assert [x["value"] for x in new] == ["192.0.2.11"], new
x = new[0]
assert isinstance(x["id"], int) and x["type"] == "ban" and x["scope"] == "Ip", x
assert x["origin"] == "bannin" and x["scenario"].startswith("bannin/"), x
assert re.fullmatch(r"(\d+h)?(\d+m)?\d+(\.\d+)?s", x["duration"]), x["duration"]
assert "d" not in x["duration"]
PY
"$BANNIN" bouncers delete fw --store "$TMP/bannin.db" 2>/dev/null || fail "bouncers delete"
code=$(S curl -s -o "$TMP/403.json" -w '%{http_code}' -H "X-Api-Key: $KEY" "$API/v1/decisions/stream?")
[ "$code" = 403 ] || fail "a deleted key got $code"
grep -qF '"message":"access forbidden"' "$TMP/403.json" || fail "403 body: $(cat "$TMP/403.json")"
in_cs 192.0.2.11 || fail "a refused poll must leave the bouncer's rules in place"
kill -TERM "$BPID" 2>/dev/null || true
stop_daemon
echo "PASS: crowdsec-firewall-bouncer follows bannin: startup, add, revoke, restart, refused key"
