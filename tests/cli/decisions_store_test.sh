#!/bin/bash
# `bannin decisions list|add|revoke|flush|export` against a real SQLite store written by
# `bannin replay --store`: a person's decisions (origin person, state proposed, canonical
# targets), what is in force at a fixed --now, revoke with history and its exit status,
# flush, JSON and CSV (RFC 4180, read back with Python's json and csv), the default store
# path, and bad input (target, duration, reason, action, state, format, time, a missing
# store, a store from a newer bannin): exit 2 with a clear message and nothing written.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BANNIN:?BANNIN must point at the bannin binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/a.db

fail() { echo "FAIL: $*" >&2; exit 1; }
q() { sqlite3 "$db" "$1"; }
# expect_exit CODE PATTERN CMD...: runs CMD, wants exit CODE and PATTERN in stderr.
expect_exit() {
  local want=$1 pattern=$2 rc=0
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  [ "$rc" = "$want" ] || fail "$* exited $rc, not $want: $(cat "$tmp/out" "$tmp/err")"
  grep -q -- "$pattern" "$tmp/err" || fail "$*: no '$pattern' in: $(cat "$tmp/err")"
}
D() { "$BANNIN" decisions "$@"; }

T0=2026-01-01T00:00:00Z
T0_NS=1767225600000000000

# --- no store: a clear error, and nothing is created ------------------------------------------
expect_exit 2 "no store there" D list --store "$tmp/none.db"
expect_exit 2 "no store there" D add 192.0.2.7 --ttl 1h --reason x --store "$tmp/none.db"
[ ! -e "$tmp/none.db" ] || fail "a missing store was created"

# --- a store written by replay ----------------------------------------------------------------
"$BANNIN" replay -q --rules "$ROOT/rules/base" -o site.home_countries=JP --store "$db" \
  "$ROOT/tests/scenarios/web/form_relay_wave/input.log" >"$tmp/replay.jsonl"
n_replay=$(q 'SELECT COUNT(*) FROM decisions;')
[ "$n_replay" -gt 0 ] || fail "replay stored no decisions"
# The schema this bannin writes (store.h kSchemaVersion), so a new migration needs no edit here.
want_version=$(sed -n 's/^inline constexpr int kSchemaVersion = \([0-9]*\);/\1/p' \
  "$(dirname "$0")/../../bannin/store/store.h")
[ "$(q 'PRAGMA user_version;')" = "$want_version" ] || fail "schema version $(q 'PRAGMA user_version;'), expected $want_version"
D list --store "$db" >"$tmp/list.txt"
head -1 "$tmp/list.txt" | grep -q '^ID  *STATE  *SCOPE  *TARGET  *ACTION  *RULE/ORIGIN  *EXPIRES IN  *REASON$' \
  || fail "table header: $(head -1 "$tmp/list.txt")"
grep -q "^$n_replay decisions in $db\$" "$tmp/list.txt" || fail "list: $(tail -1 "$tmp/list.txt")"
# Replay decisions are proposed, from 2021: long past their expiry, awaiting the sweep.
grep -q ' due ' "$tmp/list.txt" || fail "expired-but-alive decisions not shown as due"

# --- add --------------------------------------------------------------------------------------
D add 192.0.2.7 --ttl 1h --reason "hand, \"checked\" by ops" --store "$db" --now $T0 >"$tmp/add1"
id1=$((n_replay + 1))
grep -q "^added decision $id1 (proposed): deny 192.0.2.7 for 1h, expires 2026-01-01T01:00:00Z" \
  "$tmp/add1" || fail "add: $(cat "$tmp/add1")"
[ "$(q "SELECT origin, state, scope, target_key, target_json, ttl_s, expires_ns - ts_ns FROM decisions WHERE id=$id1;")" \
  = 'person|proposed|ip|192.0.2.7|{"ip":"192.0.2.7"}|3600|3600000000000' ] \
  || fail "added row: $(q "SELECT * FROM decisions WHERE id=$id1;")"
[ "$(q "SELECT ts_ns FROM decisions WHERE id=$id1;")" = "$T0_NS" ] || fail "--now not used"
[ "$(q "SELECT state || ':' || note FROM decision_history WHERE decision_id=$id1;")" = "proposed:created" ] \
  || fail "history of an added decision"
D add 192.0.2.7 --ttl 30m --reason again --store "$db" --now $T0 >/dev/null
# A prefix given in any spelling is stored in the canonical form.
D add 2001:DB8:0:0::1/48 --ttl 2d --reason net --action rate_limit --store "$db" --now $T0 \
  >"$tmp/add3"
grep -q "rate_limit 2001:db8::/48 for 2d" "$tmp/add3" || fail "prefix add: $(cat "$tmp/add3")"
# A short one, past its expiry by T0+20s.
D add 198.51.100.1 --ttl 10s --reason short --store "$db" --now $T0 >/dev/null
[ "$(q "SELECT COUNT(*) FROM decisions WHERE origin='person';")" = 4 ] || fail "person decisions"

# --- what is in force at T0+1s / T0+20s -------------------------------------------------------
D list --store "$db" --state in_force --now 2026-01-01T00:00:01Z >"$tmp/force.txt"
grep -q "^$id1  *proposed  *ip  *192.0.2.7  *deny  *person:[^ ]*  *59m59s  *hand, \"checked\" by ops\$" \
  "$tmp/force.txt" || fail "in force: $(cat "$tmp/force.txt")"
grep -q ' 2001:db8::/48  *rate_limit .* 1d23h ' "$tmp/force.txt" || fail "prefix: $(cat "$tmp/force.txt")"
grep -q '^4 decisions (in_force) in ' "$tmp/force.txt" || fail "count: $(tail -1 "$tmp/force.txt")"
D list --store "$db" --state in_force --now 2026-01-01T00:00:20Z | grep -q '^3 decisions' \
  || fail "a decision past its TTL is still in force"
D list --store "$db" --now 2026-01-01T00:00:20Z | grep -q ' 198.51.100.1  *deny .* due ' \
  || fail "expired decision not due"

# --- revoke -----------------------------------------------------------------------------------
D revoke 192.0.2.7 --note "false alarm" --store "$db" --now 2026-01-01T00:00:10Z >"$tmp/rev"
[ "$(grep -c '^revoked decision ' "$tmp/rev")" = 2 ] || fail "revoke: $(cat "$tmp/rev")"
[ "$(q "SELECT COUNT(*) FROM decisions WHERE target_key='192.0.2.7' AND state='revoked' AND ended_ns=$((T0_NS + 10000000000));")" = 2 ] \
  || fail "revoked rows: $(q "SELECT id, state, ended_ns FROM decisions WHERE target_key='192.0.2.7';")"
q "SELECT note FROM decision_history WHERE decision_id=$id1 AND state='revoked';" | grep -q '^false alarm (by ' \
  || fail "revoke note: $(q "SELECT * FROM decision_history WHERE decision_id=$id1;")"
# Nothing in force any more on that target: exit 1, nothing changed.
expect_exit 1 "nothing in force on 192.0.2.7" D revoke 192.0.2.7 --store "$db" --now 2026-01-01T00:00:11Z
# The expired one is not in force either.
expect_exit 1 "nothing in force on 198.51.100.1" D revoke 198.51.100.1 --store "$db" --now 2026-01-01T00:00:20Z
# Another spelling of the prefix finds it; --dry-run changes nothing.
D revoke 2001:db8:0::/48 --dry-run --store "$db" --now 2026-01-01T00:00:12Z | grep -q '^would revoke decision ' \
  || fail "dry-run revoke"
[ "$(q "SELECT state FROM decisions WHERE target_key='2001:db8::/48';")" = proposed ] || fail "dry-run changed the store"
D revoke 2001:db8:0::/48 --store "$db" --now 2026-01-01T00:00:12Z | grep -q 'rate_limit 2001:db8::/48' \
  || fail "prefix revoke"

# --- flush --------------------------------------------------------------------------------------
expect_exit 3 "say what to flush" D flush
D add 203.0.113.1 --ttl 1h --reason f1 --store "$db" --now $T0 >/dev/null
D add 203.0.113.0/24 --ttl 1h --reason f2 --store "$db" --now $T0 >/dev/null
D flush --store "$db" --dry-run --now 2026-01-01T00:00:30Z | grep -q '^would revoke 2 decisions in force' \
  || fail "flush --dry-run"
D flush --store "$db" --now 2026-01-01T00:00:30Z >"$tmp/flush"
grep -q '^revoked 2 decisions in force in ' "$tmp/flush" || fail "flush: $(cat "$tmp/flush")"
D list --store "$db" --state in_force --now 2026-01-01T00:00:31Z | grep -q '^0 decisions' || fail "in force after flush"
q "SELECT note FROM decision_history WHERE state='revoked' ORDER BY rowid DESC LIMIT 1;" | grep -q '^flushed (by .*bannin decisions flush)$' \
  || fail "flush note"
D flush --store "$db" --now 2026-01-01T00:00:32Z | grep -q '^revoked 0 decisions' || fail "second flush"

# --- JSON and CSV -----------------------------------------------------------------------------
total=$(q 'SELECT COUNT(*) FROM decisions;')
D list --store "$db" --format json >"$tmp/list.json"
D list --store "$db" --format csv >"$tmp/list.csv"
D export --store "$db" >"$tmp/export.json"
D export --store "$db" --format csv >"$tmp/export.csv"
python3 - "$tmp" "$total" "$id1" <<'EOF'
import csv, json, sys
tmp, total, id1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = json.load(open(f"{tmp}/list.json"))
assert len(rows) == total, (len(rows), total)
assert all("history" not in r for r in rows)
exp = json.load(open(f"{tmp}/export.json"))
assert len(exp) == total
by_id = {r["id"]: r for r in exp}
one = by_id[id1]
assert one["target"] == {"ip": "192.0.2.7"} and one["origin"] == "person", one
assert one["reason"] == 'hand, "checked" by ops', one["reason"]
assert [h["state"] for h in one["history"]] == ["proposed", "revoked"], one["history"]
assert one["ended"] == "2026-01-01T00:00:10Z" and one["expires"] == "2026-01-01T01:00:00Z", one
assert all(r["history"] and r["history"][0]["note"] == "created" for r in exp)
for name, extra in (("list.csv", []), ("export.csv", ["history"])):
    raw = open(f"{tmp}/{name}", newline="").read()
    assert raw.endswith("\r\n"), name
    recs = list(csv.DictReader(raw.splitlines(keepends=True)))
    assert len(recs) == total, (name, len(recs))
    assert list(recs[0].keys()) == ["id", "ts", "state", "scope", "target", "action", "rule",
        "origin", "ttl_s", "expires", "ended", "reason", "target_json"] + extra, recs[0].keys()
    r = next(x for x in recs if int(x["id"]) == id1)
    assert r["reason"] == 'hand, "checked" by ops' and r["state"] == "revoked", r
    assert json.loads(r["target_json"]) == {"ip": "192.0.2.7"}
    if extra:
        lines = r["history"].split("\n")
        assert len(lines) == 2 and lines[1].startswith("2026-01-01T00:00:10Z revoked false alarm"), lines
print(f"json/csv: {total} decisions read back")
EOF

# --- the default store path -------------------------------------------------------------------
mkdir -p "$tmp/cwd/var" && cp "$db" "$tmp/cwd/var/bannin.db"
(cd "$tmp/cwd" && "$BANNIN" decisions list --format csv | grep -c '^[0-9]' >"$tmp/n") \
  || fail "default store path"
[ "$(cat "$tmp/n")" = "$total" ] || fail "default store: $(cat "$tmp/n") rows"

# --- bad arguments: exit 3 (the usage code of every command), a clear message, nothing written ------------------------------------
before=$(q 'SELECT COUNT(*) FROM decisions;')
expect_exit 3 "'300.1.2.3' is not an address or prefix" D add 300.1.2.3 --ttl 1h --reason x --store "$db"
expect_exit 3 "'example.jp' is not an address or prefix" D add example.jp --ttl 1h --reason x --store "$db"
expect_exit 3 "'1x' is not a duration" D add 192.0.2.9 --ttl 1x --reason x --store "$db"
expect_exit 3 "'90' is not a duration" D add 192.0.2.9 --ttl 90 --reason x --store "$db"
expect_exit 3 "'0s' is zero" D add 192.0.2.9 --ttl 0s --reason x --store "$db"
expect_exit 3 "longer than 10 years" D add 192.0.2.9 --ttl 99999d --reason x --store "$db"
expect_exit 3 "longer than 10 years" D add 192.0.2.9 --ttl 99999999999999999999999s --reason x --store "$db"
expect_exit 3 "say why" D add 192.0.2.9 --ttl 1h --reason "  " --store "$db"
expect_exit 3 "'deny_foreign' is not one of" D add 192.0.2.9 --ttl 1h --reason x --action deny_foreign --store "$db"
expect_exit 3 "not an RFC 3339 time" D add 192.0.2.9 --ttl 1h --reason x --now yesterday --store "$db"
expect_exit 3 "'paused' is not one of" D list --state paused --store "$db"
expect_exit 3 "use table, json or csv" D list --format text --store "$db"
expect_exit 3 "json or csv" D export --format xml --store "$db"
[ "$(q 'SELECT COUNT(*) FROM decisions;')" = "$before" ] || fail "bad input wrote to the store"
# A store from a newer bannin is refused and left alone.
cp "$db" "$tmp/newer.db"
sqlite3 "$tmp/newer.db" 'PRAGMA user_version=99;'
expect_exit 2 "newer bannin" D list --store "$tmp/newer.db"
expect_exit 2 "newer bannin" D add 192.0.2.9 --ttl 1h --reason x --store "$tmp/newer.db"
[ "$(sqlite3 "$tmp/newer.db" 'PRAGMA user_version;')" = 99 ] || fail "newer store touched"
# Not a database at all.
echo "not sqlite" >"$tmp/junk.db"
expect_exit 2 "junk.db" D list --store "$tmp/junk.db"

echo "ok: $total decisions; add/list/revoke/flush/export and bad input checked on $db"
