// Detector and Decider on rules loaded from YAML text: thresholds (just below must not
// fire, at the threshold must, a second key stays untouched), window expiry, distinct and
// share aggregates, campaign members with spare marks, and decision de-duplication.
#include <gtest/gtest.h>

#include <bannin/decide/decider.h>
#include <bannin/detect/detector.h>
#include <bannin/ruleset/rule_loader.h>

namespace bannin::detect {
namespace {

using model::Field;

struct Collect : FindingSink {
  std::vector<Finding> findings;
  void on_finding(const Finding& f) override { findings.push_back(f); }
};

std::vector<std::shared_ptr<const ruleset::Rule>> load(const std::string& yaml,
                                                       ruleset::Params globals = {}) {
  ruleset::LoadOptions opt;
  opt.globals = std::move(globals);
  ruleset::LoadReport r;
  ruleset::load_rules_text(yaml, "test.yaml", opt, r);
  for (const auto& p : r.problems) ADD_FAILURE() << p.line << ":" << p.column << " " << p.message;
  return r.rules;
}

constexpr core::TimeNs kSec = core::kNsPerSec;

void http(model::Event& ev, core::TimeNs t, const char* ip, const char* method, const char* path,
          int status, const char* country = nullptr) {
  ev.reset();
  ev.set_kind(model::EventKind::HttpRequest);
  ev.set_ts(t);
  ev.set_ip(Field::SrcIp, *core::IpAddress::parse(ip));
  ev.set_string(Field::Method, method);
  ev.set_string(Field::Path, path);
  ev.set_int(Field::Status, status);
  if (country != nullptr) ev.set_string(Field::Country, country);
}

const char* kPerIp = R"(
rules:
  - id: t.per_ip
    title: per ip
    when: [http.request]
    where: method == "POST" and path == "/wp-login.php"
    group_by: [src_ip]
    window: 10m
    params: {max: 5}
    fire: count() >= $max
    then: [{action: deny, scope: ip, ttl: 1h}]
)";

TEST(Detector, CountThresholdAndSecondKey) {
  Detector d(load(kPerIp));
  Collect c;
  model::Event ev;
  for (int i = 0; i < 4; ++i) {
    http(ev, (100 + i) * kSec, "192.0.2.1", "POST", "/wp-login.php", 200);
    d.process(ev, "line", c);
  }
  EXPECT_TRUE(c.findings.empty()) << "4 < 5 must not fire";
  for (int i = 0; i < 4; ++i) {  // another address, same count: untouched
    http(ev, (110 + i) * kSec, "192.0.2.2", "POST", "/wp-login.php", 200);
    d.process(ev, "line", c);
  }
  http(ev, 120 * kSec, "192.0.2.1", "GET", "/wp-login.php", 200);  // not matching `where`
  d.process(ev, "line", c);
  EXPECT_TRUE(c.findings.empty());
  http(ev, 121 * kSec, "192.0.2.1", "POST", "/wp-login.php", 200);
  d.process(ev, "the fifth", c);
  ASSERT_EQ(c.findings.size(), 1u);
  const Finding& f = c.findings[0];
  EXPECT_EQ(f.rule->id, "t.per_ip");
  EXPECT_EQ(f.ts, 121 * kSec);
  ASSERT_EQ(f.group.size(), 1u);
  EXPECT_EQ(f.group[0].second, "192.0.2.1");
  ASSERT_EQ(f.numbers.size(), 1u);
  EXPECT_EQ(f.numbers[0].first, "count()");
  EXPECT_DOUBLE_EQ(f.numbers[0].second, 5.0);
  ASSERT_FALSE(f.evidence.empty());
  EXPECT_EQ(f.evidence.back(), "the fifth");
  // Still above the threshold: no second finding for the same group within the window.
  http(ev, 122 * kSec, "192.0.2.1", "POST", "/wp-login.php", 200);
  d.process(ev, "line", c);
  EXPECT_EQ(c.findings.size(), 1u);
}

// Rules that group alike share one key per event (Detector::KeyClass) and `where` is
// evaluated once per rule before the keys: each rule still counts only its own events, and a
// rule grouping differently keeps its own groups.
TEST(Detector, RulesGroupingAlikeCountTheirOwnEvents) {
  Detector d(load(R"(
rules:
  - id: t.posts
    title: posts per ip
    when: [http.request]
    where: method == "POST"
    group_by: [src_ip]
    window: 10m
    fire: count() >= 3
    then: [{action: deny, scope: ip, ttl: 1h}]
  - id: t.all
    title: requests per ip
    when: [http.request]
    group_by: [src_ip]
    window: 10m
    fire: count() >= 5
    then: [{action: deny, scope: ip, ttl: 1h}]
  - id: t.paths
    title: requests per ip and path
    when: [http.request]
    where: method == "GET"
    group_by: [src_ip, path]
    window: 10m
    fire: count() >= 2 and distinct(status) >= 2
    then: [{action: deny, scope: ip, ttl: 1h}]
)"));
  Collect c;
  model::Event ev;
  const char* methods[] = {"GET", "POST", "GET", "POST", "GET"};
  for (int i = 0; i < 5; ++i) {
    http(ev, (100 + i) * kSec, "192.0.2.1", methods[i], "/a", 200 + i);
    d.process(ev, "line", c);
  }
  ASSERT_EQ(c.findings.size(), 2u);
  EXPECT_EQ(c.findings[0].rule->id, "t.paths");  // the second GET of /a, with another status
  EXPECT_EQ(c.findings[0].ts, 102 * kSec);
  EXPECT_DOUBLE_EQ(c.findings[0].numbers[0].second, 2.0);
  EXPECT_DOUBLE_EQ(c.findings[0].numbers[1].second, 2.0);
  EXPECT_EQ(c.findings[1].rule->id, "t.all");  // the fifth request; only 2 POSTs
  EXPECT_EQ(c.findings[1].ts, 104 * kSec);
  http(ev, 105 * kSec, "192.0.2.2", "POST", "/a", 200);  // another address: its own groups
  d.process(ev, "line", c);
  http(ev, 106 * kSec, "192.0.2.1", "POST", "/a", 200);  // the third POST
  d.process(ev, "line", c);
  ASSERT_EQ(c.findings.size(), 3u);
  EXPECT_EQ(c.findings[2].rule->id, "t.posts");
  EXPECT_EQ(c.findings[2].group[0].second, "192.0.2.1");
  EXPECT_DOUBLE_EQ(c.findings[2].numbers[0].second, 3.0);
}

TEST(Detector, EventsOutsideTheWindowDoNotCount) {
  Detector d(load(kPerIp));
  Collect c;
  model::Event ev;
  for (int i = 0; i < 10; ++i) {  // one attempt every 3 minutes: never 5 within 10 minutes
    http(ev, i * 180 * kSec, "198.51.100.9", "POST", "/wp-login.php", 200);
    d.process(ev, "line", c);
  }
  EXPECT_TRUE(c.findings.empty());
}

const char* kCampaign = R"(
rules:
  - id: t.relay
    title: relay
    when: [http.request]
    where: method == "POST" and path == "/contact/"
    group_by: [path]
    window: 10m
    params: {min_sources: 3}
    fire: distinct(src_ip) >= $min_sources and share(country not in $home_countries) >= 0.75
    then: [{action: deny, scope: vhost_path, method: POST, except_countries: $home_countries, ttl: 24h}]
    campaign:
      members: country not in $home_countries
      spare: method == "GET" and path endswith ".css"
      then: {action: deny, scope: ip, ttl: 24h}
)";

ruleset::Params home_jp() {
  ruleset::Params p;
  p["home_countries"] = ruleset::ParamValue{{"JP"}, true};
  return p;
}

TEST(Detector, CampaignMembersSpareAndDecisions) {
  Detector d(load(kCampaign, home_jp()));
  decide::Decider decider({});
  Collect c;
  model::Event ev;
  // A foreign visitor that loaded the stylesheet first, then posts: spared.
  http(ev, 1 * kSec, "46.4.1.1", "GET", "/style.css", 200, "DE");
  d.process(ev, "css", c);
  http(ev, 2 * kSec, "46.4.1.1", "POST", "/contact/", 200, "DE");
  d.process(ev, "post", c);
  http(ev, 3 * kSec, "77.85.1.1", "POST", "/contact/", 200, "BG");
  d.process(ev, "post", c);
  EXPECT_TRUE(c.findings.empty()) << "2 sources < 3";
  http(ev, 4 * kSec, "88.58.1.1", "POST", "/contact/", 200, "IT");
  d.process(ev, "post", c);
  ASSERT_EQ(c.findings.size(), 1u);
  std::vector<std::string> members = c.findings[0].members;
  std::sort(members.begin(), members.end());
  EXPECT_EQ(members, (std::vector<std::string>{"77.85.1.1", "88.58.1.1"}));
  // A domestic sender during the wave is not a member; a new foreign one is added.
  http(ev, 5 * kSec, "42.148.1.1", "POST", "/contact/", 200, "JP");
  d.process(ev, "post", c);
  http(ev, 6 * kSec, "94.40.1.1", "POST", "/contact/", 200, "PL");
  d.process(ev, "post", c);
  ASSERT_EQ(c.findings.size(), 2u);
  EXPECT_TRUE(c.findings[1].campaign_update);
  EXPECT_EQ(c.findings[1].members, (std::vector<std::string>{"94.40.1.1"}));

  std::vector<decide::Decision> out;
  for (const auto& f : c.findings) decider.decide(f, out);
  ASSERT_EQ(out.size(), 4u);  // the path containment + three member addresses
  EXPECT_EQ(out[0].scope, "vhost_path");
  EXPECT_EQ(out[0].path, "/contact/");
  EXPECT_EQ(out[0].method, "POST");
  EXPECT_EQ(out[0].except_countries, (std::vector<std::string>{"JP"}));
  EXPECT_EQ(out[0].ttl, 24 * 3600 * kSec);
  for (std::size_t i = 1; i < out.size(); ++i) EXPECT_EQ(out[i].scope, "ip");
  // The same finding again does not repeat active decisions.
  std::vector<decide::Decision> again;
  decider.decide(c.findings[0], again);
  EXPECT_TRUE(again.empty());
  EXPECT_GE(decider.stats().suppressed_active, 1u);
}

TEST(Decider, AllowlistAndCidr) {
  auto cidr = decide::Cidr::parse("192.0.2.0/24");
  ASSERT_TRUE(cidr);
  EXPECT_TRUE(cidr->contains(*core::IpAddress::parse("192.0.2.200")));
  EXPECT_FALSE(cidr->contains(*core::IpAddress::parse("192.0.3.1")));
  EXPECT_FALSE(cidr->contains(*core::IpAddress::parse("2001:db8::1")));
  EXPECT_FALSE(decide::Cidr::parse("192.0.2.0/33"));
  EXPECT_FALSE(decide::Cidr::parse("nonsense/8"));
  auto v6 = decide::Cidr::parse("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*core::IpAddress::parse("2001:db8:ffff::1")));

  Detector d(load(kPerIp));
  decide::Decider decider({{*cidr}});
  Collect c;
  model::Event ev;
  for (int i = 0; i < 5; ++i) {
    http(ev, (10 + i) * kSec, "192.0.2.50", "POST", "/wp-login.php", 200);
    d.process(ev, "x", c);
  }
  ASSERT_EQ(c.findings.size(), 1u);
  std::vector<decide::Decision> out;
  decider.decide(c.findings[0], out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(decider.stats().suppressed_allowlist, 1u);
}

TEST(Detector, StaleGroupsAreSweptAndMemoryStaysFlat) {
  Detector d(load(kPerIp));
  Collect c;
  model::Event ev;
  // 120k distinct sources, one attempt each, one every 0.288 s: groups expire after 10 min.
  char ip[32];
  for (int i = 0; i < 120000; ++i) {
    std::snprintf(ip, sizeof ip, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    http(ev, static_cast<core::TimeNs>(i) * 288 * kSec / 1000, ip, "POST", "/wp-login.php", 200);
    d.process(ev, "x", c);
  }
  EXPECT_TRUE(c.findings.empty());
  // 10 minutes hold ~2,100 sources at this rate; the estimate must reflect that, not 120k.
  EXPECT_LT(d.stats().peak_memory_bytes, 8u << 20) << d.stats().peak_memory_bytes;
  EXPECT_GT(d.stats().peak_memory_bytes, 0u);
}

}  // namespace
}  // namespace bannin::detect
