#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <bannin/source/line_reader.h>

namespace bannin::source {
namespace {

using namespace std::string_literals;

// A temporary file holding `content`, positioned at its start.
class TempFile {
 public:
  explicit TempFile(std::string_view content) : f_(std::tmpfile()) {
    EXPECT_NE(f_, nullptr);
    std::size_t off = 0;
    while (off < content.size()) {
      ssize_t n = ::write(fd(), content.data() + off, content.size() - off);
      EXPECT_GT(n, 0);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    ::lseek(fd(), 0, SEEK_SET);
  }
  ~TempFile() { std::fclose(f_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] int fd() const { return ::fileno(f_); }

 private:
  std::FILE* f_;
};

struct Line {
  std::string bytes;
  std::uint64_t line_no;
  std::uint64_t offset;
  bool truncated;
};

std::vector<Line> read_all(LineReader& r) {
  std::vector<Line> out;
  model::Record rec;
  while (r.next(rec)) {
    out.push_back({std::string(rec.bytes), rec.line_no, rec.offset, rec.truncated});
    EXPECT_EQ(rec.origin, "test");
  }
  return out;
}

std::vector<Line> read_all(std::string_view content) {
  TempFile f(content);
  LineReader r(f.fd(), "test");
  auto lines = read_all(r);
  EXPECT_TRUE(r.error().empty()) << r.error();
  EXPECT_EQ(r.bytes_read(), content.size());
  return lines;
}

TEST(LineReader, EmptyFileHasNoLines) {
  TempFile f("");
  LineReader r(f.fd(), "test");
  EXPECT_TRUE(r.peek(10).empty());
  model::Record rec;
  EXPECT_FALSE(r.next(rec));
  EXPECT_FALSE(r.next(rec));  // stays at the end
  EXPECT_TRUE(r.error().empty());
}

TEST(LineReader, LinesNumbersAndOffsets) {
  auto lines = read_all("one\ntwo\n\nfour\n");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].bytes, "one");
  EXPECT_EQ(lines[1].bytes, "two");
  EXPECT_EQ(lines[2].bytes, "");
  EXPECT_EQ(lines[3].bytes, "four");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].line_no, i + 1);
    EXPECT_FALSE(lines[i].truncated);
  }
  EXPECT_EQ(lines[0].offset, 0u);
  EXPECT_EQ(lines[1].offset, 4u);
  EXPECT_EQ(lines[2].offset, 8u);
  EXPECT_EQ(lines[3].offset, 9u);
}

TEST(LineReader, LastLineWithoutNewlineIsALine) {
  auto lines = read_all("first\nlast without newline");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].bytes, "last without newline");
  EXPECT_EQ(lines[1].line_no, 2u);
  EXPECT_EQ(lines[1].offset, 6u);
  auto single = read_all("x");
  ASSERT_EQ(single.size(), 1u);
  EXPECT_EQ(single[0].bytes, "x");
}

TEST(LineReader, OnlyNewlines) {
  auto lines = read_all("\n\n\n");
  ASSERT_EQ(lines.size(), 3u);
  for (const Line& l : lines) EXPECT_EQ(l.bytes, "");
}

// The reader splits on '\n' only; the '\r' of CRLF stays for the caller to drop (decoders
// get lines without it; see decode/decoder.h).
TEST(LineReader, CrlfKeepsTheCarriageReturn) {
  auto lines = read_all("a\r\nb\r\n\r\nc\r");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].bytes, "a\r");
  EXPECT_EQ(lines[1].bytes, "b\r");
  EXPECT_EQ(lines[2].bytes, "\r");
  EXPECT_EQ(lines[3].bytes, "c\r");
}

TEST(LineReader, NulAndBinaryBytesAreKept) {
  std::string content = "a\0b\0\n\xff\xfe\x00\x01\n\0\n"s;
  auto lines = read_all(content);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].bytes, "a\0b\0"s);
  EXPECT_EQ(lines[1].bytes, "\xff\xfe\x00\x01"s);
  EXPECT_EQ(lines[2].bytes, "\0"s);
}

TEST(LineReader, OneMebibyteLineIsReadWhole) {
  std::string big(LineReader::kBlock + 12345, 'x');
  big[0] = 'A';
  big.back() = 'Z';
  std::string content = "before\n" + big + "\nafter\n";
  auto lines = read_all(content);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].bytes, "before");
  EXPECT_EQ(lines[1].bytes, big);
  EXPECT_FALSE(lines[1].truncated);
  EXPECT_EQ(lines[1].offset, 7u);
  EXPECT_EQ(lines[2].bytes, "after");
  EXPECT_EQ(lines[2].line_no, 3u);
  EXPECT_EQ(lines[2].offset, 7u + big.size() + 1);
}

TEST(LineReader, ManyLinesAcrossBlockBoundaries) {
  std::string content;
  std::vector<std::string> want;
  for (int i = 0; content.size() < 3 * LineReader::kBlock; ++i) {
    std::string line =
        "line " + std::to_string(i) + std::string(static_cast<std::size_t>(i % 97), '.');
    want.push_back(line);
    content += line + "\n";
  }
  auto lines = read_all(content);
  ASSERT_EQ(lines.size(), want.size());
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(lines[i].bytes, want[i]) << "line " << i + 1;
    ASSERT_EQ(lines[i].offset, offset);
    offset += want[i].size() + 1;
  }
}

// A line over the limit is returned once, cut at the limit and marked truncated; the rest of
// it is skipped, and the next line is intact: the line count is unchanged.
TEST(LineReader, LineOverLimitIsTruncatedCountedOnceAndNextLineIntact) {
  const std::size_t limit = LineReader::kDefaultMaxLine;
  std::string huge(limit + LineReader::kBlock + 7, 'y');
  huge[0] = 'S';
  std::string content = "first\n" + huge + "\nnext line\nlast";
  auto lines = read_all(content);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].bytes, "first");
  EXPECT_TRUE(lines[1].truncated);
  EXPECT_EQ(lines[1].bytes.size(), limit);
  EXPECT_EQ(lines[1].bytes, std::string_view(huge).substr(0, limit));
  EXPECT_EQ(lines[1].line_no, 2u);
  EXPECT_EQ(lines[1].offset, 6u);
  EXPECT_EQ(lines[2].bytes, "next line");
  EXPECT_FALSE(lines[2].truncated);
  EXPECT_EQ(lines[2].line_no, 3u);
  EXPECT_EQ(lines[2].offset, 6u + huge.size() + 1);
  EXPECT_EQ(lines[3].bytes, "last");
  EXPECT_EQ(lines[3].line_no, 4u);
}

TEST(LineReader, OverLongLastLineWithoutNewlineIsOneLine) {
  std::string content = "a\n" + std::string(LineReader::kDefaultMaxLine + 100, 'z');
  auto lines = read_all(content);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[1].truncated);
  EXPECT_EQ(lines[1].bytes.size(), LineReader::kDefaultMaxLine);
}

TEST(LineReader, SmallerMaxLineIsRaisedToOneBlock) {
  std::string line(LineReader::kBlock - 1, 'q');
  TempFile f(line + "\nz\n");
  LineReader r(f.fd(), "test", 1000);
  auto lines = read_all(r);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_FALSE(lines[0].truncated);
  EXPECT_EQ(lines[0].bytes.size(), line.size());
}

TEST(LineReader, PeekDoesNotConsume) {
  TempFile f("l1\nl2\nl3\nl4");
  LineReader r(f.fd(), "test");
  auto two = r.peek(2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0], "l1");
  EXPECT_EQ(two[1], "l2");
  auto all = r.peek(10);  // includes the last line without newline at EOF
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[3], "l4");
  auto lines = read_all(r);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].bytes, "l1");
  EXPECT_EQ(lines[0].line_no, 1u);
  EXPECT_EQ(lines[3].bytes, "l4");
}

TEST(LineReader, PeekStopsAtOneBlock) {
  std::string big(2 * LineReader::kBlock, 'p');
  TempFile f("short\n" + big + "\nend\n");
  LineReader r(f.fd(), "test");
  auto sample = r.peek(64);
  ASSERT_GE(sample.size(), 1u);
  EXPECT_EQ(sample[0], "short");
  EXPECT_LE(sample.size(), 1u);  // the big line does not fit in the first block
  auto lines = read_all(r);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].bytes.size(), big.size());
  EXPECT_EQ(lines[2].bytes, "end");
}

// Through a pipe that delivers a few bytes at a time, lines come out exactly as written.
TEST(LineReader, PipeInSmallChunks) {
  std::string content;
  std::vector<std::string> want;
  for (int i = 0; i < 2000; ++i) {
    std::string line = "192.0.2." + std::to_string(i % 256) + " request " + std::to_string(i);
    if (i % 100 == 0) line += "\r";
    if (i % 333 == 0) line = "";
    want.push_back(line);
    content += line + "\n";
  }
  content += "tail without newline";
  want.emplace_back("tail without newline");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([&content, wfd = fds[1]] {
    std::size_t off = 0, step = 1;
    while (off < content.size()) {
      std::size_t n = std::min(step, content.size() - off);
      ssize_t w = ::write(wfd, content.data() + off, n);
      if (w <= 0) break;
      off += static_cast<std::size_t>(w);
      step = step % 7 + 1;  // 1..7 bytes per write
    }
    ::close(wfd);
  });
  LineReader r(fds[0], "test");
  auto sample = r.peek(3);
  std::vector<Line> lines = read_all(r);
  writer.join();
  ::close(fds[0]);
  ASSERT_FALSE(sample.empty());
  ASSERT_EQ(lines.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(lines[i].bytes, want[i]) << "line " << i + 1;
    ASSERT_EQ(lines[i].line_no, i + 1);
  }
}

TEST(LineReader, ReadErrorEndsInputWithAMessage) {
  int fd = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  LineReader r(fd, "test");
  model::Record rec;
  EXPECT_FALSE(r.next(rec));
  EXPECT_FALSE(r.error().empty());
  ::close(fd);
}

}  // namespace
}  // namespace bannin::source
