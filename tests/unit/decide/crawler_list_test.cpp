// CrawlerList: the shipped data/allowlist/crawlers.yaml loads and answers for well-known
// crawler addresses; a bad file reports every problem with file:line:column.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include <bannin/decide/crawler_list.h>

namespace bannin::decide {
namespace {

const std::string kShipped = std::string(BANNIN_SOURCE_DIR) + "/data/allowlist/crawlers.yaml";

core::IpAddress ip(const char* s) {
  return *core::IpAddress::parse(s);
}

TEST(CrawlerList, ShippedFileLoads) {
  auto list = load_crawler_list(kShipped);
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(list->version, 1);
  EXPECT_EQ(list->updated.size(), 10u);
  EXPECT_FALSE(list->source.empty());
  bool google = false, bing = false;
  for (const Crawler& c : list->crawlers) {
    EXPECT_EQ(c.verify.rfind("https://", 0), 0u) << c.name;
    EXPECT_FALSE(c.prefixes.empty()) << c.name;
    google = google || c.name == "googlebot";
    bing = bing || c.name == "bingbot";
  }
  EXPECT_TRUE(google);
  EXPECT_TRUE(bing);
  Allowlist a(list->entries());
  ASSERT_NE(a.find(ip("66.249.66.1")), nullptr);
  EXPECT_EQ(a.find(ip("66.249.66.1"))->label, "crawler googlebot");
  EXPECT_EQ(a.find(ip("66.249.66.1"))->source, AllowSource::Crawler);
  ASSERT_NE(a.find(ip("157.55.39.1")), nullptr);
  EXPECT_EQ(a.find(ip("157.55.39.1"))->label, "crawler bingbot");
  ASSERT_NE(a.find(ip("207.46.13.200")), nullptr);
  ASSERT_NE(a.find(ip("40.77.167.5")), nullptr);
  EXPECT_EQ(a.find(ip("66.249.96.1")), nullptr) << "just past 66.249.64.0/19";
  EXPECT_EQ(a.find(ip("192.0.2.1")), nullptr);
}

TEST(CrawlerList, AllowlistBuilderReadsTheFile) {
  Allowlist a;
  auto n = a.add_crawlers_file(kShipped);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_GT(*n, 10u);
  EXPECT_EQ(a.size(), *n);
  auto missing = a.add_crawlers_file("/nonexistent/crawlers.yaml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "file_not_found");
}

TEST(CrawlerList, EveryProblemIsLocated) {
  const char* text =
      "version: 2\n"                                                           // 1
      "updated: 2026-13-01\n"                                                  // 2
      "colour: blue\n"                                                         // 3
      "crawlers:\n"                                                            // 4
      "  - name: Googlebot\n"                                                  // 5
      "    verify: http://example.com/list.json\n"                             // 6
      "    prefixes: [66.249.64.0/19, 66.249.64.5/24, 8.0.0.0/8, nonsense]\n"  // 7
      "  - name: bingbot\n"                                                    // 8
      "    prefixes: []\n"                                                     // 9
      "  - name: bingbot\n"                                                    // 10
      "    verify: https://www.bing.com/toolbox/bingbot.json\n"                // 11
      "    prefixes: [2400::/16]\n"                                            // 12
      "    note: x\n";                                                         // 13
  auto r = parse_crawler_list(text, "crawlers.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "bad_crawler_list");
  const std::string& m = r.error().message;
  for (const char* want : {
           "crawlers.yaml:1:10: unsupported version \"2\"",
           "crawlers.yaml:2:10: \"updated\" must be a date YYYY-MM-DD",
           "crawlers.yaml:3:1: unknown key \"colour\"",
           "crawlers.yaml:1:1: missing \"source\"",
           "crawlers.yaml:5:11: crawler name \"Googlebot\" must be lowercase",
           "crawlers.yaml:6:13: crawler: \"verify\" must be an https:// URL",
           "crawlers.yaml:7:32: crawler: \"66.249.64.5/24\" has host bits set (did you mean "
           "66.249.64.0/24?)",
           "crawlers.yaml:7:48: crawler: \"8.0.0.0/8\" is too broad",
           "crawlers.yaml:7:59: crawler: \"nonsense\" is not an address or CIDR",
           "crawlers.yaml:8:5: crawler bingbot: missing \"verify\"",
           "crawlers.yaml:9:15: crawler bingbot: \"prefixes\" must be a non-empty list",
           "crawlers.yaml:10:11: crawler \"bingbot\" is listed twice",
           "crawlers.yaml:12:16: crawler: \"2400::/16\" is too broad",
           "crawlers.yaml:13:5: unknown key \"note\"",
       }) {
    EXPECT_NE(m.find(want), std::string::npos) << "missing: " << want << "\n--- got:\n" << m;
  }
  // In file order, one per line.
  EXPECT_EQ(m.rfind("crawlers.yaml:1:1: missing \"source\"", 0), 0u) << m;
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 13) << m;
}

TEST(CrawlerList, SyntaxErrorsAndWrongShapes) {
  auto syntax = parse_crawler_list("version: 1\ncrawlers: [a, b\n", "c.yaml");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().message.rfind("c.yaml:", 0), 0u) << syntax.error().message;
  auto empty = parse_crawler_list("", "c.yaml");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("c.yaml:1:1: the crawler list must be a map"),
            std::string::npos)
      << empty.error().message;
  auto list = parse_crawler_list("- 1\n- 2\n", "c.yaml");
  ASSERT_FALSE(list);
  auto no_crawlers = parse_crawler_list("version: 1\nupdated: 2026-01-01\nsource: x\n", "c.yaml");
  ASSERT_FALSE(no_crawlers);
  EXPECT_NE(no_crawlers.error().message.find("missing \"crawlers\""), std::string::npos);
  auto scalar_crawler = parse_crawler_list(
      "version: 1\nupdated: 2026-01-01\nsource: x\ncrawlers: [googlebot]\n", "c.yaml");
  ASSERT_FALSE(scalar_crawler);
  EXPECT_NE(scalar_crawler.error().message.find("c.yaml:4:12: a crawler must be a map"),
            std::string::npos)
      << scalar_crawler.error().message;
}

TEST(CrawlerList, MinimalValidFile) {
  auto r = parse_crawler_list(
      "version: 1\nupdated: 2026-02-28\nsource: test\ncrawlers:\n"
      "  - {name: examplebot, verify: 'https://example.com/bot.json', prefixes: [192.0.2.0/24, "
      "'2001:db8:1::/48']}\n",
      "c.yaml");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->crawlers.size(), 1u);
  auto entries = r->entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].label, "crawler examplebot");
  EXPECT_EQ(entries[1].prefix.text(), "2001:db8:1::/48");
}

}  // namespace
}  // namespace bannin::decide
