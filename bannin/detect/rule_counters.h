// RuleCounters: what one rule did since the daemon started, for GET /api/v1/rules and
// /metrics. The detector (on the pipeline thread) is the only writer; the API's threads read
// at any time. Each counter is a relaxed atomic written with a plain load and store (one
// writer: no lock prefix on the hot path, which bumps `evaluations` once per event and rule);
// readers see each value whole, possibly a moment old.
//
// The daemon keeps one RuleCounters per rule id and hands the same object to every Detector
// it builds (DetectorOptions::counters), so counts survive a rule reload (SIGHUP).
#pragma once

#include <atomic>
#include <cstdint>

namespace bannin::detect {

struct RuleCounters {
  std::atomic<std::uint64_t> evaluations{0};     ///< events of the rule's kinds looked at
  std::atomic<std::uint64_t> matched{0};         ///< of those, passed `where` (and captures)
  std::atomic<std::uint64_t> findings{0};        ///< the rule fired (a new finding)
  std::atomic<std::uint64_t> updates{0};         ///< campaign updates (new members decided)
  std::atomic<std::uint64_t> groups_evicted{0};  ///< groups dropped for the cap or the budget
  std::atomic<std::uint64_t> groups_expired{0};  ///< groups whose window had passed
  std::atomic<std::uint64_t> members_cut{0};     ///< campaign members not tracked (max_members)
};

/// Adds n to a counter that only the calling thread writes.
inline void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

}  // namespace bannin::detect
