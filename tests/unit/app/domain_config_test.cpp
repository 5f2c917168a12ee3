// The `domains:` section of the daemon configuration: off by default, every key read,
// every mistake located at file:line:col (list items at their own place, list_file lines
// at file:line:col of the list file).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include <bannin/app/config.h>

namespace bannin::app {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "bannin-domains-" + std::to_string(::getpid()) + "-" +
                     name;
  std::ofstream(path) << text;
  return path;
}

TEST(DomainsConfig, OffByDefault) {
  auto cfg = load_config("");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_FALSE(cfg->domains.enabled());
  EXPECT_EQ(cfg->domains.interval, 3600 * core::kNsPerSec);
  EXPECT_EQ(cfg->domains.reconfirm_after, 120 * core::kNsPerSec);
  EXPECT_TRUE(cfg->domains.dnsbl);
  EXPECT_TRUE(cfg->domains.rdap);
  EXPECT_EQ(cfg->domains.ns_port, 53);
  EXPECT_EQ(cfg->domains.timeout_ms, 1500);
}

TEST(DomainsConfig, ListAndListFileMerged) {
  auto list = write_temp("list.txt",
                         "# the shops\n"
                         "Shop.Example.COM.\n"
                         "\n"
                         "  other.example.jp   # second shop\n"
                         "shop.example.com\n");
  auto path = write_temp("ok.yaml",
                         "domains:\n"
                         "  list: [a.example.test, shop.example.com]\n"
                         "  list_file: " + list + "\n"
                         "  ips: [192.0.2.7, 2001:db8::1]\n"
                         "  interval: 2s\n"
                         "  reconfirm_after: 0\n"
                         "  resolvers: [127.0.0.1:5353, none]\n"
                         "  parent_servers: ['[::1]:53']\n"
                         "  ns_port: 15353\n"
                         "  dnsbl: false\n"
                         "  rdap_server: http://127.0.0.1:8080/rdap/\n"
                         "  timeout_ms: 300\n"
                         "  tries: 1\n");
  auto cfg = load_config(path);
  ASSERT_TRUE(cfg) << cfg.error().message;
  const DomainsConfig& d = cfg->domains;
  EXPECT_TRUE(d.enabled());
  EXPECT_EQ(d.list, (std::vector<std::string>{"a.example.test", "shop.example.com",
                                              "other.example.jp"}));
  EXPECT_EQ(d.ips.size(), 2u);
  EXPECT_EQ(d.interval, 2 * core::kNsPerSec);
  EXPECT_EQ(d.reconfirm_after, 0);
  EXPECT_EQ(d.resolvers.size(), 2u);
  EXPECT_EQ(d.ns_port, 15353);
  EXPECT_FALSE(d.dnsbl);
  EXPECT_EQ(d.timeout_ms, 300);
  EXPECT_EQ(d.tries, 1);
  // -o overrides apply too.
  auto o = load_config(path, {"domains.list=", "domains.list_file=", "domains.ips="});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_FALSE(o->domains.enabled());
}

TEST(DomainsConfig, EveryMistakeLocated) {
  auto list = write_temp("bad-list.txt", "good.example.com\n  bad domain!\n");
  auto path = write_temp("bad.yaml",
                         "domains:\n"
                         "  list:\n"
                         "    - fine.example.com\n"
                         "    - not a domain\n"
                         "  list_file: " + list + "\n"
                         "  ips: [192.0.2.999]\n"
                         "  interval: 0\n"
                         "  resolvers: [resolver.example.com]\n"
                         "  tries: 9\n"
                         "  rdap_server: ftp://x/\n"
                         "  colour: blue\n");
  auto cfg = load_config(path);
  ASSERT_FALSE(cfg);
  const std::string& m = cfg.error().message;
  EXPECT_NE(m.find(path + ":4:7: domains.list: 'not a domain' is not a domain name"),
            std::string::npos) << m;
  EXPECT_NE(m.find(list + ":2:3: 'bad domain!' is not a domain name"), std::string::npos) << m;
  EXPECT_NE(m.find(path + ":6:9: domains.ips: '192.0.2.999' is not an IP address"),
            std::string::npos) << m;
  EXPECT_NE(m.find(path + ":7:3: domains.interval"), std::string::npos) << m;
  EXPECT_NE(m.find("domains.resolvers: 'resolver.example.com' is not ADDR[:PORT]"),
            std::string::npos) << m;
  EXPECT_NE(m.find(path + ":9:3: domains.tries"), std::string::npos) << m;
  EXPECT_NE(m.find(path + ":10:3: domains.rdap_server"), std::string::npos) << m;
  EXPECT_NE(m.find(path + ":11:3: unknown key 'domains.colour'"), std::string::npos) << m;
}

TEST(DomainsConfig, UnreadableListFileIsLocated) {
  auto path = write_temp("nofile.yaml", "domains:\n  list_file: /nonexistent/bannin-list\n");
  auto cfg = load_config(path);
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find(path + ":2:3: domains.list_file: cannot read"),
            std::string::npos)
      << cfg.error().message;
}

}  // namespace
}  // namespace bannin::app
