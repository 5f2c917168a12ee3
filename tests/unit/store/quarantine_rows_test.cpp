// The quarantine tables (migration 8, store/quarantine_rows.cpp): entries, their one-way
// state change with its audit row, and the process probe's actions.
#include <gtest/gtest.h>

#include "store_test_util.h"

namespace bannin::store {
namespace {

QuarantineRow row(const std::string& path, core::TimeNs ts) {
  QuarantineRow q;
  q.ts = ts;
  q.path = path;
  q.stored_path = path;
  q.method = "chmod";
  q.old_mode = 0644;
  q.uid = 1001;
  q.gid = 1001;
  q.size = 42;
  q.mtime = ts - 1000;
  q.sha256 = std::string(64, 'a');
  q.reason = "yara:bannin_test_webshell";
  q.origin = "files.planted.strong";
  return q;
}

TEST(QuarantineRows, AddListEndAndAudit) {
  auto s = Store::open(testing::temp_db("quarantine_rows"));
  ASSERT_TRUE(s) << s.error().message;
  Store& st = **s;
  auto a = st.add_quarantine(row("/w/a.php", 100), "rule files.planted.strong");
  auto b = st.add_quarantine(row("/w/b.php", 200), "person root");
  ASSERT_TRUE(a && b);
  EXPECT_LT(*a, *b);
  auto all = st.quarantines();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].path, "/w/b.php");  // newest first
  EXPECT_EQ((*all)[1].old_mode, 0644);
  EXPECT_EQ((*all)[1].state, "quarantined");
  EXPECT_EQ(st.last_quarantine("/w/a.php")->id, *a);
  EXPECT_EQ(st.last_quarantine("/w/none.php").error().code, "not_found");
  EXPECT_EQ(st.quarantine(999).error().code, "not_found");

  ASSERT_TRUE(st.end_quarantine(*a, "restored", 300, "person alice", "mode 0644"));
  auto again = st.end_quarantine(*a, "purged", 400, "person alice", "");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "bad_transition");
  EXPECT_EQ(st.end_quarantine(*b, "gone", 400, "x", "").error().code, "bad_state");
  EXPECT_EQ(st.quarantine(*a)->state, "restored");
  EXPECT_EQ(st.quarantine(*a)->state_ts, 300);
  EXPECT_EQ(st.quarantines("quarantined")->size(), 1u);

  auto h = st.quarantine_events(*a);
  ASSERT_TRUE(h);
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].action, "quarantine");
  EXPECT_EQ((*h)[0].actor, "rule files.planted.strong");
  EXPECT_EQ((*h)[1].action, "restore");
  EXPECT_EQ((*h)[1].actor, "person alice");
  ASSERT_TRUE(
      st.add_quarantine_event({0, 500, "quarantine", "refused", "rule r", "/w/c.php", "x"}));
  EXPECT_EQ(st.quarantine_events()->size(), 4u);
}

TEST(QuarantineRows, ProcessActions) {
  auto s = Store::open(testing::temp_db("process_actions"));
  ASSERT_TRUE(s);
  ProcessActionRow p;
  p.ts = 10;
  p.pid = 4242;
  p.uid = 1001;
  p.start_ticks = 777;
  p.account = "shop1";
  p.exe = "/tmp/x (deleted)";
  p.action = "stop";
  p.result = "ok";
  p.actor = "processes.action";
  ASSERT_TRUE((*s)->add_process_action(p));
  p.action = "cont";
  p.ts = 20;
  ASSERT_TRUE((*s)->add_process_action(p));
  auto rows = (*s)->process_actions();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].action, "cont");
  EXPECT_EQ((*rows)[1].start_ticks, 777);
}

}  // namespace
}  // namespace bannin::store
