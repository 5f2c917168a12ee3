// Helpers shared by the PollSources (syslog_receiver, stdin_source, journald_source).
//
// ReadyFd: the one descriptor a PollSource hands to the daemon's epoll. It is an epoll
// instance of its own that watches the source's real descriptor (socket, pipe, journal
// inotify fd) and an eventfd the source raises while it still holds records it could not
// deliver because read_ready() hit max_records. Without it such records would wait for the
// next byte to arrive on the real descriptor — a quiet socket or a `tail -f` pipe could hold
// the end of a burst for hours. An epoll fd is itself pollable and reports readable while
// any watched descriptor is (level-triggered), so the daemon needs nothing special.
// A descriptor epoll refuses (a regular file as stdin) is treated as always ready.
//
// Owned by one PollSource; called only from the thread that owns that source (the daemon's
// ingest thread). Move-only.
#pragma once

#include <string>

#include <bannin/core/result.h>
#include <bannin/core/time.h>

namespace bannin::source {

class ReadyFd {
 public:
  ReadyFd() = default;
  ~ReadyFd();
  ReadyFd(ReadyFd&& other) noexcept;
  ReadyFd& operator=(ReadyFd&& other) noexcept;
  ReadyFd(const ReadyFd&) = delete;
  ReadyFd& operator=(const ReadyFd&) = delete;

  /// Creates the epoll instance and the eventfd, and watches fd for EPOLLIN. The value is
  /// false when fd cannot be watched by epoll (a regular file): the source is then always
  /// ready and must call set_pending(true) until it has nothing more to read.
  static core::Result<ReadyFd> create(int fd, bool* pollable = nullptr);

  /// The descriptor for the daemon's epoll; -1 when closed.
  [[nodiscard]] int fd() const noexcept { return epoll_fd_; }
  /// Raise (true) or clear (false) the "records still held" signal. Cheap when unchanged.
  void set_pending(bool pending) noexcept;
  [[nodiscard]] bool pending() const noexcept { return pending_; }
  /// Stops watching fd (before it is closed, or at EOF): fd() then never turns readable again
  /// unless set_pending(true). The descriptor number stays valid until close().
  void unwatch(int fd) noexcept;
  /// Closes both descriptors (the watched fd is not owned and stays open).
  void close() noexcept;

 private:
  int epoll_fd_ = -1;
  int event_fd_ = -1;
  bool pending_ = false;
};

/// The wall clock (CLOCK_REALTIME) in ns: Record::received of live sources. Sources are the
/// one place bannin reads the clock; everything downstream takes time from the Record.
core::TimeNs wall_clock_now() noexcept;

/// strerror as a std::string (thread-safe).
std::string errno_text(int err);

}  // namespace bannin::source
