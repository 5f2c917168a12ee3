// Per-rule counters (detect/rule_counters.h): events looked at, matched, findings and
// campaign updates, evictions at the group cap; the same counters object given to a second
// Detector (a reload) keeps counting; a detector without a source keeps its own.
#include <gtest/gtest.h>

#include <bannin/detect/detector.h>
#include <bannin/ruleset/rule_loader.h>

namespace bannin::detect {
namespace {

using model::Field;
constexpr core::TimeNs kSec = core::kNsPerSec;

struct Collect : FindingSink {
  std::vector<Finding> findings;
  void on_finding(const Finding& f) override { findings.push_back(f); }
};

std::vector<std::shared_ptr<const ruleset::Rule>> load(const std::string& yaml) {
  ruleset::LoadOptions opt;
  ruleset::LoadReport r;
  ruleset::load_rules_text(yaml, "test.yaml", opt, r);
  for (const auto& p : r.problems) ADD_FAILURE() << p.line << ":" << p.column << " " << p.message;
  return r.rules;
}

void post(model::Event& ev, core::TimeNs t, const char* ip, const char* path) {
  ev.reset();
  ev.set_kind(model::EventKind::HttpRequest);
  ev.set_ts(t);
  ev.set_ip(Field::SrcIp, *core::IpAddress::parse(ip));
  ev.set_string(Field::Method, "POST");
  ev.set_string(Field::Path, path);
  ev.set_int(Field::Status, 200);
}

const char* kRules = R"(
rules:
  - id: t.per_ip
    title: per ip
    when: [http.request]
    where: path == "/wp-login.php"
    group_by: [src_ip]
    window: 10m
    fire: count() >= 3
    then: [{action: deny, scope: ip, ttl: 1h}]
  - id: t.wave
    title: wave
    when: [http.request]
    where: path == "/contact/"
    group_by: [path]
    window: 10m
    fire: distinct(src_ip) >= 2
    campaign:
      member: src_ip
      then: {action: deny, scope: ip, ttl: 1h}
)";

TEST(RuleCounters, CountWhatEachRuleDid) {
  std::map<std::string, std::shared_ptr<RuleCounters>> registry;
  DetectorOptions o;
  o.counters = [&](const ruleset::Rule& r) {
    auto& c = registry[r.id];
    if (!c) c = std::make_shared<RuleCounters>();
    return c;
  };
  o.max_groups_per_rule = 2;
  auto rules = load(kRules);
  Collect sink;
  model::Event ev;
  {
    Detector d(rules, o);
    for (int i = 0; i < 3; ++i) {
      post(ev, (10 + i) * kSec, "192.0.2.1", "/wp-login.php");
      d.process(ev, "x", sink);
    }
    // Two more sources: the third group evicts the stalest (cap 2).
    post(ev, 20 * kSec, "192.0.2.2", "/wp-login.php");
    d.process(ev, "x", sink);
    post(ev, 21 * kSec, "192.0.2.3", "/wp-login.php");
    d.process(ev, "x", sink);
    // A wave: fires at the second source, then one update per new source.
    for (int i = 0; i < 4; ++i) {
      const std::string ip = "198.51.100." + std::to_string(i + 1);
      post(ev, (30 + i) * kSec, ip.c_str(), "/contact/");
      d.process(ev, "x", sink);
    }
  }
  const RuleCounters& per_ip = *registry.at("t.per_ip");
  const RuleCounters& wave = *registry.at("t.wave");
  EXPECT_EQ(per_ip.evaluations.load(), 9u);  // every http.request event
  EXPECT_EQ(per_ip.matched.load(), 5u);
  EXPECT_EQ(per_ip.findings.load(), 1u);
  EXPECT_EQ(per_ip.groups_evicted.load(), 1u);
  EXPECT_EQ(wave.evaluations.load(), 9u);
  EXPECT_EQ(wave.matched.load(), 4u);
  EXPECT_EQ(wave.findings.load(), 1u);
  EXPECT_EQ(wave.updates.load(), 2u);
  EXPECT_EQ(sink.findings.size(), 4u);

  // A reload: a new Detector with the same source keeps counting on the same objects.
  Detector again(rules, o);
  post(ev, 100 * kSec, "192.0.2.9", "/wp-login.php");
  again.process(ev, "x", sink);
  EXPECT_EQ(per_ip.evaluations.load(), 10u);
  EXPECT_EQ(per_ip.matched.load(), 6u);

  // Without a source, a detector counts for itself (nothing shared, nothing crashes).
  Detector alone(rules, DetectorOptions{});
  alone.process(ev, "x", sink);
  EXPECT_EQ(per_ip.evaluations.load(), 10u);
}

}  // namespace
}  // namespace bannin::detect
