#!/bin/sh
# Enforcement with the real thing: two network namespaces joined by a veth pair, a web
# server in one, clients with several source addresses in the other, and
# `bannin decisions apply|list|revoke|flush --nft` run inside the server's namespace.
# Asserts that a denied source gets no answer and an allowed one does (IPv4 and IPv6,
# address and prefix), that a TTL expires in the kernel, that revoke restores access, that
# flush removes table inet bannin and nothing else, that 5,000 decisions go in as one
# batch, and that re-applying refreshes a timeout and keeps the drop counters. Every nft operation runs inside the namespaces created here; the host's ruleset is
# never touched. Skips (exit 0) only when the kernel refuses to create a namespace.
set -eu
: "${BANNIN:?set BANNIN to the bannin binary}"

SRV="bn_srv_$$"
CLI="bn_cli_$$"
TMP=$(mktemp -d)
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; fi
  ip netns del "$SRV" 2>/dev/null || true
  ip netns del "$CLI" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

if ! ip netns add "$SRV" 2>"$TMP/netns.err"; then
  echo "SKIP: the kernel refused to create a network namespace: $(cat "$TMP/netns.err")"
  exit 0
fi
ip netns add "$CLI"

fail() { echo "FAIL: $*" >&2; exit 1; }
S() { ip netns exec "$SRV" "$@"; }
C() { ip netns exec "$CLI" "$@"; }

# --- the network: srv 10.200.0.1 / fd00:200::1, clients .2 .3 .4 / ::2 ::3 ::10 ----------
ip -n "$SRV" link set lo up
ip -n "$CLI" link set lo up
ip -n "$SRV" link add v0 type veth peer name v1 netns "$CLI"
ip -n "$SRV" addr add 10.200.0.1/24 dev v0
ip -n "$SRV" addr add fd00:200::1/64 dev v0 nodad
for a in 10.200.0.2/24 10.200.0.3/24 10.200.0.4/24; do ip -n "$CLI" addr add "$a" dev v1; done
for a in fd00:200::2/64 fd00:200::3/64 fd00:200::10/64; do
  ip -n "$CLI" addr add "$a" dev v1 nodad
done
ip -n "$SRV" link set v0 up
ip -n "$CLI" link set v1 up

mkdir -p "$TMP/www" && echo ok >"$TMP/www/index.html"
S python3 -m http.server 8080 --bind :: --directory "$TMP/www" >"$TMP/http.log" 2>&1 &
PID=$!

# answered FROM URL_HOST: exit 0 when the server answers from source address FROM.
answered() {
  code=$(C curl -s -o /dev/null -w '%{http_code}' --max-time 1 --interface "$1" \
    "http://$2:8080/" 2>/dev/null) || true
  [ "$code" = "200" ]
}
# A first packet can wait for neighbour discovery; an answer is allowed three tries.
expect_answered() {
  answered "$1" "$2" || answered "$1" "$2" || answered "$1" "$2" \
    || fail "$3: $1 -> $2 got no answer"
}
expect_dropped() { ! answered "$1" "$2" || fail "$3: $1 -> $2 was answered"; }

V4=10.200.0.1
V6="[fd00:200::1]"
i=0
until answered 10.200.0.2 "$V4"; do
  i=$((i + 1))
  [ $i -lt 50 ] || fail "the test web server did not come up: $(cat "$TMP/http.log")"
  sleep 0.1
done
for src in 10.200.0.2 10.200.0.3 10.200.0.4; do expect_answered $src $V4 baseline; done
for src in fd00:200::2 fd00:200::3; do expect_answered $src "$V6" baseline; done

decision() {  # scope target ttl_s
  key=ip; [ "$1" = prefix ] && key=prefix
  printf '{"type":"decision","ts":"2026-11-25T10:00:00Z","rule":"test.e2e","action":"deny","scope":"%s","target":{"%s":"%s"},"ttl_s":%s,"reason":"e2e"}\n' \
    "$1" "$key" "$2" "$3"
}

# --- apply: two denied sources, one short TTL, one vhost_path (not nftables' job) ---------
{
  echo '{"type":"finding","rule":"test.e2e"}'
  decision ip 10.200.0.4 3
  decision ip 10.200.0.2 3600
  decision ip fd00:200::2 3600
  echo '{"type":"decision","ts":"2026-11-25T10:00:00Z","rule":"test.e2e","action":"deny_foreign","scope":"vhost_path","target":{"vhost":"a.example","path":"/contact","except_countries":["JP"]},"ttl_s":60,"reason":"e2e"}'
} >"$TMP/apply.jsonl"
S "$BANNIN" decisions apply --nft "$TMP/apply.jsonl" >"$TMP/apply.out" \
  || fail "apply failed: $(cat "$TMP/apply.out")"
grep -q '"applied":3' "$TMP/apply.out" || fail "apply: $(cat "$TMP/apply.out")"
grep -q '"unsupported":1' "$TMP/apply.out" || fail "vhost_path not unsupported: $(cat "$TMP/apply.out")"
expect_dropped 10.200.0.4 $V4 "short TTL in force"
expect_dropped 10.200.0.2 $V4 "denied v4"
expect_answered 10.200.0.3 $V4 "allowed v4"
expect_dropped fd00:200::2 "$V6" "denied v6"
expect_answered fd00:200::3 "$V6" "allowed v6"
S nft list table inet bannin | grep -q 'ip saddr @v4_addr counter packets [1-9]' \
  || fail "drop counter did not move"

# --- the TTL ends in the kernel --------------------------------------------------------------
sleep 3
expect_answered 10.200.0.4 $V4 "after TTL expiry"
S "$BANNIN" decisions list --nft >"$TMP/list.out"
grep -q '"target":"10.200.0.2","set":"v4_addr","timeout_s":3600' "$TMP/list.out" \
  || fail "list: $(cat "$TMP/list.out")"
! grep -q '10.200.0.4' "$TMP/list.out" || fail "expired element still listed"

# --- re-applying is idempotent ---------------------------------------------------------------
S "$BANNIN" decisions apply --nft -q "$TMP/apply.jsonl" >"$TMP/apply2.out" \
  || fail "re-apply failed: $(cat "$TMP/apply2.out")"
grep -q '"applied":3' "$TMP/apply2.out" || fail "re-apply: $(cat "$TMP/apply2.out")"
[ "$(S nft list chain inet bannin input | grep -c 'counter.*drop')" = 4 ] \
  || fail "re-apply duplicated the drop rules"
# The chain was in place, so it was left alone: its drop counter kept its packets.
S nft list table inet bannin | grep -q 'ip saddr @v4_addr counter packets [1-9]' \
  || fail "re-apply reset the drop counters"
# Applying a decision whose address is in the set already sets the new timeout.
decision ip 10.200.0.78 60 | S "$BANNIN" decisions apply --nft -q - >/dev/null || fail "apply .78"
decision ip 10.200.0.78 7200 | S "$BANNIN" decisions apply --nft -q - >"$TMP/refresh.out" \
  || fail "refresh apply: $(cat "$TMP/refresh.out")"
S "$BANNIN" decisions list --nft | grep -q '"target":"10.200.0.78","set":"v4_addr","timeout_s":7200' \
  || fail "re-apply did not refresh the timeout: $(S "$BANNIN" decisions list --nft)"
S "$BANNIN" decisions revoke --nft 10.200.0.78 | grep -q '"outcome":"revoked"' || fail "revoke .78"
sleep 3

# --- revoke restores access ------------------------------------------------------------------
S "$BANNIN" decisions revoke --nft 10.200.0.2 fd00:200::2 10.200.0.77 >"$TMP/revoke.out" \
  || fail "revoke failed: $(cat "$TMP/revoke.out")"
[ "$(grep -c '"outcome":"revoked"' "$TMP/revoke.out")" = 2 ] || fail "revoke: $(cat "$TMP/revoke.out")"
grep -q '"target":"10.200.0.77","outcome":"not_found"' "$TMP/revoke.out" \
  || fail "revoke of an absent address: $(cat "$TMP/revoke.out")"
expect_answered 10.200.0.2 $V4 "after revoke"
expect_answered fd00:200::2 "$V6" "after revoke"

# --- prefixes: 10.200.0.0/30 holds .2 and .3, not .4; fd00:200::/125 holds ::2 and ::3 ------
{
  decision prefix 10.200.0.0/30 600
  decision prefix 10.200.0.2/31 600
  decision prefix fd00:200::/125 600
} | S "$BANNIN" decisions apply --nft - >"$TMP/prefix.out" || fail "prefix apply: $(cat "$TMP/prefix.out")"
grep -q '"target":"10.200.0.2/31","outcome":"covered"' "$TMP/prefix.out" \
  || fail "prefix inside a prefix: $(cat "$TMP/prefix.out")"
expect_dropped 10.200.0.3 $V4 "inside denied prefix"
expect_answered 10.200.0.4 $V4 "outside denied prefix"
expect_dropped fd00:200::3 "$V6" "inside denied v6 prefix"
expect_answered fd00:200::10 "$V6" "outside denied v6 prefix"

# --- flush removes table inet bannin and nothing else -----------------------------------------
S nft add table ip unrelated
S nft add chain ip unrelated input '{ type filter hook input priority 0; policy accept; }'
S "$BANNIN" decisions flush --nft >"$TMP/flush.out"
grep -q '"existed":true' "$TMP/flush.out" || fail "flush: $(cat "$TMP/flush.out")"
S nft list tables >"$TMP/tables.out"
grep -q 'table ip unrelated' "$TMP/tables.out" || fail "flush removed an unrelated table"
! grep -q 'inet bannin' "$TMP/tables.out" || fail "flush left table inet bannin"
expect_answered 10.200.0.3 $V4 "after flush"
expect_answered fd00:200::3 "$V6" "after flush"

# --- one batch of 5,000 ------------------------------------------------------------------------
python3 -c '
import json
for i in range(5000):
    print(json.dumps({"type": "decision", "ts": "2026-11-25T10:00:00Z", "rule": "test.batch",
        "action": "deny", "scope": "ip", "target": {"ip": "10.201.%d.%d" % (i // 250, i % 250 + 1)},
        "ttl_s": 3600, "reason": "batch"}))' >"$TMP/batch.jsonl"
S "$BANNIN" decisions apply --nft -q "$TMP/batch.jsonl" >"$TMP/batch.out" \
  || fail "batch apply: $(cat "$TMP/batch.out")"
grep -q '"applied":5000' "$TMP/batch.out" || fail "batch: $(cat "$TMP/batch.out")"
S "$BANNIN" decisions list --nft >"$TMP/batch_list.out"
grep -q '"entries":5000' "$TMP/batch_list.out" || fail "batch list: $(tail -1 "$TMP/batch_list.out")"
S "$BANNIN" decisions apply --nft -q "$TMP/batch.jsonl" >"$TMP/batch2.out" \
  || fail "batch re-apply: $(cat "$TMP/batch2.out")"
echo "batch of 5000: $(cat "$TMP/batch.out")"
echo "batch re-apply: $(cat "$TMP/batch2.out")"
S "$BANNIN" decisions flush --nft >/dev/null
S "$BANNIN" decisions flush --nft >"$TMP/flush2.out"
grep -q '"existed":false' "$TMP/flush2.out" || fail "flush of nothing: $(cat "$TMP/flush2.out")"
echo "PASS: nft enforcement (v4/v6, address/prefix, TTL expiry, revoke, flush, batch of 5000)"
