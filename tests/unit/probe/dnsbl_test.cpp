#include <gtest/gtest.h>

#include <bannin/probe/domain/dnsbl.h>
#include <bannin/probe/domain/explain.h>

namespace bannin::probe::domain {
namespace {

const DnsblZones& zones() {
  static const DnsblZones z = [] {
    auto r = load_dnsbl_zones(std::string(BANNIN_SOURCE_DIR) + "/data/dnsbl/zones.yaml");
    EXPECT_TRUE(r.has_value()) << (r.has_value() ? "" : r.error().message);
    return r.has_value() ? r.value() : DnsblZones{};
  }();
  return z;
}

const DnsblZone& zone(const std::string& name) {
  for (const auto& z : zones().zones) {
    if (z.name == name) return z;
  }
  static DnsblZone none;
  ADD_FAILURE() << "no zone " << name;
  return none;
}

DnsOutcome answer(std::uint8_t rcode, std::vector<std::string> addrs) {
  DnsOutcome o;
  o.status = DnsStatus::Answered;
  o.message.rcode = rcode;
  for (auto& a : addrs) o.message.answer.push_back(DnsRecord{"q", 1, 1, 60, a});
  return o;
}

TEST(DnsblZones, ShippedTableLoads) {
  EXPECT_EQ(zones().version, 2);
  EXPECT_EQ(zones().zones.size(), 4u);
  EXPECT_TRUE(zone("zen.spamhaus.org").for_ip);
  EXPECT_TRUE(zone("multi.surbl.org").bitmask);
}

TEST(DnsblZones, ProblemsAreCollectedWithPositions) {
  auto r = parse_dnsbl_zones("version: 1\nzones:\n  - zone: a.test\n    type: nope\n  - type: ip\n",
                             "z.yaml");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("z.yaml:3:"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("z.yaml:5:"), std::string::npos) << r.error().message;
  EXPECT_FALSE(parse_dnsbl_zones("zones: [", "bad.yaml").has_value());
}

TEST(DnsblQueryName, ReversesIpv4AndIpv6) {
  EXPECT_EQ(dnsbl_query_name(zone("zen.spamhaus.org"), "203.0.113.79").value(),
            "79.113.0.203.zen.spamhaus.org");
  EXPECT_EQ(dnsbl_query_name(zone("zen.spamhaus.org"), "2001:db8:7ca6:22::45").value(),
            "5.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.2.0.0.6.a.c.7.8.b.d.0.1.0.0.2.zen.spamhaus.org");
  EXPECT_FALSE(dnsbl_query_name(zone("zen.spamhaus.org"), "shop.test").has_value());
  EXPECT_EQ(dnsbl_query_name(zone("dbl.spamhaus.org"), "Shop.Test.").value(),
            "shop.test.dbl.spamhaus.org");
}

TEST(DnsblClassify, ListingsAndErrorCodes) {
  const auto& zen = zone("zen.spamhaus.org");
  EXPECT_EQ(classify_dnsbl(zen, answer(0, {"127.0.0.2", "127.0.0.4"}), true, "").state, "listed");
  CheckResult pbl = classify_dnsbl(zen, answer(0, {"127.0.0.10"}), true, "");
  EXPECT_EQ(pbl.state, "listed");
  EXPECT_EQ(pbl.severity, Severity::Warning);
  for (const char* code :
       {"127.255.255.252", "127.255.255.254", "127.255.255.255", "127.255.255.250"}) {
    CheckResult r = classify_dnsbl(zen, answer(0, {"127.0.0.2", code}), true, "");
    EXPECT_EQ(r.state, "blocked") << code;
    EXPECT_EQ(r.severity, Severity::Unknown) << code;
  }
  EXPECT_EQ(classify_dnsbl(zone("dbl.spamhaus.org"), answer(0, {"127.0.1.255"}), true, "").state,
            "blocked");
  EXPECT_EQ(classify_dnsbl(zen, answer(0, {"127.0.0.99"}), true, "").state, "unknown_code");
  EXPECT_EQ(classify_dnsbl(zen, answer(0, {"10.0.0.1"}), true, "").state,
            "blocked");  // rewritten answer
}

TEST(DnsblClassify, BitmaskZonesAndTheirBlockedBit) {
  const auto& surbl = zone("multi.surbl.org");
  CheckResult r = classify_dnsbl(surbl, answer(0, {"127.0.0.80"}), true, "");
  EXPECT_EQ(r.state, "listed");
  EXPECT_NE(r.detail.find("MW"), std::string::npos);
  EXPECT_NE(r.detail.find("ABUSE"), std::string::npos);
  EXPECT_EQ(classify_dnsbl(surbl, answer(0, {"127.0.0.1"}), true, "").state, "blocked");
  EXPECT_EQ(classify_dnsbl(surbl, answer(0, {"127.0.0.9"}), true, "").state,
            "blocked");  // bit 1 set
  const auto& uribl = zone("multi.uribl.com");
  EXPECT_EQ(classify_dnsbl(uribl, answer(0, {"127.0.0.1"}), true, "").state, "blocked");
  EXPECT_EQ(classify_dnsbl(uribl, answer(0, {"127.0.0.2"}), true, "").state, "listed");
  EXPECT_EQ(classify_dnsbl(uribl, answer(0, {"127.0.0.4"}), true, "").severity, Severity::Warning);
}

TEST(DnsblClassify, NotListedOnlyWhenCanariesPass) {
  const auto& zen = zone("zen.spamhaus.org");
  EXPECT_EQ(classify_dnsbl(zen, answer(3, {}), true, "").state, "not_listed");
  CheckResult r = classify_dnsbl(zen, answer(3, {}), false, "test point not listed");
  EXPECT_EQ(r.state, "canary_failed");
  EXPECT_EQ(r.severity, Severity::Unknown);
  DnsOutcome to;
  to.status = DnsStatus::Timeout;
  EXPECT_EQ(classify_dnsbl(zen, to, true, "").state, "timeout");
  EXPECT_EQ(classify_dnsbl(zen, answer(5, {}), true, "").state, "error");  // REFUSED (DQS key off)
}

TEST(DnsblCanaries, PositiveAndNegativeTestPoints) {
  const auto& zen = zone("zen.spamhaus.org");
  EXPECT_EQ(canary_problem(zen, answer(0, {"127.0.0.2"}), answer(3, {})), "");
  EXPECT_NE(canary_problem(zen, answer(3, {}), answer(3, {})).find("not listed"),
            std::string::npos);
  EXPECT_NE(canary_problem(zen, answer(0, {"127.0.0.2"}), answer(0, {"127.0.0.2"}))
                .find("lists the world"),
            std::string::npos);
  DnsOutcome to;
  to.status = DnsStatus::Timeout;
  EXPECT_NE(canary_problem(zen, to, answer(3, {})).find("timeout"), std::string::npos);
}

TEST(Explain, EveryAlertingStateHasBothLanguages) {
  const char* states[][2] = {{"delegation", "delegation_removed"},
                             {"delegation", "not_delegated"},
                             {"delegation", "parking_ns"},
                             {"child", "lame_delegation"},
                             {"child", "lame"},
                             {"child", "lame_timeout"},
                             {"child", "ns_drift"},
                             {"resolver", "nxdomain"},
                             {"resolver", "filtered"},
                             {"resolver", "servfail"},
                             {"resolver", "disagreement"},
                             {"rdap", "server_hold"},
                             {"rdap", "client_hold"},
                             {"rdap", "inactive"},
                             {"rdap", "redemption_period"},
                             {"rdap", "pending_delete"},
                             {"rdap", "not_registered"},
                             {"rdap", "expires_soon"},
                             {"rdap", "expired"},
                             {"rdap", "parking_ns"},
                             {"dnsbl", "listed"},
                             {"dnsbl", "blocked"},
                             {"dnsbl", "canary_failed"},
                             {"resolver", "timeout"},
                             {"virustotal", "not_checked"}};
  for (auto& s : states) {
    auto en = explain(s[0], s[1], Lang::En);
    auto ja = explain(s[0], s[1], Lang::Ja);
    ASSERT_TRUE(en.has_value()) << s[0] << " " << s[1];
    ASSERT_TRUE(ja.has_value()) << s[0] << " " << s[1];
    EXPECT_FALSE(en->who.empty());
    EXPECT_FALSE(ja->next.empty());
  }
  EXPECT_NE(explain("rdap", "server_hold", Lang::En)->who.find("registrar"), std::string::npos);
  EXPECT_NE(explain("resolver", "filtered", Lang::En)->who.find("not VirusTotal"),
            std::string::npos);
}

TEST(DnsblDqs, KeyGoesIntoQueryNamesOnlyAndIsMasked) {
  DnsblZones z = zones();
  const std::string key = "abcdefghijklmnopqrstuvwxyz";
  ASSERT_TRUE(valid_dqs_key(key));
  EXPECT_FALSE(valid_dqs_key(""));
  EXPECT_FALSE(valid_dqs_key("a.b"));
  EXPECT_FALSE(valid_dqs_key(std::string(64, 'a')));
  apply_dqs_key(z, key);
  ASSERT_EQ(z.zones.size(), 4u);
  const DnsblZone& zen = z.zones[0];
  EXPECT_EQ(zen.name, "\xE2\x80\xA6zen.dq.spamhaus.net");
  EXPECT_EQ(dnsbl_query_name(zen, "203.0.113.10").value(),
            "10.113.0.203." + key + ".zen.dq.spamhaus.net");
  EXPECT_EQ(dnsbl_query_name(z.zones[1], "Shop.Test").value(),
            "shop.test." + key + ".dbl.dq.spamhaus.net");
  for (const auto& zone : z.zones) EXPECT_EQ(zone.name.find(key), std::string::npos);
  // SURBL/URIBL have no DQS zone: unchanged.
  EXPECT_EQ(z.zones[2].name, "multi.surbl.org");
  EXPECT_EQ(dnsbl_query_name(z.zones[2], "a.test").value(), "a.test.multi.surbl.org");
  // The DQS error codes stay errors.
  DnsOutcome disabled = answer(0, {"127.255.255.250"});
  EXPECT_EQ(classify_dnsbl(zen, disabled, true, "").state, "blocked");
  EXPECT_EQ(classify_dnsbl(zen, answer(0, {"127.255.255.254"}), true, "").state, "blocked");
}

TEST(DnsblDqs, DqsOnlyZonesNeedAKey) {
  auto z = parse_dnsbl_zones(
      "version: 2\nzones:\n  - zone: zrd.example\n    type: domain\n    dqs_zone: zrd.dq.example\n"
      "    dqs_only: true\n    canary_listed: dbltest.com\n    canary_not_listed: invalid\n",
      "t.yaml");
  ASSERT_TRUE(z.has_value()) << z.error().message;
  DnsblZones without = *z;
  apply_dqs_key(without, "");
  EXPECT_TRUE(without.zones.empty());
  DnsblZones with = *z;
  apply_dqs_key(with, "k1");
  ASSERT_EQ(with.zones.size(), 1u);
  EXPECT_EQ(with.zones[0].query_zone, "k1.zrd.dq.example");
}

}  // namespace
}  // namespace bannin::probe::domain
