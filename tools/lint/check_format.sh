#!/bin/sh
# tools/lint/check_format.sh — fails when a tracked C++ file differs from what clang-format
# (the repository's .clang-format) makes of it, and names each such file. `make format`
# fixes them. Run by `make check` and by ctest as style.format.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
FMT=${CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format || true)}
[ -n "$FMT" ] || { echo "check_format: clang-format not found (tools/setup.sh)" >&2; exit 2; }
list=$(mktemp)
trap 'rm -f "$list"' EXIT
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z '*.cpp' '*.h' >"$list"
else  # a source tarball: every C++ file outside build trees
  find . -path ./build -prune -o \( -name '*.cpp' -o -name '*.h' \) -type f -print0 >"$list"
fi
n=$(tr -cd '\0' <"$list" | wc -c)
# --dry-run --Werror: exit status 1 and a warning per unformatted spot; nothing is changed.
if ! xargs -0 "$FMT" --dry-run --Werror <"$list" 2>"$list.err"; then
  grep -oE '^[^ :]+\.(cpp|h):' "$list.err" | sort -u | sed 's/:$//; s/^/unformatted: /'
  rm -f "$list.err"
  echo "check_format: run 'make format' (or clang-format -i on the files above)" >&2
  exit 1
fi
rm -f "$list.err"
echo "check_format: $n files formatted"
