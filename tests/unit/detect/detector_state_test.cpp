// The detector's bounded state (issue 11): groups expire in time order exactly when their
// window has passed, a full table and an exhausted memory budget evict the stalest group (not
// an arbitrary one), a campaign at its member cap counts each cut member without scanning the
// others, members whose window passed make room again, and group/member texts survive the
// compact binary keys (IPv4, IPv6, strings, absent fields).
#include <gtest/gtest.h>

#include <bannin/detect/detector.h>
#include <bannin/ruleset/rule_loader.h>

namespace bannin::detect {
namespace {

using model::Field;

struct Collect : FindingSink {
  std::vector<Finding> findings;
  void on_finding(const Finding& f) override { findings.push_back(f); }
};

std::vector<std::shared_ptr<const ruleset::Rule>> load(const std::string& yaml) {
  ruleset::LoadReport r;
  ruleset::load_rules_text(yaml, "test.yaml", {}, r);
  for (const auto& p : r.problems) ADD_FAILURE() << p.line << ":" << p.column << " " << p.message;
  return r.rules;
}

constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr core::TimeNs kMin = 60 * kSec;

void auth(model::Event& ev, core::TimeNs t, const char* ip, const char* outcome = "failure",
          const char* service = "ssh") {
  ev.reset();
  ev.set_kind(model::EventKind::AuthAttempt);
  ev.set_ts(t);
  ev.set_ip(Field::SrcIp, *core::IpAddress::parse(ip));
  ev.set_string(Field::Service, service);
  ev.set_string(Field::Outcome, outcome);
}

std::string v4(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
  return buf;
}

const char* kPerSource = R"(
rules:
  - id: t.per_source
    title: per source
    when: [auth.attempt]
    where: outcome == "failure"
    group_by: [src_ip, service]
    window: 10m
    fire: count() >= 3
    then: [{action: deny, scope: ip, ttl: 1h}]
)";

TEST(DetectorState, GroupsExpireInTimeOrderWhenTheirWindowHasPassed) {
  Detector d(load(kPerSource));
  Collect c;
  model::Event ev;
  auth(ev, 0, "192.0.2.1");
  d.process(ev, "a", c);
  auth(ev, 1 * kMin, "192.0.2.2");
  d.process(ev, "b", c);
  EXPECT_EQ(d.stats().tracked_keys, 2u);
  // At exactly 10 minutes after its last event a group is still kept (last_ts + window is
  // not yet < now) ...
  auth(ev, 10 * kMin, "192.0.2.3");
  d.process(ev, "c", c);
  EXPECT_EQ(d.stats().tracked_keys, 3u);
  EXPECT_EQ(d.stats().groups_expired, 0u);
  // ... one nanosecond later the first goes, and only it: the second is a minute younger.
  auth(ev, 10 * kMin + 1, "192.0.2.4");
  d.process(ev, "d", c);
  EXPECT_EQ(d.stats().groups_expired, 1u);
  EXPECT_EQ(d.stats().tracked_keys, 3u);
  auth(ev, 11 * kMin + 1, "192.0.2.5");
  d.process(ev, "e", c);
  EXPECT_EQ(d.stats().groups_expired, 2u);
  EXPECT_EQ(d.stats().tracked_keys, 3u);
  EXPECT_EQ(d.stats().peak_tracked_keys, 3u) << "expired before the new one is added";
  EXPECT_EQ(d.stats().groups_evicted, 0u) << "expiry is not eviction";
}

TEST(DetectorState, AFullTableEvictsTheStalestGroup) {
  DetectorOptions opt;
  opt.max_groups_per_rule = 3;
  Detector d(load(kPerSource), opt);
  Collect c;
  model::Event ev;
  // A, B, C one failure each; A again (now the freshest); D needs room: B is the stalest.
  const char* order[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.1"};
  core::TimeNs t = 0;
  for (const char* ip : order) {
    auth(ev, t += kSec, ip);
    d.process(ev, ip, c);
  }
  auth(ev, t += kSec, "192.0.2.4");
  d.process(ev, "d", c);
  EXPECT_EQ(d.stats().groups_evicted, 1u);
  EXPECT_EQ(d.stats().tracked_keys, 3u);
  // A kept its two failures: a third fires. B starts over: two more do not fire.
  auth(ev, t += kSec, "192.0.2.1");
  d.process(ev, "a3", c);
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.findings[0].group[0].second, "192.0.2.1");
  EXPECT_EQ(c.findings[0].evidence, (std::vector<std::string>{"192.0.2.1", "192.0.2.1", "a3"}));
  auth(ev, t += kSec, "192.0.2.2");
  d.process(ev, "b2", c);
  auth(ev, t += kSec, "192.0.2.2");
  d.process(ev, "b3", c);
  EXPECT_EQ(c.findings.size(), 1u) << "B was evicted, so it has two failures, not three";
}

TEST(DetectorState, OverTheMemoryBudgetTheStalestGroupsGo) {
  DetectorOptions opt;
  opt.memory_budget = 64 * 1024;  // a few hundred groups
  Detector d(load(kPerSource), opt);
  Collect c;
  model::Event ev;
  for (int i = 0; i < 5000; ++i) {
    auth(ev, i * kSec / 10, v4(i).c_str());
    d.process(ev, "x", c);
  }
  EXPECT_GT(d.stats().groups_evicted, 4000u);
  EXPECT_LE(d.stats().memory_bytes, opt.memory_budget);
  EXPECT_LE(d.stats().peak_memory_bytes, opt.memory_budget + 4096) << "evicted as it grows";
  EXPECT_EQ(d.stats().groups_expired, 0u) << "all within one window";
  // The newest sources are the ones kept: the last one still counts to three.
  for (int k = 0; k < 2; ++k) {
    auth(ev, 500 * kSec, v4(4999).c_str());
    d.process(ev, "x", c);
  }
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_EQ(c.findings[0].group[0].second, v4(4999));
}

const char* kDistributed = R"(
rules:
  - id: t.distributed
    title: distributed
    when: [auth.attempt]
    where: outcome == "failure"
    group_by: [service]
    window: 1h
    fire: distinct(src_ip) >= 3
    campaign:
      member: src_ip
      spare: outcome == "success"
      min_events: 2
      max_members: 1000
      then: {action: deny, scope: ip, ttl: 24h}
)";

TEST(DetectorState, MemberCapCutsEachNewMemberAndCountsIt) {
  Detector d(load(kDistributed));
  Collect c;
  model::Event ev;
  // 200,000 sources, one failure each, all within the hour: the first 1,000 are members, the
  // rest are cut (none has a window that passed, so none makes room). A scan of the members
  // per cut would be 2e8 steps; this is 2e5.
  for (int i = 0; i < 200000; ++i) {
    auth(ev, i * (kSec / 100), v4(i).c_str());
    d.process(ev, "x", c);
  }
  EXPECT_EQ(d.stats().members_cut, 199000u);
  EXPECT_EQ(d.stats().tracked_keys, 1u + 1000u);
  // The group fired (distinct >= 3) but no member had two failures.
  ASSERT_FALSE(c.findings.empty());
  for (const auto& f : c.findings) EXPECT_TRUE(f.members.empty());
  // A tracked member's second failure decides it; a cut one's does not.
  auth(ev, 2000 * kSec, v4(10).c_str());
  d.process(ev, "again", c);
  auth(ev, 2000 * kSec, v4(150000).c_str());
  d.process(ev, "again", c);
  std::vector<std::string> decided;
  for (const auto& f : c.findings)
    decided.insert(decided.end(), f.members.begin(), f.members.end());
  EXPECT_EQ(decided, (std::vector<std::string>{v4(10)}));
}

TEST(DetectorState, MembersWhoseWindowPassedMakeRoom) {
  Detector d(load(kDistributed));
  Collect c;
  model::Event ev;
  for (int i = 0; i < 1000; ++i) {
    auth(ev, i * kSec, v4(i).c_str());
    d.process(ev, "x", c);
  }
  EXPECT_EQ(d.stats().members_cut, 0u);
  auth(ev, 1000 * kSec, v4(5000).c_str());
  d.process(ev, "x", c);
  EXPECT_EQ(d.stats().members_cut, 1u) << "full, and every member's window is open";
  // An hour and a bit after the first members: those whose window passed are gone, so new
  // ones are tracked (members 0..100 left at 3600 + 100 s).
  for (int i = 0; i < 100; ++i) {
    auth(ev, 3701 * kSec, v4(6000 + i).c_str());
    d.process(ev, "x", c);
  }
  EXPECT_EQ(d.stats().members_cut, 1u);
  // And one of them decided on its second failure (the group is firing).
  auth(ev, 3702 * kSec, v4(6000).c_str());
  d.process(ev, "x", c);
  ASSERT_FALSE(c.findings.empty());
  EXPECT_EQ(c.findings.back().members, (std::vector<std::string>{v4(6000)}));
}

TEST(DetectorState, RisingEdgeDecidesQualifyingMembersOldestFirstAndSparesUsers) {
  std::string yaml = kDistributed;
  yaml.replace(yaml.find("distinct(src_ip) >= 3"), 21, "distinct(src_ip) >= 4");
  Detector d(load(yaml));
  Collect c;
  model::Event ev;
  // 2001:db8::2 logs in successfully first: a real user, never decided.
  auth(ev, 1 * kSec, "2001:db8::2", "success");
  d.process(ev, "ok", c);
  // A (192.0.2.7), the user and B (192.0.2.5) fail twice each: three sources, no finding.
  const char* ips[] = {"192.0.2.7",   "192.0.2.7", "2001:db8::2",
                       "2001:db8::2", "192.0.2.5", "192.0.2.5"};
  core::TimeNs t = 1 * kSec;
  for (const char* ip : ips) {
    auth(ev, t += kSec, ip);
    d.process(ev, ip, c);
  }
  EXPECT_TRUE(c.findings.empty());
  // A fourth source makes it fire: A and B qualify (two failures each), in the order their
  // windows started; the user is spared and the fourth has one failure only.
  auth(ev, t += kSec, "198.51.100.1");
  d.process(ev, "fourth", c);
  ASSERT_EQ(c.findings.size(), 1u);
  EXPECT_FALSE(c.findings[0].campaign_update);
  EXPECT_EQ(c.findings[0].members, (std::vector<std::string>{"192.0.2.7", "192.0.2.5"}));
  EXPECT_EQ(c.findings[0].group,
            (std::vector<std::pair<Field, std::string>>{{Field::Service, "ssh"}}));
  // Its second failure adds the fourth as an update; the user's third still does not.
  auth(ev, t += kSec, "2001:db8::2");
  d.process(ev, "user", c);
  auth(ev, t += kSec, "198.51.100.1");
  d.process(ev, "fourth again", c);
  ASSERT_EQ(c.findings.size(), 2u);
  EXPECT_TRUE(c.findings[1].campaign_update);
  EXPECT_EQ(c.findings[1].members, (std::vector<std::string>{"198.51.100.1"}));
}

TEST(DetectorState, KeysKeepTheirTextForEveryValueKind) {
  const char* yaml = R"(
rules:
  - id: t.keys
    title: keys
    when: [auth.attempt]
    group_by: [src_ip, service, user]
    window: 10m
    fire: count() >= 1
    then: [{action: deny, scope: ip, ttl: 1h}]
)";
  Detector d(load(yaml));
  Collect c;
  model::Event ev;
  auth(ev, kSec, "2001:db8::1");
  d.process(ev, "v6", c);
  auth(ev, 2 * kSec, "::ffff:192.0.2.9", "failure", "a service name longer than fifteen");
  d.process(ev, "v4", c);
  ASSERT_EQ(c.findings.size(), 2u);
  EXPECT_EQ(c.findings[0].group[0].second, "2001:db8::1");
  EXPECT_EQ(c.findings[0].group[1].second, "ssh");
  EXPECT_EQ(c.findings[0].group[2].second, "") << "absent field";
  EXPECT_EQ(c.findings[1].group[0].second, "192.0.2.9");
  EXPECT_EQ(c.findings[1].group[1].second, "a service name longer than fifteen");
}

}  // namespace
}  // namespace bannin::detect
