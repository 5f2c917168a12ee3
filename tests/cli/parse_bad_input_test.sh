#!/usr/bin/env bash
# Bad input through the real binary (issue 3, "Bad input"): binary garbage, NUL bytes,
# invalid UTF-8, a 1 MiB line, a line over the 4 MiB limit, a truncated last line without
# newline, CRLF, an empty file. For each input and each decoder choice: exit 0, exactly one
# valid JSON object per input line, line numbers 1..N in order (check_parse_output.py).
# Inputs are generated deterministically (fixed seeds) into a temporary directory.
# Environment: BANNIN (the binary), FIXTURES (tests/fixtures).
set -euo pipefail

: "${BANNIN:?path of the bannin binary}"
: "${FIXTURES:?path of tests/fixtures}"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

python3 - "$work" <<'PY'
import random, sys
out = sys.argv[1]
ok = (b'192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET /index.html HTTP/1.1" 200 5120 '
      b'"https://example.com/" "Mozilla/5.0"')
def write(name, data):
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)

rng = random.Random(20260301)
# Binary garbage: random bytes (newlines included at random), then a valid line.
write("garbage.bin", rng.randbytes(300_000) + b"\n" + ok + b"\n")
# Garbage without a single newline: one line.
write("garbage_one_line.bin", bytes(rng.choice([0, 1, 0x16, 0x7f, 0xff, 0x41]) for _ in range(70_000)))
# NUL bytes inside fields, alone, and at the start of a line.
write("nul.log", b"\n".join([
    ok.replace(b"/index.html", b"/a\x00b"),
    ok.replace(b"Mozilla/5.0", b"Mozi\x00lla"),
    b"\x00" * 64,
    b"\x00" + ok,
    ok,
]) + b"\n")
# Invalid UTF-8 in every kind of field, and an LTSV and a JSON line holding raw bytes.
write("invalid_utf8.log", b"\n".join([
    ok.replace(b"/index.html", b"/\xff\xfe\xc3"),
    ok.replace(b"Mozilla/5.0", b"Mozilla/5.0 (\xe9\xed\xa0\x80)"),
    ok.replace(b"https://example.com/", b"https://\xc0\xaf.example/"),
    b'198.51.100.23 - - [19/Feb/2021:05:21:36 +0900] "\x16\x03\x01\x00\xca\x01\x00\x00\xc6\x03\x03" 400 150 "-" "-"',
    b"time:[19/Feb/2021:05:21:35 +0900]\thost:192.0.2.9\treq:GET /\xff HTTP/1.1\tstatus:200\tua:\xfe",
    b'{"time_local":"19/Feb/2021:05:21:35 +0900","remote_addr":"192.0.2.8","request":"GET /\xff HTTP/1.1","status":"200"}',
    b"\xff\xff\xff\xff",
]) + b"\n")
# A 1 MiB request path (decoded), then a normal line.
big = ok.replace(b"/index.html", b"/" + b"a" * (1 << 20))
write("one_mib_line.log", big + b"\n" + ok + b"\n")
# A 5 MiB line (over the 4 MiB limit: one error line), then normal lines.
huge = ok.replace(b"/index.html", b"/" + b"b" * (5 << 20))
write("over_limit_line.log", ok + b"\n" + huge + b"\n" + ok + b"\n" + ok)
# A file cut in the middle of its last line (no newline at the end).
write("truncated_last_line.log", (ok + b"\n") * 3 + ok[:57])
# CRLF line ends, and the same lines with LF only.
lines = [ok, ok.replace(b"192.0.2.1", b"2001:db8::1"), b"", ok.replace(b"GET", b"HEAD")]
write("crlf.log", b"".join(l + b"\r\n" for l in lines))
write("lf.log", b"".join(l + b"\n" for l in lines))
write("empty.log", b"")
write("newlines_only.log", b"\n\n\n")
write("cr_only.log", b"\r\n\r")
PY

# Every input with every decoder choice; the outputs are checked in one python run.
decoders=(auto combined common vhost_combined nginx_json ltsv)
pairs=()
n=0
for input in "$work"/*.bin "$work"/*.log; do
  for d in "${decoders[@]}"; do
    n=$((n + 1))
    out="$work/out.$n.$d.$(basename "$input").jsonl"
    rc=0
    "$BANNIN" parse -q --decoder "$d" "$input" >"$out" 2>"$work/err" || rc=$?
    if [[ $rc -ne 0 ]]; then
      echo "FAIL: bannin parse --decoder $d $(basename "$input"): exit $rc" >&2
      head -c 2000 "$work/err" >&2
      failures=$((failures + 1))
    fi
    pairs+=("$input" "$out")
  done
done
python3 "$here/check_parse_output.py" "${pairs[@]}" || failures=$((failures + 1))
rm -f "$work"/out.*.jsonl

# The other output formats must not crash either, and give one line per input line.
for input in "$work/garbage.bin" "$work/nul.log" "$work/invalid_utf8.log"; do
  want=$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(d.count(b"\n") + (1 if d and not d.endswith(b"\n") else 0))' "$input")
  got=$("$BANNIN" parse -q --format text "$input" | wc -l)
  [[ $got -eq $want ]] || { echo "FAIL: --format text $(basename "$input"): $got lines, want $want" >&2; failures=$((failures + 1)); }
  [[ -z $("$BANNIN" parse -q --format none "$input") ]] || { echo "FAIL: --format none printed to stdout" >&2; failures=$((failures + 1)); }
done

# Specific outcomes.
expect() {  # expect FILE PYTHON-ASSERTION-ON-`objs`
  "$BANNIN" parse -q "$1" >"$work/out.jsonl"
  if ! python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert '"$2"', objs
' "$work/out.jsonl"; then
    echo "FAIL: $(basename "$1"): $2" >&2
    failures=$((failures + 1))
  else
    echo "ok: $(basename "$1"): $2"
  fi
}
# The valid line after the garbage is still decoded.
expect "$work/garbage.bin" 'objs[-1]["decoder"] == "combined" and objs[-1]["path"] == "/index.html"'
expect "$work/nul.log" 'objs[4]["decoder"] == "combined" and objs[2]["decoder"] is None'
expect "$work/nul.log" 'objs[1]["user_agent"] == "Mozi\u0000lla"'
expect "$work/invalid_utf8.log" 'objs[0]["path"] == "/\ufffd\ufffd\ufffd" and objs[0]["status"] == 200'
expect "$work/invalid_utf8.log" 'objs[3]["non_http"] is True and objs[3]["method"] == ""'
expect "$work/invalid_utf8.log" 'objs[4]["decoder"] == "ltsv" and objs[4]["path"] == "/\ufffd"'
expect "$work/invalid_utf8.log" 'objs[5]["decoder"] == "nginx_json" and objs[5]["src_ip"] == "192.0.2.8"'
expect "$work/one_mib_line.log" 'objs[0]["decoder"] == "combined" and len(objs[0]["path"]) == (1 << 20) + 1 and objs[1]["line"] == 2'
expect "$work/over_limit_line.log" 'objs[1]["decoder"] is None and objs[1]["error"] == "line_too_long" and objs[2]["decoder"] == "combined" and objs[3]["decoder"] == "combined" and len(objs) == 4'
expect "$work/truncated_last_line.log" 'len(objs) == 4 and objs[3]["decoder"] is None and objs[3]["line"] == 4'
expect "$work/cr_only.log" 'len(objs) == 2 and all(o["error"] == "empty_line" for o in objs)'
expect "$work/empty.log" 'objs == []'

# CRLF input decodes exactly like the same lines with LF.
"$BANNIN" parse -q "$work/crlf.log" >"$work/crlf.out"
"$BANNIN" parse -q "$work/lf.log" >"$work/lf.out"
if cmp -s "$work/crlf.out" "$work/lf.out"; then
  echo "ok: CRLF and LF give the same output"
else
  echo "FAIL: CRLF output differs from LF output" >&2
  diff "$work/crlf.out" "$work/lf.out" | head -20 >&2 || true
  failures=$((failures + 1))
fi

# Standard input through a pipe, fed a little at a time.
python3 -c '
import sys, time
data = open(sys.argv[1], "rb").read()
for i in range(0, len(data), 4093):
    sys.stdout.buffer.write(data[i:i + 4093]); sys.stdout.buffer.flush()
' "$work/garbage.bin" | "$BANNIN" parse -q - >"$work/pipe.out"
"$BANNIN" parse -q "$work/garbage.bin" >"$work/file.out"
if cmp -s "$work/pipe.out" "$work/file.out"; then
  echo "ok: stdin pipe gives the same output as the file"
else
  echo "FAIL: stdin pipe output differs from file output" >&2
  failures=$((failures + 1))
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all bad-input checks passed"
