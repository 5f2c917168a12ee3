// api::Backend: what the HTTP API asks of the running daemon. The daemon (app/) implements
// it; the API server (api/server.h) only turns HTTP requests into these calls and their
// results into responses, so the API can be tested against any Backend, and the daemon
// never sees HTTP. Every method may be called from the API's worker threads at any time
// while the daemon runs: implementations lock what they read.
#pragma once

#include <cstdint>
#include <string>

#include <bannin/api/finding_query.h>
#include <bannin/api/lapi.h>
#include <bannin/core/result.h>
#include <bannin/core/time.h>
#include <bannin/decide/decision.h>

namespace bannin::api {

/// GET /api/v1/series?name=…&from=…&to=…&step=…, checked and with its defaults filled by
/// the router (docs/api.md "Series"): times are wall-clock nanoseconds, step whole seconds.
struct SeriesRequest {
  std::string name;
  core::TimeNs from = 0, to = 0, step = 0;
  bool step_given = false;  ///< false: the backend may pick a coarser step for a long range
};

class Backend {
 public:
  virtual ~Backend() = default;
  /// GET /api/v1/status: one JSON object (schema in docs/api.md): daemon (version, mode,
  /// started, uptime_s, config), sources [{id, kind, origin, state, lines, rate_1m,
  /// errors, dropped, missing}], queues [{name, depth, capacity, dropped}], store
  /// {path, ok, last_error, written, failed, dropped}, decisions {in_force, proposed, ...}.
  virtual std::string status_json() = 0;
  /// GET /api/v1/decisions?state=S: a JSON array of decisions (store rows), newest first.
  virtual core::Result<std::string> decisions_json(const std::string& state) = 0;
  /// POST /api/v1/decisions: a manual decision (origin "person"); returns its JSON row.
  virtual core::Result<std::string> add_decision(const decide::Decision& d) = 0;
  /// DELETE /api/v1/decisions/{target}: revokes every decision in force for that exact
  /// target ("192.0.2.7", "2001:db8::/48"); returns how many were revoked.
  virtual core::Result<int> revoke(const std::string& target, const std::string& note) = 0;
  /// DELETE /api/v1/decisions?id=N: revokes the decision with that id if it is in force, of
  /// any scope (a site, a path, a file, an account …); returns 1, or 0 when it is not.
  virtual core::Result<int> revoke_id(std::int64_t id, const std::string& note) = 0;
  /// GET /metrics: Prometheus text exposition format.
  virtual std::string metrics_text() = 0;
  /// GET /api/v1/domains: the domain probe's subjects with their latest state per check
  /// (docs/api.md). Backends without a probe answer not_found.
  virtual core::Result<std::string> domains_json() {
    return core::make_error("not_found", "this daemon has no domain probe");
  }
  /// GET /api/v1/domains/{name}: one subject's checks and its timeline (confirmed changes
  /// of state, oldest first). not_found when the name is not probed and has no history.
  virtual core::Result<std::string> domain_json(const std::string& name) {
    return core::make_error("not_found", "no domain " + name.substr(0, 253));
  }
  /// GET /api/v1/series: the names of the KPI series with their unit and last value
  /// (docs/api.md "Series"). Backends without series answer not_found.
  virtual core::Result<std::string> series_names_json() {
    return core::make_error("not_found", "this daemon keeps no series (config kpi:)");
  }
  /// GET /api/v1/series?name=…: one series' points. not_found for an unknown name,
  /// invalid_argument for a step or range the series cannot answer.
  virtual core::Result<std::string> series_json(const SeriesRequest& /*request*/) {
    return core::make_error("not_found", "this daemon keeps no series (config kpi:)");
  }
  // --- findings, incidents, rules (issue 15; api/finding_service.h, docs/api.md) ---
  /// GET /api/v1/findings: {"findings":[…],"next_cursor":…} (FindingService::findings).
  virtual core::Result<std::string> findings_json(const FindingQuery& /*query*/) {
    return core::make_error("not_found", "this daemon keeps no findings");
  }
  /// GET /api/v1/incidents: {"incidents":[…],"next_cursor":…} (FindingService::incidents).
  virtual core::Result<std::string> incidents_json(const FindingQuery& /*query*/) {
    return core::make_error("not_found", "this daemon keeps no findings");
  }
  /// GET /api/v1/incidents/{id}: one incident with its findings and decisions.
  virtual core::Result<std::string> incident_json(std::int64_t id) {
    return core::make_error("not_found", "no incident " + std::to_string(id));
  }
  /// GET /api/v1/rules: the load report, every rule in force with its parameters and
  /// counters (docs/api.md "Rules").
  virtual core::Result<std::string> rules_json() {
    return core::make_error("not_found", "this daemon has no rules to show");
  }

  // --- the overload guard and the flight recorder (issue 16; docs/guard.md) ---
  /// GET /api/v1/guard: the guarded services, their state and the last transitions.
  virtual core::Result<std::string> guard_json() {
    return core::make_error("not_found", "this daemon has no overload guard");
  }
  /// POST /api/v1/record/freeze: the flight recorder's rings written to disk now; returns
  /// the frozen file's description.
  virtual core::Result<std::string> record_freeze(const std::string& /*reason*/) {
    return core::make_error("not_found", "this daemon has no flight recorder");
  }
  /// GET /api/v1/record: the recorder's state and the frozen files.
  virtual core::Result<std::string> records_json() {
    return core::make_error("not_found", "this daemon has no flight recorder");
  }

  /// GET /v1/decisions/stream (CrowdSec bouncers, api/lapi.h): the stream answer, or
  /// "forbidden" for an unknown key. Backends without bouncer support refuse every key.
  virtual core::Result<std::string> decision_stream(const StreamRequest& /*request*/) {
    return core::make_error("forbidden", "access forbidden");
  }
  /// GET /v1/decisions?ip= (bouncers' live mode): a JSON array or "null".
  virtual core::Result<std::string> bouncer_decisions(const std::string& /*api_key*/,
                                                      const std::string& /*ip*/) {
    return core::make_error("forbidden", "access forbidden");
  }
};

}  // namespace bannin::api
