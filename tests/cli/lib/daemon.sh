# Shared by the daemon tests (tests/cli/daemon_*_test.sh): a temp dir, a free loopback
# port, a config writer, start/stop helpers and waiting with a deadline. Source it after
# setting BANNIN.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
DPID=""
EXTRA_CLEANUP=""
cleanup() {
  if [ -n "$DPID" ]; then kill -9 "$DPID" 2>/dev/null || true; wait "$DPID" 2>/dev/null || true; fi
  if [ -n "$EXTRA_CLEANUP" ]; then eval "$EXTRA_CLEANUP" || true; fi
  if [ -z "${KEEP_TMP:-}" ]; then rm -rf "$TMP"; else echo "kept $TMP" >&2; fi
}
trap cleanup EXIT INT TERM

fail() {
  echo "FAIL: $*" >&2
  if [ -n "$DPID" ]; then
    echo "--- bannin status" >&2
    $NSX "$BANNIN" status --api "$API" >&2 || true
  fi
  if [ -f "$TMP/daemon.log" ]; then echo "--- daemon log (last 40 lines)" >&2; tail -40 "$TMP/daemon.log" >&2; fi
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
NSX=""  # a prefix such as "ip netns exec NS" runs the daemon and its clients in a namespace
API="http://127.0.0.1:$PORT"

# start_daemon [extra args...]: runs bannin in the background (log appended to daemon.log)
# and waits until its API answers.
start_daemon() {
  $NSX "$BANNIN" run --config "$TMP/bannin.yaml" "$@" >>"$TMP/daemon.log" 2>&1 &
  DPID=$!
  for _ in $(seq 200); do
    if $NSX "$BANNIN" status --api "$API" --format json >/dev/null 2>&1; then return 0; fi
    kill -0 "$DPID" 2>/dev/null || fail "the daemon exited at start"
    sleep 0.05
  done
  fail "the daemon's API did not answer within 10 s"
}

# dump_threads PID: where each thread of a stuck daemon waits (gdb when installed, else the
# kernel's view), so a hang in CI leaves the stacks in the log.
dump_threads() {
  echo "--- threads of $1" >&2
  if command -v gdb >/dev/null; then
    timeout 60 gdb -p "$1" -batch -ex "thread apply all bt 25" 2>/dev/null | grep -E '^(Thread|#)' >&2 || true
  else
    for t in /proc/"$1"/task/*; do echo "$(cat "$t/comm") wchan=$(cat "$t/wchan")" >&2; done
  fi
}

# stop_daemon: SIGTERM, and the daemon must exit 0 within 20 s.
stop_daemon() {
  kill -TERM "$DPID"
  for _ in $(seq 400); do
    if ! kill -0 "$DPID" 2>/dev/null; then
      wait "$DPID" || fail "the daemon exited with status $? after SIGTERM"
      DPID=""
      return 0
    fi
    sleep 0.05
  done
  dump_threads "$DPID"
  fail "the daemon did not stop within 20 s of SIGTERM"
}

kill9_daemon() {
  kill -9 "$DPID" 2>/dev/null || true
  wait "$DPID" 2>/dev/null || true
  DPID=""
}

# wait_for SECONDS DESCRIPTION COMMAND...: retries COMMAND every 0.1 s.
wait_for() {
  local secs=$1 what=$2
  shift 2
  local n=$((secs * 10))
  for _ in $(seq "$n"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  fail "timed out after ${secs}s waiting for: $what"
}

sql() { sqlite3 -cmd '.timeout 5000' "$TMP/bannin.db" "$@"; }

# --- Added for the reliability tests (daemon_{disk_full,checkpoint_corrupt,burst,rotation_load,
# reload,sources,missing_path}_test.sh). ---

# status_get PYEXPR: evaluates a Python expression over the daemon's status document `d`
# (GET /api/v1/status) and prints the result (JSON for lists, dicts, booleans and None).
# Prints nothing when the daemon does not answer. `bannin status` exits 1 when the daemon
# shows a problem; that is not an error here.
status_get() {
  { $NSX "$BANNIN" status --api "$API" --format json 2>/dev/null || true; } | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)' "$1"
}

# daemon_mem_kb FIELD: VmRSS (now) or VmHWM (peak) of the daemon, in kB.
daemon_mem_kb() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$DPID/status"; }

# log_count FIXED-STRING: lines of the daemon log holding it.
log_count() { grep -cF -- "$1" "$TMP/daemon.log" || true; }


# wait_until SECONDS DESCRIPTION COMMAND...: as wait_for, but against the clock: a COMMAND
# that is slow itself (a status call to a busy ASan daemon) cannot stretch the deadline.
wait_until() {
  local secs=$1 what=$2
  shift 2
  local deadline=$((SECONDS + secs))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  if "$@" >/dev/null 2>&1; then return 0; fi
  fail "timed out after ${secs}s waiting for: $what"
}

# start_daemon_stdin FILE [extra args...]: start_daemon with the daemon's standard input
# read from FILE (a FIFO for a `type: stdin` source; a background command's stdin would
# otherwise be /dev/null).
start_daemon_stdin() {
  local input=$1
  shift
  $NSX "$BANNIN" run --config "$TMP/bannin.yaml" "$@" <"$input" >>"$TMP/daemon.log" 2>&1 &
  DPID=$!
  for _ in $(seq 200); do
    if $NSX "$BANNIN" status --api "$API" --format json >/dev/null 2>&1; then return 0; fi
    kill -0 "$DPID" 2>/dev/null || fail "the daemon exited at start"
    sleep 0.05
  done
  fail "the daemon's API did not answer within 10 s"
}
