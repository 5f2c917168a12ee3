#!/bin/bash
# `bannin replay -o geo.database=FILE.mmdb`: countries come from a MaxMind database instead of
# tor-geoipdb. In tests/fixtures/geo/test.mmdb 192.0.2.0/24 is JP and 198.51.100.0/25 DE;
# tor-geoipdb knows neither (documentation ranges), so only the .mmdb can make this fire.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BANNIN:?BANNIN must point at the bannin binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in 1 2 3 4; do
  echo "198.51.100.$i - - [19/Feb/2021:10:00:0$i +0900] \"POST /contact/ HTTP/1.1\" 200 5 \"-\" \"bot\""
done > "$tmp/in.log"
echo '192.0.2.7 - - [19/Feb/2021:10:00:05 +0900] "POST /contact/ HTTP/1.1" 200 5 "-" "browser"' >> "$tmp/in.log"

"$BANNIN" replay -q --rules "$ROOT/rules/base" -o site.home_countries=JP \
  -o geo.database="$ROOT/tests/fixtures/geo/test.mmdb" "$tmp/in.log" > "$tmp/out.jsonl"
/usr/bin/python3 - "$tmp/out.jsonl" <<'PY'
import json, sys
ds = [json.loads(l) for l in open(sys.argv[1])]
ips = sorted(d["target"]["ip"] for d in ds if d.get("type") == "decision" and d["scope"] == "ip")
paths = [d for d in ds if d.get("type") == "decision" and d["scope"] == "vhost_path"]
assert ips == ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"], ips
assert len(paths) == 1 and paths[0]["target"]["except_countries"] == ["JP"], paths
PY
# With tor-geoipdb the same sources have no country: they count as foreign too, so the rule
# fires and the JP source (unknown there) becomes a member — the .mmdb is what spares it.
"$BANNIN" replay -q --rules "$ROOT/rules/base" -o site.home_countries=JP "$tmp/in.log" > "$tmp/tor.jsonl"
grep -q '"ip":"192.0.2.7"' "$tmp/tor.jsonl"
# A broken database path is a clear startup error, not an empty lookup.
if "$BANNIN" replay -q --rules "$ROOT/rules/base" -o geo.database=/nonexistent.mmdb "$tmp/in.log" 2> "$tmp/err"; then
  echo "FAIL: missing database accepted" >&2; exit 1
fi
grep -q "nonexistent.mmdb" "$tmp/err"
echo "ok: countries from the .mmdb drive the relay rule"
