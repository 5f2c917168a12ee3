// bannin's own IPv6 text parser must accept exactly what inet_pton(AF_INET6) accepts and
// give the same bytes: checked on hand-picked edge cases and on 200k deterministic random
// strings built from IPv6 characters.
#include <cstring>
#include <random>
#include <string>

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <bannin/core/ip_address.h>

namespace bannin::core {
namespace {

void same_as_inet_pton(const std::string& s) {
  unsigned char ref[16];
  bool ref_ok = s.find('\0') == std::string::npos && inet_pton(AF_INET6, s.c_str(), ref) == 1;
  auto got = IpAddress::parse(s);
  // Dotted quads are IPv4 for IpAddress::parse; everything else must agree with inet_pton.
  unsigned char v4[4];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) return;
  ASSERT_EQ(got.has_value(), ref_ok) << "'" << s << "'";
  if (ref_ok) {
    EXPECT_EQ(0, std::memcmp(got->bytes().data(), ref, 16)) << "'" << s << "'";
  }
}

TEST(IpParseV6, EdgeCases) {
  for (const char* s : {"::",
                        "::1",
                        "1::",
                        "1::2",
                        "::ffff:1.2.3.4",
                        "::1.2.3.4",
                        "1:2:3:4:5:6:7:8",
                        "1:2:3:4:5:6:7::",
                        "::2:3:4:5:6:7:8",
                        "1:2:3:4:5:6:1.2.3.4",
                        "1:2:3:4:5:6:7:8:9",
                        "1:2:3:4:5:6:7",
                        ":1::2",
                        "1::2::3",
                        "1:::2",
                        "12345::",
                        "1:2:3:4:5::1.2.3.4",
                        "1:2:3:4:5:6:7:1.2.3.4",
                        "::1.2.3",
                        "::1.2.3.4.5",
                        "::01.2.3.4",
                        "fe80::1%eth0",
                        "FFFF::abcd",
                        "1:",
                        ":1",
                        "::ffff:256.1.1.1",
                        "2001:db8::",
                        "2001:0db8:0000:0000:0000:0000:0000:0001",
                        "0:0:0:0:0:0:0:0",
                        "::0:0",
                        "1::2:3:4:5:6:7",
                        "1:2::3:4:5:6:7:8"}) {
    same_as_inet_pton(s);
  }
}

TEST(IpParseV6, RandomStringsAgreeWithInetPton) {
  std::mt19937 rng(42);
  const char alphabet[] = "0123456789abcdefABCDEF:::.";
  for (int i = 0; i < 200000; ++i) {
    std::string s;
    int len = 2 + static_cast<int>(rng() % 30);
    for (int k = 0; k < len; ++k) s.push_back(alphabet[rng() % (sizeof alphabet - 1)]);
    same_as_inet_pton(s);
  }
}

TEST(IpParseV6, RoundTripOfRandomAddresses) {
  std::mt19937 rng(7);
  for (int i = 0; i < 50000; ++i) {
    unsigned char b[16];
    for (auto& x : b) x = static_cast<unsigned char>(rng() % 4 == 0 ? 0 : rng());
    char text[INET6_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET6, b, text, sizeof text), nullptr);
    same_as_inet_pton(text);
  }
}

}  // namespace
}  // namespace bannin::core
