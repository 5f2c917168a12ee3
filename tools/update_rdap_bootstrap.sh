#!/bin/sh
# Refreshes data/rdap/dns.json from IANA (RFC 9224 bootstrap for domain names). Run by a
# maintainer or an operator with network access; builds and tests never download anything.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out="${1:-$here/data/rdap/dns.json}"
tmp="$out.tmp.$$"
curl -fsS --max-time 60 -o "$tmp" https://data.iana.org/rdap/dns.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["services"], "no services"' "$tmp"
mv "$tmp" "$out"
echo "updated $out"
