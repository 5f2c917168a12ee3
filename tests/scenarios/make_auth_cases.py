#!/usr/bin/python3
"""Writes the login/mail scenario cases under tests/scenarios/auth/ (RFC 3164 syslog lines;
the year comes from the file's mtime, which does not matter to the decisions compared).
Expected decisions are written here by hand from each rule's intent. Countries do not matter
to these rules. Rerun after changing a case and commit the output."""
import os

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "auth")


def write(name, text, lines, expect):
    d = os.path.join(BASE, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "input.log"), "w") as f:
        f.writelines(l + "\n" for l in lines)
    with open(os.path.join(d, "expect.decisions"), "w") as f:
        f.writelines(sorted(e + "\n" for e in expect))
    with open(os.path.join(d, "case.txt"), "w") as f:
        f.write(text.strip() + "\n")


def stamp(s):
    return "Feb 19 %02d:%02d:%02d" % (10 + s // 3600, (s // 60) % 60, s % 60)


def main():
    lines = []
    for k in range(5):
        lines.append((k * 5, "%s web1 sshd[%d]: Failed password for root from 46.4.7.7 port %d ssh2" % (stamp(k * 5), 100 + k, 40000 + k)))
    for k in range(4):
        lines.append((k * 5 + 1, "%s web1 sshd[%d]: Failed password for invalid user admin from 88.58.7.8 port %d ssh2" % (stamp(k * 5 + 1), 200 + k, 41000 + k)))
    lines.append((60, "%s web1 sshd[300]: Accepted publickey for deploy from 42.148.7.9 port 52000 ssh2: RSA SHA256:abc" % stamp(60)))
    write("ssh_bruteforce_threshold", """
name: ssh brute force at the threshold
46.4.7.7 fails 5 ssh logins in 20 s (max_failures 5): denied. 88.58.7.8 fails 4: not denied.
A deploy key login: untouched.""", [l for _, l in sorted(lines)], ["auth.bruteforce.per_source ip 46.4.7.7"])

    bots = ["%d.%d.9.%d" % (a, b, c) for (a, b), c in zip([(46, 4), (77, 85), (88, 58), (94, 40), (178, 42)] * 4, range(10, 30))]
    lines = []
    for i, ip in enumerate(bots):
        for k in range(3):
            s = i * 60 + k * 600
            lines.append((s, "%s web1 sshd[%d]: Failed password for root from %s port %d ssh2" % (stamp(s), 1000 + i * 3 + k, ip, 50000 + i)))
    user = "42.148.9.9"
    for k in range(3):
        s = 300 + k * 20
        lines.append((s, "%s web1 sshd[%d]: Failed password for alice from %s port 5000%d ssh2" % (stamp(s), 2000 + k, user, k)))
    lines.append((400, "%s web1 sshd[2100]: Accepted password for alice from %s port 50010 ssh2" % (stamp(400), user)))
    lines = [l for _, l in sorted(lines)]
    write("ssh_distributed", """
name: distributed ssh password guessing
Twenty addresses each fail three ssh logins within the hour (min_sources 20, min_events 3).
A real user fails three times and then logs in. Expect: the twenty denied, the user not.""", lines,
          ["auth.bruteforce.distributed ip %s" % ip for ip in bots])
    write("ssh_distributed_below", """
name: nineteen sources are not yet a botnet
Nineteen addresses fail three ssh logins each within the hour (min_sources 20). Expect:
nothing.""", [l for l in lines if bots[19] not in l and user not in l], [])

    # A success from the same source and account resets the per-source count (reset: match
    # [user]); one on another account does not.
    lines = []
    user = "42.148.9.1"
    for k in range(3):
        lines.append((k * 20, "%s web1 sshd[%d]: Failed password for alice from %s port %d ssh2" % (stamp(k * 20), 500 + k, user, 42000 + k)))
    lines.append((70, "%s web1 sshd[510]: Accepted password for alice from %s port 42010 ssh2" % (stamp(70), user)))
    for k in range(3):
        lines.append((200 + k * 20, "%s web1 sshd[%d]: Failed password for alice from %s port %d ssh2" % (stamp(200 + k * 20), 520 + k, user, 42020 + k)))
    # The same pattern from a guesser whose success is on another account: not reset.
    bad = "46.4.7.20"
    for k in range(3):
        lines.append((k * 20 + 1, "%s web1 sshd[%d]: Failed password for root from %s port %d ssh2" % (stamp(k * 20 + 1), 600 + k, bad, 43000 + k)))
    lines.append((71, "%s web1 sshd[610]: Accepted password for guest from %s port 43010 ssh2" % (stamp(71), bad)))
    for k in range(3):
        lines.append((200 + k * 20 + 1, "%s web1 sshd[%d]: Failed password for root from %s port %d ssh2" % (stamp(200 + k * 20 + 1), 620 + k, bad, 43020 + k)))
    write("ssh_success_resets", """
name: a login by the same account resets the per-source count
42.148.9.1 mistypes alice's password 3 times, logs in as alice, and mistypes 3 more times
within 10 minutes (6 failures, max_failures 5): not denied, the login reset the count.
46.4.7.20 fails 3 logins as root, logs in as guest, and fails 3 more as root: the success is
on another account, so all 6 count and it is denied.""", [l for _, l in sorted(lines)],
          ["auth.bruteforce.per_source ip %s" % bad])
    write("ssh_mistype_then_login", """
name: a real user who mistypes, logs in and mistypes again is not denied
Only 42.148.9.1's lines of ssh_success_resets: 6 failures in 4 minutes around a login as the
same account (max_failures 5). Expect: nothing.""", [l for _, l in sorted(lines) if bad not in l], [])

    lines = []
    for k in range(5):
        lines.append((k * 3, "%s mx1 postfix/smtpd[%d]: NOQUEUE: reject: RCPT from unknown[37.53.8.8]: 554 5.7.1 <x%d@example.net>: Relay access denied; from=<a@b.example> to=<x%d@example.net> proto=ESMTP helo=<spam>" % (stamp(k * 3), 300 + k, k, k)))
    for k in range(4):
        lines.append((k * 3 + 1, "%s mx1 postfix/smtpd[%d]: NOQUEUE: reject: RCPT from unknown[94.40.8.9]: 554 5.7.1 <y%d@example.net>: Relay access denied; from=<a@b.example> to=<y%d@example.net> proto=ESMTP helo=<spam>" % (stamp(k * 3 + 1), 400 + k, k, k)))
    write("mail_relay_rejects", """
name: relay attempts refused by postfix
37.53.8.8 is refused 5 times in 12 s (max_rejects 5): denied. 94.40.8.9 is refused 4
times: not denied.""", [l for _, l in sorted(lines)], ["mail.rejected.relay_attempts ip 37.53.8.8"])


if __name__ == "__main__":
    main()
