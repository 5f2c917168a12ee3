#!/bin/bash
# The configuration keys have one source of truth (schema/config.yaml): config/bannin.yaml (the
# compiled-in defaults) and docs/configuration.md must be what the generator makes of it, every
# declared key must be accepted by the binary with its default value, and `bannin run --check`
# must refuse what start-up refuses (an exposed API without a token, an unknown decoder).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BANNIN:?BANNIN must point at the bannin binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gen=$ROOT/tools/codegen/gen_config.py
/usr/bin/python3 "$gen" --yaml "$tmp/bannin.yaml" --markdown "$tmp/configuration.md" "$ROOT/schema/config.yaml"
for f in config/bannin.yaml:bannin.yaml docs/configuration.md:configuration.md; do
  if ! diff -u "$ROOT/${f%%:*}" "$tmp/${f##*:}"; then
    echo "FAIL: ${f%%:*} is stale; run tools/codegen/gen_config.py --yaml config/bannin.yaml --markdown docs/configuration.md schema/config.yaml" >&2
    exit 1
  fi
done

# Every scalar key given on the command line with its declared default passes --check.
mapfile -t overrides < <(/usr/bin/python3 - "$ROOT/schema/config.yaml" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
for k in doc["keys"]:
    d = k.get("default")
    if k["type"] == "custom" or isinstance(d, dict) or "default_yaml" in k:
        continue
    if isinstance(d, list):
        d = ",".join(str(x) for x in d)
    elif isinstance(d, bool):
        d = "true" if d else "false"
    print(f"-o\n{k['key']}={'' if d is None else d}")
PY
)
cd "$ROOT"
"$BANNIN" run --check -o store.path="$tmp/b.db" "${overrides[@]}" >"$tmp/ok.txt" 2>&1 || {
  cat "$tmp/ok.txt" >&2
  echo "FAIL: the declared defaults, given as -o overrides, do not pass --check" >&2
  exit 1
}

# --check refuses what start-up refuses, before anything is opened.
expect_refused() {
  local what=$1 needle=$2
  shift 2
  if "$BANNIN" run --check -o store.path="$tmp/b.db" "$@" >"$tmp/out.txt" 2>&1; then
    echo "FAIL: --check passed $what" >&2
    exit 1
  fi
  grep -qF -- "$needle" "$tmp/out.txt" || {
    cat "$tmp/out.txt" >&2
    echo "FAIL: --check on $what does not say '$needle'" >&2
    exit 1
  }
}
expect_refused "an exposed API without a token" "set api.token" -o api.listen=0.0.0.0:8730
expect_refused "a store in a file's place" "is not a directory" -o store.path=/etc/hostname/x.db
expect_refused "an unknown duration" "is not a duration" -o decide.repeat.window=1y
cat >"$tmp/typo.yaml" <<YAML
sources:
  - type: file
    paths: [$tmp/access.log]
    decoder: combinde
YAML
expect_refused "an unknown decoder" "$tmp/typo.yaml:4:5: sources: decoder:" --config "$tmp/typo.yaml"
# Start-up itself refuses the exposed API before it opens the store.
if "$BANNIN" run -o store.path="$tmp/never/b.db" -o api.listen=0.0.0.0:18730 >"$tmp/run.txt" 2>&1; then
  echo "FAIL: bannin run started with an exposed API and no token" >&2
  exit 1
fi
grep -qF "set api.token" "$tmp/run.txt" || { cat "$tmp/run.txt" >&2; exit 1; }
[ ! -e "$tmp/never" ] || { echo "FAIL: start-up created the store directory before it validated" >&2; exit 1; }
echo "ok: config/bannin.yaml and docs/configuration.md fresh; ${#overrides[@]} override words pass; --check refuses 4 bad configurations"
