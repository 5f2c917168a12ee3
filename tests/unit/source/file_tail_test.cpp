// FileTail on real files: partial lines, rotation by rename with a writer still appending to
// the old file, copytruncate (the unread rest from logrotate's copy, the bytes lost between
// copy and truncation counted), compressed generations (gzip run as logrotate runs it),
// restart from a checkpoint (also after a rotation, compression or copytruncate while down),
// and a missing file. Every case checks that each line arrives exactly once, in order.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bannin/source/file_tail.h>

namespace bannin::source {
namespace {

namespace fs = std::filesystem;

struct Dir {
  fs::path p;
  Dir() {
    p = fs::path(::testing::TempDir()) /
        ("tail-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
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
  void write(const std::string& s) {
    ASSERT_EQ(::write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }
};

std::vector<std::string> poll_all(FileTail& t) {
  std::vector<std::string> got;
  t.poll([&](const model::Record& r) { got.emplace_back(r.bytes); });
  return got;
}

// `polls` polls in a row (a switch to each missed generation takes one), everything they read.
std::vector<std::string> poll_n(FileTail& t, int polls) {
  std::vector<std::string> got;
  for (int i = 0; i < polls; ++i) {
    for (auto& x : poll_all(t)) got.push_back(x);
  }
  return got;
}

std::string lines(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i)
    s += "line " + std::to_string(i) + " " + std::string(40, 'x') + "\n";
  return s;
}

// Where two line lists part (gtest prints only their first 32 elements).
std::string where_they_differ(const std::vector<std::string>& got,
                              const std::vector<std::string>& want) {
  std::size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  return "got " + std::to_string(got.size()) + " lines, want " + std::to_string(want.size()) +
         "; first difference at " + std::to_string(i) + ": got '" +
         (i < got.size() ? got[i].substr(0, 12) : "<end>") + "', want '" +
         (i < want.size() ? want[i].substr(0, 12) : "<end>") + "'";
}

std::vector<std::string> expect(int from, int to) {
  std::vector<std::string> v;
  for (int i = from; i < to; ++i)
    v.push_back("line " + std::to_string(i) + " " + std::string(40, 'x'));
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
  old_writer->write(lines(3, 6));            // late, to the old file
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

// Generations a few clock ticks apart, as real rotations are (seconds, at least): the order
// of missed generations comes from their file times, which the kernel keeps at its tick
// (4-10 ms); within one tick it falls back on heuristics that parallel tests can upset.
void tick() {
  std::this_thread::sleep_for(std::chrono::milliseconds(25));
}

// logrotate's default scheme: PATH.k -> PATH.(k+1), PATH -> PATH.1, a new PATH.
void rotate(const fs::path& path, std::unique_ptr<Writer>& w) {
  tick();
  for (int k = 8; k >= 1; --k) {
    fs::path from = path.string() + "." + std::to_string(k);
    if (fs::exists(from)) fs::rename(from, path.string() + "." + std::to_string(k + 1));
  }
  fs::rename(path, path.string() + ".1");
  w = std::make_unique<Writer>(path);
}

// A tail held back (no poll) across two and three renames reads every generation in between,
// oldest first: the middle files are found after the one it was reading (PATH.k).
TEST(FileTail, SeveralRenamesBetweenPollsReadEveryGeneration) {
  for (int renames : {2, 3}) {
    Dir d;
    auto path = d.p / "a.log";
    auto w = std::make_unique<Writer>(path);
    w->write(lines(0, 10));
    FileTail t(path.string());
    EXPECT_EQ(poll_all(t), expect(0, 10));
    int next = 10;
    for (int r = 0; r < renames; ++r) {
      w->write(lines(next, next + 7));
      next += 7;
      rotate(path, w);
    }
    w->write(lines(next, next + 5));
    next += 5;
    std::vector<std::string> got = poll_n(t, 4);
    EXPECT_EQ(got, expect(10, next)) << renames << " renames";
    EXPECT_EQ(t.rotations(), static_cast<std::uint64_t>(renames));
  }
}

// A scheme that counts up (PATH -> PATH.1, later PATH -> PATH.2, …): the file after the one
// left is not PATH.(k-1) here, and older generations (already read) are never read again.
TEST(FileTail, CountingUpNumberingReadsOnlyTheMissedGenerations) {
  Dir d;
  auto path = d.p / "a.log";
  auto w = std::make_unique<Writer>(path);
  FileTail t(path.string());
  std::vector<std::string> got;
  EXPECT_TRUE(poll_all(t).empty());  // opened (a tail follows from its first open)
  int next = 0, generation = 0;
  auto rotate_up = [&] {
    tick();
    fs::rename(path, path.string() + "." + std::to_string(++generation));
    w = std::make_unique<Writer>(path);
  };
  for (int round = 0; round < 6; ++round) {
    for (int r = 0; r < round % 3 + 1; ++r) {  // 1, 2 or 3 renames between polls
      w->write(lines(next, next + 6));
      next += 6;
      rotate_up();
    }
    w->write(lines(next, next + 4));
    next += 4;
    for (auto& x : poll_n(t, 5)) got.push_back(x);
  }
  EXPECT_EQ(got, expect(0, next)) << where_they_differ(got, expect(0, next));
}

// The inode of a deleted generation the tail knew (here PATH.1 from before it started,
// overwritten by a rename) is soon handed to the next new file: that file is still new, and
// it is read (the daemon's rotation test lost a middle generation this way).
TEST(FileTail, ANewFileOnAReusedInodeIsStillRead) {
  Dir d;
  auto path = d.p / "a.log";
  {
    Writer old(path.string() + ".1");
    old.write("from before bannin 1\nfrom before bannin 2\n");
  }
  auto w = std::make_unique<Writer>(path);
  FileTail t(path.string());
  EXPECT_TRUE(poll_all(t).empty());
  w->write(lines(0, 10));
  EXPECT_EQ(poll_all(t), expect(0, 10));
  w->write(lines(10, 20));
  tick();
  fs::rename(path, path.string() + ".1");  // the old a.log.1 is deleted: its inode is free
  w = std::make_unique<Writer>(path);      // and likely this file's
  w->write(lines(20, 25));
  tick();
  fs::rename(path.string() + ".1", path.string() + ".2");
  fs::rename(path, path.string() + ".1");
  w = std::make_unique<Writer>(path);
  w->write(lines(25, 30));
  std::vector<std::string> got = poll_n(t, 4);
  EXPECT_EQ(got, expect(10, 30)) << where_they_differ(got, expect(10, 30));
}

// The same with budgeted polls (the daemon's queue-bound reads): a switch can fall in the
// middle of a middle generation.
TEST(FileTail, SeveralRenamesWithBudgetedPolls) {
  Dir d;
  auto path = d.p / "a.log";
  auto w = std::make_unique<Writer>(path);
  FileTail t(path.string());
  std::vector<std::string> got;
  EXPECT_TRUE(poll_all(t).empty());  // opened (a tail follows from its first open)
  int next = 0;
  for (int round = 0; round < 12; ++round) {
    w->write(lines(next, next + 20));
    next += 20;
    if (round % 3 != 2) rotate(path, w);  // two renames, then a poll round
    if (round % 3 == 2) {
      for (int k = 0; k < 8; ++k) {
        t.poll([&](const model::Record& r) { got.emplace_back(r.bytes); }, 4);
      }
    }
  }
  for (int k = 0; k < 100; ++k)
    t.poll([&](const model::Record& r) { got.emplace_back(r.bytes); }, 4);
  EXPECT_EQ(got, expect(0, next)) << where_they_differ(got, expect(0, next));
}

// Debian's nginx/apache rotation has `compress delaycompress`: at the second rename the file
// the tail read is compressed (its name is gone), and PATH.1 is the middle generation. It was
// written after PATH last named the tail's file, so it is read.
TEST(FileTail, MiddleGenerationFoundWhenTheOldFileWasCompressed) {
  Dir d;
  auto path = d.p / "a.log";
  auto w = std::make_unique<Writer>(path);
  w->write(lines(0, 5));
  FileTail t(path.string());
  EXPECT_EQ(poll_all(t), expect(0, 5));
  w->write(lines(5, 8));
  rotate(path, w);
  w->write(lines(8, 12));
  rotate(path, w);
  fs::remove(path.string() + ".2");  // gzip a.log.2 -> a.log.2.gz (the tail's fd keeps it)
  w->write(lines(12, 15));
  std::vector<std::string> got = poll_n(t, 3);
  EXPECT_EQ(got, expect(5, 15));
}

// An old PATH.1 that is not a generation the tail missed (dateext rotation leaves the numbered
// names alone) is not read again.
TEST(FileTail, AStalePathDot1IsNotReadAgain) {
  Dir d;
  auto path = d.p / "a.log";
  {
    Writer old(path.string() + ".1");
    old.write("stale 1\nstale 2\n");
  }
  struct timespec times[2] = {{::time(nullptr) - 3600, 0}, {::time(nullptr) - 3600, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (path.string() + ".1").c_str(), times, 0), 0);
  auto w = std::make_unique<Writer>(path);
  w->write(lines(0, 5));
  FileTail t(path.string());
  EXPECT_EQ(poll_all(t), expect(0, 5));
  w->write(lines(5, 8));
  fs::rename(path, path.string() + "-20261125");  // dateext
  w = std::make_unique<Writer>(path);
  w->write(lines(8, 10));
  std::vector<std::string> got = poll_n(t, 3);
  EXPECT_EQ(got, expect(5, 10));
}

// Rotated twice while bannin was down: the rest of the checkpoint's file (now PATH.2), all of
// PATH.1, then PATH.
TEST(FileTail, RotatedTwiceWhileDownReadsEveryGeneration) {
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
  w->write(lines(10, 13));
  rotate(path, w);
  w->write(lines(13, 17));
  rotate(path, w);
  w->write(lines(17, 20));
  FileTail t(path.string(), cp);
  std::vector<std::string> got = poll_n(t, 4);
  EXPECT_EQ(got, expect(10, 20));
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

// --- copytruncate with lines not read yet (issue 11) -----------------------------------------

std::uint64_t bytes_of(int from, int to) {
  return lines(from, to).size();
}

// logrotate's copytruncate: copy PATH to PATH.1 (or, given, another name), truncate PATH.
void copytruncate(const fs::path& path, const std::string& copy_name = ".1") {
  fs::copy_file(path, path.string() + copy_name, fs::copy_options::overwrite_existing);
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
}

// The tail had read 10 lines when 300 more were written and the file was copied and
// truncated: the 300 come from the copy, then the new lines from the truncated file.
TEST(FileTail, CopyTruncateReadsUnreadLinesFromTheCopy) {
  Dir d;
  auto path = d.p / "a.log";
  Writer w(path);
  FileTail t(path.string());
  w.write(lines(0, 10));
  EXPECT_EQ(poll_all(t), expect(0, 10));
  w.write(lines(10, 310));
  copytruncate(path);
  w.write(lines(310, 315));
  std::vector<std::string> got = poll_all(t);
  EXPECT_EQ(got, expect(10, 315)) << where_they_differ(got, expect(10, 315));
  EXPECT_EQ(t.truncations(), 1u);
  EXPECT_EQ(t.rotations(), 0u);
  EXPECT_EQ(t.unaccounted_bytes(), 0u);
  // Nothing is read twice later: not the copy, not the file.
  w.write(lines(315, 317));
  EXPECT_EQ(poll_all(t), expect(315, 317));
  EXPECT_TRUE(poll_all(t).empty());
}

// A tail held back by its budget (a full queue) saw the file grow past the copy: the lines
// written between the copy and the truncation are gone and counted, the rest arrives once.
TEST(FileTail, LinesWrittenBetweenCopyAndTruncationAreCounted) {
  Dir d;
  auto path = d.p / "a.log";
  Writer w(path);
  FileTail t(path.string());
  std::vector<std::string> got;
  auto sink = [&](const model::Record& r) { got.emplace_back(r.bytes); };
  w.write(lines(0, 300));
  t.poll(sink, 10);
  w.write(lines(300, 400));  // not seen yet: the copy has them
  fs::copy_file(path, path.string() + ".1");
  w.write(lines(400, 450));  // after the copy, before the truncation
  t.poll(sink, 5);           // sees the file at 450 lines, reads 5
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  w.write(lines(1000, 1003));
  do {
    t.poll(sink, 64);
  } while (t.more());
  std::vector<std::string> want = expect(0, 400);
  for (auto& l : expect(1000, 1003)) want.push_back(l);
  EXPECT_EQ(got, want) << where_they_differ(got, want);
  EXPECT_EQ(t.unaccounted_bytes(), bytes_of(400, 450));
  EXPECT_EQ(t.unaccounted_bytes(), 50u * 50u);  // "line 4NN " + 40 + '\n
}

// No copy at all (a plain truncation): the unread bytes the tail saw are counted, and the
// lines it had read already but not delivered still arrive.
TEST(FileTail, TruncationWithoutACopyCountsWhatWasLost) {
  Dir d;
  auto path = d.p / "a.log";
  Writer w(path);
  FileTail t(path.string());
  std::vector<std::string> got;
  auto sink = [&](const model::Record& r) { got.emplace_back(r.bytes); };
  w.write(lines(0, 100));
  t.poll(sink, 10);  // all 100 read into memory, 10 delivered
  w.write(lines(100, 120));
  t.poll(sink, 10);  // sees 120 lines
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  w.write(lines(500, 502));
  do {
    t.poll(sink, 1000);
  } while (t.more());
  std::vector<std::string> want = expect(0, 100);
  for (auto& l : expect(500, 502)) want.push_back(l);
  EXPECT_EQ(got, want) << where_they_differ(got, want);
  EXPECT_EQ(t.unaccounted_bytes(), bytes_of(100, 120));
}

// Restarted after a copytruncate that happened while bannin was down: the rest of the old
// content is read from the copy (found by its head), then the file from its start.
TEST(FileTail, CopyTruncateWhileDownIsFinishedFromTheCopy) {
  Dir d;
  auto path = d.p / "a.log";
  Writer w(path);
  Checkpoint cp;
  {
    FileTail t(path.string());
    w.write(lines(0, 10));
    EXPECT_EQ(poll_all(t), expect(0, 10));
    cp = t.checkpoint();
  }
  w.write(lines(10, 40));
  copytruncate(path);
  w.write(lines(40, 60));  // more than before: the size alone would not tell
  FileTail t(path.string(), cp);
  std::vector<std::string> got = poll_n(t, 3);
  EXPECT_EQ(got, expect(10, 60)) << where_they_differ(got, expect(10, 60));
  FileTail again(path.string(), t.checkpoint());
  EXPECT_TRUE(poll_n(again, 2).empty());
}

// An earlier copy (PATH.2 after logrotate shifted it) that starts like the file is not taken
// for the copy of this truncation when it is too short, and is never read.
TEST(FileTail, AnOldCopyIsNotReadAgain) {
  Dir d;
  auto path = d.p / "a.log";
  Writer w(path);
  FileTail t(path.string());
  w.write(lines(0, 20));
  EXPECT_EQ(poll_all(t), expect(0, 20));
  copytruncate(path);
  w.write(lines(20, 25));
  EXPECT_EQ(poll_all(t), expect(20, 25));
  fs::rename(path.string() + ".1", path.string() + ".2");
  w.write(lines(25, 40));
  copytruncate(path);
  w.write(lines(40, 42));
  std::vector<std::string> got = poll_n(t, 2);
  EXPECT_EQ(got, expect(25, 42)) << where_they_differ(got, expect(25, 42));
  EXPECT_EQ(t.unaccounted_bytes(), 0u);
}

// --- compressed generations (issue 11) --------------------------------------------------------

// Compresses `from` into `to` as logrotate does (gzip reading the file on stdin; the gzip
// header keeps the file's last write time) and removes `from`.
void gzip(const fs::path& from, const fs::path& to) {
  std::string cmd =
      "gzip -c < '" + from.string() + "' > '" + to.string() + "' && rm '" + from.string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

// Sets a file's last write `seconds_ago` (generations are written hours apart, in order).
void written_ago(const fs::path& p, int seconds_ago) {
  struct timespec times[2] = {{::time(nullptr) - seconds_ago, 0},
                              {::time(nullptr) - seconds_ago, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), times, 0), 0);
}

// logrotate with `compress` (no delaycompress): PATH.k.gz -> PATH.(k+1).gz, PATH -> PATH.1,
// gzip PATH.1 -> PATH.1.gz, a new PATH. The rotated file was last written `ago` seconds ago.
void rotate_compress(const fs::path& path, std::unique_ptr<Writer>& w, int ago) {
  tick();
  for (int k = 8; k >= 1; --k) {
    fs::path from = path.string() + "." + std::to_string(k) + ".gz";
    if (fs::exists(from)) fs::rename(from, path.string() + "." + std::to_string(k + 1) + ".gz");
  }
  fs::rename(path, path.string() + ".1");
  w = std::make_unique<Writer>(path);
  written_ago(path.string() + ".1", ago);
  gzip(path.string() + ".1", path.string() + ".1.gz");
}

// Restarted after two rotations with compress while bannin was down: the checkpoint's file is
// only PATH.2.gz now. Its rest, then PATH.1.gz, then PATH, each line once; a second restart
// from the new checkpoint reads nothing again.
TEST(FileTail, CompressedWhileDownIsReadFromTheGz) {
  Dir d;
  auto path = d.p / "a.log";
  auto w = std::make_unique<Writer>(path);
  Checkpoint cp;
  {
    FileTail t(path.string());
    w->write(lines(0, 10));
    EXPECT_EQ(poll_all(t), expect(0, 10));
    cp = t.checkpoint();
  }
  w->write(lines(10, 20));
  rotate_compress(path, w, 7200);
  w->write(lines(20, 30));
  rotate_compress(path, w, 3600);
  w->write(lines(30, 35));
  FileTail t(path.string(), cp);
  std::vector<std::string> got = poll_n(t, 4);
  EXPECT_EQ(got, expect(10, 35)) << where_they_differ(got, expect(10, 35));
  FileTail again(path.string(), t.checkpoint());
  EXPECT_TRUE(poll_n(again, 3).empty());
  w->write(lines(35, 37));
  EXPECT_EQ(poll_n(again, 2), expect(35, 37));
}

// A tail held back across three rotations with compress: the generations it missed exist
// only compressed. They are read oldest first, each once, also with small polls and restarts
// from the checkpoint in the middle of a compressed file.
TEST(FileTail, MissedCompressedGenerationsWithBudgetAndRestarts) {
  Dir d;
  auto path = d.p / "a.log";
  auto w = std::make_unique<Writer>(path);
  auto t = std::make_unique<FileTail>(path.string());
  w->write(lines(0, 5));
  EXPECT_EQ(poll_all(*t), expect(0, 5));
  int next = 5;
  for (int g = 0; g < 3; ++g) {
    w->write(lines(next, next + 40));
    next += 40;
    rotate_compress(path, w, 3600 * (3 - g));
  }
  w->write(lines(next, next + 10));
  next += 10;
  std::vector<std::string> got;
  for (int round = 0; round < 60; ++round) {
    t->poll([&](const model::Record& r) { got.emplace_back(r.bytes); }, 7);
    if (round % 4 == 3) t = std::make_unique<FileTail>(path.string(), t->checkpoint());
  }
  EXPECT_EQ(got, expect(5, next)) << where_they_differ(got, expect(5, next));
}

// delaycompress: PATH.1 stays plain one rotation, then becomes PATH.2.gz — compressed after
// the next generation was last written, so the .gz file's own time would put it after that
// one; the time in its gzip header (its content's last write) puts it first.
TEST(FileTail, DelayCompressOrderComesFromTheGzipHeader) {
  Dir d;
  auto path = d.p / "a.log";
  const std::string p1 = path.string() + ".1", p2gz = path.string() + ".2.gz",
                    p3gz = path.string() + ".3.gz";
  auto w = std::make_unique<Writer>(path);
  FileTail t(path.string());
  w->write(lines(0, 5));
  EXPECT_EQ(poll_all(t), expect(0, 5));
  w->write(lines(5, 15));
  rotate(path, w);  // A -> a.log.1 (the tail's file)
  written_ago(p1, 3 * 3600);
  w->write(lines(15, 25));
  // logrotate with delaycompress: a.log.1 -> a.log.2.gz, then a.log -> a.log.1.
  gzip(p1, p2gz);
  fs::rename(path, p1);
  written_ago(p1, 2 * 3600);
  w = std::make_unique<Writer>(path);
  w->write(lines(25, 35));
  tick();
  fs::rename(p2gz, p3gz);
  gzip(p1, p2gz);  // B, compressed now: the file is newer than C
  fs::rename(path, p1);
  written_ago(p1, 3600);
  w = std::make_unique<Writer>(path);
  w->write(lines(35, 40));
  std::vector<std::string> got = poll_n(t, 5);
  EXPECT_EQ(got, expect(5, 40)) << where_they_differ(got, expect(5, 40));
}

// compress + copytruncate: the copy was compressed before the tail saw the truncation.
TEST(FileTail, CopyTruncateWhoseCopyIsCompressed) {
  Dir d;
  auto path = d.p / "a.log";
  Writer w(path);
  FileTail t(path.string());
  w.write(lines(0, 10));
  EXPECT_EQ(poll_all(t), expect(0, 10));
  w.write(lines(10, 200));
  copytruncate(path);
  gzip(path.string() + ".1", path.string() + ".1.gz");
  w.write(lines(200, 203));
  std::vector<std::string> got = poll_n(t, 2);
  EXPECT_EQ(got, expect(10, 203)) << where_they_differ(got, expect(10, 203));
  EXPECT_EQ(t.unaccounted_bytes(), 0u);
}

// A corrupt or truncated .gz is read as far as it decompresses and never stops the tail.
TEST(FileTail, ABrokenGzDoesNotStopTheTail) {
  Dir d;
  auto path = d.p / "a.log";
  auto w = std::make_unique<Writer>(path);
  FileTail t(path.string());
  w->write(lines(0, 3));
  EXPECT_EQ(poll_all(t), expect(0, 3));
  w->write(lines(3, 6));
  rotate(path, w);
  w->write(lines(6, 9));
  rotate(path, w);
  {  // a.log.1 (lines 6-9) compressed by a tool that died half-way
    Writer junk(path.string() + ".1.gz");
    junk.write(std::string("\x1f\x8b\x08\x00\0\0\0\0\0\x03garbage", 17));
  }
  fs::remove(path.string() + ".1");
  w->write(lines(9, 12));
  std::vector<std::string> got = poll_n(t, 4);
  std::vector<std::string> want = expect(3, 6);
  for (auto& l : expect(9, 12)) want.push_back(l);
  EXPECT_EQ(got, want) << where_they_differ(got, want);
  EXPECT_EQ(t.errors(), 1u);
  EXPECT_NE(t.last_error().find("a.log.1.gz"), std::string::npos) << t.last_error();
}

}  // namespace
}  // namespace bannin::source
