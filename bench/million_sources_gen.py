#!/usr/bin/env python3
"""Writes the sshd days of bench/million_sources.sh (issue 11; not run on its own).

  million_sources_gen.py LINES SOURCES OUT

LINES syslog-framed sshd "Failed password" lines spread evenly over one hour (Dec 7,
10:00:00-10:59:59), from SOURCES distinct addresses. Line i comes from source i % SOURCES, so
with LINES == SOURCES every line is a new address (a botnet, hijacked routers, a distributed
brute force) and with SOURCES = 1,000 each address fails LINES/1,000 times. Addresses are
synthetic: 11.0.0.0/8 (not a documentation range, but routed nowhere this bench can reach;
RFC 5737's 768 addresses are too few), the low 24 bits a fixed odd-multiplier permutation of
the source number, so neighbours in the file are far apart in the address space and every
source is distinct up to 2^24. Deterministic: no randomness, the same bytes on every run.
"""
import sys


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    lines, sources, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    if not 1 <= sources <= (1 << 24) or lines < 1:
        print("SOURCES must be in 1..2^24 and LINES >= 1", file=sys.stderr)
        return 2
    users = ("root", "admin", "test", "ubuntu", "oracle", "postgres", "git", "user")
    with open(out, "w", encoding="ascii") as f:
        buf = []
        for i in range(lines):
            s = i % sources
            a = (s * 2654435761) & 0xFFFFFF  # odd multiplier: a bijection on 24 bits
            ip = f"11.{a >> 16}.{(a >> 8) & 255}.{a & 255}"
            t = i * 3600 // lines
            ts = f"Dec  7 10:{t // 60:02d}:{t % 60:02d}"
            user = users[i % len(users)]
            buf.append(f"{ts} mx1 sshd[{2000 + i % 30000}]: Failed password for {user} "
                       f"from {ip} port {1024 + i % 60000} ssh2\n")
            if len(buf) >= 10000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))
    return 0


if __name__ == "__main__":
    sys.exit(main())
