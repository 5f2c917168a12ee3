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
