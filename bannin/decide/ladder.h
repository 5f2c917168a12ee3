// Ladder: the escalation ladder for containment of a hosting account (incidents S2, S3).
//
// A rule's containment decision (scope vhost_path or vhost, action deny or deny_foreign) is
// rewritten to the step its account is on:
//   notice   no containment: the decision becomes notify_only (the owner is told);
//   path     the rule's own decision (the form path, e.g. POSTs from abroad);
//   vhost    the same measure on the whole site (the path is dropped);
//   suspend  action "suspend" on the site, carried out by the operator's hook (a panel
//            command that suspends the account) — never by bannin itself.
// An account starts on the first step. When its harm goes on (another containment finding)
// `step_time` after the current step took effect, the next step is announced first: a
// warning decision (notify_only, reason "… in N minutes unless …") goes out and the next step
// takes effect only at a finding at least `warn_lead` after that warning. So no account is
// contained harder, let alone suspended, without a notice before it; and when the harm stops,
// nothing more happens. After `reset_after` without findings the account starts over.
// Operators pin an account to a step (it never moves) or exempt it (notice only, always).
//
// Time comes from the decisions (event time), so replay and the daemon climb alike. State is
// bounded (max_accounts; the account quiet longest is forgotten first, counted).
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/decide/decision.h>

namespace bannin::decide {

enum class LadderStep : std::uint8_t { Notice, Path, Vhost, Suspend };

/// "notice", "path", "vhost", "suspend".
const char* ladder_step_name(LadderStep s) noexcept;
/// Parses a step name; false when unknown.
bool parse_ladder_step(std::string_view text, LadderStep& out) noexcept;

struct LadderOptions {
  bool enabled = false;
  std::vector<LadderStep> steps{LadderStep::Path, LadderStep::Vhost, LadderStep::Suspend};
  core::TimeNs step_time = 3600 * core::kNsPerSec;          ///< a step's time to stop the harm
  core::TimeNs warn_lead = 900 * core::kNsPerSec;           ///< warning before the next step
  core::TimeNs reset_after = 86400 * core::kNsPerSec;       ///< quiet this long: first step again
  std::map<std::string, LadderStep, std::less<>> pinned{};  ///< account -> fixed step
  std::set<std::string, std::less<>> exempt{};              ///< accounts: notice only
  std::size_t max_accounts = 100'000;
  /// The account of a site (the hosting inventory); "" when unknown: the site is its own
  /// account then.
  std::function<std::string(std::string_view vhost)> account_of{};
};

/// Problems with option values, for people; empty when fine.
std::vector<std::string> check_options(const LadderOptions& options);

struct LadderStats {
  std::uint64_t contained = 0;    ///< containment decisions seen
  std::uint64_t notice_only = 0;  ///< turned into notify_only (notice step or exempt)
  std::uint64_t warnings = 0;     ///< next step announced
  std::uint64_t escalations = 0;  ///< steps taken after their warning
  std::uint64_t resets = 0;       ///< accounts back on the first step after a quiet time
  std::uint64_t evicted = 0;      ///< accounts forgotten to stay within max_accounts
  std::size_t accounts = 0;       ///< tracked now
};

class Ladder {
 public:
  explicit Ladder(LadderOptions options = {});

  /// True for the decisions the ladder applies to (containment of a site).
  [[nodiscard]] static bool applies(const Decision& d) noexcept;

  /// Rewrites `d` (a containment decision, see applies()) for its account's step and appends
  /// a warning decision to `warnings` when the next step is announced now.
  void apply(Decision& d, std::vector<Decision>& warnings);

  /// The step an account is on now (the first step when unknown).
  [[nodiscard]] LadderStep step_of(std::string_view account) const;
  [[nodiscard]] const LadderStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const LadderOptions& options() const noexcept { return options_; }
  /// Replaces the options (SIGHUP); accounts keep their step where it still exists.
  void set_options(LadderOptions options);

 private:
  struct State {
    std::size_t step = 0;        ///< index into options_.steps
    core::TimeNs since = 0;      ///< when the step took effect
    core::TimeNs last = 0;       ///< the last containment finding
    core::TimeNs warned_at = 0;  ///< when the next step was announced (0: not yet)
    std::list<std::string>::iterator recency;
  };
  std::string account(const Decision& d) const;
  void rewrite(Decision& d, LadderStep step, const std::string& account);
  Decision warning(const Decision& d, LadderStep next, const std::string& account) const;
  void touch(State& s);

  LadderOptions options_;
  LadderStats stats_;
  std::unordered_map<std::string, State> accounts_;
  std::list<std::string> recency_;  ///< accounts, quiet longest first
};

}  // namespace bannin::decide
