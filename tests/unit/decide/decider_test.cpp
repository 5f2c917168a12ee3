// Decider policy steps on findings built by hand from rules loaded from YAML text: default
// options decide as before, the allowlist with per-source counts, per-rule caps at their
// boundaries with notes, repeat offenders, prefix escalation at N-1 and N (IPv4 and IPv6,
// never over an allowlisted address), manual decisions, forget/expire/restore,
// set_options keeping state, the bounds on state, and plain-language reasons (named
// numbers with units, empty group members dropped, Japanese).
#include <string>

#include <gtest/gtest.h>

#include <bannin/decide/decider.h>
#include <bannin/ruleset/rule_loader.h>

namespace bannin::decide {
namespace {

constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr core::TimeNs kMin = 60 * kSec;
constexpr core::TimeNs kHour = 3600 * kSec;

const char* kRules = R"(
rules:
  - id: t.ip
    title: per ip
    when: [http.request]
    group_by: [src_ip]
    window: 10m
    fire: count() >= 5
    then: [{action: deny, scope: ip, ttl: 1h}]
  - id: t.other
    title: other
    when: [http.request]
    group_by: [src_ip]
    window: 10m
    fire: count() >= 5
    then: [{action: deny, scope: ip, ttl: 2h, reason: "other {group}"}]
  - id: t.prefix
    title: per prefix
    when: [http.request]
    group_by: [src_ip]
    window: 10m
    fire: count() >= 5
    then: [{action: deny, scope: prefix, ttl: 1h}]
  - id: t.rate
    title: rate
    when: [http.request]
    group_by: [src_ip]
    window: 10m
    fire: count() >= 5
    then: [{action: rate_limit, scope: ip, ttl: 1h}]
)";

class DeciderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ruleset::LoadReport r;
    ruleset::load_rules_text(kRules, "test.yaml", ruleset::LoadOptions{}, r);
    for (const auto& p : r.problems) ADD_FAILURE() << p.line << ":" << p.column << " " << p.message;
    rules_ = r.rules;
  }
  const ruleset::Rule* rule(const std::string& id) const {
    for (const auto& r : rules_) {
      if (r->id == id) return r.get();
    }
    ADD_FAILURE() << "no rule " << id;
    return rules_.front().get();
  }
  detect::Finding finding(const std::string& id, core::TimeNs ts, const std::string& src) const {
    detect::Finding f;
    f.rule = rule(id);
    f.ts = ts;
    f.group = {{model::Field::SrcIp, src}};
    f.numbers = {{"count()", 5}};
    return f;
  }
  // Decides one finding; returns what came out.
  static std::vector<Decision> run(Decider& d, const detect::Finding& f) {
    std::vector<Decision> out;
    d.decide(f, out);
    return out;
  }
  std::vector<std::shared_ptr<const ruleset::Rule>> rules_;
};

// --- reasons --------------------------------------------------------------------------------

const char* kReasonRules = R"(
rules:
  - id: r.login
    title: logins
    when: [auth.attempt]
    group_by: [src_ip, service]
    window: 10m
    numbers: {failures: count()}
    fire: count() >= 5
    then:
      action: deny
      scope: ip
      ttl: 1h
      reason: "{failures} failed {service} logins from {src_ip} in {window}; denied for {ttl}. {nope}"
      reason_ja: "{src_ip} から {service} へのログイン失敗が{window}で{failures}回。{ttl}遮断します。"
  - id: r.form
    title: form
    when: [http.request]
    group_by: [vhost, path]
    window: 15m
    numbers:
      sources: distinct(src_ip)
      foreign: share(country != "JP")
    fire: distinct(src_ip) >= 3
    then:
      action: deny
      scope: vhost_path
      ttl: 24h
      reason: "Form {vhost}{path} got POSTs from {sources} addresses, {foreign} abroad ({group}) in {window}"
    campaign:
      member: src_ip
      then: {action: deny, scope: ip, ttl: 1d, reason: "{src_ip} relayed through {path}", reason_ja: "{src_ip} は {path} を中継に使いました"}
)";

TEST(DeciderReasons, NamedNumbersUnitsAndBothLanguages) {
  ruleset::LoadReport r;
  ruleset::load_rules_text(kReasonRules, "reasons.yaml", ruleset::LoadOptions{}, r);
  // {nope} is reported at load time; the rule loads only when it has no error, so the test
  // works on a copy without it.
  ASSERT_EQ(r.rules.size(), 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].code, "unknown_placeholder");
  std::string fixed = kReasonRules;
  fixed.erase(fixed.find(" {nope}"), 7);
  ruleset::LoadReport ok;
  ruleset::load_rules_text(fixed, "reasons.yaml", ruleset::LoadOptions{}, ok);
  ASSERT_EQ(ok.rules.size(), 2u);

  Decider d({});
  detect::Finding login;
  login.rule = ok.rules[0].get();
  login.ts = 100 * kSec;
  login.group = {{model::Field::SrcIp, "198.51.100.7"}, {model::Field::Service, "ssh"}};
  login.numbers = {{"count()", 8}};
  std::vector<Decision> out;
  d.decide(login, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason,
            "8 failed SSH logins from 198.51.100.7 in 10 minutes; denied for 1 hour.");
  EXPECT_EQ(out[0].reason_ja,
            "198.51.100.7 から SSH へのログイン失敗が10分で8回。1時間遮断します。");

  detect::Finding form;
  form.rule = ok.rules[1].get();
  form.ts = 200 * kSec;
  form.group = {{model::Field::Vhost, ""}, {model::Field::Path, "/contact/"}};
  form.numbers = {{"distinct(src_ip)", 4}, {"share(country != \"JP\")", 0.75}};
  form.members = {"203.0.113.9"};
  out.clear();
  d.decide(form, out);
  ASSERT_EQ(out.size(), 2u);
  // The empty vhost says nothing, in {vhost} and in {group}; a share is a percentage.
  EXPECT_EQ(out[0].reason,
            "Form /contact/ got POSTs from 4 addresses, 75% abroad (path=/contact/) in 15 minutes");
  EXPECT_EQ(out[0].reason_ja, "") << "no reason_ja in the rule: none in the decision";
  EXPECT_EQ(out[1].ip, "203.0.113.9");
  EXPECT_EQ(out[1].reason, "203.0.113.9 relayed through /contact/");
  EXPECT_EQ(out[1].reason_ja, "203.0.113.9 は /contact/ を中継に使いました");
}

// --- defaults -------------------------------------------------------------------------------

TEST_F(DeciderTest, DefaultsDecideAsBefore) {
  Decider d({});
  auto out = run(d, finding("t.ip", 100 * kSec, "192.0.2.1"));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].scope, "ip");
  EXPECT_EQ(out[0].ip, "192.0.2.1");
  EXPECT_EQ(out[0].ttl, kHour);
  EXPECT_EQ(out[0].reason, "per ip");
  EXPECT_EQ(out[0].origin, "rule");
  EXPECT_TRUE(run(d, finding("t.ip", 200 * kSec, "192.0.2.1")).empty()) << "active";
  EXPECT_EQ(d.stats().suppressed_active, 1u);
  // Ended: decided again with the same TTL and reason (repeats are off).
  auto again = run(d, finding("t.ip", 100 * kSec + kHour, "192.0.2.1"));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].ttl, kHour);
  EXPECT_EQ(again[0].reason, "per ip");
  // Many addresses of one /24: no escalation by default, no cap.
  for (int i = 10; i < 200; ++i) {
    ASSERT_EQ(run(d, finding("t.ip", 300 * kSec, "198.51.100." + std::to_string(i))).size(), 1u);
  }
  EXPECT_EQ(d.stats().escalations, 0u);
  EXPECT_EQ(d.stats().suppressed_cap, 0u);
  EXPECT_EQ(d.stats().decisions, 192u);
  EXPECT_TRUE(d.take_all_notes().empty());
  EXPECT_TRUE(check_options(DeciderOptions{}).empty());
}

// --- allowlist ------------------------------------------------------------------------------

TEST_F(DeciderTest, AllowlistCountsPerSource) {
  DeciderOptions o;
  o.allowlist = {*core::IpPrefix::parse("192.0.2.0/24")};
  ASSERT_TRUE(o.allowlist_set.add_cidrs({"198.51.100.0/24"}, "proxy"));
  ASSERT_TRUE(
      o.allowlist_set.add_cidrs({"66.249.64.0/19", "2001:db8:5::/48"}, "crawler googlebot"));
  ASSERT_TRUE(
      o.allowlist_set.add_cidrs({"203.0.113.9"}, "own address on eth0", AllowSource::OwnAddress));
  Decider d(o);
  EXPECT_TRUE(run(d, finding("t.ip", kSec, "192.0.2.50")).empty());
  EXPECT_TRUE(run(d, finding("t.ip", kSec, "198.51.100.7")).empty());
  EXPECT_TRUE(run(d, finding("t.ip", kSec, "66.249.66.1")).empty());
  EXPECT_TRUE(run(d, finding("t.ip", kSec, "2001:db8:5::77")).empty());
  EXPECT_TRUE(run(d, finding("t.ip", kSec, "203.0.113.9")).empty());
  EXPECT_EQ(run(d, finding("t.ip", kSec, "203.0.113.10")).size(), 1u);
  EXPECT_EQ(run(d, finding("t.ip", kSec, "2001:db8:6::1")).size(), 1u);
  const auto& s = d.stats();
  EXPECT_EQ(s.suppressed_allowlist, 5u);
  EXPECT_EQ(s.suppressed_allowlist_by_source[static_cast<std::size_t>(AllowSource::Config)], 1u);
  EXPECT_EQ(s.suppressed_allowlist_by_source[static_cast<std::size_t>(AllowSource::Proxy)], 1u);
  EXPECT_EQ(s.suppressed_allowlist_by_source[static_cast<std::size_t>(AllowSource::Crawler)], 2u);
  EXPECT_EQ(s.suppressed_allowlist_by_source[static_cast<std::size_t>(AllowSource::OwnAddress)],
            1u);
  // A rule's prefix decision over a /24 holding an allowlisted host is dropped too.
  EXPECT_TRUE(run(d, finding("t.prefix", kSec, "203.0.113.200")).empty());
  EXPECT_EQ(d.stats().suppressed_allowlist, 6u);
  auto p = run(d, finding("t.prefix", kSec, "203.0.114.200"));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].prefix, "203.0.114.0/24");
}

// --- caps -----------------------------------------------------------------------------------

TEST_F(DeciderTest, CapAtItsBoundaryAndOtherRulesUntouched) {
  DeciderOptions o;
  o.max_per_minute = 3;
  Decider d(o);
  const core::TimeNs t0 = 1000 * kSec;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(run(d, finding("t.ip", t0 + i * kSec, "192.0.2." + std::to_string(i))).size(), 1u);
  }
  // The fourth and fifth within the minute: suppressed.
  EXPECT_TRUE(run(d, finding("t.ip", t0 + 10 * kSec, "192.0.2.10")).empty());
  EXPECT_TRUE(run(d, finding("t.ip", t0 + 59 * kSec, "192.0.2.11")).empty());
  EXPECT_EQ(d.stats().suppressed_cap, 2u);
  // Another rule has its own cap.
  EXPECT_EQ(run(d, finding("t.other", t0 + 10 * kSec, "192.0.2.20")).size(), 1u);
  // Sliding minute: exactly 60 s after the first admission, one slot is free again.
  EXPECT_EQ(run(d, finding("t.ip", t0 + kMin, "192.0.2.12")).size(), 1u);
  EXPECT_TRUE(run(d, finding("t.ip", t0 + kMin, "192.0.2.13")).empty());
  EXPECT_EQ(run(d, finding("t.ip", t0 + kMin + kSec, "192.0.2.14")).size(), 1u);
  // A suppressed target was not decided: it may be decided later.
  EXPECT_EQ(run(d, finding("t.ip", t0 + 5 * kMin, "192.0.2.10")).size(), 1u);
}

TEST_F(DeciderTest, CapOverridesPerRule) {
  DeciderOptions o;
  o.max_per_minute = 1;
  o.max_per_minute_by_rule = {{"t.other", 0}, {"t.rate", 2}};
  Decider d(o);
  EXPECT_EQ(run(d, finding("t.ip", kSec, "192.0.2.1")).size(), 1u);
  EXPECT_TRUE(run(d, finding("t.ip", kSec, "192.0.2.2")).empty());
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(run(d, finding("t.other", kSec, "198.51.100." + std::to_string(i))).size(), 1u);
  }
  EXPECT_EQ(run(d, finding("t.rate", kSec, "203.0.113.1")).size(), 1u);
  EXPECT_EQ(run(d, finding("t.rate", kSec, "203.0.113.2")).size(), 1u);
  EXPECT_TRUE(run(d, finding("t.rate", kSec, "203.0.113.3")).empty());
  EXPECT_EQ(d.stats().suppressed_cap, 2u);
}

TEST_F(DeciderTest, CapNoteOncePerMinuteWithTheCount) {
  DeciderOptions o;
  o.max_per_minute = 2;
  Decider d(o);
  const core::TimeNs t0 = 5000 * kSec;
  for (int i = 0; i < 16; ++i)
    run(d, finding("t.ip", t0 + i * kSec, "192.0.2." + std::to_string(i)));
  EXPECT_EQ(d.stats().suppressed_cap, 14u);
  EXPECT_TRUE(d.take_notes(t0 + 30 * kSec).empty()) << "the minute is not over";
  auto notes = d.take_notes(t0 + 2 * kSec + kMin);  // first suppression at t0+2s
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].code, "rule_cap");
  EXPECT_EQ(notes[0].rule, "t.ip");
  EXPECT_EQ(notes[0].count, 14u);
  EXPECT_EQ(notes[0].text, "rule t.ip reached its cap of 2 decisions per minute; 14 suppressed");
  EXPECT_TRUE(d.take_notes(t0 + 10 * kMin).empty()) << "reported once";
  // A new burst: the note comes from a finding's time passing the minute, or at the end.
  for (int i = 0; i < 5; ++i)
    run(d, finding("t.ip", t0 + 20 * kMin, "198.51.100." + std::to_string(i)));
  EXPECT_TRUE(d.take_notes(t0 + 20 * kMin).empty());
  auto rest = d.take_all_notes();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].count, 3u);
}

// --- repeat offenders -----------------------------------------------------------------------

TEST_F(DeciderTest, RepeatOffendersGetLongerTtls) {
  DeciderOptions o;
  o.ttl_factor = 2;
  o.repeat_window = 24 * kHour;
  o.max_ttl = 6 * kHour;
  Decider d(o);
  core::TimeNs t = 10 * kSec;
  auto a = run(d, finding("t.ip", t, "192.0.2.1"));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].ttl, kHour);
  EXPECT_EQ(a[0].reason, "per ip");
  // Exactly when it ends: a repeat.
  t += kHour;
  auto b = run(d, finding("t.ip", t, "192.0.2.1"));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].ttl, 2 * kHour);
  EXPECT_EQ(b[0].reason, "per ip (repeat 1)");
  t += 2 * kHour + 23 * kHour;  // 23 h after the second ended: still within the window
  auto c = run(d, finding("t.ip", t, "192.0.2.1"));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].ttl, 4 * kHour);
  EXPECT_EQ(c[0].reason, "per ip (repeat 2)");
  t += 4 * kHour;
  auto e = run(d, finding("t.ip", t, "192.0.2.1"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].ttl, 6 * kHour) << "capped at max_ttl";
  EXPECT_EQ(e[0].reason, "per ip (repeat 3)");
  // Past the window after the end: a first offence again.
  t += 6 * kHour + 24 * kHour + kSec;
  auto f = run(d, finding("t.ip", t, "192.0.2.1"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].ttl, kHour);
  EXPECT_EQ(f[0].reason, "per ip");
  EXPECT_EQ(d.stats().repeats, 3u);
  // Another address is not a repeat.
  auto g = run(d, finding("t.ip", t, "192.0.2.2"));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].ttl, kHour);
}

TEST_F(DeciderTest, RepeatNeverShortensALongRuleTtl) {
  DeciderOptions o;
  o.ttl_factor = 3;
  o.max_ttl = kHour;  // below the rule's own 2h
  Decider d(o);
  ASSERT_EQ(run(d, finding("t.other", 0, "192.0.2.1")).size(), 1u);
  auto b = run(d, finding("t.other", 2 * kHour, "192.0.2.1"));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].ttl, 2 * kHour);
  EXPECT_EQ(b[0].reason, "other src_ip=192.0.2.1 (repeat 1)");
}

TEST_F(DeciderTest, ForgetKeepsOrClearsTheRepeatHistory) {
  DeciderOptions o;
  o.ttl_factor = 2;
  Decider d(o);
  auto a = run(d, finding("t.ip", 0, "192.0.2.1"));
  ASSERT_EQ(a.size(), 1u);
  // The store says it ended (the daemon forgets it then): still a repeat afterwards.
  EXPECT_TRUE(d.forget(a[0].key()));
  EXPECT_FALSE(d.forget(a[0].key()));
  auto b = run(d, finding("t.ip", kHour + kSec, "192.0.2.1"));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].reason, "per ip (repeat 1)");
  // Revoked early, its action failed: decided again at once, at the same level.
  EXPECT_TRUE(d.forget(b[0].key()));
  auto c = run(d, finding("t.ip", kHour + 2 * kSec, "192.0.2.1"));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].reason, "per ip (repeat 1)");
  EXPECT_EQ(c[0].ttl, 2 * kHour);
  // Revoked by a person who judged it wrong: a first offence next time.
  EXPECT_TRUE(d.forget(c[0].key(), /*clear_history=*/true));
  auto e = run(d, finding("t.ip", kHour + 3 * kSec, "192.0.2.1"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].ttl, kHour);
  EXPECT_EQ(e[0].reason, "per ip");
  EXPECT_EQ(d.stats().forgotten, 3u);
}

// --- prefix escalation ----------------------------------------------------------------------

DeciderOptions escalating(std::uint32_t n) {
  DeciderOptions o;
  o.prefix_min_members = n;
  o.prefix_window = kHour;
  return o;
}

TEST_F(DeciderTest, EscalatesAtNotBelowTheThreshold) {
  Decider d(escalating(4));
  const core::TimeNs t0 = 100 * kSec;
  // N-1 distinct addresses: no prefix decision.
  for (int i = 1; i <= 3; ++i) {
    auto out = run(
        d, finding(i == 2 ? "t.other" : "t.ip", t0 + i * kSec, "203.0.113." + std::to_string(i)));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].scope, "ip");
  }
  // An address in another /24 does not count.
  ASSERT_EQ(run(d, finding("t.ip", t0, "203.0.114.1")).size(), 1u);
  EXPECT_EQ(d.stats().escalations, 0u);
  // The N-th: the ip decision, then the prefix decision.
  auto out = run(d, finding("t.ip", t0 + 10 * kSec, "203.0.113.4"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].scope, "ip");
  EXPECT_EQ(out[1].scope, "prefix");
  EXPECT_EQ(out[1].prefix, "203.0.113.0/24");
  EXPECT_EQ(out[1].action, "deny");
  EXPECT_EQ(out[1].origin, "escalation");
  EXPECT_EQ(out[1].rule, "t.ip");
  EXPECT_EQ(out[1].ts, t0 + 10 * kSec);
  EXPECT_EQ(out[1].ttl, 2 * kHour) << "the longest member TTL (t.other: 2h)";
  EXPECT_NE(out[1].reason.find("4 addresses in 203.0.113.0/24"), std::string::npos)
      << out[1].reason;
  EXPECT_NE(out[1].reason.find("within 1h"), std::string::npos) << out[1].reason;
  EXPECT_NE(out[1].reason.find("203.0.113.1, 203.0.113.2, 203.0.113.3 and 1 more"),
            std::string::npos)
      << out[1].reason;
  EXPECT_EQ(d.stats().escalations, 1u);
  // Later ip decisions inside it are covered; outside it they are not.
  EXPECT_TRUE(run(d, finding("t.ip", t0 + 20 * kSec, "203.0.113.99")).empty());
  EXPECT_EQ(d.stats().suppressed_covered, 1u);
  EXPECT_EQ(run(d, finding("t.ip", t0 + 20 * kSec, "203.0.114.99")).size(), 1u);
  // A rate_limit inside is covered by the deny too.
  EXPECT_TRUE(run(d, finding("t.rate", t0 + 20 * kSec, "203.0.113.100")).empty());
  // When the prefix decision has ended, addresses inside are decided again.
  EXPECT_EQ(run(d, finding("t.ip", t0 + 10 * kSec + 2 * kHour, "203.0.113.99")).size(), 1u);
}

TEST_F(DeciderTest, EscalationWindowBoundary) {
  Decider d(escalating(3));
  ASSERT_EQ(run(d, finding("t.ip", 0, "192.0.2.1")).size(), 1u);
  ASSERT_EQ(run(d, finding("t.ip", 10 * kSec, "192.0.2.2")).size(), 1u);
  // 192.0.2.1 is exactly one window old: it still counts.
  auto at = run(d, finding("t.ip", kHour, "192.0.2.3"));
  ASSERT_EQ(at.size(), 2u);

  Decider late(escalating(3));
  ASSERT_EQ(run(late, finding("t.ip", 0, "192.0.2.1")).size(), 1u);
  ASSERT_EQ(run(late, finding("t.ip", 10 * kSec, "192.0.2.2")).size(), 1u);
  // One second later it does not: only two members in the window.
  auto past = run(late, finding("t.ip", kHour + kSec, "192.0.2.3"));
  ASSERT_EQ(past.size(), 1u);
  // …and the next one makes three again (192.0.2.2, .3, .4).
  auto next = run(late, finding("t.ip", kHour + 2 * kSec, "192.0.2.4"));
  ASSERT_EQ(next.size(), 2u);
}

TEST_F(DeciderTest, OnlyIpDeniesCountAsMembers) {
  Decider d(escalating(2));
  ASSERT_EQ(run(d, finding("t.rate", 0, "192.0.2.1")).size(), 1u);
  ASSERT_EQ(run(d, finding("t.rate", 0, "192.0.2.2")).size(), 1u);
  EXPECT_EQ(d.stats().escalations, 0u);
}

TEST_F(DeciderTest, EscalatesIpv6ToA64) {
  Decider d(escalating(3));
  ASSERT_EQ(run(d, finding("t.ip", 0, "2001:db8:1:2::1")).size(), 1u);
  ASSERT_EQ(run(d, finding("t.ip", 0, "2001:db8:1:2:ffff::9")).size(), 1u);
  ASSERT_EQ(run(d, finding("t.ip", 0, "2001:db8:1:3::1")).size(), 1u) << "another /64";
  auto out = run(d, finding("t.ip", kSec, "2001:db8:1:2:abcd::1"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].prefix, "2001:db8:1:2::/64");
  EXPECT_TRUE(run(d, finding("t.ip", 2 * kSec, "2001:db8:1:2::77")).empty());
  EXPECT_EQ(run(d, finding("t.ip", 2 * kSec, "2001:db8:1:3::77")).size(), 1u);
}

TEST_F(DeciderTest, NeverEscalatesOverAnAllowlistedAddress) {
  DeciderOptions o = escalating(3);
  ASSERT_TRUE(o.allowlist_set.add_cidrs({"198.51.100.250"}, "own address on eth0"));
  Decider d(o);
  for (int i = 1; i <= 3; ++i) {
    auto out = run(d, finding("t.ip", i * kSec, "198.51.100." + std::to_string(i)));
    ASSERT_EQ(out.size(), 1u) << "the ip decisions stand, the prefix is refused";
  }
  EXPECT_EQ(d.stats().escalations, 0u);
  EXPECT_EQ(d.stats().escalations_allowlisted, 1u);
  auto notes = d.take_all_notes();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].code, "escalation_allowlisted");
  EXPECT_NE(notes[0].text.find("198.51.100.0/24"), std::string::npos) << notes[0].text;
  EXPECT_NE(notes[0].text.find("198.51.100.250 (own address on eth0)"), std::string::npos)
      << notes[0].text;
  // Addresses inside stay decidable one by one.
  EXPECT_EQ(run(d, finding("t.ip", 10 * kSec, "198.51.100.4")).size(), 1u);
}

// --- manual decisions, forget, expire, restore -------------------------------------------------

Decision manual(const std::string& scope, const std::string& target, core::TimeNs ts = 0,
                core::TimeNs ttl = kHour) {
  Decision m;
  m.ts = ts;
  m.rule = "manual";
  m.action = "deny";
  m.scope = scope;
  if (scope == "ip") m.ip = target;
  if (scope == "prefix") m.prefix = target;
  if (scope == "vhost_path") {
    m.vhost = "example.jp";
    m.path = target;
  }
  m.ttl = ttl;
  m.reason = "seen by a person";
  return m;
}

TEST_F(DeciderTest, ManualDecisionsAreCheckedAndEnterTheActiveSet) {
  DeciderOptions o;
  ASSERT_TRUE(o.allowlist_set.add_cidrs({"192.0.2.7", "2001:db8::/32"}, "config allowlist"));
  Decider d(o);
  Decision bad_action = manual("ip", "198.51.100.1");
  bad_action.action = "nuke";
  EXPECT_EQ(d.add_manual(bad_action).error().code, "bad_action");
  EXPECT_EQ(d.add_manual(manual("ip", "198.51.100.1", 0, 0)).error().code, "bad_ttl");
  EXPECT_EQ(d.add_manual(manual("ip", "198.51.100.300")).error().code, "bad_target");
  EXPECT_EQ(d.add_manual(manual("prefix", "198.51.100.1")).error().code, "bad_target");
  EXPECT_EQ(d.add_manual(manual("country", "XX")).error().code, "bad_scope");
  EXPECT_EQ(d.add_manual(manual("vhost_path", "no-slash")).error().code, "bad_target");
  auto allow = d.add_manual(manual("ip", "192.0.2.7"));
  ASSERT_FALSE(allow);
  EXPECT_EQ(allow.error().code, "allowlisted");
  EXPECT_NE(allow.error().message.find("config allowlist"), std::string::npos);
  auto allow_net = d.add_manual(manual("prefix", "192.0.2.0/24"));
  ASSERT_FALSE(allow_net);
  EXPECT_EQ(allow_net.error().code, "allowlisted");
  EXPECT_NE(allow_net.error().message.find("192.0.2.7"), std::string::npos)
      << allow_net.error().message;
  EXPECT_EQ(d.add_manual(manual("ip", "2001:db8:ff::1")).error().code, "allowlisted");
  EXPECT_EQ(d.stats().manual_refused, 9u);

  EXPECT_FALSE(d.add_manual(manual("ip", "2001:0db8:0:0::1:1"))) << "inside 2001:db8::/32";
  auto v6 = d.add_manual(manual("ip", "2001:0DB9:0:0::1:1", 0));
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->ip, "2001:db9::1:1") << "normalised";
  EXPECT_EQ(v6->origin, "person");
  auto net = d.add_manual(manual("prefix", "198.51.100.77/24", 0));
  ASSERT_TRUE(net);
  EXPECT_EQ(net->prefix, "198.51.100.0/24");
  EXPECT_EQ(d.stats().manual, 2u);
  EXPECT_TRUE(d.is_active("ip|2001:db9::1:1", 10 * kSec));
  EXPECT_FALSE(d.is_active("ip|2001:db9::1:1", kHour));
  // Findings on those targets: already decided (the address is covered by the manual prefix).
  EXPECT_TRUE(run(d, finding("t.ip", kSec, "2001:db9::1:1")).empty());
  EXPECT_TRUE(run(d, finding("t.ip", kSec, "198.51.100.5")).empty());
  EXPECT_EQ(d.stats().suppressed_active, 1u);
  EXPECT_EQ(d.stats().suppressed_covered, 1u);
  // A single-address prefix deny covers that address; a rate_limit prefix covers nothing.
  ASSERT_TRUE(d.add_manual(manual("prefix", "203.0.113.5/32", 0)));
  Decision rl = manual("prefix", "2001:db9:1::/48", 0);
  rl.action = "rate_limit";
  ASSERT_TRUE(d.add_manual(rl));
  EXPECT_TRUE(run(d, finding("t.ip", kSec, "203.0.113.5")).empty());
  EXPECT_EQ(run(d, finding("t.ip", kSec, "203.0.113.6")).size(), 1u);
  EXPECT_EQ(run(d, finding("t.ip", kSec, "2001:db9:1::5")).size(), 1u);
  EXPECT_EQ(d.stats().suppressed_covered, 2u);
}

TEST_F(DeciderTest, ForgetAndExpireKeepTheDeciderInStepWithTheStore) {
  Decider d({});
  auto a = run(d, finding("t.ip", 0, "192.0.2.1"));        // until 1h
  auto b = run(d, finding("t.other", 0, "192.0.2.2"));     // until 2h
  auto c = run(d, finding("t.prefix", 0, "203.0.113.9"));  // prefix until 1h
  ASSERT_EQ(a.size() + b.size() + c.size(), 3u);
  EXPECT_EQ(d.stats().active, 3u);
  EXPECT_TRUE(d.expire(kHour - 1).empty());
  auto ended = d.expire(kHour);
  std::sort(ended.begin(), ended.end());
  EXPECT_EQ(ended, (std::vector<std::string>{"ip|192.0.2.1", "prefix|203.0.113.0/24"}));
  EXPECT_EQ(d.stats().active, 1u);
  EXPECT_EQ(d.stats().expired, 2u);
  // A failed action: forget, and the next finding may decide again.
  EXPECT_TRUE(run(d, finding("t.other", 10 * kSec, "192.0.2.2")).empty());
  EXPECT_TRUE(d.forget("ip|192.0.2.2"));
  EXPECT_EQ(run(d, finding("t.other", 20 * kSec, "192.0.2.2")).size(), 1u);
}

TEST_F(DeciderTest, RestoreReloadsActiveDecisionsAndRepeatCounts) {
  DeciderOptions o;
  o.ttl_factor = 2;
  Decider d(o);
  Decision r = manual("ip", "192.0.2.1", 0, 4 * kHour);
  r.rule = "t.ip";
  r.origin = "rule";
  r.reason = "per ip (repeat 2)";
  EXPECT_TRUE(d.restore(r, 4 * kHour));
  Decision p = manual("prefix", "203.0.113.0/24", 0, kHour);
  EXPECT_TRUE(d.restore(p, kHour));
  Decision junk = manual("ip", "not-an-ip");
  EXPECT_FALSE(d.restore(junk, kHour));
  EXPECT_EQ(d.stats().restored, 2u);
  EXPECT_EQ(d.stats().restore_refused, 1u);
  EXPECT_TRUE(run(d, finding("t.ip", kHour, "192.0.2.1")).empty());
  EXPECT_TRUE(run(d, finding("t.ip", 30 * kMin, "203.0.113.50")).empty()) << "covered";
  // After the restored decision ended: the third repeat.
  auto again = run(d, finding("t.ip", 5 * kHour, "192.0.2.1"));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].reason, "per ip (repeat 3)");
  EXPECT_EQ(again[0].ttl, 8 * kHour);
}

TEST_F(DeciderTest, SetOptionsKeepsActiveSetAndHistory) {
  DeciderOptions o;
  o.ttl_factor = 2;
  Decider d(o);
  ASSERT_EQ(run(d, finding("t.ip", 0, "192.0.2.1")).size(), 1u);
  ASSERT_EQ(run(d, finding("t.ip", 0, "198.51.100.1")).size(), 1u);
  // Reload: a new allowlist entry and a cap; the active set and history stay.
  DeciderOptions n = o;
  ASSERT_TRUE(n.allowlist_set.add_cidrs({"198.51.100.0/24"}, "proxy"));
  n.max_per_minute = 1;
  d.set_options(n);
  EXPECT_EQ(d.stats().active, 2u);
  EXPECT_EQ(d.active_allowlisted(), (std::vector<std::string>{"ip|198.51.100.1"}));
  EXPECT_TRUE(run(d, finding("t.ip", 10 * kSec, "192.0.2.1")).empty()) << "still active";
  auto rep = run(d, finding("t.ip", kHour + kSec, "192.0.2.1"));
  ASSERT_EQ(rep.size(), 1u);
  EXPECT_EQ(rep[0].reason, "per ip (repeat 1)") << "history kept";
  EXPECT_TRUE(run(d, finding("t.ip", kHour + 2 * kSec, "192.0.2.99")).empty()) << "new cap applies";
  EXPECT_TRUE(run(d, finding("t.ip", kHour + kSec, "198.51.100.2")).empty());
  EXPECT_EQ(d.stats().suppressed_allowlist_by_source[static_cast<std::size_t>(AllowSource::Proxy)],
            1u);
}

// --- bounds ---------------------------------------------------------------------------------

TEST_F(DeciderTest, StateIsBounded) {
  DeciderOptions o;
  o.ttl_factor = 2;
  o.max_repeat_history = 2;
  o.max_active = 3;
  o.max_notes = 1;
  o.max_per_minute_by_rule = {{"t.ip", 1}, {"t.other", 1}};
  Decider d(o);
  for (int i = 0; i < 5; ++i)
    run(d, finding(i < 3 ? "t.ip" : "t.other", i * kMin, "192.0.2." + std::to_string(i)));
  EXPECT_EQ(d.stats().active, 3u);
  EXPECT_EQ(d.stats().active_evicted, 2u);
  EXPECT_EQ(d.stats().history, 2u);
  EXPECT_EQ(d.stats().history_evicted, 3u);
  // Two rules over their caps, one note slot.
  run(d, finding("t.ip", 10 * kMin, "198.51.100.1"));
  run(d, finding("t.ip", 10 * kMin, "198.51.100.2"));
  run(d, finding("t.other", 10 * kMin, "198.51.100.3"));
  run(d, finding("t.other", 10 * kMin, "198.51.100.4"));
  EXPECT_EQ(d.take_all_notes().size(), 1u);
  EXPECT_EQ(d.stats().notes_dropped, 1u);

  DeciderOptions e = escalating(3);
  e.max_tracked_prefixes = 2;
  Decider x(e);
  for (int i = 0; i < 4; ++i) run(x, finding("t.ip", i * kSec, "10." + std::to_string(i) + ".0.1"));
  EXPECT_EQ(x.stats().tracked_prefixes, 2u);
  EXPECT_EQ(x.stats().prefixes_evicted, 2u);
  // Stale tracking and history go on expire.
  x.expire(10 * kHour);
  EXPECT_EQ(x.stats().tracked_prefixes, 0u);
}

TEST_F(DeciderTest, CheckOptionsAndClamping) {
  DeciderOptions o;
  o.ttl_factor = 0.5;
  o.prefix_v4_len = 8;
  o.prefix_v6_len = 128;
  o.prefix_window = -1;
  auto p = check_options(o);
  EXPECT_EQ(p.size(), 4u);
  Decider d(o);
  EXPECT_EQ(d.options().ttl_factor, 1.0);
  EXPECT_EQ(d.options().prefix_v4_len, 16u);
  EXPECT_EQ(d.options().prefix_v6_len, 127u);
  EXPECT_EQ(d.options().prefix_window, kDefaultPrefixWindow);
  DeciderOptions zero;
  zero.repeat_window = 0;
  zero.max_ttl = 0;
  zero.prefix_window = 0;
  EXPECT_TRUE(check_options(zero).empty()) << "0 means the default";
  Decider z(zero);
  EXPECT_EQ(z.options().repeat_window, kDefaultRepeatWindow);
  EXPECT_EQ(z.options().max_ttl, kDefaultMaxTtl);
}

}  // namespace
}  // namespace bannin::decide
