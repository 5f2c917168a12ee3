// FindingService: GET /api/v1/findings, /api/v1/incidents and /api/v1/incidents/{id} on a store
// connection (stage: api). The daemon gives it a connection of its own (store::Store is used
// by one thread at a time: the service locks it per request), the countries of addresses
// (its geo database) and the rules in force (titles, windows, campaigns, number names).
// Every answer is bounded: a page of at most kMaxLimit, at most max_scan findings grouped per
// incidents request (the newest; "truncated" says when older ones were left out), at most
// kDecisionsPerFinding decisions per finding and max_decisions per incident. Grouping reads
// every finding of the range, so its result is cached (kCacheEntries ranges) until the
// store's findings or decisions or the rules change; a page is then rendered from memory.
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
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
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
  /// Changes whenever the rules in force change (reload); empty: never.
  std::function<std::uint64_t()> rules_version;
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
  /// The findings of [from, to] grouped into incidents; from the cache while the store's
  /// findings_version() and the rules' version are what they were (called with mu_ held).
  core::Result<std::shared_ptr<const Grouped>> group(core::TimeNs from, core::TimeNs to);
  std::optional<RuleFacts> facts(const std::string& rule) const;
  store::Store& store_;
  std::mutex& mu_;
  FindingServiceOptions options_;
  // The last few groupings (under mu_): an incidents page and its detail views reuse them
  // until a finding or decision is added or removed or the rules change.
  struct Cached {
    core::TimeNs from = 0, to = 0;
    std::string version;
    std::shared_ptr<const Grouped> grouped;
  };
  std::vector<Cached> cache_;  // at most kCacheEntries, most recent last
  std::uint64_t hits_ = 0, misses_ = 0;
  // Rendered incidents pages (under mu_): a dashboard and its operators poll the same page;
  // an answer is reused while the store's findings, decision states and rules are unchanged
  // and within the same second (in force / open depend on the clock).
  struct CachedPage {
    std::string key;      // the query
    std::string version;  // findings_version / decision states / rules / second
    std::string body;
  };
  std::vector<CachedPage> pages_;  // at most kPageEntries, most recent last
  std::uint64_t page_hits_ = 0;
  // Countries of addresses (an incident of a relay wave names thousands): asked of the geo
  // database once per address, up to kCountryMemo addresses (then the memo starts over).
  std::string country_of(const std::string& ip);
  std::unordered_map<std::string, std::string> countries_;

 public:
  static constexpr std::size_t kCacheEntries = 4;
  static constexpr std::size_t kPageEntries = 16;
  static constexpr std::size_t kCountryMemo = 200'000;
  /// Groupings served from the cache and computed (tests, metrics).
  [[nodiscard]] std::pair<std::uint64_t, std::uint64_t> cache_counts() const;
  /// Incidents pages answered from the page cache (tests, metrics).
  [[nodiscard]] std::uint64_t page_hits() const;
};

}  // namespace bannin::api
