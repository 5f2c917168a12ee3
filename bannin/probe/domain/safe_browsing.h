// Google Safe Browsing Lookup API v4 (DOMAIN-HEALTH-REFERENCE §3.1): is http://DOMAIN/ or
// https://DOMAIN/ on Google's MALWARE, SOCIAL_ENGINEERING, UNWANTED_SOFTWARE or
// POTENTIALLY_HARMFUL_APPLICATION lists?
//
//   POST {base}/v4/threatMatches:find?key=KEY   (JSON body: safe_browsing_request_body)
//   -> {}                                        clean
//   -> {"matches":[{"threatType":…,"platformType":…,"threat":{"url":…},"cacheDuration":"300s"}]}
//
// The parser and safe_browsing_result() are pure functions of untrusted text and never throw:
// bad JSON or an unexpected shape becomes state "error" with the place named; fuzzed by
// tests/fuzz/reputation_fuzz.cpp. The HTTP call, key, rate limit and cache are in
// reputation.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/probe/domain/http.h>
#include <bannin/probe/domain/report.h>

namespace bannin::probe::domain {

inline constexpr std::string_view kSafeBrowsingDefaultUrl = "https://safebrowsing.googleapis.com";

struct SafeBrowsingMatch {
  std::string threat_type;                    ///< MALWARE, SOCIAL_ENGINEERING, …
  std::string platform_type;                  ///< ANY_PLATFORM, …
  std::string url;                            ///< threat.url
  std::optional<std::int64_t> cache_seconds;  ///< cacheDuration
};

struct SafeBrowsingVerdict {
  std::vector<SafeBrowsingMatch> matches;  ///< empty: not listed
  /// The shortest cacheDuration of the matches (v4 gives none for "no match").
  std::optional<std::int64_t> cache_seconds;

  /// Distinct threat types, sorted ("MALWARE, SOCIAL_ENGINEERING").
  [[nodiscard]] std::vector<std::string> threat_types() const;
};

/// The threatMatches:find request for http://DOMAIN/ and https://DOMAIN/.
std::string safe_browsing_request_body(std::string_view domain);

/// The request URL: {base}/v4/threatMatches:find?key=KEY (the key percent-encoded).
std::string safe_browsing_url(std::string_view base, std::string_view key);

/// A google.protobuf.Duration in JSON ("300s", "1.5s") -> whole seconds (rounded up).
std::optional<std::int64_t> parse_proto_duration(std::string_view text);

core::Result<SafeBrowsingVerdict> parse_safe_browsing_response(std::string_view json);

/// One result, check "safebrowsing": clean (ok), listed (critical), rate_limited (HTTP 429),
/// error (key rejected: 400 "API key not valid"/401/403; other HTTP; bad JSON), timeout.
/// `source` names the service (never the URL with the key). `verdict` receives the parsed
/// answer when there is one.
CheckResult safe_browsing_result(const std::string& domain, const HttpResponse& response,
                                 const std::string& source, core::TimeNs now,
                                 SafeBrowsingVerdict* verdict = nullptr);

}  // namespace bannin::probe::domain
