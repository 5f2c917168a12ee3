#!/bin/bash
# `bannin status` end to end against a stand-in daemon on 127.0.0.1 (a small Python HTTP
# server that answers GET /api/v1/status from a file, with or without a token): text and
# JSON output, exit 0 when healthy, 1 when the daemon shows problems, 2 when it refuses the
# token or answers nonsense, 3 when nobody answers (the message names the URL and `bannin run`).
# The daemon's own end-to-end test runs `bannin status` against the real API.
set -euo pipefail
: "${BANNIN:?BANNIN must point at the bannin binary}"
tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Nobody listening: exit 3, and the message says where and what to do.
free_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
set +e
"$BANNIN" status --api "http://127.0.0.1:$free_port" > "$tmp/out" 2> "$tmp/err"
rc=$?
set -e
[ "$rc" = 3 ] || fail "no daemon: exit $rc, expected 3"
grep -q "no daemon answering at http://127.0.0.1:$free_port" "$tmp/err" || fail "no daemon: $(cat "$tmp/err")"
grep -q 'bannin run' "$tmp/err" || fail "no daemon: no hint: $(cat "$tmp/err")"

# 2. The stand-in daemon.
cat > "$tmp/daemon.py" <<'EOF'
import http.server, os, sys
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        token = open(os.path.join(d, "token")).read().strip()
        if token and self.headers.get("Authorization") != "Bearer " + token:
            body = b'{"error":{"code":"unauthorized","message":"the token is not the one the daemon was given"}}'
            self.send_response(401)
        elif self.path != "/api/v1/status":
            body = b'{"error":{"code":"not_found","message":"no such endpoint"}}'
            self.send_response(404)
        else:
            body = open(os.path.join(d, "status.json"), "rb").read()
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(os.path.join(d, "port.tmp"), "w").write(str(s.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
s.serve_forever()
EOF
: > "$tmp/token"
cat > "$tmp/status.json" <<'EOF'
{"daemon":{"version":"0.5.0","mode":"observe","started":"2026-12-01T09:00:00Z","uptime_s":3700,
 "config":"/etc/bannin/bannin.yaml"},
 "sources":[{"id":"nginx","kind":"file","origin":"/var/log/nginx/access.log","state":"following",
   "lines":1200,"rate_1m":20.5,"errors":0,"dropped":0,"missing":null}],
 "queues":[{"name":"decode","depth":0,"capacity":65536,"dropped":0}],
 "store":{"path":"/var/lib/bannin/bannin.db","ok":true,"last_error":"","written":5,"failed":0,"dropped":0},
 "decisions":{"in_force":1,"proposed":0,"by_scope":{"ip":1},"latest":[]}}
EOF
python3 "$tmp/daemon.py" "$tmp" &
server_pid=$!
for _ in $(seq 100); do [ -f "$tmp/port" ] && break; sleep 0.05; done
[ -f "$tmp/port" ] || fail "stand-in daemon did not start"
api="http://127.0.0.1:$(cat "$tmp/port")"

"$BANNIN" status --api "$api" > "$tmp/out" || fail "healthy: exit $?"
grep -q '^bannin 0.5.0, observe mode, up 1h 1m (since 2026-12-01T09:00:00Z)$' "$tmp/out" || fail "daemon line: $(cat "$tmp/out")"
grep -Eq '^  nginx +file +/var/log/nginx/access.log +following +1200 +20.5 +0 +0$' "$tmp/out" || fail "sources: $(cat "$tmp/out")"
grep -q '^  /var/lib/bannin/bannin.db: ok$' "$tmp/out" || fail "store: $(cat "$tmp/out")"
grep -q '^No problems.$' "$tmp/out" || fail "healthy: $(cat "$tmp/out")"

"$BANNIN" status --api "$api/" --format json > "$tmp/out.json" || fail "json: exit $?"
python3 - "$tmp/out.json" "$tmp/status.json" <<'EOF' || fail "json output differs from the daemon's"
import json, sys
assert json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))
EOF

# 3. A problem (a source with errors, drops) -> exit 1, listed, in both formats.
sed -i 's/"errors":0,"dropped":0,"missing":null/"errors":2,"dropped":9,"missing":null/' "$tmp/status.json"
set +e
"$BANNIN" status --api "$api" > "$tmp/out"; rc=$?
"$BANNIN" status --api "$api" --format json > /dev/null; rc_json=$?
set -e
[ "$rc" = 1 ] && [ "$rc_json" = 1 ] || fail "problem: exit $rc/$rc_json, expected 1"
grep -q '^  - source nginx: 2 errors$' "$tmp/out" || fail "problem: $(cat "$tmp/out")"
grep -q '^  - source nginx: 9 lines dropped$' "$tmp/out" || fail "problem: $(cat "$tmp/out")"

# 4. Token: refused without (exit 2, says why), accepted by flag and by environment.
echo 't0k-abc' > "$tmp/token"
set +e
"$BANNIN" status --api "$api" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "no token: exit $rc, expected 2"
grep -q 'BANNIN_API_TOKEN' "$tmp/err" || fail "no token: $(cat "$tmp/err")"
set +e
"$BANNIN" status --api "$api" --token t0k-abc > /dev/null; rc_flag=$?
BANNIN_API_TOKEN=t0k-abc "$BANNIN" status --api "$api" > /dev/null; rc_env=$?
set -e
[ "$rc_flag" = 1 ] && [ "$rc_env" = 1 ] || fail "token: exit $rc_flag/$rc_env, expected 1 (problem still there)"
: > "$tmp/token"

# 5. Nonsense from the daemon and a bad URL: exit 2 with a reason.
echo '<html>oops</html>' > "$tmp/status.json"
set +e
"$BANNIN" status --api "$api" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "nonsense: exit $rc, expected 2"
grep -q 'not JSON' "$tmp/err" || fail "nonsense: $(cat "$tmp/err")"
set +e
"$BANNIN" status --api "ftp://127.0.0.1:1" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] || fail "bad url: exit $rc, expected 2"
grep -q 'only http://' "$tmp/err" || fail "bad url: $(cat "$tmp/err")"

echo "ok: bannin status exit codes 0/1/2/3, text and json"
