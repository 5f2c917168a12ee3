#!/bin/sh
# The demo day (tools/loggen/gen_demo_day.py, used by `make demo`) against the shipped rules:
# `bannin replay --rules rules/base -o site.home_countries=JP` on each generated file must
# fire every incident's rules with at least one ip decision against that incident's
# attackers (the form-relay waves also a vhost_path containment), decide against no normal
# address, and find nothing at all in the normal traffic alone (each file with every
# attacker's lines removed). Also: the generator is deterministic, and --replay writes the
# same lines into the files, paced by the log clock, and stops cleanly on SIGTERM.
set -eu
: "${BANNIN:?set BANNIN to the bannin binary}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GEN="$ROOT/tools/loggen/gen_demo_day.py"
TMP=$(mktemp -d)
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 "$GEN" --seed 7 --out "$TMP/day" 2>"$TMP/gen.err" || fail "generator: $(cat "$TMP/gen.err")"
python3 "$GEN" --seed 7 --out "$TMP/again" 2>/dev/null
for f in access.log auth.log mail.log truth.json; do
  [ -s "$TMP/day/$f" ] || fail "$f not written"
  cmp -s "$TMP/day/$f" "$TMP/again/$f" || fail "$f differs between two runs with the same seed"
done
python3 "$GEN" --seed 8 --out "$TMP/other" 2>/dev/null
! cmp -s "$TMP/day/access.log" "$TMP/other/access.log" || fail "--seed does not change the day"

for f in access auth mail; do
  "$BANNIN" replay -q --rules "$ROOT/rules/base" -o site.home_countries=JP "$TMP/day/$f.log" \
    >"$TMP/$f.out" 2>"$TMP/$f.err" || fail "replay $f.log: $(cat "$TMP/$f.err")"
done

# The same files with every attacker's lines removed: the normal traffic alone.
python3 - "$TMP/day" "$TMP/normal" <<'EOF'
import json, os, re, sys
day, out = sys.argv[1], sys.argv[2]
truth = json.load(open(os.path.join(day, "truth.json")))
attackers = {ip for inc in truth["incidents"] for ip in inc["attackers"]}
addr = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
os.makedirs(out)
for f in ("access.log", "auth.log", "mail.log"):
    with open(os.path.join(day, f)) as src, open(os.path.join(out, f), "w") as dst:
        dst.writelines(l for l in src if not attackers & set(addr.findall(l)))
EOF
for f in access auth mail; do
  "$BANNIN" replay -q --rules "$ROOT/rules/base" -o site.home_countries=JP "$TMP/normal/$f.log" \
    >"$TMP/normal_$f.out" 2>"$TMP/normal_$f.err" || fail "replay normal $f.log: $(cat "$TMP/normal_$f.err")"
done

python3 - "$TMP" <<'EOF' || exit 1
import bisect, collections, ipaddress, json, os, sys
tmp = sys.argv[1]
truth = json.load(open(os.path.join(tmp, "day", "truth.json")))
normal = set(truth["normal_ips"])
errors = []

def records(path):
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                out.append(json.loads(line))
            except ValueError as e:
                errors.append("%s:%d: not JSON (%s): %.120s" % (path, n, e, line))
    return out

runs = {f: records(os.path.join(tmp, f.split(".")[0] + ".out")) for f in ("access.log", "auth.log", "mail.log")}
for f, recs in runs.items():
    for r in recs:
        if r.get("type") == "decision" and r.get("scope") == "ip" and r["target"].get("ip") in normal:
            errors.append("%s: decision against normal address %s (%s)" % (f, r["target"]["ip"], r["rule"]))

print("incident              rules fired                                      decided")
for inc in truth["incidents"]:
    recs = runs[inc["file"]]
    attackers = set(inc["attackers"])
    fired = sorted({r["rule"] for r in recs if r.get("type") == "finding" and r["rule"] in inc["rules"]})
    for rule in inc["rules"]:
        if rule not in fired:
            errors.append("%s: rule %s did not fire on %s" % (inc["id"], rule, inc["file"]))
    decided = {r["target"].get("ip") for r in recs if r.get("type") == "decision"
               and r["rule"] in inc["rules"] and r.get("scope") == "ip"} & attackers
    if not decided:
        errors.append("%s: no ip decision against any of its %d attackers" % (inc["id"], len(attackers)))
    if inc["rules"] == ["web.form_relay.many_sources"]:
        cf7 = inc["id"].endswith("cf7")
        paths = {r["target"].get("path") for r in recs if r.get("type") == "decision"
                 and r.get("scope") == "vhost_path" and "JP" in r["target"].get("except_countries", [])}
        want = "/wp-json/contact-form-7/v1/contact-forms/123/feedback" if cf7 else "/contact/"
        if want not in paths:
            errors.append("%s: no vhost_path containment of %s except JP (got %s)" % (inc["id"], want, sorted(paths)))
    print("%-21s %-48s %d/%d" % (inc["id"], ",".join(fired), len(decided), len(attackers)))

for f in ("access", "auth", "mail"):
    for r in records(os.path.join(tmp, "normal_%s.out" % f)):
        if r.get("type") in ("finding", "decision"):
            errors.append("normal traffic alone (%s.log): %s %s %s" % (
                f, r["type"], r["rule"], json.dumps(r.get("target", r.get("group")))))
            break

# The addresses meant as domestic must be JP in the geo data bannin uses (Debian tor-geoipdb):
# a clear message if that data ever moves a block, instead of a puzzling rule failure.
geo = "/usr/share/tor/geoip"
if os.path.exists(geo):
    rows = []
    for line in open(geo):
        if line[:1].isdigit():
            a, b, cc = line.strip().split(",")
            rows.append((int(a), int(b), cc))
    starts = [r[0] for r in rows]
    def country(ip):
        n = int(ipaddress.IPv4Address(ip))
        i = bisect.bisect_right(starts, n) - 1
        return rows[i][2] if i >= 0 and rows[i][0] <= n <= rows[i][1] else None
    relay = {ip for inc in truth["incidents"] if inc["id"].startswith("web_form_relay") for ip in inc["attackers"]}
    for ip in sorted(relay):
        if country(ip) in (None, "JP"):
            errors.append("form-relay source %s is %s in %s, should be foreign" % (ip, country(ip), geo))
    by_country = collections.Counter(country(ip) for ip in normal)
    if by_country["JP"] < 0.8 * len(normal):
        errors.append("only %d of %d normal addresses are JP in %s" % (by_country["JP"], len(normal), geo))

if errors:
    print("\n".join("FAIL: " + e for e in errors), file=sys.stderr)
    sys.exit(1)
EOF

# --- replay mode: same lines, paced, stoppable ----------------------------------------------
start=$(date +%s%N)
python3 "$GEN" --seed 7 --replay --speed 3600 --out "$TMP/live" 2>"$TMP/live.err" \
  || fail "replay mode: $(cat "$TMP/live.err")"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$elapsed_ms" -ge 1900 ] || fail "2 h at 3600x took ${elapsed_ms} ms, expected about 2000"
for f in access.log auth.log mail.log; do
  cmp -s "$TMP/day/$f" "$TMP/live/$f" || fail "--replay wrote a different $f"
done
[ "$(grep -c 'simulated' "$TMP/live.err")" -ge 12 ] || fail "progress: $(cat "$TMP/live.err")"

python3 "$GEN" --seed 7 --replay --speed 60 --out "$TMP/stop" 2>"$TMP/stop.err" &
PID=$!
i=0
until [ -s "$TMP/stop/access.log" ]; do  # some lines out (the build takes a moment)
  i=$((i + 1))
  [ $i -lt 200 ] || fail "--replay wrote nothing in 20 s: $(cat "$TMP/stop.err")"
  sleep 0.1
done
sleep 0.5
kill -TERM "$PID"
wait "$PID" || fail "SIGTERM: exit $? ($(cat "$TMP/stop.err"))"
PID=""
grep -q 'stopped by signal 15' "$TMP/stop.err" || fail "SIGTERM: $(cat "$TMP/stop.err")"
n=$(wc -l <"$TMP/stop/access.log")
[ "$n" -gt 0 ] && [ "$n" -lt "$(wc -l <"$TMP/day/access.log")" ] || fail "SIGTERM: $n access lines written"
head -n "$n" "$TMP/day/access.log" | cmp -s - "$TMP/stop/access.log" || fail "SIGTERM: partial file is not a prefix"

python3 "$GEN" --out "$TMP/bad" --hours 0.5 2>"$TMP/bad.err" && fail "--hours 0.5 accepted"
grep -q -- '--hours' "$TMP/bad.err" || fail "--hours error: $(cat "$TMP/bad.err")"
echo "PASS: demo day (every incident fires and is decided, normal traffic untouched, replay mode)"
