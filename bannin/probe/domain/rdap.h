// Registry status through RDAP (RFC 9082/9083), found through the IANA bootstrap file
// dns.json (RFC 9224; a copy ships in data/rdap/dns.json).
//
// The parsers are pure functions of untrusted text and never throw (simdjson errors become
// Error results); they are fuzzed by tests/fuzz/rdap_fuzz.cpp. fetch_rdap_domain() does the
// HTTP GET with libcurl with bounded connect and total timeouts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/core/time.h>
#include <bannin/probe/domain/report.h>

namespace bannin::probe::domain {

/// The bootstrap services: (label suffixes, base URLs).
struct RdapBootstrap {
  struct Service {
    std::vector<std::string> entries;  ///< lower-case TLDs or suffixes ("com", "co.uk")
    std::vector<std::string> urls;     ///< base URLs, each ending in '/'
  };
  std::vector<Service> services;

  /// The base URL for `domain` (longest matching entry; HTTPS preferred), or nullopt when the
  /// TLD has no RDAP service (e.g. .jp).
  [[nodiscard]] std::optional<std::string> base_for(std::string_view domain) const;
};

core::Result<RdapBootstrap> parse_rdap_bootstrap(std::string_view json);
core::Result<RdapBootstrap> load_rdap_bootstrap(const std::string& path);

struct RdapDomain {
  std::string ldh_name;
  std::vector<std::string> status;  ///< normalised (normalize_epp_status)
  std::optional<core::TimeNs> expiration;
  std::string expiration_text;           ///< as sent
  std::vector<std::string> nameservers;  ///< lower-case, no trailing dot
  std::string registrar;                 ///< fn of the entity with role "registrar"
};

core::Result<RdapDomain> parse_rdap_domain(std::string_view json);

/// One spelling for every status: RDAP "server hold", EPP "serverHold", WHOIS
/// "serverHold https://icann.org/epp#serverHold" all become "server hold"; EPP "ok" becomes
/// "active".
std::string normalize_epp_status(std::string_view s);

/// True for the statuses under which the registry publishes no delegation: server hold,
/// client hold, inactive, redemption period, pending delete, pending restore.
bool status_removes_from_dns(std::string_view normalised);

struct RdapFetch {
  long http_status = 0;  ///< 0 when no HTTP answer arrived
  std::string body;
  std::string error;  ///< transport error text (timeout, refused …)
  bool timed_out = false;
  std::string retry_after;  ///< Retry-After header value, if any
  std::string url;          ///< the URL asked
};

/// GET <base>domain/<name> with Accept: application/rdap+json. Follows at most 3 redirects
/// (http/https only); body capped at 1 MiB.
RdapFetch fetch_rdap_domain(const std::string& base_url, const std::string& domain, int timeout_ms);

/// The registration facts RDAP and WHOIS share: `expired` / `expires_soon` (30 days) from the
/// expiration date, and `parking_ns` when a registered name server is a registrar's parking or
/// suspension host. Appended to out under `check` with `source`.
void append_registration_results(std::vector<CheckResult>& out, const char* check,
                                 const std::string& source,
                                 const std::optional<core::TimeNs>& expiration,
                                 const std::string& expiration_text,
                                 const std::vector<std::string>& nameservers, core::TimeNs now);

/// Turns a fetch into results (check = "rdap"): the status verdict and, when known and near,
/// the expiration. `now` is an input (time is never read here).
std::vector<CheckResult> rdap_results(const std::string& domain, const RdapFetch& fetch,
                                      core::TimeNs now);

}  // namespace bannin::probe::domain
