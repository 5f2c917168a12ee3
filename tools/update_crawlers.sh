#!/bin/sh
# Refreshes data/allowlist/crawlers.yaml (the decide stage's crawler allowlist, docs/decide.md)
# from the vendors' published JSON lists. Run by a maintainer or an operator with network
# access; builds and tests never download anything, and bannin never fetches these itself.
#
#   tools/update_crawlers.sh [--out FILE] [--from-dir DIR]
#     --out FILE      where to write (default: data/allowlist/crawlers.yaml)
#     --from-dir DIR  read DIR/<name>.json instead of downloading (offline, or to review first)
#
# Every list has the shape {"creationTime": …, "prefixes": [{"ipv4Prefix": …} | {"ipv6Prefix": …}]}.
# A list that fails to download or parse, is empty, or holds a range broader than /16 (IPv4)
# or /32 (IPv6) stops the update: the old file stays as it was.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/data/allowlist/crawlers.yaml"
from_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --from-dir) from_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "update_crawlers.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# name  published list (the `verify` URL written into the file)
vendors="googlebot https://developers.google.com/static/search/apis/ipranges/googlebot.json
bingbot https://www.bing.com/toolbox/bingbot.json"

work=$(mktemp -d)
trap 'rm -rf "$work" "$out.tmp.$$"' EXIT INT TERM
echo "$vendors" | while read -r name url; do
  [ -n "$name" ] || continue
  if [ -n "$from_dir" ]; then
    cp "$from_dir/$name.json" "$work/$name.json"
  else
    curl -fsS --max-time 60 -o "$work/$name.json" "$url"
  fi
  echo "$url" > "$work/$name.url"
done

python3 - "$work" "$out.tmp.$$" "$vendors" <<'PY'
import datetime, ipaddress, json, os, sys

work, out, vendors = sys.argv[1], sys.argv[2], sys.argv[3]
crawlers = []
for line in vendors.splitlines():
    if not line.strip():
        continue
    name, url = line.split()
    with open(os.path.join(work, name + ".json")) as f:
        doc = json.load(f)
    nets = []
    for p in doc.get("prefixes", []):
        text = p.get("ipv4Prefix") or p.get("ipv6Prefix")
        if not text:
            continue
        net = ipaddress.ip_network(text, strict=True)
        if net.prefixlen < (16 if net.version == 4 else 32):
            sys.exit("%s: %s is too broad for a crawler range" % (name, text))
        nets.append(net)
    if not nets:
        sys.exit("%s: the list at %s holds no prefixes" % (name, url))
    v4 = sorted(n for n in nets if n.version == 4)
    v6 = sorted(n for n in nets if n.version == 6)
    merged = list(ipaddress.collapse_addresses(v4)) + list(ipaddress.collapse_addresses(v6))
    crawlers.append((name, url, doc.get("creationTime", "?"), merged))

today = datetime.date.today().isoformat()
with open(out, "w") as f:
    f.write("# Search-engine crawler ranges for bannin's decide stage (docs/decide.md).\n")
    f.write("# THIS IS A DATED SNAPSHOT, written by tools/update_crawlers.sh; run it again to refresh.\n")
    f.write("version: 1\n")
    f.write("updated: %s\n" % today)
    f.write("source: >-\n  Fetched by tools/update_crawlers.sh on %s from the vendors' published lists (%s);\n"
            "  adjacent ranges merged.\n"
            % (today, ", ".join("%s creationTime %s" % (c[0], c[2]) for c in crawlers)))
    f.write("crawlers:\n")
    for name, url, _, nets in crawlers:
        f.write("  - name: %s\n    verify: %s\n    prefixes:\n" % (name, url))
        for n in nets:
            f.write("      - %s\n" % n)
print("\n".join("%s: %d prefixes" % (c[0], len(c[3])) for c in crawlers))
PY
mv "$out.tmp.$$" "$out"
echo "updated $out"
