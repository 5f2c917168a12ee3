#!/usr/bin/python3
"""Writes the scenario cases of rules/base/mail.yaml and rules/base/logins.yaml (issue 17).

    tests/scenarios/make_mail_cases.py        (re)writes tests/scenarios/mail/* and logins/*

Each case is an input.log (Postfix, exim, sendmail and dovecot syslog lines), a case.txt
saying what it tests, optional args/passwd, and expect.decisions written by hand here from
the rule's intent (expect.findings is then made with `scenarios_test.sh --update` and
reviewed). Countries of the addresses are those of Debian's tor-geoipdb (the default geo
database): 133.x/126.x/110.x JP, 8.8.x/45.x US, 5.9.x/91.x DE, 77.88.x RU, 80.80.x NL, 60.x CN.
"""
import os

ROOT = os.path.dirname(os.path.abspath(__file__))
PASSWD = (
    "root:x:0:0:root:/root:/bin/bash\n"
    "shopuser:x:1003:1003::/home/shopuser:/bin/bash\n"
    "quietuser:x:1004:1004::/home/quietuser:/bin/bash\n"
    "newsuser:x:1005:1005::/home/newsuser:/bin/bash\n"
)
ARGS_PASSWD = "-o site.home_countries=JP -o inventory.passwd_file=@CASE@/passwd\n"
ARGS_NOPASSWD = "-o site.home_countries=JP -o inventory.passwd_file=\n"


def ts(sec):
    """Syslog time on Feb 19, sec seconds after 10:00:00."""
    h, rem = divmod(sec, 3600)
    m, s = divmod(rem, 60)
    return "Feb 19 %02d:%02d:%02d" % (10 + h, m, s)


class Postfix:
    """Postfix lines for messages submitted through sendmail (pickup, uid=) on host web1."""

    def __init__(self):
        self.n = 0x10000

    def qid(self):
        self.n += 1
        return "%X" % (0xA00000000 + self.n)

    def pickup(self, sec, uid, login, sender, rcpts, script=None, status="sent"):
        q = self.qid()
        out = ["%s web1 postfix/pickup[2101]: %s: uid=%d from=<%s>" % (ts(sec), q, uid, login)]
        out.append("%s web1 postfix/cleanup[2102]: %s: message-id=<%s@web1.example.jp>" % (ts(sec), q, q))
        if script:
            out.append("%s web1 postfix/cleanup[2102]: %s: info: header X-PHP-Originating-Script: "
                       "%d:%s from local; from=<%s> to=<%s>" % (ts(sec), q, uid, script, sender, rcpts[0]))
        out.append("%s web1 postfix/qmgr[880]: %s: from=<%s>, size=2844, nrcpt=%d (queue active)"
                   % (ts(sec), q, sender, len(rcpts)))
        for r in rcpts:
            dom = r.split("@")[1]
            if status == "sent":
                out.append("%s web1 postfix/smtp[2103]: %s: to=<%s>, relay=mx.%s[192.0.2.20]:25, delay=1, "
                           "delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent (250 2.0.0 OK)" % (ts(sec + 1), q, r, dom))
            else:
                out.append("%s web1 postfix/smtp[2103]: %s: to=<%s>, relay=none, delay=2, "
                           "delays=0.1/0/2/0, dsn=4.4.1, status=deferred (connect to mx.%s[192.0.2.99]:25: "
                           "Connection refused)" % (ts(sec + 1), q, r, dom))
        out.append("%s web1 postfix/qmgr[880]: %s: removed" % (ts(sec + 1), q))
        return out

    def sasl(self, sec, ip, user, rcpts):
        q = self.qid()
        out = ["%s mx1 postfix/smtpd[2120]: %s: client=unknown[%s], sasl_method=LOGIN, sasl_username=%s"
               % (ts(sec), q, ip, user)]
        out.append("%s mx1 postfix/qmgr[880]: %s: from=<%s>, size=1500, nrcpt=%d (queue active)"
                   % (ts(sec), q, user, len(rcpts)))
        for r in rcpts:
            out.append("%s mx1 postfix/smtp[2105]: %s: to=<%s>, relay=mx.example.org[192.0.2.25]:25, delay=1, "
                       "delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)" % (ts(sec + 1), q, r))
        out.append("%s mx1 postfix/qmgr[880]: %s: removed" % (ts(sec + 1), q))
        return out


def exim(sec, n, account, sender, rcpt):
    mid = "1rh6Zk-%06d-7Q" % n
    return ["%s web1 exim[4400]: 2024-02-19 %s %s <= %s U=%s P=local S=3312 id=E%s@web1.example.jp"
            % (ts(sec), ts(sec)[7:], mid, sender, account, mid),
            "%s web1 exim[4401]: 2024-02-19 %s %s => %s R=dnslookup T=remote_smtp H=mx.%s [192.0.2.50]"
            % (ts(sec), ts(sec)[7:], mid, rcpt, rcpt.split("@")[1]),
            "%s web1 exim[4401]: 2024-02-19 %s %s Completed" % (ts(sec), ts(sec)[7:], mid)]


def sendmail(sec, n, account, uid, rcpt, stat):
    q = "424DCA%07d" % n
    line1 = ("%s web1 sendmail[3300]: %s: from=%s, size=1204, class=0, nrcpts=1, "
             "msgid=<%s@web1.example.jp>, relay=%s@localhost" % (ts(sec), q, account, q, account))
    if stat == "sent":
        s = "dsn=2.0.0, stat=Sent (OK id=1rh)"
    else:
        s = "dsn=4.0.0, stat=Deferred: Connection refused by mx.%s" % rcpt.split("@")[1]
    line2 = ("%s web1 sendmail[3300]: %s: to=%s, ctladdr=%s (%d/%d), delay=00:00:01, xdelay=00:00:01, "
             "mailer=esmtp, pri=31204, relay=mx.%s. [192.0.2.40], %s"
             % (ts(sec + 1), q, rcpt, account, uid, uid, rcpt.split("@")[1], s))
    return [line1, line2]


def dovecot(sec, ip, user, ok, n=0):
    if ok:
        return ("%s mx1 dovecot[3001]: imap-login: Login: user=<%s>, method=PLAIN, rip=%s, lip=192.0.2.1, "
                "mpid=%d, TLS, session=<s%d>" % (ts(sec), user, ip, 5000 + n, n))
    return ("%s mx1 dovecot[3001]: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<%s>, "
            "method=PLAIN, rip=%s, lip=192.0.2.1, TLS, session=<f%d>" % (ts(sec), user, ip, n))


def write(area, name, desc, lines, decisions, args=ARGS_PASSWD, passwd=True):
    d = os.path.join(ROOT, area, name)
    os.makedirs(d, exist_ok=True)
    lines = sorted(lines, key=lambda l: l[:15])  # syslog time order (stable within a second)
    with open(os.path.join(d, "input.log"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(d, "case.txt"), "w") as f:
        f.write("name: %s\n%s\n" % (name.replace("_", " "), desc))
    with open(os.path.join(d, "expect.decisions"), "w") as f:
        f.write("".join(x + "\n" for x in sorted(decisions)))
    with open(os.path.join(d, "args"), "w") as f:
        f.write(args)
    if passwd:
        with open(os.path.join(d, "passwd"), "w") as f:
            f.write(PASSWD)


def mail_cases():
    # A contact form script sends 100 messages (one foreign recipient each) in 5 minutes;
    # another account sends 10. Burst (100), script burst (50), foreign recipients (50
    # deliveries to 100 domains, all abroad) fire for shopuser only.
    p = Postfix()
    lines = []
    for i in range(100):
        lines += p.pickup(i * 3, 1003, "shopuser", "shopuser@shop.example.jp",
                          ["victim%d@mail%d.example.com" % (i, i)], script="contact.php")
    for i in range(10):
        lines += p.pickup(i * 30 + 1, 1004, "quietuser", "info@quiet.example.jp",
                          ["customer%d@example.co.jp" % i])
    write("mail", "burst_postfix_pickup",
          "shopuser (uid 1003, named by the case's passwd file) sends 100 messages from\n"
          "contact.php in 5 minutes to 100 foreign domains: burst, script burst and foreign\n"
          "recipients fire, naming the account and the script; the first (script burst, at\n"
          "the 50th) makes the account's one notice decision. quietuser's 10 are untouched.",
          lines, ["mail.outbound.script_burst account notify_only shopuser"])

    # Just below: 99 deliveries in 10 minutes, to 10 .jp domains.
    p = Postfix()
    lines = []
    for i in range(99):
        lines += p.pickup(i * 6, 1003, "shopuser", "shopuser@shop.example.jp",
                          ["user%d@shop%d.example.jp" % (i, i % 10)])
    write("mail", "burst_below_threshold",
          "shopuser sends 99 messages in 10 minutes (max_messages 100) to 10 domestic\n"
          "domains: nothing fires.", lines, [])

    # A system uid (root's cron mail) is never an account.
    p = Postfix()
    lines = []
    for i in range(150):
        lines += p.pickup(i * 2, 0, "root", "root@web1.example.jp", ["ops%d@ops%d.example.com" % (i, i)])
    write("mail", "system_uid_ignored",
          "root (uid 0, below inventory.min_uid) sends 150 messages in 5 minutes: no account,\n"
          "nothing fires.", lines, [])

    # Foreign recipients, slowly (exim U=): 60 in 50 minutes to 30 domains abroad.
    lines = []
    for i in range(60):
        lines += exim(i * 50, i, "blogacct", "news@blog.example.jp", "r%d@d%d.example.ru" % (i, i % 30))
    write("mail", "foreign_recipients_exim",
          "exim: blogacct (U=) sends 60 messages in 50 minutes to 30 domains outside .jp: below\n"
          "the burst threshold, but foreign recipients fire.",
          lines, ["mail.outbound.foreign_recipients account notify_only blogacct"], args=ARGS_NOPASSWD, passwd=False)

    lines = []
    for i in range(60):
        lines += exim(i * 50, i, "blogacct", "news@blog.example.jp", "r%d@d%d.example.jp" % (i, i % 30))
    write("mail", "foreign_recipients_domestic",
          "exim: the same 60 messages to 30 .jp domains: nothing fires.",
          lines, [], args=ARGS_NOPASSWD, passwd=False)

    # Bounces (sendmail ctladdr): 40 deliveries, 25 deferred -> fires; 10 deferred -> not.
    lines = []
    for i in range(40):
        lines += sendmail(i * 60, i, "wpuser", 1007, "x%d@example.net" % i, "deferred" if i % 8 < 5 else "sent")
    write("mail", "bounces_sendmail",
          "sendmail: wpuser (ctladdr) has 40 deliveries in 40 minutes, 25 of them deferred\n"
          "(62%): the bounce rule fires.",
          lines, ["mail.outbound.bounces account notify_only wpuser"], args=ARGS_NOPASSWD, passwd=False)
    lines = []
    for i in range(40):
        lines += sendmail(i * 60, i, "wpuser", 1007, "x%d@example.net" % i, "deferred" if i % 4 == 0 else "sent")
    write("mail", "bounces_below",
          "sendmail: 40 deliveries, 10 deferred (25%): nothing fires.",
          lines, [], args=ARGS_NOPASSWD, passwd=False)

    # Many senders: 12 different envelope senders from one account in 30 minutes.
    p = Postfix()
    lines = []
    for i in range(12):
        lines += p.pickup(i * 150, 1005, "newsuser", "sender%d@news.example.jp" % i, ["a%d@example.co.jp" % i])
    write("mail", "many_senders",
          "newsuser sends 12 messages from 12 different sender addresses in 30 minutes\n"
          "(max_senders 10): fires.", lines, ["mail.outbound.many_senders account notify_only newsuser"])
    p = Postfix()
    lines = []
    for i in range(12):
        lines += p.pickup(i * 150, 1005, "newsuser", "sender%d@news.example.jp" % (i % 2),
                          ["a%d@example.co.jp" % i])
    write("mail", "few_senders",
          "newsuser sends 12 messages from 2 sender addresses: nothing fires.", lines, [])


def login_cases():
    u = "info@shop.example.jp"
    # Many countries: JP, US, DE, RU within 40 minutes -> reset.
    lines = [dovecot(0, "133.1.1.1", u, True, 1), dovecot(600, "8.8.8.8", u, True, 2),
             dovecot(1200, "5.9.1.1", u, True, 3), dovecot(2400, "77.88.1.1", u, True, 4)]
    lines += [dovecot(60 * i, "126.10.20.30", "sales@shop.example.jp", True, 10 + i) for i in range(5)]
    write("logins", "many_countries",
          "info@ logs in from JP, US, DE and RU within 40 minutes (min_countries 3): its\n"
          "password is reset. sales@ logs in five times from one JP address: nothing.",
          lines, ["auth.login.many_countries user reset_password " + u], args=ARGS_NOPASSWD, passwd=False)
    lines = [dovecot(0, "133.1.1.1", u, True, 1), dovecot(1800, "80.80.80.80", u, True, 2),
             dovecot(3000, "133.1.1.1", u, True, 3)]
    write("logins", "traveller_two_countries",
          "info@ logs in from JP, then NL, then JP again within an hour: two countries, nothing.",
          lines, [], args=ARGS_NOPASSWD, passwd=False)

    # Guessed: 24 failures from 6 addresses (4 each: below the per-source ban) then a success.
    lines = []
    ips = ["60.1.1.%d" % i for i in range(1, 7)]
    for k in range(24):
        lines.append(dovecot(10 + k * 20, ips[k % 6], u, False, k))
    lines.append(dovecot(600, "60.1.1.3", u, True, 99))
    write("logins", "success_after_failures",
          "info@ fails 24 times from 6 addresses (4 each) and then logs in: the owner is told\n"
          "(notify_only), nothing is reset.",
          lines, ["auth.login.success_after_failures user notify_only " + u], args=ARGS_NOPASSWD, passwd=False)
    lines = [dovecot(0, "133.1.1.1", u, False, 1), dovecot(5, "133.1.1.1", u, False, 2),
             dovecot(12, "133.1.1.1", u, True, 3)]
    write("logins", "mistyped_password",
          "info@ mistypes twice and logs in: nothing.", lines, [], args=ARGS_NOPASSWD, passwd=False)

    # Leaked SMTP password: 30 submissions (4 recipients each) from 3 foreign addresses.
    p = Postfix()
    lines = []
    srcs = ["8.8.8.8", "45.1.1.1", "2.2.2.2"]  # one country: this rule, not many_countries
    for i in range(30):
        lines += p.sasl(i * 60, srcs[i % 3], "sales@shop.example.jp",
                        ["t%d_%d@example.org" % (i, k) for k in range(3)])
    write("logins", "then_burst",
          "sales@ (SMTP AUTH) submits 30 messages to 3 recipients each from 3 US addresses in\n"
          "30 minutes (120 logins and deliveries, min_events 100): its password is reset.",
          lines, ["auth.login.then_burst user reset_password sales@shop.example.jp"], args=ARGS_NOPASSWD, passwd=False)
    p = Postfix()
    lines = []
    for i in range(30):
        lines += p.sasl(i * 60, "133.1.1.1", "sales@shop.example.jp",
                        ["t%d_%d@example.org" % (i, k) for k in range(3)])
    write("logins", "then_burst_one_source",
          "the same 30 messages from one (the office's) address: nothing.",
          lines, [], args=ARGS_NOPASSWD, passwd=False)


if __name__ == "__main__":
    mail_cases()
    login_cases()
