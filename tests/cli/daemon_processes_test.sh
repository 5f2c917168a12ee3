#!/bin/bash
# The process probe in the daemon (issue 17, INCIDENTS S3): `bannin run` in enforce mode (in a
# network namespace of its own, for its nftables table) with processes.enabled reads /proc
# every second. Three real processes of a throwaway uid: a copy of sleep run from a
# WordPress upload directory (exe_in_writable_dir: stopped with SIGSTOP by
# processes.suspicious.strong, recorded in process_actions), a Python listener on a loopback
# port (listening: a notice only), and /bin/sleep (no flag:
# never an event). `bannin processes cont` undoes the stop. Skips only when the kernel
# refuses a namespace.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

NS="bn_proc_$$"
PIDS=()
EXTRA_CLEANUP='for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done; ip netns del $NS 2>/dev/null'
if ! ip netns add "$NS" 2>"$TMP/netns.err"; then
  echo "SKIP: the kernel refused to create a network namespace: $(cat "$TMP/netns.err")"
  exit 0
fi
ip -n "$NS" link set lo up
NSX="ip netns exec $NS"
U=64401
chmod 755 "$TMP"
UP="$TMP/www/shop/wp-content/uploads/2026/12"
mkdir -p "$UP"
cp /bin/sleep "$UP/cache"
chown -R $U:$U "$TMP/www"
(cd / && exec setpriv --reuid=$U --regid=$U --clear-groups "$UP/cache" 600) &
BAD=$!
PIDS+=("$BAD")
(cd / && exec setpriv --reuid=$U --regid=$U --clear-groups /bin/sleep 600) &
GOOD=$!
PIDS+=("$GOOD")
LPORT=$(free_port)
(cd / && exec $NSX setpriv --reuid=$U --regid=$U --clear-groups /usr/bin/python3 -m http.server --bind 127.0.0.1 "$LPORT" >/dev/null 2>&1) &
LISTENER=$!
PIDS+=("$LISTENER")
touch "$TMP/access.log"

cat >"$TMP/bannin.yaml" <<YAML
mode: enforce
geo: {database: none}
rule_files: [$ROOT/rules/base/processes.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {crawlers: ""}
enforce: {nftables: {table: bannin_proc}}
notify: {enabled: false}
processes: {enabled: true, interval: 1s, min_uid: 60000}
sources:
  - type: file
    paths: [$TMP/access.log]
    decoder: combined
YAML
start_daemon
state_of() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null; }

stopped() { [ "$(state_of "$BAD")" = T ]; }
wait_for 20 "the upload-directory process stopped" stopped
[ "$(sql "SELECT action || ' ' || result FROM process_actions WHERE pid=$BAD")" = "stop ok" ] \
  || fail "process_actions: $(sql "SELECT * FROM process_actions")"
[ "$(sql "SELECT actor FROM process_actions WHERE pid=$BAD")" = "rule processes.suspicious.strong" ] \
  || fail "actor: $(sql "SELECT actor FROM process_actions")"
active() { [ "$(sql "SELECT scope || ' ' || action || ' ' || state FROM decisions WHERE rule='processes.suspicious.strong'")" = "process stop active" ]; }
wait_for 10 "the stop decision active in the store" active
echo "ok: the process run from an upload directory was stopped (SIGSTOP) and recorded"

noticed() { [ "$(sql "SELECT count(*) FROM decisions WHERE rule='processes.listening' AND action='notify_only' AND target_json LIKE '%\"$LISTENER\"%'")" = 1 ]; }
wait_for 20 "the listener reported" noticed
[ "$(state_of "$LISTENER")" != T ] || fail "the listener was stopped"
[ "$(state_of "$GOOD")" != T ] || fail "the plain sleep was stopped"
[ "$(sql "SELECT count(*) FROM findings WHERE group_json LIKE '%\"$GOOD\"%'")" = 0 ] || fail "the plain sleep was flagged"
# One event per process, not one per round: after several rounds still one finding each.
sleep 3
[ "$(sql "SELECT count(*) FROM findings WHERE rule='processes.suspicious.strong'")" = 1 ] \
  || fail "findings: $(sql "SELECT rule, group_json FROM findings")"
echo "ok: the listener only reported, the plain process untouched, one finding per process"
stop_daemon

"$BANNIN" processes cont "$BAD" --store "$TMP/bannin.db" >/dev/null || fail "processes cont"
[ "$(state_of "$BAD")" != T ] || fail "still stopped after cont"
echo "ok: bannin processes cont undid the stop"
echo OK
