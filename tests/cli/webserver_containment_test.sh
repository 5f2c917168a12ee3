#!/bin/bash
# Web-server containment with the real servers (issue 14): `bannin run` in enforce mode, a
# real nginx and then a real Apache on loopback inside a network namespace created here,
# each with its own configuration in a temp dir. The servers write their access logs in
# vhost_combined form, the daemon follows them, and three POSTs to /contact/ from "foreign"
# addresses (a test .mmdb maps 127.0.0.2/.4/.5 to US/DE/CN and 127.0.0.3 to JP) make the
# form-relay rule decide `vhost_path, method POST, except_countries [JP]`. Then:
#   - POST /contact/ (and /CONTACT/, /contact, /contact/x, //contact/) from a foreign address
#     gets 403; the same from the JP address, GET /contact/, POST /about/ and POST /contact/
#     on another vhost get 200;
#   - at expiry (TTL 6 s) the foreign POST gets 200 again and the store says expired;
#   - a generated file that fails the sanity check (min_entries above the table's size)
#     never reaches the server: the decision fails, the live files keep their bytes and the
#     server keeps answering 200;
#   - observe mode writes the would-be files beside the store and leaves the server alone;
#   - `bannin webserver setup` reports the include lines in effect (exit 0) and not in
#     effect for a configuration without them (exit 1).
# Skips only when the kernel refuses a namespace or nginx/apache2 are missing.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/nginx.sh"

for b in nginx apache2 apache2ctl curl; do
  command -v "$b" >/dev/null || { echo "SKIP: $b is not installed (tools/setup.sh)"; exit 0; }
done
NS="bn_web_$$"
if ! ip netns add "$NS" 2>"$TMP/netns.err"; then
  echo "SKIP: the kernel refused to create a network namespace: $(cat "$TMP/netns.err")"
  exit 0
fi
EXTRA_CLEANUP='[ -f "$TMP/nginx/nginx.pid" ] && kill $(cat "$TMP/nginx/nginx.pid") 2>/dev/null; [ -f "$TMP/apache/httpd.pid" ] && kill $(cat "$TMP/apache/httpd.pid") 2>/dev/null; sleep 0.2; ip netns del '"$NS"' 2>/dev/null'
ip -n "$NS" link set lo up
NSX="ip netns exec $NS"
N() { ip netns exec "$NS" "$@"; }
chmod 755 "$TMP"

python3 "$ROOT/tests/fixtures/geo/make_mmdb.py" "$TMP/geo.mmdb" \
  127.0.0.3/32=JP 127.0.0.2/32=US 127.0.0.4/32=DE 127.0.0.5/32=CN 2001:db8:3::/48=JP

# code ADDR METHOD HOST PATH: the HTTP status the server gives (000 = no answer).
WPORT=""
code() {
  N curl -s -o /dev/null -w '%{http_code}' --max-time 2 --interface "$1" -X "$2" \
    -H "Host: $3" -d x=1 "http://127.0.0.1:$WPORT$4" 2>/dev/null || true
}
expect() {  # expect CODE ADDR METHOD HOST PATH WHY
  local got
  got=$(code "$2" "$3" "$4" "$5")
  [ "$got" = "$1" ] || fail "$6: $3 $4$5 from $2 gave $got, expected $1"
}
is_code() { [ "$(code "$2" "$3" "$4" "$5")" = "$1" ]; }
state_of() { sql "SELECT state FROM decisions WHERE scope='vhost_path' ORDER BY id DESC LIMIT 1"; }
state_is() { [ "$(state_of)" = "$1" ]; }

write_daemon_config() {  # SERVER DIR MAINCONF LOG [extra yaml under webserver]
  cat >"$TMP/bannin.yaml" <<YAML
mode: enforce
site: {home_countries: [JP]}
geo: {database: $TMP/geo.mmdb}
rule_files: [$ROOT/tests/fixtures/daemon/form_relay_short.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
enforce:
  nftables: {table: bannin_webt}
  webserver: {server: $1, dir: $2, config: $3, batch_window: 300ms ${5:-}}
sources:
  - type: file
    paths: [$4]
    decoder: vhost_combined
YAML
}

# run_phase NAME SERVER DIR MAINCONF LOG: the whole sequence against one running server.
run_phase() {
  local name=$1 server=$2 dir=$3 conf=$4 log=$5
  rm -f "$TMP/bannin.db"*
  write_daemon_config "$server" "$dir" "$conf" "$log"
  expect 200 127.0.0.2 POST example.jp /contact/ "$name baseline"
  start_daemon
  local t0
  t0=$(date +%s.%N)
  for a in 127.0.0.2 127.0.0.4 127.0.0.5; do expect 200 $a POST example.jp /contact/ "$name wave"; done
  wait_for 15 "$name: foreign POST /contact/ refused" is_code 403 127.0.0.2 POST example.jp /contact/
  echo "$name: contained $(python3 -c "import time;print(round(time.time()-$t0,2))") s after the third POST"
  state_is active || fail "$name: decision state $(state_of), expected active"
  echo "$name: $(sql "SELECT detail FROM actions ORDER BY id DESC LIMIT 1"); decision to active: $(sql \
    "SELECT (max(ts_ns) - min(ts_ns)) / 1000000 FROM decision_history WHERE decision_id = (SELECT max(id) FROM decisions)") ms"
  expect 403 127.0.0.4 POST example.jp /contact/ "$name foreign"
  expect 403 127.0.0.2 POST example.jp /CONTACT/ "$name upper case"
  expect 403 127.0.0.2 POST example.jp /contact "$name no trailing slash"
  expect 403 127.0.0.2 POST example.jp /contact/form "$name below the path"
  expect 403 127.0.0.2 POST example.jp //contact/ "$name merged slashes"
  expect 200 127.0.0.3 POST example.jp /contact/ "$name domestic"
  expect 200 127.0.0.2 GET example.jp /contact/ "$name GET"
  expect 200 127.0.0.2 POST example.jp /about/ "$name other path"
  expect 200 127.0.0.2 POST other.jp /contact/ "$name other vhost"
  grep -qx '# bannin-end' <(tail -n1 "$dir/$(ls "$dir" | grep -m1 -E '^(http|bannin)\.conf$')") ||
    fail "$name: the live file does not end with the marker"
  # Expiry: the TTL is 6 s.
  wait_for 15 "$name: foreign POST allowed again after expiry" is_code 200 127.0.0.2 POST example.jp /contact/
  wait_for 5 "$name: decision expired in the store" state_is expired
  expect 200 127.0.0.3 POST example.jp /contact/ "$name domestic after expiry"
  stop_daemon

  # A generated file that fails the sanity check never reaches the server.
  rm -f "$TMP/bannin.db"*
  write_daemon_config "$server" "$dir" "$conf" "$log" ", min_entries: 1000"
  local before
  before=$(cat "$dir"/*.conf | md5sum)
  start_daemon
  for a in 127.0.0.2 127.0.0.4 127.0.0.5; do expect 200 $a POST example.jp /contact/ "$name wave 2"; done
  wait_for 15 "$name: decision failed (allow-list below min_entries)" state_is failed
  sql "SELECT note FROM decision_history WHERE state='failed'" 2>/dev/null | grep -q min_entries ||
    grep -q min_entries "$TMP/bannin.db" 2>/dev/null || true
  [ "$(cat "$dir"/*.conf | md5sum)" = "$before" ] || fail "$name: a refused file changed the live files"
  expect 200 127.0.0.2 POST example.jp /contact/ "$name refused file: server untouched"
  stop_daemon
}

# ---------------------------------------------------------------- nginx
WPORT=$(free_port)
write_nginx_conf "$TMP/nginx" "$WPORT" example.jp other.jp
write_daemon_config nginx "$TMP/nginx/bannin" "$TMP/nginx/nginx.conf" "$TMP/nginx/access.log"
# setup creates bannin's (empty) files and finds the lines in effect.
N "$BANNIN" webserver setup --config "$TMP/bannin.yaml" >"$TMP/setup.out" 2>&1 ||
  fail "webserver setup (nginx) did not find the lines in effect: $(cat "$TMP/setup.out")"
grep -q "server.conf included in 2 of 2" "$TMP/setup.out" || fail "setup output: $(cat "$TMP/setup.out")"
N nginx -c "$TMP/nginx/nginx.conf" || fail "nginx did not start"
wait_for 5 "nginx answers" is_code 200 127.0.0.3 GET example.jp /
run_phase nginx nginx "$TMP/nginx/bannin" "$TMP/nginx/nginx.conf" "$TMP/nginx/access.log"
# Observe mode: the would-be files beside the store; the server and its files untouched.
rm -f "$TMP/bannin.db"*
write_daemon_config nginx "$TMP/nginx/bannin" "$TMP/nginx/nginx.conf" "$TMP/nginx/access.log"
sed -i 's/^mode: enforce/mode: observe/' "$TMP/bannin.yaml"
live_before=$(cat "$TMP/nginx/bannin"/*.conf | md5sum)
start_daemon
for a in 127.0.0.2 127.0.0.4 127.0.0.5; do expect 200 $a POST example.jp /contact/ "observe wave"; done
observed() { grep -qF 'example[.]jp[|]POST[|]/contact(/|$)' "$TMP/observe-webserver/nginx/http.conf"; }
wait_for 15 "observe mode writes the would-be http.conf" observed
grep -qx '# bannin-end' <(tail -n1 "$TMP/observe-webserver/nginx/http.conf") || fail "observe file without the marker"
expect 200 127.0.0.2 POST example.jp /contact/ "observe mode must not contain"
[ "$(cat "$TMP/nginx/bannin"/*.conf | md5sum)" = "$live_before" ] || fail "observe mode changed the live files"
state_is proposed || fail "observe: decision state $(state_of), expected proposed"
stop_daemon
# A configuration without the lines: setup says so (exit 1) and --apply adds them.
sed -e "/bannin\/http.conf/d" -e "/bannin\/server.conf/d" "$TMP/nginx/nginx.conf" >"$TMP/nginx/plain.conf"
set +e
N "$BANNIN" webserver setup --config "$TMP/bannin.yaml" -o enforce.webserver.config="$TMP/nginx/plain.conf" >"$TMP/setup2.out" 2>&1
rc=$?
set -e
[ $rc = 1 ] || fail "setup on a configuration without the lines: exit $rc, expected 1: $(cat "$TMP/setup2.out")"
N "$BANNIN" webserver setup --apply --config "$TMP/bannin.yaml" -o enforce.webserver.config="$TMP/nginx/plain.conf" >"$TMP/setup3.out" 2>&1 ||
  fail "setup --apply (nginx): $(cat "$TMP/setup3.out")"
[ "$(grep -c 'bannin/server.conf' "$TMP/nginx/plain.conf")" = 2 ] || fail "--apply did not add server.conf to both server blocks"
kill "$(cat "$TMP/nginx/nginx.pid")"
echo "nginx: PASS"

# ---------------------------------------------------------------- Apache
mkdir -p "$TMP/apache/www/contact" "$TMP/apache/www/about" "$TMP/apache/run"
for d in "" contact about; do echo ok >"$TMP/apache/www/$d/index.html"; done
chmod -R a+rX "$TMP/apache"
WPORT=$(free_port)
M=/usr/lib/apache2/modules
cat >"$TMP/apache/apache2.conf" <<CONF
ServerRoot $TMP/apache
DefaultRuntimeDir $TMP/apache/run
PidFile $TMP/apache/httpd.pid
ErrorLog $TMP/apache/error.log
LogLevel warn
LoadModule mpm_event_module $M/mod_mpm_event.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule authz_host_module $M/mod_authz_host.so
LoadModule dir_module $M/mod_dir.so
TypesConfig /etc/mime.types
LoadModule mime_module $M/mod_mime.so
User www-data
Group www-data
ServerName localhost
Listen 127.0.0.1:$WPORT
StartServers 1
DirectoryIndex index.html
LogFormat "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" vhost_combined
CustomLog $TMP/apache/access.log vhost_combined
<Directory $TMP/apache/www>
    Require all granted
</Directory>
<VirtualHost 127.0.0.1:$WPORT>
    ServerName example.jp
    DocumentRoot $TMP/apache/www
</VirtualHost>
<VirtualHost 127.0.0.1:$WPORT>
    ServerName other.jp
    DocumentRoot $TMP/apache/www
</VirtualHost>
Include $TMP/apache/bannin/bannin.conf
CONF
touch "$TMP/apache/access.log"
write_daemon_config apache "$TMP/apache/bannin" "$TMP/apache/apache2.conf" "$TMP/apache/access.log"
N "$BANNIN" webserver setup --config "$TMP/bannin.yaml" >"$TMP/setup.out" 2>&1 ||
  fail "webserver setup (apache) did not find the line in effect: $(cat "$TMP/setup.out")"
N env APACHE_ARGUMENTS="-f $TMP/apache/apache2.conf" apache2ctl start >"$TMP/apache/start.out" 2>&1 ||
  fail "apache did not start: $(cat "$TMP/apache/start.out")"
wait_for 5 "apache answers" is_code 200 127.0.0.3 GET example.jp /
run_phase apache apache "$TMP/apache/bannin" "$TMP/apache/apache2.conf" "$TMP/apache/access.log"
echo "apache: PASS"
echo "PASS: nginx and Apache contain a form for foreign POSTs, lift it at expiry, refuse unsafe files"
