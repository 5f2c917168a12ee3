// Actuator: the act stage's interface (ARCHITECTURE "act"). An actuator carries out
// Decisions (apply), undoes them (revoke), removes everything it installed (flush), and says
// what is in force (list). Every call returns one ActionResult per Decision given, in input
// order, and never throws: a refused kernel command, an unsupported scope or a bad address is
// an outcome, not an exception (STYLE §3, "a failed action is data").
//
// Implementations: nftables/ (the kernel, through libnftables) and recording/ (writes what it
// would do; observe mode and tests). One instance is used from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/decide/decision.h>

namespace bannin::act {

enum class Outcome {
  Applied,      ///< in force now (added, or refreshed with the decision's TTL)
  DryRun,       ///< would be applied; checked but nothing changed
  Recorded,     ///< written down by a recording actuator, nothing enforced
  Revoked,      ///< removed
  NotFound,     ///< revoke of a target that is not in force (not an error)
  Covered,      ///< a wider prefix in force (or in the same batch) already covers it
  Unsupported,  ///< not this actuator's job (e.g. vhost_path for nftables)
  Invalid,      ///< the decision itself is unusable (bad address, no TTL)
  Failed,       ///< the actuator tried and the system refused; detail says why
};

/// Stable lowercase name, used in JSON output ("applied", "not_found", …).
std::string_view outcome_name(Outcome o) noexcept;

/// One actuator call's result for one Decision.
struct ActionResult {
  std::size_t index = 0;  ///< position of the decision in the batch
  std::string target;     ///< canonical target text ("192.0.2.7", "2001:db8::/48", key)
  Outcome outcome = Outcome::Failed;
  std::int64_t timeout_s = 0;  ///< timeout installed (Applied/DryRun/Recorded), else 0
  std::string detail;          ///< why, for people (error text, "covered by …")
};

/// One thing in force, as the actuator reports it.
struct EnforcedEntry {
  std::string target;          ///< canonical text
  std::string where;           ///< e.g. the nftables set name
  std::int64_t timeout_s = 0;  ///< the TTL it was installed with
  std::int64_t expires_s = 0;  ///< seconds left; -1 when unknown
};

/// An actuator's own state, apart from single results: work it keeps to retry (a recording
/// file on a full disk) and the last problem. health() also retries that work.
struct ActuatorHealth {
  bool ok = true;
  std::string problem;              ///< the last error while !ok ("observe-actions.jsonl: …")
  std::uint64_t pending_bytes = 0;  ///< kept for a retry
  std::uint64_t errors = 0;         ///< failed attempts so far
  std::uint64_t dropped = 0;        ///< given up (over the retry bound); counted, never silent
};

struct FlushReport {
  bool existed = false;     ///< there was something of ours to remove
  std::string description;  ///< what was removed ("table inet bannin")
};

class Actuator {
 public:
  virtual ~Actuator() = default;
  Actuator() = default;
  Actuator(const Actuator&) = delete;
  Actuator& operator=(const Actuator&) = delete;

  /// Puts the decisions in force, as one transaction where the actuator has them.
  virtual std::vector<ActionResult> apply(std::span<const decide::Decision> batch) = 0;
  /// Removes the decisions' targets (only the exact target; a wider prefix stays).
  virtual std::vector<ActionResult> revoke(std::span<const decide::Decision> batch) = 0;
  /// Removes everything this actuator installed, and nothing else.
  virtual core::Result<FlushReport> flush() = 0;
  /// What is in force now.
  virtual core::Result<std::vector<EnforcedEntry>> list() = 0;
  /// Retries deferred work, then says how the actuator is. Called often (every loop of the
  /// daemon's act thread); cheap when there is nothing to retry.
  virtual ActuatorHealth health() { return {}; }
  /// How long the caller should gather decisions into one apply() call: 0 for actuators
  /// whose changes are cheap (nftables), a short window for those that reload a server.
  virtual std::chrono::milliseconds batch_window() const { return std::chrono::milliseconds(0); }
};

/// A wrapping actuator's batch (quarantine, processes): the decisions it handles itself get
/// `own(decision, i)`; the others go, in order, to `forward(rest)` (the wrapped actuator's
/// apply or revoke), and every result comes back at its decision's position in `batch`.
template <typename Handles, typename Own, typename Forward>
std::vector<ActionResult> handle_or_forward(std::span<const decide::Decision> batch,
                                            Handles handles, Own own, Forward forward) {
  std::vector<ActionResult> out(batch.size());
  std::vector<decide::Decision> rest;
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!handles(batch[i])) {
      rest.push_back(batch[i]);
      at.push_back(i);
      continue;
    }
    out[i] = own(batch[i], i);
    out[i].index = i;
  }
  if (!rest.empty()) {
    for (auto r : forward(std::span<const decide::Decision>(rest))) {
      const std::size_t i = at[r.index];
      r.index = i;
      out[i] = std::move(r);
    }
  }
  return out;
}

}  // namespace bannin::act
