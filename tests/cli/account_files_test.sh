#!/bin/bash
# Planted files end to end (issue 17, INCIDENTS S5): `bannin run` in enforce mode (in a
# network namespace of its own, for its nftables table) watches a temporary document root
# owned by a throwaway uid. A planted file present at start (first walk) and one dropped
# while it runs (inotify) become file.found events, findings of files.planted.strong and
# quarantine decisions; both files get mode 000, recorded in the store. Harmless files and a
# weak-sign file are left alone. `bannin quarantine restore` brings a file back byte-identical
# with mode and owner; after a restart the daemon does not quarantine the restored bytes
# again. Move mode, purge and the CLI's usage errors too. Skips only when the kernel refuses
# a namespace.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

NS="bn_acct_$$"
EXTRA_CLEANUP='ip netns del $NS 2>/dev/null'
if ! ip netns add "$NS" 2>"$TMP/netns.err"; then
  echo "SKIP: the kernel refused to create a network namespace: $(cat "$TMP/netns.err")"
  exit 0
fi
ip -n "$NS" link set lo up
NSX="ip netns exec $NS"
Q() { "$BANNIN" quarantine "$@" --store "$TMP/bannin.db"; }
mode_of() { stat -c %a "$1"; }
owner_of() { stat -c %u:%g "$1"; }

# A WordPress-like document root, owned by a uid no account uses.
W="$TMP/www/shop1"
mkdir -p "$W/wp-content/uploads/2026/11" "$W/wp-includes"
echo "<?php require __DIR__ . '/wp-blog-header.php';" >"$W/index.php"
echo "<?php function wp_load() { return 1; }" >"$W/wp-includes/load.php"
printf '<?php /* a plugin with a long embedded blob */ $f = "%s";\n' "$(head -c 6000 /dev/zero | tr '\0' 'Q')" >"$W/wp-includes/font.php"
PLANTED="$W/wp-content/uploads/2026/11/cache.php"
printf "<?php echo 'BANNIN-TEST-WEBSHELL-7F3A'; ?>\n\x00\x01binary tail\xff\n" >"$PLANTED"
cp -p "$PLANTED" "$TMP/planted.orig"
chmod 0644 "$W"/index.php "$PLANTED"
chown -R 64201:64202 "$TMP/www"
touch "$TMP/access.log"

cat >"$TMP/bannin.yaml" <<YAML
mode: enforce
geo: {database: none}
rule_files: [$ROOT/rules/base/files.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {crawlers: ""}
enforce: {nftables: {table: bannin_acct}, quarantine: {method: chmod, dir: $TMP/quarantine}}
notify: {enabled: false}
files:
  roots: [$TMP/www/shop1]
  yara_rules: [$ROOT/rules/yara]
  upload_dirs: [wp-content/uploads]
sources:
  - type: file
    paths: [$TMP/access.log]
    decoder: combined
YAML
start_daemon

# 1. The file present at start: found by the first walk, quarantined.
quarantined() { [ "$(sql "SELECT count(*) FROM quarantine WHERE path='$1' AND state='quarantined'")" = 1 ]; }
wait_for 15 "the planted file in quarantine" quarantined "$PLANTED"
[ "$(mode_of "$PLANTED")" = 0 ] || fail "planted file has mode $(mode_of "$PLANTED"), not 000"
[ "$(sql "SELECT count(*) FROM findings WHERE rule='files.planted.strong'")" -ge 1 ] || fail "no finding"
# The quarantine's ledger row is written by the actuator; the decision's state goes through the
# store writer's queue a moment later.
decided() { [ "$(sql "SELECT scope || ' ' || action || ' ' || state FROM decisions WHERE rule='files.planted.strong' AND target_key='$PLANTED'")" = "file quarantine active" ]; }
wait_until 5 "decision: $(sql "SELECT scope, action, state, target_key FROM decisions")" decided
echo "ok: planted file found by the walk and quarantined (mode 000)"

# 2. A file dropped while the daemon runs: inotify, within seconds.
DROPPED="$W/wp-content/uploads/2026/11/wp-conf.php"
printf '<?php @eval($_POST["c"]); ?>\n' >"$DROPPED"
wait_for 15 "the dropped file in quarantine" quarantined "$DROPPED"
echo "ok: a file dropped at run time quarantined through inotify"

# 3. Harmless files and the weak-sign one untouched; the weak one only reported.
for f in index.php wp-includes/load.php wp-includes/font.php; do
  [ "$(mode_of "$W/$f")" != 0 ] || fail "$f was quarantined"
done
[ "$(sql "SELECT count(*) FROM decisions WHERE rule='files.suspicious.weak' AND action='notify_only'")" = 1 ] \
  || fail "weak-sign file not reported: $(sql "SELECT rule, target_key FROM decisions")"
$NSX "$BANNIN" status --api "$API" --format json >"$TMP/status.json"
python3 - "$TMP/status.json" <<'PY' || fail "status: $(cat "$TMP/status.json")"
import json, sys
f = json.load(open(sys.argv[1]))["files"]
assert f["enabled"] and f["roots"] == 1 and f["watching"] and f["yara_rules"] >= 6, f
assert f["hits"] >= 3 and f["walks"] >= 1, f
PY
echo "ok: harmless files untouched, the weak sign only reported, status shows the probe"
stop_daemon

# 4. The CLI: list, show, restore byte-identical with mode and owner, decision revoked.
Q list --format json >"$TMP/list.json"
ID=$(python3 -c "
import json,sys
e=[x for x in json.load(open(sys.argv[1])) if x['path']==sys.argv[2]]
assert e and e[0]['old_mode']=='0644' and e[0]['uid']==64201 and e[0]['gid']==64202 and e[0]['method']=='chmod', e
print(e[0]['id'])" "$TMP/list.json" "$PLANTED") || fail "list: $(cat "$TMP/list.json")"
Q show "$ID" >"$TMP/show.txt" && grep -q "quarantine ok by rule files.planted.strong" "$TMP/show.txt" \
  || fail "show: $(cat "$TMP/show.txt")"
Q restore "$ID" 2>"$TMP/restore.err" || fail "restore: $(cat "$TMP/restore.err")"
cmp -s "$PLANTED" "$TMP/planted.orig" || fail "restored bytes differ"
[ "$(mode_of "$PLANTED")" = 644 ] || fail "restored mode $(mode_of "$PLANTED")"
[ "$(owner_of "$PLANTED")" = 64201:64202 ] || fail "restored owner $(owner_of "$PLANTED")"
[ "$(stat -c %Y "$PLANTED")" = "$(stat -c %Y "$TMP/planted.orig")" ] || fail "restored mtime differs"
[ "$(sql "SELECT state FROM decisions WHERE target_key='$PLANTED'")" = revoked ] || fail "decision not revoked"
[ "$(sql "SELECT action || ' ' || result FROM quarantine_history WHERE quarantine_id=$ID ORDER BY id")" = "$(printf 'quarantine ok\nrestore ok')" ] \
  || fail "audit rows: $(sql "SELECT * FROM quarantine_history")"
set +e
Q restore "$ID" 2>/dev/null; rc=$?
set -e
[ $rc = 1 ] || fail "a second restore exited $rc, not 1"
echo "ok: restore byte-identical with mode 0644, owner 64201:64202 and mtime; audit rows; decision revoked"

# 5. A restart: the walk finds the restored file again, the daemon leaves it alone.
start_daemon
refused() { [ "$(sql "SELECT count(*) FROM quarantine_history WHERE path='$PLANTED' AND result='refused'")" -ge 1 ]; }
wait_for 15 "the restored file judged again" refused
[ "$(mode_of "$PLANTED")" = 644 ] || fail "restored file quarantined again"
stop_daemon
echo "ok: after a restart the restored bytes are not quarantined again"

# 6. Move mode by hand, restore, purge; usage errors.
M="$W/wp-content/uploads/2026/11/moved.php"
printf '<?php // BANNIN-TEST-MAILER-7F3A\n' >"$M"
chown 64201:64202 "$M"
chmod 0640 "$M"
cp -p "$M" "$TMP/moved.orig"
MID=$(Q file "$M" --method move --dir "$TMP/quarantine" 2>/dev/null)
[ ! -e "$M" ] || fail "move: file still at its path"
[ "$(find "$TMP/quarantine" -type f | wc -l)" = 1 ] || fail "move: not in the quarantine directory"
[ "$(stat -c %a "$TMP/quarantine")" = 700 ] || fail "quarantine directory mode"
Q restore "$MID" 2>/dev/null || fail "move restore"
cmp -s "$M" "$TMP/moved.orig" && [ "$(mode_of "$M")" = 640 ] && [ "$(owner_of "$M")" = 64201:64202 ] \
  || fail "move restore not identical"
DID=$(sql "SELECT id FROM quarantine WHERE path='$DROPPED'")
Q purge "$DID" 2>/dev/null || fail "purge"
[ ! -e "$DROPPED" ] || fail "purged file still there"
[ "$(sql "SELECT state FROM quarantine WHERE id=$DID")" = purged ] || fail "purge not recorded"
set +e
Q restore abc 2>/dev/null; r1=$?
Q restore 99999 2>/dev/null; r2=$?
Q frobnicate 2>/dev/null; r3=$?
"$BANNIN" quarantine --help >/dev/null; r4=$?
"$BANNIN" quarantine file relative.php --store "$TMP/bannin.db" 2>/dev/null; r5=$?
set -e
[ "$r1 $r2 $r3 $r4 $r5" = "3 1 3 0 3" ] || fail "exit codes: $r1 $r2 $r3 $r4 $r5 (want 3 1 3 0 3)"
echo "ok: move mode round trip, purge, usage errors exit 3"
echo "PASS"
