# Shared by the API tests (tests/cli/api_*_test.sh): a generated incident day
# (tools/loggen/gen_demo_day.py, seed 7: a form-relay wave, brute force, a scanner, ssh and
# mail attacks) read from the beginning by a real `bannin run` in observe mode, and a wait
# until every line is read and every finding is in the store. Source after lib/daemon.sh.
# Sets DAY (the generated files) and TOTAL_LINES; api_get PATH prints a body.

DAY="$TMP/day"
python3 "$ROOT/tools/loggen/gen_demo_day.py" --seed 7 --out "$DAY" 2>"$TMP/gen.err" ||
  fail "generator: $(cat "$TMP/gen.err")"
TOTAL_LINES=$(cat "$DAY/access.log" "$DAY/auth.log" "$DAY/mail.log" | wc -l)

cat >"$TMP/bannin.yaml" <<YAML
mode: observe
site: {home_countries: [JP]}
rule_files: [$ROOT/rules/base]
store: {path: $TMP/bannin.db}
api: {listen: 127.0.0.1:$PORT}
decide: {own_addresses: false, crawlers: ""}
sources:
  - {type: file, paths: [$DAY/access.log], decoder: auto, start: beginning}
  - {type: file, paths: [$DAY/auth.log], decoder: syslog, start: beginning}
  - {type: file, paths: [$DAY/mail.log], decoder: syslog, start: beginning}
YAML

api_get() { curl -sS --max-time 10 "$API$1"; }

# True when every line is read and the store holds as many findings as the daemon made.
day_done() {
  python3 - "$API" "$TOTAL_LINES" <<'PY'
import json, sys, urllib.request
api, total = sys.argv[1], int(sys.argv[2])
st = json.load(urllib.request.urlopen(api + "/api/v1/status", timeout=5))
if sum(s["lines"] for s in st["sources"]) < total:
    sys.exit(1)
made = st["detect"]["findings"]
page = json.load(urllib.request.urlopen(api + "/api/v1/findings?limit=500", timeout=5))
sys.exit(0 if made > 0 and len(page["findings"]) == made else 1)
PY
}

start_daemon
wait_until 60 "the day read and its findings stored" day_done
