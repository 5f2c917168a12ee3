// Detector: the detect stage. Rules indexed by event kind; per rule, groups keyed by the
// rule's group_by fields, each with its aggregates over a sliding window; a Finding when a
// group's fire condition becomes true (and again for each new campaign member while it
// stays true). Time comes only from the events (never the wall clock), so replaying a day
// gives what the live daemon would have given. All state is bounded: groups and members have
// caps and counted evictions, distinct() is exact up to 1,000 values and a fixed-size sliding
// HyperLogLog above, and a memory budget evicts the stalest groups.
//
// Every step of process() is O(1) amortised in the number of tracked keys (issue 11): groups,
// campaign members and spare marks sit in per-rule lists in the order they were last touched
// (LruList), so expiring what a window has left behind pops from the front, a full table or
// an exhausted budget evicts the stalest entry, and a campaign at its member cap counts the
// cut without scanning its members. Groups and members live in flat tables (KeyTable: inline
// keys, one index line per lookup). The aggregates are one class each (aggregates.h).
// One Detector per pipeline thread; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <bannin/detect/rule_counters.h>
#include <bannin/model/event.h>
#include <bannin/ruleset/rule.h>

namespace bannin::detect {

struct Finding {
  const ruleset::Rule* rule = nullptr;
  core::TimeNs ts = 0;
  /// The group's key as (field, text), in group_by order.
  std::vector<std::pair<model::Field, std::string>> group;
  /// Aggregate values that made it fire, by canonical text ("distinct(src_ip)").
  std::vector<std::pair<std::string, double>> numbers;
  std::vector<std::string> evidence;  ///< up to rule->evidence raw lines, oldest first
  /// Campaign rules: members (text of the member field) to decide on with this finding.
  std::vector<std::string> members;
  /// True when the group fired earlier and this finding only adds new members.
  bool campaign_update = false;
};

class FindingSink {
 public:
  virtual ~FindingSink() = default;
  virtual void on_finding(const Finding& finding) = 0;
};

struct DetectorOptions {
  std::size_t memory_budget = 256u << 20;  ///< bytes of detection state
  std::size_t max_groups_per_rule = 1'000'000;
  /// The counters of a rule (the daemon's, kept across reloads; rule_counters.h); empty, or
  /// returning null: the detector keeps its own.
  std::function<std::shared_ptr<RuleCounters>(const ruleset::Rule&)> counters = {};
};

struct DetectorStats {
  std::uint64_t events = 0;
  std::uint64_t matched = 0;  ///< (event, rule) pairs that passed `where`
  std::uint64_t findings = 0;
  std::uint64_t groups_evicted = 0;  ///< dropped to stay within caps or budget
  std::uint64_t members_cut = 0;     ///< campaign members not tracked (max_members)
  std::size_t memory_bytes = 0;      ///< current estimate
  std::size_t peak_memory_bytes = 0;
  std::uint64_t groups_expired = 0;  ///< dropped because their window (or ttl) had passed
  std::uint64_t spares_cut = 0;      ///< spare marks not kept (max_groups_per_rule marks)
  /// Keys held now and at most: groups + campaign members + spare marks, over all rules.
  std::size_t tracked_keys = 0;
  std::size_t peak_tracked_keys = 0;
  std::uint64_t groups_reset = 0;  ///< emptied by a rule's `reset` event (a success)
  std::uint64_t not_failures = 0;  ///< matched `where` but a capture marked it no failure
};

class Detector {
 public:
  Detector(const std::vector<std::shared_ptr<const ruleset::Rule>>& rules,
           DetectorOptions options = {});
  ~Detector();
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  /// Feeds one event (in time order) with its raw line for evidence.
  void process(const model::Event& ev, std::string_view raw, FindingSink& sink);
  [[nodiscard]] const DetectorStats& stats() const noexcept { return stats_; }

  /// Rule reload (SIGHUP): takes over the window state of every rule of `old` that is still
  /// here with the same id and the same state layout (kinds, where, group_by, window,
  /// aggregates, campaign member field) — a changed threshold or parameter keeps its windows;
  /// a rule whose layout changed starts empty. Returns how many rules kept their state.
  std::size_t adopt(Detector& old);

  /// The learned state of every baseline()/deviation() aggregate (not the windows), as one
  /// blob for a file beside the store; load_baselines() takes such a blob back after a
  /// restart (each state is given to its group at the group's next event). Records of rules,
  /// aggregates or formats that no longer exist are skipped and counted.
  [[nodiscard]] std::string save_baselines() const;
  struct BaselineLoad {
    std::size_t loaded = 0;   ///< states waiting for their group
    std::size_t skipped = 0;  ///< of a rule or aggregate not loaded now
    bool bad = false;         ///< the blob is not a baselines file, or is cut short
  };
  BaselineLoad load_baselines(std::string_view blob);

 private:
  struct RuleState;
  void process_rule(RuleState& st, const model::Event& ev, std::string_view raw, FindingSink& sink);
  void reset_group(RuleState& st, const model::Event& ev);
  void expire(RuleState& st, core::TimeNs now);
  void evict_stalest();
  void account();
  std::vector<std::unique_ptr<RuleState>> rules_;
  std::vector<std::vector<RuleState*>> by_kind_;
  // One per distinct group_by list: the key of the current event, built once for all the
  // rules that group by the same fields (stamp: the event it was built for).
  struct KeyClass {
    std::vector<model::Field> fields;
    std::string key;
    std::uint32_t hash = 0;
    std::uint64_t stamp = ~std::uint64_t{0};
  };
  std::vector<KeyClass> key_classes_;
  DetectorOptions options_;
  DetectorStats stats_;
  std::uint64_t since_expire_all_ = 0;
  std::unique_ptr<model::Event> captured_;  // an event with a rule's captures added (reused)
};

}  // namespace bannin::detect
