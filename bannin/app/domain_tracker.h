// DomainTracker: what the daemon's domain probe makes of each round of results (pure logic,
// time is an input; owned by the probe thread, unit-tested without sleeping).
//
// A subject's results are reduced to one state per check key (subject, check, source_key):
// source_key is the list for dnsbl results (each list is its own check) and "" for the
// others, whose worst result stands for the check. Per key the tracker keeps the confirmed
// state. A result that differs from it is
//   - confirmed at once when it is not bad (ok, info: a recovery, a check switched off);
//   - otherwise (warning, unknown, critical: a new listing, a hold, a timeout) held as a
//     candidate and confirmed only when a result at least `reconfirm_after` later still
//     says the same; a result before then that says something else (the old state back, or
//     a third state) means "not confirmed": the candidate is dropped, counted, and the old
//     state kept. reconfirm_after 0 confirms every change at once.
// Every confirmed change is a DomainChange: a row of the domain's timeline, and a Finding
// when it goes into or out of a bad state (is_finding).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/probe/domain/report.h>

namespace bannin::app {

struct CheckKey {
  std::string subject, check, source_key;
  auto operator<=>(const CheckKey&) const = default;  // NOLINT(modernize-use-nullptr)
};

struct CheckState {
  std::string state;
  probe::domain::Severity severity = probe::domain::Severity::Ok;
  std::string source, detail;
  core::TimeNs since = 0;    ///< when this state was confirmed
  core::TimeNs checked = 0;  ///< the last round that saw it
};

struct DomainChange {
  CheckKey key;
  std::string previous;  ///< "" when the check had no state yet
  probe::domain::Severity previous_severity = probe::domain::Severity::Ok;
  CheckState now;  ///< now.since: when the change was confirmed
  core::TimeNs first_seen = 0;
  bool reconfirmed = false;  ///< confirmed by a second look
  /// A change worth a Finding: into a bad state (warning or worse), or out of one (a
  /// recovery). Changes between ok and info (a check that could not run because another
  /// failed, e.g. child not_checked without a delegation) are history only.
  [[nodiscard]] bool is_finding() const {
    return now.severity >= probe::domain::Severity::Warning ||
           (!previous.empty() && previous_severity >= probe::domain::Severity::Warning);
  }
  /// domain.<check>.<state>
  [[nodiscard]] std::string rule_id() const { return "domain." + key.check + "." + now.state; }
};

struct NotConfirmed {
  CheckKey key;
  std::string candidate;  ///< the state that was not confirmed
  std::string kept;       ///< the state kept ("" none)
  std::string seen;       ///< what the later look saw
  core::TimeNs first_seen = 0;
};

struct Observation {
  /// The confirmed state of each key this round saw (changed or seen again), to store.
  std::vector<std::pair<CheckKey, CheckState>> latest;
  std::vector<DomainChange> changes;
  std::vector<NotConfirmed> not_confirmed;
  /// When this subject should be looked at again for a candidate (the earliest due).
  std::optional<core::TimeNs> recheck_at;
};

class DomainTracker {
 public:
  struct Pending {
    CheckKey key;
    CheckState candidate;  ///< candidate.since: first seen
    core::TimeNs due = 0;  ///< confirmed by a result at or after this time
    std::string confirmed_state;
  };

  explicit DomainTracker(core::TimeNs reconfirm_after) : reconfirm_after_(reconfirm_after) {}

  /// Seeds a confirmed state (from the store at start), so a restart is not a change.
  void restore(const CheckKey& key, const CheckState& state);
  Observation observe(const probe::domain::SubjectReport& report, core::TimeNs now);

  [[nodiscard]] std::vector<Pending> pending(const std::string& subject = {}) const;
  [[nodiscard]] const std::map<CheckKey, CheckState>& confirmed() const { return confirmed_; }

  /// The worst result per key (ties: the first), in report order.
  static std::vector<std::pair<CheckKey, probe::domain::CheckResult>> reduce(
      const probe::domain::SubjectReport& report);
  /// Warning or worse: a change into it waits for re-confirmation.
  static bool needs_reconfirm(probe::domain::Severity s) {
    return s >= probe::domain::Severity::Warning;
  }

 private:
  core::TimeNs reconfirm_after_;
  std::map<CheckKey, CheckState> confirmed_;
  std::map<CheckKey, Pending> pending_;
};

/// "critical" -> Severity::Critical; unknown names -> Unknown.
probe::domain::Severity severity_from_name(std::string_view name) noexcept;

}  // namespace bannin::app
