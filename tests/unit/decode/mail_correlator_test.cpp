// MailCorrelator through SyslogDecoder: hand-written postfix, sendmail and exim sequences
// (submission line first, delivery lines later) and the table's bound, expiry and removal.
#include <list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/decode/mail_correlator.h>
#include <bannin/decode/syslog/syslog_decoder.h>

namespace bannin::decode {
namespace {

using model::EventKind;
using model::Field;

std::int64_t int_of(const model::Event& ev, Field f) {
  const model::FieldValue* v = ev.get(f);
  return v == nullptr ? -1 : v->i;
}

class MailCorrelatorTest : public ::testing::Test {
 protected:
  MailCorrelatorTest() { dec_.set_year(2024); }

  // Decodes each line; the event of the last one stays in ev_ (its views point into the
  // copies kept in lines_, as they would point into the reader's buffer).
  void feed(const std::vector<std::string>& lines) {
    for (const std::string& l : lines) {
      lines_.push_back(l);
      ev_.reset();
      last_ok_ = dec_.decode(lines_.back(), ev_).ok();
    }
  }
  void feed_one(const std::string& line) { feed(std::vector<std::string>{line}); }

  syslog::SyslogDecoder dec_;
  model::Event ev_;
  bool last_ok_ = false;
  std::list<std::string> lines_;
};

TEST_F(MailCorrelatorTest, PostfixPickupUidReachesSmtpDelivery) {
  feed({
      "Mar  4 09:12:01 web1 postfix/pickup[2101]: 3F2A11C0042: uid=1003 from=<shopuser>",
      "Mar  4 09:12:01 web1 postfix/cleanup[2102]: 3F2A11C0042: message-id=<a1@web1.example.jp>",
      "Mar  4 09:12:01 web1 postfix/qmgr[880]: 3F2A11C0042: from=<shopuser@shop.example.jp>, "
      "size=2844, "
      "nrcpt=1 (queue active)",
  });
  ASSERT_TRUE(last_ok_);
  EXPECT_FALSE(ev_.has(Field::Uid));  // mail.received lines are not filled (no double count)
  const std::string line =
      "Mar  4 09:12:03 web1 postfix/smtp[2103]: 3F2A11C0042: to=<buyer@mail.example.com>, "
      "relay=mx.mail.example.com[198.51.100.20]:25, delay=2.1, delays=0.1/0.01/1.2/0.8, dsn=2.0.0, "
      "status=sent (250 2.0.0 OK)";
  feed_one(line);
  ASSERT_TRUE(last_ok_);
  EXPECT_EQ(ev_.kind(), EventKind::MailSent);
  EXPECT_EQ(int_of(ev_, Field::Uid), 1003);
  EXPECT_EQ(ev_.str(Field::Sender), "shopuser@shop.example.jp");  // qmgr's, the latest
  EXPECT_EQ(int_of(ev_, Field::Size), 2844);
  EXPECT_EQ(ev_.str(Field::Recipient), "buyer@mail.example.com");
  // The filled strings live in the event's scratch, not in the line or the table.
  std::string_view sender = ev_.str(Field::Sender);
  const std::string& fed = lines_.back();
  EXPECT_FALSE(sender.data() >= fed.data() && sender.data() < fed.data() + fed.size());
  EXPECT_EQ(dec_.mail_correlator().stats().filled, 1u);

  feed_one("Mar  4 09:12:04 web1 postfix/qmgr[880]: 3F2A11C0042: removed");
  EXPECT_FALSE(last_ok_);  // not an event, but it ends the message
  EXPECT_EQ(dec_.mail_correlator().size(), 0u);
  EXPECT_EQ(dec_.mail_correlator().stats().removed, 1u);
  feed_one(line);
  EXPECT_FALSE(ev_.has(Field::Uid));
}

TEST_F(MailCorrelatorTest, PostfixSaslUserAndOtherHostsAreSeparate) {
  feed({
      "Mar  4 09:12:04 web1 postfix/smtpd[2120]: 8C01D1C0051: client=unknown[198.51.100.77], "
      "sasl_method=LOGIN, sasl_username=sales@shop.example.jp",
      "Mar  4 09:12:04 web1 postfix/qmgr[880]: 8C01D1C0051: from=<sales@shop.example.jp>, "
      "size=51022, nrcpt=1 "
      "(queue active)",
      // Same queue id on another host: a different message.
      "Mar  4 09:12:05 web2 postfix/smtp[77]: 8C01D1C0051: to=<x@example.org>, "
      "relay=mx.example.org[192.0.2.25]:25, "
      "delay=1, delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
  });
  ASSERT_TRUE(last_ok_);
  EXPECT_FALSE(ev_.has(Field::User));
  EXPECT_FALSE(ev_.has(Field::Sender));
  feed_one(
      "Mar  4 09:12:05 web1 postfix/smtp[2105]: 8C01D1C0051: to=<lead@example.org>, "
      "relay=mx.example.org[192.0.2.25]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent "
      "(250 2.0.0 Ok)");
  ASSERT_TRUE(last_ok_);
  EXPECT_EQ(ev_.str(Field::User), "sales@shop.example.jp");
  EXPECT_EQ(ev_.str(Field::Sender), "sales@shop.example.jp");
  EXPECT_FALSE(ev_.has(Field::SrcIp));  // the submitting client's address is not copied
}

TEST_F(MailCorrelatorTest, PostfixContentFilterHandOverKeepsTheAccount) {
  feed({
      "Mar  4 10:00:00 web1 postfix/pickup[1]: 1A2B3C4D5E: uid=1007 from=<wp>",
      "Mar  4 10:00:00 web1 postfix/qmgr[880]: 1A2B3C4D5E: from=<wp@blog.example.jp>, size=900, "
      "nrcpt=1 (queue active)",
      // amavis reinjects as 9F8E7D6C5B before answering the first hop
      "Mar  4 10:00:01 web1 postfix/smtpd[5]: 9F8E7D6C5B: client=localhost[127.0.0.1]",
      "Mar  4 10:00:01 web1 postfix/qmgr[880]: 9F8E7D6C5B: from=<wp@blog.example.jp>, size=1300, "
      "nrcpt=1 (queue active)",
      "Mar  4 10:00:01 web1 postfix/smtp[6]: 1A2B3C4D5E: to=<v@example.com>, "
      "relay=127.0.0.1[127.0.0.1]:10024, "
      "delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 from "
      "MTA(smtp:[127.0.0.1]:10025): "
      "250 2.0.0 Ok: queued as 9F8E7D6C5B)",
      "Mar  4 10:00:02 web1 postfix/smtp[7]: 9F8E7D6C5B: to=<v@example.com>, "
      "relay=mx.example.com[192.0.2.40]:25, "
      "delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)",
  });
  ASSERT_TRUE(last_ok_);
  EXPECT_EQ(int_of(ev_, Field::Uid), 1007);
  EXPECT_EQ(int_of(ev_, Field::Size), 1300);  // the second queue's own size is kept
  EXPECT_EQ(dec_.mail_correlator().stats().linked, 1u);
}

TEST_F(MailCorrelatorTest, RemoteQueuedAsIsNotFollowed) {
  feed({
      "Mar  4 10:00:00 web1 postfix/pickup[1]: 1A2B3C4D5E: uid=1007 from=<wp>",
      "Mar  4 10:00:01 web1 postfix/smtp[6]: 1A2B3C4D5E: to=<v@example.com>, "
      "relay=mx.example.com[192.0.2.40]:25, "
      "delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4Tq9Xb2kLmz)",
  });
  EXPECT_EQ(dec_.mail_correlator().stats().linked, 0u);
  EXPECT_EQ(dec_.mail_correlator().size(), 1u);
}

TEST_F(MailCorrelatorTest, SendmailLocalSubmissionThroughTheMta) {
  feed({
      "Mar  4 09:13:10 web1 sendmail[3300]: 424DCAt1003300: from=wpuser, size=1204, class=0, "
      "nrcpts=2, "
      "msgid=<202403040913.424DCAt1003300@web1.example.jp>, relay=wpuser@localhost",
  });
  ASSERT_TRUE(last_ok_);
  EXPECT_EQ(ev_.str(Field::Account), "wpuser");
  EXPECT_FALSE(ev_.has(Field::SrcIp));
  feed({
      "Mar  4 09:13:10 web1 sm-mta[3301]: 424DCAa2003301: from=<wpuser@web1.example.jp>, "
      "size=1411, class=0, "
      "nrcpts=1, msgid=<202403040913.424DCAt1003300@web1.example.jp>, proto=ESMTP, daemon=MTA-v4, "
      "relay=localhost [127.0.0.1]",
      "Mar  4 09:13:10 web1 sendmail[3300]: 424DCAt1003300: to=victim@example.com, ctladdr=wpuser "
      "(1007/1007), "
      "delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=31204, relay=[127.0.0.1] [127.0.0.1], "
      "dsn=2.0.0, "
      "stat=Sent (424DCAa2003301 Message accepted for delivery)",
  });
  ASSERT_TRUE(last_ok_);
  EXPECT_EQ(ev_.str(Field::Reason), "424DCAa2003301 Message accepted for delivery");
  EXPECT_EQ(int_of(ev_, Field::Uid), 1007);
  // The MTA's delivery has no ctladdr: it inherits the MSP's account through the hand-over.
  feed_one(
      "Mar  4 09:13:12 web1 sm-mta[3303]: 424DCAa2003301: to=<victim@example.com>, delay=00:00:02, "
      "xdelay=00:00:02, mailer=esmtp, pri=121411, relay=mx.example.com. [192.0.2.40], dsn=2.0.0, "
      "stat=Sent (OK id=1rh)");
  ASSERT_TRUE(last_ok_);
  EXPECT_EQ(ev_.str(Field::Account), "wpuser");
  EXPECT_EQ(int_of(ev_, Field::Uid), 1007);
  EXPECT_EQ(ev_.str(Field::Sender), "wpuser@web1.example.jp");
}

TEST_F(MailCorrelatorTest, SendmailCtladdrTeachesTheOtherRecipients) {
  feed({
      "Mar  4 09:20:00 web1 sendmail[10]: 424DKt0a000010: to=a@example.com, "
      "ctladdr=<bob@web1.example.jp> (1011/100), "
      "delay=00:00:01, mailer=esmtp, pri=30000, relay=mx.example.com. [192.0.2.40], dsn=2.0.0, "
      "stat=Sent (ok)",
      "Mar  4 09:20:01 web1 sendmail[10]: 424DKt0a000010: to=b@example.net, delay=00:00:02, "
      "mailer=esmtp, "
      "pri=30000, relay=mx.example.net. [192.0.2.41], dsn=4.0.0, stat=Deferred: Connection refused "
      "by mx.example.net.",
  });
  ASSERT_TRUE(last_ok_);
  EXPECT_EQ(ev_.str(Field::Account), "bob@web1.example.jp");
  EXPECT_EQ(int_of(ev_, Field::Uid), 1011);
}

TEST_F(MailCorrelatorTest, EximLocalUserReachesDeliveriesUntilCompleted) {
  feed({
      "Mar  4 09:14:00 web1 exim[4400]: 2024-03-04 09:14:00 1rh6Zk-0001AB-7Q <= "
      "newsletter@blog.example.jp "
      "U=blogacct P=local S=3312 id=E1rh6Zk-0001AB-7Q@web1.example.jp",
      "Mar  4 09:14:01 web1 exim[4401]: 2024-03-04 09:14:01 1rh6Zk-0001AB-7Q => reader@example.com "
      "R=dnslookup "
      "T=remote_smtp H=mx.example.com [192.0.2.50] C=\"250 2.0.0 OK\"",
  });
  ASSERT_TRUE(last_ok_);
  EXPECT_EQ(ev_.kind(), EventKind::MailSent);
  EXPECT_EQ(ev_.str(Field::Account), "blogacct");
  EXPECT_EQ(ev_.str(Field::Sender), "newsletter@blog.example.jp");
  EXPECT_EQ(int_of(ev_, Field::Size), 3312);
  feed_one("Mar  4 09:14:01 web1 exim[4401]: 2024-03-04 09:14:01 1rh6Zk-0001AB-7Q Completed");
  EXPECT_EQ(dec_.mail_correlator().size(), 0u);
}

TEST_F(MailCorrelatorTest, EximNativeMainLogWithAuthenticatedSender) {
  feed({
      "2024-03-04 09:30:00 1rh7AB-0002CD-9X <= spam@shop.example.jp H=(pc) [203.0.113.9] P=esmtpa "
      "A=dovecot_login:sales@shop.example.jp S=1500",
      "2024-03-04 09:30:01 1rh7AB-0002CD-9X => x@example.com R=dnslookup T=remote_smtp "
      "H=mx.example.com [192.0.2.50]",
  });
  ASSERT_TRUE(last_ok_);
  EXPECT_EQ(ev_.str(Field::User), "sales@shop.example.jp");
  feed_one("2024-03-04 09:30:01 1rh7AB-0002CD-9X Completed");
  EXPECT_EQ(dec_.mail_correlator().size(), 0u);
}

TEST_F(MailCorrelatorTest, RejectWithQueueIdGetsTheAccountButKeepsItsSender) {
  feed({
      "Mar  4 11:00:00 web1 postfix/pickup[1]: 5A5A5A5A5A: uid=1020 from=<mallory>",
      "Mar  4 11:00:00 web1 postfix/cleanup[2]: 5A5A5A5A5A: reject: header Subject: Cheap pills "
      "from local; "
      "from=<mallory@shop.example.jp> to=<x@example.com>: 5.7.1 spam",
  });
  if (last_ok_ && ev_.kind() == EventKind::MailRejected) {
    EXPECT_EQ(int_of(ev_, Field::Uid), 1020);
  }
}

// The table itself.
model::Event& received(model::Event& ev, std::string_view host, std::string_view qid,
                       core::TimeNs ts, std::int64_t uid) {
  ev.reset();
  ev.set_kind(EventKind::MailReceived);
  ev.set_ts(ts);
  ev.set_string(Field::Host, host);
  ev.set_string(Field::QueueId, qid);
  ev.set_int(Field::Uid, uid);
  return ev;
}

model::Event& sent(model::Event& ev, std::string_view host, std::string_view qid, core::TimeNs ts) {
  ev.reset();
  ev.set_kind(EventKind::MailSent);
  ev.set_ts(ts);
  ev.set_string(Field::Host, host);
  ev.set_string(Field::QueueId, qid);
  return ev;
}

constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr core::TimeNs kT0 = 1'700'000'000 * kSec;

TEST(MailCorrelatorTable, BoundEvictsLeastRecentlySeenAndCountsIt) {
  MailCorrelator c({.max_entries = 3, .ttl = 3600 * kSec});
  model::Event ev;
  c.observe(received(ev, "h", "AAAAA1", kT0, 1));
  c.observe(received(ev, "h", "AAAAA2", kT0 + 1, 2));
  c.observe(received(ev, "h", "AAAAA3", kT0 + 2, 3));
  c.observe(sent(ev, "h", "AAAAA1", kT0 + 3));  // touches 1: now 2 is the oldest
  c.observe(received(ev, "h", "AAAAA4", kT0 + 4, 4));
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.stats().evicted, 1u);
  c.observe(sent(ev, "h", "AAAAA2", kT0 + 5));
  EXPECT_FALSE(ev.has(Field::Uid));
  c.observe(sent(ev, "h", "AAAAA1", kT0 + 6));
  EXPECT_EQ(ev.get(Field::Uid)->i, 1);
  c.observe(sent(ev, "h", "AAAAA4", kT0 + 7));
  EXPECT_EQ(ev.get(Field::Uid)->i, 4);
}

TEST(MailCorrelatorTable, ExpiresByEventTimeNotWallClock) {
  MailCorrelator c({.max_entries = 100, .ttl = 60 * kSec});
  model::Event ev;
  c.observe(received(ev, "h", "BBBBB1", kT0, 7));
  c.observe(received(ev, "h", "BBBBB2", kT0 + 50 * kSec, 8));
  c.observe(sent(ev, "h", "BBBBB1", kT0 + 60 * kSec));  // exactly ttl: still there, and touched
  EXPECT_EQ(ev.get(Field::Uid)->i, 7);
  c.observe(sent(ev, "h", "BBBBB2", kT0 + 111 * kSec));  // 2 was last seen at +50: 61 s ago
  EXPECT_FALSE(ev.has(Field::Uid));
  EXPECT_EQ(c.stats().expired, 1u);
  EXPECT_EQ(c.size(), 1u);
  c.observe(sent(ev, "h", "BBBBB1", kT0 + 200 * kSec));
  EXPECT_FALSE(ev.has(Field::Uid));
  EXPECT_EQ(c.stats().expired, 2u);
  EXPECT_EQ(c.size(), 0u);
}

TEST(MailCorrelatorTable, AStaleTimestampDoesNotMoveTheClockBack) {
  MailCorrelator c({.max_entries = 100, .ttl = 60 * kSec});
  model::Event ev;
  c.observe(received(ev, "h", "CCCCC1", kT0 + 1000 * kSec, 1));
  c.observe(received(ev, "h", "CCCCC2", kT0, 2));  // written late, dated early
  c.observe(sent(ev, "h", "CCCCC2", kT0 + 1001 * kSec));
  EXPECT_EQ(ev.get(Field::Uid)->i, 2);  // its last line counts as "now", not as its old date
}

TEST(MailCorrelatorTable, OversizedValuesAreNotKeptAndNothingCrashes) {
  MailCorrelator c({.max_entries = 2, .ttl = 60 * kSec});
  model::Event ev;
  std::string huge(5000, 'x');
  received(ev, "h", "DDDDD1", kT0, 1);
  ev.set_string(Field::Sender, huge);
  c.observe(ev);
  c.observe(sent(ev, "h", "DDDDD1", kT0 + 1));
  EXPECT_FALSE(ev.has(Field::Sender));
  EXPECT_EQ(ev.get(Field::Uid)->i, 1);
  c.observe(received(ev, "h", huge, kT0, 1));  // an absurd queue id is ignored
  EXPECT_EQ(c.size(), 1u);
  c.forget("h", "nope");
  c.forget("", "");
  for (int i = 0; i < 1000; ++i)
    c.observe(received(ev, "h", "E" + std::to_string(100000 + i), kT0 + i, i));
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.stats().evicted, 999u);
  c.clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.stats().evicted, 0u);
}

// issue 17: the script that called PHP's mail(), from a header_checks INFO (or WARN) line,
// reaches every delivery of the message; other logged headers are not events.
TEST_F(MailCorrelatorTest, PhpOriginatingScriptReachesTheDeliveries) {
  feed({
      "Mar  4 09:12:01 web1 postfix/pickup[2101]: 4B2A11C0042: uid=1003 from=<shopuser>",
      "Mar  4 09:12:01 web1 postfix/cleanup[2102]: 4B2A11C0042: info: header "
      "X-PHP-Originating-Script: 1003:wp-content/uploads/x.php from local; "
      "from=<shopuser@shop.example.jp> to=<a@example.com>",
  });
  ASSERT_TRUE(last_ok_);
  EXPECT_EQ(ev_.kind(), EventKind::MailReceived);
  EXPECT_EQ(ev_.str(Field::Script), "wp-content/uploads/x.php");
  EXPECT_EQ(ev_.str(Field::Sender), "shopuser@shop.example.jp");
  feed_one(
      "Mar  4 09:12:03 web1 postfix/smtp[2103]: 4B2A11C0042: to=<a@example.com>, relay=none, "
      "delay=2, delays=0.1/0/2/0, dsn=4.4.1, status=deferred (connect to "
      "example.com[192.0.2.9]:25: "
      "Connection refused)");
  ASSERT_TRUE(last_ok_);
  EXPECT_EQ(ev_.kind(), EventKind::MailSent);
  EXPECT_EQ(ev_.str(Field::Script), "wp-content/uploads/x.php");
  EXPECT_EQ(int_of(ev_, Field::Uid), 1003);

  // WARN instead of INFO, a smtpd client instead of local, no uid prefix.
  feed_one(
      "Mar  4 09:13:01 web1 postfix/cleanup[2102]: 5C2A11C0042: warning: header "
      "X-PHP-Originating-Script: contact form.php from unknown[192.0.2.7]; from=<u@x.jp> "
      "to=<b@example.com> proto=ESMTP helo=<x>");
  ASSERT_TRUE(last_ok_);
  EXPECT_EQ(ev_.str(Field::Script), "contact form.php");
  // Another header logged by header_checks is not an event.
  feed_one(
      "Mar  4 09:13:02 web1 postfix/cleanup[2102]: 6D2A11C0042: info: header Subject: hello "
      "from local; from=<u@x.jp> to=<b@example.com>");
  EXPECT_FALSE(last_ok_);
  // An empty value is not a script.
  feed_one(
      "Mar  4 09:13:03 web1 postfix/cleanup[2102]: 7E2A11C0042: info: header "
      "X-PHP-Originating-Script: 1003: from local; from=<u@x.jp> to=<b@example.com>");
  EXPECT_FALSE(last_ok_);
}

}  // namespace
}  // namespace bannin::decode
