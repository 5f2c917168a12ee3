#!/usr/bin/env python3
"""Generates the loopback test bed of bench/domain_check_bench.sh (not run on its own).

  domain_bench_gen.py generate DIR BASE PORT N FIXTURES
      DIR/zones/test.zone                 the parent (fake TLD "test."): NS + glue per delegation
      DIR/zones/shopNNNNN.test.zone       one zone per domain (each its own delegation)
      DIR/zones/<dnsbl zones>.zone        the test bed's DNSBL zones + the bench's listings
      DIR/child-zones.conf                NSD "zone:" blocks for the child instances
      DIR/unbound-stubs.conf              unbound stub zones (referrals cannot carry a port)
      DIR/domains.txt                     the N domains, one a line
      DIR/expected.json                   per domain: the (check, state) results bannin must give
      DIR/q-{parent,child1,child2,resolver,dnsbl}.txt   the same queries for dnsperf
  domain_bench_gen.py verify DIR BANNIN_JSON
      compares bannin's JSON with expected.json; prints counts per check:state; exit 1 on any
      difference.

Mix, by index (deterministic): i % 20 == 0 held (absent from the parent, the child still serves
the zone), == 1 lame (delegated, but neither child server serves the zone: REFUSED), == 2
listed (healthy, but on the local dbl.spamhaus.org as phishing), else healthy. Every delegated
domain has two name servers, ns1 at BASE.2 and ns2 at BASE.3, with glue.
Only loopback addresses are written.
"""
import collections
import json
import os
import signal
import sys

DNSBL_ZONES = ["dbl.spamhaus.org", "multi.surbl.org", "multi.uribl.com"]  # domain zones
IP_ZONES = ["zen.spamhaus.org"]


def kind_of(i):
    return {0: "held", 1: "lame", 2: "listed"}.get(i % 20, "healthy")


def name_of(i):
    return "shop%05d.test" % i


def expected_results(kind):
    r = [("delegation", "delegation_removed" if kind == "held" else "delegated")]
    if kind == "held":
        r.append(("child", "not_checked"))
        r.append(("resolver", "nxdomain"))
    elif kind == "lame":
        r += [("child", "lame"), ("child", "lame"), ("child", "lame_delegation")]
        r.append(("resolver", "servfail"))
    else:
        r += [("child", "ok"), ("child", "ok"), ("resolver", "ok")]
    r.append(("rdap", "not_checked"))
    if kind == "listed":
        r += [("dnsbl", "listed"), ("dnsbl", "not_listed"), ("dnsbl", "not_listed")]
    else:
        r += [("dnsbl", "not_listed")] * 3
    r += [("safebrowsing", "not_checked"), ("virustotal", "not_checked")]
    return sorted(r)


def generate(out, base, port, n, fixtures):
    if not base.startswith("127."):
        sys.exit("domain_bench_gen: refusing non-loopback base " + base)
    zones = os.path.join(out, "zones")
    os.makedirs(zones, exist_ok=True)
    ns1, ns2 = base + ".2", base + ".3"
    parent = [
        "$ORIGIN test.", "$TTL 3600",
        "@ IN SOA ns1.nic.test. hostmaster.nic.test. ( 2026112501 3600 900 604800 900 )",
        "@ IN NS ns1.nic.test.", "ns1.nic IN A %s.1" % base,
    ]
    child_conf, stubs, domains, expected = [], [], [], {}
    q = {k: [] for k in ("parent", "child1", "child2", "resolver", "dnsbl")}
    listed = []
    for i in range(n):
        d, kind = name_of(i), kind_of(i)
        label = d.split(".")[0]
        domains.append(d)
        expected[d] = expected_results(kind)
        if kind != "held":
            parent += ["%s 172800 IN NS ns1.%s." % (label, d), "%s 172800 IN NS ns2.%s." % (label, d),
                       "ns1.%s 172800 IN A %s" % (label, ns1), "ns2.%s 172800 IN A %s" % (label, ns2)]
            stubs += ["stub-zone:", '  name: "%s."' % d, "  stub-addr: %s@%d" % (ns1, port),
                      "  stub-addr: %s@%d" % (ns2, port)]
            for c in ("child1", "child2"):
                q[c] += ["%s SOA" % d, "%s NS" % d]
        if kind != "lame":
            with open(os.path.join(zones, d + ".zone"), "w") as f:
                f.write("$ORIGIN %s.\n$TTL 300\n"
                        "@ IN SOA ns1 hostmaster ( 2026112501 3600 900 604800 300 )\n"
                        "@ IN NS ns1\n@ IN NS ns2\nns1 IN A %s\nns2 IN A %s\n"
                        "@ IN A 192.0.2.%d\nwww IN A 192.0.2.%d\n" % (d, ns1, ns2, i % 250 + 1, i % 250 + 1))
            child_conf += ["zone:", '  name: "%s."' % d, '  zonefile: "%s.zone"' % d]
        if kind == "listed":
            listed.append(d)
        q["parent"] += ["%s NS" % d, "%s DS" % d]
        q["resolver"].append("%s A" % d)
        q["dnsbl"] += ["%s.%s A" % (d, z) for z in DNSBL_ZONES]
    with open(os.path.join(zones, "test.zone"), "w") as f:
        f.write("\n".join(parent) + "\n")
    for z in DNSBL_ZONES + IP_ZONES:
        with open(os.path.join(fixtures, z + ".zone")) as f:
            text = f.read().replace("@BASE@", base)
        if z == "dbl.spamhaus.org":
            text += "".join("%s IN A 127.0.1.4\n" % d for d in listed)
        with open(os.path.join(zones, z + ".zone"), "w") as f:
            f.write(text)
    # The canaries bannin asks once per run (RFC 5782 test points): part of the same work.
    q["dnsbl"] += ["dbltest.com.dbl.spamhaus.org A", "invalid.dbl.spamhaus.org A",
                   "test.surbl.org.multi.surbl.org A", "invalid.multi.surbl.org A",
                   "test.uribl.com.multi.uribl.com A", "invalid.multi.uribl.com A"]
    with open(os.path.join(out, "child-zones.conf"), "w") as f:
        f.write("\n".join(child_conf) + "\n")
    with open(os.path.join(out, "unbound-stubs.conf"), "w") as f:
        f.write("\n".join(stubs) + "\n")
    with open(os.path.join(out, "domains.txt"), "w") as f:
        f.write("\n".join(domains) + "\n")
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)
    for k, lines in q.items():
        with open(os.path.join(out, "q-%s.txt" % k), "w") as f:
            f.write("\n".join(lines) + "\n")
    kinds = collections.Counter(kind_of(i) for i in range(n))
    print("generated %d domains: %s; %d child zones; queries: %s" % (
        n, ", ".join("%s %d" % kv for kv in sorted(kinds.items())), len(child_conf) // 3,
        ", ".join("%s %d" % (k, len(v)) for k, v in q.items())))


def verify(out, path):
    expected = json.load(open(os.path.join(out, "expected.json")))
    doc = json.load(open(path))
    got_counts, want_counts = collections.Counter(), collections.Counter()
    wrong = []
    seen = set()
    for s in doc["subjects"]:
        d = s["subject"]
        seen.add(d)
        got = sorted((r["check"], r["state"]) for r in s["results"])
        got_counts.update("%s:%s" % x for x in got)
        want = [tuple(x) for x in expected.get(d, [])]
        if got != want:
            wrong.append((d, got, want))
    for d, want in expected.items():
        want_counts.update("%s:%s" % tuple(x) for x in want)
    missing = [d for d in expected if d not in seen]
    print("%-32s %8s %8s" % ("check:state", "bannin", "expected"))
    for k in sorted(set(got_counts) | set(want_counts)):
        mark = "" if got_counts[k] == want_counts[k] else "   <-- differs"
        print("%-32s %8d %8d%s" % (k, got_counts[k], want_counts[k], mark))
    if missing:
        print("missing subjects: %d (e.g. %s)" % (len(missing), missing[0]))
    if wrong:
        print("domains with other results than generated: %d" % len(wrong))
        for d, got, want in wrong[:3]:
            extra = collections.Counter(got) - collections.Counter(want)
            lack = collections.Counter(want) - collections.Counter(got)
            print("  %s: unexpected %s, missing %s" % (d, dict(extra), dict(lack)))
    ok = not wrong and not missing and len(seen) == len(expected)
    print("verify: %s (%d subjects)" % ("all results as generated" if ok else "MISMATCH", len(seen)))
    return 0 if ok else 1


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # die of Ctrl-C, so the bench's trap runs
    if len(sys.argv) == 7 and sys.argv[1] == "generate":
        generate(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    elif len(sys.argv) == 4 and sys.argv[1] == "verify":
        sys.exit(verify(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
