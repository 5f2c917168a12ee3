// NftablesActuator's planning step (nft_plan.h) on kernel snapshots given as data: which
// elements a batch puts in force, which decisions are final without a kernel call, and the
// transaction text. No kernel, no root.
#include <gtest/gtest.h>

#include <bannin/act/nftables/nft_plan.h>

namespace bannin::act::nft {
namespace {

Target T(const char* text) {
  auto t = Target::parse(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(Target{});
}

decide::Decision deny(const std::string& target, std::int64_t ttl_s) {
  decide::Decision d;
  d.action = "deny";
  d.scope = target.find('/') == std::string::npos ? "ip" : "prefix";
  (d.scope == "ip" ? d.ip : d.prefix) = target;
  d.ttl = ttl_s * core::kNsPerSec;
  return d;
}

std::vector<std::string> todo_targets(const Plan& p) {
  std::vector<std::string> out;
  for (auto i : p.todo) out.push_back(p.groups[i].target.text());
  return out;
}

const PlannedTarget& group_of(const Plan& p, const char* target) {
  for (const auto& g : p.groups) {
    if (g.target == T(target)) return g;
  }
  ADD_FAILURE() << "no group " << target;
  return p.groups.front();
}

TEST(NftPlan, BadDecisionsAreFinalWithoutTheKernel) {
  std::vector<decide::Decision> batch{deny("192.0.2.1", 60), deny("192.0.2.2", 0),
                                      deny("300.1.1.1", 60), deny("192.0.2.3", 60)};
  batch[3].action = "rate_limit";
  decide::Decision web;
  web.action = "deny";
  web.scope = "vhost_path";
  web.vhost = "example.org";
  web.path = "/wp-login.php";
  web.ttl = core::kNsPerSec;
  batch.push_back(web);
  Plan p = plan(batch, KernelState{}, NftConfig{});
  ASSERT_EQ(p.results.size(), 5U);
  EXPECT_EQ(p.results[1].outcome, Outcome::Invalid);  // no TTL
  EXPECT_NE(p.results[1].detail.find("TTL"), std::string::npos);
  EXPECT_EQ(p.results[2].outcome, Outcome::Invalid);  // not an address
  EXPECT_EQ(p.results[3].outcome, Outcome::Unsupported);
  EXPECT_EQ(p.results[4].outcome, Outcome::Unsupported);
  EXPECT_NE(p.results[4].detail.find("web-server"), std::string::npos);
  for (std::size_t i = 0; i < p.results.size(); ++i) EXPECT_EQ(p.results[i].index, i);
  EXPECT_EQ(todo_targets(p), std::vector<std::string>{"192.0.2.1"});
  EXPECT_FALSE(p.has_prefixes);
}

TEST(NftPlan, DuplicatesBecomeOneElementWithTheLongestTtl) {
  std::vector<decide::Decision> batch{deny("192.0.2.9", 60), deny("2001:db8::1", 30),
                                      deny("192.0.2.9", 600), deny("192.0.2.9", 100)};
  Plan p = plan(batch, KernelState{}, NftConfig{});
  ASSERT_EQ(p.todo.size(), 2U);
  EXPECT_EQ(group_of(p, "192.0.2.9").timeout_s, 600);
  EXPECT_EQ(group_of(p, "192.0.2.9").end - group_of(p, "192.0.2.9").begin, 3U);
  // One element per target in the transaction, all outcomes from complete().
  std::vector<std::size_t> ids{0, 1};
  std::string text = commands(p, ids, NftConfig{});
  EXPECT_NE(text.find("192.0.2.9 timeout 600s"), std::string::npos) << text;
  EXPECT_EQ(text.find("timeout 60s"), std::string::npos) << text;
  for (std::size_t id : ids) complete(p, id, true, {}, NftConfig{});
  for (std::size_t i : {0, 2, 3}) {
    EXPECT_EQ(p.results[i].outcome, Outcome::Applied);
    EXPECT_EQ(p.results[i].timeout_s, 600);
    EXPECT_EQ(p.results[i].detail, "same target decided more than once; longest TTL");
  }
  EXPECT_EQ(p.results[1].timeout_s, 30);
  EXPECT_EQ(p.results[1].detail, "");
}

TEST(NftPlan, PrefixesCoveredInTheBatchOrInForce) {
  std::vector<decide::Decision> batch{deny("10.1.2.0/24", 60), deny("10.0.0.0/8", 60),
                                      deny("172.16.5.0/24", 60), deny("172.16.0.0/16", 60),
                                      deny("10.1.2.3", 60)};
  KernelState k;
  k.prefixes = {T("172.16.0.0/12"), T("192.168.1.0/24")};
  Plan p = plan(batch, k, NftConfig{});
  EXPECT_TRUE(p.has_prefixes);
  EXPECT_EQ(p.results[0].outcome, Outcome::Covered);
  EXPECT_EQ(p.results[0].detail, "covered by 10.0.0.0/8 in this batch");
  EXPECT_EQ(p.results[2].outcome, Outcome::Covered);
  EXPECT_EQ(p.results[2].detail, "covered by 172.16.0.0/12 already in force");
  EXPECT_EQ(p.results[3].outcome, Outcome::Covered);
  // An address inside a denied prefix is not an overlap: it lives in the hash set.
  EXPECT_EQ(todo_targets(p), (std::vector<std::string>{"10.0.0.0/8", "10.1.2.3"}));
}

TEST(NftPlan, AWiderPrefixReplacesNarrowerOnesInForce) {
  KernelState k;
  k.prefixes = {T("198.51.100.0/26"), T("198.51.100.128/25"), T("203.0.113.0/24")};
  Plan p =
      plan(std::vector<decide::Decision>{deny("198.51.100.0/24", 60), deny("203.0.113.0/24", 90)},
           k, NftConfig{});
  ASSERT_EQ(p.todo.size(), 2U);
  const auto& wide = group_of(p, "198.51.100.0/24");
  EXPECT_FALSE(wide.exists);
  EXPECT_EQ(wide.replaces.size(), 2U);
  EXPECT_TRUE(group_of(p, "203.0.113.0/24").exists);  // re-applied: delete, then add
  std::vector<std::size_t> ids{0, 1};
  std::string text = commands(p, ids, NftConfig{});
  // Deletes of what is replaced come before any add.
  auto del = text.find("delete element inet bannin v4_net { 198.51.100.0/26");
  auto add = text.find("add element");
  ASSERT_NE(del, std::string::npos) << text;
  EXPECT_LT(del, add) << text;
  complete(p, 0, true, {}, NftConfig{});
  EXPECT_EQ(p.results[0].detail, "replaces 198.51.100.0/26; replaces 198.51.100.128/25");
  // After a refusal the prefixes are asked again: one of those expired meanwhile.
  std::vector<Target> now{T("198.51.100.128/25")};
  refresh_prefixes(p, now);
  EXPECT_EQ(group_of(p, "198.51.100.0/24").replaces, std::vector<Target>{T("198.51.100.128/25")});
  EXPECT_FALSE(group_of(p, "203.0.113.0/24").exists);
}

TEST(NftPlan, AddressesExistOnlyWhereReaddKeepsOldTimeouts) {
  std::vector<decide::Decision> batch{deny("192.0.2.1", 60), deny("192.0.2.2", 60),
                                      deny("2001:db8::7", 60)};
  KernelState k;
  k.readd_refreshes = true;  // 6.12+: a plain add refreshes
  Plan p = plan(batch, k, NftConfig{});
  for (auto i : p.todo) EXPECT_FALSE(p.groups[i].exists);

  k.readd_refreshes = false;  // 6.1: an address that may be in the set is add/delete/added
  k.absent = {T("192.0.2.2")};
  p = plan(batch, k, NftConfig{});
  EXPECT_TRUE(group_of(p, "192.0.2.1").exists);
  EXPECT_FALSE(group_of(p, "192.0.2.2").exists);
  EXPECT_TRUE(group_of(p, "2001:db8::7").exists);  // not asked: may be there
  EXPECT_EQ(addresses_in(p, "v4_addr"), (std::vector<Target>{T("192.0.2.1"), T("192.0.2.2")}));
  EXPECT_EQ(addresses_in(p, "v6_addr"), std::vector<Target>{T("2001:db8::7")});

  k.fresh = true;  // no table yet: nothing exists, whatever else is known
  p = plan(batch, k, NftConfig{});
  for (auto i : p.todo) EXPECT_FALSE(p.groups[i].exists);
}

TEST(NftPlan, LayoutCommandsGoFirstAndALayoutErrorFailsEverything) {
  NftConfig cfg;
  KernelState k;
  k.install = ensure_table_commands(cfg);
  Plan p = plan(std::vector<decide::Decision>{deny("192.0.2.1", 60)}, k, cfg);
  std::vector<std::size_t> ids{0};
  EXPECT_EQ(commands(p, ids, cfg).rfind(k.install, 0), 0U);

  k.layout_error = "nftables: operation not permitted (bannin needs root or CAP_NET_ADMIN)";
  p = plan(std::vector<decide::Decision>{deny("192.0.2.1", 60), deny("10.0.0.0/8", 60)}, k, cfg);
  EXPECT_TRUE(p.todo.empty());
  for (const auto& r : p.results) {
    EXPECT_EQ(r.outcome, Outcome::Failed);
    EXPECT_EQ(r.detail, k.layout_error);
    EXPECT_EQ(r.timeout_s, 0);
  }
}

TEST(NftPlan, CompleteReportsDryRunAndExplainsFailures) {
  NftConfig cfg;
  cfg.dry_run = true;
  Plan p = plan(std::vector<decide::Decision>{deny("192.0.2.1", 60), deny("192.0.2.2", 60)},
                KernelState{}, cfg);
  complete(p, 0, true, {}, cfg);
  complete(p, 1, false, "Could not process rule: Operation not permitted", cfg);
  EXPECT_EQ(p.results[0].outcome, Outcome::DryRun);
  EXPECT_EQ(p.results[0].timeout_s, 60);
  EXPECT_EQ(p.results[1].outcome, Outcome::Failed);
  EXPECT_EQ(p.results[1].timeout_s, 0);
  EXPECT_NE(p.results[1].detail.find("CAP_NET_ADMIN"), std::string::npos);
  EXPECT_EQ(classify_error("Error: No such file or directory"), "not_found");
  EXPECT_EQ(classify_error("Error: Protocol not supported"), "no_nftables");
  EXPECT_EQ(classify_error("Error: syntax error"), "nft_error");
}

TEST(NftPlan, GroupingKeepsEveryDecisionOnceInInputOrder) {
  // 2,000 decisions on 500 targets: every decision in exactly one group.
  std::vector<decide::Decision> batch;
  for (int i = 0; i < 2000; ++i) {
    batch.push_back(
        deny("10.0." + std::to_string(i % 500 / 250) + "." + std::to_string(i % 250), 60 + i));
  }
  Plan p = plan(batch, KernelState{}, NftConfig{});
  EXPECT_EQ(p.todo.size(), 500U);
  std::vector<int> seen(batch.size(), 0);
  for (auto i : p.order) ++seen[i];
  for (int s : seen) EXPECT_EQ(s, 1);
  // Each target's decisions stay in input order, and the longest TTL is the last one.
  for (const auto& g : p.groups) {
    for (std::size_t k = g.begin + 1; k < g.end; ++k) EXPECT_LT(p.order[k - 1], p.order[k]);
    EXPECT_EQ(g.timeout_s, 60 + static_cast<std::int64_t>(p.order[g.end - 1]));
  }
}

}  // namespace
}  // namespace bannin::act::nft
