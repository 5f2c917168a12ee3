#!/bin/bash
# Outbound mail per account and leaked passwords on generated days (issue 17): for several
# seeds, tools/loggen/gen_mail_accounts.py writes 6 hours of Postfix + dovecot lines for 200
# hosting accounts (mostly benign: normal rates, newsletters, mistyped passwords, travellers,
# bots guessing mailbox names; six compromised: a planted PHP mailer, a leaked mailbox
# password used to send spam, a form relaying slowly), `bannin replay --config` reads them
# with the daemon's configuration (uid -> account from the day's passwd file), and
# tools/loggen/score_mail_accounts.py compares the account findings with the truth.
# Asserts: no benign account is ever acted on (a password reset or more), every compromised
# account is found, and at most one benign account per day gets a finding (a notice).
# Prints precision, recall and time to finding per seed. SEEDS overrides the seeds.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BANNIN:?BANNIN must point at the bannin binary}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

for seed in ${SEEDS:-1 2 3}; do
  day="$TMP/day$seed"
  python3 "$ROOT/tools/loggen/gen_mail_accounts.py" --out "$day" --seed "$seed" --hours 6 >/dev/null
  cat >"$day/bannin.yaml" <<YAML
mode: observe
site: {home_countries: [JP]}
inventory: {passwd_file: $day/passwd}
YAML
  "$BANNIN" replay -q --config "$day/bannin.yaml" --year 2026 "$day/mail.log" >"$day/out.jsonl"
  grep -q '"type":"summary"' "$day/out.jsonl" || fail "seed $seed: no summary line"
  python3 "$ROOT/tools/loggen/score_mail_accounts.py" "$day/truth.json" "$day/out.jsonl" \
    || fail "seed $seed: a benign account was acted on"
  python3 "$ROOT/tools/loggen/score_mail_accounts.py" --json "$day/truth.json" "$day/out.jsonl" \
    >"$day/score.json" || true
  python3 - "$day/score.json" "$seed" <<'PY' || exit 1
import json, sys
r = json.load(open(sys.argv[1]))
seed = sys.argv[2]
if r["missed"]:
    sys.exit("FAIL: seed %s: compromised accounts not found: %s" % (seed, r["missed"]))
if len(r["false_positives"]) > 1:
    sys.exit("FAIL: seed %s: benign accounts with findings: %s" % (seed, r["false_positive_rules"]))
PY
done
echo OK
