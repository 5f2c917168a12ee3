// One bounded HTTP exchange for the domain probe (RDAP, Safe Browsing, VirusTotal), through
// libcurl loaded on demand (docs/decisions/2026-11-25-load-libcurl-on-demand.md).
//
// Every request has a total and a connect timeout, a body size cap and a redirect limit; the
// outcome is always an HttpResponse (never an exception): an HTTP status, or status 0 with a
// transport error. Only http and https are allowed, also after a redirect.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/time.h>

namespace bannin::probe::domain {

struct HttpRequest {
  std::string method = "GET";  ///< GET or POST
  std::string url;
  std::vector<std::string> headers;  ///< "Name: value"
  std::string body;                  ///< sent for POST
  int timeout_ms = 5000;             ///< total and connect timeout
  std::size_t max_body = 1u << 20;   ///< a larger answer ends in an error
  /// Redirects followed (http/https only). API calls that carry a key use 0: curl would send
  /// a custom key header on to another host.
  long max_redirects = 0;
};

struct HttpResponse {
  long http_status = 0;  ///< 0 when no HTTP answer arrived
  std::string body;
  std::string error;  ///< transport error text (timeout, refused, too large …)
  bool timed_out = false;
  std::string retry_after;  ///< Retry-After header value, if any
};

HttpResponse http_request(const HttpRequest& request);

/// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, relative to `now`.
/// nullopt when empty or unreadable; a date in the past is 0.
std::optional<std::int64_t> retry_after_seconds(std::string_view value, core::TimeNs now);

/// Percent-encodes everything outside RFC 3986 unreserved characters (for a query value).
std::string url_encode(std::string_view s);

}  // namespace bannin::probe::domain
