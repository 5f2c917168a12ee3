#!/bin/bash
# tools/lint/clang_tidy.sh BUILD_DIR [PATH_PREFIX ...] — runs clang-tidy (the repository's
# .clang-tidy) over the C++ files under bannin/ whose path starts with one of the prefixes
# (default: all of bannin/), using BUILD_DIR/compile_commands.json, and fails on any finding.
#
# CI runs it as ctest tests, one per stage folder (style.clang_tidy.<stage>, label "style"),
# so the shards run in parallel with the other tests under `ctest -j` instead of adding their
# time in series (docs/decisions/2026-12-07-style-gate.md). JOBS (default 1) runs that many
# clang-tidy processes at once for a manual run over many files.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:?usage: clang_tidy.sh BUILD_DIR [PATH_PREFIX ...]}
shift
BUILD=$(cd "$BUILD" && pwd)
[ -f "$BUILD/compile_commands.json" ] || {
  echo "clang_tidy: $BUILD/compile_commands.json missing (cmake --preset dev)" >&2
  exit 2
}
TIDY=${CLANG_TIDY:-$(command -v clang-tidy-14 || command -v clang-tidy || true)}
[ -n "$TIDY" ] || { echo "clang_tidy: clang-tidy not found (tools/setup.sh)" >&2; exit 2; }
[ $# -gt 0 ] || set -- bannin/

# The translation units of the compile database that live under the prefixes (headers are
# checked through them: HeaderFilterRegex in .clang-tidy).
mapfile -t files < <(python3 - "$BUILD/compile_commands.json" "$ROOT" "$@" <<'EOF'
import json, os, sys
db, root, prefixes = sys.argv[1], sys.argv[2], sys.argv[3:]
seen = set()
for e in json.load(open(db)):
    f = os.path.normpath(os.path.join(e["directory"], e["file"]))
    rel = os.path.relpath(f, root)
    if any(rel.startswith(p) for p in prefixes) and rel not in seen:
        seen.add(rel)
        print(f)
EOF
)
if [ ${#files[@]} -eq 0 ]; then
  echo "clang_tidy: no translation units under: $*" >&2
  exit 2
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# --warnings-as-errors makes every enabled check fatal; --quiet drops the "N warnings
# generated" chatter (suppressed diagnostics from system headers).
printf '%s\0' "${files[@]}" |
  xargs -0 -n 1 -P "${JOBS:-1}" "$TIDY" -p "$BUILD" --quiet --warnings-as-errors='*' \
    --extra-arg=-Wno-unknown-warning-option \
    >"$out" 2>&1 || true
# clang-tidy's exit status is unreliable through xargs for "error:" vs notes; decide on the
# text: any diagnostic from an enabled check names it in brackets.
if grep -qE '(warning|error): .*\[[a-z0-9.,-]+\]$|error: ' "$out"; then
  grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$' "$out"
  echo "clang_tidy: findings in ${#files[@]} files under: $*" >&2
  exit 1
fi
echo "clang_tidy: ${#files[@]} files clean under: $*"
