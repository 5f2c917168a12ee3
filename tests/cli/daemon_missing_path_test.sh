#!/bin/bash
# Configured files that do not exist yet: one in an existing directory, one in a directory
# that does not exist either. Each is reported once in the log (not once per rescan), shows
# in `bannin status` as missing, and is picked up within about 2 s of being created (the
# first through inotify on its directory, the second by the once-a-second rescan), read from
# its beginning (a file that appears while bannin runs is new). A followed file that is
# deleted and created again is followed again.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

PICKUP_S=${BANNIN_PICKUP_S:-3}  # the aim is ~2 s; 1 s of slack for a loaded ASan machine
mkdir -p "$TMP/logs"
LATER="$TMP/logs/later.log"
NODIR="$TMP/nodir/app.log"
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
rule_files: [$ROOT/tests/fixtures/daemon/every_path.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: "", max_per_minute: 0, escalate_prefix: {min_members: 0}}
sources:
  - type: file
    paths: [$LATER]
    decoder: combined
  - type: file
    paths: [$NODIR]
    decoder: combined
YAML
next=0
lines_to() {  # lines_to FILE COUNT: COUNT new paths (one finding each)
  python3 - "$1" "$next" "$2" <<'PY'
import sys
path, start, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "a") as f:
    for i in range(start, start + count):
        f.write('192.0.2.5 - - [25/Nov/2026:10:00:00 +0000] "GET /once/%d HTTP/1.1" 200 10 "-" "t"\n' % i)
PY
  next=$((next + $2))
}
findings() { sql 'SELECT count(*) FROM findings'; }
all_found() { [ "$(findings)" -ge "$next" ]; }
# pickup WHAT: waits for every line so far, prints how long it took since T0 (set before
# the file was written), fails after PICKUP_S.
pickup() {
  local t1
  wait_until "$PICKUP_S" "$1 picked up" all_found
  t1=$(date +%s.%N)
  echo "$1: picked up in $(python3 -c "print('%.2f' % ($t1 - $T0))") s"
}

start_daemon
sleep 3  # three rescans
for f in "$LATER" "$NODIR"; do
  n=$(log_count "$f: no such file yet")
  [ "$n" -eq 1 ] || fail "$f: reported $n times in 3 s, expected once"
done
grep -F 'no such file yet' "$TMP/daemon.log" | sed 's/^.*bannin: /log: /'

# Status shows both as missing sources (not silently absent).
for f in "$LATER" "$NODIR"; do
  st=$(status_get "[(s['state'], s.get('missing')) for s in d['sources'] if s['origin'] == '$f']")
  echo "status for $f: $st"
  case "$st" in
    *missing*|*true*) ;;
    *) fail "bannin status does not show $f as missing: $st" ;;
  esac
done

T0=$(date +%s.%N)
lines_to "$LATER" 5
pickup "$LATER (directory watched)"
T0=$(date +%s.%N)
mkdir -p "$(dirname "$NODIR")"
lines_to "$NODIR" 5
pickup "$NODIR (directory created later)"
for f in "$LATER" "$NODIR"; do
  st=$(status_get "[s['lines'] for s in d['sources'] if s['origin'] == '$f' and s['state'] == 'ok']")
  [ "$st" = "[5]" ] || fail "status for $f after pickup: $st (expected one ok source with 5 lines)"
done

# Deleted and created again: followed again, from the new file's beginning.
rm "$LATER"
sleep 1.5
T0=$(date +%s.%N)
lines_to "$LATER" 3
pickup "$LATER (created again)"
n=$(log_count "$LATER: no such file yet")
[ "$n" -le 2 ] || fail "$LATER: reported $n times (once at start, at most once more after its deletion)"
stop_daemon
distinct=$(sql 'SELECT count(DISTINCT line) FROM evidence')
if [ "$(findings)" -ne "$next" ] || [ "$distinct" -ne "$next" ]; then
  fail "findings $(findings) / distinct evidence $distinct for $next lines"
fi
echo "PASS: missing files reported once, shown in status, picked up when created"
