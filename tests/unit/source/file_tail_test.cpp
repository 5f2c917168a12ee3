// FileTail on real files: partial lines, rotation by rename with a writer still appending to
// the old file, copytruncate, restart from a checkpoint (also after a rotation while down),
// and a missing file. Every case checks that each line arrives exactly once, in order.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <bannin/source/file_tail.h>

namespace bannin::source {
namespace {

namespace fs = std::filesystem;

struct Dir {
  fs::path p;
  Dir() {
    p = fs::path(::testing::TempDir()) / ("tail-" + std::to_string(::getpid()) + "-" +
                                          std::to_string(counter()++));
    fs::remove_all(p);
    fs::create_directories(p);
  }
  ~Dir() { fs::remove_all(p); }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

// An appending writer holding its fd, like a daemon writing its log.
struct Writer {
  int fd;
  explicit Writer(const fs::path& p) : fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644)) {}
  ~Writer() { ::close(fd); }
  void write(const std::string& s) { ASSERT_EQ(::write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size())); }
};

std::vector<std::string> poll_all(FileTail& t) {
  std::vector<std::string> got;
  t.poll([&](const model::Record& r) { got.emplace_back(r.bytes); });
  return got;
}

std::string lines(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) s += "line " + std::to_string(i) + " " + std::string(40, 'x') + "\n";
  return s;
}

std::vector<std::string> expect(int from, int to) {
  std::vector<std::string> v;
  for (int i = from; i < to; ++i) v.push_back("line " + std::to_string(i) + " " + std::string(40, 'x'));
  return v;
}

TEST(FileTail, CompleteLinesOnlyAcrossPartialWrites) {
  Dir d;
  Writer w(d.p / "a.log");
  FileTail t((d.p / "a.log").string());
  w.write("first li");
  EXPECT_TRUE(poll_all(t).empty());
  w.write("ne\nsecond");
  EXPECT_EQ(poll_all(t), (std::vector<std::string>{"first line"}));
  w.write(" line\n");
  EXPECT_EQ(poll_all(t), (std::vector<std::string>{"second line"}));
  EXPECT_EQ(t.checkpoint().offset, 23u);
}

TEST(FileTail, RenameRotationWithLateWritesToTheOldFile) {
  Dir d;
  auto path = d.p / "a.log";
  auto old_writer = std::make_unique<Writer>(path);
  FileTail t(path.string());
  old_writer->write(lines(0, 10));
  EXPECT_EQ(poll_all(t), expect(0, 10));
  fs::rename(path, d.p / "a.log.1");
  old_writer->write(lines(10, 15));  // the daemon has not reopened yet
  Writer new_writer(path);
  new_writer.write(lines(15, 20));
  old_writer.reset();
  std::vector<std::string> got = poll_all(t);
  EXPECT_EQ(got, expect(10, 20));
  EXPECT_EQ(t.rotations(), 1u);
  new_writer.write(lines(20, 22));
  EXPECT_EQ(poll_all(t), expect(20, 22));
}

// The writer keeps appending to the renamed file after bannin has switched to the new one
// (rsyslog before its HUP): those lines still arrive, during the grace period.
TEST(FileTail, LateWritesAfterTheSwitchAreNotLost) {
  Dir d;
  auto path = d.p / "a.log";
  auto old_writer = std::make_unique<Writer>(path);
  FileTail t(path.string());
  old_writer->write(lines(0, 3));
  EXPECT_EQ(poll_all(t), expect(0, 3));
  fs::rename(path, d.p / "a.log.1");
  Writer new_writer(path);
  new_writer.write(lines(100, 102));
  EXPECT_EQ(poll_all(t), expect(100, 102));  // switched
  old_writer->write(lines(3, 6));             // late, to the old file
  new_writer.write(lines(102, 103));
  std::vector<std::string> got = poll_all(t);
  std::vector<std::string> want = expect(3, 6);
  for (auto& l : expect(102, 103)) want.push_back(l);
  EXPECT_EQ(got, want);
  EXPECT_EQ(t.rotations(), 1u);
}

TEST(FileTail, CopyTruncate) {
  Dir d;
  auto path = d.p / "a.log";
  Writer w(path);
  FileTail t(path.string());
  w.write(lines(0, 10));
  EXPECT_EQ(poll_all(t), expect(0, 10));
  fs::copy_file(path, d.p / "a.log.1");
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  w.write(lines(10, 12));  // O_APPEND writes at the new end
  EXPECT_EQ(poll_all(t), expect(10, 12));
  EXPECT_EQ(t.truncations(), 1u);
}

TEST(FileTail, TruncatedAndRefilledBeforeThePoll) {
  Dir d;
  auto path = d.p / "a.log";
  Writer w(path);
  FileTail t(path.string());
  w.write(lines(0, 10));
  EXPECT_EQ(poll_all(t), expect(0, 10));
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  w.write(lines(100, 115));  // longer than before: only the head hash tells
  EXPECT_EQ(poll_all(t), expect(100, 115));
}

TEST(FileTail, RestartFromCheckpointNeitherLosesNorRepeats) {
  Dir d;
  auto path = d.p / "a.log";
  Writer w(path);
  w.write(lines(0, 10));
  Checkpoint cp;
  {
    FileTail t(path.string());
    EXPECT_EQ(poll_all(t), expect(0, 10));
    cp = t.checkpoint();
  }
  w.write(lines(10, 14));  // written while bannin is down
  FileTail t(path.string(), cp);
  EXPECT_EQ(poll_all(t), expect(10, 14));
}

TEST(FileTail, RotatedWhileDownIsFinishedFromPathDot1) {
  Dir d;
  auto path = d.p / "a.log";
  auto w = std::make_unique<Writer>(path);
  w->write(lines(0, 10));
  Checkpoint cp;
  {
    FileTail t(path.string());
    EXPECT_EQ(poll_all(t), expect(0, 10));
    cp = t.checkpoint();
  }
  w->write(lines(10, 13));  // down: more lines, then logrotate renames
  fs::rename(path, d.p / "a.log.1");
  w = std::make_unique<Writer>(path);
  w->write(lines(13, 16));
  FileTail t(path.string(), cp);
  EXPECT_EQ(poll_all(t), expect(10, 16));
}

TEST(FileTail, ReplacedWhileDownStartsOver) {
  Dir d;
  auto path = d.p / "a.log";
  Checkpoint cp;
  {
    Writer w(path);
    w.write(lines(0, 10));
    FileTail t(path.string());
    poll_all(t);
    cp = t.checkpoint();
  }
  fs::remove(path);
  Writer w(path);
  w.write(lines(50, 52));
  FileTail t(path.string(), cp);
  EXPECT_EQ(poll_all(t), expect(50, 52));
}

TEST(FileTail, MissingFileIsPickedUpWhenItAppears) {
  Dir d;
  auto path = d.p / "later.log";
  FileTail t(path.string());
  EXPECT_TRUE(poll_all(t).empty());
  EXPECT_TRUE(t.missing());
  Writer w(path);
  w.write(lines(0, 3));
  EXPECT_EQ(poll_all(t), expect(0, 3));
  EXPECT_FALSE(t.missing());
}

// 200 rotations, alternating rename and copytruncate, with writes before and after each and
// polls at irregular points: every line exactly once, in order.
TEST(FileTail, ManyRotationsUnderLoad) {
  Dir d;
  auto path = d.p / "a.log";
  auto w = std::make_unique<Writer>(path);
  FileTail t(path.string());
  std::vector<std::string> got;
  auto poll = [&] { t.poll([&](const model::Record& r) { got.emplace_back(r.bytes); }); };
  int next = 0;
  for (int round = 0; round < 200; ++round) {
    w->write(lines(next, next + 7));
    next += 7;
    if (round % 3 == 0) poll();
    if (round % 2 == 0) {
      fs::rename(path, d.p / "a.log.1");
      w->write(lines(next, next + 2));  // late writes to the renamed file
      next += 2;
      poll();  // the old file must be finished before the new one exists
      w = std::make_unique<Writer>(path);
    } else {
      poll();  // copytruncate loses what was not read yet, as for every tailer: read first
      fs::copy_file(path, d.p / "a.log.1", fs::copy_options::overwrite_existing);
      ASSERT_EQ(::truncate(path.c_str(), 0), 0);
    }
  }
  w->write(lines(next, next + 5));
  next += 5;
  poll();
  EXPECT_EQ(got, expect(0, next));
}

// A poll delivers at most max_lines; the rest comes with the next polls, in order.
TEST(FileTail, BudgetedPollsDeliverEverythingInOrder) {
  Dir d;
  auto path = d.p / "a.log";
  Writer w(path);
  w.write(lines(0, 1000));
  FileTail t(path.string());
  std::vector<std::string> got;
  int polls = 0;
  do {
    std::size_t n = t.poll([&](const model::Record& r) { got.emplace_back(r.bytes); }, 7);
    ASSERT_LE(n, 7u);
    ++polls;
  } while (t.more());
  EXPECT_EQ(got, expect(0, 1000));
  EXPECT_EQ(polls, 143);  // 142 full polls of 7, then 6 lines
}

// The daemon's pattern: small polls, and a "crash" (a new FileTail from the last checkpoint)
// every few polls, across rename rotations. Every line exactly once, in order.
TEST(FileTail, BudgetedPollsWithRestartsAcrossRotation) {
  Dir d;
  auto path = d.p / "a.log";
  auto w = std::make_unique<Writer>(path);
  auto t = std::make_unique<FileTail>(path.string());
  std::vector<std::string> got;
  int next = 0;
  for (int round = 0; round < 30; ++round) {
    w->write(lines(next, next + 25));
    next += 25;
    if (round % 5 == 4) {
      fs::rename(path, d.p / "a.log.1");
      w = std::make_unique<Writer>(path);
    }
    // 10 polls of 3 lines keep up with 25 lines a round; a restart may fall mid-file, mid-
    // rotation (the rest of the renamed file is found as a.log.1) or mid-line.
    for (int k = 0; k < 10; ++k) {
      t->poll([&](const model::Record& r) { got.emplace_back(r.bytes); }, 3);
    }
    if (round % 2 == 1) t = std::make_unique<FileTail>(path.string(), t->checkpoint());
  }
  do {
    t->poll([&](const model::Record& r) { got.emplace_back(r.bytes); }, 3);
  } while (t->more());
  t->poll([&](const model::Record& r) { got.emplace_back(r.bytes); });
  EXPECT_EQ(got, expect(0, next));
}

// `tail -f` start: only lines written after the checkpoint; a partial last line is read
// whole once finished.
TEST(FileTail, CheckpointAtEndSkipsHistory) {
  Dir d;
  auto path = d.p / "a.log";
  Writer w(path);
  w.write("old 1\nold 2\npart");
  auto cp = FileTail::checkpoint_at_end(path.string());
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(cp->offset, 12u);
  FileTail t(path.string(), cp);
  EXPECT_TRUE(poll_all(t).empty());
  w.write("ial\nnew\n");
  EXPECT_EQ(poll_all(t), (std::vector<std::string>{"partial", "new"}));
  EXPECT_FALSE(FileTail::checkpoint_at_end((d.p / "missing.log").string()).has_value());
}

}  // namespace
}  // namespace bannin::source
