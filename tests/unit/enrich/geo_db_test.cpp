// GeoDb: tor-geoipdb range files (real Debian files and hand-written ones), lookups at range
// edges, located errors for corrupt files, and the enricher setting `country`.
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include <bannin/enrich/geo_db.h>
#include <bannin/enrich/geo_enricher.h>

namespace bannin::enrich {
namespace {

core::IpAddress ip(const char* s) {
  return *core::IpAddress::parse(s);
}

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(GeoDb, HandWrittenRangesAndEdges) {
  // 1.0.0.0-1.0.0.255 AU, 1.0.1.0-1.0.3.255 CN, a gap, 2001:db8::/32 JP
  std::string v4 = write_temp("g4", "# comment\n16777216,16777471,AU\n16777472,16778239,cn\n");
  std::string v6 = write_temp("g6", "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,JP\n");
  auto db = GeoDb::load_tor(v4, v6);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(db->ranges(), 3u);
  EXPECT_EQ(db->country(ip("1.0.0.0")).view(), "AU");
  EXPECT_EQ(db->country(ip("1.0.0.255")).view(), "AU");
  EXPECT_EQ(db->country(ip("1.0.1.0")).view(), "CN");  // lowercase normalised
  EXPECT_EQ(db->country(ip("1.0.3.255")).view(), "CN");
  EXPECT_FALSE(db->country(ip("1.0.4.0")).known());
  EXPECT_FALSE(db->country(ip("0.255.255.255")).known());
  EXPECT_EQ(db->country(ip("2001:db8::1")).view(), "JP");
  EXPECT_EQ(db->country(ip("2001:db8:ffff::1")).view(), "JP");
  EXPECT_FALSE(db->country(ip("2001:db9::")).known());
  EXPECT_EQ(db->asn(ip("1.0.0.1")), 0u);
}

TEST(GeoDb, CorruptFileIsRefusedWithLocation) {
  std::string v4 = write_temp("bad4", "16777216,16777471,AU\nnot,a,range\n");
  auto db = GeoDb::load_tor(v4, "");
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find(":2:"), std::string::npos) << db.error().message;
  auto missing = GeoDb::load_tor("/nonexistent/geoip", "");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "geo_open");
}

TEST(GeoDb, DebianTorGeoipdb) {
  auto db = GeoDb::load_tor(GeoDb::kTorGeoip4, GeoDb::kTorGeoip6);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_GT(db->ranges(), 100000u);
  // Addresses the generated access-log days use as domestic and foreign.
  EXPECT_EQ(db->country(ip("42.148.1.1")).view(), "JP");
  EXPECT_EQ(db->country(ip("133.8.1.1")).view(), "JP");
  EXPECT_EQ(db->country(ip("46.4.1.1")).view(), "DE");
  EXPECT_FALSE(db->country(ip("203.0.113.5")).known());  // documentation range
}

TEST(GeoEnricher, SetsCountryFromSrcIp) {
  auto db = GeoDb::from_ranges({{ip("192.0.2.0"), ip("192.0.2.255"), CountryCode::from("jp")}});
  GeoEnricher enricher(&db);
  model::Event ev;
  ev.set_ip(model::Field::SrcIp, ip("192.0.2.7"));
  enricher.enrich(ev);
  EXPECT_EQ(ev.str(model::Field::Country), "JP");
  model::Event other;
  other.set_ip(model::Field::SrcIp, ip("198.51.100.1"));
  enricher.enrich(other);
  EXPECT_FALSE(other.has(model::Field::Country));
  model::Event none;  // no src_ip: untouched
  enricher.enrich(none);
  EXPECT_EQ(none.size(), 0u);
}

}  // namespace
}  // namespace bannin::enrich

namespace bannin::enrich {
namespace {

// tests/fixtures/geo/test.mmdb is written by make_mmdb.py beside it (MaxMind DB format 2.0).
TEST(GeoDb, MaxMindDatabase) {
  auto db = GeoDb::load_mmdb(std::string(BANNIN_FIXTURES) + "/geo/test.mmdb");
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_TRUE(db->has_mmdb());
  EXPECT_EQ(db->country(ip("192.0.2.7")).view(), "JP");
  EXPECT_EQ(db->asn(ip("192.0.2.7")), 64500u);
  EXPECT_EQ(db->country(ip("198.51.100.127")).view(), "DE");
  EXPECT_EQ(db->asn(ip("198.51.100.1")), 0u);  // no ASN in that record
  EXPECT_FALSE(db->country(ip("198.51.100.128")).known());
  EXPECT_EQ(db->country(ip("2001:db8:1:ffff::1")).view(), "US");
  EXPECT_EQ(db->asn(ip("2001:db8:1::1")), 64501u);
  EXPECT_FALSE(db->country(ip("2001:db8:2::1")).known());

  GeoEnricher enricher(&*db);
  model::Event ev;
  ev.set_ip(model::Field::SrcIp, ip("192.0.2.9"));
  enricher.enrich(ev);
  EXPECT_EQ(ev.str(model::Field::Country), "JP");
  ASSERT_TRUE(ev.has(model::Field::Asn));
  EXPECT_EQ(ev.get(model::Field::Asn)->i, 64500);
}

TEST(GeoDb, MaxMindOpenErrors) {
  auto missing = GeoDb::load_mmdb("/nonexistent.mmdb");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "geo_open");
  std::string junk = ::testing::TempDir() + "junk.mmdb";
  std::ofstream(junk) << "this is not a maxmind database";
  auto bad = GeoDb::load_mmdb(junk);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("junk.mmdb"), std::string::npos);
}

}  // namespace
}  // namespace bannin::enrich

namespace bannin::enrich {
namespace {

// networks(): the allow-lists of the web-server actuators.
TEST(GeoDbNetworks, RangesBecomeTheFewestPrefixesAndAdjacentRangesMerge) {
  auto ip = [](const char* s) { return *core::IpAddress::parse(s); };
  auto db = GeoDb::from_ranges({
      {ip("10.0.0.0"), ip("10.0.0.255"), CountryCode::from("JP")},
      {ip("10.0.1.0"), ip("10.0.1.255"), CountryCode::from("JP")},  // adjacent: one /23
      {ip("10.0.3.1"), ip("10.0.3.6"), CountryCode::from("JP")},    // unaligned
      {ip("10.0.2.0"), ip("10.0.2.255"), CountryCode::from("US")},
      {ip("2001:db8::"), ip("2001:db8:0:1:ffff:ffff:ffff:ffff"), CountryCode::from("JP")},
  });
  std::vector<std::string> got;
  for (const auto& p : db.networks({CountryCode::from("JP")})) got.push_back(p.text());
  EXPECT_EQ(got, (std::vector<std::string>{"10.0.0.0/23", "10.0.3.1", "10.0.3.2/31", "10.0.3.4/31",
                                           "10.0.3.6", "2001:db8::/63"}));
  got.clear();
  for (const auto& p : db.networks({CountryCode::from("US")})) got.push_back(p.text());
  EXPECT_EQ(got, (std::vector<std::string>{"10.0.2.0/24"}));
  EXPECT_TRUE(db.networks({CountryCode::from("DE")}).empty());
}

TEST(GeoDbNetworks, WalksAnMmdbTreeIncludingItsIpv4Subtree) {
  auto db = GeoDb::load_mmdb(std::string(BANNIN_FIXTURES) + "/geo/test.mmdb");
  ASSERT_TRUE(db) << db.error().message;
  auto text = [&](const char* cc) {
    std::vector<std::string> out;
    for (const auto& p : db->networks({CountryCode::from(cc)})) out.push_back(p.text());
    return out;
  };
  EXPECT_EQ(text("JP"), (std::vector<std::string>{"192.0.2.0/24"}));
  EXPECT_EQ(text("DE"), (std::vector<std::string>{"198.51.100.0/25"}));
  EXPECT_EQ(text("US"), (std::vector<std::string>{"2001:db8:1::/48"}));
}

}  // namespace
}  // namespace bannin::enrich
