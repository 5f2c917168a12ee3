#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include <bannin/probe/domain/rdap.h>

namespace bannin::probe::domain {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(BANNIN_FIXTURES) + "/domain/rdap/" + name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

core::TimeNs t(const char* s) {
  return core::parse_iso8601(s, true).value();
}

TEST(EppStatus, NormalisesAllSpellings) {
  EXPECT_EQ(normalize_epp_status("server hold"), "server hold");
  EXPECT_EQ(normalize_epp_status("serverHold"), "server hold");
  EXPECT_EQ(normalize_epp_status("clientHold https://icann.org/epp#clientHold"), "client hold");
  EXPECT_EQ(normalize_epp_status("  pendingDelete "), "pending delete");
  EXPECT_EQ(normalize_epp_status("redemptionPeriod"), "redemption period");
  EXPECT_EQ(normalize_epp_status("ok"), "active");
  EXPECT_EQ(normalize_epp_status("clientTransferProhibited"), "client transfer prohibited");
  EXPECT_EQ(normalize_epp_status(""), "");
}

TEST(EppStatus, WhichRemoveFromDns) {
  for (const char* s : {"server hold", "client hold", "inactive", "redemption period",
                        "pending delete", "pending restore"}) {
    EXPECT_TRUE(status_removes_from_dns(s)) << s;
  }
  for (const char* s :
       {"active", "client transfer prohibited", "auto renew period", "server update prohibited"}) {
    EXPECT_FALSE(status_removes_from_dns(s)) << s;
  }
}

TEST(RdapBootstrap, LongestMatchAndHttpsPreferred) {
  auto b = parse_rdap_bootstrap(
      R"({"services":[[["com"],["http://a.example/com/","https://a.example/com"]],
      [["jp"],[]],[["co.uk","uk"],["https://uk.example/"]],[["uk"],["https://other.example/"]]]})");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->base_for("Shop.COM").value(), "https://a.example/com/");
  EXPECT_EQ(b->base_for("x.co.uk").value(), "https://uk.example/");
  EXPECT_FALSE(b->base_for("shop.jp").has_value());  // no RDAP for .jp
  EXPECT_FALSE(b->base_for("shop.notcom").has_value());
  EXPECT_FALSE(parse_rdap_bootstrap("[1,2").has_value());
  EXPECT_FALSE(parse_rdap_bootstrap("{}").has_value());
}

TEST(RdapBootstrap, ShippedCopyLoads) {
  auto b = load_rdap_bootstrap(std::string(BANNIN_SOURCE_DIR) + "/data/rdap/dns.json");
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(b->base_for("example.com").value(), "https://rdap.verisign.com/com/v1/");
}

TEST(RdapDomain, ParsesHeldFixture) {
  auto d = parse_rdap_domain(fixture("heldshop.test.json"));
  ASSERT_TRUE(d.has_value()) << d.error().message;
  EXPECT_EQ(d->ldh_name, "heldshop.test");
  EXPECT_EQ(d->status, (std::vector<std::string>{"server hold", "client transfer prohibited"}));
  EXPECT_EQ(d->registrar, "Example Registrar KK");
  EXPECT_EQ(d->nameservers, std::vector<std::string>{"ns1.heldshop.test"});
  ASSERT_TRUE(d->expiration.has_value());
}

TEST(RdapDomain, BadJsonIsAnErrorNeverACrash) {
  EXPECT_FALSE(parse_rdap_domain(fixture("brokenshop.test.json")).has_value());
  EXPECT_FALSE(parse_rdap_domain("").has_value());
  EXPECT_FALSE(parse_rdap_domain("[]").has_value());
  EXPECT_FALSE(parse_rdap_domain(R"({"objectClassName":"entity"})").has_value());
  EXPECT_TRUE(
      parse_rdap_domain(R"({"status":[1,{"a":2},"serverHold"],"events":"x","entities":[1]})")
          .has_value());
  EXPECT_TRUE(parse_rdap_domain("{\"status\":[\"\xff\xfe\"]}").has_value());  // invalid UTF-8
}

RdapFetch fetched(long status, std::string body) {
  RdapFetch f;
  f.http_status = status;
  f.body = std::move(body);
  f.url = "http://127.0.0.1/rdap/domain/x.test";
  return f;
}

TEST(RdapResults, StatesFromFetches) {
  core::TimeNs now = t("2026-11-25T00:00:00Z");
  auto held = rdap_results("heldepp.test", fetched(200, fixture("heldepp.test.json")), now);
  ASSERT_FALSE(held.empty());
  EXPECT_EQ(held[0].state, "server_hold");
  EXPECT_EQ(held[0].severity, Severity::Critical);

  auto pending =
      rdap_results("pendingshop.test", fetched(200, fixture("pendingshop.test.json")), now);
  EXPECT_EQ(pending[0].state,
            "pending_delete");  // worst; redemption period is also reported in detail
  EXPECT_NE(pending[0].detail.find("redemption period"), std::string::npos);
  EXPECT_EQ(pending.back().state, "expired");

  auto good = rdap_results("goodshop.test", fetched(200, fixture("goodshop.test.json")), now);
  ASSERT_EQ(good.size(), 1u);
  EXPECT_EQ(good[0].state, "ok");
  auto soon = rdap_results("goodshop.test", fetched(200, fixture("goodshop.test.json")),
                           t("2027-11-01T00:00:00Z"));
  EXPECT_EQ(soon.back().state, "expires_soon");

  EXPECT_EQ(rdap_results("x.test", fetched(404, ""), now)[0].state, "not_registered");
  RdapFetch limited = fetched(429, "");
  limited.retry_after = "120";
  auto rl = rdap_results("x.test", limited, now);
  EXPECT_EQ(rl[0].state, "rate_limited");
  EXPECT_NE(rl[0].detail.find("Retry-After 120"), std::string::npos);
  EXPECT_EQ(rdap_results("x.test", fetched(500, ""), now)[0].state, "error");
  EXPECT_EQ(rdap_results("x.test", fetched(200, "{"), now)[0].state, "bad_answer");
  RdapFetch to;
  to.timed_out = true;
  to.error = "Timeout was reached";
  EXPECT_EQ(rdap_results("x.test", to, now)[0].state, "timeout");
}

TEST(RdapResults, ParkingNameServerIsCritical) {
  auto r = rdap_results(
      "shop.test",
      fetched(
          200,
          R"({"objectClassName":"domain","status":["active"],"nameservers":[{"ldhName":"NS1.RENEWYOURNAME.NET"}]})"),
      0);
  EXPECT_EQ(r.back().state, "parking_ns");
}

}  // namespace
}  // namespace bannin::probe::domain
