#!/bin/bash
# The field registry has one source of truth (schema/events.yaml): docs/fields.md must be what
# the generator makes of it, and `bannin fields --format json` must list exactly its fields.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BANNIN:?BANNIN must point at the bannin binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

/usr/bin/python3 "$ROOT/tools/codegen/gen_fields.py" --markdown "$tmp/fields.md" "$ROOT/schema/events.yaml"
if ! diff -u "$ROOT/docs/fields.md" "$tmp/fields.md"; then
  echo "FAIL: docs/fields.md is stale; run tools/codegen/gen_fields.py --markdown docs/fields.md schema/events.yaml" >&2
  exit 1
fi

"$BANNIN" fields --format json > "$tmp/fields.json"
/usr/bin/python3 - "$ROOT/schema/events.yaml" "$tmp/fields.json" <<'PY'
import json, sys, yaml
schema = yaml.safe_load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
want_fields = [(f["name"], f["type"]) for f in schema["fields"]]
got_fields = [(f["name"], f["type"]) for f in got["fields"]]
assert got_fields == want_fields, f"fields differ:\n{got_fields}\n{want_fields}"
want_kinds = {k["name"]: k["fields"] for k in schema["kinds"]}
got_kinds = {k["name"]: k["fields"] for k in got["kinds"]}
assert got_kinds == want_kinds, "kinds differ"
assert got["version"] == schema["version"]
print(f"ok: {len(got_fields)} fields, {len(got_kinds)} kinds")
PY

# A bad schema is refused with a located message, not half-generated.
cat > "$tmp/bad.yaml" <<'Y'
version: 1
fields:
  - {name: ts, type: timestamp, description: "x"}
  - {name: ts, type: nosuchtype, description: "y"}
kinds:
  - {name: http.request, description: "z", fields: [ts, missing_field]}
Y
if /usr/bin/python3 "$ROOT/tools/codegen/gen_fields.py" --header "$tmp/x.h" "$tmp/bad.yaml" 2> "$tmp/err"; then
  echo "FAIL: generator accepted a bad schema" >&2; exit 1
fi
grep -q "duplicate field 'ts'" "$tmp/err"
grep -q "unknown type 'nosuchtype'" "$tmp/err"
grep -q "unknown field 'missing_field'" "$tmp/err"
[ ! -e "$tmp/x.h" ]
echo "ok: bad schema rejected with every problem listed"
