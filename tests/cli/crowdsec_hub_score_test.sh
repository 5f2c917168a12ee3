#!/bin/bash
# tools/peers/crowdsec_hub_score.py on hub-format folders written for bannin
# (tests/fixtures/crowdsec_hub_format/, own lines; the hub's data is never in the
# repository): accepted lines come from parser.assert (a Success == false line and an entry
# for a line the log no longer has are not counted), attackers from scenario.assert, every
# other address is benign; the totals line and the JSON agree.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BANNIN:?BANNIN must point at the bannin binary}"
FIXTURES=${FIXTURES:-$ROOT/tests/fixtures}
DIR=$FIXTURES/crowdsec_hub_format
SCORE=$ROOT/tools/peers/crowdsec_hub_score.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; cat "$tmp/out" >&2 || true; exit 1; }

/usr/bin/python3 "$SCORE" --bannin "$BANNIN" --dir "$DIR" --year 2026 --show-missed > "$tmp/out"
grep -Eq '^own-ssh-bf +syslog +7/7 +1/1 +0/1$' "$tmp/out" || fail "own-ssh-bf row"
grep -q '1 parser.assert entries match no line' "$tmp/out" || fail "unmatched entry not reported"
grep -Eq '^own-web-probe +nginx +- +1/1 +0/1$' "$tmp/out" || fail "own-web-probe row"
grep -q '^decoded ratio 1.000, attackers decided ratio 1.000, benign decided 0$' "$tmp/out" || fail "totals"

/usr/bin/python3 "$SCORE" --bannin "$BANNIN" --dir "$DIR" --year 2026 --json own-ssh-bf > "$tmp/json"
/usr/bin/python3 - "$tmp/json" <<'PY' || fail "json"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1, rows
r = rows[0]
assert (r["accepted"], r["decoded"], r["unmapped"]) == (7, 7, 1), r
assert (r["attackers"], r["attackers_decided"], r["benign_decided"]) == (1, 1, []), r
PY

# A bannin that decides nothing and decodes nothing scores 0: the numbers come from it.
printf '#!/bin/sh\nexit 0\n' > "$tmp/nothing"
chmod +x "$tmp/nothing"
/usr/bin/python3 "$SCORE" --bannin "$tmp/nothing" --dir "$DIR" --year 2026 > "$tmp/out"
grep -q '^decoded ratio 0.000, attackers decided ratio 0.000, benign decided 0$' "$tmp/out" || fail "empty bannin"

# A missing folder is a usage error.
set +e
/usr/bin/python3 "$SCORE" --bannin "$BANNIN" --dir "$tmp/none" > /dev/null 2>&1
rc=$?
set -e
[ "$rc" = 2 ] || fail "missing --dir gave $rc, want 2"
echo "crowdsec_hub_score: ok"
