#include <gtest/gtest.h>

#include <bannin/probe/domain/dns_message.h>

#include "dns_packet_builder.h"

namespace bannin::probe::domain {
namespace {

using testing::PacketBuilder;

TEST(DnsMessage, ParsesReferralWithGlue) {
  PacketBuilder b(testing::kQr, "goodshop.test", 2);
  b.rr(1, "goodshop.test", 2, PacketBuilder::name_rdata("ns1.goodshop.test"), 172800)
      .rr(2, "ns1.goodshop.test", 1, PacketBuilder::a(127, 0, 10, 2));
  auto m = parse_dns_message(b.bytes().data(), b.bytes().size());
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_TRUE(m->qr);
  EXPECT_FALSE(m->aa);
  EXPECT_EQ(m->rcode, 0);
  EXPECT_EQ(m->qname, "goodshop.test");
  ASSERT_EQ(m->authority.size(), 1u);
  EXPECT_EQ(m->authority[0].data, "ns1.goodshop.test");
  EXPECT_EQ(m->authority[0].ttl, 172800u);
  ASSERT_EQ(m->additional.size(), 1u);
  EXPECT_EQ(m->additional[0].data, "127.0.10.2");
}

TEST(DnsMessage, NxdomainWithSoaAndAa) {
  PacketBuilder b(testing::kQr | testing::kAa | 3, "heldshop.test", 2);
  b.rr(1, "test", 6, PacketBuilder::soa("ns1.nic.test"), 900);
  auto m = parse_dns_message(b.bytes().data(), b.bytes().size());
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->aa);
  EXPECT_EQ(m->rcode, 3);
  EXPECT_TRUE(m->has_soa_in_authority());
  EXPECT_EQ(m->authority[0].data, "ns1.nic.test");
}

TEST(DnsMessage, ReadsExtendedDnsError) {
  PacketBuilder b(testing::kQr | testing::kRa | 2, "blocked.test", 1);
  b.opt_ede(15, "blocked by policy");
  auto m = parse_dns_message(b.bytes().data(), b.bytes().size());
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->has_opt);
  ASSERT_TRUE(m->ede_code.has_value());
  EXPECT_EQ(*m->ede_code, 15);
  EXPECT_EQ(m->ede_text, "blocked by policy");
  EXPECT_TRUE(m->additional.empty());  // OPT is not a record
}

TEST(DnsMessage, FollowsBackwardCompressionPointers) {
  PacketBuilder b(testing::kQr, "shop.test", 2);
  // NS rdata = pointer to the question name at offset 12.
  b.rr(0, "shop.test", 2, {0xC0, 12});
  auto m = parse_dns_message(b.bytes().data(), b.bytes().size());
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->answer[0].data, "shop.test");
}

TEST(DnsMessage, RejectsPointerLoopsAndForwardPointers) {
  std::vector<std::uint8_t> p = {0x12, 0x34, 0x80, 0x00, 0, 1,    0,
                                 0,    0,    0,    0,    0, 0xC0, 12,  // points to itself
                                 0,    1,    0,    1};
  EXPECT_FALSE(parse_dns_message(p.data(), p.size()).has_value());
  p[13] = 40;  // forward
  EXPECT_FALSE(parse_dns_message(p.data(), p.size()).has_value());
}

TEST(DnsMessage, RejectsTruncatedAndShort) {
  PacketBuilder b(testing::kQr, "goodshop.test", 2);
  b.rr(1, "goodshop.test", 2, PacketBuilder::name_rdata("ns1.goodshop.test"));
  const auto& bytes = b.bytes();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto m = parse_dns_message(bytes.data(), n);
    EXPECT_FALSE(m.has_value()) << "prefix of " << n << " bytes parsed";
  }
  EXPECT_FALSE(parse_dns_message(nullptr, 0).has_value());
}

TEST(DnsMessage, BadRdataLengthIsAnError) {
  PacketBuilder b(testing::kQr, "x.test", 1);
  b.rr(0, "x.test", 1, {1, 2, 3});  // A with 3 bytes
  auto m = parse_dns_message(b.bytes().data(), b.bytes().size());
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, "dns_bad_rdata");
}

TEST(DnsMessage, NamesAreLowerCasedAndNormalised) {
  PacketBuilder b(testing::kQr, "GoodShop.TEST", 1);
  auto m = parse_dns_message(b.bytes().data(), b.bytes().size());
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->qname, "goodshop.test");
  EXPECT_EQ(normalize_name("Shop.Example."), "shop.example");
  EXPECT_EQ(rcode_name(3), "NXDOMAIN");
  EXPECT_EQ(rcode_name(11), "RCODE11");
}

}  // namespace
}  // namespace bannin::probe::domain
