#!/bin/sh
# `bannin parse` on syslog-framed daemon lines: one object per line, RFC 3164 year from
# --year or from the file's mtime (rolling over at New Year), failures carry src_ip.
set -eu
: "${BANNIN:?BANNIN must point at the bannin binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

printf '%s\n' \
  'Dec 31 23:59:58 web sshd[10]: Failed password for root from 192.0.2.7 port 5000 ssh2' \
  'Jan  1 00:00:02 web sshd[11]: Accepted password for alice from 192.0.2.8 port 5001 ssh2' \
  'this is not a log line' > "$tmp/auth.log"
touch -d '2024-01-01 12:00:00' "$tmp/auth.log"

out=$("$BANNIN" parse -q --decoder syslog "$tmp/auth.log")
[ "$(echo "$out" | wc -l)" -eq 3 ] || fail "expected 3 objects: $out"
echo "$out" | sed -n 1p | grep -q '"ts":"2023-12-31T23:59:58Z"' || fail "rollover: $out"
echo "$out" | sed -n 1p | grep -q '"outcome":"failure"' || fail "failure: $out"
echo "$out" | sed -n 1p | grep -q '"src_ip":"192.0.2.7"' || fail "src_ip: $out"
echo "$out" | sed -n 2p | grep -q '"ts":"2024-01-01T00:00:02Z"' || fail "same year: $out"
echo "$out" | sed -n 2p | grep -q '"outcome":"success"' || fail "success: $out"
echo "$out" | sed -n 3p | grep -q '"error":"unrecognized_message"' || fail "reject: $out"

out=$("$BANNIN" parse -q --year 2019 "$tmp/auth.log")
echo "$out" | sed -n 1p | grep -q '"ts":"2019-12-31T23:59:58Z"' || fail "--year: $out"
echo "$out" | sed -n 2p | grep -q '"ts":"2019-01-01T00:00:02Z"' || fail "--year: $out"

if "$BANNIN" parse -q --year 99 "$tmp/auth.log" >/dev/null 2>&1; then fail "--year 99 accepted"; fi
echo OK
