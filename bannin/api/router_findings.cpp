// Router: the read-only views of what bannin saw and did (issue 15), apart from router.cpp's
// decisions and bouncers so each part reads on its own:
//
//   GET /api/v1/findings[?rule&from&to&q&vhost&account&limit&cursor]   Backend::findings_json
//   GET /api/v1/incidents[?same parameters]                             Backend::incidents_json
//   GET /api/v1/incidents/{id}                                          Backend::incident_json
//   GET /api/v1/rules                                                   Backend::rules_json
//
// dispatch() has already checked the Host header, the token and the method (GET or HEAD);
// parameters are read by parse_finding_query (finding_query.h): a bad or unknown one is a
// 400 naming it.
#include <utility>

#include <bannin/api/finding_query.h>
#include <bannin/api/router.h>
#include <bannin/api/text_checks.h>

namespace bannin::api {
namespace {

constexpr std::string_view kFindings = "/api/v1/findings";
constexpr std::string_view kIncidents = "/api/v1/incidents";
constexpr std::string_view kIncidentPrefix = "/api/v1/incidents/";
constexpr std::string_view kRules = "/api/v1/rules";

HttpResponse ok_json(std::string body) {
  HttpResponse r;
  if (body.empty() || body.back() != '\n') body.push_back('\n');
  r.body = std::move(body);
  return r;
}

HttpResponse from_error(const core::Error& e) {
  return error_response(status_for_backend_error(e.code), e.code.empty() ? "internal" : e.code,
                        e.message.empty() ? "the daemon refused the request" : e.message);
}

HttpResponse answer(core::Result<std::string> r) {
  if (!r) return from_error(r.error());
  return ok_json(std::move(*r));
}

}  // namespace

std::string_view findings_allow(std::string_view path) noexcept {
  if (path == kFindings || path == kIncidents || path == kRules) return "GET, HEAD";
  if (path.size() > kIncidentPrefix.size() &&
      path.substr(0, kIncidentPrefix.size()) == kIncidentPrefix) {
    return "GET, HEAD";
  }
  return {};
}

HttpResponse Router::findings_route(const HttpRequest& request) const {
  const std::string_view path = request.path;
  if (path == kRules) {
    if (!request.query.empty()) {
      const std::string& name = request.query.begin()->first;
      return error_response(400, "unknown_field",
                            name.substr(0, 64) + ": /api/v1/rules takes no parameters",
                            name.substr(0, 64));
    }
    return answer(backend_.rules_json());
  }
  if (path == kFindings || path == kIncidents) {
    const CursorKind kind = path == kFindings ? CursorKind::Findings : CursorKind::Incidents;
    std::string field;
    auto q = parse_finding_query(request.query, kind, &field);
    if (!q) return error_response(400, q.error().code, q.error().message, field);
    return answer(kind == CursorKind::Findings ? backend_.findings_json(*q)
                                               : backend_.incidents_json(*q));
  }
  // /api/v1/incidents/{id}: a positive decimal id (any finding of the incident).
  const auto id = parse_positive_id(path.substr(kIncidentPrefix.size()));
  if (!id) {
    return error_response(400, "invalid_field",
                          "id: an incident id is a positive whole number (the id of its first "
                          "finding)",
                          "id");
  }
  if (!request.query.empty()) {
    const std::string& name = request.query.begin()->first;
    return error_response(400, "unknown_field",
                          name.substr(0, 64) + ": /api/v1/incidents/{id} takes no parameters",
                          name.substr(0, 64));
  }
  return answer(backend_.incident_json(*id));
}

}  // namespace bannin::api
