// baseline(A) and deviation(A): a group learns what is usual for one of its aggregates and a
// rule fires when the aggregate is out of line with it. Checked here: nothing fires while the
// baseline is still learning; a steady series gives a baseline near its level and a spike a
// large deviation; a sustained attack moves the baseline only a little (clipped samples);
// empty periods count as 0 for counts and are skipped for shares; the hour-of-day profile
// takes over once it has three days; a quiet group keeps its baseline for days; the learned
// state survives a restart (save_baselines / load_baselines) and bad bytes are refused.
#include <cmath>
#include <ctime>

#include <gtest/gtest.h>

#include <bannin/detect/aggregates.h>
#include <bannin/detect/detector.h>
#include <bannin/ruleset/rule_loader.h>

namespace bannin::detect {
namespace {

using model::Field;

constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr core::TimeNs kMin = 60 * kSec;

struct Collect : FindingSink {
  std::vector<Finding> findings;
  void on_finding(const Finding& f) override { findings.push_back(f); }
};

ruleset::LoadReport load_report(const std::string& yaml) {
  ruleset::LoadReport r;
  ruleset::load_rules_text(yaml, "test.yaml", {}, r);
  return r;
}

std::vector<std::shared_ptr<const ruleset::Rule>> load(const std::string& yaml) {
  auto r = load_report(yaml);
  for (const auto& p : r.problems) ADD_FAILURE() << p.line << ":" << p.column << " " << p.message;
  return r.rules;
}

void http(model::Event& ev, core::TimeNs t, const char* ip, int status = 200,
          const char* country = "JP") {
  ev.reset();
  ev.set_kind(model::EventKind::HttpRequest);
  ev.set_ts(t);
  ev.set_ip(Field::SrcIp, *core::IpAddress::parse(ip));
  ev.set_string(Field::Vhost, "shop.example");
  ev.set_string(Field::Method, "POST");
  ev.set_string(Field::Path, "/contact/");
  ev.set_int(Field::Status, status);
  ev.set_string(Field::Country, country);
}

// One group (the site); window 1 minute; fires on a count far above the site's usual.
const char* kSpike = R"(
rules:
  - id: t.spike
    title: spike
    when: [http.request]
    group_by: [vhost]
    window: 1m
    numbers:
      usual: baseline(count())
    fire: count() >= 5 and deviation(count()) >= 6
    then: [{action: notify_only, scope: vhost, ttl: 1h}]
)";

// n events spread over minute m (all in that minute's period).
void minute(Detector& d, Collect& c, core::TimeNs t0, int m, int n) {
  model::Event ev;
  for (int i = 0; i < n; ++i) {
    http(ev, t0 + m * kMin + (i * 50 / std::max(n, 1)) * kSec, "192.0.2.1");
    d.process(ev, "line " + std::to_string(m), c);
  }
}

constexpr core::TimeNs kT0 = 1'780'000'000LL * kSec;  // a whole minute

TEST(Baseline, LearnsBeforeItFires) {
  Detector d(load(kSpike));
  Collect c;
  // A spike in minute 5: the baseline has 5 samples, still learning: no finding.
  for (int m = 0; m < 5; ++m) minute(d, c, kT0, m, 10);
  minute(d, c, kT0, 5, 100);
  EXPECT_TRUE(c.findings.empty()) << "a baseline with 5 samples is still learning";
}

TEST(Baseline, SteadySeriesAndSpike) {
  Detector d(load(kSpike));
  Collect c;
  for (int m = 0; m < 30; ++m) minute(d, c, kT0, m, 9 + m % 3);  // 9, 10, 11 a minute
  EXPECT_TRUE(c.findings.empty()) << "the usual traffic is never out of line";
  minute(d, c, kT0, 30, 60);
  ASSERT_FALSE(c.findings.empty());
  const Finding& f = c.findings[0];
  double usual = NAN, dev = NAN;
  for (const auto& [text, v] : f.numbers) {
    if (text == "baseline(count())") usual = v;
    if (text == "deviation(count())") dev = v;
  }
  EXPECT_NEAR(usual, 10.0, 1.0);
  EXPECT_GE(dev, 6.0);
}

TEST(Baseline, AttackDoesNotTeachItself) {
  Detector d(load(kSpike));
  Collect c;
  for (int m = 0; m < 40; ++m) minute(d, c, kT0, m, 10);
  for (int m = 40; m < 50; ++m) minute(d, c, kT0, m, 200);  // ten minutes of flood
  ASSERT_FALSE(c.findings.empty());
  // Still out of line after ten minutes: the flood moved the baseline only a little.
  const Finding& last = c.findings.back();
  EXPECT_GE(last.ts, kT0 + 45 * kMin) << "the rule kept firing through the flood";
  for (const auto& [text, v] : last.numbers) {
    if (text == "baseline(count())") {
      EXPECT_LT(v, 40.0) << "clipped samples";
    }
  }
}

// The aggregate class alone, to see the learned values without a rule firing.
struct One {
  std::shared_ptr<const ruleset::Rule> rule;
  AggregateContext ctx(std::string_view text) const {
    const auto& texts = rule->aggregates.texts();
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (texts[i] == text) return AggregateContext{&rule->aggregates.specs()[i], kMin, kMin / 16};
    }
    ADD_FAILURE() << "no aggregate " << text;
    return {};
  }
};

One one(const char* fire) {
  std::string yaml = R"(
rules:
  - id: t.one
    title: one
    when: [http.request]
    group_by: [vhost]
    window: 1m
    fire: )" + std::string(fire) +
                     R"(
    then: [{action: notify_only, scope: vhost, ttl: 1h}]
)";
  auto rules = load(yaml);
  return {rules.empty() ? nullptr : rules[0]};
}

TEST(Baseline, EmptyPeriodsAreZeroForCounts) {
  One o = one("baseline(count()) >= 0");
  ASSERT_TRUE(o.rule);
  auto ctx = o.ctx("baseline(count())");
  BaselineAggregate b;
  model::Event ev;
  // 20 events every other minute: half the periods are empty, so the usual count is ~10.
  for (int m = 0; m < 60; m += 2) {
    for (int i = 0; i < 20; ++i) {
      http(ev, kT0 + m * kMin + i * kSec, "192.0.2.1");
      b.add(ev, ev.ts(), ctx);
      (void)b.value(ev.ts(), ctx);
    }
  }
  EXPECT_NEAR(b.value(kT0 + 59 * kMin, ctx), 10.0, 3.0);
}

TEST(Baseline, EmptyPeriodsAreSkippedForShares) {
  One o = one("baseline(share(country != \"JP\")) >= 0");
  ASSERT_TRUE(o.rule);
  auto ctx = o.ctx("baseline(share(country != \"JP\"))");
  BaselineAggregate b;
  model::Event ev;
  // Every other minute, 4 requests of which 3 from abroad: the usual share is 0.75, not 0.375.
  for (int m = 0; m < 60; m += 2) {
    for (int i = 0; i < 4; ++i) {
      http(ev, kT0 + m * kMin + i * kSec, "192.0.2.1", 200, i == 0 ? "JP" : "US");
      b.add(ev, ev.ts(), ctx);
      (void)b.value(ev.ts(), ctx);
    }
  }
  EXPECT_NEAR(b.value(kT0 + 59 * kMin, ctx), 0.75, 0.02);
}

TEST(Baseline, HourOfDayProfile) {
  // Window 1 h: one sample an hour. Every night at 03:00 (local time) the site has 100
  // requests, 10 in the other hours. After three days the profile speaks for 03:00.
  One o = one("baseline(count()) >= 0");
  ASSERT_TRUE(o.rule);
  const auto& spec = o.rule->aggregates.specs()[0];
  AggregateContext ctx{&spec, 60 * kMin, 60 * kMin / 16};
  std::time_t now = std::time(nullptr);
  std::tm lt{};
  ASSERT_NE(localtime_r(&now, &lt), nullptr);
  // A local midnight on a Monday: 2026-01-05 00:00 local.
  const core::TimeNs monday = (1'767'571'200LL - lt.tm_gmtoff) * kSec;
  BaselineAggregate b;
  model::Event ev;
  for (int h = 0; h < 24 * 5; ++h) {
    const int n = h % 24 == 3 ? 100 : 10;
    for (int i = 0; i < n; ++i) {
      http(ev, monday + h * 60 * kMin + i * kSec, "192.0.2.1");
      b.add(ev, ev.ts(), ctx);
      (void)b.value(ev.ts(), ctx);
    }
  }
  // Friday (day 4) at 03:30 and at 10:30.
  const core::TimeNs friday = monday + 4 * 24 * 60 * kMin;
  EXPECT_NEAR(b.value(friday + (3 * 60 + 30) * kMin, ctx), 100.0, 10.0);
  EXPECT_NEAR(b.value(friday + (10 * 60 + 30) * kMin, ctx), 10.0, 2.0);
}

TEST(Baseline, QuietGroupKeepsItsHistory) {
  // One burst of 10 events an hour in a one-minute window: between bursts the group idles
  // for 59 windows. A rule that fires only once its baseline is learned fires at the second
  // burst: the group was kept (with 60 samples, mostly zeros). A group dropped after its
  // window, as rules without a baseline do, would start learning afresh at every burst.
  Detector d(load(R"(
rules:
  - id: t.learned
    title: learned
    when: [http.request]
    group_by: [vhost]
    window: 1m
    fire: count() >= 5 and baseline(count()) >= 0
    then: [{action: notify_only, scope: vhost, ttl: 1h}]
)"));
  Collect c;
  minute(d, c, kT0, 0, 10);
  EXPECT_TRUE(c.findings.empty()) << "one sample: still learning";
  minute(d, c, kT0, 60, 10);
  ASSERT_FALSE(c.findings.empty()) << "a group that lost its history would still be learning";
}

TEST(Baseline, SurvivesARestart) {
  std::string saved;
  {
    Detector d(load(kSpike));
    Collect c;
    for (int m = 0; m < 30; ++m) minute(d, c, kT0, m, 10);
    saved = d.save_baselines();
  }
  Detector d2(load(kSpike));
  auto r = d2.load_baselines(saved);
  EXPECT_FALSE(r.bad);
  EXPECT_EQ(r.loaded, 2u) << "baseline(count()) and deviation(count())";
  Collect c;
  minute(d2, c, kT0, 31, 60);  // the first minute after the restart already knows the usual
  ASSERT_FALSE(c.findings.empty());
  // And what was restored but not yet used is saved again.
  Detector d3(load(kSpike));
  ASSERT_EQ(d3.load_baselines(saved).loaded, 2u);
  Detector d4(load(kSpike));
  EXPECT_EQ(d4.load_baselines(d3.save_baselines()).loaded, 2u);
}

TEST(Baseline, BadFilesAreRefused) {
  Detector d(load(kSpike));
  Collect c;
  for (int m = 0; m < 30; ++m) minute(d, c, kT0, m, 10);
  std::string saved = d.save_baselines();
  Detector d2(load(kSpike));
  EXPECT_TRUE(d2.load_baselines("not a baselines file").bad);
  auto cut = d2.load_baselines(std::string_view(saved).substr(0, saved.size() - 3));
  EXPECT_TRUE(cut.bad);
  EXPECT_EQ(cut.loaded, 1u) << "the record before the cut one";
  // A rule that is gone: skipped and counted.
  Detector other(
      load(std::string(kSpike).replace(std::string(kSpike).find("t.spike"), 7, "t.other")));
  auto r = other.load_baselines(saved);
  EXPECT_FALSE(r.bad);
  EXPECT_EQ(r.skipped, 2u);
  EXPECT_EQ(r.loaded, 0u);
  // A state that is not one (bytes flipped): the group starts learning afresh, no crash.
  std::string flipped = saved;
  flipped[flipped.size() - 20] = '\xff';
  flipped[flipped.size() - 30] = '\xff';
  Detector d3(load(kSpike));
  (void)d3.load_baselines(flipped);
  minute(d3, c, kT0, 31, 60);
}

TEST(Baseline, StateRoundTrip) {
  One o = one("deviation(count()) >= 0");
  ASSERT_TRUE(o.rule);
  auto ctx = o.ctx("deviation(count())");
  BaselineAggregate a;
  model::Event ev;
  for (int m = 0; m < 20; ++m) {
    for (int i = 0; i < 5 + m % 2; ++i) {
      http(ev, kT0 + m * kMin + i * kSec, "192.0.2.1");
      a.add(ev, ev.ts(), ctx);
      (void)a.value(ev.ts(), ctx);
    }
  }
  std::string s;
  a.save(s);
  BaselineAggregate b;
  ASSERT_TRUE(b.load(s, ctx));
  EXPECT_EQ(b.samples(), a.samples());
  std::string s2;
  b.save(s2);
  EXPECT_EQ(s, s2);
  BaselineAggregate c;
  EXPECT_FALSE(c.load(s.substr(0, s.size() - 1), ctx));
  EXPECT_FALSE(c.load(s + "x", ctx));
  EXPECT_EQ(c.samples(), 0u);
}

TEST(Baseline, CompileErrors) {
  auto bad = [](const char* fire) {
    auto r = load_report(std::string(R"(
rules:
  - id: t.bad
    title: bad
    when: [http.request]
    group_by: [vhost]
    window: 1m
    fire: )") + fire + R"(
    then: [{action: notify_only, scope: vhost, ttl: 1h}]
)");
    return r.rules.empty() && !r.problems.empty() ? r.problems[0].message : std::string();
  };
  EXPECT_NE(bad("baseline(src_ip) > 1").find("takes a window aggregate"), std::string::npos);
  EXPECT_NE(bad("baseline(baseline(count())) > 1").find("takes a window aggregate"),
            std::string::npos);
  EXPECT_NE(bad("deviation() > 1"), "");
  EXPECT_EQ(bad("deviation(share(status >= 500)) > 3 and baseline(rate()) < 2"), "");
}

}  // namespace
}  // namespace bannin::detect
