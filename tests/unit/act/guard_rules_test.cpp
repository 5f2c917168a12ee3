// The overload guard's nftables text (act/nftables/guard_rules.h): exact commands for a UDP
// and a TCP service, prefix masks, and the named counter's JSON.
#include <gtest/gtest.h>

#include <bannin/act/nftables/guard_rules.h>

namespace bannin::act::nft {
namespace {

TEST(GuardRules, PrefixMasks) {
  EXPECT_EQ(prefix_mask(24, false), "255.255.255.0");
  EXPECT_EQ(prefix_mask(16, false), "255.255.0.0");
  EXPECT_EQ(prefix_mask(20, false), "255.255.240.0");
  EXPECT_EQ(prefix_mask(32, false), "255.255.255.255");
  EXPECT_EQ(prefix_mask(64, true), "ffff:ffff:ffff:ffff::");
  EXPECT_EQ(prefix_mask(48, true), "ffff:ffff:ffff::");
  EXPECT_EQ(prefix_mask(56, true), "ffff:ffff:ffff:ff00::");
  EXPECT_EQ(prefix_mask(128, true), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST(GuardRules, UdpServiceTable) {
  GuardRuleSpec s;
  s.table = "bannin_guard_dns";
  s.ports = {53};
  const std::string t = guard_on_commands(s);
  // Replaces a leftover table in the same transaction.
  EXPECT_EQ(t.find("add table inet bannin_guard_dns\ndelete table inet bannin_guard_dns\nadd table "
                   "inet bannin_guard_dns\n"),
            0U);
  EXPECT_NE(t.find("add counter inet bannin_guard_dns drops\n"), std::string::npos);
  EXPECT_NE(t.find("add set inet bannin_guard_dns src4 { type ipv4_addr; size 65536; flags "
                   "dynamic,timeout; timeout 10s; }\n"),
            std::string::npos);
  EXPECT_NE(t.find("add chain inet bannin_guard_dns pre { type filter hook prerouting priority "
                   "raw; policy accept; }\n"),
            std::string::npos);
  EXPECT_NE(t.find("add rule inet bannin_guard_dns pre udp dport 53 update @src4 { ip saddr limit "
                   "rate over 20/second burst 5 packets } counter name \"drops\" drop\n"),
            std::string::npos);
  EXPECT_NE(t.find("update @net4 { ip saddr and 255.255.255.0 limit rate over 50/second burst 10 "
                   "packets }"),
            std::string::npos);
  EXPECT_NE(t.find("update @net6 { ip6 saddr and ffff:ffff:ffff:ffff:: limit rate over 50/second"),
            std::string::npos);
  // notrack after the limits, and for the answers going out.
  EXPECT_NE(t.find("add rule inet bannin_guard_dns pre udp dport 53 notrack\n"), std::string::npos);
  EXPECT_NE(t.find("add rule inet bannin_guard_dns rawout udp sport 53 notrack\n"),
            std::string::npos);
  EXPECT_EQ(t.find("ct "), std::string::npos) << "no conntrack expression on a UDP guard";
}

TEST(GuardRules, TcpServiceAdmission) {
  GuardRuleSpec s;
  s.table = "bannin_guard_pop";
  s.tcp = true;
  s.ports = {110, 995};
  s.conns_per_source = 16;
  s.conns_total = 2000;
  s.per_prefix = 0;
  const std::string t = guard_on_commands(s);
  EXPECT_NE(t.find("hook input priority -5"), std::string::npos);
  EXPECT_NE(t.find("tcp dport { 110, 995 } ct state new update @src4 { ip saddr limit rate over "
                   "20/second burst 5 packets } counter name \"drops\" reject with tcp reset\n"),
            std::string::npos);
  EXPECT_NE(t.find("ct state new add @conn4 { ip saddr ct count over 16 }"), std::string::npos);
  EXPECT_NE(t.find("tcp dport { 110, 995 } ct state new ct count over 2000 counter name \"drops\" "
                   "reject with tcp reset\n"),
            std::string::npos);
  EXPECT_EQ(t.find("@net4"), std::string::npos) << "per_prefix 0: no prefix limit";
  EXPECT_EQ(t.find("notrack"), std::string::npos) << "TCP admission needs conntrack";
}

TEST(GuardRules, OffAndCounter) {
  EXPECT_EQ(guard_off_commands("bannin_guard_dns"),
            "add table inet bannin_guard_dns\ndelete table inet bannin_guard_dns\n");
  EXPECT_EQ(guard_counter_command("bannin_guard_dns"),
            "list counter inet bannin_guard_dns drops\n");
}

TEST(GuardRules, ParsesTheNamedCounter) {
  // What nft 1.0.6 prints for `nft -j list counter inet bannin_guard_dns drops`.
  const char* json =
      R"({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", )"
      R"("json_schema_version": 1}}, {"counter": {"family": "inet", "name": "drops", "table": )"
      R"("bannin_guard_dns", "handle": 1, "packets": 119008, "bytes": 6783456}}]})";
  auto c = parse_counter_json(json);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->packets, 119008U);
  EXPECT_EQ(c->bytes, 6783456U);
  EXPECT_FALSE(parse_counter_json("{\"nftables\": []}"));
  EXPECT_FALSE(parse_counter_json("not json"));
}

}  // namespace
}  // namespace bannin::act::nft
