// StdinSource: lines from a pipe, FIFO, socket or terminal for the live daemon (issue 7) —
// `journalctl -f | bannin run --stdin`, or a program's output. Source stage; owned by the
// daemon's ingest thread, the only thread that may call it. A PollSource.
//
// Never blocks: before each read it asks poll() whether bytes are there, so the descriptor's
// flags are left alone (setting O_NONBLOCK on a shared stdin would change it for the shell
// too). A regular file (stdin redirected from a file) is read to its end, max_records at a
// time. A last line without '\n' is kept until the rest arrives, or delivered at EOF. A line
// longer than max_line (4 MiB) is delivered once, cut at max_line and marked truncated, and
// the rest of it is skipped. After EOF (or a read error, kept in stats().last_error) and once
// every line is delivered, fd() returns -1 (the caller removes it from its epoll; the number
// stays valid until destruction) and the descriptor is closed if owned. Lines are delivered
// without their '\n' (a '\r' stays, as with LineReader).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <bannin/source/poll_source.h>
#include <bannin/source/poll_support.h>

namespace bannin::source {

struct StdinOptions {
  std::size_t max_line = 4u << 20;
  std::uint32_t source_id = 0;
  bool owns_fd = false;  ///< close the descriptor at EOF / destruction
};

class StdinSource final : public PollSource {
 public:
  static constexpr std::size_t kBlock = 1u << 20;  ///< bytes per read
  static constexpr std::size_t kPadding = 64;      ///< readable bytes past a line

  /// Reads fd (standard input by default); name is the origin of its Records and describe()
  /// ("stdin", "pipe:CMD"). Cannot fail: a bad descriptor ends the source at once (fd() is
  /// -1, the reason in stats().last_error).
  explicit StdinSource(int fd = 0, std::string name = "stdin", const StdinOptions& options = {});

  ~StdinSource() override;
  StdinSource(const StdinSource&) = delete;
  StdinSource& operator=(const StdinSource&) = delete;

  [[nodiscard]] int fd() const override;
  std::size_t read_ready(const Sink& sink, std::size_t max_records) override;
  [[nodiscard]] std::string describe() const override { return name_; }
  [[nodiscard]] const SourceStats& stats() const override { return stats_; }
  /// True once EOF was seen and every line delivered.
  [[nodiscard]] bool finished() const noexcept { return finished_; }

 private:
  // One read if bytes are there; false when nothing was read (would block, EOF or error).
  bool fill();
  // The next line from the buffer (or the partial last one at EOF); false if none yet.
  bool next_line(model::Record& rec);
  void finish();

  int fd_;
  std::string name_;
  StdinOptions options_;
  ReadyFd ready_;
  bool pollable_ = true;
  std::vector<char> buf_;
  std::size_t begin_ = 0;          // first unconsumed byte
  std::size_t scan_ = 0;           // where to resume looking for '\n'
  std::size_t end_ = 0;            // end of valid data
  std::uint64_t base_offset_ = 0;  // stream offset of buf_[0]
  bool eof_ = false;
  bool skipping_ = false;  // dropping the rest of an over-long line
  bool finished_ = false;
  SourceStats stats_;
};

}  // namespace bannin::source
