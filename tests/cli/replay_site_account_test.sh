#!/bin/bash
# Site -> account from the hosting inventory, in the one pipeline (`bannin replay --config`;
# the daemon builds the same Pipeline): access-log events of a site the inventory knows carry
# its account, so a form relay on shop.example.jp is stored with account hanako (the
# `account` column the API's findings filter reads), a finding on a site the inventory does
# not know has none, and a rule can group by account. A broken inventory file stops the
# replay with its location, before anything is read.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 is not installed"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A relay wave on shop.example.jp (sources abroad: 8.8.0.0/16) and one on other.example.jp.
python3 - "$TMP/access.log" <<'PY'
import datetime, sys
t0 = datetime.datetime(2026, 11, 25, 5, 0, 0, tzinfo=datetime.timezone.utc)
out = []
for k, vhost in enumerate(["shop.example.jp", "other.example.jp"]):
    for i in range(15):
        t = t0 + datetime.timedelta(seconds=i * 4 + k)
        out.append((t, '%s:443 8.8.%d.%d - - [%s] "POST /contact/ HTTP/1.1" 200 120 "-" "Mozilla/5.0"'
                    % (vhost, 10 + k, i + 1, t.strftime("%d/%b/%Y:%H:%M:%S +0000"))))
out.sort(key=lambda x: x[0])
open(sys.argv[1], "w").write("".join(l + "\n" for _, l in out))
PY

cat >"$TMP/inventory.yaml" <<'YAML'
accounts:
  hanako: {contacts: [hanako@example.jp], language: ja}
sites:
  - names: [shop.example.jp, www.shop.example.jp]
    account: hanako
YAML
cat >"$TMP/bannin.yaml" <<YAML
inventory: {file: $TMP/inventory.yaml}
YAML

"$BANNIN" replay -q --config "$TMP/bannin.yaml" --store "$TMP/replay.db" "$TMP/access.log" \
  >"$TMP/out.jsonl"
rows=$(sqlite3 "$TMP/replay.db" "SELECT vhost || ' ' || account FROM findings WHERE rule='web.form_relay.many_sources' ORDER BY vhost")
want="other.example.jp 
shop.example.jp hanako"
[ "$rows" = "$want" ] || fail "findings' site and account:
$rows
want:
$want"
echo "ok: the relay on the inventory's site is stored with its account, the other without"

# A rule of the operator's grouped by account sees it (events of sites the inventory does not
# know have no account: they count for the absent one, "", never for hanako).
cat >"$TMP/by_account.yaml" <<'YAML'
rules:
  - id: test.posts.per_account
    title: POSTs per hosting account
    when: [http.request]
    where: method == "POST"
    group_by: [account]
    window: 10m
    numbers: {posts: count()}
    fire: count() >= 10
    then: []
YAML
"$BANNIN" replay -q --config "$TMP/bannin.yaml" --rules "$TMP/by_account.yaml" "$TMP/access.log" \
  >"$TMP/acct.jsonl"
python3 - "$TMP/acct.jsonl" <<'PY' || fail "per-account rule: $(cat "$TMP/acct.jsonl")"
import json, sys
found = [o for o in map(json.loads, open(sys.argv[1])) if o.get("type") == "finding"]
hanako = [f for f in found if f["group"] == {"account": "hanako"}]
assert hanako, found
# Only the account's own site counts for it; other sites are the absent account ("").
assert all(e.startswith("shop.example.jp:") for f in hanako for e in f["evidence"]), hanako
assert all(f["group"] in ({"account": "hanako"}, {"account": ""}) for f in found), found
PY
echo "ok: a rule grouped by account sees the inventory's account"

# A broken inventory file: the replay stops and names it.
printf 'sites:\n  - names: [bad name!]\n' >"$TMP/inventory.yaml"
rc=0
"$BANNIN" replay -q --config "$TMP/bannin.yaml" "$TMP/access.log" >/dev/null 2>"$TMP/err" || rc=$?
[ "$rc" = 2 ] || fail "a broken inventory: exit $rc"
grep -q "inventory.yaml" "$TMP/err" || fail "the error does not name the file: $(cat "$TMP/err")"
echo "ok: a broken inventory file stops the replay with its location"
