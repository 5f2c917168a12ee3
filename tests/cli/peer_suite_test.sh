#!/bin/bash
# Issue 12: the shipped rules (rules/base) against short attacks written like the peers'
# test suites, at the peers' default thresholds (fail2ban's stock jails, CrowdSec's hub
# scenarios): tests/fixtures/peer_suite/<attack>.log, one file per attack type, written by
# make_peer_suite.py. expected.tsv names every address in each file as attacker or benign.
# Each file is replayed on its own; every attacker must get a decision and no benign address
# (a mistyped password followed by a login, crawlers, visitors with 404s, an admin in the
# block editor) may get one. Prints the attackers decided per file.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BANNIN:?BANNIN must point at the bannin binary}"
FIXTURES=${FIXTURES:-$ROOT/tests/fixtures}
DIR=$FIXTURES/peer_suite
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -f "$DIR/expected.tsv" ] || { echo "FAIL: $DIR/expected.tsv missing" >&2; exit 1; }

fail=0
for log in "$DIR"/*.log; do
  name=$(basename "$log")
  "$BANNIN" replay -q --rules "$ROOT/rules/base" -o site.home_countries=JP "$log" > "$tmp/$name.out"
  if ! /usr/bin/python3 - "$DIR/expected.tsv" "$name" "$tmp/$name.out" <<'PY'; then fail=1; fi
import ipaddress, json, sys
tsv, name, out = sys.argv[1:]
want = {}
for l in open(tsv):
    if l.startswith("#") or not l.strip():
        continue
    f, ip, role = l.rstrip("\n").split("\t")
    if f == name:
        want[ipaddress.ip_address(ip)] = role
if not want:
    print(f"FAIL {name}: no addresses in expected.tsv"); sys.exit(1)
decided, reasons, summary = {}, {}, False
for l in open(out):
    o = json.loads(l)
    summary = summary or o.get("type") == "summary"
    if o.get("type") != "decision" or o.get("scope") != "ip":
        continue
    ip = ipaddress.ip_address(o["target"]["ip"])
    decided.setdefault(ip, []).append(o["rule"])
    reasons.setdefault(ip, o.get("reason", ""))
attackers = [ip for ip, r in want.items() if r == "attacker"]
benign = [ip for ip, r in want.items() if r == "benign"]
missed = [str(ip) for ip in attackers if ip not in decided]
wrong = [f"{ip} ({','.join(decided[ip])})" for ip in benign if ip in decided]
unknown = [str(ip) for ip in decided if ip not in want]
ok = summary and not missed and not wrong and not unknown
print(f"{'ok  ' if ok else 'FAIL'} {name}: {len(attackers) - len(missed)}/{len(attackers)} attackers decided, "
      f"{len(wrong)}/{len(benign)} benign decided"
      + (f"; missed {' '.join(missed)}" if missed else "")
      + (f"; benign decided {' '.join(wrong)}" if wrong else "")
      + (f"; unlisted {' '.join(unknown)}" if unknown else "")
      + ("" if summary else "; replay printed no summary"))
for ip in attackers:
    if ip in decided and not reasons[ip]:
        print(f"FAIL {name}: decision against {ip} has no reason"); ok = False
sys.exit(0 if ok else 1)
PY
done
exit $fail
