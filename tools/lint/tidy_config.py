#!/usr/bin/env python3
"""Checks .clang-tidy against the installed clang-tidy: every enabled pattern in Checks must
match at least one check that exists, and every CheckOptions key must belong to an enabled,
existing check. clang-tidy itself ignores unknown names silently, which is how
bugprone-unsafe-functions (clang-tidy 17+) sat in this file unenforced on Debian 12's 14.

Usage: tidy_config.py [CLANG_TIDY]   (default: clang-tidy-14, else clang-tidy)
"""
import pathlib
import re
import shutil
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parents[2]
tidy = sys.argv[1] if len(sys.argv) > 1 else (shutil.which("clang-tidy-14") or
                                                shutil.which("clang-tidy"))
if not tidy:
    print("tidy_config: clang-tidy not found (tools/setup.sh)", file=sys.stderr)
    sys.exit(2)


def listed(checks):
    out = subprocess.run([tidy, "--list-checks", f"--checks={checks}"], capture_output=True,
                         text=True, cwd="/", check=True).stdout
    return {line.strip() for line in out.splitlines()[1:] if line.strip()}


text = (root / ".clang-tidy").read_text()
m = re.search(r"^Checks:\s*>?\s*\n((?:[ \t]+.*\n)+)", text, re.M)
if not m:
    print(".clang-tidy: no Checks block", file=sys.stderr)
    sys.exit(1)
patterns = [p.strip() for p in m.group(1).replace("\n", ",").split(",") if p.strip()]
problems = []
for p in patterns:
    if not listed("-*," + p.lstrip("-")):
        problems.append(f".clang-tidy: check '{p.lstrip('-')}' does not exist in {tidy}")
enabled = listed("-*," + ",".join(patterns))
for key in re.findall(r"key:\s*([\w.-]+)\s*,", text):
    check = key.rsplit(".", 1)[0]
    if check not in enabled:
        problems.append(f".clang-tidy: option '{key}' is for '{check}', which is not an enabled "
                        f"check of {tidy}")
for p in problems:
    print(p)
if problems:
    sys.exit(1)
print(f"tidy_config: {len(patterns)} patterns, {len(enabled)} checks enabled, all exist")
