// Allowlist: lookups at the edges of prefixes, nesting (the most specific label wins),
// IPv4 and IPv6 kept apart, the overlap query, the config builder's errors, the host's own
// addresses, and a cross-check of the range index against a linear scan on thousands of
// random prefixes.
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include <bannin/decide/allowlist.h>

namespace bannin::decide {
namespace {

core::IpAddress ip(const char* s) {
  auto a = core::IpAddress::parse(s);
  EXPECT_TRUE(a) << s;
  return a.value_or(core::IpAddress{});
}
core::IpPrefix net(const char* s) {
  auto p = core::IpPrefix::parse(s);
  EXPECT_TRUE(p) << s;
  return p.value_or(core::IpPrefix{});
}
std::string label_of(const Allowlist& a, const char* address) {
  const AllowEntry* e = a.find(ip(address));
  return e == nullptr ? std::string("-") : e->label;
}

TEST(Allowlist, EmptyFindsNothing) {
  Allowlist a;
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.find(ip("192.0.2.1")), nullptr);
  EXPECT_EQ(a.find_intersecting(net("0.0.0.0/0")), nullptr);
  EXPECT_EQ(a.find(ip("::1")), nullptr);
}

TEST(Allowlist, PrefixEdgesAndNeighbours) {
  Allowlist a({{net("192.0.2.0/24"), AllowSource::Config, "config allowlist"}});
  EXPECT_EQ(label_of(a, "192.0.2.0"), "config allowlist");
  EXPECT_EQ(label_of(a, "192.0.2.255"), "config allowlist");
  EXPECT_EQ(label_of(a, "192.0.1.255"), "-");
  EXPECT_EQ(label_of(a, "192.0.3.0"), "-");
  // The same bits in IPv6 are another family.
  EXPECT_EQ(label_of(a, "::ffff:c000:201"), "config allowlist");  // IPv4-mapped is IPv4
  EXPECT_EQ(label_of(a, "c000:200::"), "-");
}

TEST(Allowlist, NestedEntriesGiveTheMostSpecificLabel) {
  Allowlist a;
  a.add({{net("10.0.0.0/8"), AllowSource::Config, "outer"},
         {net("10.1.0.0/16"), AllowSource::Proxy, "proxy cdn"},
         {net("10.1.2.3"), AllowSource::OwnAddress, "own address on eth0"}});
  EXPECT_EQ(label_of(a, "10.0.0.1"), "outer");
  EXPECT_EQ(label_of(a, "10.1.0.0"), "proxy cdn");
  EXPECT_EQ(label_of(a, "10.1.2.2"), "proxy cdn");
  EXPECT_EQ(label_of(a, "10.1.2.3"), "own address on eth0");
  EXPECT_EQ(label_of(a, "10.1.2.4"), "proxy cdn");
  EXPECT_EQ(label_of(a, "10.1.255.255"), "proxy cdn");
  EXPECT_EQ(label_of(a, "10.2.0.0"), "outer");
  EXPECT_EQ(label_of(a, "10.255.255.255"), "outer");
  EXPECT_EQ(label_of(a, "11.0.0.0"), "-");
  auto counts = a.count_by_source();
  EXPECT_EQ(counts[static_cast<std::size_t>(AllowSource::Config)], 1u);
  EXPECT_EQ(counts[static_cast<std::size_t>(AllowSource::Proxy)], 1u);
  EXPECT_EQ(counts[static_cast<std::size_t>(AllowSource::OwnAddress)], 1u);
}

TEST(Allowlist, DuplicatesKeepTheFirstLabel) {
  Allowlist a({{net("192.0.2.0/24"), AllowSource::Crawler, "crawler first"},
               {net("192.0.2.0/24"), AllowSource::Config, "config allowlist"}});
  EXPECT_EQ(label_of(a, "192.0.2.9"), "crawler first");
  EXPECT_EQ(a.size(), 2u);
}

TEST(Allowlist, WholeFamilyAndLastAddress) {
  Allowlist a(
      {{net("0.0.0.0/0"), AllowSource::Config, "all v4"},
       {net("255.255.255.255"), AllowSource::Config, "broadcast"},
       {net("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120"), AllowSource::Config, "top v6"}});
  EXPECT_EQ(label_of(a, "0.0.0.0"), "all v4");
  EXPECT_EQ(label_of(a, "255.255.255.254"), "all v4");
  EXPECT_EQ(label_of(a, "255.255.255.255"), "broadcast");
  EXPECT_EQ(label_of(a, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "top v6");
  EXPECT_EQ(label_of(a, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:feff"), "-");
  EXPECT_EQ(label_of(a, "2001:db8::1"), "-") << "an IPv4 /0 says nothing about IPv6";
}

TEST(Allowlist, Ipv6Prefixes) {
  Allowlist a({{net("2001:db8:1::/48"), AllowSource::Config, "v6 net"},
               {net("2001:db8:1:2::5"), AllowSource::OwnAddress, "own address on eth0"}});
  EXPECT_EQ(label_of(a, "2001:db8:1::"), "v6 net");
  EXPECT_EQ(label_of(a, "2001:db8:1:ffff:ffff:ffff:ffff:ffff"), "v6 net");
  EXPECT_EQ(label_of(a, "2001:db8:1:2::5"), "own address on eth0");
  EXPECT_EQ(label_of(a, "2001:db8:1:2::6"), "v6 net");
  EXPECT_EQ(label_of(a, "2001:db8:2::"), "-");
  EXPECT_EQ(label_of(a, "2001:db8:0:ffff:ffff:ffff:ffff:ffff"), "-");
}

TEST(Allowlist, IntersectingPrefixes) {
  Allowlist a({{net("203.0.113.77"), AllowSource::OwnAddress, "own address on eth0"},
               {net("198.51.100.0/23"), AllowSource::Proxy, "proxy cdn"},
               {net("2001:db8:0:5::/64"), AllowSource::Crawler, "crawler v6"}});
  // A /24 holding one allowlisted host.
  const AllowEntry* e = a.find_intersecting(net("203.0.113.0/24"));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->label, "own address on eth0");
  EXPECT_EQ(a.find_intersecting(net("203.0.112.0/24")), nullptr);
  // A prefix inside an entry, and one containing it.
  ASSERT_NE(a.find_intersecting(net("198.51.101.128/25")), nullptr);
  ASSERT_NE(a.find_intersecting(net("198.51.0.0/16")), nullptr);
  EXPECT_EQ(a.find_intersecting(net("198.51.102.0/24")), nullptr);
  EXPECT_EQ(a.find_intersecting(net("198.51.99.0/24")), nullptr);
  // IPv6 /48 holding the /64; a neighbouring /64 does not.
  ASSERT_NE(a.find_intersecting(net("2001:db8::/48")), nullptr);
  EXPECT_EQ(a.find_intersecting(net("2001:db8:0:6::/64")), nullptr);
  // The lowest shared address decides which entry answers.
  const AllowEntry* all = a.find_intersecting(net("0.0.0.0/0"));
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(all->label, "proxy cdn");
}

TEST(Allowlist, MatchesALinearScanOnThousandsOfPrefixes) {
  std::mt19937_64 rng(7);
  std::vector<AllowEntry> entries;
  for (int i = 0; i < 2000; ++i) {
    // Clustered in 10.0.0.0/12 so that nesting and neighbours are common.
    std::uint32_t base = 0x0A000000u | static_cast<std::uint32_t>(rng() & 0x000FFFFFu);
    unsigned len = 12 + static_cast<unsigned>(rng() % 21);  // /12 .. /32
    core::IpAddress a = core::IpAddress::from_v4(base);
    entries.push_back(
        {core::IpPrefix{a.masked(len), len}, AllowSource::Config, "e" + std::to_string(i)});
  }
  Allowlist list(entries);
  for (int i = 0; i < 1000; ++i) {
    std::uint32_t v = 0x0A000000u | static_cast<std::uint32_t>(rng() & 0x001FFFFFu);
    core::IpAddress q = core::IpAddress::from_v4(v);
    // Linear: the longest containing prefix, the first added among equals.
    const AllowEntry* want = nullptr;
    for (const AllowEntry& e : entries) {
      if (e.prefix.contains(q) && (want == nullptr || e.prefix.len > want->prefix.len)) want = &e;
    }
    const AllowEntry* got = list.find(q);
    ASSERT_EQ(got == nullptr, want == nullptr) << q.to_string();
    if (got != nullptr) {
      ASSERT_EQ(got->label, want->label) << q.to_string();
    }
    // Overlap: any entry that contains q's /28 or lies inside it.
    core::IpPrefix p{q.masked(28), 28};
    bool any = false;
    for (const AllowEntry& e : entries) any = any || e.prefix.contains(p) || p.contains(e.prefix);
    ASSERT_EQ(list.find_intersecting(p) != nullptr, any) << p.text();
  }
}

TEST(Allowlist, ConfigStringsNameEveryBadEntry) {
  auto ok = allow_entries_from_cidrs({"192.0.2.7", "2001:db8::/48", "198.51.100.9/24"},
                                     AllowSource::Config, "config allowlist");
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->size(), 3u);
  EXPECT_EQ((*ok)[2].prefix.text(), "198.51.100.0/24");
  EXPECT_EQ((*ok)[0].label, "config allowlist");

  auto bad = allow_entries_from_cidrs({"192.0.2.7", "10.0.0.0/33", "example.com", " 192.0.2.8"},
                                      AllowSource::Config, "config allowlist");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "bad_allowlist_entry");
  const std::string& m = bad.error().message;
  EXPECT_NE(m.find("allowlist entry 2 \"10.0.0.0/33\""), std::string::npos) << m;
  EXPECT_NE(m.find("allowlist entry 3 \"example.com\""), std::string::npos) << m;
  EXPECT_NE(m.find("allowlist entry 4 \" 192.0.2.8\""), std::string::npos) << m;
  EXPECT_EQ(m.find("entry 1 "), std::string::npos) << m;
}

TEST(Allowlist, AddCidrsTakesTheSourceFromTheLabel) {
  Allowlist a;
  ASSERT_TRUE(a.add_cidrs({"198.51.100.0/24"}, "proxy"));
  ASSERT_TRUE(a.add_cidrs({"192.0.2.0/24"}, "config allowlist"));
  ASSERT_TRUE(a.add_cidrs({"203.0.113.0/24"}, "crawler examplebot"));
  auto n = a.add_cidrs({"2001:db8::/32"}, "partner", AllowSource::Proxy);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(a.find(ip("198.51.100.1"))->source, AllowSource::Proxy);
  EXPECT_EQ(a.find(ip("192.0.2.1"))->source, AllowSource::Config);
  EXPECT_EQ(a.find(ip("203.0.113.1"))->source, AllowSource::Crawler);
  EXPECT_EQ(a.find(ip("2001:db8::1"))->source, AllowSource::Proxy);
  auto bad = a.add_cidrs({"300.1.2.3"}, "proxy");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("proxy entry 1 \"300.1.2.3\""), std::string::npos);
  EXPECT_EQ(a.size(), 4u) << "a failed batch adds nothing";
  EXPECT_EQ(allow_source_name(AllowSource::OwnAddress), "own_address");
}

TEST(Allowlist, OwnAddressesIncludeLoopback) {
  auto own = own_address_entries();
  ASSERT_TRUE(own) << own.error().message;
  Allowlist a;
  a.add(*own);
  const AllowEntry* lo = a.find(ip("127.0.0.1"));
  ASSERT_NE(lo, nullptr);
  EXPECT_EQ(lo->source, AllowSource::OwnAddress);
  EXPECT_EQ(lo->label.rfind("own address on ", 0), 0u) << lo->label;
  EXPECT_EQ(a.find(ip("127.0.0.2")), nullptr) << "own addresses are /32, not the whole /8";
  // ::1 when the kernel has IPv6 on loopback.
  std::ifstream if6("/proc/net/if_inet6");
  std::string line;
  bool has_v6_lo = false;
  while (std::getline(if6, line)) {
    has_v6_lo = has_v6_lo || line.rfind("00000000000000000000000000000001", 0) == 0;
  }
  if (has_v6_lo) {
    const AllowEntry* lo6 = a.find(ip("::1"));
    ASSERT_NE(lo6, nullptr);
    EXPECT_EQ(lo6->prefix.len, 128u);
  }
  for (const AllowEntry& e : a.entries()) EXPECT_TRUE(e.prefix.is_single()) << e.prefix.text();
}

}  // namespace
}  // namespace bannin::decide
