// The zone-cut finder on resolver answers as they arrive on the wire (RD=1, RA): NS of a zone
// apex, NODATA and NXDOMAIN for names inside a zone (RFC 2308 §2.1, §2.2), CNAMEs, errors.
#include <gtest/gtest.h>

#include <bannin/probe/domain/zone_cut.h>

#include "dns_packet_builder.h"

namespace bannin::probe::domain {
namespace {

using testing::PacketBuilder;

constexpr std::uint16_t kRecursive = testing::kQr | testing::kRd | testing::kRa;

DnsMessage parsed(const PacketBuilder& b) {
  auto m = parse_dns_message(b.bytes().data(), b.bytes().size());
  EXPECT_TRUE(m.has_value());
  return m ? m.value() : DnsMessage{};
}

TEST(ZoneCut, StartIsTheDomainMinusOneLabel) {
  EXPECT_EQ(zone_cut_start("example.co.jp"), "co.jp");
  EXPECT_EQ(zone_cut_start("shop.test"), "test");
  EXPECT_EQ(zone_cut_start("jp"), "");
}

TEST(ZoneCut, NsAtTheApexIsTheCutWithAddressesFromAdditional) {
  PacketBuilder b(kRecursive, "test", 2);
  b.rr(0, "test", 2, PacketBuilder::name_rdata("ns2.nic.test"))
      .rr(0, "test", 2, PacketBuilder::name_rdata("ns1.nic.test"))
      .rr(2, "ns1.nic.test", 1, PacketBuilder::a(127, 0, 0, 1))
      .rr(2, "unrelated.example", 1, PacketBuilder::a(192, 0, 2, 1));
  ZoneCutStep s = next_zone_cut_step("test", parsed(b));
  ASSERT_EQ(s.kind, ZoneCutStep::Kind::Found);
  EXPECT_EQ(s.zone, "test");
  EXPECT_EQ(s.ns, (std::vector<std::string>{"ns1.nic.test", "ns2.nic.test"}));
  ASSERT_EQ(s.addresses.size(), 1U);  // only addresses of the zone's own servers
  EXPECT_EQ(s.addresses.at("ns1.nic.test"), std::vector<std::string>{"127.0.0.1"});
}

// co.jp, com.au, co.uk: an empty non-terminal inside the TLD's zone. The resolver says
// NOERROR with no answer and the SOA of the zone that holds the name: ask that zone next.
TEST(ZoneCut, NodataUnderASecondLevelLabelPointsAtTheEnclosingZone) {
  PacketBuilder b(kRecursive, "co.jp", 2);
  b.rr(1, "jp", 6, PacketBuilder::soa("z.dns.jp"));
  ZoneCutStep s = next_zone_cut_step("co.jp", parsed(b));
  ASSERT_EQ(s.kind, ZoneCutStep::Kind::AskParent);
  EXPECT_EQ(s.zone, "jp");
  EXPECT_NE(s.reason.find("co.jp"), std::string::npos);
}

// Three labels above a deep name: the SOA owner skips every label that is no zone at once.
TEST(ZoneCut, NodataSkipsSeveralLabelsInOneStep) {
  PacketBuilder b(kRecursive, "a.b.c.test", 2);
  b.rr(1, "test", 6, PacketBuilder::soa("ns1.nic.test"));
  ZoneCutStep s = next_zone_cut_step("a.b.c.test", parsed(b));
  ASSERT_EQ(s.kind, ZoneCutStep::Kind::AskParent);
  EXPECT_EQ(s.zone, "test");
}

// The registry removed the only delegation under co.<tld>: co.<tld> no longer exists, and
// the SOA still names the zone whose servers must be asked (they say delegation_removed).
TEST(ZoneCut, NxdomainPointsAtTheZoneThatWouldHoldTheName) {
  PacketBuilder b(kRecursive | 3, "co.test", 2);
  b.rr(1, "test", 6, PacketBuilder::soa("ns1.nic.test"));
  ZoneCutStep s = next_zone_cut_step("co.test", parsed(b));
  ASSERT_EQ(s.kind, ZoneCutStep::Kind::AskParent);
  EXPECT_EQ(s.zone, "test");
}

TEST(ZoneCut, NodataWithoutSoaWalksUpOneLabel) {
  PacketBuilder b(kRecursive, "co.test", 2);
  ZoneCutStep s = next_zone_cut_step("co.test", parsed(b));
  ASSERT_EQ(s.kind, ZoneCutStep::Kind::AskParent);
  EXPECT_EQ(s.zone, "test");
}

// An SOA that is not an ancestor (the asked name's own, or an unrelated zone: a broken or
// forged answer) must not send the search sideways or in a circle.
TEST(ZoneCut, SoaThatIsNoAncestorIsIgnored) {
  PacketBuilder same(kRecursive, "co.test", 2);
  same.rr(1, "co.test", 6, PacketBuilder::soa("ns.co.test"));
  ZoneCutStep s = next_zone_cut_step("co.test", parsed(same));
  ASSERT_EQ(s.kind, ZoneCutStep::Kind::AskParent);
  EXPECT_EQ(s.zone, "test");
  PacketBuilder other(kRecursive, "co.test", 2);
  other.rr(1, "example", 6, PacketBuilder::soa("ns.example"));
  s = next_zone_cut_step("co.test", parsed(other));
  ASSERT_EQ(s.kind, ZoneCutStep::Kind::AskParent);
  EXPECT_EQ(s.zone, "test");
  PacketBuilder below(kRecursive, "co.test", 2);
  below.rr(1, "x.co.test", 6, PacketBuilder::soa("ns.x.co.test"));
  s = next_zone_cut_step("co.test", parsed(below));
  ASSERT_EQ(s.kind, ZoneCutStep::Kind::AskParent);
  EXPECT_EQ(s.zone, "test");
}

TEST(ZoneCut, CnameIsNoZoneApex) {
  PacketBuilder b(kRecursive, "www.example.test", 2);
  b.rr(0, "www.example.test", 5, PacketBuilder::name_rdata("example.test"))
      .rr(1, "example.test", 6, PacketBuilder::soa("ns.example.test"));
  ZoneCutStep s = next_zone_cut_step("www.example.test", parsed(b));
  ASSERT_EQ(s.kind, ZoneCutStep::Kind::AskParent);
  EXPECT_EQ(s.zone, "example.test");
}

// A server that does not recurse answers with a referral: NS of the asked name in AUTHORITY.
TEST(ZoneCut, ReferralToTheAskedNameIsACut) {
  PacketBuilder b(testing::kQr, "example.test", 2);
  b.rr(1, "example.test", 2, PacketBuilder::name_rdata("ns.example.test"))
      .rr(2, "ns.example.test", 1, PacketBuilder::a(127, 0, 0, 9));
  ZoneCutStep s = next_zone_cut_step("example.test", parsed(b));
  ASSERT_EQ(s.kind, ZoneCutStep::Kind::Found);
  EXPECT_EQ(s.ns, std::vector<std::string>{"ns.example.test"});
  // A referral further down (to a child of the asked name) says nothing about the asked name.
  PacketBuilder down(testing::kQr, "test", 2);
  down.rr(1, "x.test", 2, PacketBuilder::name_rdata("ns.x.test"));
  EXPECT_NE(next_zone_cut_step("test", parsed(down)).kind, ZoneCutStep::Kind::Found);
}

TEST(ZoneCut, ServfailAndRefusedFailWithTheRcode) {
  PacketBuilder sf(kRecursive | 2, "co.test", 2);
  ZoneCutStep s = next_zone_cut_step("co.test", parsed(sf));
  EXPECT_EQ(s.kind, ZoneCutStep::Kind::Failed);
  EXPECT_NE(s.reason.find("SERVFAIL"), std::string::npos);
  PacketBuilder rf(kRecursive | 5, "co.test", 2);
  s = next_zone_cut_step("co.test", parsed(rf));
  EXPECT_EQ(s.kind, ZoneCutStep::Kind::Failed);
  EXPECT_NE(s.reason.find("REFUSED"), std::string::npos);
}

TEST(ZoneCut, NothingAboveTheRoot) {
  PacketBuilder b(kRecursive, "", 2);
  ZoneCutStep s = next_zone_cut_step("", parsed(b));
  EXPECT_EQ(s.kind, ZoneCutStep::Kind::Failed);
}

// Whatever the answers, every step goes strictly up: the search cannot loop.
TEST(ZoneCut, EveryAskParentNamesAProperAncestor) {
  const std::vector<std::string> names = {"a.b.c.d.test", "b.c.d.test", "c.d.test", "d.test",
                                          "test"};
  for (const auto& asked : names) {
    for (const auto& soa : names) {
      for (std::uint16_t rcode : {0, 3}) {
        PacketBuilder b(static_cast<std::uint16_t>(kRecursive | rcode), asked, 2);
        b.rr(1, soa, 6, PacketBuilder::soa("ns." + soa));
        ZoneCutStep s = next_zone_cut_step(asked, parsed(b));
        if (s.kind != ZoneCutStep::Kind::AskParent) continue;
        EXPECT_LT(s.zone.size(), asked.size()) << asked << " soa " << soa;
        EXPECT_TRUE(asked.size() > s.zone.size() &&
                    asked.compare(asked.size() - s.zone.size(), s.zone.size(), s.zone) == 0)
            << asked << " -> " << s.zone;
      }
    }
  }
}

}  // namespace
}  // namespace bannin::probe::domain
