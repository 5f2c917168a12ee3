// The store's schema after every migration, compared with a snapshot taken before the
// migrations moved out of store.cpp into bannin/store/migrations/NNN_*.sql
// (tests/fixtures/store/schema_by_version.txt). A migration that has shipped must never change:
// an edit to one of the .sql files, a migration dropped, reordered or inserted shows here as a
// difference in sqlite_master (every table's and index's SQL as SQLite keeps it) or in
// PRAGMA user_version. A new migration appends a section to the snapshot (see the message).
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <bannin/store/store.h>

#include "store_test_util.h"

namespace bannin::store {
namespace {

// Every schema object of the file, sorted, one per line, after a header naming the version.
std::string schema_dump(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::string out;
  sqlite3_stmt* v = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version;", -1, &v, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(v), SQLITE_ROW);
  out += "== PRAGMA user_version = " + std::to_string(sqlite3_column_int64(v, 0)) + "\n";
  sqlite3_finalize(v);
  sqlite3_stmt* q = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db,
                               "SELECT type, name, tbl_name, sql FROM sqlite_master"
                               " ORDER BY type, name;",
                               -1, &q, nullptr),
            SQLITE_OK);
  auto text = [&](int c) {
    const auto* p = sqlite3_column_text(q, c);
    return p != nullptr ? std::string(reinterpret_cast<const char*>(p)) : std::string("(none)");
  };
  while (sqlite3_step(q) == SQLITE_ROW) {
    out += text(0) + " " + text(1) + " on " + text(2) + ":\n" + text(3) + "\n";
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  return out;
}

TEST(StoreSchema, EveryMigrationMatchesTheSnapshot) {
  std::string actual;
  for (int version = 1; version <= kSchemaVersion; ++version) {
    const std::string path = testing::temp_db("schema_v" + std::to_string(version));
    {
      OpenOptions o;
      o.migrate_to = version;
      auto s = Store::open(path, o);
      ASSERT_TRUE(s) << s.error().message;
      ASSERT_EQ((*s)->schema_version(), version);
    }
    actual += schema_dump(path);
  }
  const std::string fixture = std::string(BANNIN_FIXTURES) + "/store/schema_by_version.txt";
  std::ifstream in(fixture, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << fixture;
  std::stringstream expected;
  expected << in.rdbuf();
  if (actual != expected.str()) {
    // Kept where BANNIN_SCHEMA_ACTUAL says (the test's temporary directory is removed).
    const char* keep = std::getenv("BANNIN_SCHEMA_ACTUAL");
    const std::string written = keep != nullptr && *keep != '\0'
                                    ? std::string(keep)
                                    : ::testing::TempDir() + "schema_by_version.actual.txt";
    std::ofstream(written, std::ios::binary) << actual;
    FAIL() << "the store's schema differs from " << fixture << " (this build's is in " << written
           << ", or where BANNIN_SCHEMA_ACTUAL names; diff the two). A shipped migration must not "
              "change; a new one appends its "
              "section to the snapshot.";
  }
}

TEST(StoreSchema, AFreshStoreIsAtTheLatestVersion) {
  const std::string path = testing::temp_db("schema_latest");
  auto s = Store::open(path);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ((*s)->schema_version(), kSchemaVersion);
  EXPECT_EQ(testing::raw_count(path, "PRAGMA user_version;"), kSchemaVersion);
}

}  // namespace
}  // namespace bannin::store
