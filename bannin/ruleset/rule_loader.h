// Loading rule files: read -> collect -> compile -> LoadReport (STYLE §3, Falco's
// falco_load_result). Every problem in every file is collected with a stable code and a
// file:line:column, never only the first; a rule with an error is left out, the others load.
// Used by `bannin rules check`, `bannin replay` and (later) the daemon's reload.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <bannin/ruleset/rule.h>

namespace bannin::ruleset {

struct LoadProblem {
  std::string code;  ///< e.g. "yaml_syntax", "missing_key", "unknown_field", "duplicate_id"
  std::string message;
  std::string file;
  std::uint32_t line = 0, column = 0;  ///< 1-based; 0 = whole file
  std::string rule_id;
  bool warning = false;
};

struct LoadOptions {
  /// Parameters every rule sees, e.g. home_countries from `site.home_countries`.
  Params globals;
  /// Overrides of rule parameters: key "<rule id>.<param>" or "*.<param>".
  std::map<std::string, ParamValue, std::less<>> overrides;
  const enrich::GeoDb* geo = nullptr;
};

struct LoadReport {
  std::vector<std::shared_ptr<const Rule>> rules;
  std::vector<LoadProblem> problems;
  std::size_t files = 0;
  [[nodiscard]] std::size_t errors() const;
  [[nodiscard]] bool ok() const { return errors() == 0; }
};

/// Loads every *.yaml / *.yml file under each path (files or directories, sorted by name).
LoadReport load_rules(const std::vector<std::string>& paths, const LoadOptions& options);
/// Loads rules from YAML text (tests, fuzzing); `file` names it in problems.
void load_rules_text(const std::string& text, const std::string& file, const LoadOptions& options,
                     LoadReport& report);

/// "10m", "24h", "30s", "500ms", "1d" -> nanoseconds.
std::optional<core::TimeNs> parse_duration(std::string_view s);

}  // namespace bannin::ruleset
