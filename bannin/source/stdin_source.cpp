#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <poll.h>
#include <unistd.h>

#include <bannin/source/stdin_source.h>

namespace bannin::source {

StdinSource::StdinSource(int fd, std::string name, const StdinOptions& options)
    : fd_(fd), name_(std::move(name)), options_(options) {
  options_.max_line = std::max<std::size_t>(options_.max_line, 1);
  // The buffer holds max_line + 1 bytes at most: enough to see that a line is too long.
  buf_.resize(std::min(kBlock, options_.max_line + 1) + kPadding);
  if (fd_ < 0) {
    ++stats_.errors;
    stats_.last_error = "cannot read " + name_ + ": no descriptor";
    finished_ = true;
    return;
  }
  auto ready = ReadyFd::create(fd_, &pollable_);
  if (!ready) {
    // Out of descriptors: wait on fd itself (lines held back by max_records then wait for
    // the next bytes or EOF).
    ++stats_.errors;
    stats_.last_error = "cannot read " + name_ + " with epoll: " + ready.error().message;
    pollable_ = true;
    return;
  }
  ready_ = std::move(*ready);
  // A regular file never signals readiness through epoll: it is always ready until EOF.
  if (!pollable_) ready_.set_pending(true);
}

StdinSource::~StdinSource() {
  ready_.close();
  if (options_.owns_fd && fd_ >= 0) ::close(fd_);
}

int StdinSource::fd() const {
  if (finished_) return -1;
  return ready_.fd() >= 0 ? ready_.fd() : fd_;
}

bool StdinSource::fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    base_offset_ += begin_;
    scan_ -= begin_;
    end_ -= begin_;
    begin_ = 0;
  }
  std::size_t cap = buf_.size() - kPadding;
  const std::size_t limit = options_.max_line + 1;
  if (end_ == cap) {
    if (cap >= limit) return false;  // next_line() cuts the over-long line first
    buf_.resize(std::min(cap * 2, limit) + kPadding);
    cap = buf_.size() - kPadding;
  }
  while (true) {
    if (pollable_) {
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) return false;  // nothing there now
      if (r > 0 && (p.revents & POLLNVAL) != 0) {
        ++stats_.errors;
        stats_.last_error = "read " + name_ + ": descriptor is not open";
        eof_ = true;
        return false;
      }
    }
    ssize_t n = ::read(fd_, buf_.data() + end_, std::min(cap - end_, kBlock));
    if (n > 0) {
      end_ += static_cast<std::size_t>(n);
      return true;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    ++stats_.errors;
    stats_.last_error = "read " + name_ + ": " + errno_text(errno);
    eof_ = true;  // a read error ends the input; what was read is still delivered
    return false;
  }
}

bool StdinSource::next_line(model::Record& rec) {
  while (true) {
    const void* nl = scan_ < end_ ? std::memchr(buf_.data() + scan_, '\n', end_ - scan_) : nullptr;
    if (nl != nullptr) {
      auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data());
      if (skipping_) {  // the end of a line already delivered cut
        skipping_ = false;
        begin_ = scan_ = at + 1;
        continue;
      }
      rec.bytes = std::string_view(buf_.data() + begin_, at - begin_);
      rec.offset = base_offset_ + begin_;
      rec.truncated = false;
      begin_ = scan_ = at + 1;
      return true;
    }
    scan_ = end_;
    if (skipping_) begin_ = end_;  // more of the over-long line: drop it
    if (!skipping_ && end_ - begin_ > options_.max_line) {
      rec.bytes = std::string_view(buf_.data() + begin_, options_.max_line);
      rec.offset = base_offset_ + begin_;
      rec.truncated = true;
      ++stats_.truncated;
      skipping_ = true;
      begin_ = scan_ = end_;  // the bytes after the cut hold no '\n': part of the same line
      return true;
    }
    if (eof_) {
      if (skipping_ || begin_ >= end_) return false;
      rec.bytes = std::string_view(buf_.data() + begin_, end_ - begin_);  // last, no '\n'
      rec.offset = base_offset_ + begin_;
      rec.truncated = false;
      begin_ = scan_ = end_;
      return true;
    }
    if (!fill() && !eof_) return false;
  }
}

std::size_t StdinSource::read_ready(const Sink& sink, std::size_t max_records) {
  if (finished_) return 0;
  const core::TimeNs now = wall_clock_now();
  std::size_t delivered = 0;
  model::Record rec;
  while (delivered < max_records && next_line(rec)) {
    rec.origin = name_;
    rec.source_id = options_.source_id;
    rec.line_no = ++stats_.records;
    rec.received = now;
    stats_.bytes += rec.bytes.size();
    sink(rec);
    ++delivered;
  }
  if (eof_ && begin_ >= end_) {
    finish();
    return delivered;
  }
  // Hit the budget (lines may be waiting in the buffer), saw EOF with lines left, or a
  // regular file: ask to be called again without waiting for new bytes.
  ready_.set_pending(!pollable_ || eof_ || (max_records > 0 && delivered == max_records));
  return delivered;
}

void StdinSource::finish() {
  finished_ = true;
  ready_.unwatch(fd_);
  ready_.set_pending(false);
  if (options_.owns_fd && fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace bannin::source
