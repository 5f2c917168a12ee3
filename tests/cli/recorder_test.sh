#!/bin/bash
# The flight recorder (docs/guard.md "Flight recorder"; issue 16, incident S4: the logs that
# would have explained an outage were lost). `bannin run` tails an access log; 300 ordinary
# lines are written over the seconds before a trigger, then one line that fires a rule marked
# `record: true`. Asserts:
#   - a gzip file appears in records/ beside the store, and it holds every one of the 300 lines
#     written before the trigger (oldest first), the trigger line, and KPI samples;
#   - a second firing within recorder.min_interval does not freeze again (counted too_soon);
#   - `bannin record freeze` (through the API) writes another file, `bannin record list` lists
#     both and `bannin record show` reads one back;
#   - retention: with recorder.keep: 2, a third freeze leaves two files;
#   - a rule with `record: maybe` is a located load error.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
. "$(dirname "$0")/lib/daemon.sh"

LOG="$TMP/access.log"
: >"$LOG"
cat >"$TMP/rules.yaml" <<'YAML'
rules:
  - id: test.record.trigger
    title: A request for the trigger path
    record: true
    when: [http.request]
    where: path == "/trigger-the-recorder"
    group_by: [src_ip]
    window: 1m
    fire: count() >= 1
    then: []
YAML
cat >"$TMP/bannin.yaml" <<YAML
mode: observe
geo: {database: none}
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: ""}
sources:
  - type: file
    paths: [$LOG]
    decoder: combined
rule_files: [$TMP/rules.yaml]
notify: {enabled: false}
recorder: {keep: 2, min_interval: 1m}
YAML

# A bad value is refused with its place.
sed 's/record: true/record: maybe/' "$TMP/rules.yaml" >"$TMP/bad.yaml"
if "$BANNIN" rules check "$TMP/bad.yaml" >"$TMP/bad.txt" 2>&1; then fail "record: maybe was accepted"; fi
grep -q "bad.yaml:4:.*record: expected true or false" "$TMP/bad.txt" || { cat "$TMP/bad.txt"; fail "no located error for record: maybe"; }

start_daemon
line() { # line N PATH
  printf '192.0.2.%d - - [08/Dec/2026:10:00:%02d +0000] "GET %s HTTP/1.1" 200 512 "-" "test/%d"\n' \
    $(($1 % 200 + 1)) $(($1 % 60)) "$2" "$1"
}
for i in $(seq 1 300); do
  line "$i" "/page-$i" >>"$LOG"
  if [ $((i % 50)) -eq 0 ]; then sleep 0.5; fi
done
line 301 /trigger-the-recorder >>"$LOG"
frozen() { ls "$TMP"/records/record-*-rule_test.record.trigger.txt.gz >/dev/null 2>&1; }
wait_until 10 "a frozen file from the rule" frozen
F=$(ls "$TMP"/records/record-*-rule_test.record.trigger.txt.gz | head -1)
zcat "$F" >"$TMP/frozen.txt"
head -3 "$TMP/frozen.txt"
for i in 1 150 300; do
  grep -q "\"GET /page-$i HTTP/1.1\"" "$TMP/frozen.txt" || fail "the frozen file lacks line $i of the minute before"
done
n=$(grep -c '"GET /page-' "$TMP/frozen.txt")
[ "$n" = 300 ] || fail "the frozen file holds $n of the 300 lines before the trigger"
grep -q "/trigger-the-recorder" "$TMP/frozen.txt" || fail "the frozen file lacks the trigger line"
first=$(grep -n '"GET /page-1 HTTP' "$TMP/frozen.txt" | cut -d: -f1)
last=$(grep -n '"GET /page-300 HTTP' "$TMP/frozen.txt" | cut -d: -f1)
[ "$first" -lt "$last" ] || fail "the lines are not oldest first"
grep -q "^## kpi" "$TMP/frozen.txt" || fail "no KPI section"
grep -q "udp.rcvbuf_errors" "$TMP/frozen.txt" || fail "no KPI samples in the frozen file"

# The same rule again at once: not frozen again.
line 302 /trigger-the-recorder >>"$LOG"
line 303 /trigger-the-recorder | sed 's/192.0.2.104/198.51.100.9/' >>"$LOG"
too_soon() { [ "$(status_get 'd["recorder"]["too_soon"]')" -ge 1 ]; }
wait_until 10 "a second firing counted as too soon" too_soon
[ "$(ls "$TMP"/records/ | wc -l)" = 1 ] || fail "a second freeze within min_interval"

# A person's freeze, list, show; retention keeps 2.
"$BANNIN" record freeze --api "$API" --reason "ticket 4711" >"$TMP/freeze.txt" || fail "record freeze failed"
cat "$TMP/freeze.txt"
grep -q "operator_ticket_4711" "$TMP/freeze.txt" || fail "the freeze does not name its reason"
"$BANNIN" record list --api "$API" >"$TMP/list.txt"
[ "$(grep -c '^record-' "$TMP/list.txt")" = 2 ] || { cat "$TMP/list.txt"; fail "record list does not list 2 files"; }
NAME=$(grep '^record-' "$TMP/list.txt" | grep operator | awk '{print $1}')
"$BANNIN" record show --dir "$TMP/records" "$NAME" >"$TMP/show.txt" || fail "record show failed"
grep -q "^# reason operator ticket 4711" "$TMP/show.txt" || fail "record show does not show the reason"
grep -q '"GET /page-300 HTTP' "$TMP/show.txt" || fail "record show does not show the lines"
sleep 1.1
"$BANNIN" record freeze --api "$API" --reason third >/dev/null || fail "third freeze failed"
[ "$(ls "$TMP"/records/ | wc -l)" = 2 ] || fail "retention (keep: 2) left $(ls "$TMP"/records/ | wc -l) files"
stop_daemon
echo "PASS: the frozen file holds the lines before the trigger; freeze, list, show, retention"
