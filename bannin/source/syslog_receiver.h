// SyslogReceiver: receives syslog datagrams for the live daemon (issue 7), from UDP (IPv4 or
// IPv6, the classic port 514 receiver) or from a unix datagram socket (the /dev/log kind).
// Source stage; owned by the daemon's ingest thread, which is the only thread that may call
// it. A PollSource: the ingest thread waits on fd() and calls read_ready().
//
// One datagram is one message, or several separated by '\n' (some relays batch): each
// becomes a Record, in order. Trailing '\n', '\r' and '\0' are stripped, so is a '\r' before a
// '\n'; empty datagrams are counted and ignored. Framing (RFC 3164 / RFC 5424) is left to
// decode/syslog: the bytes arrive exactly as sent. A datagram longer than max_message (64 KiB)
// is cut, and its last Record is marked truncated and counted in stats().truncated.
//
// Kernel drops: a UDP socket asks for SO_RXQ_OVFL, and the kernel's count of datagrams it
// dropped because the receive buffer was full arrives with each datagram; the growth of that
// count is added to stats().dropped_kernel. The kernel reports drops only with the next
// datagram it queues, so a burst's losses show up when traffic resumes. A unix datagram
// socket never drops: a full queue makes the sender wait or fail (net.unix.max_dgram_qlen).
//
// Datagrams are read with recvmmsg, up to 16 per system call. Record::bytes point into the
// source's buffer and are valid only during the sink call.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include <bannin/core/result.h>
#include <bannin/source/poll_source.h>
#include <bannin/source/poll_support.h>

namespace bannin::source {

struct SyslogReceiverOptions {
  /// SO_RCVBUF asked for. The kernel caps it at net.core.rmem_max unless bannin may use
  /// SO_RCVBUFFORCE (CAP_NET_ADMIN); receive_buffer() says what was granted.
  std::size_t receive_buffer = 4u << 20;
  /// Longest datagram kept whole; longer ones are cut and marked truncated.
  std::size_t max_message = 64u << 10;
  /// Permissions of the unix socket file (every local program may log by default).
  unsigned mode = 0666;
  /// Record::source_id of every record.
  std::uint32_t source_id = 0;
};

class SyslogReceiver final : public PollSource {
 public:
  enum class Kind { Udp, Unix };

  /// Listens on a configured address: "udp://HOST:PORT", "udp://[IPV6]:PORT" or
  /// "unix:///PATH" (the `listen:` value of a syslog source); see listen_udp and listen_unix.
  static core::Result<std::unique_ptr<SyslogReceiver>> open(
      std::string_view url, const SyslogReceiverOptions& options = {});

  /// Listens on "127.0.0.1:514", "0.0.0.0:514", "[::1]:5514", "[::]:514" (numeric addresses
  /// only; an IPv6 socket is IPv6-only, so "0.0.0.0" and "[::]" can both be listened on).
  /// Port 0 picks a free port (see port()). Errors: "bad_address",
  /// "listen_failed" ("cannot listen on udp 127.0.0.1:514: Permission denied").
  static core::Result<std::unique_ptr<SyslogReceiver>> listen_udp(
      std::string_view address, const SyslogReceiverOptions& options = {});

  /// Creates the unix datagram socket file at path (mode options.mode). A stale socket file
  /// (nobody answers a connect) is replaced; a live one, or a file that is not a socket, is
  /// refused ("cannot listen on unix /dev/log: another process is listening on it"). The
  /// file is removed when the SyslogReceiver is destroyed, if it is still the one it created.
  static core::Result<std::unique_ptr<SyslogReceiver>> listen_unix(
      const std::string& path, const SyslogReceiverOptions& options = {});

  ~SyslogReceiver() override;
  SyslogReceiver(const SyslogReceiver&) = delete;
  SyslogReceiver& operator=(const SyslogReceiver&) = delete;

  [[nodiscard]] int fd() const override { return ready_.fd(); }
  std::size_t read_ready(const Sink& sink, std::size_t max_records) override;
  /// "syslog udp 127.0.0.1:5514", "syslog udp [::1]:5514", "syslog unix /dev/log".
  [[nodiscard]] std::string describe() const override { return name_; }
  [[nodiscard]] const SourceStats& stats() const override { return stats_; }

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  /// The bound UDP port (the chosen one when 0 was asked for); 0 for unix sockets.
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  /// SO_RCVBUF as the kernel reports it (Linux doubles the asked value for bookkeeping).
  [[nodiscard]] std::size_t receive_buffer() const noexcept { return rcvbuf_; }
  /// True when the kernel reports drops on this socket (SO_RXQ_OVFL accepted, UDP).
  [[nodiscard]] bool drops_reported() const noexcept { return drops_reported_; }
  [[nodiscard]] std::uint64_t datagrams() const noexcept { return datagrams_; }
  [[nodiscard]] std::uint64_t empty_datagrams() const noexcept { return empty_datagrams_; }

 private:
  static constexpr std::size_t kBatch = 16;
  static constexpr std::size_t kPadding = 64;      // readable bytes past a message (SIMD parsers)
  static constexpr std::size_t kControlWords = 8;  // 64 bytes: room for SO_RXQ_OVFL

  struct Slot {
    std::size_t len = 0;     // bytes received (at most max_message)
    bool truncated = false;  // the datagram was longer
  };

  SyslogReceiver(Kind kind, int sock, std::string name, const SyslogReceiverOptions& options);
  static core::Result<std::unique_ptr<SyslogReceiver>> finish(std::unique_ptr<SyslogReceiver> s,
                                                              std::size_t want_rcvbuf);
  std::size_t receive(std::size_t want);  // one recvmmsg; returns datagrams read
  // Delivers records of slot cur_ from pos_ on; returns how many.
  std::size_t deliver(const Sink& sink, std::size_t budget);

  Kind kind_;
  int sock_;
  std::string name_;
  std::uint32_t source_id_;
  std::size_t max_message_;
  ReadyFd ready_;
  std::uint16_t port_ = 0;
  std::size_t rcvbuf_ = 0;
  bool drops_reported_ = false;
  std::string unix_path_;  // unix: the socket file to remove at the end
  dev_t unix_dev_ = 0;
  ino_t unix_ino_ = 0;

  std::vector<char> buf_;               // kBatch slots of max_message_ + kPadding bytes
  std::vector<std::uint64_t> control_;  // kBatch cmsg areas of kControlWords words
  Slot slots_[kBatch];
  std::size_t n_ = 0;    // datagrams in the current batch
  std::size_t cur_ = 0;  // datagram being delivered
  std::size_t pos_ = 0;  // next byte of it to deliver
  core::TimeNs batch_time_ = 0;
  std::uint32_t last_overflow_ = 0;
  std::uint64_t datagrams_ = 0;
  std::uint64_t empty_datagrams_ = 0;
  SourceStats stats_;
};

}  // namespace bannin::source
