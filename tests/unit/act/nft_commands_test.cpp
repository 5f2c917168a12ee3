// The nftables command text and the parsers of nft's JSON listings (no kernel needed).
#include <gtest/gtest.h>

#include <bannin/act/nftables/nft_commands.h>

namespace bannin::act::nft {
namespace {

Target T(const char* text) {
  auto t = Target::parse(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(Target{});
}

TEST(NftCommands, SetPerFamilyAndKind) {
  EXPECT_EQ(set_name(T("192.0.2.7")), "v4_addr");
  EXPECT_EQ(set_name(T("192.0.2.0/24")), "v4_net");
  EXPECT_EQ(set_name(T("2001:db8::1")), "v6_addr");
  EXPECT_EQ(set_name(T("2001:db8::/64")), "v6_net");
  // A /32 (or /128) prefix is one address and goes to the hash set.
  EXPECT_EQ(set_name(T("192.0.2.7/32")), "v4_addr");
  EXPECT_EQ(set_name(T("2001:db8::1/128")), "v6_addr");
}

TEST(NftCommands, TargetsAreCanonical) {
  EXPECT_EQ(T("192.0.2.77/24").text(), "192.0.2.0/24");
  EXPECT_EQ(T("2001:DB8:0:0::5/48").text(), "2001:db8::/48");
  EXPECT_FALSE(Target::parse("192.0.2.0/33"));
  EXPECT_FALSE(Target::parse("192.0.2.0/"));
  EXPECT_FALSE(Target::parse("192.0.2.0/2x"));
  EXPECT_FALSE(Target::parse("example.com"));
  EXPECT_TRUE(T("10.0.0.0/8").contains(T("10.1.2.0/24")));
  EXPECT_FALSE(T("10.1.2.0/24").contains(T("10.0.0.0/8")));
  EXPECT_FALSE(T("10.0.0.0/8").contains(T("2001:db8::/32")));
}

TEST(NftCommands, TimeoutRoundsUpToWholeSeconds) {
  constexpr core::TimeNs kS = core::kNsPerSec;
  EXPECT_EQ(timeout_seconds(3600 * kS, 0), 3600);
  EXPECT_EQ(timeout_seconds(3600 * kS + 1, 0), 3601);  // never ends early
  EXPECT_EQ(timeout_seconds(1, 0), 1);                 // at least a second
  EXPECT_EQ(timeout_seconds(0, 0), 0);                 // no TTL: refused by the caller
  EXPECT_EQ(timeout_seconds(-5 * kS, 0), 0);
  EXPECT_EQ(timeout_seconds(400LL * 86400 * kS, 365LL * 86400), 365LL * 86400);  // capped
}

TEST(NftCommands, EnsureTableIsIdempotentAdds) {
  NftConfig cfg;
  std::string s = ensure_table_commands(cfg);
  EXPECT_EQ(s,
            "add table inet bannin\n"
            "add set inet bannin v4_addr { type ipv4_addr; flags timeout; }\n"
            "add set inet bannin v4_net { type ipv4_addr; flags interval,timeout; }\n"
            "add set inet bannin v6_addr { type ipv6_addr; flags timeout; }\n"
            "add set inet bannin v6_net { type ipv6_addr; flags interval,timeout; }\n");
  // Never `create` (fails on existing objects) and never auto-merge (fuses prefixes and
  // shortens timeouts).
  EXPECT_EQ(s.find("create"), std::string::npos);
  EXPECT_EQ(s.find("auto-merge"), std::string::npos);
}

TEST(NftCommands, ChainCarriesPriorityAndIsRecreatedNotAppended) {
  NftConfig cfg;
  cfg.priority = -150;
  std::string s = recreate_chain_commands(cfg);
  EXPECT_NE(s.find("add chain inet bannin input { type filter hook input priority -150; "
                   "policy accept; }\n"),
            std::string::npos);
  EXPECT_LT(s.find("flush chain inet bannin input"), s.find("delete chain inet bannin input"));
  EXPECT_NE(s.find("add rule inet bannin input ip saddr @v4_addr counter drop\n"),
            std::string::npos);
  EXPECT_NE(s.find("add rule inet bannin input ip6 saddr @v6_net counter drop\n"),
            std::string::npos);
  std::size_t rules = 0;
  for (std::size_t p = s.find("add rule"); p != std::string::npos; p = s.find("add rule", p + 1)) {
    ++rules;
  }
  EXPECT_EQ(rules, static_cast<std::size_t>(kRuleCount));
}

TEST(NftCommands, UpsertAddsNewElementsOnceAndReplacesExistingOnes) {
  NftConfig cfg;
  std::vector<Upsert> ups = {{T("192.0.2.7"), 3600, true},
                             {T("2001:db8::/64"), 60, false},
                             {T("198.51.100.0/24"), 86400, true},
                             {T("192.0.2.8"), 30, false},
                             {T("2001:db8::9"), 90, false}};
  std::string s = upsert_commands(cfg, ups, {});
  EXPECT_EQ(s,
            // the existing prefix is deleted first and added with its new timeout
            "delete element inet bannin v4_net { 198.51.100.0/24 }\n"
            // an address that may exist: add (so the delete cannot fail), delete, add with
            // the timeout; a new one is only added
            "add element inet bannin v4_addr { 192.0.2.7 timeout 1s }\n"
            "delete element inet bannin v4_addr { 192.0.2.7 }\n"
            "add element inet bannin v4_addr { 192.0.2.7 timeout 3600s, 192.0.2.8 timeout 30s }\n"
            "add element inet bannin v4_net { 198.51.100.0/24 timeout 86400s }\n"
            "add element inet bannin v6_addr { 2001:db8::9 timeout 90s }\n"
            "add element inet bannin v6_net { 2001:db8::/64 timeout 60s }\n");
  EXPECT_EQ(s.find("create"), std::string::npos);
}

TEST(NftCommands, UpsertOfNewAddressesIsOneAddPerLine) {
  NftConfig cfg;
  std::vector<Upsert> ups;
  for (int i = 1; i <= 5; ++i) ups.push_back({T(("10.0.0." + std::to_string(i)).c_str()), 10});
  std::string s = upsert_commands(cfg, ups, {}, 2);
  EXPECT_EQ(s,
            "add element inet bannin v4_addr { 10.0.0.1 timeout 10s, 10.0.0.2 timeout 10s }\n"
            "add element inet bannin v4_addr { 10.0.0.3 timeout 10s, 10.0.0.4 timeout 10s }\n"
            "add element inet bannin v4_addr { 10.0.0.5 timeout 10s }\n");
  EXPECT_EQ(s.find("delete"), std::string::npos);
}

TEST(NftCommands, ParsesGetElementText) {
  const char* text =
      "table inet bannin {\n\tset v4_net {\n\t\ttype ipv4_addr\n\t\tflags interval,timeout\n"
      "\t\telements = { 10.1.0.0/24 timeout 2m expires 1m3s328ms,\n\t\t\t     10.9.0.0/24 }\n"
      "\t}\n}\n";
  auto els = parse_elements_text(text);
  ASSERT_EQ(els.size(), 2U);
  EXPECT_EQ(els[0], "10.1.0.0/24");
  EXPECT_EQ(els[1], "10.9.0.0/24");
  EXPECT_TRUE(parse_elements_text("table inet bannin {}").empty());
}

TEST(NftCommands, UpsertRemovesReplacedPrefixesFirstAndSplitsLines) {
  NftConfig cfg;
  std::vector<Upsert> ups;
  for (int i = 1; i <= 5; ++i) {
    ups.push_back({T(("10.0.0." + std::to_string(i)).c_str()), 10, true});
  }
  std::vector<Target> removes = {T("10.9.1.0/24")};
  std::string s = upsert_commands(cfg, ups, removes, 2);
  EXPECT_EQ(s.rfind("delete element inet bannin v4_net { 10.9.1.0/24 }\n", 0), 0U);
  std::size_t lines = 0;
  for (char c : s) lines += c == '\n';
  EXPECT_EQ(lines, 1U + 3 * 3);  // 5 addresses in lines of 2, three commands each
}

TEST(NftCommands, DeleteTableIsIdempotent) {
  NftConfig cfg;
  cfg.table = "bannin_test";
  EXPECT_EQ(delete_table_commands(cfg),
            "add table inet bannin_test\ndelete table inet bannin_test\n");
  // The plain delete fails on a missing table: that is how flush learns it was not there.
  EXPECT_EQ(delete_table_command(cfg), "delete table inet bannin_test\n");
}

TEST(NftCommands, ParsesElementListing) {
  // As printed by nft 1.0.6 `-j list set`.
  const char* json =
      R"({"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}},)"
      R"( {"set": {"family": "inet", "name": "v4_net", "table": "bannin", "type": "ipv4_addr",)"
      R"( "handle": 3, "flags": ["interval", "timeout"], "elem": [{"elem": {"val": {"prefix":)"
      R"( {"addr": "10.1.0.0", "len": 24}}, "timeout": 120, "expires": 91}}]}},)"
      R"( {"set": {"family": "inet", "name": "v6_addr", "table": "bannin", "type": "ipv6_addr",)"
      R"( "handle": 7, "flags": ["timeout"], "elem": [{"elem": {"val": "fd00:200::2",)"
      R"( "timeout": 30, "expires": 29}}, "fd00::9"]}},)"
      R"( {"set": {"family": "inet", "name": "x", "table": "other", "type": "ipv4_addr",)"
      R"( "handle": 9, "elem": ["192.0.2.1"]}}]})";
  auto r = parse_elements_json(json, "bannin");
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 3U);
  EXPECT_EQ((*r)[0].target, "10.1.0.0/24");
  EXPECT_EQ((*r)[0].where, "v4_net");
  EXPECT_EQ((*r)[0].timeout_s, 120);
  EXPECT_EQ((*r)[0].expires_s, 91);
  EXPECT_EQ((*r)[1].target, "fd00:200::2");
  EXPECT_EQ((*r)[2].target, "fd00::9");
  EXPECT_EQ((*r)[2].expires_s, -1);
  EXPECT_FALSE(parse_elements_json("not json", "bannin").has_value());
}

TEST(NftCommands, ParsesChainState) {
  const char* json =
      R"({"nftables": [{"metainfo": {"version": "1.0.6"}}, {"chain": {"family": "inet",)"
      R"( "table": "bannin", "name": "input", "handle": 4, "type": "filter", "hook": "input",)"
      R"( "prio": -10, "policy": "accept"}}, {"rule": {"family": "inet", "table": "bannin",)"
      R"( "chain": "input", "handle": 5, "expr": []}}]})";
  auto st = parse_chain_json(json, "bannin");
  ASSERT_TRUE(st.has_value());
  EXPECT_TRUE(st->exists);
  EXPECT_TRUE(st->base);
  EXPECT_EQ(st->hook, "input");
  EXPECT_EQ(st->priority, -10);
  EXPECT_EQ(st->rules, 1);
  EXPECT_FALSE(chain_in_place(*st, NftConfig{}));  // one rule, not four
}

TEST(NftCommands, ChainInPlaceNeedsHookPriorityAndTheFourLookups) {
  NftConfig cfg;
  ChainState st;
  st.exists = st.base = true;
  st.hook = "input";
  st.priority = -10;
  st.rules = kRuleCount;
  EXPECT_TRUE(chain_in_place(st, cfg));  // counted only (from nft's JSON)
  st.sets = {"v4_addr", "v4_net", "v6_addr", "v6_net"};
  EXPECT_TRUE(chain_in_place(st, cfg));
  st.sets[3] = "";  // a rule without a lookup
  EXPECT_FALSE(chain_in_place(st, cfg));
  st.sets[3] = "v6_net";
  cfg.priority = -150;  // the configured priority changed: rebuild
  EXPECT_FALSE(chain_in_place(st, cfg));
  cfg.priority = -10;
  st.hook = "forward";
  EXPECT_FALSE(chain_in_place(st, cfg));
  st.hook = "input";
  st.rules = 5;
  EXPECT_FALSE(chain_in_place(st, cfg));
  EXPECT_FALSE(chain_in_place(ChainState{}, cfg));
}

}  // namespace
}  // namespace bannin::act::nft
