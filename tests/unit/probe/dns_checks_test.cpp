#include <gtest/gtest.h>

#include <bannin/probe/domain/dns_checks.h>

#include "dns_packet_builder.h"

namespace bannin::probe::domain {
namespace {

using testing::PacketBuilder;

DnsOutcome answered(const PacketBuilder& b) {
  DnsOutcome o;
  auto m = parse_dns_message(b.bytes().data(), b.bytes().size());
  EXPECT_TRUE(m.has_value());
  o.status = DnsStatus::Answered;
  o.message = m.value();
  return o;
}

DnsOutcome timeout() {
  DnsOutcome o;
  o.status = DnsStatus::Timeout;
  return o;
}

TEST(ClassifyParent, ReferralIsDelegatedWithGlue) {
  PacketBuilder b(testing::kQr, "goodshop.test", 2);
  b.rr(1, "goodshop.test", 2, PacketBuilder::name_rdata("ns1.goodshop.test"))
      .rr(1, "goodshop.test", 2, PacketBuilder::name_rdata("ns2.elsewhere.example"))
      .rr(2, "ns1.goodshop.test", 1, PacketBuilder::a(127, 0, 10, 2));
  ParentVerdict v = classify_parent("goodshop.test", answered(b));
  EXPECT_EQ(v.result.state, "delegated");
  EXPECT_EQ(v.result.severity, Severity::Ok);
  ASSERT_EQ(v.ns.size(), 2u);
  EXPECT_EQ(v.glue["ns1.goodshop.test"], std::vector<std::string>{"127.0.10.2"});
  EXPECT_EQ(v.glue.count("ns2.elsewhere.example"), 0u);
}

TEST(ClassifyParent, AuthoritativeNxdomainIsDelegationRemoved) {
  PacketBuilder b(testing::kQr | testing::kAa | 3, "heldshop.test", 2);
  b.rr(1, "test", 6, PacketBuilder::soa("ns1.nic.test"));
  ParentVerdict v = classify_parent("heldshop.test", answered(b));
  EXPECT_EQ(v.result.state, "delegation_removed");
  EXPECT_EQ(v.result.severity, Severity::Critical);
  EXPECT_TRUE(v.ns.empty());
}

TEST(ClassifyParent, TimeoutIsItsOwnState) {
  ParentVerdict v = classify_parent("x.test", timeout());
  EXPECT_EQ(v.result.state, "timeout");
  EXPECT_EQ(v.result.severity, Severity::Unknown);
}

TEST(ClassifyParent, RefusedIsAnErrorNotClean) {
  PacketBuilder b(testing::kQr | 5, "x.test", 2);
  EXPECT_EQ(classify_parent("x.test", answered(b)).result.state, "parent_error");
}

TEST(ClassifyParent, ReferralToAnotherZoneIsWrongParent) {
  PacketBuilder b(testing::kQr, "shop.example.test", 2);
  b.rr(1, "example.test", 2, PacketBuilder::name_rdata("ns.example.test"));
  EXPECT_EQ(classify_parent("shop.example.test", answered(b)).result.state, "wrong_parent");
}

TEST(ClassifyParent, NodataWithAaIsNotDelegated) {
  PacketBuilder b(testing::kQr | testing::kAa, "x.test", 2);
  b.rr(1, "test", 6, PacketBuilder::soa("ns1.nic.test"));
  EXPECT_EQ(classify_parent("x.test", answered(b)).result.state, "not_delegated");
}

TEST(ClassifyChild, AuthoritativeSoaIsOk) {
  PacketBuilder b(testing::kQr | testing::kAa, "goodshop.test", 6);
  b.rr(0, "goodshop.test", 6, PacketBuilder::soa("ns1.goodshop.test"));
  EXPECT_EQ(classify_child("goodshop.test", "ns1", answered(b)).state, "ok");
}

TEST(ClassifyChild, RefusedAndNonAuthoritativeAreLame) {
  PacketBuilder refused(testing::kQr | 5, "lameshop.test", 6);
  EXPECT_EQ(classify_child("lameshop.test", "ns1", answered(refused)).state, "lame");
  PacketBuilder noaa(testing::kQr, "lameshop.test", 6);
  EXPECT_EQ(classify_child("lameshop.test", "ns1", answered(noaa)).state, "lame");
  EXPECT_EQ(classify_child("lameshop.test", "ns1", timeout()).state, "lame_timeout");
}

TEST(ClassifyResolver, NxdomainWithAndWithoutSoa) {
  PacketBuilder with(testing::kQr | testing::kRa | 3, "x.test", 1);
  with.rr(1, "test", 6, PacketBuilder::soa("ns1.nic.test"));
  EXPECT_EQ(classify_resolver("x.test", answered(with)).state, "nxdomain");
  PacketBuilder without(testing::kQr | testing::kRa | 3, "x.test", 1);
  CheckResult r = classify_resolver("x.test", answered(without));
  EXPECT_EQ(r.state, "filtered");
  EXPECT_EQ(r.severity, Severity::Warning);
}

TEST(ClassifyResolver, ServfailWithBlockedEdeIsFiltered) {
  PacketBuilder plain(testing::kQr | testing::kRa | 2, "x.test", 1);
  EXPECT_EQ(classify_resolver("x.test", answered(plain)).state, "servfail");
  PacketBuilder ede(testing::kQr | testing::kRa | 2, "x.test", 1);
  ede.opt_ede(15, "");
  CheckResult r = classify_resolver("x.test", answered(ede));
  EXPECT_EQ(r.state, "filtered");
  EXPECT_NE(r.detail.find("EDE 15 Blocked"), std::string::npos);
}

TEST(ClassifyResolver, OkListsAddressesAndTimeoutIsUnknown) {
  PacketBuilder b(testing::kQr | testing::kRa, "x.test", 1);
  b.rr(0, "x.test", 1, PacketBuilder::a(192, 0, 2, 20));
  CheckResult r = classify_resolver("x.test", answered(b));
  EXPECT_EQ(r.state, "ok");
  EXPECT_NE(r.detail.find("192.0.2.20"), std::string::npos);
  EXPECT_EQ(classify_resolver("x.test", timeout()).severity, Severity::Unknown);
}

TEST(NameIn, MatchesWholeLabelsOnly) {
  EXPECT_TRUE(name_in("ns1.renewyourname.net", "renewyourname.net"));
  EXPECT_TRUE(name_in("renewyourname.net", "renewyourname.net"));
  EXPECT_FALSE(name_in("notrenewyourname.net", "renewyourname.net"));
}

TEST(ParseServer, AcceptsPortsAndV6) {
  auto s = parse_dns_server("127.0.0.1:5353");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->port, 5353);
  auto v6 = parse_dns_server("[::1]:53");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->address, "::1");
  EXPECT_EQ(parse_dns_server("::1")->port, 53);
  EXPECT_FALSE(parse_dns_server("ns1.example:53").has_value());
  EXPECT_FALSE(parse_dns_server("127.0.0.1:99999").has_value());
  EXPECT_FALSE(parse_dns_server("127.0.0.1:").has_value());
  EXPECT_FALSE(parse_dns_server("[::1]:").has_value());
}

TEST(Report, ExitCodeOrder) {
  SubjectReport a;
  a.results.push_back({"x", "", "ok", Severity::Ok, ""});
  a.results.push_back({"safebrowsing", "", "not_checked", Severity::Info, ""});
  EXPECT_EQ(exit_code_for({a}), 0);
  a.results.push_back({"x", "", "filtered", Severity::Warning, ""});
  EXPECT_EQ(exit_code_for({a}), 1);
  a.results.push_back({"x", "", "timeout", Severity::Unknown, ""});
  EXPECT_EQ(exit_code_for({a}), 3);
  a.results.push_back({"x", "", "delegation_removed", Severity::Critical, ""});
  EXPECT_EQ(exit_code_for({a}), 2);
}

}  // namespace
}  // namespace bannin::probe::domain
