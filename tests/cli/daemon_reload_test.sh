#!/bin/bash
# SIGHUP reload and configuration checking of `bannin run`:
#   (a) a reload keeps detection windows: two failed logins (test.login_guess fires at 3),
#       SIGHUP with a changed configuration (decide.max_per_minute, and a parameter of
#       another rule through the `rules:` overrides map), one more failed login: a decision.
#       The changed parameter is in use after the reload (test.reload_probe fires on the new
#       path, not on the old one).
#   (b) a broken configuration on SIGHUP (YAML error, a rule parameter that does not fit, an
#       allowlist entry that is not a network) is refused with a located message in the log;
#       the daemon keeps running with the rules it had (another attack still gets its
#       decision, the parameter set by the last good reload is still in force).
#   (c) `bannin run --config BAD --check` exits 2 and lists every problem at file:line:col.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

mkdir -p "$TMP/logs"
LOG="$TMP/logs/access.log"
: >"$LOG"
FIX="$ROOT/tests/fixtures/daemon"
# write_config MAX_PER_MINUTE EXTRA-YAML
write_config() {
  cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
rule_files: [$FIX/every_path.yaml, $FIX/reload_rules.yaml]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: "", max_per_minute: $1, escalate_prefix: {min_members: 0}}
sources:
  - type: file
    paths: [$LOG]
    decoder: combined
$2
YAML
}
req() {  # req IP METHOD PATH
  printf '%s - - [25/Nov/2026:10:00:00 +0000] "%s %s HTTP/1.1" 200 10 "-" "t"\n' "$1" "$2" "$3" >>"$LOG"
}
written=0
login_fail() { req "$1" POST /login; written=$((written + 1)); }
get() { req "$1" GET "$2"; written=$((written + 1)); }
decisions_for() { sql "SELECT count(*) FROM decisions WHERE target_json LIKE '%\"$1\"%' AND rule = '$2'"; }
has_decision() { [ "$(decisions_for "$1" "$2")" -ge 1 ]; }
processed_all() { [ "$(status_get "sum(s['decoded'] for s in d['sources'])")" -ge "$written" ]; }
settled() {  # every line written has been through detection, and its rows committed
  wait_until 20 "all $written lines through detection" processed_all
  wait_until 20 "the store caught up" store_idle
}
store_idle() { [ "$(status_get "d['queues'][2]['depth']")" = 0 ]; }
reloads() { status_get "d['daemon']['reloads']"; }
alive() { kill -0 "$DPID" 2>/dev/null || fail "the daemon died: $*"; }
new_log() { tail -n +"$((log_mark + 1))" "$TMP/daemon.log"; }
mark_log() { log_mark=$(wc -l <"$TMP/daemon.log"); }

write_config 0 ""
start_daemon
following() { grep -qF "following $LOG" "$TMP/daemon.log"; }
wait_until 10 "the log followed" following

# (a) Two failed logins, a reload that changes things, the third failed login.
login_fail 198.51.100.10
login_fail 198.51.100.10
settled
[ "$(decisions_for 198.51.100.10 test.login_guess)" -eq 0 ] || fail "a decision after 2 failed logins (threshold 3)"
write_config 50 "rules:
  test.reload_probe: {probe_path: /probe-b}"
mark_log
kill -HUP "$DPID"
reloaded() { new_log | grep -q 'reloaded: 3 rules'; }
wait_until 10 "the reload applied" reloaded
alive "after SIGHUP"
new_log | grep 'reloaded:' | sed 's/^.*bannin: /log: /'
[ "$(reloads)" = 1 ] || fail "status daemon.reloads = $(reloads) after one reload"
get 198.51.100.20 /probe-a        # the old parameter: no finding any more
get 198.51.100.21 /probe-b        # the new one
login_fail 198.51.100.10          # the third: the window from before the reload counts
wait_until 20 "a decision for 198.51.100.10 after the reload (window kept)" has_decision 198.51.100.10 test.login_guess
wait_until 20 "test.reload_probe firing on the new path /probe-b" has_decision 198.51.100.21 test.reload_probe
settled
[ "$(decisions_for 198.51.100.20 test.reload_probe)" -eq 0 ] || fail "test.reload_probe still fires on the old path /probe-a"
echo "ok (a): window kept across the reload; the new parameter is in use"

# (b) Broken configurations on SIGHUP are refused; the old rules stay.
refused() { new_log | grep -q "$1"; }
try_bad() {  # try_bad WHAT LOG-PATTERN LOCATION-PATTERN
  mark_log
  kill -HUP "$DPID"
  wait_until 10 "$1: the reload refused" refused "$2"
  sleep 0.3
  alive "after a refused reload ($1)"
  new_log | grep -q "$3" || fail "$1: the log does not locate the problem ($3): $(new_log)"
  ! new_log | grep -q 'reloaded:' || fail "$1: a refused reload was applied"
  [ "$(reloads)" = 1 ] || fail "$1: status daemon.reloads = $(reloads)"
  echo "ok (b): $1: $(new_log | grep -A1 'refused' | tr '\n' ' ' | sed 's/[0-9T:-]*Z bannin: //g')"
}
printf 'site: {home_countries: [JP, DE\n' >>"$TMP/bannin.yaml"   # an unterminated flow sequence
try_bad "YAML syntax error" 'reload refused, configuration unchanged' "$TMP/bannin.yaml:[0-9]*:[0-9]*: "
write_config 50 "rules:
  test.reload_probe: {probe_path: /probe-b}
  test.login_guess: {max_attempts: lots}"
try_bad "rule parameter that is not a number" 'reload refused, rules unchanged' 'every_path.yaml:[0-9]*:[0-9]*: error: .*lots'
write_config 50 "rules:
  test.reload_probe: {probe_path: /probe-b}"
sed -i 's/^decide: {own_addresses: false,/decide: {allowlist: [not-a-network], own_addresses: false,/' "$TMP/bannin.yaml"
try_bad "allowlist entry that is not a network" 'reload refused' 'not-a-network'

# Still the rules of the last good reload: threshold 3, probe path /probe-b.
login_fail 198.51.100.30
login_fail 198.51.100.30
login_fail 198.51.100.30
get 198.51.100.32 /probe-a
get 198.51.100.31 /probe-b
wait_until 20 "a decision for another attacker after the refused reloads" has_decision 198.51.100.30 test.login_guess
wait_until 20 "test.reload_probe still on /probe-b" has_decision 198.51.100.31 test.reload_probe
settled
[ "$(decisions_for 198.51.100.32 test.reload_probe)" -eq 0 ] || fail "a refused reload changed the probe path back"
stop_daemon
echo "ok (b): the daemon kept running with the rules of the last good reload"

# (c) --check on a file with several problems: exit 2, each at file:line:col.
BAD="$FIX/bad_config.yaml"
set +e
(cd "$TMP" && "$BANNIN" run --config "$BAD" --check) >"$TMP/check.out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "--check on a bad file: exit $rc, expected 2: $(cat "$TMP/check.out")"
for expect in \
  "$BAD:9:5: store.retention.findings: '90 days' is not a duration" \
  "$BAD:11:3: decide.max_per_minute: 'many' is not a whole number" \
  "$BAD:13:3: unknown key 'api.lisen'" \
  "$BAD:17:5: sources: type must be file, syslog, journald or stdin (not 'sislog')" \
  "the configuration has problems; nothing started"; do
  grep -qF "$expect" "$TMP/check.out" || fail "--check output lacks: $expect
$(cat "$TMP/check.out")"
done
[ ! -e "$TMP/var" ] || fail "--check created files: $(find "$TMP/var")"
write_config 50 ""
"$BANNIN" run --config "$TMP/bannin.yaml" --check >"$TMP/check_ok.out" 2>&1 || fail "--check on a good file: $(cat "$TMP/check_ok.out")"
grep -q ': OK: observe mode, 1 sources, 3 rules' "$TMP/check_ok.out" || fail "--check summary: $(cat "$TMP/check_ok.out")"
echo "ok (c): --check exit 2 with every problem located"
# A misspelt section (`stroe:` holding a map) must be called an unknown key, like any typo.
grep -qF "$BAD:5:1: unknown key 'stroe'" "$TMP/check.out" \
  || fail "a misspelt section is not reported as an unknown key: $(grep -F ':5:1:' "$TMP/check.out")"
echo "PASS: reload keeps windows and applies new parameters; broken reloads refused; --check locates every problem"
