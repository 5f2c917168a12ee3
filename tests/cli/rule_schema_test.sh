#!/bin/bash
# Every shipped rule file conforms to schema/rule.schema.json (validated with Debian's
# python3-jsonschema), loads without problems in `bannin rules check`, and a broken file is
# refused by both with a located message.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BANNIN:?BANNIN must point at the bannin binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

validate() {
  /usr/bin/python3 - "$ROOT/schema/rule.schema.json" "$@" <<'PY'
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
bad = 0
for f in sys.argv[2:]:
    for e in v.iter_errors(yaml.safe_load(open(f))):
        print(f"{f}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        bad += 1
sys.exit(1 if bad else 0)
PY
}

validate "$ROOT"/rules/*/*.yaml
"$BANNIN" rules check "$ROOT/rules" > "$tmp/check.txt"
grep -q " 0 error(s)" "$tmp/check.txt"

cat > "$tmp/bad.yaml" <<'Y'
rules:
  - id: Bad-Id
    title: broken
    when: [http.request]
    window: soon
    fire: count() >= 1
    then: {action: explode, scope: ip}
Y
if validate "$tmp/bad.yaml" > "$tmp/schema.txt"; then echo "FAIL: schema accepted a broken rule" >&2; exit 1; fi
grep -q "window" "$tmp/schema.txt"
if "$BANNIN" rules check "$tmp/bad.yaml" > "$tmp/check.txt"; then echo "FAIL: rules check accepted it" >&2; exit 1; fi
grep -q "bad.yaml:5:" "$tmp/check.txt"   # the window, located
grep -q "bad_action" "$tmp/check.txt"
if "$BANNIN" rules check --format json "$tmp/bad.yaml" > "$tmp/check.json"; then exit 1; fi
/usr/bin/python3 - "$tmp/check.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["errors"] >= 3, r
assert all(p["line"] > 0 for p in r["problems"]), r
PY
echo "ok: shipped rules conform; broken rule refused by schema and loader"
