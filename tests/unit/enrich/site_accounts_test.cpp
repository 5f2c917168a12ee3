// SiteAccounts on a real inventory (the Apache and nginx fixtures plus the inventory file of
// tests/fixtures/inventory/): an access-log event's site gives it the owning account, also
// through ServerAlias wildcards and in other letter case; an event that has an account keeps
// it; unknown sites and events without a vhost are left alone; and the remembered answers
// stay bounded.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/enrich/site_accounts.h>

namespace bannin::enrich {
namespace {

const std::string kDir = std::string(BANNIN_FIXTURES) + "/inventory";

std::shared_ptr<const Inventory> fixture_inventory() {
  auto inv = std::make_shared<Inventory>();
  std::vector<std::string> problems;
  inv->add_web_config(kDir + "/apache/apache2.conf", problems, kDir + "/apache");
  inv->add_web_config(kDir + "/nginx/nginx.conf", problems);
  EXPECT_TRUE(inv->add_file(kDir + "/inventory.yaml", problems));
  return inv;
}

// An http.request with that vhost ("" none); the text must outlive the event.
void request(model::Event& ev, std::string_view vhost) {
  ev.reset();
  ev.set_kind(model::EventKind::HttpRequest);
  if (!vhost.empty()) ev.set_string(model::Field::Vhost, vhost);
}

TEST(SiteAccounts, SiteGivesTheAccount) {
  SiteAccounts sa(fixture_inventory());
  ASSERT_TRUE(sa.useful());
  model::Event shop;
  request(shop, "shop.example.jp");
  EXPECT_TRUE(sa.enrich(shop));
  EXPECT_EQ(shop.str(model::Field::Account), "hanako");
  model::Event alias;
  request(alias, "WWW.Shop.Example.JP");  // ServerAlias, any case
  EXPECT_TRUE(sa.enrich(alias));
  EXPECT_EQ(alias.str(model::Field::Account), "hanako");
  model::Event clinic;
  request(clinic, "www.clinic.example.jp");  // nginx server_name, file's account
  EXPECT_TRUE(sa.enrich(clinic));
  EXPECT_EQ(clinic.str(model::Field::Account), "jiro");
  // Asked again: the remembered answer, the same account.
  model::Event again;
  request(again, "shop.example.jp");
  EXPECT_TRUE(sa.enrich(again));
  EXPECT_EQ(again.str(model::Field::Account), "hanako");
}

TEST(SiteAccounts, LeavesOthersAlone) {
  SiteAccounts sa(fixture_inventory());
  model::Event unknown;
  request(unknown, "unknown.example.jp");
  EXPECT_FALSE(sa.enrich(unknown));
  EXPECT_FALSE(unknown.has(model::Field::Account));
  model::Event no_vhost;
  request(no_vhost, "");
  EXPECT_FALSE(sa.enrich(no_vhost));
  model::Event own;
  request(own, "shop.example.jp");
  own.set_string(model::Field::Account, "decoder-said");
  EXPECT_FALSE(sa.enrich(own));
  EXPECT_EQ(own.str(model::Field::Account), "decoder-said");
}

TEST(SiteAccounts, AMailboxLoginCountsForItsSitesAccount) {
  SiteAccounts sa(fixture_inventory());
  model::Event sent;
  sent.set_kind(model::EventKind::MailSent);
  sent.set_string(model::Field::User, "sales@Shop.Example.JP");  // SASL login, any case
  EXPECT_TRUE(sa.enrich(sent));
  EXPECT_EQ(sent.str(model::Field::Account), "hanako");
  model::Event plain;  // a login without a domain: nothing to go by
  plain.set_kind(model::EventKind::MailSent);
  plain.set_string(model::Field::User, "sales");
  EXPECT_FALSE(sa.enrich(plain));
  model::Event ssh;  // logins of other kinds are not mail submissions
  ssh.set_kind(model::EventKind::AuthAttempt);
  ssh.set_string(model::Field::User, "root@shop.example.jp");
  EXPECT_FALSE(sa.enrich(ssh));
}

TEST(SiteAccounts, NoInventoryOrNoAccountsIsNoStep) {
  SiteAccounts none(nullptr);
  EXPECT_FALSE(none.useful());
  model::Event ev;
  request(ev, "shop.example.jp");
  EXPECT_FALSE(none.enrich(ev));
  SiteAccounts empty(std::make_shared<Inventory>());
  EXPECT_FALSE(empty.useful());
}

TEST(SiteAccounts, ManyNamesStayBounded) {
  SiteAccounts sa(fixture_inventory());
  for (std::size_t i = 0; i < SiteAccounts::kMaxRemembered + 10; ++i) {
    EXPECT_TRUE(sa.account("h" + std::to_string(i) + ".example.invalid").empty());
    ASSERT_LE(sa.remembered(), SiteAccounts::kMaxRemembered);
  }
  EXPECT_EQ(sa.account("shop.example.jp"), "hanako");  // still answers after starting over
}

}  // namespace
}  // namespace bannin::enrich
