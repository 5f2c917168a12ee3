// SyslogDecoder: framing (RFC 3164 with year inference, RFC 5424, ISO-8601, journal short
// and JSON, native daemon stamps) and the daemon message decoders' verdicts.
#include <string>

#include <gtest/gtest.h>

#include <bannin/core/time.h>
#include <bannin/decode/syslog/syslog_decoder.h>
#include <bannin/model/event_format.h>

namespace bannin::decode::syslog {
namespace {

using model::Field;

struct Decoded {
  bool ok = false;
  std::string json;
};

class SyslogDecoderTest : public ::testing::Test {
 protected:
  SyslogDecoderTest() { dec_.set_year(2024); }

  Decoded run(std::string_view line) {
    Decoded d;
    d.ok = dec_.decode(line, ev_).ok();
    if (d.ok) {
      std::string out;
      core::JsonObjectWriter obj(out);
      fmt_.append_json_members(obj, ev_);
      obj.close();
      d.json = out;
    }
    return d;
  }
  std::string outcome() const { return std::string(ev_.str(Field::Outcome)); }
  std::string src() const {
    const model::FieldValue* v = ev_.get(Field::SrcIp);
    if (v != nullptr) return v->ip.to_string();
    return std::string(ev_.str(Field::SrcHost));
  }

  SyslogDecoder dec_;
  model::Event ev_;
  model::EventFormatter fmt_;
};

TEST_F(SyslogDecoderTest, Rfc3164SshdFailedPassword) {
  auto d = run(
      "Jul  3 14:59:17 host sshd[1571]: Failed password for root from 192.0.2.1 port 56502 ssh2");
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(ev_.kind(), model::EventKind::AuthAttempt);
  EXPECT_EQ(outcome(), "failure");
  EXPECT_EQ(src(), "192.0.2.1");
  EXPECT_EQ(ev_.str(Field::User), "root");
  EXPECT_EQ(ev_.str(Field::Host), "host");
  EXPECT_EQ(ev_.str(Field::Program), "sshd");
  EXPECT_EQ(core::format_rfc3339(ev_.ts()), "2024-07-03T14:59:17Z");
}

TEST_F(SyslogDecoderTest, UserNameCannotFakeTheClient) {
  ASSERT_TRUE(
      run("Nov 11 08:04:52 h sshd[2737]: Failed password for invalid user test from 10.10.1.2 "
          "port 55555 ssh2 from 127.0.0.1 port 58946 ssh2")
          .ok);
  EXPECT_EQ(src(), "127.0.0.1");
  ASSERT_TRUE(
      run("Nov 11 08:04:52 h sshd[2737]: Failed password for invalid user test from 127.0.0.1 "
          "port 58946 ssh2: from 10.10.1.2 port 55555 ssh2")
          .ok);
  EXPECT_EQ(src(), "127.0.0.1");
}

TEST_F(SyslogDecoderTest, AcceptedIsSuccess) {
  ASSERT_TRUE(run("Mar  1 10:00:00 h sshd[1]: Accepted publickey for alice from 2001:db8::5 port "
                  "2222 ssh2: ED25519 SHA256:x")
                  .ok);
  EXPECT_EQ(outcome(), "success");
  EXPECT_EQ(src(), "2001:db8::5");
  EXPECT_EQ(ev_.str(Field::User), "alice");
}

TEST_F(SyslogDecoderTest, YearRollsOverFromReferenceTime) {
  SyslogDecoder d;
  // mtime 2024-01-05: a December line belongs to 2023.
  d.set_reference_time(core::days_from_civil(2024, 1, 5) * 86400 * core::kNsPerSec);
  ASSERT_TRUE(d.decode("Dec 31 23:59:59 h sshd[1]: Invalid user x from 192.0.2.9", ev_).ok());
  EXPECT_EQ(core::format_rfc3339(ev_.ts()), "2023-12-31T23:59:59Z");
  ASSERT_TRUE(d.decode("Jan  2 00:00:01 h sshd[1]: Invalid user x from 192.0.2.9", ev_).ok());
  EXPECT_EQ(core::format_rfc3339(ev_.ts()), "2024-01-02T00:00:01Z");
}

TEST_F(SyslogDecoderTest, Rfc5424WithStructuredData) {
  ASSERT_TRUE(
      run("<38>1 2019-07-08T17:40:17.954167-04:00 h.example.com sshd 55555 - [tq x=\"[b]\"] "
          "Failed unknown for invalid user redmond from 192.0.2.2 port 55555 ssh2")
          .ok);
  EXPECT_EQ(outcome(), "failure");
  EXPECT_EQ(src(), "192.0.2.2");
  EXPECT_EQ(core::format_rfc3339(ev_.ts()), "2019-07-08T21:40:17.954167Z");
}

TEST_F(SyslogDecoderTest, JournalShortAndJson) {
  ASSERT_TRUE(run("srv sshd[22708]: Invalid user ftp from 192.0.2.2 port 37220").ok);
  EXPECT_EQ(src(), "192.0.2.2");
  ASSERT_TRUE(
      run(R"({"__REALTIME_TIMESTAMP":"1700000000000000","_HOSTNAME":"web1","SYSLOG_IDENTIFIER":"sshd","_PID":"42","MESSAGE":"Invalid user bob from 198.51.100.7 port 5"})")
          .ok);
  EXPECT_EQ(src(), "198.51.100.7");
  EXPECT_EQ(ev_.str(Field::Host), "web1");
  EXPECT_EQ(core::format_rfc3339(ev_.ts()), "2023-11-14T22:13:20Z");
}

TEST_F(SyslogDecoderTest, PostfixRejectAndSasl) {
  ASSERT_TRUE(run("Dec 30 18:19:15 x postfix/smtpd[1574]: NOQUEUE: reject: RCPT from "
                  "bad.example.com[93.184.216.34]: "
                  "454 4.7.1 Service unavailable; Client host [93.184.216.34] blocked using "
                  "rbl.example.com; "
                  "from=<s@example.com> to=<g@example.org> proto=ESMTP helo=<bad>")
                  .ok);
  EXPECT_EQ(ev_.kind(), model::EventKind::MailRejected);
  EXPECT_EQ(outcome(), "failure");
  EXPECT_EQ(src(), "93.184.216.34");
  EXPECT_EQ(ev_.str(Field::ListName), "rbl.example.com");
  EXPECT_EQ(ev_.str(Field::RecipientDomain), "example.org");
  ASSERT_TRUE(run("Feb  3 08:29:28 m postfix/smtpd[1]: warning: unknown[1.1.1.1]: SASL LOGIN "
                  "authentication "
                  "failed: Connection lost to authentication server")
                  .ok);
  EXPECT_EQ(outcome(), "neutral");
}

TEST_F(SyslogDecoderTest, PostfixQueueLines) {
  ASSERT_TRUE(run("Nov 25 14:02:25 m postfix/pickup[10]: 3F1A2B4C5D: uid=1001 from=<alice>").ok);
  EXPECT_EQ(ev_.kind(), model::EventKind::MailReceived);
  EXPECT_EQ(ev_.get(Field::Uid)->i, 1001);
  ASSERT_TRUE(run("Nov 25 14:02:26 m postfix/smtp[11]: 3F1A2B4C5D: to=<bob@example.net>, "
                  "relay=mx.example.net[203.0.113.5]:25, delay=1, dsn=2.0.0, status=sent (250 ok)")
                  .ok);
  EXPECT_EQ(ev_.kind(), model::EventKind::MailSent);
  EXPECT_EQ(ev_.str(Field::DeliveryStatus), "sent");
  EXPECT_EQ(ev_.str(Field::RecipientDomain), "example.net");
}

TEST_F(SyslogDecoderTest, DovecotNoAuthAttemptsIsNeutral) {
  ASSERT_TRUE(run("Jun 13 20:48:11 p dovecot: pop3-login: Disconnected (no auth attempts): "
                  "rip=121.44.24.254, "
                  "lip=113.212.99.194, TLS: Disconnected")
                  .ok);
  EXPECT_EQ(outcome(), "neutral");
  ASSERT_TRUE(run("Jun 13 16:30:54 p dovecot: imap-login: Disconnected (auth failed, 2 attempts): "
                  "user=<bob>, method=PLAIN, rip=49.176.98.87, lip=1.2.3.4, TLS")
                  .ok);
  EXPECT_EQ(outcome(), "failure");
  EXPECT_EQ(src(), "49.176.98.87");
  EXPECT_EQ(ev_.str(Field::User), "bob");
}

TEST_F(SyslogDecoderTest, NativeFormats) {
  ASSERT_TRUE(
      run("2013-06-12 03:57:58 login authenticator failed for (ylmf-pc) [120.196.140.45]: 535 "
          "Incorrect authentication data")
          .ok);
  EXPECT_EQ(src(), "120.196.140.45");
  ASSERT_TRUE(
      run("[Sat Jul 20 21:39:11.978080 2013] [auth_basic:error] [pid 1:tid 2] [client "
          "127.0.0.1:51390] "
          "AH01617: user username: authentication failure for \"/basic/file\": Password Mismatch")
          .ok);
  EXPECT_EQ(outcome(), "failure");
  EXPECT_EQ(core::format_rfc3339(ev_.ts()), "2013-07-20T21:39:11.978080Z");
  ASSERT_TRUE(
      run("2012/04/09 11:53:36 [error] 2865#0: *66647 user \"xyz\": password mismatch, client: "
          "192.0.43.10, server: www.myhost.com, request: \"GET / HTTP/1.1\"")
          .ok);
  EXPECT_EQ(src(), "192.0.43.10");
  EXPECT_EQ(ev_.str(Field::User), "xyz");
  ASSERT_TRUE(run("11-Aug-2013 03:36:11.372 error: client 1.2.3.4#52115: zone transfer "
                  "'domain.com/AXFR/IN' denied")
                  .ok);
  EXPECT_EQ(ev_.kind(), model::EventKind::DnsQuery);
  EXPECT_EQ(ev_.str(Field::Qtype), "AXFR");
  ASSERT_TRUE(run("130324  8:24:09 [Warning] Access denied for user 'root'@'220.95.238.171' (using "
                  "password: NO)")
                  .ok);
  EXPECT_EQ(src(), "220.95.238.171");
}

TEST_F(SyslogDecoderTest, FtpUpload) {
  ASSERT_TRUE(run("Thu Sep  8 00:39:49 2016 [pid 3] [alice] OK UPLOAD: Client \"192.0.2.1\", "
                  "\"/www/shell.php\", "
                  "1234 bytes, 5.00Kbyte/sec")
                  .ok);
  EXPECT_EQ(ev_.kind(), model::EventKind::FtpTransfer);
  EXPECT_EQ(ev_.str(Field::FilePath), "/www/shell.php");
  EXPECT_EQ(ev_.get(Field::Size)->i, 1234);
}

// Exim's "cwd=" line (log_selector +arguments) names the directory a local submission ran in:
// the "<=" line after it gets it as `script`, and the deliveries inherit it by queue id. Not
// a message from the network (H=), not one seconds later, not another process's.
TEST_F(SyslogDecoderTest, EximCwdIsTheScriptOfTheNextLocalSubmission) {
  const std::string path = "/home/shop3/public_html/contact";
  EXPECT_FALSE(run("2024-12-08 01:00:00 cwd=" + path + " 3 args: /usr/sbin/sendmail -t -i").ok);
  ASSERT_TRUE(run("2024-12-08 01:00:00 1vABCD-000123-AB <= shop3@web1.example.jp U=shop3 "
                  "P=local S=1234")
                  .ok);
  EXPECT_EQ(ev_.str(Field::Script), path);
  ASSERT_TRUE(run("2024-12-08 01:00:01 1vABCD-000123-AB => r1@example.com R=dnslookup "
                  "T=remote_smtp H=mx.example.com [192.0.2.20] C=\"250 OK\"")
                  .ok);
  EXPECT_EQ(ev_.str(Field::Script), path);
  // One cwd line is one submission: the next local one without its own gets none.
  ASSERT_TRUE(run("2024-12-08 01:00:01 1vABCE-000124-AB <= shop3@web1.example.jp U=shop3 "
                  "P=local S=99")
                  .ok);
  EXPECT_FALSE(ev_.has(Field::Script));
  // A message from the network after a cwd line: not the script's.
  run("2024-12-08 01:00:02 cwd=/var/spool/exim4 3 args: /usr/sbin/exim4 -Mc 1vX");
  ASSERT_TRUE(run("2024-12-08 01:00:02 1vABCF-000125-AB <= a@b.example H=(pc) [198.51.100.7] "
                  "P=esmtpsa A=dovecot_login:a@b.example S=2000")
                  .ok);
  EXPECT_FALSE(ev_.has(Field::Script));
  // Too late (5 s), and another process's (pids differ): none.
  run("2024-12-08 01:00:10 cwd=/home/x/www 3 args: /usr/sbin/sendmail -t -i");
  ASSERT_TRUE(run("2024-12-08 01:00:15 1vABCG-000126-AB <= x@web1.example.jp U=x P=local S=5").ok);
  EXPECT_FALSE(ev_.has(Field::Script));
  run("2024-12-08 01:00:20 [4001] cwd=/home/y/www 3 args: /usr/sbin/sendmail -t -i");
  ASSERT_TRUE(
      run("2024-12-08 01:00:20 [4002] 1vABCH-000127-AB <= y@web1.example.jp U=y P=local S=5").ok);
  EXPECT_FALSE(ev_.has(Field::Script));
  run("2024-12-08 01:00:21 [4003] cwd=/home/y/www 3 args: /usr/sbin/sendmail -t -i");
  ASSERT_TRUE(
      run("2024-12-08 01:00:21 [4003] 1vABCI-000128-AB <= y@web1.example.jp U=y P=local S=5").ok);
  EXPECT_EQ(ev_.str(Field::Script), "/home/y/www");
}

TEST_F(SyslogDecoderTest, GarbageIsRejectedNotCrashed) {
  EXPECT_FALSE(run("").ok);
  EXPECT_FALSE(run("hello world").ok);
  EXPECT_FALSE(run("<999").ok);
  EXPECT_FALSE(run("{not json").ok);
  EXPECT_FALSE(run("Jan  1 00:00:00").ok);
  EXPECT_FALSE(run("<13>1 ").ok);
  EXPECT_FALSE(run(std::string_view("\0\0\0", 3)).ok);
}

}  // namespace
}  // namespace bannin::decode::syslog
