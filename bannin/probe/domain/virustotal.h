// VirusTotal API v3 domain report (DOMAIN-HEALTH-REFERENCE §4): the per-vendor verdicts.
//
//   GET {base}/api/v3/domains/DOMAIN   header x-apikey: KEY
//   -> {"data":{"attributes":{"last_analysis_stats":{…},
//        "last_analysis_results":{"Bfore.Ai PreCrime":{"engine_name":…,"category":…,"result":…}}}}}
//
// A single engine saying malicious or suspicious is reported by name ("Bfore.Ai PreCrime:
// suspicious"), never as a count: lone verdicts are common and often wrong, but in incident S1
// one vendor's flag led to a registry hold (§4.4). The whole per-engine list goes to the
// report (SubjectReport::engines) so the daemon can alert on a change of one engine
// (diff_engines). Parsers are pure and never throw: bad JSON or an unexpected shape is state
// "error" with the place named; fuzzed by tests/fuzz/reputation_fuzz.cpp.
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

inline constexpr std::string_view kVirusTotalDefaultUrl = "https://www.virustotal.com";

struct VirusTotalStats {
  std::int64_t harmless = 0, malicious = 0, suspicious = 0, undetected = 0, timeout = 0;
  [[nodiscard]] std::int64_t total() const noexcept {
    return harmless + malicious + suspicious + undetected + timeout;
  }
};

struct VirusTotalReport {
  std::vector<EngineVerdict> engines;              ///< sorted by engine name
  std::optional<VirusTotalStats> stats;            ///< last_analysis_stats as sent
  std::optional<std::int64_t> last_analysis_date;  ///< Unix seconds
};

/// {base}/api/v3/domains/DOMAIN
std::string virustotal_url(std::string_view base, std::string_view domain);

core::Result<VirusTotalReport> parse_virustotal_domain(std::string_view json);

/// True for the categories that flag a site: malicious, suspicious.
bool flags_site(std::string_view category) noexcept;

/// Results, check "virustotal": one per flagging engine, `malicious` (critical) or
/// `suspicious` (warning), named in the detail; `clean` (ok) when none flags; `not_listed`
/// (info) for HTTP 404; `rate_limited` (429, Retry-After in the detail); `error` (key rejected
/// 401/403, other HTTP, bad JSON/shape); `timeout`. `report` receives the parsed report.
std::vector<CheckResult> virustotal_results(const std::string& domain, const HttpResponse& response,
                                            const std::string& source, core::TimeNs now,
                                            VirusTotalReport* report = nullptr);

/// One engine whose category changed between two reports; "" for an engine absent on a side.
struct EngineChange {
  std::string engine;
  std::string old_category;
  std::string new_category;

  friend bool operator==(const EngineChange&, const EngineChange&) = default;
};

/// Engines whose category differs between `prev` and `cur` (added and removed engines too),
/// sorted by engine name. Result labels alone changing ("clean" -> "unrated") do not count.
std::vector<EngineChange> diff_engines(const std::vector<EngineVerdict>& prev,
                                       const std::vector<EngineVerdict>& cur);

}  // namespace bannin::probe::domain
