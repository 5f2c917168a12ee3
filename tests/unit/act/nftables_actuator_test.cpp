// NftablesActuator and NftNetlink against the real kernel, each test in a fresh network
// namespace of its own (unshare), so the host's ruleset is never seen or touched. Skipped
// when not root or when the kernel refuses a namespace. What is asserted here is what the
// speed work must not break: timeouts refreshed on re-apply in every refresh mode, a table
// or chain changed behind the actuator's back repaired, revoke and flush without listings.
#include <algorithm>
#include <map>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <bannin/act/nftables/nft_netlink.h>
#include <bannin/act/nftables/nftables_actuator.h>

namespace bannin::act {
namespace {

class NftablesActuatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for a network namespace";
    orig_ns_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(orig_ns_, 0);
    if (::unshare(CLONE_NEWNET) != 0) {
      ::close(orig_ns_);
      orig_ns_ = -1;
      GTEST_SKIP() << "the kernel refused a network namespace";
    }
  }
  void TearDown() override {
    if (orig_ns_ >= 0) {
      EXPECT_EQ(::setns(orig_ns_, CLONE_NEWNET), 0);
      ::close(orig_ns_);
    }
  }

  static std::unique_ptr<NftablesActuator> make(nft::NftConfig cfg = {}) {
    auto a = NftablesActuator::create(std::move(cfg));
    EXPECT_TRUE(a.has_value());
    return a ? std::move(*a) : nullptr;
  }
  static decide::Decision deny(const std::string& target, std::int64_t ttl_s) {
    decide::Decision d;
    d.rule = "test.nft";
    d.action = "deny";
    d.scope = target.find('/') == std::string::npos ? "ip" : "prefix";
    (d.scope == "ip" ? d.ip : d.prefix) = target;
    d.ttl = ttl_s * core::kNsPerSec;
    return d;
  }
  // target -> timeout_s of what is in force.
  static std::map<std::string, std::int64_t> in_force(NftablesActuator& a) {
    std::map<std::string, std::int64_t> out;
    auto l = a.list();
    EXPECT_TRUE(l.has_value());
    if (l) {
      for (const auto& e : *l) out[e.target] = e.timeout_s;
    }
    return out;
  }
  static nft::NftNetlink netlink() {
    auto nl = nft::NftNetlink::open();
    EXPECT_TRUE(nl.has_value()) << (nl ? "" : nl.error().message);
    return std::move(*nl);
  }

  int orig_ns_ = -1;
};

TEST_F(NftablesActuatorTest, FirstApplyInstallsAndAddsEachElementOnce) {
  auto a = make();
  ASSERT_TRUE(a);
  std::vector<decide::Decision> batch = {deny("192.0.2.1", 100), deny("192.0.2.2", 200),
                                         deny("2001:db8::1", 300), deny("198.51.100.0/24", 400),
                                         deny("192.0.2.1", 150)};
  auto res = a->apply(batch);
  ASSERT_EQ(res.size(), batch.size());
  for (const auto& r : res) EXPECT_EQ(r.outcome, Outcome::Applied) << r.target << r.detail;
  EXPECT_EQ(res[0].timeout_s, 150);  // the same target twice: the longest TTL
  const std::string& cmds = a->last_commands();
  EXPECT_NE(cmds.find("add chain inet bannin input { type filter hook input"), std::string::npos);
  // A table that did not exist holds nothing: no delete, no 1 s add.
  EXPECT_EQ(cmds.find("delete element"), std::string::npos) << cmds;
  EXPECT_EQ(cmds.find("timeout 1s"), std::string::npos) << cmds;

  auto f = in_force(*a);
  EXPECT_EQ(f.size(), 4U);
  EXPECT_EQ(f["192.0.2.1"], 150);
  EXPECT_EQ(f["2001:db8::1"], 300);
  EXPECT_EQ(f["198.51.100.0/24"], 400);

  auto nl = netlink();
  auto st = nl.chain_state("bannin", "input");
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(nft::chain_in_place(*st, nft::NftConfig{}));
  EXPECT_EQ(st->sets, (std::vector<std::string>{"v4_addr", "v4_net", "v6_addr", "v6_net"}));

  // A second batch on a table in place: no install, no listing of the address sets.
  const std::size_t before = a->calls();
  auto res2 = a->apply(std::vector<decide::Decision>{deny("192.0.2.9", 60)});
  EXPECT_EQ(res2[0].outcome, Outcome::Applied);
  EXPECT_EQ(a->last_commands().find("add chain"), std::string::npos) << a->last_commands();
  EXPECT_LE(a->calls() - before, 5U);  // the refresh question (once) and the transaction
}

TEST_F(NftablesActuatorTest, ReapplyRefreshesTheTimeoutInEveryMode) {
  using Refresh = nft::NftConfig::Refresh;
  for (Refresh mode : {Refresh::Replace, Refresh::Auto}) {
    SCOPED_TRACE(mode == Refresh::Replace ? "replace" : "auto");
    auto first = make();
    ASSERT_TRUE(first);
    ASSERT_TRUE(first->flush().has_value());
    auto r1 = first->apply(
        std::vector<decide::Decision>{deny("192.0.2.1", 100), deny("2001:db8::5", 100)});
    ASSERT_EQ(r1[0].outcome, Outcome::Applied);

    // A new actuator (a restart, or the CLI run again) knows nothing about the set.
    nft::NftConfig cfg;
    cfg.refresh = mode;
    auto second = make(cfg);
    ASSERT_TRUE(second);
    auto r2 = second->apply(std::vector<decide::Decision>{
        deny("192.0.2.1", 5000), deny("192.0.2.3", 5000), deny("2001:db8::5", 5000)});
    for (const auto& r : r2) EXPECT_EQ(r.outcome, Outcome::Applied) << r.target << r.detail;
    const std::string& cmds = second->last_commands();
    if (mode == Refresh::Replace || !second->readd_refreshes()) {
      // Only the addresses that exist go through add/delete/add.
      EXPECT_NE(cmds.find("delete element inet bannin v4_addr { 192.0.2.1 }"), std::string::npos)
          << cmds;
      EXPECT_NE(cmds.find("delete element inet bannin v6_addr { 2001:db8::5 }"), std::string::npos)
          << cmds;
    } else {
      EXPECT_EQ(cmds.find("delete element"), std::string::npos) << cmds;
    }
    auto f = in_force(*second);
    EXPECT_EQ(f["192.0.2.1"], 5000);
    EXPECT_EQ(f["192.0.2.3"], 5000);
    EXPECT_EQ(f["2001:db8::5"], 5000);
    EXPECT_EQ(f.count("refresh_probe"), 0U);
  }
  // The refresh question leaves nothing behind.
  auto a = make();
  (void)a->readd_refreshes();
  auto nl = netlink();
  auto st = nl.chain_state("bannin", "input");
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(st->exists);
  std::size_t listed = a->list()->size();
  EXPECT_EQ(listed, 3U);
}

TEST_F(NftablesActuatorTest, RepairsTableAndChainChangedBehindItsBack) {
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_EQ(a->apply(std::vector<decide::Decision>{deny("192.0.2.1", 100)})[0].outcome,
            Outcome::Applied);
  // Someone removes the table (`bannin decisions flush`, or by hand): the next batch
  // installs it again.
  ASSERT_TRUE(make()->flush()->existed);
  ASSERT_EQ(a->apply(std::vector<decide::Decision>{deny("192.0.2.2", 100)})[0].outcome,
            Outcome::Applied);
  auto nl = netlink();
  auto st = nl.chain_state("bannin", "input");
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(nft::chain_in_place(*st, nft::NftConfig{}));
  EXPECT_EQ(in_force(*a).count("192.0.2.2"), 1U);

  // Another priority configured: the chain is rebuilt, the elements stay.
  nft::NftConfig cfg;
  cfg.priority = -150;
  auto b = make(cfg);
  ASSERT_EQ(b->apply(std::vector<decide::Decision>{deny("192.0.2.3", 100)})[0].outcome,
            Outcome::Applied);
  st = nl.chain_state("bannin", "input");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->priority, -150);
  EXPECT_EQ(st->rules, nft::kRuleCount);
  auto f = in_force(*b);
  EXPECT_EQ(f.count("192.0.2.2"), 1U);
  EXPECT_EQ(f.count("192.0.2.3"), 1U);
}

TEST_F(NftablesActuatorTest, RevokeAndFlushWithoutListingTheAddressSets) {
  auto a = make();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->probe().has_value());  // no table yet is fine
  auto none = a->flush();
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->existed);
  (void)a->apply(std::vector<decide::Decision>{deny("192.0.2.1", 100), deny("2001:db8::1", 100),
                                               deny("10.9.0.0/16", 100)});
  auto res = a->revoke(std::vector<decide::Decision>{deny("192.0.2.1", 0), deny("192.0.2.77", 0),
                                                     deny("2001:db8::1", 0), deny("10.9.0.0/16", 0),
                                                     deny("10.9.1.0/24", 0)});
  ASSERT_EQ(res.size(), 5U);
  EXPECT_EQ(res[0].outcome, Outcome::Revoked);
  EXPECT_EQ(res[1].outcome, Outcome::NotFound);
  EXPECT_EQ(res[2].outcome, Outcome::Revoked);
  EXPECT_EQ(res[3].outcome, Outcome::Revoked);
  EXPECT_EQ(res[4].outcome, Outcome::NotFound);
  EXPECT_TRUE(in_force(*a).empty());
  auto done = a->flush();
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->existed);
  auto nl = netlink();
  EXPECT_FALSE(*nl.table_exists("bannin"));
}

TEST_F(NftablesActuatorTest, NetlinkAnswersWhichAddressesAreElements) {
  auto nl = netlink();
  auto t = [](const char* s) { return *Target::parse(s); };
  std::vector<Target> v4 = {t("192.0.2.1"), t("192.0.2.2"), t("192.0.2.3")};
  // No table: nothing is present.
  auto p0 = nl.elements_present("bannin", "v4_addr", v4);
  ASSERT_TRUE(p0.has_value());
  EXPECT_EQ(*p0, (std::vector<std::uint8_t>{0, 0, 0}));
  EXPECT_FALSE(*nl.table_exists("bannin"));
  auto a = make();
  (void)a->apply(std::vector<decide::Decision>{deny("192.0.2.2", 100), deny("2001:db8::2", 100)});
  EXPECT_TRUE(*nl.table_exists("bannin"));
  auto p1 = nl.elements_present("bannin", "v4_addr", v4);
  ASSERT_TRUE(p1.has_value());
  EXPECT_EQ(*p1, (std::vector<std::uint8_t>{0, 1, 0}));
  std::vector<Target> v6 = {t("2001:db8::1"), t("2001:db8::2")};
  auto p2 = nl.elements_present("bannin", "v6_addr", v6);
  ASSERT_TRUE(p2.has_value());
  EXPECT_EQ(*p2, (std::vector<std::uint8_t>{0, 1}));
  // More questions than one send holds.
  std::vector<Target> many;
  many.reserve(700);
  for (int i = 0; i < 700; ++i) many.push_back(t(i == 500 ? "192.0.2.2" : "198.18.0.1"));
  auto p3 = nl.elements_present("bannin", "v4_addr", many);
  ASSERT_TRUE(p3.has_value());
  EXPECT_EQ(std::count(p3->begin(), p3->end(), 1), 1);
  EXPECT_EQ((*p3)[500], 1);
}

TEST_F(NftablesActuatorTest, DryRunChangesNothing) {
  nft::NftConfig cfg;
  cfg.dry_run = true;
  auto a = make(cfg);
  auto res = a->apply(std::vector<decide::Decision>{deny("192.0.2.1", 100)});
  EXPECT_EQ(res[0].outcome, Outcome::DryRun) << res[0].detail;
  auto nl = netlink();
  EXPECT_FALSE(*nl.table_exists("bannin"));
}

}  // namespace
}  // namespace bannin::act
