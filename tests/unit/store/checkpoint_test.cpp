// Source checkpoints in the store: upsert and load on a real file, full 64-bit values, and
// rows damaged by hand with sqlite3 (NULLs, wrong types, a negative offset, a head hash that
// is not a number): each is reported with its row and source and skipped, the good rows
// still load.
#include <limits>

#include <gtest/gtest.h>

#include <bannin/store/store.h>

#include "store_test_util.h"

namespace bannin::store {
namespace {

using testing::raw_sql;
using testing::temp_db;

CheckpointRow cp(const std::string& source, std::uint64_t offset) {
  return CheckpointRow{
      source, 2049, 131077, offset, 0x9E3779B97F4A7C15ULL, 1700000000LL * core::kNsPerSec};
}

TEST(Checkpoints, SaveIsAnUpsertAndLoadReturnsThemBySource) {
  std::string path = temp_db("cp.db");
  {
    auto s = Store::open(path);
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->save_checkpoint(cp("/var/log/nginx/access.log", 100)));
    ASSERT_TRUE((*s)->save_checkpoint(cp("/var/log/mail.log", 7)));
    CheckpointRow moved = cp("/var/log/nginx/access.log", 4096);
    moved.inode = 99;
    moved.updated_ts += 5;
    ASSERT_TRUE((*s)->save_checkpoint(moved));
    // Every bit of the 64-bit values survives.
    CheckpointRow big{"/big",
                      std::numeric_limits<std::uint64_t>::max(),
                      1ULL << 63,
                      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()),
                      std::numeric_limits<std::uint64_t>::max(),
                      1};
    ASSERT_TRUE((*s)->save_checkpoint(big));
  }
  auto s = Store::open(path);
  ASSERT_TRUE(s);
  auto load = (*s)->load_checkpoints();
  ASSERT_TRUE(load) << load.error().message;
  EXPECT_TRUE(load->problems.empty());
  ASSERT_EQ(load->rows.size(), 3u);
  EXPECT_EQ(load->rows[0].source, "/big");
  EXPECT_EQ(load->rows[0].device, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(load->rows[0].inode, 1ULL << 63);
  EXPECT_EQ(load->rows[0].head_hash, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(load->rows[1], cp("/var/log/mail.log", 7));
  EXPECT_EQ(load->rows[2].offset, 4096u);
  EXPECT_EQ(load->rows[2].inode, 99u);
  EXPECT_EQ(*(*s)->count("checkpoints"), 3);
}

TEST(Checkpoints, RefusesRowsItCouldNotReadBack) {
  auto s = Store::open(temp_db("cp_bad.db"));
  ASSERT_TRUE(s);
  auto empty = (*s)->save_checkpoint(cp("", 1));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, "bad_checkpoint");
  auto huge = (*s)->save_checkpoint(cp("/x", 1ULL << 63));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, "bad_checkpoint");
  EXPECT_NE(huge.error().message.find("/x"), std::string::npos);
}

TEST(Checkpoints, CorruptRowsAreReportedWithTheirLocationAndSkipped) {
  std::string path = temp_db("cp_corrupt.db");
  {
    auto s = Store::open(path);
    ASSERT_TRUE(s);
    for (const char* src : {"/a", "/b", "/c", "/d", "/e", "/f"}) {
      ASSERT_TRUE((*s)->save_checkpoint(cp(src, 10)));
    }
  }
  // What an operator (or a bad disk) can do with sqlite3 on the file.
  raw_sql(path,
          "UPDATE checkpoints SET offset_bytes = -5 WHERE source = '/b';"
          "UPDATE checkpoints SET head_hash = 'zz' WHERE source = '/c';"
          "UPDATE checkpoints SET device = 'abc' WHERE source = '/d';"
          "UPDATE checkpoints SET offset_bytes = 1.5, head_hash = '-3' WHERE source = '/e';"
          // A primary key of type TEXT may be NULL in SQLite.
          "INSERT INTO checkpoints VALUES (NULL, 1, 2, 3, '4', 5);");
  // NULLs in NOT NULL columns: the table rebuilt by hand without its constraints.
  raw_sql(path,
          "ALTER TABLE checkpoints RENAME TO checkpoints_old;"
          "CREATE TABLE checkpoints (source TEXT PRIMARY KEY, device BIGINT, inode BIGINT,"
          " offset_bytes BIGINT, head_hash TEXT, updated_ns BIGINT);"
          "INSERT INTO checkpoints SELECT * FROM checkpoints_old;"
          "DROP TABLE checkpoints_old;"
          "UPDATE checkpoints SET inode = NULL, head_hash = NULL WHERE source = '/f';");
  auto s = Store::open(path);
  ASSERT_TRUE(s) << s.error().message;
  auto load = (*s)->load_checkpoints();
  ASSERT_TRUE(load) << load.error().message;
  ASSERT_EQ(load->rows.size(), 1u);
  EXPECT_EQ(load->rows[0], cp("/a", 10));
  ASSERT_EQ(load->problems.size(), 6u);
  std::string all;
  for (const auto& p : load->problems) {
    EXPECT_GT(p.row, 0);
    EXPECT_NE(p.message.find("checkpoints row " + std::to_string(p.row)), std::string::npos);
    all += p.message + "\n";
  }
  auto has = [&](const std::string& want) {
    EXPECT_NE(all.find(want), std::string::npos) << "missing: " << want << "\nin:\n" << all;
  };
  has("source is NULL");
  has("(source \"/b\"): offset_bytes is negative (-5)");
  has("(source \"/c\"): head_hash is not a number (\"zz\")");
  has("(source \"/d\"): device is not an integer (\"abc\")");
  has("(source \"/e\"): offset_bytes is not an integer (\"1.5\"); head_hash is not a number "
      "(\"-3\")");
  has("(source \"/f\"): inode is NULL; head_hash is NULL");
  // The good row can still be updated next to the bad ones.
  ASSERT_TRUE((*s)->save_checkpoint(cp("/a", 20)));
  ASSERT_TRUE((*s)->save_checkpoint(cp("/b", 30)));  // an upsert repairs a bad row
  auto again = (*s)->load_checkpoints();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->rows.size(), 2u);
  EXPECT_EQ(again->problems.size(), 5u);
}

// The journal's resume point is a cursor: its own table (migration 4), upserted like a file's
// checkpoint and loaded beside them; a damaged cursor row is reported and skipped.
TEST(Checkpoints, JournalCursorIsSavedAndLoadedBesideFileCheckpoints) {
  std::string path = temp_db("cp_cursor.db");
  const std::string c1 = "s=0123456789abcdef;i=1a;b=fedcba;m=2f;t=5b1;x=77";
  const std::string c2 = "s=0123456789abcdef;i=1b;b=fedcba;m=30;t=5b2;x=78";
  {
    auto s = Store::open(path);
    ASSERT_TRUE(s);
    EXPECT_GE((*s)->schema_version(), 4);  // 4 added the cursors
    ASSERT_TRUE((*s)->save_checkpoint(cp("/var/log/mail.log", 7)));
    CheckpointRow j;
    j.source = "journald";
    j.cursor = c1;
    j.updated_ts = 5;
    ASSERT_TRUE((*s)->save_checkpoint(j));
    j.cursor = c2;  // the next batch
    j.updated_ts = 6;
    ASSERT_TRUE((*s)->save_checkpoint(j));
    EXPECT_EQ(*(*s)->count("checkpoints"), 1);  // no file row for the journal
  }
  auto s = Store::open(path);
  ASSERT_TRUE(s);
  auto load = (*s)->load_checkpoints();
  ASSERT_TRUE(load) << load.error().message;
  ASSERT_EQ(load->rows.size(), 2u);
  EXPECT_EQ(load->rows[0], cp("/var/log/mail.log", 7));
  EXPECT_EQ(load->rows[1].source, "journald");
  EXPECT_EQ(load->rows[1].cursor, c2);
  EXPECT_EQ(load->rows[1].updated_ts, 6);
  EXPECT_TRUE(load->problems.empty());
  raw_sql(path, "UPDATE source_cursors SET cursor = '' WHERE source = 'journald';");
  auto bad = (*s)->load_checkpoints();
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->rows.size(), 1u);
  ASSERT_EQ(bad->problems.size(), 1u);
  EXPECT_NE(bad->problems[0].message.find("source_cursors row 1 (source \"journald\"): cursor"),
            std::string::npos)
      << bad->problems[0].message;
}

}  // namespace
}  // namespace bannin::store
