// The hosting inventory on real configuration files (tests/fixtures/inventory/): Apache with
// IncludeOptional globs, continuation lines and suEXEC/itk accounts, nginx with include
// globs, several server blocks and location roots, the inventory file in YAML and CSV, and
// every broken file reported with its location.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/enrich/inventory.h>

namespace bannin::enrich {
namespace {

const std::string kDir = std::string(BANNIN_FIXTURES) + "/inventory";

bool has_problem(const std::vector<std::string>& problems, const std::string& needle) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(needle) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

TEST(Inventory, ApacheVirtualHostsThroughIncludeOptional) {
  Inventory inv;
  std::vector<std::string> problems;
  inv.add_web_config(kDir + "/apache/apache2.conf", problems, kDir + "/apache");
  EXPECT_TRUE(problems.empty()) << joined(problems);
  EXPECT_EQ(inv.files_read(), 4u);  // apache2.conf, security.conf, blog.conf, shop.conf

  const Site* shop = inv.find("WWW.Shop.Example.JP:8080");
  ASSERT_NE(shop, nullptr);
  EXPECT_EQ(shop->account, "hanako");
  EXPECT_EQ(shop->docroot, "/home/hanako/public_html");
  EXPECT_EQ(shop->names.front(), "shop.example.jp");
  // The continuation line's alias, and the :443 vhost merged into the same site.
  EXPECT_EQ(inv.find("shop-example.jp"), shop);
  EXPECT_EQ(inv.find("shop.example.jp."), shop);
  EXPECT_NE(shop->origin.find("shop.conf:1"), std::string::npos);

  const Site* blog = inv.find("blog.example.com");
  ASSERT_NE(blog, nullptr);
  EXPECT_EQ(blog->account, "taro");  // AssignUserID
  EXPECT_EQ(blog->docroot, "/srv/www/blog");
  EXPECT_EQ(inv.find("a.b.blog.example.com"), blog);  // *.blog.example.com
  EXPECT_EQ(inv.find("example.com"), nullptr);
  // The main server's ServerName is not a virtual host.
  EXPECT_EQ(inv.find("main.example.net"), nullptr);
}

TEST(Inventory, NginxServerBlocksThroughIncludes) {
  Inventory inv;
  std::vector<std::string> problems;
  inv.add_web_config(kDir + "/nginx/nginx.conf", problems);
  EXPECT_TRUE(problems.empty()) << joined(problems);
  const Site* clinic = inv.find("www.clinic.example.jp");
  ASSERT_NE(clinic, nullptr);
  EXPECT_EQ(clinic->docroot, "/home/jiro/www");  // not the location's root
  EXPECT_EQ(clinic->account, "jiro");            // from /home/<user>/
  const Site* org = inv.find("shop.example.org");
  ASSERT_NE(org, nullptr);  // ".example.org": the name and its subdomains
  EXPECT_EQ(inv.find("example.org"), org);
  EXPECT_EQ(org->docroot, "/var/www/example org");
  EXPECT_EQ(org->account, "");
  EXPECT_EQ(inv.find("quoted.example.net"), org);
  // "server_name _" (the default server) and the upstream's servers are no sites.
  EXPECT_EQ(inv.sites().size(), 2u);
}

TEST(Inventory, YamlFileAddsContactsAndWins) {
  Inventory inv;
  std::vector<std::string> problems;
  inv.add_web_config(kDir + "/apache/apache2.conf", problems, kDir + "/apache");
  inv.add_web_config(kDir + "/nginx/nginx.conf", problems);
  ASSERT_TRUE(inv.add_file(kDir + "/inventory.yaml", problems)) << joined(problems);
  EXPECT_TRUE(problems.empty()) << joined(problems);

  Owner shop = inv.owner("shop.example.jp");
  EXPECT_TRUE(shop.known);
  EXPECT_EQ(shop.account, "hanako");
  ASSERT_EQ(shop.contacts.size(), 1u);  // the account's
  EXPECT_EQ(shop.contacts[0], "hanako@example.jp");
  EXPECT_EQ(shop.language, "ja");

  Owner blog = inv.owner("blog.example.com");
  ASSERT_EQ(blog.contacts.size(), 1u);
  EXPECT_EQ(blog.contacts[0], "taro@example.com");  // a single text is a list of one
  EXPECT_EQ(blog.language, "en");

  Owner clinic = inv.owner("clinic.example.jp");  // the site's own contacts
  ASSERT_EQ(clinic.contacts.size(), 2u);
  EXPECT_EQ(clinic.contacts[0], "office@clinic.example.jp");
  EXPECT_EQ(clinic.docroot, "/home/jiro/www");  // from nginx, kept

  Owner extra = inv.owner("extra.example.jp");  // only in the file
  EXPECT_EQ(extra.docroot, "/home/hanako/extra");
  EXPECT_EQ(extra.contacts.at(0), "hanako@example.jp");

  Owner none = inv.owner("unknown.example.jp");
  EXPECT_FALSE(none.known);
  EXPECT_TRUE(none.contacts.empty());
}

TEST(Inventory, CsvFile) {
  Inventory inv;
  std::vector<std::string> problems;
  ASSERT_TRUE(inv.add_file(kDir + "/inventory.csv", problems)) << joined(problems);
  Owner shop = inv.owner("www.shop.example.jp");
  EXPECT_EQ(shop.account, "hanako");
  ASSERT_EQ(shop.contacts.size(), 2u);
  EXPECT_EQ(shop.contacts[1], "shop@example.jp");
  EXPECT_EQ(shop.language, "ja");
  ASSERT_NE(inv.account("taro"), nullptr);  // the account-only row
  EXPECT_EQ(inv.account("taro")->language, "en");
}

TEST(Inventory, BadYamlReportsEveryProblemWithItsLine) {
  Inventory inv;
  std::vector<std::string> problems;
  EXPECT_FALSE(inv.add_file(kDir + "/bad_inventory.yaml", problems));
  const std::string f = kDir + "/bad_inventory.yaml:";
  EXPECT_TRUE(has_problem(problems, f + "3:")) << joined(problems);  // not-an-address
  EXPECT_TRUE(has_problem(problems, "not an e-mail address: \"not-an-address\""));
  EXPECT_TRUE(has_problem(problems, f + "4:")) << joined(problems);  // fr
  EXPECT_TRUE(has_problem(problems, "language must be ja or en, not \"fr\""));
  EXPECT_TRUE(has_problem(problems, f + "7:5: unknown key \"color\""));
  EXPECT_TRUE(has_problem(problems, f + "8:5: a site needs at least one name"));
  EXPECT_TRUE(has_problem(problems, f + "9:12: not a host name: \"bad name!\""));
  EXPECT_EQ(problems.size(), 5u) << joined(problems);
  EXPECT_NE(inv.find("ok.example.jp"), nullptr);  // the good parts are kept
}

TEST(Inventory, BadCsvAndUnreadableFiles) {
  Inventory inv;
  std::vector<std::string> problems;
  EXPECT_FALSE(inv.add_file(kDir + "/bad_inventory.csv", problems));
  EXPECT_TRUE(has_problem(problems, "bad_inventory.csv:1: unknown column \"colour\""));
  EXPECT_TRUE(has_problem(problems, "bad_inventory.csv:2: 2 fields, the header has 3"));
  EXPECT_TRUE(has_problem(problems, "bad_inventory.csv:3: unterminated quote"));
  problems.clear();
  EXPECT_FALSE(inv.add_file(kDir + "/no-such-file.yaml", problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("no-such-file.yaml: cannot read the inventory"), std::string::npos);
  problems.clear();
  EXPECT_FALSE(inv.add_file(kDir, problems));  // a directory
  EXPECT_TRUE(has_problem(problems, "not a regular file"));
}

TEST(Inventory, BrokenWebConfigurationsAreLocated) {
  Inventory inv;
  std::vector<std::string> problems;
  inv.add_web_config(kDir + "/nginx_broken.conf", problems);
  EXPECT_TRUE(has_problem(problems, "nginx_broken.conf: 1 block(s) not closed"))
      << joined(problems);
  problems.clear();
  inv.add_web_config(kDir + "/apache_broken.conf", problems);
  const std::string f = kDir + "/apache_broken.conf:";
  EXPECT_TRUE(has_problem(problems, f + "3: DocumentRoot without a path")) << joined(problems);
  EXPECT_TRUE(has_problem(problems, f + "4: suexecusergroup needs a user and a group"));
  EXPECT_TRUE(has_problem(problems, f + "5: included file not found: /nonexistent"));
  EXPECT_TRUE(has_problem(problems, f + "1: <VirtualHost> not closed at the end of the file"));
  EXPECT_NE(inv.find("open.example.jp"), nullptr);  // what could be read is kept
  problems.clear();
  inv.add_web_config(kDir + "/no-such.conf", problems);
  EXPECT_TRUE(has_problem(problems, "no-such.conf: cannot read"));
  problems.clear();
  inv.add_web_config(kDir + "/nothing-*.conf", problems);  // a glob matching nothing is fine
  EXPECT_TRUE(problems.empty());
}

TEST(Inventory, IncludeCycleIsReadOnce) {
  char tmpl[] = "/tmp/bannin_inv_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  auto write = [&](const std::string& name, const std::string& text) {
    FILE* f = std::fopen((dir + "/" + name).c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(text.c_str(), f);
    std::fclose(f);
  };
  write("a.conf", "include b.conf;\nserver { server_name a.example.jp; root /home/a/w; }\n");
  write("b.conf", "include a.conf;\nserver { server_name b.example.jp; }\n");
  Inventory inv;
  std::vector<std::string> problems;
  inv.add_web_config(dir + "/a.conf", problems);
  EXPECT_TRUE(problems.empty()) << joined(problems);
  EXPECT_EQ(inv.files_read(), 2u);
  EXPECT_NE(inv.find("a.example.jp"), nullptr);
  EXPECT_NE(inv.find("b.example.jp"), nullptr);
  std::remove((dir + "/a.conf").c_str());
  std::remove((dir + "/b.conf").c_str());
  rmdir(dir.c_str());
}

TEST(Inventory, NormaliseAndEmail) {
  EXPECT_EQ(normalise_host(" Example.JP:8080 "), "example.jp");
  EXPECT_EQ(normalise_host("example.jp."), "example.jp");
  EXPECT_TRUE(plausible_email("a.b+c@example.jp"));
  EXPECT_FALSE(plausible_email("a@b@c"));
  EXPECT_FALSE(plausible_email("<a@example.jp>"));
  EXPECT_FALSE(plausible_email("@example.jp"));
  EXPECT_FALSE(plausible_email("a@"));
  EXPECT_FALSE(plausible_email("a b@example.jp"));
}

}  // namespace
}  // namespace bannin::enrich
