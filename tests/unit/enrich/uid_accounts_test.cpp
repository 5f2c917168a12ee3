// UidAccounts (enrich/uid_accounts.h): passwd text -> uid -> account, system uids never an
// account, malformed lines counted and skipped, and mail events with a uid get the account.
#include <gtest/gtest.h>

#include <bannin/enrich/uid_accounts.h>

namespace bannin::enrich {
namespace {

TEST(UidAccounts, ParsesPasswdAndKeepsOnlyAccounts) {
  auto m = UidAccounts::parse(
      "root:x:0:0:root:/root:/bin/bash\n"
      "# a comment\n"
      "shopuser:x:1003:1003:Shop:/home/shopuser:/bin/bash\r\n"
      "\n"
      "bad line without fields\n"
      "neg:x:-5:1::/:/bin/sh\n"
      "big:x:99999999999999999999:1::/:/bin/sh\n"
      "+nis:::::::\n"
      "twin:x:1003:1003::/home/twin:/bin/sh\n"
      "last:x:1004:1004::/home/last:/bin/sh",
      1000);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.account(1003), "shopuser") << "the first name of a uid wins";
  EXPECT_EQ(m.account(1004), "last") << "a last line without a newline";
  EXPECT_EQ(m.account(0), "");
  EXPECT_EQ(m.account(4242), "");
  EXPECT_EQ(m.rejected(), 4u);
}

TEST(UidAccounts, SetsTheAccountOfMailEventsOnly) {
  auto m = UidAccounts::parse("shopuser:x:1003:1003::/home/shopuser:/bin/bash\n", 1000);
  model::Event ev;
  ev.set_kind(model::EventKind::MailSent);
  ev.set_int(model::Field::Uid, 1003);
  EXPECT_TRUE(m.enrich(ev));
  EXPECT_EQ(ev.str(model::Field::Account), "shopuser");
  // An account the log named itself (exim U=, sendmail ctladdr) is kept.
  model::Event named;
  named.set_kind(model::EventKind::MailSent);
  named.set_int(model::Field::Uid, 1003);
  named.set_string(model::Field::Account, "wpuser");
  EXPECT_FALSE(m.enrich(named));
  EXPECT_EQ(named.str(model::Field::Account), "wpuser");
  // Not a mail event, or an unknown uid: untouched.
  model::Event login;
  login.set_kind(model::EventKind::AuthAttempt);
  login.set_int(model::Field::Uid, 1003);
  EXPECT_FALSE(m.enrich(login));
  model::Event unknown;
  unknown.set_kind(model::EventKind::MailReceived);
  unknown.set_int(model::Field::Uid, 1010);
  EXPECT_FALSE(m.enrich(unknown));
  EXPECT_FALSE(unknown.has(model::Field::Account));
}

}  // namespace
}  // namespace bannin::enrich
