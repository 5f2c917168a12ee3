#!/usr/bin/env python3
"""Deterministic mail day for many hosting accounts, mostly benign, a few compromised (issue 17).

Standard library only.

    python3 tools/loggen/gen_mail_accounts.py --out DIR [--seed 1] [--accounts 200]
        [--compromised 6] [--hours 24] [--start 2026-03-02T00:00:00]

writes, time-ordered, DIR/mail.log (RFC 3164 syslog without a year: replay with --year 2026,
the year of --start; Postfix pickup/cleanup/qmgr/smtp/smtpd and dovecot imap-login lines),
DIR/passwd (the accounts' uids, for inventory.passwd_file) and DIR/truth.json.

Benign accounts (uid 2000 + i, site siteN.example.jp, mailbox info@siteN.example.jp):
  - the site's PHP (sendmail -> Postfix pickup) sends a few mails an hour during the day,
    mostly to .jp recipients, from one or two sender addresses, a few deferred;
  - about one in ten runs a newsletter once: 40-80 messages to .jp customers over 30 minutes;
  - the owner reads mail over IMAP from one or two Japanese addresses, sometimes mistyping
    the password 1-3 times first; one in twenty travels (a second country that day);
  - the owner submits mail with SMTP AUTH from the office address;
  - bots guess passwords on mailbox names (real and invented) from many addresses, a few
    tries per name per hour.
Compromised accounts (their kind in truth.json, start time of the harm in `start`):
  - php_burst:     a planted script (X-PHP-Originating-Script: wp-content/uploads/x.php)
                   sends 300-900 messages in 30-60 minutes to foreign domains, a third
                   deferred, often from invented senders;
  - leaked_mailbox: the mailbox password is guessed (30+ failures from many addresses, then
                   a success), then used from 4+ countries and to send 150-300 messages with
                   SMTP AUTH from 5 addresses;
  - slow_spam:     a form relays 70-110 messages an hour to foreign domains for 3 hours
                   (below the burst threshold; the foreign-recipient rule's case).

truth.json: {"accounts": {name: {"uid", "mailbox", "site", "kind": "benign"|<kind>,
"start": ISO time or null}}, "seed", "start", "hours", "lines"}.
"""
import argparse
import datetime as dt
import json
import os
import random

DOMESTIC = ["133.%d.%d.%d", "126.%d.%d.%d", "110.%d.%d.%d"]  # tor-geoipdb: JP
FOREIGN = {"US": "45.%d.%d.%d", "DE": "91.%d.%d.%d", "RU": "77.88.%d.%d", "NL": "80.80.%d.%d",
           "CN": "60.%d.%d.%d", "AU": "1.%d.%d.%d", "VE": "200.%d.%d.%d", "ZA": "41.%d.%d.%d"}
KINDS = ["php_burst", "leaked_mailbox", "slow_spam"]


def ip(rng, pattern):
    n = pattern.count("%d")
    return pattern % tuple(rng.randint(1, 254) for _ in range(n))


class Day:
    def __init__(self, rng, start):
        self.rng = rng
        self.start = start
        self.lines = []  # (seconds, seq, text)
        self.seq = 0
        self.qid = 0x1000000

    def add(self, sec, text):
        t = self.start + dt.timedelta(seconds=sec)
        stamp = "%s %2d %s" % (t.strftime("%b"), t.day, t.strftime("%H:%M:%S"))
        self.seq += 1
        self.lines.append((int(sec), self.seq, stamp + " " + text))

    def next_qid(self):
        self.qid += self.rng.randint(1, 40)
        return "%X" % (0xB000000000 + self.qid)

    def pickup(self, sec, uid, login, sender, rcpts, script=None, deferred_share=0.02):
        q = self.next_qid()
        self.add(sec, "web1 postfix/pickup[2101]: %s: uid=%d from=<%s>" % (q, uid, login))
        self.add(sec, "web1 postfix/cleanup[2102]: %s: message-id=<%s@web1.example.jp>" % (q, q))
        if script:
            self.add(sec, "web1 postfix/cleanup[2102]: %s: info: header X-PHP-Originating-Script: "
                          "%d:%s from local; from=<%s> to=<%s>" % (q, uid, script, sender, rcpts[0]))
        self.add(sec, "web1 postfix/qmgr[880]: %s: from=<%s>, size=%d, nrcpt=%d (queue active)"
                 % (q, sender, self.rng.randint(900, 40000), len(rcpts)))
        self.deliver(sec, q, rcpts, deferred_share)

    def sasl(self, sec, src, user, rcpts, deferred_share=0.02):
        q = self.next_qid()
        self.add(sec, "web1 postfix/smtpd[2120]: %s: client=unknown[%s], sasl_method=LOGIN, "
                      "sasl_username=%s" % (q, src, user))
        self.add(sec, "web1 postfix/qmgr[880]: %s: from=<%s>, size=%d, nrcpt=%d (queue active)"
                 % (q, user, self.rng.randint(900, 40000), len(rcpts)))
        self.deliver(sec, q, rcpts, deferred_share)

    def deliver(self, sec, q, rcpts, deferred_share):
        d = sec + self.rng.randint(1, 3)
        for r in rcpts:
            dom = r.split("@")[1]
            if self.rng.random() < deferred_share:
                self.add(d, "web1 postfix/smtp[2103]: %s: to=<%s>, relay=none, delay=2, "
                            "delays=0.1/0/2/0, dsn=4.4.1, status=deferred (connect to mx.%s[192.0.2.99]:25: "
                            "Connection timed out)" % (q, r, dom))
            else:
                self.add(d, "web1 postfix/smtp[2103]: %s: to=<%s>, relay=mx.%s[192.0.2.20]:25, delay=1, "
                            "delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK)" % (q, r, dom))
        self.add(d, "web1 postfix/qmgr[880]: %s: removed" % q)

    def imap(self, sec, src, user, ok):
        self.seq += 0
        n = self.rng.randint(1, 10 ** 9)
        if ok:
            self.add(sec, "web1 dovecot[3001]: imap-login: Login: user=<%s>, method=PLAIN, rip=%s, "
                          "lip=192.0.2.1, mpid=%d, TLS, session=<s%d>" % (user, src, n % 60000, n))
        else:
            self.add(sec, "web1 dovecot[3001]: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): "
                          "user=<%s>, method=PLAIN, rip=%s, lip=192.0.2.1, TLS, session=<f%d>" % (user, src, n))


def jp_rcpt(rng):
    return "c%d@%s" % (rng.randint(1, 9999), rng.choice(
        ["docomo.ne.jp", "ezweb.ne.jp", "gmail.com", "yahoo.co.jp", "outlook.jp", "example.co.jp",
         "nifty.com", "biglobe.ne.jp", "icloud.com"]))


def foreign_rcpt(rng):
    return "u%d@m%d.%s" % (rng.randint(1, 99999), rng.randint(1, 5000),
                           rng.choice(["com", "ru", "br", "in", "cn", "de", "net"]))


def generate(seed, n_accounts, n_compromised, hours, start):
    rng = random.Random(seed)
    day = Day(rng, start)
    span = hours * 3600
    accounts = {}
    kinds = {}
    idx = list(range(n_accounts))
    rng.shuffle(idx)
    for k, i in enumerate(idx[:n_compromised]):
        kinds[i] = KINDS[k % len(KINDS)]
    for i in range(n_accounts):
        name = "acct%03d" % i
        uid = 2000 + i
        site = "site%03d.example.jp" % i
        mailbox = "info@" + site
        kind = kinds.get(i, "benign")
        home = [ip(rng, rng.choice(DOMESTIC)) for _ in range(rng.randint(1, 2))]
        office = home[0]
        senders = ["info@" + site] + (["noreply@" + site] if rng.random() < 0.5 else [])
        # --- benign behaviour (every account has it, compromised ones too) -------------------
        rate = rng.uniform(0.2, 4.0)  # site mails per hour in the day
        for h in range(hours):
            hod = (start.hour + h) % 24
            r = rate if 8 <= hod < 22 else rate * 0.1
            for _ in range(int(rng.expovariate(1.0) * r + 0.5)):
                sec = h * 3600 + rng.randint(0, 3599)
                rc = [jp_rcpt(rng) if rng.random() < 0.9 else foreign_rcpt(rng)
                      for _ in range(rng.choice([1, 1, 1, 2]))]
                day.pickup(sec, uid, name, rng.choice(senders), rc, deferred_share=0.03)
        if kind == "benign" and rng.random() < 0.1:
            t0 = rng.randint(0, max(1, span - 2400))
            for m in range(rng.randint(40, 80)):
                day.pickup(t0 + m * rng.randint(15, 40), uid, name, "news@" + site, [jp_rcpt(rng)],
                           script="wp-content/plugins/newsletter/send.php", deferred_share=0.05)
        traveller = rng.random() < 0.05
        for h in range(hours):
            hod = (start.hour + h) % 24
            if not 7 <= hod < 23 or rng.random() < 0.3:
                continue
            for _ in range(rng.randint(1, 3)):
                sec = h * 3600 + rng.randint(0, 3500)
                src = rng.choice(home)
                if traveller and h >= hours // 2:
                    src = ip(rng, FOREIGN["NL"])
                if rng.random() < 0.08:
                    for f in range(rng.randint(1, 3)):
                        day.imap(sec + f * 4, src, mailbox, False)
                    sec += 15
                day.imap(sec, src, mailbox, True)
            if rng.random() < 0.3:
                day.sasl(h * 3600 + rng.randint(0, 3500), office, mailbox,
                         [jp_rcpt(rng) for _ in range(rng.randint(1, 3))])
        # --- the compromise ---------------------------------------------------------------
        t_start = None
        if kind == "php_burst":
            t_start = rng.randint(span // 6, span - 3600 if span > 7200 else span // 2)
            n = rng.randint(300, 900)
            dur = rng.randint(1800, 3600)
            script = "wp-content/uploads/2026/%02d/%s.php" % (rng.randint(1, 12), rng.choice(["x", "cache", "img"]))
            for m in range(n):
                sender = rng.choice(senders) if rng.random() < 0.5 else "u%d@%s" % (rng.randint(1, 999), site)
                day.pickup(t_start + m * dur // n, uid, name, sender, [foreign_rcpt(rng)], script=script,
                           deferred_share=0.33)
        elif kind == "leaked_mailbox":
            t_start = rng.randint(span // 6, span - 3600 if span > 7200 else span // 2)
            bots = [ip(rng, FOREIGN[c]) for c in rng.sample(sorted(FOREIGN), 6) for _ in range(2)]
            for f in range(rng.randint(30, 45)):
                day.imap(t_start + f * 20, rng.choice(bots), mailbox, False)
            t = t_start + 1000
            day.imap(t, bots[0], mailbox, True)
            users = [ip(rng, FOREIGN[c]) for c in rng.sample(sorted(FOREIGN), 5)]
            for k2, src in enumerate(users):
                day.imap(t + 60 + k2 * 90, src, mailbox, True)
            n = rng.randint(150, 300)
            for m in range(n // 3):
                day.sasl(t + 600 + m * 20, users[m % len(users)], mailbox,
                         [foreign_rcpt(rng) for _ in range(3)], deferred_share=0.3)
        elif kind == "slow_spam":
            t_start = rng.randint(0, max(1, span - 3 * 3600))
            script = "contact/index.php"
            for h in range(min(3, hours)):
                n = rng.randint(70, 110)
                for m in range(n):
                    day.pickup(t_start + h * 3600 + m * 3600 // n, uid, name, senders[0], [foreign_rcpt(rng)],
                               script=script, deferred_share=0.15)
        accounts[name] = {"uid": uid, "mailbox": mailbox, "site": site, "kind": kind,
                          "start": (start + dt.timedelta(seconds=t_start)).strftime("%Y-%m-%dT%H:%M:%SZ")
                          if t_start is not None else None}
    # --- password-guessing bots on mailbox names, a few tries per name per hour -------------
    names = [a["mailbox"] for a in accounts.values()] + ["admin@site%03d.example.jp" % i for i in range(50)]
    for h in range(hours):
        for _ in range(rng.randint(20, 60)):
            src = ip(rng, FOREIGN[rng.choice(sorted(FOREIGN))])
            user = rng.choice(names)
            sec = h * 3600 + rng.randint(0, 3500)
            for f in range(rng.randint(1, 3)):
                day.imap(sec + f * 7, src, user, False)
    day.lines.sort()
    return day, accounts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--compromised", type=int, default=6)
    ap.add_argument("--hours", type=int, default=24)
    ap.add_argument("--start", default="2026-03-02T00:00:00")
    a = ap.parse_args()
    start = dt.datetime.fromisoformat(a.start)
    day, accounts = generate(a.seed, a.accounts, a.compromised, a.hours, start)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "mail.log"), "w") as f:
        for _, _, text in day.lines:
            f.write(text + "\n")
    with open(os.path.join(a.out, "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/bash\n")
        for name, acc in sorted(accounts.items()):
            f.write("%s:x:%d:%d::/home/%s:/bin/bash\n" % (name, acc["uid"], acc["uid"], name))
    with open(os.path.join(a.out, "truth.json"), "w") as f:
        json.dump({"seed": a.seed, "start": a.start, "hours": a.hours, "lines": len(day.lines),
                   "accounts": accounts}, f, indent=1, sort_keys=True)
    print("%d lines, %d accounts (%d compromised) in %s" % (
        len(day.lines), len(accounts), sum(1 for x in accounts.values() if x["kind"] != "benign"), a.out))


if __name__ == "__main__":
    main()
