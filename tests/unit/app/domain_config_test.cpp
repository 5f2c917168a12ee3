// The `domains:` section of the daemon configuration: off by default, every key read,
// every mistake located at file:line:col (list items at their own place, list_file lines
// at file:line:col of the list file).
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include <bannin/app/config.h>
#include <bannin/probe/domain/check_setup.h>

namespace bannin::app {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path =
      ::testing::TempDir() + "bannin-domains-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(DomainsConfig, OffByDefault) {
  auto cfg = load_config("");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_FALSE(cfg->domains.enabled());
  EXPECT_EQ(cfg->domains.interval, 3600 * core::kNsPerSec);
  EXPECT_EQ(cfg->domains.reconfirm_after, 120 * core::kNsPerSec);
  EXPECT_TRUE(cfg->domains.check.dnsbl);
  EXPECT_TRUE(cfg->domains.check.rdap);
  EXPECT_EQ(cfg->domains.check.ns_port, 53);
  EXPECT_EQ(cfg->domains.check.timeout_ms, 1500);
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
                         "  list_file: " +
                             list +
                             "\n"
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
  EXPECT_EQ(d.list,
            (std::vector<std::string>{"a.example.test", "shop.example.com", "other.example.jp"}));
  EXPECT_EQ(d.ips.size(), 2u);
  EXPECT_EQ(d.interval, 2 * core::kNsPerSec);
  EXPECT_EQ(d.reconfirm_after, 0);
  EXPECT_EQ(d.check.resolvers.size(), 2u);
  EXPECT_EQ(d.check.ns_port, 15353);
  EXPECT_FALSE(d.check.dnsbl);
  EXPECT_EQ(d.check.timeout_ms, 300);
  EXPECT_EQ(d.check.tries, 1);
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
                         "  list_file: " +
                             list +
                             "\n"
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
            std::string::npos)
      << m;
  EXPECT_NE(m.find(list + ":2:3: 'bad domain!' is not a domain name"), std::string::npos) << m;
  EXPECT_NE(m.find(path + ":6:9: domains.ips: '192.0.2.999' is not an IP address"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(path + ":7:3: domains.interval"), std::string::npos) << m;
  EXPECT_NE(m.find("domains.resolvers: 'resolver.example.com' is not ADDR[:PORT]"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(path + ":9:3: domains.tries"), std::string::npos) << m;
  EXPECT_NE(m.find(path + ":10:3: domains.rdap_server"), std::string::npos) << m;
  EXPECT_NE(m.find(path + ":11:3: unknown key 'domains.colour'"), std::string::npos) << m;
}

// Japanese operators list 例え.jp as they write it; the probe asks the DNS for its A-label
// form. Typos that would end in alarming answers (a 64-octet label, a leading '-', a name
// longer than 253 octets) are refused where they are written, with the rule they break.
TEST(DomainsConfig, ULabelsAcceptedAndTyposLocated) {
  auto good_list = write_temp("idn-list.txt", "日本語.co.jp\n");
  auto path = write_temp("idn.yaml",
                         "domains:\n"
                         "  list: [例え.jp, XN--R8JZ45G.example.]\n"
                         "  list_file: " +
                             good_list + "\n");
  auto cfg = load_config(path);
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->domains.list, (std::vector<std::string>{"xn--r8jz45g.jp", "xn--r8jz45g.example",
                                                         "xn--wgv71a119e.co.jp"}));

  const std::string l64(64, 'a');
  const std::string l63(63, 'a');
  auto bad_list = write_temp("typo-list.txt", "ok.example.com\n" + l63 + "." + l63 + "." + l63 +
                                                  "." + std::string(57, 'b') + ".test\n");
  auto bad = write_temp("typo.yaml",
                        "domains:\n"
                        "  list:\n"
                        "    - " +
                            l64 +
                            ".jp\n"
                            "    - -shop.jp\n"
                            "    - jp\n"
                            "  list_file: " +
                            bad_list + "\n");
  auto typo = load_config(bad);
  ASSERT_FALSE(typo);
  const std::string& m = typo.error().message;
  EXPECT_NE(m.find(bad + ":3:7: domains.list: '" + l64 + ".jp' is not a domain name"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("is 64 octets long; at most 63"), std::string::npos) << m;
  EXPECT_NE(m.find(bad + ":4:7: domains.list: '-shop.jp' is not a domain name: label '-shop' "
                         "starts with '-'"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(bad + ":5:7: domains.list: 'jp' is not a domain name: a single label"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(bad_list + ":2:1: '"), std::string::npos) << m;
  EXPECT_NE(m.find("is 254 octets long in its A-label form; at most 253"), std::string::npos) << m;
}

TEST(DomainsConfig, UnreadableListFileIsLocated) {
  auto path = write_temp("nofile.yaml", "domains:\n  list_file: /nonexistent/bannin-list\n");
  auto cfg = load_config(path);
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find(path + ":2:3: domains.list_file: cannot read"),
            std::string::npos)
      << cfg.error().message;
}

TEST(DomainsConfig, ProbeKeysAndServicesRead) {
  auto def = load_config("");
  ASSERT_TRUE(def) << def.error().message;
  EXPECT_TRUE(def->domains.check.whois);
  EXPECT_EQ(def->domains.check.virustotal_rate, "4/min");
  EXPECT_EQ(def->domains.check.safe_browsing_rate, "60/min");
  EXPECT_EQ(def->domains.check.virustotal_key_file, "");
  auto path = write_temp("keys.yaml",
                         "domains:\n"
                         "  list: [shop.example.com]\n"
                         "  whois: false\n"
                         "  whois_servers: /etc/bannin/whois.yaml\n"
                         "  whois_server: 127.0.0.1:4343\n"
                         "  spamhaus_dqs_key_file: /etc/bannin/dqs.key\n"
                         "  safe_browsing_key_file: /etc/bannin/sb.key\n"
                         "  virustotal_key_file: /etc/bannin/vt.key\n"
                         "  safe_browsing_url: http://127.0.0.1:9/\n"
                         "  virustotal_url: https://vt.example.test\n"
                         "  virustotal_rate: unlimited\n"
                         "  safe_browsing_rate: 10/s\n");
  auto cfg = load_config(path);
  ASSERT_TRUE(cfg) << cfg.error().message;
  const DomainsConfig& d = cfg->domains;
  EXPECT_FALSE(d.check.whois);
  EXPECT_EQ(d.check.whois_servers, "/etc/bannin/whois.yaml");
  EXPECT_EQ(d.check.whois_server, "127.0.0.1:4343");
  EXPECT_EQ(d.check.spamhaus_dqs_key_file, "/etc/bannin/dqs.key");
  EXPECT_EQ(d.check.safe_browsing_key_file, "/etc/bannin/sb.key");
  EXPECT_EQ(d.check.virustotal_key_file, "/etc/bannin/vt.key");
  EXPECT_EQ(d.check.safe_browsing_url, "http://127.0.0.1:9/");
  EXPECT_EQ(d.check.virustotal_url, "https://vt.example.test");
  EXPECT_EQ(d.check.virustotal_rate, "unlimited");
  EXPECT_EQ(d.check.safe_browsing_rate, "10/s");
}

TEST(DomainsConfig, ProbeKeyMistakesLocated) {
  auto path = write_temp("badkeys.yaml",
                         "domains:\n"
                         "  whois: maybe\n"
                         "  whois_server: \"a b:99999\"\n"
                         "  virustotal_url: ftp://vt.example\n"
                         "  safe_browsing_url: vt.example\n"
                         "  virustotal_rate: 4/fortnight\n"
                         "  safe_browsing_rate: lots\n"
                         "  virustotal_key_file: [a, b]\n");
  auto cfg = load_config(path);
  ASSERT_FALSE(cfg);
  const std::string& m = cfg.error().message;
  EXPECT_NE(m.find(path + ":2:3: domains.whois: 'maybe' is not true or false"), std::string::npos)
      << m;
  EXPECT_NE(m.find(path + ":3:3: domains.whois_server"), std::string::npos) << m;
  EXPECT_NE(m.find(path + ":4:3: domains.virustotal_url: 'ftp://vt.example' is not an http"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(path + ":5:3: domains.safe_browsing_url"), std::string::npos) << m;
  EXPECT_NE(m.find(path + ":6:3: domains.virustotal_rate: '4/fortnight' is not N/s"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(path + ":7:3: domains.safe_browsing_rate: 'lots'"), std::string::npos) << m;
  EXPECT_NE(m.find(path + ":8:3: domains.virustotal_key_file: expected a single value"),
            std::string::npos)
      << m;
}

// The builder `bannin check` and the daemon's probe share reads the keys: from the file,
// else from the environment; messages name the file, never the key.
TEST(DomainsConfig, SharedBuilderReadsKeys) {
  namespace pd = probe::domain;
  ::unsetenv("BANNIN_VIRUSTOTAL_KEY");
  ::unsetenv("BANNIN_SAFE_BROWSING_KEY");
  ::unsetenv("BANNIN_SPAMHAUS_DQS_KEY");
  pd::CheckSettings s;
  s.resolvers = {"none"};
  s.dnsbl = false;
  s.rdap = false;
  s.whois = false;
  s.virustotal_key_file = write_temp("vt.key", "  vt-secret-123\n\n");
  s.spamhaus_dqs_key_file = write_temp("dqs.key", "dqssecret42\n");
  s.virustotal_url = "http://127.0.0.1:1";
  s.virustotal_rate = "unlimited";
  auto opt = pd::build_check_options(s);
  ASSERT_TRUE(opt) << opt.error().message;
  EXPECT_EQ(opt->reputation.virustotal_key, "vt-secret-123");
  EXPECT_EQ(opt->reputation.virustotal_url, "http://127.0.0.1:1");
  EXPECT_EQ(opt->reputation.virustotal_rate.requests, 0);
  EXPECT_EQ(opt->reputation.safe_browsing_key, "");
  EXPECT_EQ(opt->spamhaus_dqs_key, "dqssecret42");
  EXPECT_FALSE(opt->whois_servers);

  ::setenv("BANNIN_SAFE_BROWSING_KEY", "sb-env-key", 1);
  s.whois = true;  // the table shipped in data/
  s.whois_server = "127.0.0.1:4343";
  auto env = pd::build_check_options(s);
  ::unsetenv("BANNIN_SAFE_BROWSING_KEY");
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ(env->reputation.safe_browsing_key, "sb-env-key");
  EXPECT_TRUE(env->whois_servers);
  ASSERT_TRUE(env->whois_server);
  EXPECT_EQ(env->whois_server->port, 4343);

  s.virustotal_key_file = write_temp("vt-bad.key", "vt secret 123\n");
  auto bad = pd::build_check_options(s);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find(s.virustotal_key_file), std::string::npos)
      << bad.error().message;
  EXPECT_EQ(bad.error().message.find("secret"), std::string::npos) << bad.error().message;
  s.virustotal_key_file = "/nonexistent/bannin-vt.key";
  auto missing = pd::build_check_options(s);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot read the VirusTotal key file"), std::string::npos)
      << missing.error().message;
}

}  // namespace
}  // namespace bannin::app
