// Per-rule Prometheus series for GET /metrics (stage api): the counters of GET /api/v1/rules
// (evaluations, matched, findings, decisions, capped, suppressed, groups evicted and expired,
// members cut) as one counter family each, labelled by rule id. Cardinality is bounded by the
// rule set in force (the daemon refuses rule files it cannot load). The router appends them
// to Backend::metrics_text(), so the daemon keeps one source of truth for the counters.
// Pure function; any thread.
#pragma once

#include <string>
#include <string_view>

namespace bannin::api {

/// Prometheus text (0.0.4) for the rules document of Backend::rules_json(): "" when it is not
/// valid JSON or holds no rules.
std::string rule_metrics_text(std::string_view rules_json);

}  // namespace bannin::api
