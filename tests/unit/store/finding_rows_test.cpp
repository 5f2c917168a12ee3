// Findings read back for the API (store/finding_rows.cpp) and migration 9: a file of schema 6
// gains findings.vhost/account (filled from the groups it holds) and decisions.finding_id;
// findings keep a given id; decisions name their finding; the highest finding id counts
// decisions' references too (ids are not handed out again after retention); the filters
// use the new indexes.
#include <gtest/gtest.h>

#include "store_test_util.h"

namespace bannin::store {
namespace {

using testing::deny;
using testing::raw_count;
using testing::raw_sql;
using testing::temp_db;

std::unique_ptr<Store> open_ok(const std::string& path, const OpenOptions& o = {}) {
  auto s = Store::open(path, o);
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  return s ? std::move(*s) : nullptr;
}

TEST(FindingReads, MigratesASchemaSixFile) {
  const std::string path = temp_db("v6.db");
  {
    OpenOptions o;
    o.migrate_to = 6;
    auto s = open_ok(path, o);
    ASSERT_TRUE(s);
  }
  raw_sql(path,
          "INSERT INTO findings(id, ts_ns, rule, group_json, numbers_json) VALUES"
          " (1, 10, 'web.form_relay.many_sources', '{\"vhost\":\"example.jp\",\"path\":\"/c/\"}', "
          "'{}'),"
          " (2, 20, 'mail.burst', '{\"account\":\"shop1\"}', '{}'),"
          " (3, 30, 'web.scanner', '{\"src_ip\":\"192.0.2.1\"}', '{}');");
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->schema_version(), Store::kSchemaVersion);
  FindingFilter f;
  f.vhost = "example.jp";
  auto a = s->findings(f, false);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ(a->front().id, 1);
  f = {};
  f.account = "shop1";
  a = s->findings(f, false);
  ASSERT_TRUE(a && a->size() == 1u);
  EXPECT_EQ(a->front().id, 2);
  EXPECT_EQ(raw_count(path,
                      "SELECT COUNT(*) FROM sqlite_master WHERE type='index' AND name IN"
                      " ('findings_rule','findings_group','findings_vhost','findings_account',"
                      "'decisions_finding');"),
            5);
}

TEST(FindingReads, IdsLinksAndPaging) {
  auto s = open_ok(temp_db("reads.db"));
  ASSERT_TRUE(s);
  FindingRow f;
  f.ts = 100;
  f.rule = "web.form_relay.many_sources";
  f.group_json = R"({"vhost":"example.jp","path":"/contact/"})";
  f.numbers_json = R"j({"distinct(src_ip)":3})j";
  f.evidence = {"one", "two"};
  f.id = 41;  // the daemon's own id
  f.vhost = "example.jp";
  ASSERT_EQ(*s->add_finding(f), 41);
  f.id = 0;  // the store's next
  f.ts = 200;
  ASSERT_EQ(*s->add_finding(f), 42);
  auto d = deny("198.51.100.7", 150);
  d.finding_id = 41;
  ASSERT_TRUE(s->add_decision(d));
  auto manual = deny("198.51.100.8", 160);
  ASSERT_TRUE(s->add_decision(manual));

  auto of = s->decisions_of_findings({41, 42, 7});
  ASSERT_TRUE(of);
  ASSERT_EQ(of->size(), 1u);
  EXPECT_EQ(of->front().finding_id, 41);
  EXPECT_EQ(s->decision(2)->finding_id, 0) << "a decision without a finding";

  FindingFilter all;
  all.limit = 1;
  auto page = s->findings(all, true);
  ASSERT_TRUE(page && page->size() == 1u);
  EXPECT_EQ(page->front().id, 42);
  EXPECT_EQ(page->front().evidence, (std::vector<std::string>{"one", "two"}));
  all.before_id = 42;
  page = s->findings(all, false);
  ASSERT_TRUE(page && page->size() == 1u);
  EXPECT_EQ(page->front().id, 41);
  EXPECT_TRUE(page->front().evidence.empty());

  auto run = s->group_findings(f.rule, f.group_json, 0, 1000, 10);
  ASSERT_TRUE(run);
  ASSERT_EQ(run->size(), 2u);
  EXPECT_EQ(run->front().ts, 100);  // oldest first

  EXPECT_EQ(*s->max_finding_id(), 42);
  // Retention removed the findings; a decision still names 41, so ids go on above it.
  ASSERT_TRUE(s->prune_findings(1000));
  EXPECT_EQ(*s->max_finding_id(), 41);
  // A given id that is taken is refused (constraint), never silently renumbered.
  f.id = 5;
  ASSERT_TRUE(s->add_finding(f));
  auto dup = s->add_finding(f);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, "constraint");
}

}  // namespace
}  // namespace bannin::store
