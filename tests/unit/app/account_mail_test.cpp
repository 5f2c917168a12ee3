// AccountMailTally: mail.sent events counted per sender and hour of event time — the
// account, else the SASL login, else the sender's domain; deferred and bounced deliveries
// counted apart; the top senders of the 24 hours before a listing, most first; hours older
// than the day dropped as the ring turns; other kinds and bounces ignored; the number of
// senders bounded.
#include <string>

#include <gtest/gtest.h>

#include <bannin/app/account_mail.h>

namespace bannin::app {
namespace {

constexpr core::TimeNs kHour = core::kNsPerHour;
constexpr core::TimeNs kT0 = 1764000000LL * core::kNsPerSec;  // 2025-11-24T16:00:00Z

struct Mail {
  std::string account, user, sender, status = "sent";
};

void send(AccountMailTally& t, core::TimeNs ts, const Mail& m, int n = 1) {
  model::Event ev;
  for (int i = 0; i < n; ++i) {
    ev.reset();
    ev.set_kind(model::EventKind::MailSent);
    ev.set_ts(ts);
    if (!m.account.empty()) ev.set_string(model::Field::Account, m.account);
    if (!m.user.empty()) ev.set_string(model::Field::User, m.user);
    if (!m.sender.empty()) ev.set_string(model::Field::Sender, m.sender);
    ev.set_string(model::Field::DeliveryStatus, m.status);
    t.count(ev);
  }
}

TEST(AccountMailTally, TopSendersOfTheDayBefore) {
  AccountMailTally t;
  send(t, kT0 - 3 * kHour, {"shop3", "", "info@shop3.jp"}, 40);
  send(t, kT0 - 2 * kHour, {"shop3", "", "info@shop3.jp", "deferred"}, 15);
  send(t, kT0 - 2 * kHour, {"shop3", "", "info@shop3.jp", "bounced"}, 5);
  send(t, kT0 - 1 * kHour, {"", "sales@clinic.jp", "sales@clinic.jp"}, 12);  // SASL login
  send(t, kT0 - 1 * kHour, {"", "", "news@list.example"}, 3);                // domain only
  send(t, kT0 - 30 * kHour, {"old", "", "a@old.jp"}, 100);  // more than a day before
  send(t, kT0, {"", "", ""}, 50);                           // a bounce: no sender at all
  auto top = t.top(kT0, 24 * kHour, 5);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].who, "account shop3");
  EXPECT_EQ(top[0].deliveries, 60u);
  EXPECT_EQ(top[0].failed, 20u);
  EXPECT_EQ(top[1].who, "login sales@clinic.jp");
  EXPECT_EQ(top[1].deliveries, 12u);
  EXPECT_EQ(top[2].who, "sender domain list.example");
  EXPECT_EQ(t.top(kT0, 24 * kHour, 1).size(), 1u);
  auto lines = t.evidence(kT0, 2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "mail in the 24 h before the listing, #1: account shop3 sent 60 (20 deferred or "
            "bounced)");
}

TEST(AccountMailTally, TheRingForgetsOldHours) {
  AccountMailTally t;
  send(t, kT0, {"a", "", ""}, 10);
  // 25 hours later the same slot holds a new hour: the old count is gone, not added.
  send(t, kT0 + 25 * kHour, {"a", "", ""}, 1);
  auto top = t.top(kT0 + 25 * kHour, 24 * kHour, 5);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].deliveries, 1u);
  // Nothing in the day before a listing: one line saying so.
  AccountMailTally empty;
  auto lines = empty.evidence(kT0);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("none seen"), std::string::npos);
}

TEST(AccountMailTally, OtherKindsAreIgnoredAndSendersBounded) {
  AccountMailTally t;
  model::Event ev;
  ev.set_kind(model::EventKind::MailReceived);
  ev.set_ts(kT0);
  ev.set_string(model::Field::Account, "a");
  t.count(ev);
  EXPECT_EQ(t.senders(), 0u);
  for (std::size_t i = 0; i < AccountMailTally::kMaxSenders + 5; ++i) {
    send(t, kT0, {"acct" + std::to_string(i), "", ""});
  }
  EXPECT_EQ(t.senders(), AccountMailTally::kMaxSenders);
  EXPECT_EQ(t.untracked(), 5u);
}

}  // namespace
}  // namespace bannin::app
