#!/bin/bash
# Exactly once from the journal across crashes (issue 11): `bannin run` reads a private
# systemd-journald (started by this test in a private mount namespace: tmpfs over /run and
# /var/log/journal, volatile storage, no forwarding, no kernel log), is killed with SIGKILL at
# random moments while entries arrive and while it is down, and restarted. Its cursor is the
# journal's checkpoint in the store (table source_cursors), committed with the findings of the
# entries before it, so every entry written after the first start must give exactly one
# finding: none lost, none twice. Skipped without root, unshare or systemd-journald.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
JOURNALD=""
for j in /lib/systemd/systemd-journald /usr/lib/systemd/systemd-journald; do
  if [ -x "$j" ]; then JOURNALD=$j; fi
done
[ -n "$JOURNALD" ] || { echo "SKIP: no systemd-journald"; exit 0; }
command -v systemd-cat >/dev/null 2>&1 || { echo "SKIP: no systemd-cat"; exit 0; }
if [ -z "${BANNIN_IN_MOUNT_NS:-}" ]; then
  if ! unshare -m --propagation private true 2>/dev/null; then
    echo "SKIP: cannot create a private mount namespace (needs root)"
    exit 0
  fi
  exec env BANNIN_IN_MOUNT_NS=1 JOURNALD="$JOURNALD" unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib/daemon.sh"

# The private journal. Nothing outside this namespace sees it.
mount -t tmpfs -o mode=0755 bannin_run /run
if [ -d /var/log/journal ]; then mount -t tmpfs -o mode=0755 bannin_journal /var/log/journal; fi
mkdir -p /run/systemd/journald.conf.d
printf '[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToKMsg=no\nForwardToConsole=no\nForwardToWall=no\nRateLimitBurst=0\n' \
  >/run/systemd/journald.conf.d/bannin-test.conf
env -i SYSTEMD_LOG_TARGET=console PATH=/usr/sbin:/usr/bin:/sbin:/bin "$JOURNALD" >"$TMP/journald.log" 2>&1 &
JPID=$!
EXTRA_CLEANUP='kill -TERM $JPID; wait $JPID'
journal_up() { [ -S /run/systemd/journal/stdout ] && ls /run/log/journal/*/*.journal >/dev/null 2>&1; }
# systemd-cat before the journal file exists: one entry creates it.
for _ in $(seq 100); do [ -S /run/systemd/journal/stdout ] && break; sleep 0.1; done
echo "journal test start" | systemd-cat -t bannin-test
wait_for 10 "the private journald" journal_up

cat >"$TMP/rules.yaml" <<'YAML'
rules:
  - id: test.every_user
    title: Every new user name (journal exactly-once test)
    when: [auth.attempt]
    where: user startswith "once"
    group_by: [src_ip, user]
    window: 24h
    fire: count() >= 1
    then:
      - action: notify_only
        scope: ip
        ttl: 1h
        reason: "new user {group}"
YAML
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
rule_files: [$TMP/rules.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: "", max_per_minute: 0, escalate_prefix: {min_members: 0}}
sources:
  - type: journald
YAML

next=0
# write_entries COUNT: COUNT sshd entries, one new user name each.
write_entries() {
  python3 -c '
import sys
start, n = int(sys.argv[1]), int(sys.argv[2])
for i in range(start, start + n):
    print("Failed password for invalid user once%d from 10.%d.%d.%d port 22 ssh2"
          % (i, (i >> 16) & 255, (i >> 8) & 255, i & 255))' "$next" "$1" | systemd-cat -t sshd
  next=$(($next + $1))
}
committed() { [ "$(sql 'SELECT count(*) FROM findings')" -ge "$next" ]; }

start_daemon
journal_ok() { [ "$(status_get "[s for s in d['sources'] if s['kind'] == 'journald'][0]['state']")" = ok ]; }
wait_for 10 "the journal source open" journal_ok
for round in 1 2 3 4 5; do
  write_entries 300
  sleep "0.$((RANDOM % 4))"
  kill9_daemon
  write_entries 100  # while bannin is down
  start_daemon
  wait_for ${JWAIT:-60} "round $round: all $next entries committed" committed
  [ "$(sql "SELECT count(*) FROM source_cursors WHERE source = 'journald'")" = 1 ] \
    || fail "no journal cursor in the store"
done
stop_daemon

findings=$(sql "SELECT count(*) FROM findings WHERE rule = 'test.every_user'")
distinct=$(sql 'SELECT count(DISTINCT line) FROM evidence')
echo "entries written: $next; findings: $findings; distinct evidence lines: $distinct"
[ "$findings" -eq "$next" ] || fail "findings $findings != entries $next"
[ "$distinct" -eq "$next" ] || fail "distinct evidence $distinct != entries $next (an entry was processed twice)"
grep -q "not available" "$TMP/daemon.log" && fail "journald reported not available"
echo "PASS: $next journal entries across 5 SIGKILLs, each exactly once"
