// PollSource: a source the daemon's ingest thread waits on with epoll (syslog sockets,
// journald, stdin). The ingest thread owns every PollSource: when fd() is readable it calls
// read_ready(), which reads without blocking and hands each message to the sink as a Record
// (bytes valid only during the call). At most max_records are delivered per call, so one busy
// source cannot starve the others; the rest is read on the next call. Files are followed by
// FileTail (file_tail.h) instead, driven by inotify.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <bannin/model/record.h>

namespace bannin::source {

struct SourceStats {
  std::uint64_t records = 0;  ///< messages delivered
  std::uint64_t bytes = 0;
  std::uint64_t truncated = 0;       ///< messages longer than the limit, cut and marked
  std::uint64_t dropped_kernel = 0;  ///< lost before bannin read them (SO_RXQ_OVFL)
  std::uint64_t errors = 0;          ///< read errors (counted, the source keeps going)
  std::string last_error;
};

class PollSource {
 public:
  using Sink = std::function<void(const model::Record&)>;
  virtual ~PollSource() = default;
  /// The descriptor to wait on for EPOLLIN; -1 when the source is closed (EOF).
  [[nodiscard]] virtual int fd() const = 0;
  /// Reads what is there now, without blocking; returns how many records were delivered.
  virtual std::size_t read_ready(const Sink& sink, std::size_t max_records) = 0;
  /// A name for status output, e.g. "syslog udp 127.0.0.1:5514".
  [[nodiscard]] virtual std::string describe() const = 0;
  [[nodiscard]] virtual const SourceStats& stats() const = 0;
};

}  // namespace bannin::source
