#!/bin/sh
# `bannin parse` joins an MTA's lines by queue id (issue 5): a mail.sent line carries the
# uid / account / SASL user and sender of the message's earlier submission line, for
# postfix (pickup, smtpd sasl_username, amavis-style hand-over), sendmail (MSP -> MTA) and
# exim (<= U=); a message that was "removed" / "Completed" is forgotten; nothing is dropped.
set -eu
: "${BANNIN:?BANNIN must point at the bannin binary}"
FIXTURES=${FIXTURES:-$(dirname "$0")/../fixtures}
LOG="$FIXTURES/logs/mail/queue_correlation.log"
fail() { echo "FAIL: $*"; exit 1; }

out=$("$BANNIN" parse -q --year 2024 "$LOG")
want=$(wc -l < "$LOG")
[ "$(echo "$out" | wc -l)" -eq "$want" ] || fail "expected $want objects"
line() { echo "$out" | sed -n "$1p"; }
has() { line "$1" | grep -q "$2" || fail "line $1 lacks $2: $(line "$1")"; }
lacks() { if line "$1" | grep -q "$2"; then fail "line $1 has $2: $(line "$1")"; fi; }

# postfix: pickup uid=1003 -> smtp deliveries (sent and deferred) carry uid, sender, size
has 6 '"kind":"mail.sent"'
has 6 '"uid":1003'
has 6 '"sender":"shopuser@shop.example.jp"'
has 6 '"size":2844'
has 7 '"delivery_status":"deferred"'
has 7 '"uid":1003'
lacks 3 '"uid"'                      # qmgr's mail.received is not filled
# postfix SASL submission: the login travels to the delivery
has 11 '"user":"sales@shop.example.jp"'
# after "removed" the queue id is forgotten
has 12 '"error":"unrecognized_message"'
lacks 13 '"user"'
# sendmail: relay=wpuser@localhost and ctladdr; the MTA hop inherits via "stat=Sent (QID ...)"
has 14 '"account":"wpuser"'
has 16 '"uid":1007'
has 17 '"account":"wpuser"'
has 17 '"uid":1007'
# exim: <= U=blogacct -> =>, until Completed
has 19 '"account":"blogacct"'
has 19 '"sender":"newsletter@blog.example.jp"'
lacks 21 '"account"'
# a delivery of a message never seen submitted stays as it was
lacks 22 '"uid"'

# The table's work is reported on stderr, evictions included.
err=$("$BANNIN" parse --year 2024 --format none "$LOG" 2>&1 >/dev/null)
echo "$err" | grep -q 'mail queue ids: 5 messages, 6 lines joined, 1 hand-overs, 2 removed, 0 expired, 0 evicted' \
  || fail "summary: $err"

# Per input: a second file does not see the first one's messages.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -n 6p "$LOG" > "$tmp/only-delivery.log"
out=$("$BANNIN" parse -q --year 2024 "$LOG" "$tmp/only-delivery.log" | tail -n 1)
echo "$out" | grep -q '"uid"' && fail "state leaked across inputs: $out"

# Same answer through stdin and with the syslog decoder named.
a=$("$BANNIN" parse -q --year 2024 "$LOG" | sed 's/"decoder":"[a-z]*"//')
b=$(cat "$LOG" | "$BANNIN" parse -q --year 2024 --decoder syslog - | sed 's/"decoder":"[a-z]*"//')
[ "$a" = "$b" ] || fail "stdin / --decoder syslog differ"
echo OK
