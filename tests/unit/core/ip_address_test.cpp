#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include <bannin/core/ip_address.h>

namespace bannin::core {
namespace {

struct Canonical {
  std::string_view in;
  std::string_view out;  // RFC 5952 text for IPv6, dotted quad for IPv4
};

class IpAddressValid : public ::testing::TestWithParam<Canonical> {};

TEST_P(IpAddressValid, ParsesAndFormatsCanonically) {
  auto ip = IpAddress::parse(GetParam().in);
  ASSERT_TRUE(ip.has_value()) << GetParam().in;
  EXPECT_EQ(ip->to_string(), GetParam().out);
  char buf[kIpTextMax];
  std::size_t n = ip->format(buf);
  EXPECT_EQ(std::string_view(buf, n), GetParam().out);
  EXPECT_EQ(buf[n], '\0');
  std::string appended = "x=";
  ip->append_to(appended);
  EXPECT_EQ(appended, "x=" + std::string(GetParam().out));
  // The canonical text parses back to the same address.
  auto again = IpAddress::parse(GetParam().out);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *ip);
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, IpAddressValid,
    ::testing::Values(
        Canonical{"192.0.2.1", "192.0.2.1"}, Canonical{"0.0.0.0", "0.0.0.0"},
        Canonical{"255.255.255.255", "255.255.255.255"}, Canonical{"10.0.100.9", "10.0.100.9"},
        Canonical{"::", "::"}, Canonical{"::1", "::1"}, Canonical{"2001:db8::1", "2001:db8::1"},
        Canonical{"2001:DB8::A", "2001:db8::a"},
        Canonical{"2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"},
        Canonical{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
        Canonical{"fe80::1:2:3:4", "fe80::1:2:3:4"},
        // IPv4-mapped IPv6 is the IPv4 address (one type for both families).
        Canonical{"::ffff:192.0.2.1", "192.0.2.1"}, Canonical{"::FFFF:c000:0201", "192.0.2.1"}));

TEST(IpAddress, V4AndMappedV6AreTheSameValue) {
  auto a = IpAddress::parse("203.0.113.7");
  auto b = IpAddress::parse("::ffff:203.0.113.7");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->v4(), (203u << 24) | (0u << 16) | (113u << 8) | 7u);
  EXPECT_EQ(IpAddress::from_v4(a->v4()), *a);
  const auto& bytes = a->bytes();
  EXPECT_EQ(bytes[10], 0xff);
  EXPECT_EQ(bytes[11], 0xff);
  EXPECT_EQ(bytes[12], 203);
  EXPECT_EQ(bytes[15], 7);
}

TEST(IpAddress, V6IsNotV4) {
  auto ip = IpAddress::parse("2001:db8::1");
  ASSERT_TRUE(ip);
  EXPECT_FALSE(ip->is_v4());
  EXPECT_EQ(ip->bytes()[0], 0x20);
  EXPECT_EQ(ip->bytes()[1], 0x01);
  EXPECT_EQ(ip->bytes()[15], 0x01);
  // "::" and "0.0.0.0" differ: only the latter is IPv4.
  EXPECT_NE(*IpAddress::parse("::"), *IpAddress::parse("0.0.0.0"));
}

TEST(IpAddress, OrderingIsByBytes) {
  EXPECT_LT(*IpAddress::parse("192.0.2.1"), *IpAddress::parse("192.0.2.2"));
  EXPECT_LT(*IpAddress::parse("9.255.255.255"), *IpAddress::parse("10.0.0.0"));
  EXPECT_LT(*IpAddress::parse("::1"), *IpAddress::parse("2001:db8::"));
}

TEST(IpAddress, DefaultIsAllZero) {
  IpAddress ip;
  EXPECT_EQ(ip.to_string(), "::");
  EXPECT_FALSE(ip.is_v4());
}

class IpAddressInvalid : public ::testing::TestWithParam<std::string_view> {};

TEST_P(IpAddressInvalid, IsRejected) {
  EXPECT_FALSE(IpAddress::parse(GetParam()).has_value()) << '"' << GetParam() << '"';
}

using namespace std::string_view_literals;
INSTANTIATE_TEST_SUITE_P(
    Garbage, IpAddressInvalid,
    ::testing::Values(""sv, "-"sv, "1.2.3"sv, "1.2.3.4.5"sv, "1.2.3.256"sv, "256.1.1.1"sv,
                      "01.2.3.4"sv,  // leading zero (octal in some libcs)
                      "1.2.3.04"sv, "1..2.3"sv, "1.2.3.4."sv, ".1.2.3.4"sv, " 1.2.3.4"sv,
                      "1.2.3.4 "sv, "1.2.3.-4"sv, "1.2.3.4/24"sv, "1234.1.1.1"sv, "a.b.c.d"sv,
                      "::1 "sv, " ::1"sv, "fe80::1%eth0"sv,  // zone ids are not addresses
                      "2001:db8::1::2"sv, "2001:db8:::1"sv, "12345::1"sv, "g::1"sv, ":"sv,
                      "1:2:3:4:5:6:7:8:9"sv, "[2001:db8::1]"sv, "example.com"sv, "unix:"sv,
                      "::1\0"sv, "::1\0garbage"sv,  // an embedded NUL must not end the text
                      "2001:db8::1\nX"sv,
                      "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb"sv));

}  // namespace
}  // namespace bannin::core
