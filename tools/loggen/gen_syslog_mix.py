#!/usr/bin/env python3
"""Deterministic syslog-framed mail + ssh log for benchmarks (issue 5).

Standard library only.  Usage:

    python3 tools/loggen/gen_syslog_mix.py --lines 1000000 --seed 1 --out /tmp/syslog-1m.log

One day (RFC 3164 framing, "Mar  4 09:12:01 mail01 prog[pid]: msg", no year) of a shared
hosting server's /var/log/syslog, about 125 bytes a line, about 20 % attack lines:

  sshd      accepted logins and their pam_unix session lines, normal disconnects (benign);
            "Failed password", "Invalid user", "Disconnected from (invalid|authenticating)
            user … [preauth]", "Connection closed by … [preauth]" from scanners (attack)
  postfix   inbound mail (smtpd connect/client=/disconnect, cleanup, qmgr, local delivery,
            removed), local submissions (pickup uid= from=, qmgr, smtp to= status=sent,
            removed) and SASL submissions (benign); smtpd SASL authentication failures and
            NOQUEUE RBL / relay rejects (attack)
  dovecot   imap/pop3 logins and logouts (benign); "auth failed" disconnects and
            auth-worker password mismatches (attack)

A message's lines keep their order (pickup before qmgr before smtp before removed) and
messages interleave, as on a real server, so bannin's queue-id correlation is exercised.
Output is a pure function of (--lines, --seed, --date) for a given CPython 3 minor version
(random.Random(seed) only).  1 M lines take a few seconds.
"""
import argparse
import datetime
import heapq
import random
import sys

HOST = "mail01"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
USERS = ["shop", "info", "sales", "wpadmin", "kaikei", "support", "tanaka", "suzuki", "sato",
         "news", "booking", "office", "yamada", "hr", "contact", "web"]
DOMAINS = ["shop-example.jp", "kaisha.example.jp", "cafe-example.com", "clinic.example.jp",
           "studio.example.net", "hotel-example.jp"]
REMOTE_DOMAINS = ["gmail.com", "yahoo.co.jp", "docomo.ne.jp", "outlook.jp", "example.org",
                  "ezweb.ne.jp", "icloud.com", "biglobe.ne.jp"]
MX = {"gmail.com": "gmail-smtp-in.l.google.com", "yahoo.co.jp": "mx1.mail.yahoo.co.jp",
      "docomo.ne.jp": "mfsmax.docomo.ne.jp", "outlook.jp": "outlook-jp.olc.protection.outlook.com",
      "example.org": "mx.example.org", "ezweb.ne.jp": "lsean.ezweb.ne.jp",
      "icloud.com": "mx01.mail.icloud.com", "biglobe.ne.jp": "mx.biglobe.ne.jp"}
SCAN_USERS = ["root", "admin", "test", "user", "ubuntu", "oracle", "postgres", "git", "ftpuser",
              "guest", "pi", "deploy", "www", "mysql", "support", "centos", "hadoop", "nagios"]
RBLS = ["zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org"]
HEX = "0123456789ABCDEF"


class Gen:
    def __init__(self, seed, date):
        self.r = random.Random(seed)
        self.date = date
        self.pid = 2000
        self.out = []          # heap of (t, seq, text): pending lines, written in time order
        self.seq = 0
        # Attack sources: a few hundred scanners, some very busy.
        r = self.r
        self.scanners = ["%d.%d.%d.%d" % (r.choice([45, 61, 92, 103, 141, 159, 185, 193, 218]),
                                          r.randrange(256), r.randrange(256), r.randrange(1, 255))
                         for _ in range(400)]
        self.clients = ["%d.%d.%d.%d" % (r.choice([60, 114, 126, 133, 153, 180, 202, 210, 220]),
                                         r.randrange(256), r.randrange(256), r.randrange(1, 255))
                        for _ in range(300)]
        self.mxs = ["%d.%d.%d.%d" % (r.choice([40, 52, 74, 104, 209]), r.randrange(256),
                                     r.randrange(256), r.randrange(1, 255)) for _ in range(60)]

    def next_pid(self):
        self.pid += self.r.randrange(1, 40)
        if self.pid > 4_000_000:
            self.pid = 2000
        return self.pid

    def qid(self):
        return "".join(self.r.choice(HEX) for _ in range(self.r.choice([10, 11])))

    def scanner(self):
        # Heavy-tailed: a few sources do most of the attempts.
        i = int(len(self.scanners) * (self.r.random() ** 3))
        return self.scanners[i]

    def stamp(self, t):
        d = self.date + datetime.timedelta(seconds=int(t))
        return "%s %2d %02d:%02d:%02d" % (MONTHS[d.month - 1], d.day, d.hour, d.minute, d.second)

    def emit(self, t, prog, pid, msg):
        self.seq += 1
        heapq.heappush(self.out, (t, self.seq, "%s %s %s[%d]: %s" % (self.stamp(t), HOST, prog, pid, msg)))

    # --- sshd -------------------------------------------------------------------------
    def ssh_attack(self, t):
        r = self.r
        ip, port, pid = self.scanner(), r.randrange(1024, 65536), self.next_pid()
        u = r.choice(SCAN_USERS)
        k = r.random()
        if k < 0.40:
            self.emit(t, "sshd", pid, "Failed password for %s%s from %s port %d ssh2" % (
                "invalid user " if u != "root" and r.random() < 0.6 else "", u, ip, port))
        elif k < 0.65:
            self.emit(t, "sshd", pid, "Invalid user %s from %s port %d" % (u, ip, port))
        elif k < 0.85:
            kind = "invalid" if u != "root" else "authenticating"
            self.emit(t, "sshd", pid, "Disconnected from %s user %s %s port %d [preauth]" % (kind, u, ip, port))
        else:
            self.emit(t, "sshd", pid, "Connection closed by %s port %d [preauth]" % (ip, port))

    def ssh_login(self, t):
        r = self.r
        ip, port, pid = r.choice(self.clients), r.randrange(1024, 65536), self.next_pid()
        u = r.choice(["deploy", "tanaka", "admin01", "backup"])
        fp = "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
                     for _ in range(43))
        self.emit(t, "sshd", pid, "Accepted publickey for %s from %s port %d ssh2: ED25519 SHA256:%s" % (u, ip, port, fp))
        self.emit(t, "sshd", pid, "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)" % (
            u, 1000 + len(u)))
        t2 = t + r.uniform(5, 3000)
        self.emit(t2, "sshd", pid, "Received disconnect from %s port %d:11: disconnected by user" % (ip, port))
        self.emit(t2, "sshd", pid, "pam_unix(sshd:session): session closed for user %s" % u)

    # --- postfix ----------------------------------------------------------------------
    def deliver_remote(self, t, q, rcpt_domain, status="sent"):
        r = self.r
        mx = MX[rcpt_domain]
        ip = r.choice(self.mxs)
        rcpt = "%s%d@%s" % (r.choice(["taro", "hanako", "k.ito", "m-kato"]), r.randrange(100), rcpt_domain)
        if status == "sent":
            tail = "dsn=2.0.0, status=sent (250 2.0.0 OK  %d %s)" % (1_700_000_000 + int(t), q.lower()[:6])
        else:
            tail = "dsn=4.7.0, status=deferred (host %s[%s] said: 421 4.7.0 Try again later)" % (mx, ip)
        self.emit(t, "postfix/smtp", self.next_pid(),
                  "%s: to=<%s>, relay=%s[%s]:25, delay=%.1f, delays=0.1/0/0.3/0.6, %s" % (
                      q, rcpt, mx, ip, r.uniform(0.5, 3), tail))

    def local_submission(self, t):
        r = self.r
        q, uid = self.qid(), r.choice([1001, 1002, 1003, 1005, 1008, 1013, 33])
        user = r.choice(USERS)
        dom = r.choice(DOMAINS)
        self.emit(t, "postfix/pickup", self.next_pid(), "%s: uid=%d from=<%s>" % (q, uid, user))
        self.emit(t, "postfix/cleanup", self.next_pid(), "%s: message-id=<%d.%s@%s>" % (q, int(t * 1000), q, dom))
        n = r.choice([1, 1, 1, 2])
        self.emit(t + 0.2, "postfix/qmgr", 880, "%s: from=<%s@%s>, size=%d, nrcpt=%d (queue active)" % (
            q, user, dom, r.randrange(900, 60000), n))
        for i in range(n):
            self.deliver_remote(t + 0.5 + i, q, r.choice(REMOTE_DOMAINS),
                                "sent" if r.random() < 0.95 else "deferred")
        self.emit(t + 1 + n, "postfix/qmgr", 880, "%s: removed" % q)

    def inbound(self, t, sasl=False):
        r = self.r
        q, pid = self.qid(), self.next_pid()
        ip = r.choice(self.mxs if not sasl else self.clients)
        name = "mail-%s.example.net" % ip.replace(".", "-") if not sasl else "unknown"
        self.emit(t, "postfix/smtpd", pid, "connect from %s[%s]" % (name, ip))
        if sasl:
            self.emit(t + 0.3, "postfix/smtpd", pid, "%s: client=%s[%s], sasl_method=PLAIN, sasl_username=%s@%s" % (
                q, name, ip, r.choice(USERS), r.choice(DOMAINS)))
        else:
            self.emit(t + 0.3, "postfix/smtpd", pid, "%s: client=%s[%s]" % (q, name, ip))
        dom = r.choice(DOMAINS)
        self.emit(t + 0.4, "postfix/cleanup", self.next_pid(), "%s: message-id=<%s.%d@%s>" % (
            q, q.lower(), r.randrange(10**6), r.choice(REMOTE_DOMAINS)))
        self.emit(t + 0.5, "postfix/qmgr", 880, "%s: from=<%s@%s>, size=%d, nrcpt=1 (queue active)" % (
            q, r.choice(["noreply", "info", "billing", "news"]), r.choice(REMOTE_DOMAINS), r.randrange(1500, 90000)))
        self.emit(t + 0.6, "postfix/smtpd", pid,
                  "disconnect from %s[%s] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5" % (name, ip))
        if sasl:
            self.deliver_remote(t + 1, q, r.choice(REMOTE_DOMAINS))
        else:
            self.emit(t + 1, "postfix/local", self.next_pid(),
                      "%s: to=<%s@%s>, relay=local, delay=0.9, dsn=2.0.0, status=sent (delivered to mailbox)" % (
                          q, r.choice(USERS), dom))
        self.emit(t + 1.2, "postfix/qmgr", 880, "%s: removed" % q)

    def smtp_attack(self, t):
        r = self.r
        ip, pid = self.scanner(), self.next_pid()
        if r.random() < 0.6:
            self.emit(t, "postfix/smtpd", pid, "warning: unknown[%s]: SASL LOGIN authentication failed: UGFzc3dvcmQ6" % ip)
        elif r.random() < 0.7:
            self.emit(t, "postfix/smtpd", pid,
                      "NOQUEUE: reject: RCPT from unknown[%s]: 554 5.7.1 Service unavailable; Client host [%s] "
                      "blocked using %s; from=<%s@%s> to=<%s@%s> proto=ESMTP helo=<User>" % (
                          ip, ip, r.choice(RBLS), r.choice(SCAN_USERS), r.choice(REMOTE_DOMAINS),
                          r.choice(USERS), r.choice(DOMAINS)))
        else:
            self.emit(t, "postfix/smtpd", pid,
                      "NOQUEUE: reject: RCPT from unknown[%s]: 454 4.7.1 <%s@%s>: Relay access denied; "
                      "from=<spam@%s> to=<%s@%s> proto=SMTP" % (
                          ip, r.choice(SCAN_USERS), r.choice(REMOTE_DOMAINS), r.choice(REMOTE_DOMAINS),
                          r.choice(SCAN_USERS), r.choice(REMOTE_DOMAINS)))

    # --- dovecot ----------------------------------------------------------------------
    def imap_session(self, t):
        r = self.r
        ip, proto = r.choice(self.clients), r.choice(["imap", "imap", "pop3"])
        user = "%s@%s" % (r.choice(USERS), r.choice(DOMAINS))
        sid = "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(16))
        mpid = self.next_pid()
        self.emit(t, "dovecot", mpid, "%s-login: Login: user=<%s>, method=PLAIN, rip=%s, lip=192.0.2.10, mpid=%d, TLS, session=<%s>" % (
            proto, user, ip, mpid, sid))
        self.emit(t + r.uniform(1, 600), "dovecot", mpid, "%s(%s)<%d><%s>: Disconnected: Logged out in=%d out=%d" % (
            proto, user, mpid, sid, r.randrange(50, 900), r.randrange(500, 90000)))

    def imap_attack(self, t):
        r = self.r
        ip, proto = self.scanner(), r.choice(["imap", "pop3"])
        user = "%s@%s" % (r.choice(USERS + SCAN_USERS), r.choice(DOMAINS))
        if r.random() < 0.7:
            self.emit(t, "dovecot", self.next_pid(),
                      "%s-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<%s>, method=PLAIN, rip=%s, lip=192.0.2.10, TLS" % (
                          proto, user, ip))
        else:
            self.emit(t, "dovecot", self.next_pid(),
                      "auth-worker(%d): sql(%s,%s): Password mismatch" % (self.next_pid(), user, ip))

    def generate(self, lines, out):
        r = self.r
        # Benign generators with their line counts, attack ones with 1 line each. The weights
        # give ~20 % attack lines at ~125 bytes a line.
        benign = [(self.local_submission, 0.30), (self.inbound, 0.25),
                  (lambda t: self.inbound(t, sasl=True), 0.10), (self.ssh_login, 0.15),
                  (self.imap_session, 0.40)]
        attack = [(self.ssh_attack, 0.55), (self.smtp_attack, 0.30), (self.imap_attack, 0.15)]
        day = 86400.0
        written = 0
        t = 0.0
        step = day / (lines / 1.0)
        # Draw until enough lines exist (written + pending): always terminates.
        while written + len(self.out) < lines:
            t += r.expovariate(1.0 / step) * 2.55
            if r.random() < 0.555:  # one attack line per draw; benign draws yield ~5 lines
                fn = self.pick(attack)
            else:
                fn = self.pick(benign)
            fn(t)
            # Flush lines that can no longer be preceded by a later draw (sessions end <= 3000 s).
            written = self.flush(out, t - 3100, lines, written)
        written = self.flush(out, float("inf"), lines, written)
        self.out = []  # past the requested count: dropped
        return written

    def pick(self, table):
        x = self.r.random() * sum(w for _, w in table)
        for fn, w in table:
            x -= w
            if x <= 0:
                return fn
        return table[-1][0]

    def flush(self, out, upto, lines, written):
        while self.out and self.out[0][0] <= upto and written < lines:
            out.write(heapq.heappop(self.out)[2])
            out.write("\n")
            written += 1
        return written


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--date", default="2024-03-04", help="the day (YYYY-MM-DD, local time)")
    ap.add_argument("--out", default="-", help="output file (default: stdout)")
    a = ap.parse_args()
    date = datetime.datetime.strptime(a.date, "%Y-%m-%d")
    out = sys.stdout if a.out == "-" else open(a.out, "w", encoding="ascii", newline="\n")
    try:
        n = Gen(a.seed, date).generate(a.lines, out)
    finally:
        if out is not sys.stdout:
            out.close()
    print("wrote %d lines" % n, file=sys.stderr)


if __name__ == "__main__":
    main()
