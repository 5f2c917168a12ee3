// The notice stage's logic: incidents (one notice each, follow-ups in a digest), the numbers
// and evidence in the text (Japanese and English), recipients from the inventory, the budget
// per recipient, retries with backoff, and the HMAC of the webhook. The channel here is a
// recording fake; tests/cli/notify_delivery_test.sh delivers through a real SMTP server and a
// real HTTP receiver.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/enrich/geo_db.h>
#include <bannin/notify/mail/smtp_channel.h>
#include <bannin/notify/notifier.h>
#include <bannin/notify/sha256.h>

namespace bannin::notify {
namespace {

constexpr core::TimeNs kS = core::kNsPerSec;
constexpr core::TimeNs kT0 = 1613683295 * kS;  // 2021-02-18 21:21:35 UTC (05:21:35 JST)

struct Sent {
  Notice notice;
  std::string recipient;
};

class FakeChannel final : public Channel {
 public:
  FakeChannel(std::vector<Sent>& log, std::vector<std::string> failures, bool per_recipient)
      : log_(log), failures_(std::move(failures)), per_recipient_(per_recipient) {}
  [[nodiscard]] const char* name() const noexcept override { return "fake"; }
  [[nodiscard]] bool per_recipient() const noexcept override { return per_recipient_; }
  core::Result<bool> deliver(const Notice& n, const std::string& recipient) override {
    if (next_ < failures_.size()) {
      const std::string code = failures_[next_++];
      if (!code.empty()) return core::make_error(code, "refused (" + code + ")");
    }
    log_.push_back(Sent{n, recipient});
    return true;
  }

 private:
  std::vector<Sent>& log_;
  std::vector<std::string> failures_;
  std::size_t next_ = 0;
  bool per_recipient_;
};

core::IpAddress ip(const char* s) {
  return *core::IpAddress::parse(s);
}

enrich::GeoDb geo() {
  return enrich::GeoDb::from_ranges({
      {ip("198.51.100.0"), ip("198.51.100.127"), enrich::CountryCode::from("US")},
      {ip("198.51.100.128"), ip("198.51.100.255"), enrich::CountryCode::from("DE")},
      {ip("203.0.113.0"), ip("203.0.113.255"), enrich::CountryCode::from("BR")},
  });
}

FindingNote relay(core::TimeNs ts, core::TimeNs wall, std::vector<std::string> members,
                  double sources, bool update) {
  FindingNote f;
  f.rule = "web.form_relay.many_sources";
  f.title = "A web form used as a relay";
  f.ts = ts;
  f.wall = wall;
  f.group = {{"vhost", "shop.example.jp"}, {"path", "/contact/"}};
  f.numbers = {{"distinct(src_ip)", sources}, {"share(country not in $home_countries)", 0.9}};
  f.number_names = {{"distinct(src_ip)", "sources"},
                    {"share(country not in $home_countries)", "foreign"}};
  for (const auto& m : members) {
    f.evidence.push_back(m +
                         " - - [19/Feb/2021:05:21:35 +0900] \"POST /contact/ HTTP/1.1\" 200 147");
  }
  f.members = std::move(members);
  f.update = update;
  return f;
}

decide::Decision path_decision(core::TimeNs ts) {
  decide::Decision d;
  d.ts = ts;
  d.rule = "web.form_relay.many_sources";
  d.action = "deny";
  d.scope = "vhost_path";
  d.vhost = "shop.example.jp";
  d.path = "/contact/";
  d.method = "POST";
  d.except_countries = {"JP"};
  d.ttl = 86400 * kS;
  d.reason = "Form shop.example.jp/contact/ received POSTs from many addresses";
  d.reason_ja = "フォーム shop.example.jp/contact/ に多数のアドレスから POST がありました";
  return d;
}

decide::Decision ip_decision(core::TimeNs ts, const std::string& a) {
  decide::Decision d;
  d.ts = ts;
  d.rule = "web.form_relay.many_sources";
  d.action = "deny";
  d.scope = "ip";
  d.ip = a;
  d.ttl = 86400 * kS;
  return d;
}

std::shared_ptr<const enrich::Inventory> inventory() {
  auto inv = std::make_shared<enrich::Inventory>();
  std::vector<std::string> problems;
  inv->add_yaml_text(
      "accounts:\n  hanako: {contacts: [hanako@example.jp], language: ja}\n"
      "sites:\n  - names: [shop.example.jp]\n    account: hanako\n    docroot: /home/hanako/www\n",
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
  o.retry_base = 30 * kS;
  o.enforce = true;
  return o;
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");  // RFC 4231 #2
  // RFC 4231 #6: a key longer than the block is hashed first.
  EXPECT_EQ(hmac_sha256_hex(std::string(131, '\xaa'),
                            "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  auto d = sha256("abc");
  EXPECT_EQ(d[0], 0xba);
  EXPECT_EQ(d[31], 0xad);
  // 56 bytes: the padding needs a second block.
  auto e = sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  EXPECT_EQ(e[0], 0x24);
  EXPECT_EQ(e[31], 0xc1);
}

TEST(Notifier, OneNoticePerIncidentThenOneDigest) {
  std::vector<Sent> log;
  std::vector<std::unique_ptr<Channel>> ch;
  ch.push_back(std::make_unique<FakeChannel>(log, std::vector<std::string>{}, true));
  auto g = geo();
  Notifier n(options(), std::move(ch), inventory(), &g);
  const core::TimeNs w0 = 1000 * kS;
  n.observe(relay(kT0, w0, {"198.51.100.1", "198.51.100.2", "198.51.100.200"}, 3, false));
  n.observe(path_decision(kT0), w0);
  for (const char* a : {"198.51.100.1", "198.51.100.2", "198.51.100.200"}) {
    n.observe(ip_decision(kT0, a), w0);
  }
  n.tick(w0 + 5 * kS);  // within gather: nothing yet
  EXPECT_TRUE(log.empty());
  // More of the wave within gather: the same incident.
  n.observe(relay(kT0 + 300 * kS, w0 + 6 * kS, {"203.0.113.9"}, 4, true));
  n.observe(ip_decision(kT0 + 300 * kS, "203.0.113.9"), w0 + 6 * kS);
  n.tick(w0 + 10 * kS);
  // One incident, two languages: the owner (ja, from the inventory) and the operator (en).
  ASSERT_EQ(log.size(), 2u);
  const Sent* ja = log[0].notice.language == "ja" ? &log[0] : &log[1];
  const Sent* en = log[0].notice.language == "en" ? &log[0] : &log[1];
  EXPECT_EQ(ja->recipient, "hanako@example.jp");
  EXPECT_EQ(en->recipient, "abuse@host.example");
  EXPECT_NE(
      en->notice.text.find("POSTs from 4 addresses in 3 countries to shop.example.jp/contact/"),
      std::string::npos)
      << en->notice.text;
  EXPECT_NE(en->notice.text.find("90% of them came from outside JP"), std::string::npos);
  EXPECT_NE(en->notice.text.find("4 source addresses denied"), std::string::npos);
  EXPECT_NE(en->notice.text.find("refused for sources outside JP until"), std::string::npos);
  EXPECT_NE(en->notice.text.find("Look for tampered or planted files under /home/hanako/www"),
            std::string::npos);
  EXPECT_NE(en->notice.text.find("bannin decisions revoke shop.example.jp/contact/"),
            std::string::npos);
  EXPECT_NE(en->notice.text.find("203.0.113.9 - - [19/Feb/2021"), std::string::npos);  // evidence
  EXPECT_NE(ja->notice.text.find("3 か国の 4 個のアドレスから shop.example.jp/contact/ へ POST"),
            std::string::npos)
      << ja->notice.text;
  EXPECT_NE(ja->notice.text.find("reCAPTCHA"), std::string::npos);
  EXPECT_NE(ja->notice.subject.find("中継"), std::string::npos);
  EXPECT_EQ(n.status().notices, 1u);

  // Follow-ups: batched, nothing before digest_interval.
  n.observe(relay(kT0 + 600 * kS, w0 + 60 * kS, {"203.0.113.10"}, 5, true));
  n.observe(ip_decision(kT0 + 600 * kS, "203.0.113.10"), w0 + 60 * kS);
  n.observe(relay(kT0 + 610 * kS, w0 + 70 * kS, {"203.0.113.11"}, 6, true));
  n.tick(w0 + 300 * kS);
  EXPECT_EQ(log.size(), 2u);
  n.tick(w0 + 611 * kS);
  ASSERT_EQ(log.size(), 4u);  // one digest per audience
  EXPECT_EQ(log[2].notice.kind, "digest");
  EXPECT_EQ(n.status().digests, 2u);
  n.tick(w0 + 2000 * kS);  // nothing new: no further digest
  EXPECT_EQ(log.size(), 4u);
  EXPECT_EQ(n.status().sent, 4u);
  EXPECT_EQ(n.status().incidents, 1u);
}

// A full incident table closes the incident updated least recently (not the first opened):
// a later finding of a closed incident opens a new one, counted in status().incidents.
TEST(Notifier, FullTableClosesTheStalestIncident) {
  std::vector<Sent> log;
  std::vector<std::unique_ptr<Channel>> ch;
  ch.push_back(std::make_unique<FakeChannel>(log, std::vector<std::string>{}, true));
  NotifyOptions o = options();
  o.max_incidents = 2;
  o.gather = 3600 * kS;
  auto g = geo();
  Notifier n(o, std::move(ch), inventory(), &g);
  auto on = [&](const char* vhost, core::TimeNs wall) {
    FindingNote f = relay(kT0, wall, {"198.51.100.1"}, 1, false);
    f.group = {{"vhost", vhost}, {"path", "/contact/"}};
    n.observe(f);
  };
  const core::TimeNs w0 = 1000 * kS;
  on("a.example.jp", w0);
  on("b.example.jp", w0 + 1 * kS);
  on("a.example.jp", w0 + 2 * kS);  // a is now the fresher one
  on("c.example.jp", w0 + 3 * kS);  // table full: b goes
  EXPECT_EQ(n.status().incidents, 3u);
  on("a.example.jp", w0 + 4 * kS);  // still open
  EXPECT_EQ(n.status().incidents, 3u);
  on("b.example.jp", w0 + 5 * kS);  // closed before: a new incident (c goes)
  EXPECT_EQ(n.status().incidents, 4u);
  on("a.example.jp", w0 + 6 * kS);
  EXPECT_EQ(n.status().incidents, 4u);
}

// The escalation ladder's warning goes out at the next tick, ahead of the digest interval,
// and says what comes next before anything else.
TEST(Notifier, LadderWarningIsSentAtOnce) {
  std::vector<Sent> log;
  std::vector<std::unique_ptr<Channel>> ch;
  ch.push_back(std::make_unique<FakeChannel>(log, std::vector<std::string>{}, true));
  auto g = geo();
  Notifier n(options(), std::move(ch), inventory(), &g);
  const core::TimeNs w0 = 1000 * kS;
  n.observe(relay(kT0, w0, {"198.51.100.1", "198.51.100.2", "198.51.100.3"}, 3, false));
  n.observe(path_decision(kT0), w0);
  n.tick(w0 + 10 * kS);
  ASSERT_EQ(log.size(), 2u);  // the first notice, ja and en
  n.observe(relay(kT0 + 3600 * kS, w0 + 60 * kS, {"203.0.113.9"}, 4, true));
  decide::Decision w;
  w.ts = kT0 + 3600 * kS;
  w.rule = "web.form_relay.many_sources";
  w.action = "notify_only";
  w.scope = "vhost";
  w.vhost = "shop.example.jp";
  w.ttl = 900 * kS;
  w.warning = true;
  w.reason = "Warning for account hanako: the next step is containing the whole site";
  w.reason_ja = "アカウント hanako への警告：次の段階";
  n.observe(w, w0 + 60 * kS);
  n.tick(w0 + 61 * kS);  // long before digest_interval (600 s)
  ASSERT_EQ(log.size(), 4u);
  const Sent& en = log[2].notice.language == "en" ? log[2] : log[3];
  const Sent& ja = log[2].notice.language == "ja" ? log[2] : log[3];
  const auto warn = en.notice.text.find("Warning: the next step\n  Warning for account hanako");
  ASSERT_NE(warn, std::string::npos) << en.notice.text;
  EXPECT_LT(warn, en.notice.text.find("What bannin did"));
  EXPECT_NE(ja.notice.text.find("■ 警告：次の段階の予告"), std::string::npos) << ja.notice.text;
  // The warning itself contains nothing: not listed as a measure.
  EXPECT_EQ(en.notice.text.find("shop.example.jp: refused for sources everywhere"),
            std::string::npos);
}

TEST(Notifier, OwnerUnknownGoesToOperatorOnly) {
  std::vector<Sent> log;
  std::vector<std::unique_ptr<Channel>> ch;
  ch.push_back(std::make_unique<FakeChannel>(log, std::vector<std::string>{}, true));
  Notifier n(options(), std::move(ch), inventory(), nullptr);
  FindingNote f = relay(kT0, 0, {"198.51.100.1"}, 3, false);
  f.group = {{"vhost", "other.example.jp"}, {"path", "/form"}};
  n.observe(f);
  n.tick(20 * kS);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].recipient, "abuse@host.example");
  EXPECT_EQ(log[0].notice.language, "en");
}

TEST(Notifier, RetriesWithBackoffThenGivesUp) {
  std::vector<Sent> log;
  std::vector<std::unique_ptr<Channel>> ch;
  ch.push_back(std::make_unique<FakeChannel>(
      log, std::vector<std::string>{"retry", "retry", "", "permanent"}, false));
  NotifyOptions o = options();
  o.tell_owners = false;
  Notifier n(o, std::move(ch), nullptr, nullptr);
  n.observe(relay(kT0, 0, {"198.51.100.1"}, 3, false));
  n.tick(10 * kS);  // attempt 1 fails
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(n.status().pending, 1u);
  EXPECT_EQ(n.status().retries, 1u);
  EXPECT_NE(n.status().last_error.find("refused (retry)"), std::string::npos);
  n.tick(39 * kS);  // before 10 + 30 s: not yet
  EXPECT_EQ(n.status().retries, 1u);
  n.tick(40 * kS);  // attempt 2 fails; the next waits 60 s
  EXPECT_EQ(n.status().retries, 2u);
  n.tick(99 * kS);
  EXPECT_TRUE(log.empty());
  n.tick(100 * kS);  // attempt 3 succeeds
  ASSERT_EQ(log.size(), 1u);
  auto s = n.status();
  EXPECT_EQ(s.sent, 1u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_NE(n.recent_json(10).find("\"attempts\":3"), std::string::npos) << n.recent_json(10);

  // A second incident meets a permanent refusal: failed at once, visible.
  FindingNote f = relay(kT0, 200 * kS, {"198.51.100.2"}, 3, false);
  f.group = {{"vhost", "b.example.jp"}, {"path", "/contact/"}};
  n.observe(f);
  n.tick(210 * kS);
  s = n.status();
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.pending, 0u);
  EXPECT_NE(n.recent_json(10).find("\"state\":\"failed\""), std::string::npos);
}

TEST(Notifier, RecipientBudgetDefersInsteadOfDropping) {
  std::vector<Sent> log;
  std::vector<std::unique_ptr<Channel>> ch;
  ch.push_back(std::make_unique<FakeChannel>(log, std::vector<std::string>{}, true));
  NotifyOptions o = options();
  o.tell_owners = false;
  o.per_recipient_per_hour = 2;
  Notifier n(o, std::move(ch), nullptr, nullptr);
  for (int i = 0; i < 3; ++i) {
    FindingNote f = relay(kT0, 0, {"198.51.100.1"}, 3, false);
    f.group = {{"vhost", "s" + std::to_string(i) + ".example.jp"}, {"path", "/contact/"}};
    n.observe(f);
  }
  n.tick(10 * kS);
  EXPECT_EQ(log.size(), 2u);
  EXPECT_EQ(n.status().rate_limited, 1u);
  EXPECT_EQ(n.status().pending, 1u);
  n.tick(3609 * kS);
  EXPECT_EQ(log.size(), 2u);
  n.tick(3610 * kS);  // an hour after the first
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(n.status().pending, 0u);
}

TEST(Notifier, ObserveModePhrasing) {
  std::vector<Sent> log;
  std::vector<std::unique_ptr<Channel>> ch;
  ch.push_back(std::make_unique<FakeChannel>(log, std::vector<std::string>{}, false));
  NotifyOptions o = options();
  o.enforce = false;
  Notifier n(o, std::move(ch), nullptr, nullptr);
  n.observe(relay(kT0, 0, {"198.51.100.1"}, 3, false));
  n.observe(path_decision(kT0), 0);
  n.tick(10 * kS);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].notice.text.find("[observe mode: decided, not carried out]"), std::string::npos);
}

TEST(SmtpChannel, MessageIsMimeWithEncodedSubject) {
  Notice n;
  n.id = 7;
  n.language = "ja";
  n.subject = "[bannin] フォーム shop.example.jp/contact/ が迷惑メールの中継に使われています";
  n.text = "line one\nline two\n";
  n.incidents = {3};
  std::string m = mail_message(n, "bannin@host.example", "a@example.jp", kT0);
  EXPECT_NE(m.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(m.find("To: a@example.jp\r\n"), std::string::npos);
  EXPECT_NE(m.find("X-Bannin-Incidents: 3\r\n"), std::string::npos);
  EXPECT_NE(m.find("Content-Transfer-Encoding: base64\r\n\r\n"), std::string::npos);
  EXPECT_NE(m.find("bGluZSBvbmUNCmxpbmUgdHdvDQo="), std::string::npos);  // CRLF line ends
}

}  // namespace
}  // namespace bannin::notify
