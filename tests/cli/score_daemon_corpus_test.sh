#!/bin/sh
# The daemon-log decoders against fail2ban's labelled test lines (issue 5): runs
# $SHARED/corpus/score_decoder.py on `bannin parse` and fails below precision 0.98,
# recall 0.95, or when any file is reported broken. Skips only when the corpus is absent.
set -eu
: "${BANNIN:?BANNIN must point at the bannin binary}"
SHARED=${SHARED:-$(dirname "$0")/../../../shared}
CORPUS="$SHARED/corpus/fail2ban"
SCORER="$SHARED/corpus/score_decoder.py"
if [ ! -d "$CORPUS" ] || [ ! -f "$SCORER" ]; then
  echo "SKIP: no labelled corpus at $CORPUS (set SHARED to the shared folder)"
  exit 0
fi
out=$(python3 "$SCORER" --bannin "$BANNIN" --dir "$CORPUS")
echo "$out"
summary=$(echo "$out" | tail -n 1)
echo "$summary" | python3 -c '
import re, sys
s = sys.stdin.read()
m = re.search(r"precision=([0-9.]+) recall=([0-9.]+) f1=[0-9.]+ files=(\d+) broken=(\d+)", s)
if not m:
    sys.exit("score: cannot read the summary line: " + s)
p, r, files, broken = float(m.group(1)), float(m.group(2)), int(m.group(3)), int(m.group(4))
bad = []
if p < 0.98: bad.append("precision %.3f < 0.98" % p)
if r < 0.95: bad.append("recall %.3f < 0.95" % r)
if broken: bad.append("%d broken file(s)" % broken)
if files == 0: bad.append("no files scored")
if bad:
    sys.exit("FAIL: " + ", ".join(bad))
print("OK: precision %.3f recall %.3f over %d files" % (p, r, files))
'
