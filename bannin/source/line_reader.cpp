#include <cerrno>
#include <cstring>

#include <unistd.h>

#include <bannin/source/line_reader.h>

namespace bannin::source {

LineReader::LineReader(int fd, std::string origin, std::size_t max_line)
    : fd_(fd), origin_(std::move(origin)), max_line_(std::max(max_line, kBlock)) {
  buf_.resize(kBlock + kPadding);
}

bool LineReader::fill() {
  if (eof_) return false;
  // Move the unconsumed tail to the front.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    base_offset_ += begin_;
    scan_ -= begin_;
    end_ -= begin_;
    begin_ = 0;
  }
  std::size_t cap = buf_.size() - kPadding;
  if (end_ == cap) {
    if (cap >= max_line_) return true;  // caller handles the over-long line
    buf_.resize(std::min(cap * 2, max_line_) + kPadding);
    cap = buf_.size() - kPadding;
  }
  while (true) {
    ssize_t n = ::read(fd_, buf_.data() + end_, cap - end_);
    if (n > 0) {
      end_ += static_cast<std::size_t>(n);
      total_read_ += static_cast<std::uint64_t>(n);
      return true;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    error_ = std::strerror(errno);
    eof_ = true;
    return false;
  }
}

bool LineReader::next(model::Record& rec) {
  while (true) {
    const void* nl = scan_ < end_ ? std::memchr(buf_.data() + scan_, '\n', end_ - scan_) : nullptr;
    if (nl != nullptr) {
      auto nl_at = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data());
      if (skipping_) {
        // End of an over-long line already returned: drop through its '\n'.
        skipping_ = false;
        begin_ = scan_ = nl_at + 1;
        continue;
      }
      rec.bytes = std::string_view(buf_.data() + begin_, nl_at - begin_);
      rec.offset = base_offset_ + begin_;
      rec.truncated = false;
      begin_ = scan_ = nl_at + 1;
      break;
    }
    scan_ = end_;
    if (skipping_) {
      begin_ = end_;  // discard everything read of the over-long line
    }
    std::size_t cap = buf_.size() - kPadding;
    if (!skipping_ && end_ - begin_ >= max_line_ && begin_ == 0 && end_ == cap) {
      // Over-long line: return its first max_line_ bytes once, skip the rest.
      rec.bytes = std::string_view(buf_.data(), end_);
      rec.offset = base_offset_;
      rec.truncated = true;
      skipping_ = true;
      begin_ = scan_ = end_;
      break;
    }
    if (!fill()) {
      if (skipping_ || begin_ == end_) return false;
      // Last line without a newline.
      rec.bytes = std::string_view(buf_.data() + begin_, end_ - begin_);
      rec.offset = base_offset_ + begin_;
      rec.truncated = false;
      begin_ = scan_ = end_;
      break;
    }
  }
  rec.origin = origin_;
  rec.line_no = ++line_no_;
  return true;
}

std::vector<std::string_view> LineReader::peek(std::size_t n) {
  std::vector<std::string_view> lines;
  while (true) {
    lines.clear();
    std::size_t pos = begin_;
    while (lines.size() < n && pos < end_) {
      const void* nl = std::memchr(buf_.data() + pos, '\n', end_ - pos);
      if (nl == nullptr) break;
      auto nl_at = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data());
      lines.emplace_back(buf_.data() + pos, nl_at - pos);
      pos = nl_at + 1;
    }
    if (lines.size() >= n || eof_ || end_ - begin_ >= kBlock) break;
    if (!fill()) break;
  }
  if (lines.size() < n && eof_ && !skipping_) {
    // Include a final line without newline.
    std::size_t pos = begin_;
    for (std::string_view l : lines) pos += l.size() + 1;
    if (pos < end_) lines.emplace_back(buf_.data() + pos, end_ - pos);
  }
  return lines;
}

}  // namespace bannin::source
