// Store on real SQLite files: migrations (fresh, idempotent, refusing a newer file),
// findings with evidence, decisions with their state history, retention, and the writer
// thread's batched commits.
#include <cstdio>
#include <filesystem>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <bannin/store/store.h>

#include "store_test_util.h"

namespace bannin::store {
namespace {

using testing::deny;
using testing::temp_db;

TEST(Store, MigratesAndPersists) {
  std::string path = temp_db("a.db");
  {
    auto s = Store::open(path);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ((*s)->schema_version(), Store::kSchemaVersion);
    FindingRow f{1000,
                 "web.scanner.probe_paths",
                 "{\"src_ip\":\"192.0.2.1\"}",
                 "{\"count()\":3}",
                 {"line one", "line \"two\"", "line three"}};
    auto fid = (*s)->add_finding(f);
    ASSERT_TRUE(fid) << fid.error().message;
    auto did = (*s)->add_decision(deny("192.0.2.1", 1000));
    ASSERT_TRUE(did);
    ASSERT_TRUE((*s)->change_state({*did, 2000, "active", "nft: added"}));
  }
  // Reopen: nothing lost, migrations not run twice.
  auto s = Store::open(path);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(*(*s)->count("findings"), 1);
  EXPECT_EQ(*(*s)->count("evidence"), 3);
  auto active = (*s)->decisions("active");
  ASSERT_TRUE(active);
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].target_json, "{\"ip\":\"192.0.2.1\"}");
  auto h = (*s)->history((*active)[0].id);
  ASSERT_TRUE(h);
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].state, "proposed");
  EXPECT_EQ((*h)[1].state, "active");
  EXPECT_EQ((*h)[1].note, "nft: added");
  EXPECT_FALSE((*s)->change_state({424242, 1, "revoked", ""}));
}

TEST(Store, RefusesAFileFromANewerBannin) {
  std::string path = temp_db("newer.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99;", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = Store::open(path);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "schema_too_new");
  EXPECT_NE(s.error().message.find(path), std::string::npos);
}

TEST(Store, UnwritablePathIsAClearError) {
  auto s = Store::open("/nonexistent-dir/x.db");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("/nonexistent-dir/x.db"), std::string::npos);
}

TEST(Store, RetentionPrunesOldFindingsWithTheirEvidence) {
  auto s = Store::open(temp_db("ret.db"));
  ASSERT_TRUE(s);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*s)->add_finding({i * 100, "r", "{}", "{}", {"a", "b"}}));
  }
  auto n = (*s)->prune_findings(500);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 5);
  EXPECT_EQ(*(*s)->count("findings"), 5);
  EXPECT_EQ(*(*s)->count("evidence"), 10);  // cascade
}

TEST(StoreWriter, BatchedWritesFromAnotherThread) {
  std::string path = temp_db("w.db");
  {
    auto s = Store::open(path);
    ASSERT_TRUE(s);
    StoreWriter w(std::move(*s), 1u << 20, 512);
    for (int i = 0; i < 20000; ++i) {
      ASSERT_TRUE(
          w.push(deny("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), i)));
    }
    w.push(StateChange{1, 99, "revoked", "by admin"});
    w.push(StateChange{999999, 99, "revoked", "no such decision"});  // refused, counted
    w.flush();
    EXPECT_EQ(w.written(), 20001u);
    EXPECT_EQ(w.failed(), 1u);
    EXPECT_EQ(w.dropped(), 0u);
    EXPECT_NE(w.last_error().find("999999"), std::string::npos);
  }
  auto s = Store::open(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(*(*s)->count("decisions"), 20000);
  EXPECT_EQ((*s)->decisions("revoked")->size(), 1u);
}

TEST(StoreWriter, AFullQueueDropsAndCounts) {
  auto s = Store::open(temp_db("full.db"));
  ASSERT_TRUE(s);
  StoreWriter w(std::move(*s), 4, 1);
  std::uint64_t accepted = 0, refused = 0;
  for (int i = 0; i < 2000; ++i) (w.push(deny("192.0.2.1", i)) ? accepted : refused) += 1;
  w.flush();
  EXPECT_EQ(w.written(), accepted);
  EXPECT_EQ(w.dropped(), refused);
  EXPECT_EQ(accepted + refused, 2000u);
}

}  // namespace
}  // namespace bannin::store
