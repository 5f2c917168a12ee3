#!/usr/bin/env python3
"""Deterministic demo day for `make demo`: a web/mail server's logs with incidents in them.

Standard library only.  Two modes:

    python3 tools/loggen/gen_demo_day.py --out DIR [--seed 1] [--start 2026-11-25T00:00:00Z] [--hours 2]
    python3 tools/loggen/gen_demo_day.py --replay --speed 600 --out DIR [same options]

The first writes, time-ordered, DIR/access.log (Apache/nginx combined format, no vhost),
DIR/auth.log (RFC 3164 syslog, sshd) and DIR/mail.log (RFC 3164 syslog, postfix), and
DIR/truth.json (which addresses took part in which incident, and the normal ones).
The second writes the same lines into the same files in real time, `--speed` times faster
than the log clock (2 hours of log take 12 s at 600x), appending and flushing line by line,
so a daemon tailing DIR sees a day happen; the lines carry the log-clock timestamps (bannin
takes time from the records).  Progress goes to stderr every simulated 10 minutes;
SIGTERM or SIGINT stops it cleanly (exit 0).

Normal traffic: a few hundred visitors from Japanese networks browsing a small WordPress shop
site (pages, then styles, scripts and images, with referrers), a few foreign visitors and
crawlers, customers sending the contact form, two admins logging in (one mistyping once),
WP-Cron; ssh logins by key (one mistyped password) and inbound/outbound mail.  Incidents
(from ../shared/mission/INCIDENTS.md, S2 and the everyday attacks bannin's base rules cover):

  web_form_relay     S2: foreign sources POST /contact/ 1-3 times each (rule
                     web.form_relay.many_sources), and a second wave POSTs the Contact Form 7
                     REST endpoint, answered 403; a foreign real customer who loaded the page's
                     styles posts the form during the wave and must be spared
  web_wp_login       one source lists the users, then POSTs wp-login.php ~40 times
                     (web.wordpress.user_enum, web.wp_login.bruteforce)
  web_xmlrpc         one source POSTs xmlrpc.php ~30 times (web.xmlrpc.bruteforce)
  web_scanner        one source probes /.env, /wp-config.php.bak, /phpmyadmin/ ... mostly 404
                     (web.scanner.probe_paths and web.scanner.many_errors)
  ssh_bruteforce     one source fails ~25 ssh logins (auth.bruteforce.per_source)
  ssh_distributed    36 sources fail 1-2 ssh logins each within the hour
                     (auth.bruteforce.distributed)
  mail_relay         one source is refused "Relay access denied" 15 times
                     (mail.rejected.relay_attempts)

Addresses: "domestic" ones are drawn from blocks that Debian's tor-geoipdb
(/usr/share/tor/geoip, IPFire data) maps to JP and foreign ones from blocks it maps elsewhere,
because web.form_relay.many_sources compares the country with site.home_countries (run replay
with -o site.home_countries=JP).  Attackers whose country no rule looks at use the
documentation networks (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24).

Output is a pure function of (--seed, --start, --hours) for a given CPython 3 minor version
(random.Random(seed) only).
"""
import argparse
import datetime
import json
import os
import random
import signal
import sys
import time

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
HOST = "web1"
SITE = "https://shop-example.jp"
FILES = ("access.log", "auth.log", "mail.log")

# Blocks tor-geoipdb maps entirely to JP (checked against the file, 2026-06 export).
JP_BLOCKS = ["126.0", "126.100", "133.200", "153.150", "60.32", "114.160", "220.100", "180.0",
             "210.130", "219.100", "118.0", "121.80", "106.128", "49.96", "1.72", "42.148",
             "110.3", "111.168", "124.18", "27.80", "182.165", "39.110", "61.205", "219.117"]
# /24s mapped entirely to one country other than JP.
FOREIGN_BOTS = ["162.253.129", "185.220.101", "45.155.205", "91.240.118", "5.188.10",
                "193.32.162", "141.98.10", "89.248.165", "80.82.77", "61.177.172", "218.92.0",
                "45.141.84", "92.63.197", "194.26.29", "176.111.174", "212.70.149",
                "190.191.1", "103.83.4", "49.88.112"]
FOREIGN_VISITORS = ["211.234", "175.205", "1.163", "36.224", "73.0", "86.140"]  # KR KR TW TW US GB
GOOGLEBOT = "66.249.66"   # US
BINGBOT = "40.77.167"     # US
SERVER_IP = "127.0.0.1"   # WP-Cron: the site calling itself

UA_BROWSERS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SO-51D) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
]
UA_BOT_OLD = "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/56.0.2924.87 Safari/537.36"
UA_GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
UA_BINGBOT = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
UA_WPCRON = "WordPress/6.7.1; https://shop-example.jp"

PAGES = ["/", "/about/", "/products/", "/products/tea-set/", "/products/yunomi/",
         "/products/kyusu/", "/products/gift-box/", "/news/", "/news/2026/11/winter-sale/",
         "/news/2026/10/new-glaze/", "/access/", "/faq/", "/contact/", "/recruit/",
         "/blog/", "/blog/how-to-brew-sencha/", "/blog/kiln-visit/", "/company/"]
ASSETS = ["/wp-content/themes/shop/style.css?ver=6.7.1",
          "/wp-includes/js/jquery/jquery.min.js?ver=3.7.1",
          "/wp-content/themes/shop/js/main.js?ver=6.7.1",
          "/wp-content/uploads/2026/11/hero.jpg",
          "/wp-content/uploads/2026/10/kyusu-01.jpg",
          "/wp-content/uploads/2026/10/yunomi-02.webp",
          "/favicon.ico"]
REFERRERS = ["-", "https://www.google.com/", "https://www.google.co.jp/", "https://search.yahoo.co.jp/",
             "https://www.instagram.com/", "https://t.co/x8Kd2mQa"]
CF7_PATH = "/wp-json/contact-form-7/v1/contact-forms/123/feedback"

PROBE_PATHS = [
    "/.env", "/.git/config", "/wp-config.php.bak", "/wp-config.php~", "/wp-config.php.save",
    "/phpmyadmin/", "/phpMyAdmin/index.php", "/pma/", "/myadmin/", "/mysql/", "/backup.zip",
    "/backup.sql", "/db.sql", "/dump.sql", "/site.tar.gz", "/.aws/credentials", "/.DS_Store",
    "/server-status", "/phpinfo.php", "/info.php", "/test.php",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/actuator/health", "/.svn/entries",
    "/config.json", "/laravel.log", "/cgi-bin/luci", "/.htpasswd", "/manager/html",
    # Not in the probe list: only web.scanner.many_errors sees these.
    "/admin/", "/administrator/", "/login.php", "/user/login", "/api/v1/users", "/old/",
    "/shop/admin/", "/install.php", "/setup.php", "/debug/default/view", "/owa/",
    "/remote/login", "/console", "/webmail/", "/portal/", "/index.php.bak2",
]
SCAN_USERS = ["root", "admin", "test", "user", "ubuntu", "oracle", "postgres", "git", "ftpuser",
              "guest", "pi", "www", "mysql", "support", "centos", "hadoop", "nagios", "deploy1"]
MAIL_USERS = ["info", "shop", "sales", "support", "tanaka", "suzuki", "kaikei"]
MAIL_DOMAIN = "shop-example.jp"
REMOTE_DOMAINS = ["gmail.com", "yahoo.co.jp", "docomo.ne.jp", "outlook.jp", "ezweb.ne.jp",
                  "icloud.com", "biglobe.ne.jp"]
HEX = "0123456789ABCDEF"


def ip4(prefix, r, lo=1, hi=254):
    """A random address in prefix ("a.b" or "a.b.c")."""
    parts = prefix.split(".")
    while len(parts) < 3:
        parts.append(str(r.randrange(0, 256)))
    return ".".join(parts + [str(r.randrange(lo, hi + 1))])


class Day:
    """Builds the whole day in memory: self.lines is [(t_seconds, seq, file_index, text)]."""

    def __init__(self, seed, start, hours):
        self.r = random.Random(seed)
        self.start = start
        self.dur = hours * 3600.0
        self.lines = []
        self.seq = 0
        self.pid = 1100
        self.incidents = []
        self.normal = set()

    # --- output --------------------------------------------------------------------------
    def at(self, t):
        return self.start + datetime.timedelta(seconds=int(t))

    def http(self, t, ip, method, path, status, size, ref, ua, proto="HTTP/1.1"):
        d = self.at(t)
        stamp = "%02d/%s/%04d:%02d:%02d:%02d +0000" % (d.day, MONTHS[d.month - 1], d.year,
                                                        d.hour, d.minute, d.second)
        self.add(t, 0, '%s - - [%s] "%s %s %s" %d %d "%s" "%s"' % (
            ip, stamp, method, path, proto, status, size, ref, ua))

    def syslog(self, t, fidx, prog, pid, msg):
        d = self.at(t)
        stamp = "%s %2d %02d:%02d:%02d" % (MONTHS[d.month - 1], d.day, d.hour, d.minute, d.second)
        self.add(t, fidx, "%s %s %s[%d]: %s" % (stamp, HOST, prog, pid, msg))

    def add(self, t, fidx, text):
        if 0 <= t < self.dur:
            self.seq += 1
            self.lines.append((t, self.seq, fidx, text))

    def next_pid(self):
        self.pid += self.r.randrange(1, 30)
        return self.pid

    def incident(self, ident, file, rules, attackers, t0, t1, what):
        self.incidents.append({
            "id": ident, "file": file, "rules": rules, "attackers": sorted(set(attackers)),
            "from": self.at(t0).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "to": self.at(min(t1, self.dur - 1)).strftime("%Y-%m-%dT%H:%M:%SZ"), "what": what})

    # --- normal web traffic --------------------------------------------------------------
    def page_view(self, t, ip, ua, path, ref, assets=True):
        r = self.r
        self.http(t, ip, "GET", path, 200, r.randrange(18000, 60000), ref, ua)
        if assets:
            for a in ASSETS:
                if a == "/favicon.ico":
                    if r.random() < 0.3:
                        self.http(t + 0.4, ip, "GET", a, 200, 1150, "-", ua)
                    continue
                cached = r.random() < 0.6
                self.http(t + r.uniform(0.1, 1.5), ip, "GET", a, 304 if cached else 200,
                          0 if cached else r.randrange(3000, 250000), SITE + path, ua)

    def visitor(self, t, ip, ua, foreign=False):
        r = self.r
        path = r.choice(PAGES[:12]) if r.random() < 0.6 else "/"
        ref = r.choice(REFERRERS)
        first = True
        for _ in range(r.choice([1, 1, 2, 3, 4, 6])):
            self.page_view(t, ip, ua, path, ref, assets=first or r.random() < 0.3)
            first = False
            ref = SITE + path
            if r.random() < 0.03:  # an old link
                self.http(t + 2, ip, "GET", "/products/discontinued-%d/" % r.randrange(1, 9), 404,
                          9600, ref, ua)
            t += r.uniform(4, 150)
            path = r.choice(PAGES)
        if not foreign and r.random() < 0.08:  # a customer sends the contact form
            self.page_view(t, ip, ua, "/contact/", ref)
            self.http(t + r.uniform(40, 200), ip, "POST", "/contact/", 200, r.randrange(30000, 40000),
                      SITE + "/contact/", ua)
        elif not foreign and r.random() < 0.03:  # an application through the recruit page's CF7 form
            self.page_view(t, ip, ua, "/recruit/", ref)
            self.http(t + r.uniform(60, 300), ip, "POST", CF7_PATH, 200, 312, SITE + "/recruit/", ua)

    def crawler(self, t, ip, ua):
        r = self.r
        self.http(t, ip, "GET", "/robots.txt", 200, 120, "-", ua)
        self.http(t + 1, ip, "GET", "/wp-sitemap.xml", 200, 2400, "-", ua)
        for _ in range(r.randrange(3, 9)):
            t += r.uniform(5, 60)
            path = r.choice(PAGES)
            if r.random() < 0.1:
                self.http(t, ip, "GET", "/products/discontinued-%d/" % r.randrange(1, 9), 404, 9600, "-", ua)
            else:
                self.http(t, ip, "GET", path, 200, r.randrange(18000, 60000), "-", ua)

    def admin_session(self, t, ip, ua, typo):
        r = self.r
        self.http(t, ip, "GET", "/wp-login.php", 200, 4800, "-", ua)
        self.http(t + 0.5, ip, "GET", "/wp-includes/css/dashicons.min.css?ver=6.7.1", 304, 0,
                  SITE + "/wp-login.php", ua)
        t += r.uniform(5, 20)
        if typo:
            self.http(t, ip, "POST", "/wp-login.php", 200, 5100, SITE + "/wp-login.php", ua)
            t += r.uniform(5, 20)
        self.http(t, ip, "POST", "/wp-login.php", 302, 0, SITE + "/wp-login.php", ua)
        self.http(t + 0.5, ip, "GET", "/wp-admin/", 200, 61000, SITE + "/wp-login.php", ua)
        for _ in range(r.randrange(4, 12)):
            t += r.uniform(10, 180)
            p = r.choice(["/wp-admin/edit.php", "/wp-admin/post.php?post=%d&action=edit" % r.randrange(100, 400),
                          "/wp-admin/admin.php?page=wc-orders", "/wp-admin/upload.php"])
            self.http(t, ip, "GET", p, 200, r.randrange(40000, 90000), SITE + "/wp-admin/", ua)
            self.http(t + 2, ip, "POST", "/wp-admin/admin-ajax.php", 200, 58, SITE + p, ua)

    def normal_web(self):
        r = self.r
        domestic = sorted({ip4(r.choice(JP_BLOCKS), r) for _ in range(320)})
        foreign = sorted({ip4(r.choice(FOREIGN_VISITORS), r) for _ in range(12)})
        visits = int(self.dur / 3600 * 160)
        for _ in range(visits):
            ip = r.choice(domestic)
            self.visitor(r.uniform(0, self.dur), ip, r.choice(UA_BROWSERS))
            self.normal.add(ip)
        for _ in range(int(self.dur / 3600 * 6)):
            ip = r.choice(foreign)
            self.visitor(r.uniform(0, self.dur), ip, r.choice(UA_BROWSERS), foreign=True)
            self.normal.add(ip)
        for _ in range(int(self.dur / 3600 * 3)):
            ip = ip4(GOOGLEBOT, r, 1, 90)
            self.crawler(r.uniform(0, self.dur), ip, UA_GOOGLEBOT)
            self.normal.add(ip)
            ip = ip4(BINGBOT, r, 1, 90)
            self.crawler(r.uniform(0, self.dur), ip, UA_BINGBOT)
            self.normal.add(ip)
        admins = [ip4("126.100.40", r), ip4("153.150.7", r)]
        self.normal.update(admins)
        self.admin_session(self.dur * 0.08, admins[0], UA_BROWSERS[2], typo=False)
        self.admin_session(self.dur * 0.47, admins[1], UA_BROWSERS[3], typo=True)
        self.admin_session(self.dur * 0.81, admins[0], UA_BROWSERS[2], typo=False)
        t = r.uniform(0, 60)
        while t < self.dur:
            self.http(t, SERVER_IP, "POST", "/wp-cron.php?doing_wp_cron=%d.%06d" % (
                int(self.at(t).timestamp()), r.randrange(10**6)), 200, 0, "-", UA_WPCRON)
            t += r.uniform(60, 600)
        self.normal.add(SERVER_IP)

    # --- web incidents -------------------------------------------------------------------
    def form_relay(self, t0):
        r = self.r
        bots = sorted({ip4(p, r) for p in FOREIGN_BOTS for _ in range(2)})
        r.shuffle(bots)
        wave1, wave2 = bots[:26], bots[26:34]
        end = t0
        for i, ip in enumerate(wave1):  # POST /contact/, 1-3 times each, over ~25 minutes
            t = t0 + i * 55 + r.uniform(0, 40)
            if r.random() < 0.5:  # fetch the page (for the nonce), never its styles
                self.http(t - r.uniform(1, 4), ip, "GET", "/contact/", 200, 34512, "-", UA_BOT_OLD)
            for k in range(r.choice([1, 1, 2, 3])):
                self.http(t + k * r.uniform(3, 20), ip, "POST", "/contact/", 200, 147152,
                          "https://trend-tracer.com", UA_BOT_OLD)
            end = max(end, t + 60)
        self.incident("web_form_relay", "access.log", ["web.form_relay.many_sources"], wave1, t0, end,
                      "contact form used as a spam relay: %d foreign sources POST /contact/" % len(wave1))
        t1 = t0 + 420
        for i, ip in enumerate(wave2):  # the Contact Form 7 REST endpoint, refused (403)
            t = t1 + i * 70 + r.uniform(0, 30)
            for k in range(r.choice([1, 2])):
                self.http(t + k * 9, ip, "POST", CF7_PATH, 403, 199, "-", UA_BOT_OLD)
        self.incident("web_form_relay_cf7", "access.log", ["web.form_relay.many_sources"], wave2, t1,
                      t1 + len(wave2) * 70 + 40,
                      "%d foreign sources POST the Contact Form 7 REST endpoint (403)" % len(wave2))
        # A real customer abroad uses the form during the wave, as a browser does: spared.
        ip = ip4(FOREIGN_VISITORS[4], r)
        self.page_view(t0 + 300, ip, UA_BROWSERS[3], "/contact/", "https://www.google.com/")
        self.http(t0 + 400, ip, "POST", "/contact/", 200, 35120, SITE + "/contact/", UA_BROWSERS[3])
        self.normal.add(ip)
        # ... and a domestic one.
        ip = ip4(JP_BLOCKS[0], r)
        self.page_view(t0 + 600, ip, UA_BROWSERS[0], "/contact/", "-")
        self.http(t0 + 700, ip, "POST", "/contact/", 200, 35120, SITE + "/contact/", UA_BROWSERS[0])
        self.normal.add(ip)

    def wp_login_bruteforce(self, t0):
        r = self.r
        ip = "203.0.113.45"
        ua = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:62.0) Gecko/20100101 Firefox/62.0"
        self.http(t0, ip, "GET", "/?author=1", 301, 0, "-", ua)
        self.http(t0 + 1, ip, "GET", "/wp-json/wp/v2/users", 200, 1320, "-", ua)
        t = t0 + 5
        for _ in range(40):
            self.http(t, ip, "POST", "/wp-login.php", 200, 5123, SITE + "/wp-login.php", ua)
            t += r.uniform(4, 12)
        self.incident("web_wp_login", "access.log",
                      ["web.wordpress.user_enum", "web.wp_login.bruteforce"], [ip], t0, t,
                      "one source lists the users (?author=1, /wp-json/wp/v2/users), then "
                      "guesses WordPress passwords (40 POST /wp-login.php)")

    def xmlrpc_bruteforce(self, t0):
        r = self.r
        ip = "203.0.113.88"
        t = t0
        for _ in range(30):
            self.http(t, ip, "POST", "/xmlrpc.php", 200, 403, "-", "python-requests/2.31.0")
            t += r.uniform(3, 9)
        self.incident("web_xmlrpc", "access.log", ["web.xmlrpc.bruteforce"], [ip], t0, t,
                      "one source hammers xmlrpc.php (30 POSTs, system.multicall)")

    def scanner(self, t0):
        r = self.r
        ip = "203.0.113.77"
        ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36"
        t = t0
        self.http(t, ip, "GET", "/", 200, 41230, "-", ua)
        for p in PROBE_PATHS:
            t += r.uniform(0.5, 3)
            status = 403 if p in ("/.htpasswd", "/.git/config", "/server-status") else 404
            self.http(t, ip, "GET", p, status, 9600 if status == 404 else 199, "-", ua)
        self.incident("web_scanner", "access.log", ["web.scanner.probe_paths", "web.scanner.many_errors"],
                      [ip], t0, t, "a scanner probes %d paths (/.env, /wp-config.php.bak, /phpmyadmin/ ...)"
                      % len(PROBE_PATHS))

    # --- sshd ----------------------------------------------------------------------------
    def ssh_failure(self, t, ip):
        r = self.r
        pid, port, u = self.next_pid(), r.randrange(1024, 65536), r.choice(SCAN_USERS)
        if u == "root":
            self.syslog(t, 1, "sshd", pid, "Failed password for root from %s port %d ssh2" % (ip, port))
            self.syslog(t + 1, 1, "sshd", pid,
                        "Disconnected from authenticating user root %s port %d [preauth]" % (ip, port))
        else:
            self.syslog(t, 1, "sshd", pid, "Invalid user %s from %s port %d" % (u, ip, port))
            self.syslog(t + 2, 1, "sshd", pid, "Failed password for invalid user %s from %s port %d ssh2" % (
                u, ip, port))
            self.syslog(t + 3, 1, "sshd", pid, "Connection closed by invalid user %s %s port %d [preauth]" % (
                u, ip, port))

    def ssh_login(self, t, ip, user, typo=False):
        r = self.r
        pid, port = self.next_pid(), r.randrange(1024, 65536)
        if typo:
            self.syslog(t, 1, "sshd", pid, "Failed password for %s from %s port %d ssh2" % (user, ip, port))
            t += r.uniform(3, 8)
            self.syslog(t, 1, "sshd", pid, "Accepted password for %s from %s port %d ssh2" % (user, ip, port))
        else:
            fp = "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
                         for _ in range(43))
            self.syslog(t, 1, "sshd", pid, "Accepted publickey for %s from %s port %d ssh2: ED25519 SHA256:%s" % (
                user, ip, port, fp))
        self.syslog(t, 1, "sshd", pid, "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)" % (
            user, 1000 + len(user)))
        t2 = t + r.uniform(30, 1800)
        self.syslog(t2, 1, "sshd", pid, "Received disconnect from %s port %d:11: disconnected by user" % (ip, port))
        self.syslog(t2, 1, "sshd", pid, "Disconnected from user %s %s port %d" % (user, ip, port))
        self.syslog(t2, 1, "sshd", pid, "pam_unix(sshd:session): session closed for user %s" % user)

    def normal_ssh(self):
        r = self.r
        users = [("deploy", ip4("210.130.12", r)), ("tanaka", ip4("114.160.3", r)),
                 ("backup", ip4("180.0.77", r))]
        for _ in range(int(self.dur / 3600 * 5)):
            user, ip = r.choice(users)
            self.ssh_login(r.uniform(0, self.dur), ip, user)
        self.ssh_login(self.dur * 0.3, users[1][1], "tanaka", typo=True)
        self.normal.update(ip for _, ip in users)

    def ssh_bruteforce(self, t0):
        r = self.r
        ip = "198.51.100.7"
        t = t0
        for _ in range(25):
            self.ssh_failure(t, ip)
            t += r.uniform(6, 14)
        self.incident("ssh_bruteforce", "auth.log", ["auth.bruteforce.per_source"], [ip], t0, t,
                      "one source guesses ssh passwords (25 attempts)")

    def ssh_distributed(self, t0, span):
        r = self.r
        ips = ["198.51.100.%d" % (100 + i) for i in range(36)]
        end = t0
        for ip in ips:  # 1-2 connections each, never 8 failures within 10 minutes
            t = t0 + r.uniform(0, span * 0.6)
            for _ in range(r.choice([1, 2])):
                self.ssh_failure(t, ip)
                end = max(end, t + 3)
                t += r.uniform(span * 0.3, span * 0.4)
        self.incident("ssh_distributed", "auth.log", ["auth.bruteforce.distributed"], ips, t0, end,
                      "%d sources guess ssh passwords, 1-2 attempts each" % len(ips))

    # --- postfix -------------------------------------------------------------------------
    def qid(self):
        return "".join(self.r.choice(HEX) for _ in range(10))

    def mail_inbound(self, t, ip):
        r = self.r
        q, pid = self.qid(), self.next_pid()
        name = "mail-%s.example.net" % ip.replace(".", "-")
        self.syslog(t, 2, "postfix/smtpd", pid, "connect from %s[%s]" % (name, ip))
        self.syslog(t + 0.3, 2, "postfix/smtpd", pid, "%s: client=%s[%s]" % (q, name, ip))
        self.syslog(t + 0.4, 2, "postfix/cleanup", self.next_pid(), "%s: message-id=<%s.%d@%s>" % (
            q, q.lower(), r.randrange(10**6), r.choice(REMOTE_DOMAINS)))
        self.syslog(t + 0.5, 2, "postfix/qmgr", 880, "%s: from=<%s@%s>, size=%d, nrcpt=1 (queue active)" % (
            q, r.choice(["noreply", "info", "order", "news"]), r.choice(REMOTE_DOMAINS), r.randrange(1500, 90000)))
        self.syslog(t + 0.6, 2, "postfix/smtpd", pid,
                    "disconnect from %s[%s] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5" % (name, ip))
        self.syslog(t + 1, 2, "postfix/local", self.next_pid(),
                    "%s: to=<%s@%s>, relay=local, delay=0.9, delays=0.5/0/0/0.4, dsn=2.0.0, status=sent (delivered to mailbox)" % (
                        q, r.choice(MAIL_USERS), MAIL_DOMAIN))
        self.syslog(t + 1.2, 2, "postfix/qmgr", 880, "%s: removed" % q)

    def mail_outbound(self, t):
        r = self.r
        q = self.qid()
        user = r.choice(MAIL_USERS)
        self.syslog(t, 2, "postfix/pickup", self.next_pid(), "%s: uid=1001 from=<%s>" % (q, user))
        self.syslog(t + 0.1, 2, "postfix/cleanup", self.next_pid(), "%s: message-id=<%d.%s@%s>" % (
            q, int(t * 1000), q, MAIL_DOMAIN))
        self.syslog(t + 0.2, 2, "postfix/qmgr", 880, "%s: from=<%s@%s>, size=%d, nrcpt=1 (queue active)" % (
            q, user, MAIL_DOMAIN, r.randrange(900, 40000)))
        dom = r.choice(REMOTE_DOMAINS)
        mx_ip = ip4(r.choice(["142.250", "74.125", "182.22"]), r)
        self.syslog(t + 1, 2, "postfix/smtp", self.next_pid(),
                    "%s: to=<%s%d@%s>, relay=mx.%s[%s]:25, delay=1.2, delays=0.1/0/0.4/0.7, dsn=2.0.0, status=sent (250 2.0.0 OK)" % (
                        q, r.choice(["taro", "hanako", "k.ito"]), r.randrange(100), dom, dom, mx_ip))
        self.syslog(t + 1.2, 2, "postfix/qmgr", 880, "%s: removed" % q)

    def normal_mail(self):
        r = self.r
        senders = sorted({ip4(r.choice(JP_BLOCKS + ["209.85", "40.107"]), r) for _ in range(25)})
        for _ in range(int(self.dur / 3600 * 30)):
            ip = r.choice(senders)
            self.mail_inbound(r.uniform(0, self.dur), ip)
            self.normal.add(ip)
        for _ in range(int(self.dur / 3600 * 12)):
            self.mail_outbound(r.uniform(0, self.dur))
        # One blocklisted client refused once: noise, below any threshold.
        ip = ip4("36.224.9", r)
        self.syslog(self.dur * 0.66, 2, "postfix/smtpd", self.next_pid(),
                    "NOQUEUE: reject: RCPT from unknown[%s]: 554 5.7.1 Service unavailable; Client host [%s] "
                    "blocked using zen.spamhaus.org; from=<info@example.org> to=<info@%s> proto=ESMTP helo=<User>" % (
                        ip, ip, MAIL_DOMAIN))
        self.normal.add(ip)

    def mail_relay(self, t0):
        r = self.r
        ip = "192.0.2.50"
        t = t0
        for _ in range(5):  # five sessions, three refused recipients each
            pid = self.next_pid()
            self.syslog(t, 2, "postfix/smtpd", pid, "connect from unknown[%s]" % ip)
            for k in range(3):
                rcpt = "%s%d@%s" % (r.choice(["info", "sales", "admin"]), r.randrange(100),
                                    r.choice(["example.com", "example.net", "example.org"]))
                self.syslog(t + 1 + k, 2, "postfix/smtpd", pid,
                            "NOQUEUE: reject: RCPT from unknown[%s]: 554 5.7.1 <%s>: Relay access denied; "
                            "from=<spam@example.org> to=<%s> proto=ESMTP helo=<User>" % (ip, rcpt, rcpt))
            self.syslog(t + 5, 2, "postfix/smtpd", pid,
                        "disconnect from unknown[%s] ehlo=1 mail=1 rcpt=0/3 rset=1 quit=1 commands=4/7" % ip)
            t += r.uniform(50, 80)
        self.incident("mail_relay", "mail.log", ["mail.rejected.relay_attempts"], [ip], t0, t,
                      "one source tries to relay through the mail server (15 refused recipients)")

    # --- the day -------------------------------------------------------------------------
    def build(self):
        d = self.dur
        self.normal_web()
        self.normal_ssh()
        self.normal_mail()
        # Incidents at fixed fractions of the day, so a short demo sees them all; each fits.
        self.ssh_bruteforce(d * 0.035)
        self.scanner(d * 0.075)
        self.mail_relay(d * 0.125)
        self.wp_login_bruteforce(d * 0.18)
        self.form_relay(d * 0.27)
        self.xmlrpc_bruteforce(d * 0.52)
        self.ssh_distributed(d * 0.55, min(2400.0, d * 0.4))
        self.lines.sort()
        attackers = {ip for inc in self.incidents for ip in inc["attackers"]}
        assert not attackers & self.normal, "an address is both normal and an attacker"

    def truth(self, seed, hours):
        return {"seed": seed, "start": self.at(0).strftime("%Y-%m-%dT%H:%M:%SZ"), "hours": hours,
                "home_countries": ["JP"], "incidents": self.incidents,
                "normal_ips": sorted(self.normal)}


def write_all(day, out):
    files = [open(os.path.join(out, f), "w", encoding="ascii", newline="\n") for f in FILES]
    try:
        for _, _, fidx, text in day.lines:
            files[fidx].write(text)
            files[fidx].write("\n")
    finally:
        for f in files:
            f.close()


class Stop(Exception):
    pass


def replay(day, out, speed, hours):
    def on_signal(signum, _frame):
        raise Stop(signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    files = [open(os.path.join(out, f), "a", encoding="ascii", newline="\n") for f in FILES]
    counts = [0, 0, 0]
    wall0 = time.monotonic()
    next_report = 600.0
    total = hours * 3600.0

    def report(sim):
        print("gen_demo_day: %02d:%02d of %02d:%02d simulated, %d lines (access %d, auth %d, mail %d)" % (
            sim // 3600, sim % 3600 // 60, total // 3600, total % 3600 // 60, sum(counts), *counts),
            file=sys.stderr, flush=True)

    try:
        for t, _, fidx, text in day.lines:
            while t >= next_report:
                delay = wall0 + next_report / speed - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                report(next_report)
                next_report += 600.0
            delay = wall0 + t / speed - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            f = files[fidx]
            f.write(text + "\n")  # one call: a signal lands between lines, never inside one
            f.flush()
            counts[fidx] += 1
        end = wall0 + total / speed - time.monotonic()
        if end > 0:
            time.sleep(end)
        report(total)
    except Stop as e:
        print("gen_demo_day: stopped by signal %d after %d lines" % (e.args[0], sum(counts)),
              file=sys.stderr, flush=True)
    finally:
        for f in files:
            f.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2026-11-25T00:00:00Z", help="log clock start, UTC (ISO 8601, Z)")
    ap.add_argument("--hours", type=float, default=2.0, help="length of the day in hours (1 to 48)")
    ap.add_argument("--replay", action="store_true",
                    help="write the lines in real time at --speed times the log clock, appending")
    ap.add_argument("--speed", type=float, default=600.0, help="replay speed (x log clock, > 0)")
    a = ap.parse_args()
    try:
        start = datetime.datetime.strptime(a.start, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        ap.error("--start: expected YYYY-MM-DDTHH:MM:SSZ, got %r" % a.start)
    if not 1.0 <= a.hours <= 48.0:
        ap.error("--hours: must be between 1 and 48 (the incidents need an hour), got %g" % a.hours)
    if not a.speed > 0:
        ap.error("--speed: must be > 0, got %g" % a.speed)
    os.makedirs(a.out, exist_ok=True)
    day = Day(a.seed, start, a.hours)
    day.build()
    with open(os.path.join(a.out, "truth.json"), "w", encoding="ascii") as f:
        json.dump(day.truth(a.seed, a.hours), f, indent=1, sort_keys=True)
        f.write("\n")
    counts = [sum(1 for x in day.lines if x[2] == i) for i in range(3)]
    if a.replay:
        print("gen_demo_day: replaying %d lines (access %d, auth %d, mail %d) into %s at %gx: %.1f s" % (
            len(day.lines), *counts, a.out, a.speed, a.hours * 3600 / a.speed), file=sys.stderr, flush=True)
        replay(day, a.out, a.speed, a.hours)
    else:
        write_all(day, a.out)
        print("gen_demo_day: wrote %d lines (access %d, auth %d, mail %d) and truth.json to %s" % (
            len(day.lines), *counts, a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
