// Decider: the decide stage. Turns Findings into Decisions from the rule's templates: fills
// the target from the group (src_ip, vhost+path) or from campaign members, drops targets on
// the allowlist, and does not repeat a decision whose target is already covered by an active
// one. Time comes from the findings. One per pipeline; not thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <bannin/core/ip_prefix.h>
#include <bannin/decide/decision.h>
#include <bannin/detect/detector.h>

namespace bannin::decide {

/// Allowlist entries are core::IpPrefix values (address or network, host bits cleared).
using Cidr = core::IpPrefix;

struct DeciderOptions {
  std::vector<Cidr> allowlist;  ///< never decided against (own addresses, proxies, partners)
};

struct DeciderStats {
  std::uint64_t decisions = 0;
  std::uint64_t suppressed_active = 0;   ///< target already under an active decision
  std::uint64_t suppressed_allowlist = 0;
};

class Decider {
 public:
  explicit Decider(DeciderOptions options) : options_(std::move(options)) {}
  /// Appends the decisions a finding leads to.
  void decide(const detect::Finding& finding, std::vector<Decision>& out);
  [[nodiscard]] const DeciderStats& stats() const noexcept { return stats_; }

 private:
  bool admit(Decision& d);
  DeciderOptions options_;
  DeciderStats stats_;
  std::map<std::string, core::TimeNs> active_;  // key -> expiry
};

}  // namespace bannin::decide
