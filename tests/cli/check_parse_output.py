#!/usr/bin/env python3
"""Checks the shape of `bannin parse --format jsonl` output against its input file.

usage: check_parse_output.py INPUT OUTPUT [INPUT OUTPUT ...]

- the output is valid UTF-8 and holds exactly one line per input line (a last line without
  '\\n' counts as a line; an empty input gives no output);
- every output line is one JSON object whose "line" is 1, 2, 3 ... in order;
- a decoded line has "decoder" (a string), "kind" and an RFC 3339 UTC "ts"; a rejected line
  has "decoder": null and a non-empty "error".
Prints a summary "OUTPUT: lines=N decoded=D rejected=R" per pair; exits 1 if any pair fails.
"""
import json
import re
import sys

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$")


class Bad(Exception):
    pass


def fail(msg: str) -> None:
    raise Bad(msg)


def check(input_path: str, output_path: str) -> str:
    with open(input_path, "rb") as f:
        data = f.read()
    want = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    with open(output_path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        fail(f"output is not valid UTF-8: {e}")
    if text and not text.endswith("\n"):
        fail("output does not end with a newline")
    lines = text.split("\n")[:-1] if text else []
    if len(lines) != want:
        fail(f"{len(lines)} output lines for {want} input lines")
    decoded = rejected = 0
    for i, line in enumerate(lines, 1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            fail(f"output line {i} is not JSON ({e}): {line[:200]!r}")
        if not isinstance(obj, dict):
            fail(f"output line {i} is not an object")
        if obj.get("line") != i:
            fail(f"output line {i} has line {obj.get('line')!r}")
        if obj.get("decoder") is None:
            if "decoder" not in obj or not isinstance(obj.get("error"), str) or not obj["error"]:
                fail(f"output line {i}: rejected line without decoder:null and error: {line[:200]}")
            rejected += 1
        else:
            if not isinstance(obj["decoder"], str) or not isinstance(obj.get("kind"), str):
                fail(f"output line {i}: decoded line without decoder/kind: {line[:200]}")
            if not TS.match(obj.get("ts", "")):
                fail(f"output line {i}: ts {obj.get('ts')!r} is not RFC 3339 UTC")
            decoded += 1
    return f"lines={len(lines)} decoded={decoded} rejected={rejected}"


def main() -> int:
    args = sys.argv[1:]
    if not args or len(args) % 2:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    for input_path, output_path in zip(args[::2], args[1::2]):
        try:
            print(f"ok: {output_path}: {check(input_path, output_path)}")
        except Bad as e:
            print(f"FAIL: {output_path} (input {input_path}): {e}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
