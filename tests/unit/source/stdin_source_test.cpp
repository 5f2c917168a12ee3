// StdinSource on real pipes and a regular file: partial lines kept until the rest or EOF,
// never blocking on an empty pipe, max_records per call with the rest still signalled on
// fd(), over-long lines cut once, fd() == -1 after EOF, and a large stream written by
// another thread arriving whole and in order.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <bannin/source/stdin_source.h>

namespace bannin::source {
namespace {

struct Got {
  std::string bytes;
  std::uint64_t line_no;
  std::uint64_t offset;
  bool truncated;
  std::string origin;
};

bool readable(int fd, int timeout_ms) {
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

std::size_t read_once(PollSource& src, std::vector<Got>& out, std::size_t max_records = 1000) {
  return src.read_ready(
      [&](const model::Record& r) {
        out.push_back(
            {std::string(r.bytes), r.line_no, r.offset, r.truncated, std::string(r.origin)});
      },
      max_records);
}

class Pipe {
 public:
  Pipe() { EXPECT_EQ(::pipe2(fds_, O_CLOEXEC), 0); }
  ~Pipe() {
    close_writer();
    if (fds_[0] >= 0) ::close(fds_[0]);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  [[nodiscard]] int reader() const { return fds_[0]; }
  int release_reader() {
    int fd = fds_[0];
    fds_[0] = -1;
    return fd;
  }
  void write(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = ::write(fds_[1], s.data(), s.size());
      ASSERT_GT(n, 0);
      s.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void close_writer() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

std::unique_ptr<StdinSource> open_fd(int fd, StdinOptions o = {}) {
  auto s = std::make_unique<StdinSource>(fd, "stdin", o);
  EXPECT_EQ(s->stats().errors, 0u) << s->stats().last_error;
  return s;
}

TEST(StdinSourceTest, PartialLineWaitsForTheRestThenEof) {
  Pipe p;
  auto s = open_fd(p.reader());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->describe(), "stdin");
  std::vector<Got> got;
  EXPECT_EQ(read_once(*s, got), 0u);  // empty pipe, writer open: returns at once
  EXPECT_FALSE(readable(s->fd(), 0));

  p.write("one\ntw");
  ASSERT_TRUE(readable(s->fd(), 1000));
  EXPECT_EQ(read_once(*s, got), 1u);
  EXPECT_FALSE(readable(s->fd(), 0));  // "tw" is held, nothing to signal
  p.write("o\nthr");
  ASSERT_TRUE(readable(s->fd(), 1000));
  EXPECT_EQ(read_once(*s, got), 1u);
  p.write("ee");
  p.close_writer();
  ASSERT_TRUE(readable(s->fd(), 1000));
  EXPECT_EQ(read_once(*s, got), 1u);  // the last line without '\n', delivered at EOF
  EXPECT_EQ(s->fd(), -1);
  EXPECT_TRUE(s->finished());
  EXPECT_EQ(read_once(*s, got), 0u);

  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].bytes, "one");
  EXPECT_EQ(got[1].bytes, "two");
  EXPECT_EQ(got[2].bytes, "three");
  EXPECT_EQ(got[0].offset, 0u);
  EXPECT_EQ(got[1].offset, 4u);
  EXPECT_EQ(got[2].offset, 8u);
  EXPECT_EQ(got[2].line_no, 3u);
  EXPECT_EQ(got[0].origin, "stdin");
  EXPECT_EQ(s->stats().records, 3u);
  EXPECT_EQ(s->stats().bytes, 11u);
  EXPECT_EQ(s->stats().errors, 0u);
}

TEST(StdinSourceTest, EofRightAfterNewlineAddsNoEmptyLine) {
  Pipe p;
  auto s = open_fd(p.reader());
  ASSERT_TRUE(s);
  p.write("a\n\nb\n");
  p.close_writer();
  std::vector<Got> got;
  while (readable(s->fd(), 1000)) read_once(*s, got);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].bytes, "");  // an empty line in the middle is a line
  EXPECT_EQ(got[2].bytes, "b");
  EXPECT_EQ(s->fd(), -1);
}

TEST(StdinSourceTest, MaxRecordsAndBufferedLinesStaySignalled) {
  Pipe p;
  auto s = open_fd(p.reader());
  ASSERT_TRUE(s);
  std::string block;
  for (int i = 0; i < 10; ++i) block += "line" + std::to_string(i) + "\n";
  p.write(block);  // one write: one read takes all ten into the buffer
  ASSERT_TRUE(readable(s->fd(), 1000));
  std::vector<Got> got;
  EXPECT_EQ(read_once(*s, got, 4), 4u);
  // The pipe is empty now; six lines are buffered: fd() must still say "call me".
  EXPECT_TRUE(readable(s->fd(), 0));
  EXPECT_EQ(read_once(*s, got, 4), 4u);
  EXPECT_TRUE(readable(s->fd(), 0));
  EXPECT_EQ(read_once(*s, got, 4), 2u);
  EXPECT_FALSE(readable(s->fd(), 0));
  ASSERT_EQ(got.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(got[i].bytes, "line" + std::to_string(i));
  // At EOF with lines left over, too.
  p.write("x\ny\nz");
  p.close_writer();
  ASSERT_TRUE(readable(s->fd(), 1000));
  EXPECT_EQ(read_once(*s, got, 1), 1u);
  EXPECT_EQ(read_once(*s, got, 1), 1u);
  EXPECT_NE(s->fd(), -1);
  EXPECT_TRUE(readable(s->fd(), 0));
  EXPECT_EQ(read_once(*s, got, 1), 1u);
  EXPECT_EQ(s->fd(), -1);
  EXPECT_EQ(got.back().bytes, "z");
}

TEST(StdinSourceTest, OverlongLineIsCutOnceAndTheRestSkipped) {
  Pipe p;
  StdinOptions o;
  o.max_line = 16;
  auto s = open_fd(p.reader(), o);
  ASSERT_TRUE(s);
  std::vector<Got> got;
  p.write("short\n" + std::string(16, 'e') + "\n");  // exactly max_line: whole
  p.write(std::string(10, 'x'));
  ASSERT_TRUE(readable(s->fd(), 1000));
  read_once(*s, got);
  p.write(std::string(30, 'x'));  // the line grows past the limit across writes
  ASSERT_TRUE(readable(s->fd(), 1000));
  read_once(*s, got);
  p.write(std::string(50, 'x') + "\nafter\n");
  p.close_writer();
  while (readable(s->fd(), 1000)) read_once(*s, got);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].bytes, "short");
  EXPECT_EQ(got[1].bytes, std::string(16, 'e'));
  EXPECT_FALSE(got[1].truncated);
  EXPECT_EQ(got[2].bytes, std::string(16, 'x'));
  EXPECT_TRUE(got[2].truncated);
  EXPECT_EQ(got[2].offset, 23u);
  EXPECT_EQ(got[3].bytes, "after");
  EXPECT_EQ(got[3].offset, 23u + 90u + 1u);
  EXPECT_EQ(got[3].line_no, 4u);
  EXPECT_EQ(s->stats().truncated, 1u);
}

TEST(StdinSourceTest, OverlongLastLineAtEofIsCut) {
  Pipe p;
  StdinOptions o;
  o.max_line = 8;
  auto s = open_fd(p.reader(), o);
  ASSERT_TRUE(s);
  p.write("ok\n" + std::string(20, 'w'));
  p.close_writer();
  std::vector<Got> got;
  while (readable(s->fd(), 1000)) read_once(*s, got);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].bytes, std::string(8, 'w'));
  EXPECT_TRUE(got[1].truncated);
  EXPECT_EQ(s->fd(), -1);
}

TEST(StdinSourceTest, RegularFileIsReadToItsEnd) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  std::string content;
  for (int i = 0; i < 2500; ++i) content += "file line " + std::to_string(i) + "\n";
  content += "no newline";
  ASSERT_EQ(std::fwrite(content.data(), 1, content.size(), f), content.size());
  std::fflush(f);
  ::lseek(::fileno(f), 0, SEEK_SET);
  auto s = open_fd(::fileno(f));
  ASSERT_TRUE(s);
  std::vector<Got> got;
  int calls = 0;
  while (readable(s->fd(), 0)) {  // always ready until the end: epoll cannot watch files
    read_once(*s, got, 1000);
    ++calls;
  }
  EXPECT_EQ(s->fd(), -1);
  ASSERT_EQ(got.size(), 2501u);
  EXPECT_EQ(got[2499].bytes, "file line 2499");
  EXPECT_EQ(got[2500].bytes, "no newline");
  EXPECT_GE(calls, 3);
  std::fclose(f);
}

TEST(StdinSourceTest, OwnedDescriptorIsClosedAtEof) {
  Pipe p;
  StdinOptions o;
  o.owns_fd = true;
  int fd = p.release_reader();
  auto s = open_fd(fd, o);
  ASSERT_TRUE(s);
  p.write("bye\n");
  p.close_writer();
  std::vector<Got> got;
  while (readable(s->fd(), 1000)) read_once(*s, got);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);  // closed by the source
}

TEST(StdinSourceTest, BadDescriptorEndsAtOnce) {
  StdinSource s(-1, "pipe:x");
  EXPECT_EQ(s.fd(), -1);
  EXPECT_TRUE(s.finished());
  EXPECT_EQ(s.stats().last_error, "cannot read pipe:x: no descriptor");
  EXPECT_EQ(s.read_ready([](const model::Record&) {}, 10), 0u);
}

TEST(StdinSourceTest, DefaultsToStandardInput) {
  StdinSource s;
  EXPECT_EQ(s.describe(), "stdin");
}

TEST(StdinSourceTest, LargeStreamFromAnotherThreadArrivesWholeAndInOrder) {
  Pipe p;
  auto s = open_fd(p.reader());
  ASSERT_TRUE(s);
  constexpr int kLines = 200000;
  std::thread writer([&] {
    std::string chunk;
    for (int i = 0; i < kLines; ++i) {
      chunk += "<13>Feb 19 05:21:35 host app[1]: message " + std::to_string(i) + "\n";
      if (chunk.size() > 3000) {  // odd-sized writes: lines split across reads
        p.write(chunk);
        chunk.clear();
      }
    }
    p.write(chunk);
    p.close_writer();
  });
  std::uint64_t n = 0;
  bool in_order = true;
  const std::string prefix = "<13>Feb 19 05:21:35 host app[1]: message ";
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (s->fd() != -1 && std::chrono::steady_clock::now() < until) {
    if (!readable(s->fd(), 100)) continue;
    s->read_ready(
        [&](const model::Record& r) {
          if (r.bytes != prefix + std::to_string(n)) in_order = false;
          ++n;
        },
        512);
  }
  writer.join();
  EXPECT_TRUE(in_order);
  EXPECT_EQ(n, static_cast<std::uint64_t>(kLines));
  EXPECT_EQ(s->fd(), -1);
}

}  // namespace
}  // namespace bannin::source
