#!/bin/bash
# Outbound mail per account end to end with a real Postfix (issue 17, INCIDENTS S3/S5): the
# test runs its own Postfix instance (Debian `postfix`) from a temporary config_directory and
# queue_directory — no network listener at all, local delivery only (every recipient is an
# alias of /dev/null), logging to a file through postlogd (`maillog_file`, no syslog needed)
# with a header_checks INFO rule that logs PHP's X-PHP-Originating-Script header. Two
# throwaway accounts submit through `sendmail` under their own uids: mailquiet at a normal
# rate, mailburst (a "contact.php") in a burst. `bannin run`, tailing Postfix's own log and
# naming uids through a passwd file, must name mailburst — account and script — within a
# minute of the burst's start, and never mailquiet.
#
# The test runs in a private mount namespace (unshare -m) so that /etc/postfix and
# /etc/passwd can be replaced by the test's own files for Postfix's unprivileged sendmail
# and postdrop, which accept only the default configuration directory; nothing outside the
# temporary directory is changed. Skips only when the kernel refuses the namespace.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
if [ -z "${BANNIN_MAIL_NS:-}" ]; then
  command -v postfix >/dev/null || { echo "FAIL: postfix is not installed (tools/setup.sh)"; exit 1; }
  if ! unshare --mount --propagation private true 2>/dev/null; then
    echo "SKIP: the kernel refused a mount namespace"
    exit 0
  fi
  exec unshare --mount --propagation private env BANNIN_MAIL_NS=1 "$0" "$@"
fi
. "$(dirname "$0")/lib/daemon.sh"
chmod 755 "$TMP"  # the accounts' sendmail/postdrop walk through it to the queue
P="$TMP/postfix"
mkdir -p "$P/etc" "$P/spool" "$P/data"
EXTRA_CLEANUP='postfix -c "$P/etc" abort >/dev/null 2>&1; [ -f "$P/spool/pid/master.pid" ] && kill -9 "$(cat "$P/spool/pid/master.pid")" 2>/dev/null'

# Two accounts that exist only in this namespace.
cp /etc/passwd "$TMP/passwd"
echo "mailquiet:x:64311:64311::/nonexistent:/usr/sbin/nologin" >>"$TMP/passwd"
echo "mailburst:x:64312:64312::/nonexistent:/usr/sbin/nologin" >>"$TMP/passwd"
mount --bind "$TMP/passwd" /etc/passwd

# Postfix's own files (postfix-files, dynamicmaps.cf …), then our main.cf and master.cf.
cp -a /etc/postfix/. "$P/etc/"
rm -f "$P/etc/makedefs.out"  # a symlink out of the directory (postfix check warns)
chown postfix "$P/data"
cat >"$P/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $P/spool
data_directory = $P/data
mail_owner = postfix
setgid_group = postdrop
myhostname = web1.test
mydomain = test
myorigin = \$myhostname
mydestination = \$myhostname, localhost
inet_interfaces = loopback-only
inet_protocols = ipv4
default_transport = error:local delivery only
relay_transport = error:local delivery only
alias_maps = inline:{ sink=/dev/null }
alias_database =
recipient_delimiter = +
biff = no
smtputf8_enable = no
maillog_file = $P/maillog
maillog_file_prefixes = $TMP
header_checks = regexp:$P/etc/header_checks
CF
cat >"$P/etc/header_checks" <<'HC'
/^X-PHP-Originating-Script:/ INFO
HC
cat >"$P/etc/master.cf" <<'MF'
# No inet service: nothing listens; mail comes only through sendmail/postdrop (pickup).
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
MF
mount --bind "$P/etc" /etc/postfix
chmod 755 "$P"
postfix -c "$P/etc" check 2>"$TMP/postfix-check.log" || fail "postfix check: $(cat "$TMP/postfix-check.log")"
postfix -c "$P/etc" start 2>"$TMP/postfix-start.log" \
  || fail "postfix start: $(cat "$TMP/postfix-start.log"; tail -5 "$P/maillog" 2>/dev/null)"
for _ in $(seq 100); do [ -s "$P/maillog" ] && break; sleep 0.1; done
[ -s "$P/maillog" ] || fail "postfix wrote no maillog: $(cat "$TMP/postfix-start.log")"

cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
rule_files: [$ROOT/rules/base/mail.yaml]
rules:
  mail.outbound.burst: {max_messages: 40}
  mail.outbound.script_burst: {max_messages: 40}
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {crawlers: ""}
notify: {enabled: false}
inventory: {passwd_file: $TMP/passwd}
sources:
  - type: file
    paths: [$P/maillog]
YAML
start_daemon

# send UID N FIRST [SCRIPT]: N messages through sendmail as uid UID, recipients sink+FIRST…
send() {
  local uid=$1 n=$2 first=$3 script=${4:-} i
  for ((i = first; i < first + n; i++)); do
    {
      echo "From: account-$uid@web1.test"
      echo "To: sink+$i@localhost"
      echo "Subject: message $i"
      [ -n "$script" ] && echo "X-PHP-Originating-Script: $uid:$script"
      echo
      echo "body $i"
    } | setpriv --reuid="$uid" --regid="$uid" --clear-groups /usr/sbin/sendmail -t -i \
      || fail "sendmail as uid $uid failed"
  done
}

# The quiet account: one message every half second for a few seconds (8 in all).
for k in 0 1 2 3; do send 64311 2 $((k * 2)); sleep 0.5; done
# The burst: 60 messages from contact.php as fast as sendmail takes them.
burst_start=$(date +%s.%N)
send 64312 60 100 contact.php

found() { [ "$(sql "SELECT count(*) FROM findings WHERE rule='mail.outbound.burst' AND account='mailburst'")" -ge 1 ]; }
wait_until 60 "a burst finding naming mailburst" found
found_at=$(date +%s.%N)
echo "ok: mailburst named $(python3 -c "print('%.1f' % ($found_at - $burst_start))") s after the burst started"
script_found() { [ "$(sql "SELECT count(*) FROM findings WHERE rule='mail.outbound.script_burst' AND group_json LIKE '%contact.php%'")" -ge 1 ]; }
wait_until 30 "a script finding naming contact.php" script_found
delivered() { [ "$(grep -c 'status=sent' "$P/maillog")" -ge 68 ]; }
wait_until 30 "68 deliveries in Postfix's log" delivered
grep -q 'uid=64311 ' "$P/maillog" || fail "no pickup line for mailquiet"
grep -q 'info: header X-PHP-Originating-Script: 64312:contact.php' "$P/maillog" || fail "no header line"
# Everything Postfix logged has been read: the quiet account has no finding at all.
sleep 1
[ "$(sql "SELECT count(*) FROM findings WHERE account='mailquiet' OR group_json LIKE '%mailquiet%'")" = 0 ] \
  || fail "mailquiet was named: $(sql "SELECT rule, group_json FROM findings")"
[ "$(sql "SELECT scope || ' ' || action FROM decisions WHERE rule LIKE 'mail.outbound.%' GROUP BY scope, action")" = "account notify_only" ] \
  || fail "decisions: $(sql "SELECT rule, scope, action, target_json FROM decisions")"
[ "$(sql "SELECT count(*) FROM decisions WHERE target_json LIKE '%mailquiet%'")" = 0 ] || fail "mailquiet decided on"
echo "ok: the burst named account mailburst and script contact.php; mailquiet (8 messages) never"
stop_daemon
postfix -c "$P/etc" stop >/dev/null 2>&1 || true
echo OK
