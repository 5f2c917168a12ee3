// The result vocabulary of the domain probe: one CheckResult per (subject, check, source),
// grouped per subject (a domain or an IP address) into a SubjectReport. States are stable
// snake_case keys (they become the `state` field of `domain.status` Events and key the
// plain-language explanations in explain.h); `detail` carries the facts for people.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bannin::probe::domain {

/// How bad a result is. Order matters: worst() takes the maximum. Unknown (a check that was
/// attempted and could not finish: timeout, error, untrusted answer) ranks above Warning,
/// because it may hide a critical state; Info (a check not configured, e.g. no API key)
/// ranks below Warning and never changes the exit code.
enum class Severity { Ok = 0, Info = 1, Warning = 2, Unknown = 3, Critical = 4 };

std::string_view severity_name(Severity s) noexcept;

struct CheckResult {
  std::string check;   ///< delegation, child, resolver, rdap, dnsbl, safebrowsing, virustotal
  std::string source;  ///< which server, resolver, zone or registry answered ("" if none)
  std::string state;   ///< stable key, e.g. delegation_removed, server_hold, listed
  Severity severity = Severity::Ok;
  std::string detail;  ///< facts: rcode, flags, codes, dates
};

/// One security vendor's verdict on VirusTotal (last_analysis_results), kept whole so the
/// daemon can alert on a change of a single engine (virustotal.h diff_engines).
struct EngineVerdict {
  std::string engine;    ///< engine_name, e.g. "Bfore.Ai PreCrime"
  std::string category;  ///< harmless, undetected, suspicious, malicious, timeout, …
  std::string result;    ///< the engine's own label ("clean", "phishing", …)

  friend bool operator==(const EngineVerdict&, const EngineVerdict&) = default;
};

struct SubjectReport {
  std::string subject;  ///< domain (A-label form, lower-case, no trailing dot) or IP address text
  /// The domain's U-label form for people ("例え.jp" for "xn--r8jz45g.jp"); equal to
  /// `subject` (or empty) for a name without IDN labels and for an IP.
  std::string subject_unicode;
  bool is_ip = false;
  std::vector<CheckResult> results;
  /// VirusTotal's per-engine verdicts, sorted by engine; empty when VT was not asked or did
  /// not answer with a report.
  std::vector<EngineVerdict> engines;
  /// The delegated name servers as the parent (TLD) reports them (the delegation check's
  /// referral), lower-case, no trailing dot, sorted; empty when the delegation check did not
  /// end "delegated" (removed, timeout, error, not checked) or for an IP.
  std::vector<std::string> nameservers;

  [[nodiscard]] Severity worst() const noexcept;
};

/// 0 ok (or only info), 1 warning, 2 critical, 3 could not check (some check ended unknown
/// and nothing was critical).
int exit_code_for(const std::vector<SubjectReport>& reports) noexcept;

}  // namespace bannin::probe::domain
