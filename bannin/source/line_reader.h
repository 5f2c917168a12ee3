// LineReader: splits a file descriptor's bytes into lines, streaming, with bounded memory.
// Used by the replay source (`bannin parse`, `bannin replay`) and, later, the file tail.
//
// Reads in 1 MiB blocks; a line longer than the block grows the buffer up to max_line
// bytes (default 4 MiB). A longer line is returned once, cut at max_line and marked
// `truncated`, and the rest of it is skipped — counted as one line, never lost silently and
// never allowed to grow memory. A last line without '\n' is returned as a line. Not
// thread-safe; one reader per input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/model/record.h>

namespace bannin::source {

class LineReader {
 public:
  static constexpr std::size_t kBlock = 1u << 20;
  static constexpr std::size_t kDefaultMaxLine = 4u << 20;
  /// Bytes readable past the end of any returned line (for SIMD parsers).
  static constexpr std::size_t kPadding = 64;

  /// fd is not owned (the caller closes it). origin names the input in Records.
  LineReader(int fd, std::string origin, std::size_t max_line = kDefaultMaxLine);

  /// Next line into rec (bytes without '\n'); false at end of input or on a read error.
  bool next(model::Record& rec);

  /// The first up to n lines, without consuming them (for format detection). Reads ahead
  /// as needed, at most one block. Views are valid until the next call to next().
  std::vector<std::string_view> peek(std::size_t n);

  /// Empty, or the read error that ended the input ("Is a directory", …).
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] std::uint64_t bytes_read() const noexcept { return total_read_; }

 private:
  bool fill();  // reads more; false at EOF or error

  int fd_;
  std::string origin_;
  std::size_t max_line_;
  std::vector<char> buf_;
  std::size_t begin_ = 0;          // first unconsumed byte
  std::size_t scan_ = 0;           // where to resume looking for '\n'
  std::size_t end_ = 0;            // end of valid data
  std::uint64_t base_offset_ = 0;  // file offset of buf_[0]
  std::uint64_t line_no_ = 0;
  std::uint64_t total_read_ = 0;
  bool eof_ = false;
  bool skipping_ = false;  // dropping the rest of a line longer than max_line_
  std::string error_;
};

}  // namespace bannin::source
