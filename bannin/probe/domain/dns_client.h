// DnsClient: asynchronous DNS queries to explicitly chosen servers (address and port), with
// control of the RD bit and access to the whole answer (rcode, AA, sections, EDE), which
// getaddrinfo() hides. Transport is c-ares (one channel per server, UDP with TCP fallback on
// truncation); the answer bytes are parsed by parse_dns_message().
//
// Usage: submit() any number of queries, then run() until all callbacks have fired. Every
// query ends in a callback exactly once, with an answer, a timeout or an error: the timeout
// is per try and the number of tries is bounded, so run() always returns. One DnsClient is
// owned by one thread.
//
// Pacing: at most `max_in_flight` queries are outstanding per server; the rest wait in a
// queue per server, in submission order. Sending 10 k domains' queries at once overruns a
// server's socket receive buffer (a loopback NSD or unbound drops the excess silently) and
// turns into timeouts that a slower pace would not see. A server that leaves
// `2 * max_in_flight` (at least 16) queries in a row unanswered is given up on: its queued
// queries end at once as errors ("not sent: ...") instead of each waiting out its own
// timeouts, so a dead server costs seconds, not queries/window * timeout.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/probe/domain/dns_message.h>

namespace bannin::probe::domain {

/// A DNS server: an IPv4 or IPv6 address and a port.
struct DnsServer {
  std::string address;
  std::uint16_t port = 53;
  [[nodiscard]] std::string text() const;  ///< "127.0.0.1:53" or "[::1]:53"
  friend bool operator<(const DnsServer& a, const DnsServer& b) {
    return a.address != b.address ? a.address < b.address : a.port < b.port;
  }
  friend bool operator==(const DnsServer& a, const DnsServer& b) {
    return a.address == b.address && a.port == b.port;
  }
};

/// Parses "ADDR", "ADDR:PORT", "[V6]" or "[V6]:PORT" (the address must be a literal).
core::Result<DnsServer> parse_dns_server(std::string_view text, std::uint16_t default_port = 53);

/// The servers in /etc/resolv.conf (or `path`), in order; empty when none can be read.
std::vector<DnsServer> system_resolvers(const std::string& path = "/etc/resolv.conf");

struct DnsQueryOptions {
  int timeout_ms = 1500;  ///< per try
  int tries = 2;
  /// Queries outstanding at once per server (more wait in a queue); 0 = no limit.
  int max_in_flight = 64;
};

/// Counters of one DnsClient (for --stats and benches).
struct DnsClientStats {
  std::uint64_t sent = 0;            ///< queries handed to c-ares (first tries)
  std::uint64_t answered = 0;        ///< ended with an answer (any rcode)
  std::uint64_t timeouts = 0;        ///< ended without an answer after all tries
  std::uint64_t errors = 0;          ///< ended in a transport/parse error
  std::uint64_t not_sent = 0;        ///< ended unsent: their server had stopped answering
  std::uint64_t retransmits = 0;     ///< tries that timed out, also of queries answered later
  std::uint64_t servers = 0;         ///< distinct servers asked
  std::uint64_t peak_in_flight = 0;  ///< most queries outstanding at one server
};

enum class DnsStatus {
  Answered,  ///< `message` holds the parsed answer (any rcode)
  Timeout,   ///< no answer within the tries
  Error,     ///< refused connection, malformed answer, …: see `error`
};

struct DnsOutcome {
  DnsStatus status = DnsStatus::Error;
  DnsMessage message;
  std::string error;  ///< for Error: a short reason
  [[nodiscard]] bool answered() const noexcept { return status == DnsStatus::Answered; }
};

class DnsClient {
 public:
  using Callback = std::function<void(const DnsOutcome&)>;

  explicit DnsClient(DnsQueryOptions options = {});
  ~DnsClient();
  DnsClient(const DnsClient&) = delete;
  DnsClient& operator=(const DnsClient&) = delete;

  /// Queues one query. `name` without trailing dot is fine. The callback runs inside run().
  void submit(const DnsServer& server, std::string_view name, RrType type, bool recursion_desired,
              Callback callback);
  /// Processes until every submitted query has completed (including queries submitted from
  /// callbacks).
  void run();
  /// When `flag` is raised, run() cancels what is in flight (callbacks see an error) and
  /// returns within about a second. nullptr: never.
  void set_cancel(const std::atomic<bool>* flag) noexcept { cancel_ = flag; }

  /// Queries sent and answered/timed out since construction (for metrics and benches).
  [[nodiscard]] std::uint64_t sent() const noexcept { return stats_.sent; }
  [[nodiscard]] std::uint64_t timeouts() const noexcept { return stats_.timeouts; }
  [[nodiscard]] const DnsClientStats& stats() const noexcept { return stats_; }

  struct Channel;  // c-ares channel for one server, and its queue (defined in the .cpp)

 private:
  Channel* channel_for(const DnsServer& server, std::string& error);
  void send_queued(Channel& ch);

  DnsQueryOptions options_;
  std::map<DnsServer, std::unique_ptr<Channel>> channels_;
  DnsClientStats stats_;
  std::uint64_t pending_ = 0;  // submitted, callback not yet run (queued ones included)
  const std::atomic<bool>* cancel_ = nullptr;              // set_cancel
  std::vector<std::pair<Callback, DnsOutcome>> deferred_;  // failures found at submit time
};

/// Convenience for tests and one-off calls: one query, waited for.
DnsOutcome query_once(const DnsServer& server, std::string_view name, RrType type, bool rd,
                      DnsQueryOptions options = {});

}  // namespace bannin::probe::domain
