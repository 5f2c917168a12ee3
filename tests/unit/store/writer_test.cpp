// StoreWriter beyond batching: the new item kinds, commit_at_checkpoints (rows and the
// checkpoint past their lines in one transaction, seen from a second connection and across
// kill -9 of a real child process), a real SQLITE_FULL (max_page_count) with rollback,
// retry with backoff and recovery without losing an accepted item, push_wait, and a flush
// and a shutdown that do not hang on a full disk.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bannin/store/store.h>

#include "store_test_util.h"

namespace bannin::store {
namespace {

using namespace std::chrono_literals;
using testing::deny;
using testing::raw_count;
using testing::temp_db;

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

FindingRow finding(int line, std::size_t evidence_bytes = 16) {
  return FindingRow{line * core::kNsPerSec,
                    "line " + std::to_string(line),
                    "{}",
                    "{}",
                    {std::string(evidence_bytes, 'x')}};
}

TEST(StoreWriter, WritesEveryItemKind) {
  std::string path = temp_db("kinds.db");
  {
    auto s = Store::open(path);
    ASSERT_TRUE(s);
    StoreWriter w(std::move(*s));
    DecisionRow d = deny("192.0.2.1", 0);
    d.id = 10;  // chosen by the caller, so the items below can refer to it
    ASSERT_TRUE(w.push(d));
    ASSERT_TRUE(w.push(StateChange{10, 1, "active", "applied"}));
    ASSERT_TRUE(w.push(ActionRow{10, 1, "nftables", "applied", "v4_addr"}));
    ASSERT_TRUE(w.push(ActionRow{11, 1, "nftables", "applied", ""}));  // no decision 11
    ASSERT_TRUE(w.push(CheckpointRow{"/var/log/a.log", 1, 2, 300, 4, 5}));
    ASSERT_TRUE(w.push(finding(1)));
    w.flush();
    EXPECT_EQ(w.written(), 5u);
    EXPECT_EQ(w.failed(), 1u);
    EXPECT_TRUE(w.healthy());
    EXPECT_NE(w.last_error().find("decision 11"), std::string::npos) << w.last_error();
    EXPECT_EQ(w.depth(), 0u);
  }
  auto s = Store::open(path);
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->decision(10)->state, "active");
  EXPECT_EQ((*s)->actions(10)->size(), 1u);
  EXPECT_EQ((*s)->load_checkpoints()->rows.at(0).offset, 300u);
  EXPECT_EQ(*(*s)->count("findings"), 1);
}

TEST(StoreWriter, CommitsOnlyRightAfterACheckpoint) {
  std::string path = temp_db("cpmode.db");
  auto s = Store::open(path);
  ASSERT_TRUE(s);
  WriterOptions o;
  o.commit_at_checkpoints = true;
  auto w = std::make_unique<StoreWriter>(std::move(*s), o);
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(w->push(finding(i)));
  // Without a checkpoint nothing is committed, however long we wait.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(raw_count(path, "SELECT COUNT(*) FROM findings;"), 0);
  EXPECT_EQ(w->depth(), 5u);
  ASSERT_TRUE(w->push(CheckpointRow{"/log", 1, 1, 5, 0, 1}));
  for (int i = 6; i <= 8; ++i) ASSERT_TRUE(w->push(finding(i)));
  // The checkpoint and the five rows before it become visible together; the three after it
  // wait for the next checkpoint.
  ASSERT_TRUE(
      eventually([&] { return raw_count(path, "SELECT COUNT(*) FROM checkpoints;") == 1; }));
  EXPECT_EQ(raw_count(path, "SELECT COUNT(*) FROM findings;"), 5);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(raw_count(path, "SELECT COUNT(*) FROM findings;"), 5);
  EXPECT_EQ(w->depth(), 3u);
  EXPECT_EQ(w->commits(), 1u);
  // flush() commits what is pending even without a checkpoint.
  w->flush();
  EXPECT_EQ(raw_count(path, "SELECT COUNT(*) FROM findings;"), 8);
  ASSERT_TRUE(w->push(finding(9)));
  w.reset();  // destruction commits the rest
  EXPECT_EQ(raw_count(path, "SELECT COUNT(*) FROM findings;"), 9);
}

TEST(StoreWriter, CheckpointModeCommitsEarlyRatherThanDeadlockWhenFull) {
  std::string path = temp_db("early.db");
  auto s = Store::open(path);
  ASSERT_TRUE(s);
  WriterOptions o;
  o.commit_at_checkpoints = true;
  o.capacity = 8;
  StoreWriter w(std::move(*s), o);
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE(w.push_wait(finding(i), 5s)) << i;
  w.flush();
  EXPECT_EQ(w.written(), 20u);
  EXPECT_GE(w.early_commits(), 2u);
  EXPECT_EQ(w.dropped(), 0u);
}

// The real thing: disk full (SQLITE_FULL from max_page_count), retried with backoff while
// pushes are accepted up to capacity; when room comes back every accepted item is written.
TEST(StoreWriter, DiskFullRollsBackRetriesAndRecoversWithoutLoss) {
  std::string path = temp_db("diskfull.db");
  auto s = Store::open(path);
  ASSERT_TRUE(s);
  WriterOptions o;
  o.capacity = 64;
  o.batch = 8;
  o.retry_initial = 10ms;
  o.retry_max = 40ms;
  StoreWriter w(std::move(*s), o);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(w.push(deny("192.0.2." + std::to_string(i), i)));
  w.flush();
  ASSERT_EQ(w.written(), 5u);
  ASSERT_TRUE(w.healthy());

  w.set_size_limit(1);  // the file is "full" at its current size
  std::uint64_t accepted = 0;
  for (int i = 0; i < 200; ++i) {
    if (w.push(finding(i, 6000))) ++accepted;  // bigger than a page: never fits in free space
  }
  EXPECT_EQ(accepted, 64u);  // up to capacity, then dropped and counted
  EXPECT_EQ(w.dropped(), 200u - 64u);
  ASSERT_TRUE(eventually([&] { return !w.healthy(); }));
  EXPECT_NE(w.last_error().find("full"), std::string::npos) << w.last_error();
  EXPECT_EQ(w.depth(), 64u);
  ASSERT_TRUE(eventually([&] { return w.retries() >= 3; })) << "no retry with backoff";
  EXPECT_EQ(raw_count(path, "SELECT COUNT(*) FROM findings;"), 0);  // rolled back, not partial
  EXPECT_FALSE(w.flush_for(50ms));
  EXPECT_FALSE(w.flush());  // returns after one more failed attempt instead of hanging

  // push_wait gives up after its limit and counts the drop.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(w.push_wait(finding(999), 60ms));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 60ms);
  EXPECT_EQ(w.dropped(), 200u - 64u + 1u);

  w.set_size_limit(0);  // room again
  ASSERT_TRUE(w.flush_for(10s));
  EXPECT_TRUE(w.healthy());
  EXPECT_EQ(w.written(), 5u + 64u);
  EXPECT_EQ(w.failed(), 0u);
  EXPECT_EQ(w.depth(), 0u);
  EXPECT_EQ(raw_count(path, "SELECT COUNT(*) FROM findings;"), 64);
  EXPECT_EQ(raw_count(path, "SELECT COUNT(*) FROM evidence;"), 64);
}

TEST(StoreWriter, PushWaitWaitsForRoom) {
  auto s = Store::open(temp_db("pushwait.db"));
  ASSERT_TRUE(s);
  StoreWriter w(std::move(*s), 2, 1);
  EXPECT_EQ(w.capacity(), 2u);
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(w.push_wait(finding(i), 10s)) << i;
  w.flush();
  EXPECT_EQ(w.written(), 300u);
  EXPECT_EQ(w.dropped(), 0u);
}

TEST(StoreWriter, FlushAndShutdownOnAFullDiskDoNotHang) {
  std::string path = temp_db("shutdown.db");
  auto s = Store::open(path);
  ASSERT_TRUE(s);
  auto w = std::make_unique<StoreWriter>(std::move(*s));  // default backoff: 1 s .. 30 s
  w->set_size_limit(1);
  ASSERT_TRUE(w->push(finding(1, 64 * 1024)));
  ASSERT_TRUE(eventually([&] { return !w->healthy(); }));
  // flush() does not wait out the backoff (1 s, then 2 s, …): it retries at once and says no.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(w->flush());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 900ms);
  EXPECT_EQ(w->depth(), 1u);
  t0 = std::chrono::steady_clock::now();
  w.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(raw_count(path, "SELECT COUNT(*) FROM findings;"), 0);
}

// kill -9 of a process writing in checkpoint mode: whatever moment it dies, the stored
// checkpoint says exactly how many lines have their rows stored. A second run resumes from
// it, so no line is lost and none is stored twice.
void writer_child(const std::string& path, int from, int to, int ready_fd) {
  auto s = Store::open(path);
  if (!s) _exit(3);
  std::int64_t next = from;
  {
    auto load = (*s)->load_checkpoints();
    if (!load) _exit(4);
    for (const auto& c : load->rows) next = static_cast<std::int64_t>(c.offset) + 1;
  }
  WriterOptions o;
  o.commit_at_checkpoints = true;
  StoreWriter w(std::move(*s), o);
  bool told = false;
  for (std::int64_t line = next; to == 0 || line <= to; ++line) {
    (void)w.push_wait(finding(static_cast<int>(line)), 10s);
    if (line % 7 == 0 || line == to) {
      (void)w.push_wait(CheckpointRow{"/log", 1, 1, static_cast<std::uint64_t>(line), 0, line},
                        10s);
      if (!told && ready_fd >= 0 && w.commits() > 0) {
        told = true;
        (void)!write(ready_fd, "r", 1);
      }
    }
  }
  w.flush();
  _exit(0);
}

TEST(StoreWriter, KillDashNineNeitherLosesNorRepeatsALine) {
  std::string path = temp_db("kill9.db");
  { ASSERT_TRUE(Store::open(path)); }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    writer_child(path, 1, 0, fds[1]);
  }
  close(fds[1]);
  char c = 0;
  ASSERT_EQ(read(fds[0], &c, 1), 1);  // the child has committed at least once
  close(fds[0]);
  std::this_thread::sleep_for(150ms);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));

  std::int64_t offset = 0;
  {
    auto s = Store::open(path);
    ASSERT_TRUE(s);
    auto load = (*s)->load_checkpoints();
    ASSERT_TRUE(load);
    ASSERT_EQ(load->rows.size(), 1u);
    offset = static_cast<std::int64_t>(load->rows[0].offset);
  }
  ASSERT_GT(offset, 0);
  EXPECT_EQ(raw_count(path, "SELECT COUNT(*) FROM findings;"), offset);
  EXPECT_EQ(raw_count(path, "SELECT COUNT(DISTINCT rule) FROM findings;"), offset);

  // Restart: resume after the checkpoint and finish at offset + 50.
  std::int64_t end = offset + 50;
  pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) writer_child(path, 1, static_cast<int>(end), -1);
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(raw_count(path, "SELECT COUNT(*) FROM findings;"), end);
  EXPECT_EQ(raw_count(path, "SELECT COUNT(DISTINCT rule) FROM findings;"), end);
  EXPECT_EQ(raw_count(path, "SELECT offset_bytes FROM checkpoints;"), end);
}

}  // namespace
}  // namespace bannin::store
