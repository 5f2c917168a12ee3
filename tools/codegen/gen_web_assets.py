#!/usr/bin/env python3
"""Embed the dashboard's built files into the bannin binary.

    gen_web_assets.py --out web_assets_gen.cpp --kind dashboard|notice DIR

Writes one C++ file that defines bannin::web's asset table (bannin/web/assets.h): for each
file of DIR (not recursive), its URL path (index.html is "/", the others "/assets/NAME"),
content type, bytes and a strong ETag (the first 16 hex digits of its SHA-256, quoted).
DIR is the esbuild output (web/build.mjs) or, when the build has no Node.js, web/notice/
(a one-page notice; kind "notice"). Standard library only.
"""
import argparse
import hashlib
import os
import sys

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}


def c_bytes(data):
    # Hex bytes, 20 to a line: plain C++, no length limits of string literals.
    lines = []
    for i in range(0, len(data), 20):
        lines.append("    " + ",".join("0x%02x" % b for b in data[i:i + 20]) + ",")
    return "\n".join(lines) if lines else "    0x00,"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--kind", choices=["dashboard", "notice"], required=True)
    ap.add_argument("dir")
    a = ap.parse_args()
    names = sorted(n for n in os.listdir(a.dir) if os.path.isfile(os.path.join(a.dir, n)))
    if "index.html" not in names:
        sys.exit("gen_web_assets.py: %s has no index.html" % a.dir)
    out = ["// generated from %s by tools/codegen/gen_web_assets.py, do not edit" % a.dir.replace("\\", "/"),
           "#include <bannin/web/assets.h>", "", "namespace bannin::web {", "namespace {", ""]
    table = []
    combined = hashlib.sha256()
    for i, name in enumerate(names):
        ext = os.path.splitext(name)[1]
        if ext not in TYPES:
            sys.exit("gen_web_assets.py: %s: no content type for %r" % (name, ext))
        data = open(os.path.join(a.dir, name), "rb").read()
        digest = hashlib.sha256(data).hexdigest()
        combined.update(name.encode() + b"\0" + digest.encode())
        out.append("const unsigned char kData%d[] = {\n%s\n};" % (i, c_bytes(data)))
        path = "/" if name == "index.html" else "/assets/" + name
        table.append('    {"%s", "%s", {reinterpret_cast<const char*>(kData%d), %d}, "\\"%s\\""},'
                     % (path, TYPES[ext], i, len(data), digest[:16]))
    out += ["", "const Asset kAssets[] = {"] + table + ["};", "", "}  // namespace", ""]
    out += ["std::span<const Asset> assets() noexcept {", "  return kAssets;", "}", ""]
    out += ["bool is_dashboard() noexcept {", "  return %s;" % ("true" if a.kind == "dashboard" else "false"), "}", ""]
    out += ["std::string_view build_id() noexcept {", '  return "%s";' % combined.hexdigest()[:16], "}", ""]
    out += ["}  // namespace bannin::web", ""]
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out))
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
