// The notice stage's account side (issue 17, notify/notifier_join.cpp and templates.cpp): a
// form relay on a site and a mail burst from the site's account in the same hour are one
// notice; a mail burst alone goes to the account's contacts and names the account; a
// leaked-password notice says how to choose a new password (and not to reuse the old one), in
// Japanese and English; a burst from another account, or too late, stays its own incident.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/notify/notifier.h>

namespace bannin::notify {
namespace {

constexpr core::TimeNs kS = core::kNsPerSec;
constexpr core::TimeNs kT0 = 1613683295 * kS;

class LogChannel final : public Channel {
 public:
  explicit LogChannel(std::vector<std::pair<Notice, std::string>>& log) : log_(log) {}
  [[nodiscard]] const char* name() const noexcept override { return "log"; }
  [[nodiscard]] bool per_recipient() const noexcept override { return true; }
  core::Result<bool> deliver(const Notice& n, const std::string& recipient) override {
    log_.emplace_back(n, recipient);
    return true;
  }

 private:
  std::vector<std::pair<Notice, std::string>>& log_;
};

std::shared_ptr<const enrich::Inventory> inventory() {
  auto inv = std::make_shared<enrich::Inventory>();
  std::vector<std::string> problems;
  inv->add_yaml_text(
      "accounts:\n  hanako: {contacts: [hanako@example.jp], language: ja}\n"
      "  taro: {contacts: [taro@example.jp], language: en}\n"
      "sites:\n  - names: [shop.example.jp]\n    account: hanako\n    docroot: /home/hanako/www\n"
      "  - names: [blog.example.jp]\n    account: taro\n    docroot: /home/taro/www\n",
      "inv.yaml", problems);
  EXPECT_TRUE(problems.empty());
  return inv;
}

NotifyOptions options() {
  NotifyOptions o;
  o.operator_contacts = {"abuse@host.example"};
  o.operator_language = "en";
  o.gather = 10 * kS;
  o.digest_interval = 600 * kS;
  o.enforce = true;
  return o;
}

FindingNote relay(core::TimeNs ts, core::TimeNs wall) {
  FindingNote f;
  f.rule = "web.form_relay.many_sources";
  f.title = "A web form used as a relay";
  f.ts = ts;
  f.wall = wall;
  f.group = {{"vhost", "shop.example.jp"}, {"path", "/contact/"}};
  f.numbers = {{"distinct(src_ip)", 12}};
  f.number_names = {{"distinct(src_ip)", "sources"}};
  f.evidence = {"198.51.100.1 - - [19/Feb/2021:05:21:35 +0900] \"POST /contact/ HTTP/1.1\" 200 1"};
  return f;
}

FindingNote burst(const std::string& account, core::TimeNs ts, core::TimeNs wall) {
  FindingNote f;
  f.rule = "mail.outbound.burst";
  f.title = "A hosting account sending a burst of mail";
  f.ts = ts;
  f.wall = wall;
  f.group = {{"account", account}};
  f.numbers = {{"count()", 240}, {"distinct(recipient_domain)", 180}};
  f.number_names = {{"count()", "deliveries"}, {"distinct(recipient_domain)", "domains"}};
  f.evidence = {"Feb 19 05:22:01 web1 postfix/smtp[2103]: A1: to=<x@example.com>, status=sent"};
  return f;
}

decide::Decision burst_notice(const std::string& account, core::TimeNs ts) {
  decide::Decision d;
  d.ts = ts;
  d.rule = "mail.outbound.burst";
  d.action = "notify_only";
  d.scope = "account";
  d.account = account;
  d.ttl = 86400 * kS;
  d.reason = "Account " + account + " sent 240 messages in 10 minutes";
  return d;
}

const std::pair<Notice, std::string>* to(const std::vector<std::pair<Notice, std::string>>& log,
                                         const std::string& who) {
  for (const auto& e : log) {
    if (e.second == who) return &e;
  }
  return nullptr;
}

TEST(NotifierAccounts, AFormRelayAndItsAccountsMailBurstAreOneNotice) {
  std::vector<std::pair<Notice, std::string>> log;
  std::vector<std::unique_ptr<Channel>> ch;
  ch.push_back(std::make_unique<LogChannel>(log));
  Notifier n(options(), std::move(ch), inventory(), nullptr);
  const core::TimeNs w0 = 1000 * kS;
  n.observe(relay(kT0, w0));
  n.observe(burst("hanako", kT0 + 120 * kS, w0 + 2 * kS));
  n.observe(burst_notice("hanako", kT0 + 120 * kS), w0 + 2 * kS);
  n.tick(w0 + 20 * kS);
  // One incident: the owner (ja) and the operator (en), not two incidents each.
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(n.status().incidents, 1u);
  const auto* en = to(log, "abuse@host.example");
  ASSERT_NE(en, nullptr);
  EXPECT_NE(en->first.subject.find("its account is sending a burst of mail"), std::string::npos)
      << en->first.subject;
  EXPECT_NE(en->first.text.find("At the same time: A hosting account sending a burst of mail"),
            std::string::npos)
      << en->first.text;
  EXPECT_NE(en->first.text.find("account=hanako"), std::string::npos);
  EXPECT_NE(en->first.text.find("deliveries=240"), std::string::npos) << en->first.text;
  EXPECT_NE(en->first.text.find("postfix/smtp[2103]"), std::string::npos) << "mail evidence";
  EXPECT_NE(en->first.json.find("\"related\":[\"mail.outbound.burst account=hanako\"]"),
            std::string::npos)
      << en->first.json;
  const auto* ja = to(log, "hanako@example.jp");
  ASSERT_NE(ja, nullptr);
  EXPECT_NE(ja->first.text.find("同じ時間帯に関連する検知"), std::string::npos);
}

TEST(NotifierAccounts, AnotherAccountsBurstOrALateOneIsItsOwnIncident) {
  std::vector<std::pair<Notice, std::string>> log;
  std::vector<std::unique_ptr<Channel>> ch;
  ch.push_back(std::make_unique<LogChannel>(log));
  Notifier n(options(), std::move(ch), inventory(), nullptr);
  const core::TimeNs w0 = 1000 * kS;
  n.observe(relay(kT0, w0));
  n.observe(burst("taro", kT0 + 60 * kS, w0 + 1 * kS));          // another account
  n.observe(burst("hanako", kT0 + 3 * 3600 * kS, w0 + 2 * kS));  // hours later
  n.tick(w0 + 20 * kS);
  EXPECT_EQ(n.status().incidents, 3u);
  // The burst alone goes to the account's contact, names the account, says what to check.
  const auto* taro = to(log, "taro@example.jp");
  ASSERT_NE(taro, nullptr);
  EXPECT_NE(taro->first.subject.find("unusual mail sending from the account taro"),
            std::string::npos)
      << taro->first.subject;
  EXPECT_NE(taro->first.text.find("mail queue and mail log"), std::string::npos)
      << taro->first.text;
  EXPECT_NE(taro->first.text.find("/home/taro/www"), std::string::npos) << "the account's docroot";
}

TEST(NotifierAccounts, ALeakedPasswordNoticeSaysHowToChooseANewOne) {
  std::vector<std::pair<Notice, std::string>> log;
  std::vector<std::unique_ptr<Channel>> ch;
  ch.push_back(std::make_unique<LogChannel>(log));
  Notifier n(options(), std::move(ch), inventory(), nullptr);
  const core::TimeNs w0 = 1000 * kS;
  FindingNote f;
  f.rule = "auth.login.many_countries";
  f.title = "One mailbox or FTP login used from several countries within an hour (S5)";
  f.ts = kT0;
  f.wall = w0;
  f.group = {{"user", "info@shop.example.jp"}};
  f.numbers = {{"distinct(country)", 4}};
  n.observe(f);
  decide::Decision d;
  d.ts = kT0;
  d.rule = f.rule;
  d.action = "reset_password";
  d.scope = "user";
  d.user = "info@shop.example.jp";
  d.ttl = 86400 * kS;
  d.reason = "The login info@shop.example.jp succeeded from 4 countries";
  n.observe(d, w0);
  n.tick(w0 + 20 * kS);
  // The mailbox's site's owner (ja) and the operator (en).
  const auto* ja = to(log, "hanako@example.jp");
  const auto* en = to(log, "abuse@host.example");
  ASSERT_NE(ja, nullptr);
  ASSERT_NE(en, nullptr);
  EXPECT_NE(en->first.subject.find("password of info@shop.example.jp appears to be leaked"),
            std::string::npos);
  EXPECT_NE(en->first.text.find("reset through the hosting panel"), std::string::npos);
  EXPECT_NE(en->first.text.find("Do not reuse the old one"), std::string::npos) << en->first.text;
  EXPECT_EQ(en->first.text.find("Lifting the measure early"), std::string::npos)
      << "a reset is not lifted";
  EXPECT_NE(ja->first.text.find("使い回し"), std::string::npos) << ja->first.text;
  EXPECT_NE(ja->first.text.find("管理パネル経由でリセット"), std::string::npos);
}

}  // namespace
}  // namespace bannin::notify
