// Registry status over WHOIS (RFC 3912, TCP port 43), the fallback for TLDs whose registry has
// no RDAP service in the IANA bootstrap — .jp first (DOMAIN-HEALTH-REFERENCE §2.6, §2.7).
//
// Which server answers for which TLD is data (data/whois/servers.yaml, versioned), not code.
// The client is a small poll()-based loop: every query runs concurrently on non-blocking
// sockets, each bounded by one deadline (connect + answer) and a size cap, so a silent server
// ends in "timeout" and a flood in "error", never in a hang or in "clean".
//
// The parser is a pure function of untrusted bytes and never throws; it is fuzzed by
// tests/fuzz/whois_fuzz.cpp. It reads JPRS bracketed output in both key sets (English `/e`
// and Japanese, UTF-8 or ISO-2022-JP) and generic "Key: Value" WHOIS (gTLD style). Statuses go
// through normalize_epp_status() (rdap.h), so a WHOIS "serverHold https://icann.org/epp#…"
// reaches the same report state as the RDAP "server hold".
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/core/time.h>
#include <bannin/probe/domain/report.h>

namespace bannin::probe::domain {

/// One row of the WHOIS server table.
struct WhoisServer {
  std::string suffix;  ///< TLD or label suffix, lower-case ("jp", "co.jp")
  std::string host;    ///< host name or address literal
  std::uint16_t port = 43;
  std::string query_suffix;  ///< appended to the domain in the query ("/e" for JPRS English)

  [[nodiscard]] std::string text() const;  ///< "host:port" ("[v6]:port")
};

struct WhoisServers {
  int version = 0;
  std::vector<WhoisServer> servers;

  /// The server for `domain` (longest matching suffix), or nullptr.
  [[nodiscard]] const WhoisServer* server_for(std::string_view domain) const;
};

/// Reads the server table. Problems are collected (each with file:line:column).
core::Result<WhoisServers> parse_whois_servers(const std::string& yaml_text,
                                               const std::string& origin);
core::Result<WhoisServers> load_whois_servers(const std::string& path);

/// "HOST[:PORT]" or "[V6]:PORT" (port default 43) for --whois-server.
core::Result<WhoisServer> parse_whois_server(std::string_view text);

/// What a WHOIS answer says about a domain.
struct WhoisRecord {
  std::string format;               ///< "jprs" or "generic"
  bool not_found = false;           ///< "No match!!", "No match for", "NOT FOUND", …
  std::string domain_name;          ///< lower-case
  std::vector<std::string> status;  ///< normalised (normalize_epp_status), dates removed
  std::string status_text;          ///< as sent, joined with ", " (for the detail)
  std::optional<core::TimeNs> expiration;
  std::string expiration_text;
  std::vector<std::string> nameservers;  ///< lower-case, no trailing dot
  std::string registrar;
  std::string last_update;
  std::string lock_status;  ///< JPRS [Lock Status] / [ロック状態]
};

/// Turns the raw answer into UTF-8: ISO-2022-JP (JPRS' Japanese output) is decoded with
/// glibc iconv; anything else is read as UTF-8. Bytes that cannot be read become U+FFFD.
std::string decode_whois_text(std::string_view raw);

/// Parses an answer (raw bytes, any encoding above). Error when nothing in it is a WHOIS
/// domain record.
core::Result<WhoisRecord> parse_whois(std::string_view raw);

struct WhoisQuery {
  std::string domain;
  WhoisServer server;
};

struct WhoisFetch {
  std::string server;  ///< "host:port" asked
  std::string body;    ///< raw bytes received (up to the cap)
  std::string error;   ///< transport error, empty when the server answered and closed
  bool timed_out = false;
  bool too_large = false;
};

struct WhoisFetchOptions {
  int timeout_ms = 5000;                           ///< per query: connect + send + answer
  std::size_t max_bytes = std::size_t{64} * 1024;  ///< answers above this are an error
  std::size_t max_parallel = 32;                   ///< connections open at once
  /// Raised: open queries end as "cancelled" within about 200 ms (the daemon's shutdown).
  const std::atomic<bool>* cancel = nullptr;
};

/// Asks every query concurrently (poll(), non-blocking sockets); one WhoisFetch per query, in
/// order. Host names are resolved with getaddrinfo once per distinct host.
std::vector<WhoisFetch> fetch_whois(const std::vector<WhoisQuery>& queries,
                                    const WhoisFetchOptions& options);

/// Turns a fetch into results (check = "whois"): the status verdict and, when known and near,
/// the expiration. The states are the RDAP ones (server_hold, pending_delete, expired, …)
/// plus the JPRS lifecycle: suspended (critical), deletion_requested (warning),
/// unknown_status (warning). `now` is an input.
std::vector<CheckResult> whois_results(const std::string& domain, const WhoisFetch& fetch,
                                       core::TimeNs now);

}  // namespace bannin::probe::domain
