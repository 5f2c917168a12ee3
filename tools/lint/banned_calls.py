#!/usr/bin/env python3
"""Fails on calls of banned C library functions in bannin's C++ sources.

clang-tidy 14 (Debian 12) has no bugprone-unsafe-functions, so the ban STYLE §7 asks for
(Falco bans the same calls with semgrep) is this small scanner, run by `make check`.

Banned, with what to use instead:
  unbounded copies/formatting  strcpy strcat stpcpy sprintf vsprintf gets wcscpy wcscat
                               -> std::string, std::snprintf, std::format-like code
  truncating copies            strncpy strncat (silently drop the terminator)
  hidden state / not reentrant strtok (-> std::string_view splitting or strtok_r)
  no error reporting           atoi atol atoll atof (-> std::from_chars, core parsers)
  racy temporary names         tmpnam tempnam mktemp (-> mkstemp)
  unbounded input              scanf fscanf sscanf vscanf vsscanf vfscanf
  shells                       system popen (bannin never forks a shell: no nft exec either)

A justified use carries an allow comment with a reason on the same line:
    n = atoi(p);  // banned-call-ok: <why this one is safe>
Comments and string literals are ignored. Usage: banned_calls.py [DIR_OR_FILE ...]
(default: bannin/ under the repository root). Exit status 1 when something is found.

tools/lint/banned_calls.known lists "<path> <call>" pairs found when the check was added in
code whose owners were busy elsewhere; they are reported as notes, not failures. The list
only shrinks: an entry that no longer matches anything is itself an error, so a fix must
also delete its line.
"""

import pathlib
import re
import sys

BANNED = {
    "strcpy": "std::string or a bounded copy",
    "strcat": "std::string::append",
    "stpcpy": "std::string or a bounded copy",
    "wcscpy": "std::wstring",
    "wcscat": "std::wstring",
    "sprintf": "std::snprintf or string building",
    "vsprintf": "std::vsnprintf",
    "gets": "std::getline",
    "strncpy": "std::string or memcpy with an explicit length",
    "strncat": "std::string::append",
    "strtok": "std::string_view splitting (or strtok_r)",
    "atoi": "std::from_chars (atoi cannot report errors)",
    "atol": "std::from_chars (atol cannot report errors)",
    "atoll": "std::from_chars (atoll cannot report errors)",
    "atof": "std::from_chars or strtod with an end check",
    "tmpnam": "mkstemp",
    "tempnam": "mkstemp",
    "mktemp": "mkstemp",
    "scanf": "a parser that reports errors",
    "fscanf": "a parser that reports errors",
    "sscanf": "std::from_chars / a parser that reports errors",
    "vscanf": "a parser that reports errors",
    "vfscanf": "a parser that reports errors",
    "vsscanf": "a parser that reports errors",
    "system": "no shell: call the library (libnftables) or exec directly",
    "popen": "no shell: call the library or exec directly",
}

# A call: the name not preceded by an identifier character, '.', '->' or '::' of a
# non-std qualifier (std::atoi and ::atoi are the same function and stay banned; a member
# or another namespace's function of the same name is not what is banned).
CALL = re.compile(
    r"(?P<qual>(?:\b[A-Za-z_]\w*\s*::\s*)|::\s*|\.\s*|->\s*)?\b(?P<name>"
    + "|".join(sorted(BANNED, key=len, reverse=True))
    + r")\s*\(")
ALLOW = re.compile(r"//\s*banned-call-ok:\s*\S")
SUFFIXES = {".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp"}


def strip_code(text):
    """Returns text with comments and string/char literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c == 'R' and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^()\\ ]{0,16})\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = ")" + m.group(1) + '"'
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c in "\"'":
            # A digit separator (1'000) is not a character literal.
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def scan(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    raw_lines = text.split("\n")
    findings = []
    for lineno, line in enumerate(strip_code(text).split("\n"), 1):
        for m in CALL.finditer(line):
            qual = (m.group("qual") or "").replace(" ", "")
            if qual and qual not in ("std::", "::"):
                continue  # a member or another namespace's function of that name
            if ALLOW.search(raw_lines[lineno - 1]):
                continue
            name = m.group("name")
            findings.append((lineno, m.start("name") + 1, name,
                             f"banned call {name}(): use {BANNED[name]} "
                             "(or add '// banned-call-ok: <reason>')"))
    return findings


def load_known(root):
    known = set()
    path = root / "tools" / "lint" / "banned_calls.known"
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                file, call = line.split()
                known.add((file, call))
    return known


def main(argv):
    root = pathlib.Path(__file__).resolve().parents[2]
    known = load_known(root)
    targets = [pathlib.Path(a) for a in argv] or [root / "bannin"]
    files = []
    for t in targets:
        if t.is_dir():
            files += sorted(p for p in t.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif t.is_file():
            files.append(t)
        else:
            print(f"banned_calls: {t}: no such file or directory", file=sys.stderr)
            return 2
    findings = []
    seen_known = set()
    for p in files:
        try:
            rel = str(p.resolve().relative_to(root))
        except ValueError:
            rel = str(p)
        for lineno, col, name, msg in scan(p):
            where = f"{rel}:{lineno}:{col}"
            if (rel, name) in known:
                seen_known.add((rel, name))
                print(f"{where}: note: known banned call {name}() (tools/lint/banned_calls.known)")
            else:
                findings.append(f"{where}: {msg}")
    if not argv:  # a full scan: stale entries of the known list are errors too
        for rel, name in sorted(known - seen_known):
            findings.append(f"tools/lint/banned_calls.known: '{rel} {name}' no longer occurs: "
                            "delete the line")
    for f in findings:
        print(f)
    if findings:
        print(f"banned_calls: {len(findings)} banned call(s) in {len(files)} files", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
