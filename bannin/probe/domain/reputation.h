// Reputation services that need an operator's key: Google Safe Browsing (safe_browsing.h) and
// VirusTotal (virustotal.h), asked per domain with a rate limit per provider and a Safe
// Browsing cache, both kept in a ReputationChecker so the daemon's scheduled probe can hold
// one across runs (CheckOptions::reputation_checker) and never asks again inside a
// cacheDuration or beyond a provider's budget.
//
// Without a key a provider is "not_checked" (info) and the detail names the option and the
// environment variable. Beyond the budget a domain is "deferred" (could not check), never
// "clean"; a one-shot check does not wait unless wait_for_rate_limit is set (at most
// max_wait_s per domain). A 429 pauses the provider for its Retry-After (60 s if none).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/probe/domain/http.h>
#include <bannin/probe/domain/rate_limit.h>
#include <bannin/probe/domain/report.h>
#include <bannin/probe/domain/safe_browsing.h>
#include <bannin/probe/domain/virustotal.h>

namespace bannin::probe::domain {

struct ReputationOptions {
  std::string safe_browsing_key;  ///< empty: Safe Browsing not checked. Never printed.
  std::string safe_browsing_url = std::string(kSafeBrowsingDefaultUrl);
  std::string virustotal_key;  ///< empty: VirusTotal not checked. Never printed.
  std::string virustotal_url = std::string(kVirusTotalDefaultUrl);
  int timeout_ms = 5000;  ///< per HTTP request (connect and total)
  /// Per provider. VirusTotal's public API allows 4/min (and 500/day); Safe Browsing's quota
  /// is per Google Cloud project (10,000/day by default).
  RateLimit safe_browsing_rate{60, 60 * core::kNsPerSec};
  RateLimit virustotal_rate{4, 60 * core::kNsPerSec};
  bool wait_for_rate_limit = false;  ///< wait for a token instead of reporting "deferred"
  std::int64_t max_wait_s = 900;     ///< a longer wait is reported "deferred" even so
  /// Safe Browsing v4 sends no cacheDuration for "no match": clean answers are kept this long.
  std::int64_t safe_browsing_clean_cache_s = 300;
  /// A listing is kept for its cacheDuration, but never longer than this: no warning on data
  /// older than 30 minutes (Safe Browsing terms, reference §3.3).
  std::int64_t safe_browsing_max_cache_s = 1800;
};

/// Key as read from a file or the environment: surrounding white space removed; nullopt when
/// empty or when it holds characters that cannot go into an HTTP header or URL.
std::optional<std::string> clean_api_key(std::string_view text);

class ReputationChecker {
 public:
  using Clock = std::function<core::TimeNs()>;      ///< wall clock, Unix ns
  using Sleep = std::function<void(core::TimeNs)>;  ///< sleeps that many ns
  using Transport = std::function<HttpResponse(const HttpRequest&)>;

  /// Defaults: the system clock, a real sleep, http_request().
  explicit ReputationChecker(ReputationOptions options, Clock clock = {}, Sleep sleep = {},
                             Transport transport = {});

  /// Results of checks "safebrowsing" and "virustotal" for one domain; VirusTotal's
  /// per-engine verdicts go to `engines` (left empty when there is no report). Not
  /// thread-safe: one checker per probe thread.
  std::vector<CheckResult> check(const std::string& domain, std::vector<EngineVerdict>& engines);

  [[nodiscard]] const ReputationOptions& options() const noexcept { return opt_; }

 private:
  struct CacheEntry {
    CheckResult result;
    core::TimeNs asked = 0;
    core::TimeNs expires = 0;
  };

  CheckResult safe_browsing(const std::string& domain);
  std::vector<CheckResult> virustotal(const std::string& domain,
                                      std::vector<EngineVerdict>& engines);
  /// Takes a token (waiting when allowed); "" when taken, else why the domain is deferred.
  std::string take(TokenBucket& bucket, std::string_view provider);

  ReputationOptions opt_;
  Clock clock_;
  Sleep sleep_;
  Transport transport_;
  TokenBucket sb_bucket_;
  TokenBucket vt_bucket_;
  std::map<std::string, CacheEntry> sb_cache_;  ///< by domain
};

}  // namespace bannin::probe::domain
