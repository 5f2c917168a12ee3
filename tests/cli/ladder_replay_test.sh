#!/bin/bash
# The escalation ladder (issue 14, decide.ladder) through the one pipeline, as `bannin replay
# --config` runs it (the daemon builds the same Pipeline): a form relayed through in three
# waves — at 05:00, 06:05 and 06:25 — contains the form first; the second wave, more than
# step_time (1h) later, only announces the next step (a warning, nothing harder); the third,
# warn_lead (15m) after the warning, contains the whole site. A pinned account never climbs;
# the site of a quiet wave pattern (waves 65 minutes apart but no third) gets the warning and
# nothing else; a bad step name is refused with the key named.
set -euo pipefail
: "${BANNIN:?set BANNIN to the bannin binary}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Sources from 8.8.0.0/16 (abroad for home_countries JP in the shipped geo data).
python3 - "$TMP/access.log" <<'PY'
import datetime, sys
t0 = datetime.datetime(2026, 11, 25, 5, 0, 0, tzinfo=datetime.timezone.utc)
out = []
def wave(vhost, minute, n, net):
    for i in range(n):
        t = t0 + datetime.timedelta(minutes=minute, seconds=i * 5)
        out.append((t, '%s:443 8.8.%d.%d - - [%s] "POST /contact/ HTTP/1.1" 200 120 "-" "Mozilla/5.0"'
                    % (vhost, net, i + 1, t.strftime("%d/%b/%Y:%H:%M:%S +0000"))))
for k, minute in enumerate([0, 65, 85]):
    wave("shop.example.jp", minute, 12, 10 + k)
for k, minute in enumerate([0, 65]):
    wave("quiet.example.jp", minute, 12, 20 + k)
out.sort(key=lambda x: x[0])
open(sys.argv[1], "w").write("".join(l + "\n" for _, l in out))
PY

cat >"$TMP/bannin.yaml" <<YAML
decide:
  escalate_prefix: {min_members: 0}
  ladder: {enabled: true, step_time: 1h, warn_lead: 15m}
YAML

summary() {  # site-level decisions as "vhost action scope"
  python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o.get("type") == "decision" and o["scope"] not in ("ip", "prefix"):
        print(o["target"]["vhost"], o["action"], o["scope"])'
}

"$BANNIN" replay -q --config "$TMP/bannin.yaml" "$TMP/access.log" >"$TMP/out.jsonl"
got=$(summary <"$TMP/out.jsonl")
want="shop.example.jp deny vhost_path
quiet.example.jp deny vhost_path
shop.example.jp notify_only vhost
quiet.example.jp notify_only vhost
shop.example.jp deny vhost"
[ "$got" = "$want" ] || fail "ladder decisions:
$got
want:
$want"
grep -q '"reason":"Warning for account shop.example.jp: the abuse of shop.example.jp/contact/ goes on' "$TMP/out.jsonl" ||
  fail "the warning does not say what goes on"
grep -q 'the next step is containing the whole site shop.example.jp, not before 2026-11-25 06:20 UTC' "$TMP/out.jsonl" ||
  fail "the warning does not name the next step and its time"
echo "ok: path, then a warning, then the whole site; a stopped wave gets the warning only"

# A pinned account stays on its step: no warning, no site-wide decision.
sed 's/ladder: {enabled: true,/ladder: {pinned: [shop.example.jp=path], enabled: true,/' \
  "$TMP/bannin.yaml" >"$TMP/pinned.yaml"
"$BANNIN" replay -q --config "$TMP/pinned.yaml" "$TMP/access.log" | summary | grep '^shop' >"$TMP/pinned.txt"
[ "$(cat "$TMP/pinned.txt")" = "shop.example.jp deny vhost_path" ] ||
  fail "pinned account climbed: $(cat "$TMP/pinned.txt")"
echo "ok: a pinned account stays on its step"

# Off (the default): the form decision only.
"$BANNIN" replay -q "$TMP/access.log" -o decide.escalate_prefix.min_members=0 | summary >"$TMP/off.txt"
[ "$(grep -c . "$TMP/off.txt")" -eq 2 ] && ! grep -q notify_only "$TMP/off.txt" ||
  fail "ladder off still escalated: $(cat "$TMP/off.txt")"
echo "ok: off by default"

# A bad step is refused, naming the key.
rc=0
"$BANNIN" replay -q --config "$TMP/bannin.yaml" -o decide.ladder.steps=path,freeze \
  "$TMP/access.log" >/dev/null 2>"$TMP/err" || rc=$?
[ "$rc" -ne 0 ] && grep -q 'decide.ladder.steps: unknown step "freeze"' "$TMP/err" ||
  fail "bad step: exit $rc, $(cat "$TMP/err")"
echo "ok: a bad step is refused: $(head -1 "$TMP/err")"
echo "PASS"
