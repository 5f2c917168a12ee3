#!/bin/bash
# Runs every scenario under tests/scenarios/<area>/<case>/ through the real `bannin replay`
# (the daemon's pipeline: app::Pipeline with the built-in configuration's decide policy) with
# rules/base and compares the decisions with the case's expect.decisions (written by hand
# from the rule's intent; see tests/scenarios/make_cases.py) and the findings — rule, group
# and the numbers that made each fire — with expect.findings. Extra replay arguments can be
# given in a case's args file. Usage: scenarios_test.sh [--update] [CASE_DIR...]
#   --update  rewrite expect.decisions and expect.findings from bannin's output (review the
#             diff before committing)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BANNIN:?BANNIN must point at the bannin binary}"
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  mapfile -t cases < <(find "$ROOT/tests/scenarios" -mindepth 2 -maxdepth 2 -type d | sort)
fi
[ ${#cases[@]} -gt 0 ] || { echo "no scenarios found" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for dir in "${cases[@]}"; do
  name=${dir#"$ROOT/tests/scenarios/"}
  args=(-o site.home_countries=JP)
  if [ -f "$dir/args" ]; then read -r -a args < "$dir/args"; fi
  "$BANNIN" replay -q --rules "$ROOT/rules/base" "${args[@]}" "$dir/input.log" > "$tmp/out.jsonl"
  /usr/bin/python3 - "$tmp/out.jsonl" "$tmp/got.findings" > "$tmp/got" <<'PY'
import json, sys
out = []
findings = []
summary = False
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "summary":
        summary = True
    if o["type"] == "finding":
        group = " ".join("%s=%s" % kv for kv in sorted(o["group"].items()))
        # A baseline still learning has no value (null): "learning".
        nums = " ".join("%s=%s" % (k, "learning" if v is None else "%g" % v)
                        for k, v in sorted(o["numbers"].items()))
        findings.append("%s [%s] %s members=%d" % (o["rule"], group, nums, o.get("members", 0)))
    if o["type"] != "decision":
        continue
    t = o["target"]
    if o["scope"] == "ip":
        tgt = t["ip"]
    elif o["scope"] == "prefix":
        tgt = t["prefix"]
    else:
        tgt = "%s%s %s except=%s" % (t.get("vhost", ""), t["path"], t.get("method", ""), ",".join(t.get("except_countries", [])))
    out.append("%s %s %s" % (o["rule"], o["scope"], tgt))
assert summary, "no summary line"
print("\n".join(sorted(out)), end="\n" if out else "")
with open(sys.argv[2], "w") as f:
    f.write("\n".join(findings) + ("\n" if findings else ""))
PY
  if [ $update = 1 ]; then
    cp "$tmp/got" "$dir/expect.decisions"
    cp "$tmp/got.findings" "$dir/expect.findings"
  fi
  if [ ! -f "$dir/expect.findings" ]; then
    echo "FAIL $name: no expect.findings (run with --update and review it)"; fail=1
  elif diff -u "$dir/expect.decisions" "$tmp/got" > "$tmp/diff" &&
       diff -u "$dir/expect.findings" "$tmp/got.findings" > "$tmp/diff"; then
    echo "ok   $name ($(wc -l < "$tmp/got") decisions, $(wc -l < "$tmp/got.findings") findings)"
  else
    echo "FAIL $name"; sed 's/^/     /' "$tmp/diff"; fail=1
  fi
done
exit $fail
