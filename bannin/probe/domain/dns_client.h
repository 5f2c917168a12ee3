// DnsClient: asynchronous DNS queries to explicitly chosen servers (address and port), with
// control of the RD bit and access to the whole answer (rcode, AA, sections, EDE), which
// getaddrinfo() hides. Transport is c-ares (one channel per server, UDP with TCP fallback on
// truncation); the answer bytes are parsed by parse_dns_message().
//
// Usage: submit() any number of queries, then run() until all callbacks have fired. Every
// query ends in a callback exactly once, with an answer, a timeout or an error: the timeout
// is per try and the number of tries is bounded, so run() always returns. One DnsClient is
// owned by one thread.
#pragma once

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

  /// Queries sent and answered/timed out since construction (for metrics and benches).
  [[nodiscard]] std::uint64_t sent() const noexcept { return sent_; }
  [[nodiscard]] std::uint64_t timeouts() const noexcept { return timeouts_; }

  struct Channel;  // c-ares channel for one server (defined in the .cpp)

 private:
  Channel* channel_for(const DnsServer& server, std::string& error);

  DnsQueryOptions options_;
  std::map<DnsServer, std::unique_ptr<Channel>> channels_;
  std::uint64_t sent_ = 0;
  std::uint64_t timeouts_ = 0;
  std::uint64_t pending_ = 0;
  std::vector<std::pair<Callback, DnsOutcome>> deferred_;  // failures found at submit time
};

/// Convenience for tests and one-off calls: one query, waited for.
DnsOutcome query_once(const DnsServer& server, std::string_view name, RrType type, bool rd,
                      DnsQueryOptions options = {});

}  // namespace bannin::probe::domain
