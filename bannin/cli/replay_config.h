// Configuration for `bannin replay` (and, with issue 7, the daemon): a YAML file plus
// `-o key=value` overrides, validated with located errors. Keys:
//   site.home_countries: [JP]        countries counted as domestic ($home_countries in rules)
//   geo.database: tor | PATH.mmdb    country source (default: Debian tor-geoipdb files)
//   detect.memory_budget_mb: 256     detection state budget
//   detect.evidence: 5               raw lines kept per finding
//   allowlist: [CIDR, ...]           never decided against
//   rules.<rule id>.<param>: value   rule parameter overrides ("*" for every rule)
#pragma once

#include <map>
#include <string>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/ruleset/expr.h>

namespace bannin::cli {

struct ReplayConfig {
  std::vector<std::string> home_countries;
  std::string geo_database = "tor";
  std::size_t memory_budget_mb = 256;
  std::vector<std::string> allowlist;
  std::map<std::string, ruleset::ParamValue, std::less<>> rule_overrides;
};

/// Loads FILE (may be empty: defaults) then applies overrides "key=value" (lists comma-separated).
core::Result<ReplayConfig> load_replay_config(const std::string& file,
                                              const std::vector<std::string>& overrides);

}  // namespace bannin::cli
