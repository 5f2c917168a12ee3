#!/usr/bin/env python3
"""Compares `bannin parse` output with a hand-written expected .jsonl file.

usage: compare_jsonl.py EXPECTED ACTUAL

Both files hold one JSON object per line. A decoded line must match its expected object
exactly (same keys, same values). For a line no decoder accepted (expected "decoder": null)
the actual line must have "decoder": null and the same "line" and "error"; the diagnostic
keys "tried" and "column" may be present and are not compared.
"""
import json
import sys

DIAGNOSTIC_KEYS = {"tried", "column"}


def main() -> int:
    expected_path, actual_path = sys.argv[1], sys.argv[2]
    with open(expected_path, encoding="utf-8") as f:
        expected = [json.loads(line) for line in f]
    with open(actual_path, encoding="utf-8") as f:
        actual = [json.loads(line) for line in f]
    problems = []
    if len(expected) != len(actual):
        problems.append(f"{len(actual)} output lines, expected {len(expected)}")
    for exp, act in zip(expected, actual):
        n = exp.get("line")
        if exp.get("decoder") is None:
            extra = set(act) - {"line", "decoder", "error"} - DIAGNOSTIC_KEYS
            if act.get("decoder", "missing") is not None or act.get("line") != n or \
                    act.get("error") != exp.get("error") or extra:
                problems.append(f"line {n}: expected error {exp.get('error')!r}, got {act}")
            continue
        if exp != act:
            missing = {k: v for k, v in exp.items() if k not in act}
            unexpected = {k: v for k, v in act.items() if k not in exp}
            differ = {k: (exp[k], act[k]) for k in exp if k in act and exp[k] != act[k]}
            problems.append(f"line {n}: missing {missing} unexpected {unexpected} "
                            f"differ (expected, actual) {differ}")
    for p in problems:
        print(f"{expected_path}: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
