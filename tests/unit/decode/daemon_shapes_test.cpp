// The daemon decoders, one line per message shape: each row is written in the shape that one
// alternative of fail2ban's filter.d regexes, one CrowdSec hub parser pattern or one log call
// of the daemon describes (docs/decoders.md lists the source of each), with made-up users
// and documentation addresses. A row states the verdict bannin must give: decoded or not,
// kind, outcome, the client, the user and the service family. Negative rows (shapes the
// peers deliberately do not count) guard precision as much as the positive ones guard recall.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/core/time.h>
#include <bannin/decode/syslog/syslog_decoder.h>
#include <bannin/model/event_format.h>

namespace bannin::decode::syslog {
namespace {

using model::Field;

struct Shape {
  const char* line;
  const char* kind;     ///< expected kind, "" = line must be rejected
  const char* outcome;  ///< expected outcome ("" = none set)
  const char* src;      ///< expected src_ip (or src_host), "" = none
  const char* user;     ///< expected user, nullptr = not checked
  const char* service;  ///< expected service, nullptr = not checked
};

std::string kind_of(const model::Event& ev) {
  std::string out;
  core::JsonObjectWriter obj(out);
  model::EventFormatter fmt;
  fmt.append_json_members(obj, ev);
  obj.close();
  std::size_t k = out.find("\"kind\":\"");
  if (k == std::string::npos) return {};
  std::size_t e = out.find('"', k + 8);
  return out.substr(k + 8, e - k - 8);
}

std::string src_of(const model::Event& ev) {
  const model::FieldValue* v = ev.get(Field::SrcIp);
  if (v != nullptr) return v->ip.to_string();
  return std::string(ev.str(Field::SrcHost));
}

void check_all(const std::vector<Shape>& shapes) {
  for (const Shape& s : shapes) {
    SCOPED_TRACE(s.line);
    SyslogDecoder dec;
    dec.set_year(2026);
    model::Event ev;
    bool ok = dec.decode(s.line, ev).ok();
    if (std::string(s.kind).empty()) {
      EXPECT_FALSE(ok && ev.str(Field::Outcome) == "failure");
      continue;
    }
    ASSERT_TRUE(ok);
    EXPECT_EQ(kind_of(ev), s.kind);
    EXPECT_EQ(ev.str(Field::Outcome), s.outcome);
    EXPECT_EQ(src_of(ev), s.src);
    if (s.user != nullptr) {
      EXPECT_EQ(ev.str(Field::User), s.user);
    }
    if (s.service != nullptr) {
      EXPECT_EQ(ev.str(Field::Service), s.service);
    }
  }
}

constexpr const char* kAuth = "auth.attempt";
constexpr const char* kRej = "mail.rejected";

TEST(DaemonShapes, Ssh) {
  check_all({
      // sshd with the obfuscated-handshake patch (CrowdSec sshd-logs SSHD_MAGIC_VALUE_FAILED).
      {"Dec  7 06:00:01 h sshd[11]: Magic value check failed (3571206312) on obfuscated handshake "
       "from 198.51.100.7 port 40022",
       kAuth, "failure", "198.51.100.7", nullptr, "ssh"},
      // dropbear svr-auth.c: the three failregex alternatives of filter.d/dropbear.conf.
      {"Dec  7 06:00:02 h dropbear[12]: Exit before auth (user 'admin', 10 fails): Max auth "
       "tries reached - user 'admin' from 198.51.100.8:5022",
       kAuth, "failure", "198.51.100.8", "admin", "ssh"},
      {"Dec  7 06:00:03 h dropbear[12]: Login attempt for nonexistent user 'oracle' from "
       "198.51.100.9:5023",
       kAuth, "failure", "198.51.100.9", nullptr, "ssh"},
      {"Dec  7 06:00:04 h dropbear[12]: Bad PAM password attempt for 'pat' from 198.51.100.10",
       kAuth, "failure", "198.51.100.10", "pat", "ssh"},
      // PAM inside sshd maps to the same family.
      {"Dec  7 06:00:05 h sshd[13]: pam_unix(sshd:auth): authentication failure; logname= uid=0 "
       "euid=0 tty=ssh ruser= rhost=198.51.100.11  user=root",
       kAuth, "failure", "198.51.100.11", "root", "ssh"},
  });
}

TEST(DaemonShapes, DovecotIsOneFamily) {
  check_all({
      // filter.d/dovecot.conf failregex 2: login process verdicts, every protocol.
      {"Dec  7 06:01:01 m dovecot: imap-login: Aborted login (auth failed, 1 attempts in 2 "
       "secs): user=<bob>, method=PLAIN, rip=198.51.100.20, lip=192.0.2.1, TLS",
       kAuth, "failure", "198.51.100.20", "bob", "mailbox"},
      {"Dec  7 06:01:02 m dovecot: pop3-login: Disconnected (tried to use disallowed plaintext "
       "auth): rip=198.51.100.21, lip=192.0.2.1, session=<AbCdEf>",
       kAuth, "failure", "198.51.100.21", nullptr, "mailbox"},
      {"Dec  7 06:01:03 m dovecot: managesieve-login: Disconnected (proxy dest auth failed): "
       "user=<eve>, method=PLAIN, rip=198.51.100.22, lip=192.0.2.1",
       kAuth, "failure", "198.51.100.22", "eve", "mailbox"},
      {"Dec  7 06:01:04 m dovecot: imap-login: Login aborted: Connection closed (auth failed, 2 "
       "attempts in 9 secs) (auth_failed): user=<ann>, method=PLAIN, rip=198.51.100.23, "
       "lip=192.0.2.1",
       kAuth, "failure", "198.51.100.23", "ann", "mailbox"},
      // failregex 3 and 4: the auth process's passdb verdicts (pam, passwd-file, sql, ldap).
      {"Dec  7 06:01:05 m dovecot: auth-worker(99): pam(carl,198.51.100.24): pam_authenticate() "
       "failed: Authentication failure (password mismatch?)",
       kAuth, "failure", "198.51.100.24", "carl", "mailbox"},
      {"Dec  7 06:01:06 m dovecot: auth: passwd-file(dina@example.org,198.51.100.25,<Xyz>): "
       "unknown user",
       kAuth, "failure", "198.51.100.25", "dina@example.org", "mailbox"},
      {"Dec  7 06:01:07 m dovecot: auth: ldap(ed,198.51.100.26,<Q1>): invalid credentials", kAuth,
       "failure", "198.51.100.26", "ed", "mailbox"},
      // failregex 1: PAM with tty=dovecot.
      {"Dec  7 06:01:08 m auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 "
       "euid=0 tty=dovecot ruser=fay rhost=198.51.100.27",
       kAuth, "failure", "198.51.100.27", "fay", "mailbox"},
      // submission-login is SMTP AUTH.
      {"Dec  7 06:01:09 m dovecot: submission-login: Remote closed connection (auth failed, 1 "
       "attempts in 2 secs): user=<gus>, method=LOGIN, rip=198.51.100.28, lip=0.0.0.0",
       kAuth, "failure", "198.51.100.28", "gus", "smtp"},
      // mdre-normal: no auth attempts is not a failure.
      {"Dec  7 06:01:10 m dovecot: imap-login: Disconnected (no auth attempts in 0 secs): "
       "user=<>, rip=198.51.100.29, lip=192.0.2.1, TLS handshaking",
       kAuth, "neutral", "198.51.100.29", nullptr, "mailbox"},
  });
}

TEST(DaemonShapes, OtherMailboxServers) {
  check_all({
      // courier-auth.conf: LOGIN FAILED, user=…, ip=[…]
      {"Dec  7 06:02:01 m imapd: LOGIN FAILED, user=hal, ip=[::ffff:198.51.100.30]", kAuth,
       "failure", "198.51.100.30", "hal", "mailbox"},
      {"Dec  7 06:02:02 m pop3d-ssl: LOGIN FAILED, method=PLAIN, user=ida, ip=[198.51.100.31]",
       kAuth, "failure", "198.51.100.31", "ida", "mailbox"},
      // cyrus-imap.conf: badlogin: host[ip] mech [ip] user SASL(-13)…
      {"Dec  7 06:02:03 m cyrus/imap[7]: badlogin: client.example[198.51.100.32] plaintext jo "
       "SASL(-13): authentication failure: checkpass failed",
       kAuth, "failure", "198.51.100.32", nullptr, "mailbox"},
      // nginx mail proxy (ngx_mail_auth_http_module): the auth server's refusal.
      {"Dec  7 06:02:04 m nginx: 2026/12/07 06:02:04 [error] 81#81: *5 client login failed: "
       "\"Authentication credentials invalid\" while in http auth state, client: 198.51.100.33 "
       "using starttls, server: 0.0.0.0:587, login: \"kay\"",
       kAuth, "failure", "198.51.100.33", "kay", "smtp"},
      {"2026/12/07 06:02:05 [error] 81#81: *6 client login failed: \"Authentication credentials "
       "invalid\" while in http auth state, client: 198.51.100.34, server: 0.0.0.0:993, login: "
       "\"lee\"",
       kAuth, "failure", "198.51.100.34", "lee", "mailbox"},
  });
}

TEST(DaemonShapes, PostfixRejectsFollowFail2ban) {
  const char* p = "Dec  7 06:03:01 m postfix/smtpd[3]: NOQUEUE: reject: RCPT from ";
  std::string relay = std::string(p) +
                      "unknown[198.51.100.40]: 554 5.7.1 <u@example.org>: Relay access denied; "
                      "from=<s@example.net> to=<u@example.org> proto=ESMTP helo=<x>";
  std::string helo = std::string(p) +
                     "unknown[198.51.100.41]: 504 5.5.2 <x>: Helo command rejected: need "
                     "fully-qualified hostname; from=<s@example.net> to=<u@example.org>";
  std::string user = std::string(p) +
                     "a.example[198.51.100.42]: 550 5.1.1 <v@example.org>: Recipient address "
                     "rejected: User unknown in virtual mailbox table; from=<s@example.net>";
  std::string domain = std::string(p) +
                       "a.example[198.51.100.43]: 450 4.1.8 <s@nx.example>: Sender address "
                       "rejected: Domain not found; from=<s@nx.example> to=<v@example.org>";
  std::string client = std::string(p) +
                       "unknown[198.51.100.44]: 450 4.7.1 Client host rejected: cannot find "
                       "your hostname, [198.51.100.44]; from=<s@example.net>";
  std::string rbl = std::string(p) +
                    "unknown[198.51.100.45]: 554 5.7.1 Service unavailable; Client host "
                    "[198.51.100.45] blocked using zen.example; from=<s@example.net>";
  // Answers fail2ban's postfix filter leaves alone: a sender-login mismatch and server
  // trouble say nothing about the client.
  std::string access = std::string(p) +
                       "a.example[198.51.100.46]: 554 5.7.1 <s@example.net>: Sender address "
                       "rejected: not owned by user bob; from=<s@example.net> to=<v@example.org>";
  std::string config = std::string(p) +
                       "a.example[198.51.100.47]: 451 4.3.5 Server configuration error; "
                       "from=<s@example.net> to=<v@example.org>";
  check_all({
      {relay.c_str(), kRej, "failure", "198.51.100.40", nullptr, "smtp"},
      {helo.c_str(), kRej, "failure", "198.51.100.41", nullptr, "smtp"},
      {user.c_str(), kRej, "failure", "198.51.100.42", nullptr, "smtp"},
      {domain.c_str(), kRej, "failure", "198.51.100.43", nullptr, "smtp"},
      {client.c_str(), kRej, "failure", "198.51.100.44", nullptr, "smtp"},
      {rbl.c_str(), kRej, "failure", "198.51.100.45", nullptr, "smtp"},
      {access.c_str(), kRej, "neutral", "198.51.100.46", nullptr, "smtp"},
      {config.c_str(), kRej, "neutral", "198.51.100.47", nullptr, "smtp"},
      // smtpd.c: "non-SMTP command from %s: %.100s" (an HTTP client on port 25).
      {"Dec  7 06:03:02 m postfix/smtpd[3]: warning: non-SMTP command from "
       "unknown[198.51.100.48]: GET / HTTP/1.1",
       kAuth, "failure", "198.51.100.48", nullptr, "smtp"},
      {"Dec  7 06:03:03 m postfix/submission/smtpd[3]: warning: unknown[198.51.100.49]: SASL "
       "LOGIN authentication failed: UGFzc3dvcmQ6",
       kAuth, "failure", "198.51.100.49", nullptr, "smtp"},
      // Postfix 3.x names the account in a failed AUTH too ("…, sasl_username=u").
      {"Dec  7 06:03:04 m postfix/submission/smtpd[3]: warning: unknown[198.51.100.50]: SASL "
       "PLAIN authentication failed: authentication failure, sasl_username=ren@example.jp",
       kAuth, "failure", "198.51.100.50", "ren@example.jp", "smtp"},
      // smtpd.c logs a successful AUTH only on the message's "client=" line: a success on
      // service smtp (it resets the per-source login counts).
      {"Dec  7 06:03:05 m postfix/submission/smtpd[3]: 4LwR2C3RtVz1f8d: client=unknown"
       "[198.51.100.50], sasl_method=PLAIN, sasl_username=ren@example.jp",
       "mail.received", "success", "198.51.100.50", "ren@example.jp", "smtp"},
  });
}

TEST(DaemonShapes, EximQmail) {
  check_all({
      // filter.d/exim.conf, one row per failregex alternative.
      {"Dec  7 06:04:01 m exim[5]: 2026-12-07 06:04:01 H=(helo.example) [198.51.100.50]:4242 "
       "F=<a@example.net> rejected RCPT <b@example.org>: relay not permitted",
       kRej, "failure", "198.51.100.50", nullptr, "smtp"},
      {"Dec  7 06:04:02 m exim[5]: 2026-12-07 06:04:02 login authenticator failed for (x) "
       "[198.51.100.51]:4243: 535 Incorrect authentication data (set_id=mo)",
       kAuth, "failure", "198.51.100.51", "mo", "smtp"},
      {"Dec  7 06:04:03 m exim[5]: 2026-12-07 06:04:03 SMTP protocol synchronization error "
       "(input sent without waiting for greeting): rejected connection from "
       "H=[198.51.100.52]:4244 input=\"GET / HTTP/1.1\"",
       kAuth, "failure", "198.51.100.52", nullptr, "smtp"},
      {"Dec  7 06:04:04 m exim[5]: 2026-12-07 06:04:04 SMTP call from (x) [198.51.100.53]:4245 "
       "dropped: too many nonmail commands (last was \"RSET\")",
       kAuth, "failure", "198.51.100.53", nullptr, "smtp"},
      {"Dec  7 06:04:05 m exim[5]: 2026-12-07 06:04:05 no MAIL in SMTP connection from (x) "
       "[198.51.100.54]:4246 D=12s C=EHLO,QUIT",
       kAuth, "failure", "198.51.100.54", nullptr, "smtp"},
      {"Dec  7 06:04:06 m exim[5]: 2026-12-07 06:04:06 SMTP connection from (x) "
       "[198.51.100.55]:4247 closed by DROP in ACL",
       kAuth, "failure", "198.51.100.55", nullptr, "smtp"},
      // filter.d/qmail.conf: rblsmtpd and qmail-smtpd after a tai64 or epoch stamp.
      {"Dec  7 06:04:07 m qmail: 1765087447.123456 rblsmtpd: 198.51.100.56 pid 2020 "
       "/var/qmail/bin: 451 http://bl.example/q",
       kRej, "failure", "198.51.100.56", nullptr, "smtp"},
      {"Dec  7 06:04:08 m qmail: 1765087448.654321 qmail-smtpd: 421 badiprbl: ip 198.51.100.57 "
       "rbl: bl.example",
       kRej, "failure", "198.51.100.57", nullptr, "smtp"},
      {"Dec  7 06:04:09 m rblsmtpd: bl.example blocked 198.51.100.58 why.example -", kRej,
       "failure", "198.51.100.58", nullptr, "smtp"},
  });
}

TEST(DaemonShapes, Ftp) {
  check_all({
      // filter.d/vsftpd.conf: PAM (old and new style) and vsftpd's own FAIL LOGIN.
      {"Dec  7 06:05:01 f vsftpd(pam_unix)[21]: authentication failure; logname= uid=0 euid=0 "
       "tty= ruser= rhost=198.51.100.60 user=ned",
       kAuth, "failure", "198.51.100.60", "ned", "ftp"},
      {"Dec  7 06:05:02 f vsftpd[22]: [ned] FAIL LOGIN: Client \"198.51.100.61\"", kAuth, "failure",
       "198.51.100.61", "ned", "ftp"},
      // vsftpd log_ftp_protocol (CrowdSec vsftpd-logs): a 530 refusing the user before any
      // password; "530 Login incorrect." repeats the FAIL LOGIN line of the same attempt.
      {"Mon Dec  7 06:05:03 2026 [pid 23] FTP response: Client \"198.51.100.62\", \"530 "
       "Permission denied.\"",
       kAuth, "failure", "198.51.100.62", nullptr, "ftp"},
      {"Mon Dec  7 06:05:04 2026 [pid 23] [olga] FTP response: Client \"198.51.100.63\", \"530 "
       "Login incorrect.\"",
       kAuth, "neutral", "198.51.100.63", "olga", "ftp"},
      {"Mon Dec  7 06:05:05 2026 [pid 23] CONNECT: Client \"198.51.100.64\"", kAuth, "neutral",
       "198.51.100.64", nullptr, "ftp"},
      {"Mon Dec  7 06:05:06 2026 [pid 23] FTP command: Client \"198.51.100.65\", \"USER paul\"",
       kAuth, "neutral", "198.51.100.65", "paul", "ftp"},
  });
}

TEST(DaemonShapes, WebAuthAndWebmail) {
  check_all({
      // filter.d/apache-auth.conf: the auth_type prefix and each verdict.
      {"[Mon Dec 07 06:06:01.123456 2026] [auth_basic:error] [pid 4:tid 5] [client "
       "198.51.100.70:5100] AH01617: user quinn: authentication failure for \"/adm\": Password "
       "Mismatch",
       kAuth, "failure", "198.51.100.70", "quinn", "http"},
      {"[Mon Dec 07 06:06:02 2026] [error] [client 198.51.100.71] Basic: user rita: password "
       "mismatch: /adm",
       kAuth, "failure", "198.51.100.71", "rita", "http"},
      {"[Mon Dec 07 06:06:03.5 2026] [authz_core:error] [pid 4] [client 198.51.100.72:5101] "
       "AH01631: user sam denied by provider",
       kAuth, "failure", "198.51.100.72", "sam", "http"},
      {"[Mon Dec 07 06:06:04.5 2026] [ssl:error] [pid 4] [client 198.51.100.73:5102] AH02031: "
       "Hostname a.example provided via SNI, but no hostname provided in HTTP request",
       kAuth, "failure", "198.51.100.73", nullptr, "http"},
      // A connection note is decoded but is no failure (CrowdSec apache2 error log).
      {"[Mon Dec 07 06:06:05.123456 2026] [ssl:info] [pid 4:tid 6] [client 198.51.100.74:5103] "
       "AH01964: Connection to child 3 established (server www.example.org:443)",
       kAuth, "neutral", "198.51.100.74", nullptr, "http"},
      // mod_evasive's denial of an address it already blocks is not new evidence.
      {"[Mon Dec 07 06:06:06.1 2026] [evasive20:error] [pid 4] [client 198.51.100.75:5104] client "
       "denied by server configuration: /x",
       kAuth, "neutral", "198.51.100.75", nullptr, "http"},
      // filter.d/nginx-http-auth.conf: the colon after the user is optional in both verdicts.
      {"2026/12/07 06:06:07 [error] 9#9: *1 user \"tina\": was not found in \"/etc/nginx/pw\", "
       "client: 198.51.100.76, server: a.example, request: \"GET / HTTP/1.1\", host: "
       "\"a.example\"",
       kAuth, "failure", "198.51.100.76", "tina", "http"},
      {"2026/12/07 06:06:08 [error] 9#9: *2 user \"uma\" password mismatch, client: "
       "198.51.100.77, server: a.example, request: \"GET / HTTP/1.1\", host: \"a.example\"",
       kAuth, "failure", "198.51.100.77", "uma", "http"},
      // filter.d/roundcube-auth.conf, filter.d/openwebmail.conf: webmail logins are http.
      {"Dec  7 06:06:09 w roundcube: FAILED login for vic from 198.51.100.78", kAuth, "failure",
       "198.51.100.78", "vic", "http"},
      {"Dec  7 06:06:10 w roundcube[7]: <ab12cd34> IMAP Error: Login failed for wes from "
       "198.51.100.79. AUTHENTICATE PLAIN: Authentication failed. in "
       "/usr/share/roundcube/program/lib/Roundcube/rcube_imap.php on line 211 (POST "
       "/?_task=login&_action=login)",
       kAuth, "failure", "198.51.100.79", "wes", "http"},
      {"Mon Dec 07 06:06:11 2026 - [1234] (198.51.100.80) xena - userinfo error - auth_unix.pl, "
       "ret -4, User xena doesn't exist",
       kAuth, "failure", "198.51.100.80", "xena", "http"},
      // filter.d/monit.conf: only wrong password, unknown user and empty password count.
      {"Dec  7 06:06:12 w monit[8]: HttpRequest: access denied -- client 198.51.100.81: unknown "
       "user 'yan'",
       kAuth, "failure", "198.51.100.81", "yan", "http"},
      {"Dec  7 06:06:13 w monit[8]: HttpRequest: access denied -- client 198.51.100.82: empty "
       "username",
       kAuth, "neutral", "198.51.100.82", nullptr, "http"},
      {"Dec  7 06:06:14 w monit[8]: Denied connection from non-authorized client "
       "[198.51.100.83]",
       "", "", "", nullptr, nullptr},
      // HAProxy: a TLS handshake that failed is decoded, not counted (old clients do it too).
      {"Dec  7 06:06:15 w haproxy[9]: 198.51.100.84:51234 [07/Dec/2026:06:06:15.123] "
       "https-in/1: SSL handshake failure",
       kAuth, "neutral", "198.51.100.84", nullptr, "http"},
      // filter.d/mysqld-auth.conf: both endings.
      {"Dec  7 06:06:16 d mysqld[10]: 2026-12-07T06:06:16.123456Z 12 [Warning] [MY-010055] "
       "[Server] Access denied for user 'zed'@'198.51.100.85' (using password: YES)",
       kAuth, "failure", "198.51.100.85", "zed", "sql"},
      {"Dec  7 06:06:17 d mysqld[10]: 2026-12-07  6:06:17 13 [Warning] Access denied for user "
       "'amy'@'198.51.100.86' to database 'shop'",
       kAuth, "failure", "198.51.100.86", "amy", "sql"},
  });
}

TEST(DaemonShapes, RelayedAccessAndInnerTimestamps) {
  check_all({
      // nginx `access_log syslog:` and Apache piped to logger: the access line is the message.
      {"Dec  7 06:07:01 web1 nginx[2869]: 198.51.100.90 - - [07/Dec/2026:06:07:01 +0000] \"POST "
       "/wp-login.php HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"",
       "http.request", "", "198.51.100.90", nullptr, nullptr},
      {"Dec  7 06:07:02 web1 apache2: www.example.org 198.51.100.91 - - [07/Dec/2026:06:07:02 "
       "+0000] \"GET / HTTP/1.1\" 404 12 \"-\" \"curl/8\"",
       "http.request", "", "198.51.100.91", nullptr, nullptr},
      // named's own timestamp inside the syslog message.
      {"Dec  7 06:07:03 ns named[2075]: 07-Dec-2026 06:07:03.425 client @0x7f65100ee4d8 "
       "198.51.100.92#3076 (example.com): query (cache) 'example.com/ANY/IN' denied",
       "dns.query", "failure", "198.51.100.92", nullptr, nullptr},
  });
}

// Apache 2.4's default ErrorLogFormat: "%7F: " (source file, at LogLevel debug) and "%E: "
// (APR status) may stand between [pid …] and [client …]; the client is still read.
TEST(DaemonShapes, ApacheErrorFileAndStatusBeforeClient) {
  check_all({
      {"[Mon Dec 07 06:08:20.111111 2026] [ssl:debug] [pid 3301] ssl_engine_kernel.c(2404): "
       "[client 198.51.100.95:50100] AH02043: SSL handshake stopped: TLSv1.3, client",
       kAuth, "neutral", "198.51.100.95", nullptr, "http"},
      {"[Mon Dec 07 06:08:21.222222 2026] [core:error] [pid 3302:tid 1407] (13)Permission "
       "denied: [client 198.51.100.96:50101] AH00035: access to /private/ denied",
       kAuth, "neutral", "198.51.100.96", nullptr, "http"},
      {"[Mon Dec 07 06:08:22.333333 2026] [auth_basic:error] [pid 3303] mod_auth_basic.c(385): "
       "[client 2001:db8::97:50102] AH01618: user kim not found: /admin",
       kAuth, "failure", "2001:db8::97", "kim", "http"},
  });
}

// HAProxy's own log file (no syslog frame): the HTTP log line is decoded, dated by its accept
// date (treated as UTC like a frame without a zone), not 1970; the status is kept.
TEST(DaemonShapes, HaproxyWithoutFrameTakesAcceptDate) {
  SyslogDecoder dec;
  dec.set_year(2026);
  model::Event ev;
  ASSERT_TRUE(dec.decode("198.51.100.93:40112 [07/Dec/2026:06:08:09.250] www~ app/web2 "
                         "0/0/1/12/13 404 512 - - ---- 3/3/0/0/0 0/0 \"GET /.env HTTP/1.1\"",
                         ev)
                  .ok());
  EXPECT_EQ(src_of(ev), "198.51.100.93");
  EXPECT_EQ(ev.ts(), *core::parse_iso8601("2026-12-07T06:08:09.250Z"));
  ASSERT_NE(ev.get(Field::Status), nullptr);
  // With a frame, the frame's time stands.
  model::Event framed;
  ASSERT_TRUE(dec.decode("Dec  7 06:09:00 lb haproxy[77]: 198.51.100.94:40113 "
                         "[07/Dec/2026:06:08:59.000] www~ app/web2 0/0/1/12/13 200 512 - - ---- "
                         "3/3/0/0/0 0/0 \"GET / HTTP/1.1\"",
                         framed)
                  .ok());
  EXPECT_EQ(framed.ts(), *core::parse_iso8601("2026-12-07T06:09:00Z"));
}

}  // namespace
}  // namespace bannin::decode::syslog
