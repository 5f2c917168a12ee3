#!/usr/bin/python3
"""Writes the web scenario cases under tests/scenarios/web/: input.log (combined format,
JST), expect.decisions (the decisions the case must produce, written here by hand from the
rule's intent: "rule scope target", sorted) and case.txt (name and what it shows).

The logs are generated so each case is exact about counts and times; rerun this script after
changing a case and commit its output. Countries (Debian tor-geoipdb): 42.148/16, 49.212/16,
58.81/16, 60.37/16, 126.1/16, 133.8/16 are JP; 5.52/16 IR, 37.53/16 UA, 46.4/16 DE,
77.85/16 BG, 88.58/16 IT, 94.40/16 PL, 178.42/16 PL, 190.191/16 AR, 162.253.129.51 CA.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.150 Safari/537.36"
BOT = "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/56.0.2924.87 Safari/537.36"
FOREIGN = ["5.52.10.%d", "37.53.1.%d", "46.4.1.%d", "77.85.1.%d", "88.58.1.%d", "94.40.1.%d",
           "178.42.1.%d", "190.191.1.%d"]
JP = ["42.148.1.%d", "49.212.1.%d", "58.81.1.%d", "60.37.1.%d", "126.1.1.%d", "133.8.1.%d"]


def ts(sec):
    sec = int(sec)
    return "[19/Feb/2021:%02d:%02d:%02d +0900]" % (10 + sec // 3600, (sec // 60) % 60, sec % 60)


def line(t, ip, method, path, status, size=1234, ref="-", ua=UA):
    return '%s - - %s "%s %s HTTP/1.1" %d %d "%s" "%s"\n' % (ip, ts(t), method, path, status, size, ref, ua)


def ts_days(sec):
    """Like ts() but over several days: sec counts from 2021-02-18 00:00 JST."""
    sec = int(sec)
    day, rest = divmod(sec, 86400)
    return "[%02d/Feb/2021:%02d:%02d:%02d +0900]" % (18 + day, rest // 3600, (rest // 60) % 60, rest % 60)


def line_days(t, ip, method, path, status, size=1234, ref="-", ua=UA):
    return '%s - - %s "%s %s HTTP/1.1" %d %d "%s" "%s"\n' % (ip, ts_days(t), method, path, status, size, ref, ua)


def browser_visit_days(t, ip):
    """browser_visit() on the multi-day clock: page, assets, one POST, confirmation."""
    return [line_days(t, ip, "GET", "/contact/", 200, 147152, "https://example.com/"),
            line_days(t + 1, ip, "GET", "/wp-content/themes/example/style.css?ver=5.6.1", 304, 0,
                      "https://example.com/contact/"),
            line_days(t + 60, ip, "POST", "/contact/", 302, 0, "https://example.com/contact/"),
            line_days(t + 61, ip, "GET", "/contact/complete/", 200, 98123, "https://example.com/contact/")]


def foreign(i):
    return FOREIGN[i % len(FOREIGN)] % (10 + i // len(FOREIGN))


def jp(i):
    return JP[i % len(JP)] % (10 + i // len(JP))


def browser_visit(t, ip, posts=2):
    """A real visitor sending the contact form: page, assets, confirm + send, complete."""
    out = [line(t, ip, "GET", "/contact/", 200, 147152, "https://example.jp/")]
    for a in ["/wp-content/themes/example/style.css?ver=5.6.1", "/wp-includes/js/jquery/jquery.min.js?ver=3.5.1"]:
        out.append(line(t, ip, "GET", a, 304, 0, "https://example.jp/contact/"))
    for k in range(posts):
        out.append(line(t + 60 + 20 * k, ip, "POST", "/contact/", 200, 147200, "https://example.jp/contact/"))
    out.append(line(t + 60 + 20 * posts, ip, "POST", "/contact/", 302, 0, "https://example.jp/contact/"))
    out.append(line(t + 61 + 20 * posts, ip, "GET", "/contact/complete/", 200, 98123, "https://example.jp/contact/"))
    return out


def write(name, text, lines, expect):
    d = os.path.join(HERE, "web", name)
    os.makedirs(d, exist_ok=True)
    lines = sorted(lines, key=lambda l: l.split("[", 1)[1][:26])  # stable by time
    with open(os.path.join(d, "input.log"), "w") as f:
        f.writelines(lines)
    with open(os.path.join(d, "expect.decisions"), "w") as f:
        f.writelines(sorted(e + "\n" for e in expect))
    with open(os.path.join(d, "case.txt"), "w") as f:
        f.write(text.strip() + "\n")


def main():
    R = "web.form_relay.many_sources"
    # --- form relay -------------------------------------------------------------------
    lines = []
    for i in range(12):  # 12 foreign bots, one POST each, 20 s apart
        lines.append(line(i * 20, foreign(i), "POST", "/contact/", 200, 147152, "https://example.jp/contact/", BOT))
    lines += browser_visit(30, jp(0))          # a domestic customer in the middle of the wave
    lines += browser_visit(60, "162.253.129.51")  # a real foreign customer (loads assets)
    expect = [R + " vhost_path /contact/ POST except=JP"]
    # The rule fires at the 3rd foreign source (min_sources 3): every foreign bot is denied,
    # the foreign browser and the domestic customer are not.
    expect += ["%s ip %s" % (R, foreign(i)) for i in range(12)]
    write("form_relay_wave", """
name: form relay wave from abroad
Twelve foreign addresses POST /contact/ once each within four minutes while a domestic and a
foreign real customer use the form normally. Expect: /contact/ contained for POSTs from
outside JP, each bot denied, both customers untouched.""", lines, expect)

    lines = [line(0, foreign(0), "POST", "/contact/", 200, 147152, "-", BOT),
             line(100, foreign(1), "POST", "/contact/", 200, 147152, "-", BOT)]
    lines += browser_visit(200, jp(1))
    write("form_relay_below_threshold", """
name: two foreign POSTs are not a wave
Two foreign sources POST the form within 15 minutes (min_sources is 3) and a domestic customer
sends it. Expect: nothing.""", lines, [])

    lines = []
    for i in range(10):
        lines += browser_visit(i * 30, jp(i), posts=1)
    lines.append(line(50, foreign(3), "POST", "/contact/", 200, 147152, "-", BOT))
    write("form_relay_domestic_rush", """
name: a rush of domestic customers is not a relay
Ten domestic customers send the form within five minutes (a campaign mail went out) and one
foreign bot posts once. The foreign share of POSTs stays far below 0.75. Expect: nothing.""", lines, [])

    # An international shop: its form is usually sent from abroad. A day and a half of real
    # foreign customers (one every 20 minutes) teaches the rule that this form's senders are
    # mostly foreign and how many sources it sees in 15 minutes (0-1).
    lines = []
    for k in range(int(36 * 3600 / 1200)):
        lines += browser_visit_days(k * 1200, foreign(k % 40))
    busy = 36 * 3600 + 600
    for k in range(4):  # four customers within ten minutes: a busy moment, not a relay
        lines += browser_visit_days(busy + k * 150, foreign(50 + k))
    wave = 38 * 3600
    bots = [FOREIGN[i % len(FOREIGN)] % (200 + i // len(FOREIGN)) for i in range(20)]
    for i, ip in enumerate(bots):  # twenty bots, one POST each, within five minutes
        lines.append(line_days(wave + i * 15, ip, "POST", "/contact/", 200, 147152, "-", BOT))
    lines.sort(key=lambda l: l.split("[", 1)[1][:26])
    d = os.path.join(HERE, "web", "form_relay_international_site")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "input.log"), "w") as f:
        f.writelines(sorted(lines, key=lambda l: (l.split("[", 1)[1][:2], l.split("[", 1)[1][12:20])))
    expect = [R + " vhost_path /contact/ POST except=JP"]
    # The baseline speaks once the sources are well out of line: the rule fires at the 7th
    # bot (deviation >= 6 with a usual of ~0.75 sources and a spread of 1); every bot is a
    # member by then or joins later, so all twenty are denied.
    expect += ["%s ip %s" % (R, ip) for ip in bots]
    with open(os.path.join(d, "expect.decisions"), "w") as f:
        f.writelines(sorted(e + "\n" for e in expect))
    with open(os.path.join(d, "case.txt"), "w") as f:
        f.write("""name: an international site's busy moment is not a relay; a wave still is
A shop whose form is usually sent from abroad (a foreign customer every 20 minutes for a day
and a half: the learned foreign share is ~1, the usual sources per 15 minutes ~0.75). Four
foreign customers within ten minutes: the fixed rule (3 sources, 75 % foreign) would contain
the form; the learned baseline says this is within the site's normal. Twenty foreign bots
within five minutes: far out of line, contained and denied as on a domestic site.
""")

    # --- wp-login brute force (per address), at the threshold ---------------------------
    B = "web.wp_login.bruteforce"
    lines = []
    for k in range(5):
        lines.append(line(k * 5, "46.4.2.7", "POST", "/wp-login.php", 200, 4532, "-", BOT))
    for k in range(4):
        lines.append(line(k * 5, "88.58.2.9", "POST", "/wp-login.php", 200, 4532, "-", BOT))
    # an admin: one typo then success, then heartbeats
    lines.append(line(100, jp(5), "POST", "/wp-login.php", 200, 4690))
    lines.append(line(110, jp(5), "POST", "/wp-login.php", 302, 0))
    for k in range(20):
        lines.append(line(120 + k * 15, jp(5), "POST", "/wp-admin/admin-ajax.php", 200, 120))
    write("wp_login_bruteforce_threshold", """
name: wp-login brute force at the threshold
46.4.2.7 fails 5 logins in 20 s (max_attempts 5): denied. 88.58.2.9 fails 4: not denied.
An admin with one typo, a successful login and 20 heartbeats: untouched.""", lines, [B + " ip 46.4.2.7"])

    # --- xmlrpc ---------------------------------------------------------------------------
    X = "web.xmlrpc.bruteforce"
    lines = [line(k * 2, "94.40.3.3", "POST", "/xmlrpc.php", 200, 410, "-", "-") for k in range(5)]
    lines += [line(k * 30, "178.42.3.4", "POST", "/xmlrpc.php", 200, 410, "-", "-") for k in range(4)]
    write("xmlrpc_bruteforce", """
name: xmlrpc.php hammering
94.40.3.3 calls xmlrpc.php 5 times in 8 s (max_calls 5): denied. 178.42.3.4 calls it 4
times (a blog client or pingbacks): not denied.""", lines, [X + " ip 94.40.3.3"])

    # --- distributed wp-login -------------------------------------------------------------
    D = "web.wp_login.distributed"
    lines = []
    bots = ["%s" % (FOREIGN[i % len(FOREIGN)] % (100 + i)) for i in range(8)]
    for i, ip in enumerate(bots):
        for k in range(2):  # two tries each, 10 minutes apart
            lines.append(line(i * 120 + k * 600, ip, "POST", "/wp-login.php", 200, 4532, "https://example.jp/wp-login.php", BOT))
    lone = "190.191.9.9"  # one try only: not a member
    lines.append(line(300, lone, "POST", "/wp-login.php", 200, 4532, "-", BOT))
    admin = jp(7)  # opens the login form, mistypes twice, then logs in
    lines.append(line(390, admin, "GET", "/wp-login.php", 200, 4532))
    lines.append(line(400, admin, "POST", "/wp-login.php", 200, 4690))
    lines.append(line(420, admin, "POST", "/wp-login.php", 200, 4690))
    lines.append(line(440, admin, "POST", "/wp-login.php", 302, 0))
    lines.append(line(441, admin, "GET", "/wp-admin/", 200, 61234))
    write("wp_login_distributed", """
name: low-and-slow wp-login botnet
Eight foreign addresses each fail wp-login twice, ten minutes apart, within an hour (no
address crosses the per-address threshold). A ninth tries once. An admin opens the login
form, fails twice and then logs in. Expect: the eight denied; the one-try source and the admin untouched.""", lines,
          ["%s ip %s" % (D, ip) for ip in bots])

    lines = []
    for i in range(5):
        ip = FOREIGN[i % len(FOREIGN)] % (150 + i)
        lines += [line(i * 200, ip, "POST", "/wp-login.php", 200, 4532, "-", BOT),
                  line(i * 200 + 300, ip, "POST", "/wp-login.php", 200, 4532, "-", BOT)]
    write("wp_login_distributed_below", """
name: five failing sources in an hour are not a botnet
Five sources fail twice each within an hour (min_sources 6). Expect: nothing.""", lines, [])

    # --- scanners -------------------------------------------------------------------------
    S = "web.scanner.probe_paths"
    lines = [line(0, "77.85.4.4", "GET", "/.env", 404, 10213, "-", "python-requests/2.25.1"),
             line(1, "77.85.4.4", "GET", "/.git/config", 404, 10213, "-", "python-requests/2.25.1"),
             line(2, "77.85.4.4", "GET", "/phpmyadmin/", 404, 10213, "-", "python-requests/2.25.1"),
             line(0, "37.53.4.5", "GET", "/.env", 404, 10213, "-", "curl/7.68.0"),
             line(5, "94.40.4.8", "GET", "/.bash_history", 404, 10213, "-", "curl/7.68.0"),
             line(6, "94.40.4.8", "GET", "/wp-config.php.bak", 404, 10213, "-", "curl/7.68.0"),
             line(7, "46.4.4.9", "GET", "/..%2f..%2fetc%2fpasswd", 400, 157, "-", "curl/7.68.0"),
             line(8, "46.4.4.9", "GET", "/cgi-bin/.%2e/.%2e/etc/passwd", 400, 157, "-", "curl/7.68.0"),
             '5.52.4.6 - - %s "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03" 400 157 "-" "-"\n' % ts(10),
             '5.52.4.6 - - %s "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03" 400 157 "-" "-"\n' % ts(11),
             line(12, "5.52.4.6", "GET", "/.aws/credentials", 404, 10213, "-", "Go-http-client/1.1")]
    # a visitor whose browser asks for missing icons: not a probe
    lines += [line(20, jp(9), "GET", "/apple-touch-icon.png", 404, 10011),
              line(21, jp(9), "GET", "/apple-touch-icon-precomposed.png", 404, 10011),
              line(22, jp(9), "GET", "/favicon.ico", 404, 10011)]
    # a site admin who really has phpMyAdmin (200) and a WordPress login (200): not a probe
    lines += [line(30, jp(10), "GET", "/phpmyadmin/", 200, 9000),
              line(31, jp(10), "GET", "/phpmyadmin/index.php", 200, 9000),
              line(32, jp(10), "GET", "/wp-login.php", 200, 4532)]
    write("scanner_probes", """
name: probe paths and TLS on the plain port
77.85.4.4 asks for .env, .git/config and phpMyAdmin (3 probes): denied. 37.53.4.5 asks for
one (max_probes 2): not denied. 94.40.4.8 asks for .bash_history and a wp-config.php backup:
denied. 46.4.4.9 tries encoded traversal twice: denied. 5.52.4.6 sends two TLS handshakes and
asks for .aws/credentials: denied. A phone asking for missing icons and an admin using the
site's own phpMyAdmin (200): untouched.""", lines,
          [S + " ip 77.85.4.4", S + " ip 5.52.4.6", S + " ip 94.40.4.8", S + " ip 46.4.4.9"])

    E = "web.scanner.many_errors"
    lines = [line(k * 5, "88.58.5.5", "GET", "/old/page-%d/" % (k % 15), 404, 10213, "-", "Go-http-client/1.1") for k in range(20)]
    lines += [line(k * 5, "94.40.5.6", "GET", "/old/page-%d/" % k, 404, 10213, "-", "Go-http-client/1.1") for k in range(19)]
    write("scanner_many_errors", """
name: many 404s on many paths
88.58.5.5 gets 20 404s on 15 different paths in 100 s (min_errors 20, min_paths 15): denied.
94.40.5.6 gets 19 (one short): not denied.""", lines, [E + " ip 88.58.5.5"])

    # --- WordPress user enumeration -------------------------------------------------------
    U = "web.wordpress.user_enum"
    lines = [line(0, "77.85.6.1", "GET", "/?author=1", 301, 0, "-", "WPScan v3.8.25"),
             line(1, "77.85.6.1", "GET", "/?author=2", 301, 0, "-", "WPScan v3.8.25"),
             line(2, "5.52.6.2", "GET", "/wp-json/wp/v2/users", 200, 1800, "-", "python-requests/2.31"),
             line(3, "5.52.6.2", "GET", "/index.php?rest_route=/wp/v2/users/1", 200, 600, "-", "python-requests/2.31"),
             line(4, "94.40.6.3", "GET", "/?author=1", 301, 0, "-", "curl/8.5.0")]
    # the same author page fetched five times (a feed reader, a cache warmer): one URL is no
    # enumeration, CrowdSec's http-wordpress_user-enum counts distinct paths too
    lines += [line(5 + k, "94.40.6.4", "GET", "/?author=1", 301, 0, "-", "FeedFetcher/2.1") for k in range(5)]
    # a reader following one author link; an editor whose block editor lists the authors
    lines += [line(10, jp(11), "GET", "/?author=3", 301, 0, "https://example.jp/2026/12/hello/"),
              line(11, jp(11), "GET", "/author/editor/", 200, 24000, "https://example.jp/2026/12/hello/")]
    lines += [line(20 + k, jp(12), "GET", "/wp-json/wp/v2/users?context=view&who=authors", 200, 900,
                   "https://example.jp/wp-admin/post.php?post=12&action=edit") for k in range(4)]
    write("wordpress_user_enum", """
name: WordPress user enumeration at the threshold
77.85.6.1 asks for authors 1 and 2 (min_lookups 2): denied. 5.52.6.2 lists users through
two REST API URLs: denied. 94.40.6.3 asks once: not denied. 94.40.6.4 asks for the same
author page five times: not denied (one URL). A reader following one author
link and an editor whose block editor lists the authors four times: untouched.""", lines,
          [U + " ip 77.85.6.1", U + " ip 5.52.6.2"])


if __name__ == "__main__":
    main()
