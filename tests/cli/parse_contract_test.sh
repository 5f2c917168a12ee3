#!/usr/bin/env bash
# The `bannin parse` contract of issue 3 on the access-log fixtures:
# - auto-detection picks each file's format, and the output equals the hand-written
#   <name>.expected.jsonl (compare_jsonl.py);
# - --decoder NAME forces one decoder (no fallback), --format none prints nothing on stdout
#   but the summary on stderr, --format text prints one line per input line;
# - "-" reads standard input; several files keep per-file line numbers;
# - exit 0 whatever the lines hold, 2 when a file cannot be opened (the others are still
#   read); an unknown decoder or format is a usage error with a clear message.
# Environment: BANNIN (the binary), FIXTURES (tests/fixtures).
set -euo pipefail

: "${BANNIN:?path of the bannin binary}"
: "${FIXTURES:?path of tests/fixtures}"
here=$(cd "$(dirname "$0")" && pwd)
logs="$FIXTURES/logs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

# Input lines as `bannin parse` counts them: wc -l, plus one for a last line without '\n'.
count_lines() {
  local n
  n=$(wc -l <"$1")
  if [[ -s $1 && -n $(tail -c 1 "$1" | tr -d '\n') ]]; then n=$((n + 1)); fi
  echo $((n))
}

# 1. Every fixture, auto-detected: output equals the expected file; the summary names the
#    detected decoder.
for expected in "$logs"/*/*.expected.jsonl; do
  format=$(basename "$(dirname "$expected")")
  log="${expected%.expected.jsonl}.log"
  name="$format/$(basename "$log")"
  rc=0
  "$BANNIN" parse "$log" >"$work/out" 2>"$work/err" || rc=$?
  [[ $rc -eq 0 ]] || fail "$name: exit $rc"
  if python3 "$here/compare_jsonl.py" "$expected" "$work/out"; then
    pass "$name matches $(basename "$expected")"
  else
    fail "$name differs from $(basename "$expected")"
  fi
  grep -q "decoder $format (auto-detected)" "$work/err" || fail "$name: summary does not name $format: $(head -1 "$work/err")"
  grep -q "^total: $(count_lines "$log") lines" "$work/err" || fail "$name: wrong total in summary"
  # Same result when the decoder is named explicitly as "auto".
  "$BANNIN" parse -q --decoder auto "$log" | cmp -s - "$work/out" || fail "$name: --decoder auto differs from the default"
done

# 2. --decoder forces one decoder: every line is either decoded by it or rejected (no
#    fallback to another format), and there are as many output lines as input lines.
args=()
for format in combined common vhost_combined nginx_json ltsv; do
  for log in "$logs"/*/access.log; do
    out="$work/forced.$format.$(basename "$(dirname "$log")")"
    "$BANNIN" parse -q --decoder "$format" "$log" >"$out"
    args+=("$format" "$out" "$(count_lines "$log")")
  done
done
if python3 - "${args[@]}" <<'PY'
import json, sys
a = sys.argv[1:]
ok = True
for fmt, path, want in zip(a[::3], a[1::3], a[2::3]):
    want = int(want)
    objs = [json.loads(l) for l in open(path, encoding="utf-8")]
    problems = []
    if len(objs) != want:
        problems.append(f"{len(objs)} lines, want {want}")
    if [o["line"] for o in objs] != list(range(1, len(objs) + 1)):
        problems.append("line numbers not 1..N")
    other = [o for o in objs if o["decoder"] not in (fmt, None)]
    if other:
        problems.append(f"decoded by another decoder: {other[:2]}")
    if any(o["tried"] != fmt for o in objs if o["decoder"] is None):
        problems.append("rejected lines name another decoder as tried")
    if problems:
        ok = False
        print(f"--decoder {fmt} -> {path}: {problems}", file=sys.stderr)
sys.exit(0 if ok else 1)
PY
then
  pass "--decoder NAME never falls back to another decoder"
else
  fail "--decoder NAME fell back or lost lines"
fi
# A format's own fixture is decoded by its forced decoder; another format's is not.
decoded_by() {  # decoded_by DECODER FILE -> number of decoded lines
  "$BANNIN" parse -q --decoder "$1" "$2" | python3 -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)["decoder"] is not None))'
}
[[ $(decoded_by combined "$logs/combined/access.log") -ge 15 ]] || fail "--decoder combined decodes its fixture"
[[ $(decoded_by combined "$logs/ltsv/access.log") -eq 0 ]] || fail "--decoder combined accepted LTSV lines"
[[ $(decoded_by ltsv "$logs/combined/access.log") -eq 0 ]] || fail "--decoder ltsv accepted combined lines"
[[ $(decoded_by nginx_json "$logs/common/access.log") -eq 0 ]] || fail "--decoder nginx_json accepted CLF lines"
[[ $(decoded_by vhost_combined "$logs/combined/access.log") -eq 0 ]] || fail "--decoder vhost_combined accepted combined lines"
# In auto mode the common line inside the combined file is read by "common"; forced
# "combined" rejects it (line 12 of combined/access.log).
"$BANNIN" parse -q --decoder combined "$logs/combined/access.log" | sed -n 12p | grep -q '"decoder":null' ||
  fail "forced combined accepted the common line"
pass "forced decoders decode their own format only"

# 3. --format none: nothing on stdout, the summary on stderr.
log="$logs/combined/access.log"
"$BANNIN" parse --format none "$log" >"$work/out" 2>"$work/err"
[[ ! -s $work/out ]] || fail "--format none wrote to stdout"
grep -q "^total: $(count_lines "$log") lines" "$work/err" || fail "--format none: no total in the summary"
grep -Eq '^combined +[0-9]+ +[0-9]+' "$work/err" || fail "--format none: no per-decoder line in the summary"
grep -q "bad_timestamp" "$work/err" || fail "--format none: rejection reasons missing from the summary"
pass "--format none prints only the summary"
# -q silences the summary.
"$BANNIN" parse -q "$log" 2>"$work/err" >/dev/null
[[ ! -s $work/err ]] || fail "-q still wrote to stderr"

# 4. --format text: one line per input line, starting with the line number.
"$BANNIN" parse -q --format text "$log" >"$work/out"
[[ $(wc -l <"$work/out") -eq $(count_lines "$log") ]] || fail "--format text line count"
awk '{ if ($1 != NR) exit 1 }' "$work/out" || fail "--format text: lines do not start with 1..N"
sed -n 1p "$work/out" | grep -q '^1 combined http.request 2021-02-18T20:21:35Z ' || fail "--format text: first line: $(sed -n 1p "$work/out")"
pass "--format text"

# 5. "-" reads standard input, with the same result as the file.
for log in "$logs"/*/access.log; do
  "$BANNIN" parse -q - <"$log" >"$work/stdin.out"
  "$BANNIN" parse -q "$log" >"$work/file.out"
  cmp -s "$work/stdin.out" "$work/file.out" || fail "stdin differs from file for $log"
  cat "$log" | "$BANNIN" parse -q - >"$work/pipe.out"
  cmp -s "$work/pipe.out" "$work/file.out" || fail "pipe differs from file for $log"
done
"$BANNIN" parse - </dev/null >"$work/out" 2>"$work/err"
[[ ! -s $work/out ]] || fail "empty stdin gave output"
grep -q '<stdin>' "$work/err" || fail "summary does not name <stdin>"
pass "- reads standard input"

# 6. Several files: outputs one after another, line numbers per file, detection per file.
"$BANNIN" parse -q "$logs/combined/access.log" "$logs/ltsv/access.log" "$logs/nginx_json/access.log" >"$work/out"
{
  "$BANNIN" parse -q "$logs/combined/access.log"
  "$BANNIN" parse -q "$logs/ltsv/access.log"
  "$BANNIN" parse -q "$logs/nginx_json/access.log"
} >"$work/separate"
cmp -s "$work/out" "$work/separate" || fail "several files differ from the files parsed one by one"
python3 - "$work/out" "$(count_lines "$logs/combined/access.log")" <<'PY' || fail "several files: line numbers"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
n = int(sys.argv[2])
assert [o["line"] for o in objs[:n]] == list(range(1, n + 1))
assert objs[n]["line"] == 1 and objs[n]["decoder"] == "ltsv", objs[n]
PY
pass "several files keep per-file line numbers and detection"

# 7. A missing file: exit 2, a message naming it, and the other files are still read.
rc=0
"$BANNIN" parse -q "$work/does-not-exist.log" "$logs/common/access.log" >"$work/out" 2>"$work/err" || rc=$?
[[ $rc -eq 2 ]] || fail "missing file: exit $rc, want 2"
grep -q "does-not-exist.log" "$work/err" || fail "missing file: no message naming it"
[[ $(wc -l <"$work/out") -eq $(count_lines "$logs/common/access.log") ]] || fail "missing file: the other file was not read"
# A directory cannot be read: exit 2 too.
rc=0
"$BANNIN" parse -q "$logs" >"$work/out" 2>"$work/err" || rc=$?
[[ $rc -eq 2 ]] || fail "directory: exit $rc, want 2"
pass "unreadable inputs exit 2"

# 8. Usage errors: unknown decoder or format, no file. A clear message, no output, exit != 0.
rc=0
"$BANNIN" parse --decoder apache_magic "$log" >"$work/out" 2>"$work/err" || rc=$?
[[ $rc -ne 0 ]] || fail "unknown decoder: exit 0"
[[ ! -s $work/out ]] || fail "unknown decoder: output on stdout"
grep -q "unknown decoder 'apache_magic'" "$work/err" || fail "unknown decoder: message: $(cat "$work/err")"
grep -q "combined" "$work/err" || fail "unknown decoder: message does not list the known decoders"
rc=0
"$BANNIN" parse --format xml "$log" >"$work/out" 2>"$work/err" || rc=$?
[[ $rc -ne 0 && ! -s $work/out ]] || fail "unknown format accepted"
rc=0
"$BANNIN" parse >"$work/out" 2>"$work/err" || rc=$?
[[ $rc -ne 0 ]] || fail "no file: exit 0"
pass "usage errors"

# 9. Rejected lines do not change the exit status.
printf 'garbage\n\0\0\n' >"$work/bad.log"
"$BANNIN" parse -q "$work/bad.log" >/dev/null || fail "undecodable lines gave a non-zero exit"

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all contract checks passed"
