// The escalation ladder (decide/ladder.h): steps climb only when the harm goes on past a
// step's time, each next step announced by a warning at least warn_lead before it; the harm
// stopping stops the climb; a quiet account starts over; pins and exemptions; accounts shared
// by several sites; bounded state; and the Decider running it on a form-relay rule, campaign
// updates included.
#include <string>

#include <gtest/gtest.h>

#include <bannin/decide/decider.h>
#include <bannin/decide/ladder.h>
#include <bannin/ruleset/rule_loader.h>

namespace bannin::decide {
namespace {

constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr core::TimeNs kMin = 60 * kSec;
constexpr core::TimeNs kHour = 60 * kMin;
constexpr core::TimeNs kT0 = 1'800'000'000 * kSec;

Decision form(const std::string& vhost, core::TimeNs ts) {
  Decision d;
  d.ts = ts;
  d.rule = "web.form_relay.many_sources";
  d.action = "deny";
  d.scope = "vhost_path";
  d.vhost = vhost;
  d.path = "/contact/";
  d.method = "POST";
  d.except_countries = {"JP"};
  d.ttl = 24 * kHour;
  d.reason = "Form relay";
  d.reason_ja = "フォーム中継";
  return d;
}

LadderOptions on() {
  LadderOptions o;
  o.enabled = true;
  o.step_time = kHour;
  o.warn_lead = 15 * kMin;
  o.reset_after = 24 * kHour;
  return o;
}

// Applies the ladder to a containment at `ts`; returns the rewritten decision and the
// warnings it caused.
struct Step {
  Decision d;
  std::vector<Decision> warnings;
};
Step at(Ladder& l, const std::string& vhost, core::TimeNs ts) {
  Step s{form(vhost, ts), {}};
  l.apply(s.d, s.warnings);
  return s;
}

TEST(Ladder, ClimbsOnlyAfterAWarningAndItsLeadTime) {
  Ladder l(on());
  auto s = at(l, "shop.example.jp", kT0);
  EXPECT_EQ(s.d.scope, "vhost_path") << "the first step is the rule's own decision";
  EXPECT_TRUE(s.warnings.empty());
  // Within the step's time: no warning, still the path.
  s = at(l, "shop.example.jp", kT0 + 59 * kMin);
  EXPECT_EQ(s.d.scope, "vhost_path");
  EXPECT_TRUE(s.warnings.empty());
  // The harm goes on past step_time: the next step is announced, not taken.
  s = at(l, "shop.example.jp", kT0 + kHour);
  EXPECT_EQ(s.d.scope, "vhost_path");
  ASSERT_EQ(s.warnings.size(), 1u);
  const Decision& w = s.warnings[0];
  EXPECT_TRUE(w.warning);
  EXPECT_EQ(w.action, "notify_only");
  EXPECT_EQ(w.vhost, "shop.example.jp");
  EXPECT_EQ(w.ttl, 15 * kMin);
  EXPECT_NE(w.reason.find("the next step is containing the whole site shop.example.jp"),
            std::string::npos)
      << w.reason;
  EXPECT_NE(w.reason.find("in 15 minutes"), std::string::npos) << w.reason;
  EXPECT_NE(w.reason_ja.find("サイト shop.example.jp 全体の制限"), std::string::npos);
  // Before the lead time is over: neither a second warning nor the step.
  s = at(l, "shop.example.jp", kT0 + kHour + 14 * kMin);
  EXPECT_EQ(s.d.scope, "vhost_path");
  EXPECT_TRUE(s.warnings.empty());
  // After it: the whole site, same measure (method and countries kept).
  s = at(l, "shop.example.jp", kT0 + kHour + 15 * kMin);
  EXPECT_EQ(s.d.scope, "vhost");
  EXPECT_EQ(s.d.path, "");
  EXPECT_EQ(s.d.method, "POST");
  EXPECT_EQ(s.d.except_countries, std::vector<std::string>{"JP"});
  EXPECT_NE(s.d.reason.find("escalated"), std::string::npos);
  EXPECT_EQ(l.stats().warnings, 1u);
  EXPECT_EQ(l.stats().escalations, 1u);
  // The last step comes the same way: warning, then suspend.
  s = at(l, "shop.example.jp", kT0 + 2 * kHour + 15 * kMin);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].reason.find("suspending the account"), std::string::npos);
  EXPECT_EQ(s.d.scope, "vhost");
  s = at(l, "shop.example.jp", kT0 + 2 * kHour + 30 * kMin);
  EXPECT_EQ(s.d.action, "suspend");
  EXPECT_EQ(s.d.vhost, "shop.example.jp");
  EXPECT_TRUE(s.d.except_countries.empty());
  EXPECT_NE(s.d.reason.find("suspended through the hosting panel"), std::string::npos);
  // The top step stays; no more warnings.
  s = at(l, "shop.example.jp", kT0 + 5 * kHour);
  EXPECT_EQ(s.d.action, "suspend");
  EXPECT_TRUE(s.warnings.empty());
}

TEST(Ladder, HarmThatStopsStopsTheClimbAndAQuietAccountStartsOver) {
  Ladder l(on());
  at(l, "a.example.jp", kT0);
  auto s = at(l, "a.example.jp", kT0 + kHour);
  ASSERT_EQ(s.warnings.size(), 1u);
  // Nothing more for 23 hours: no step was taken (a finding would have been needed).
  EXPECT_EQ(l.step_of("a.example.jp"), LadderStep::Path);
  // Quiet for longer than reset_after: the first step again, no warning.
  s = at(l, "a.example.jp", kT0 + kHour + 25 * kHour);
  EXPECT_EQ(s.d.scope, "vhost_path");
  EXPECT_TRUE(s.warnings.empty());
  EXPECT_EQ(l.stats().resets, 1u);
  EXPECT_EQ(l.stats().escalations, 0u);
}

TEST(Ladder, PinnedAndExemptAccountsAndSitesOfOneAccount) {
  LadderOptions o = on();
  o.pinned["pinned"] = LadderStep::Path;
  o.exempt.insert("exempt");
  o.account_of = [](std::string_view vhost) -> std::string {
    if (vhost == "p.example.jp") return "pinned";
    if (vhost == "e.example.jp") return "exempt";
    if (vhost == "one.example.jp" || vhost == "two.example.jp") return "hanako";
    return "";
  };
  Ladder l(o);
  for (int i = 0; i < 6; ++i) {
    auto s = at(l, "p.example.jp", kT0 + i * kHour);
    EXPECT_EQ(s.d.scope, "vhost_path");
    EXPECT_TRUE(s.warnings.empty());
    s = at(l, "e.example.jp", kT0 + i * kHour);
    EXPECT_EQ(s.d.action, "notify_only") << "exempt: notices only";
    EXPECT_TRUE(s.warnings.empty());
  }
  // hanako's first site climbs to the vhost step; her second site starts there too.
  at(l, "one.example.jp", kT0);
  EXPECT_EQ(at(l, "one.example.jp", kT0 + kHour).warnings.size(), 1u);
  EXPECT_EQ(at(l, "one.example.jp", kT0 + kHour + 20 * kMin).d.scope, "vhost");
  auto s = at(l, "two.example.jp", kT0 + kHour + 21 * kMin);
  EXPECT_EQ(s.d.scope, "vhost");
  EXPECT_EQ(s.d.vhost, "two.example.jp");
  EXPECT_EQ(l.step_of("hanako"), LadderStep::Vhost);
}

TEST(Ladder, NoticeFirstConfigurationOffAndOtherScopesUntouched) {
  LadderOptions o = on();
  o.steps = {LadderStep::Notice, LadderStep::Path};
  Ladder l(o);
  auto s = at(l, "n.example.jp", kT0);
  EXPECT_EQ(s.d.action, "notify_only");
  EXPECT_EQ(at(l, "n.example.jp", kT0 + kHour).warnings.size(), 1u);
  s = at(l, "n.example.jp", kT0 + 2 * kHour);
  EXPECT_EQ(s.d.action, "deny");
  EXPECT_EQ(s.d.scope, "vhost_path");

  Decision ip;
  ip.scope = "ip";
  ip.action = "deny";
  ip.ip = "198.51.100.7";
  std::vector<Decision> w;
  l.apply(ip, w);
  EXPECT_EQ(ip.scope, "ip");
  EXPECT_TRUE(w.empty());

  Ladder off(LadderOptions{});
  s = at(off, "n.example.jp", kT0);
  for (int i = 1; i < 5; ++i) s = at(off, "n.example.jp", kT0 + i * 2 * kHour);
  EXPECT_EQ(s.d.scope, "vhost_path");
  EXPECT_EQ(off.stats().contained, 0u);
}

TEST(Ladder, StateIsBoundedAndOptionsAreChecked) {
  LadderOptions o = on();
  o.max_accounts = 3;
  Ladder l(o);
  for (int i = 0; i < 10; ++i) at(l, "s" + std::to_string(i) + ".example.jp", kT0 + i * kSec);
  EXPECT_EQ(l.stats().accounts, 3u);
  EXPECT_EQ(l.stats().evicted, 7u);

  LadderOptions bad = on();
  bad.steps = {LadderStep::Vhost, LadderStep::Path};
  bad.reset_after = bad.step_time;
  auto problems = check_options(bad);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("mildest to the hardest"), std::string::npos);
  LadderStep st{};
  EXPECT_TRUE(parse_ladder_step("suspend", st));
  EXPECT_EQ(st, LadderStep::Suspend);
  EXPECT_FALSE(parse_ladder_step("freeze", st));
}

// The Decider runs the ladder: a campaign update after step_time brings the warning, a later
// one the site-wide decision (a new target, so it is admitted).
TEST(Ladder, DeciderRunsItOnCampaignUpdates) {
  ruleset::LoadReport r;
  ruleset::load_rules_text(R"(
rules:
  - id: t.form
    title: form relay
    when: [http.request]
    group_by: [vhost, path]
    window: 15m
    fire: distinct(src_ip) >= 3
    then: [{action: deny, scope: vhost_path, method: POST, except_countries: [JP], ttl: 24h}]
    campaign: {member: src_ip, then: {action: deny, scope: ip, ttl: 1h}}
)",
                           "t.yaml", ruleset::LoadOptions{}, r);
  for (const auto& p : r.problems) ADD_FAILURE() << p.line << ":" << p.column << " " << p.message;
  ASSERT_TRUE(r.ok());
  DeciderOptions o;
  o.ladder = on();
  Decider d(o);
  auto finding = [&](core::TimeNs ts, bool update, const std::string& member) {
    detect::Finding f;
    f.rule = r.rules[0].get();
    f.ts = ts;
    f.group = {{model::Field::Vhost, "shop.example.jp"}, {model::Field::Path, "/contact/"}};
    f.numbers = {{"distinct(src_ip)", 3}};
    f.members = {member};
    f.campaign_update = update;
    std::vector<Decision> out;
    d.decide(f, out);
    return out;
  };
  auto first = finding(kT0, false, "198.51.100.1");
  ASSERT_EQ(first.size(), 2u);  // the path, the member
  EXPECT_EQ(first[0].scope, "vhost_path");
  auto update = finding(kT0 + 10 * kMin, true, "198.51.100.2");
  ASSERT_EQ(update.size(), 1u) << "the path is in force already: only the member";
  auto warned = finding(kT0 + kHour, true, "198.51.100.3");
  ASSERT_EQ(warned.size(), 2u);
  EXPECT_TRUE(warned[0].warning) << warned[0].scope << " " << warned[0].action << " "
                                 << warned[0].ip << " " << warned[0].reason;
  EXPECT_EQ(warned[1].ip, "198.51.100.3");
  auto stepped = finding(kT0 + kHour + 15 * kMin, true, "198.51.100.4");
  ASSERT_EQ(stepped.size(), 2u);
  EXPECT_EQ(stepped[0].scope, "vhost");
  EXPECT_EQ(stepped[0].vhost, "shop.example.jp");
}

}  // namespace
}  // namespace bannin::decide
