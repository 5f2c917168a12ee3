// FindingService: GET /api/v1/findings, /api/v1/incidents and /api/v1/incidents/{id} on a store
// connection (stage: api). The daemon gives it a connection of its own (store::Store is used
// by one thread at a time: the service locks it per request), the countries of addresses
// (its geo database) and the rules in force (titles, windows, campaigns, number names).
// Every answer is bounded: a page of at most kMaxLimit, at most max_scan findings grouped per
// incidents request (the newest; "truncated" says when older ones were left out), at most
// kDecisionsPerFinding decisions per finding and max_decisions per incident.
//
// Shapes (docs/api.md, docs/openapi.yaml):
//   findings:  {"findings":[{id, ts, rule, title, group, numbers, vhost, account, evidence,
//              decisions_total, decisions:[decision]}], "next_cursor": C|null}
//   incidents: {"incidents":[incident], "next_cursor": C|null, "scanned": N, "truncated": b}
//   incident:  incident + {"findings":[finding without decisions], "decisions":[decision]}
// Thread-safety: every method may be called from any API worker thread.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <bannin/api/finding_query.h>
#include <bannin/core/result.h>
#include <bannin/core/time.h>
#include <bannin/store/store.h>

namespace bannin::api {

/// What the service needs to know of a rule in force.
struct RuleFacts {
  std::string title;
  core::TimeNs window = 0;
  bool campaign = false;
  std::vector<std::pair<std::string, std::string>> number_names;  ///< aggregate text -> name
};

struct FindingServiceOptions {
  /// Country code of an address ("" when unknown); empty: no countries.
  std::function<std::string(std::string_view ip)> country;
  /// The rule in force with that id; empty or nullopt: unknown (default gap, no campaign).
  std::function<std::optional<RuleFacts>(const std::string& rule)> rule;
  std::function<core::TimeNs()> now;  ///< wall clock (decisions in force); empty = system
  std::size_t max_scan = 100'000;     ///< findings grouped per incidents request
  std::size_t max_decisions = 1'000;  ///< decisions listed in one incident
};

inline constexpr std::size_t kDecisionsPerFinding = 100;
inline constexpr std::size_t kEvidencePerIncident = 20;

class FindingService {
 public:
  /// The store and its lock are the caller's and outlive the service.
  FindingService(store::Store& store, std::mutex& store_mu, FindingServiceOptions options);

  core::Result<std::string> findings(const FindingQuery& q);
  core::Result<std::string> incidents(const FindingQuery& q);
  /// The incident holding finding `id` (its first finding's id is the incident's id, but any
  /// of its findings finds it). not_found when there is no such finding.
  core::Result<std::string> incident(std::int64_t id);

 private:
  struct Grouped;
  core::Result<Grouped> group(core::TimeNs from, core::TimeNs to);
  std::optional<RuleFacts> facts(const std::string& rule) const;
  store::Store& store_;
  std::mutex& mu_;
  FindingServiceOptions options_;
};

}  // namespace bannin::api
