#!/usr/bin/env python3
"""Score bannin against CrowdSec's own hub tests (issue 12).

CrowdSec's hub (github.com/crowdsecurity/hub) keeps one folder per test under `.tests/`:
`<name>.log`, `config.yaml`, and `parser.assert` and/or `scenario.assert`, the expected
output of `cscli hubtest run` written as one expression per line. This script reads those
folders and, for each test:

  (a) decoding: which lines CrowdSec's parsers accept (from parser.assert: an event whose
      `s01-parse` result is `Success == true`), and how many of those `bannin parse` decodes
      (an object without "error");
  (b) detection: `bannin replay` with the shipped rules over the log; the addresses it
      decides against (scope ip) are compared with the sources of scenario.assert's alerts
      (`"IP" in results[N].Overflow.GetSources()`, the attackers) and with every other
      address in the log (CrowdSec leaves them alone: a decision against one is a benign
      decision).

Mapping parser.assert entries to log lines: each s01 parser lists the events it saw in log
order, so an entry is matched to the next line (after the one its previous entry matched)
that contains all its `Evt.Parsed[...]` values found anywhere in the log (grok captures are
substrings of the line). With no Parsed values, or without a parser.assert, see --no-assert.

Usage:
  tools/peers/crowdsec_hub_score.py --bannin build/dev/bin/bannin --dir HUB/.tests [TEST...]
  (HUB is a checkout of crowdsecurity/hub; TEST names restrict the run to those folders)

Options: --rules DIR (default rules/base), --year N (year for syslog lines without one,
default 2021), --json (one JSON object per test instead of the table), --show-missed
(print the accepted lines bannin does not decode and the attackers it misses).

Standard library only; the hub data is third-party and never part of bannin's repository.
Exit status 0 whatever the scores (it measures, it does not judge); 2 on a usage error.
"""

import argparse
import ipaddress
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# results["s01-parse"]["crowdsecurity/sshd-logs"][3].Success == true
RE_ENTRY = re.compile(r'^results\["(?P<stage>[^"]+)"\]\["(?P<parser>[^"]+)"\]\[(?P<idx>\d+)\]\.(?P<rest>.*)$')
RE_SUCCESS = re.compile(r'^Success\s*==\s*(?P<v>true|false)\s*$')
RE_PARSED = re.compile(r'^Evt\.Parsed\["(?P<k>[^"]+)"\]\s*==\s*(?P<v>"(?:[^"\\]|\\.)*")\s*$')
# "1.2.3.4" in results[0].Overflow.GetSources()
RE_SOURCE = re.compile(r'^"(?P<ip>[^"]+)"\s+in\s+results\[(?P<n>\d+)\]\.Overflow\.GetSources\(\)')
RE_SCENARIO = re.compile(r'^results\[(?P<n>\d+)\]\.Overflow\.Alert\.GetScenario\(\)\s*==\s*"(?P<s>[^"]*)"')
# Candidate addresses in a log line: IPv4 (also inside ::ffff:), IPv6 with at least two colons.
# Not after '/' or a letter (Chrome/117.0.0.0 is a version); IPv6 not followed by '.' (the
# ::ffff: prefix of a mapped IPv4 address).
RE_IPV4 = re.compile(r'(?<![\d.A-Za-z/])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.]|\.\d)')
RE_IPV6 = re.compile(r'(?<![0-9A-Za-z:/])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![0-9A-Za-z:.])')


def go_unquote(s):
    """Go's strconv.Quote output -> str (JSON-compatible for what asserts contain)."""
    try:
        return json.loads(s)
    except ValueError:
        return s[1:-1]


def read_config(folder):
    """log_file and log_type from config.yaml (flat keys only; no YAML library needed)."""
    cfg = {}
    path = os.path.join(folder, "config.yaml")
    if os.path.exists(path):
        for line in open(path, encoding="utf-8", errors="replace"):
            m = re.match(r'^(log_file|log_type|ignore_parsers):\s*(.*?)\s*$', line)
            if m:
                cfg[m.group(1)] = m.group(2).strip('"')
    return cfg


def parse_parser_assert(path):
    """{(stage, parser): {idx: {"success": bool|None, "parsed": {k: v}}}}"""
    entries = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        m = RE_ENTRY.match(line.strip())
        if not m:
            continue
        e = entries.setdefault((m.group("stage"), m.group("parser")), {}).setdefault(
            int(m.group("idx")), {"success": None, "parsed": {}})
        rest = m.group("rest")
        ms = RE_SUCCESS.match(rest)
        if ms:
            e["success"] = ms.group("v") == "true"
            continue
        mp = RE_PARSED.match(rest)
        if mp:
            e["parsed"][mp.group("k")] = go_unquote(mp.group("v"))
    return entries


def parse_scenario_assert(path):
    """(set of alert source strings, list of scenario names)"""
    sources, scenarios = set(), []
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.strip()
        m = RE_SOURCE.match(line)
        if m:
            sources.add(m.group("ip"))
        m = RE_SCENARIO.match(line)
        if m:
            scenarios.append(m.group("s"))
    return sources, scenarios


def accepted_lines(lines, entries):
    """Line numbers (0-based) CrowdSec's s01 parsers accepted, plus entries left unmapped.

    Returns (accepted set, count of accepted entries matching no line, rejected set)."""
    accepted, rejected, unmapped = set(), set(), 0
    for (stage, _parser), by_idx in entries.items():
        if not stage.startswith("s01"):
            continue
        pos = 0
        for idx in sorted(by_idx):
            e = by_idx[idx]
            if e["success"] is None:
                continue
            values = [v for v in e["parsed"].values() if v and any(v in l for l in lines)]
            hit = None
            if values:
                for n in range(pos, len(lines)):
                    if all(v in lines[n] for v in values):
                        hit = n
                        break
            if hit is None:
                # Only an accepted line that cannot be found matters to the score.
                unmapped += 1 if e["success"] else 0
                continue
            pos = hit + 1
            (accepted if e["success"] else rejected).add(hit)
    return accepted, unmapped, rejected - accepted


def addresses_in(line):
    out = set()
    for m in RE_IPV4.finditer(line):
        try:
            out.add(ipaddress.ip_address(m.group(1)))
        except ValueError:
            pass
    for m in RE_IPV6.finditer(line):
        cand = m.group(1)
        if cand.count(":") < 2 or not any(c.isalnum() for c in cand):
            continue
        try:
            a = ipaddress.ip_address(cand)
        except ValueError:
            continue
        out.add(a.ipv4_mapped or a)
    return out


def norm(ip):
    a = ipaddress.ip_address(ip)
    return a.ipv4_mapped if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped else a


def run_parse(bannin, log, year):
    out = subprocess.run([bannin, "parse", "-q", "--year", str(year), log],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    res = {}
    for l in out.stdout.decode("utf-8", "replace").splitlines():
        try:
            o = json.loads(l)
        except ValueError:
            continue
        res[o.get("line", 0) - 1] = o
    return res


def run_replay(bannin, log, rules, year):
    cmd = [bannin, "replay", "-q", "--rules", rules, "--year", str(year),
           "-o", "site.home_countries=JP", log]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    decided = {}
    for l in out.stdout.decode("utf-8", "replace").splitlines():
        try:
            o = json.loads(l)
        except ValueError:
            continue
        if o.get("type") == "decision" and o.get("scope") == "ip":
            decided.setdefault(norm(o["target"]["ip"]), set()).add(o.get("rule", "?"))
    return decided


def score_test(folder, bannin, rules, year, use_all_lines):
    name = os.path.basename(folder.rstrip("/"))
    cfg = read_config(folder)
    log = os.path.join(folder, cfg.get("log_file") or (name + ".log"))
    if not os.path.exists(log):
        logs = [f for f in os.listdir(folder) if f.endswith(".log")]
        if not logs:
            return None
        log = os.path.join(folder, logs[0])
    lines = open(log, encoding="utf-8", errors="replace").read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    r = {"test": name, "log_type": cfg.get("log_type", "?"), "lines": sum(1 for l in lines if l.strip())}

    pa = os.path.join(folder, "parser.assert")
    if os.path.exists(pa) or use_all_lines:
        if os.path.exists(pa):
            acc, unmapped, _rej = accepted_lines(lines, parse_parser_assert(pa))
            r["accepted_from"] = "parser.assert"
        else:
            acc, unmapped = {n for n, l in enumerate(lines) if l.strip()}, 0
            r["accepted_from"] = "every line"
        parsed = run_parse(bannin, log, year)
        dec = {n for n in acc if n in parsed and not parsed[n].get("error")}
        r.update(accepted=len(acc), decoded=len(dec), unmapped=unmapped,
                 not_decoded=[(n + 1, lines[n], parsed.get(n, {}).get("error")) for n in sorted(acc - dec)])

    sa = os.path.join(folder, "scenario.assert")
    if os.path.exists(sa):
        sources, scenarios = parse_scenario_assert(sa)
        attackers = set()
        for s in sources:
            try:
                attackers.add(norm(s))
            except ValueError:
                pass
        present = set()
        for l in lines:
            present |= addresses_in(l)
        decided = run_replay(bannin, log, rules, year)
        # Every address decided against that CrowdSec did not alert on is a benign decision,
        # also one the address scan above did not see.
        benign = (present | set(decided)) - attackers
        r.update(attackers=len(attackers), attackers_decided=len(attackers & set(decided)),
                 missed=sorted(str(a) for a in attackers - set(decided)),
                 benign=len(benign), benign_decided=sorted(f"{a} ({','.join(sorted(decided[a]))})"
                                                          for a in benign & set(decided)),
                 scenarios=sorted(set(scenarios)))
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bannin", required=True)
    ap.add_argument("--dir", required=True, help="the hub's .tests folder (or a copy of some of its tests)")
    ap.add_argument("--rules", default=os.path.join(ROOT, "rules", "base"))
    ap.add_argument("--year", type=int, default=2021)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--show-missed", action="store_true")
    ap.add_argument("--no-assert", action="store_true",
                    help="count every line of a test without parser.assert as accepted (default: such tests only score detection)")
    ap.add_argument("tests", nargs="*")
    a = ap.parse_args()
    if not os.path.isdir(a.dir):
        print(f"crowdsec_hub_score: {a.dir}: not a directory", file=sys.stderr)
        return 2
    names = a.tests or sorted(d for d in os.listdir(a.dir) if os.path.isdir(os.path.join(a.dir, d)))
    rows = []
    for n in names:
        r = score_test(os.path.join(a.dir, n), a.bannin, a.rules, a.year, a.no_assert)
        if r:
            rows.append(r)
    if a.json:
        for r in rows:
            print(json.dumps(r))
        return 0
    tot = dict(accepted=0, decoded=0, attackers=0, attackers_decided=0, benign=0, benign_decided=0)
    print(f"{'test':34} {'type':8} {'decoded/accepted':>17} {'attackers':>10} {'benign decided':>15}")
    for r in rows:
        dec = f"{r['decoded']}/{r['accepted']}" if "accepted" in r else "-"
        att = f"{r['attackers_decided']}/{r['attackers']}" if "attackers" in r else "-"
        ben = f"{len(r['benign_decided'])}/{r['benign']}" if "attackers" in r else "-"
        print(f"{r['test']:34} {r['log_type']:8} {dec:>17} {att:>10} {ben:>15}")
        for k in ("accepted", "decoded", "attackers", "attackers_decided", "benign"):
            tot[k] += r.get(k, 0)
        tot["benign_decided"] += len(r.get("benign_decided", []))
        if a.show_missed:
            for ln, text, err in r.get("not_decoded", []):
                print(f"    not decoded (line {ln}, {err}): {text}")
            for ip in r.get("missed", []):
                print(f"    attacker not decided: {ip}")
            for ip in r.get("benign_decided", []):
                print(f"    BENIGN decided: {ip}")
            if r.get("unmapped"):
                print(f"    {r['unmapped']} parser.assert entries match no line of this log version")
    ratio = lambda x, y: f"{x / y:.3f}" if y else "-"
    print(f"{'total':34} {'':8} {str(tot['decoded']) + '/' + str(tot['accepted']):>17} "
          f"{str(tot['attackers_decided']) + '/' + str(tot['attackers']):>10} "
          f"{str(tot['benign_decided']) + '/' + str(tot['benign']):>15}")
    print(f"decoded ratio {ratio(tot['decoded'], tot['accepted'])}, attackers decided ratio "
          f"{ratio(tot['attackers_decided'], tot['attackers'])}, benign decided {tot['benign_decided']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
