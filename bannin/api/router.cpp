#include <array>
#include <chrono>
#include <exception>
#include <utility>

#include <bannin/api/decision_request.h>
#include <bannin/api/router.h>
#include <bannin/api/rule_metrics.h>
#include <bannin/api/text_checks.h>
#include <bannin/core/duration.h>
#include <bannin/core/ip_address.h>
#include <bannin/core/json_writer.h>

namespace bannin::api {
namespace {

constexpr std::string_view kDecisionsPath = "/api/v1/decisions";
constexpr std::string_view kDomainsPath = "/api/v1/domains";
constexpr std::string_view kSeriesPath = "/api/v1/series";
constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4";
constexpr std::array<std::string_view, 6> kStates = {"",        "proposed", "active",
                                                     "expired", "revoked",  "failed"};

core::TimeNs system_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  if (body.empty() || body.back() != '\n') body.push_back('\n');
  r.body = std::move(body);
  return r;
}

HttpResponse from_backend_error(const core::Error& e) {
  return error_response(status_for_backend_error(e.code), e.code.empty() ? "internal" : e.code,
                        e.message.empty() ? "the daemon refused the request" : e.message);
}

/// The media type of a Content-Type value, lower-cased, without parameters and spaces.
std::string media_type(std::string_view ct) {
  std::string out;
  for (char c : ct.substr(0, ct.find(';'))) {
    if (c == ' ' || c == '\t') continue;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

/// True when method is one of the comma-separated names in allow ("GET, HEAD").
bool method_allowed(std::string_view allow, std::string_view method) {
  while (!allow.empty()) {
    const auto comma = allow.find(',');
    std::string_view name = allow.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    if (name == method) return true;
    if (comma == std::string_view::npos) break;
    allow.remove_prefix(comma + 1);
  }
  return false;
}

// A time in a series request: "now", "-15m" (that long ago), Unix seconds, or RFC 3339.
std::optional<core::TimeNs> series_time(std::string_view text, core::TimeNs now) {
  constexpr core::TimeNs kMaxAgo = 400LL * 86400 * core::kNsPerSec;
  if (text == "now") return now;
  if (!text.empty() && text.front() == '-') {
    auto d = core::parse_duration_ns(text.substr(1), false, kMaxAgo);
    if (!d) return std::nullopt;
    return now - *d;
  }
  if (!text.empty() && text.front() >= '0' && text.front() <= '9' &&
      text.find_first_not_of("0123456789.") == std::string_view::npos) {
    return core::parse_epoch_seconds(text);
  }
  return core::parse_iso8601(text);
}

}  // namespace

HttpResponse error_response(int status, std::string_view code, std::string_view message,
                            std::string_view field, std::optional<std::size_t> offset) {
  std::string body;
  core::JsonObjectWriter outer(body);
  outer.key("error");
  core::JsonObjectWriter inner(body);
  inner.string("code", code);
  inner.string("message", message);
  if (!field.empty()) inner.string("field", field);
  if (offset) inner.integer("offset", static_cast<std::int64_t>(*offset));
  inner.close();
  outer.close();
  return json_response(status, std::move(body));
}

int status_for_backend_error(std::string_view code) noexcept {
  if (code == "invalid_argument" || code == "invalid_field" || code == "missing_field" ||
      code.substr(0, 4) == "bad_") {
    return 400;
  }
  if (code == "not_found") return 404;
  if (code == "conflict" || code == "allowlisted") return 409;
  if (code == "unavailable" || code == "busy" || code == "store_busy") return 503;
  return 500;
}

bool token_matches(std::string_view expected, std::string_view given) noexcept {
  // Walk the given text fully whatever its content; the expected length leaks, which is
  // fine for a random token (and unavoidable without hashing both sides).
  unsigned diff = expected.size() == given.size() ? 0U : 1U;
  for (std::size_t i = 0; i < given.size(); ++i) {
    const auto e =
        expected.empty() ? 0U : static_cast<unsigned char>(expected[i % expected.size()]);
    diff |= e ^ static_cast<unsigned char>(given[i]);
  }
  return diff == 0 && !expected.empty();
}

bool host_is_loopback(std::string_view host) noexcept {
  std::string_view name = host;
  if (!name.empty() && name.front() == '[') {
    const auto close = name.find(']');
    if (close == std::string_view::npos) return false;
    name = name.substr(1, close - 1);
  } else {
    // "::1" and a bare IPv6 literal hold colons; try the whole text first.
    if (auto ip = core::IpAddress::parse(name); ip && is_loopback(*ip)) return true;
    const auto colon = name.rfind(':');
    if (colon != std::string_view::npos) name = name.substr(0, colon);
  }
  if (name == "localhost" || name == "localhost.") return true;
  auto ip = core::IpAddress::parse(name);
  return ip && is_loopback(*ip);
}

Router::Router(Backend& backend, RouterOptions options)
    : backend_(backend), options_(std::move(options)) {
  if (!options_.now) options_.now = system_now;
}

HttpResponse Router::handle(const HttpRequest& request) const {
  // Every worker catches here: a throwing Backend costs one 500, never the daemon.
  try {
    return dispatch(request);
  } catch (const std::exception& e) {
    return error_response(500, "internal", std::string("internal error: ") + e.what());
  } catch (...) {
    return error_response(500, "internal", "internal error");
  }
}

namespace {
HttpResponse lapi_message(int status, std::string_view message) {
  std::string body;
  core::JsonObjectWriter o(body);
  o.string("message", message);
  o.close();
  return json_response(status, std::move(body));
}
}  // namespace

HttpResponse Router::lapi(const HttpRequest& request) const {
  const std::string& path = request.path;
  std::string_view method = request.method;
  if (method == "HEAD") method = "GET";
  const auto from_error = [](const core::Error& e) {
    if (e.code == "forbidden") return lapi_message(403, "access forbidden");
    if (e.code.substr(0, 4) == "bad_") return lapi_message(400, e.message);
    return lapi_message(500, e.message.empty() ? "internal error" : e.message);
  };
  if (path == "/v1/decisions/stream" || path == "/v1/decisions") {
    if (method != "GET") {
      auto r = lapi_message(405, "method not allowed");
      r.allow = "GET, HEAD";
      return r;
    }
    if (path == "/v1/decisions") {
      auto it = request.query.find("ip");
      if (it == request.query.end()) return lapi_message(400, "ip: this endpoint needs ?ip=");
      auto body = backend_.bouncer_decisions(request.api_key, it->second);
      if (!body) return from_error(body.error());
      return json_response(200, std::move(*body));
    }
    StreamRequest s;
    s.api_key = request.api_key;
    auto it = request.query.find("startup");
    s.startup = it != request.query.end() && it->second == "true";
    s.filter = parse_stream_filter(request.query);
    auto body = backend_.decision_stream(s);
    if (!body) return from_error(body.error());
    return json_response(200, std::move(*body));
  }
  // Newer bouncers report usage; bannin takes note of nothing but must not fail them.
  if (path == "/v1/usage-metrics" && method == "POST") return json_response(201, "{}");
  return lapi_message(404, "no such endpoint: " + path.substr(0, 200));
}

HttpResponse Router::dispatch(const HttpRequest& request) const {
  const std::string& path = request.path;
  std::string_view method = request.method;
  if (method == "HEAD") method = "GET";

  if (options_.loopback_host_only && !request.host.empty() && !host_is_loopback(request.host)) {
    return error_response(403, "forbidden_host",
                          "this API answers only requests addressed to a loopback address or "
                          "localhost");
  }
  // CrowdSec bouncers (api/lapi.h) identify themselves with X-Api-Key, not the API token,
  // and read errors as {"message":…}.
  if (path.size() >= 4 && std::string_view(path).substr(0, 4) == "/v1/") return lapi(request);
  // The dashboard's files are public (the same for everyone, no data in them); every API
  // request the page makes then needs the token like any other client's.
  if (is_web_path(path)) return web_route(request);
  if (path != "/health" && !options_.token.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    const std::string_view auth = request.authorization;
    const bool ok = auth.size() > kBearer.size() && auth.substr(0, kBearer.size()) == kBearer &&
                    token_matches(options_.token, auth.substr(kBearer.size()));
    if (!ok) {
      auto r = error_response(401, "unauthorized",
                              auth.empty() ? "this API needs a token: send Authorization: "
                                             "Bearer TOKEN (bannin --token, api.token)"
                                           : "the token is not the one the daemon was given");
      r.challenge = true;
      return r;
    }
  }

  // Route first by path, so a known path with the wrong method is a 405 naming the allowed ones.
  std::string_view allow;
  std::string_view target;  // DELETE /api/v1/decisions/{target}
  std::string_view domain;  // GET /api/v1/domains/{name}
  if (path == "/health" || path == "/metrics" || path == "/api/v1/status" || path == kDomainsPath ||
      path == kSeriesPath || path == "/api/v1/guard" || path == "/api/v1/record") {
    allow = "GET, HEAD";
  } else if (path.size() > kDomainsPath.size() + 1 &&
             std::string_view(path).substr(0, kDomainsPath.size() + 1) == "/api/v1/domains/") {
    allow = "GET, HEAD";
    domain = std::string_view(path).substr(kDomainsPath.size() + 1);
  } else if (path == kDecisionsPath) {
    allow = "GET, HEAD, POST, DELETE";
  } else if (path.size() > kDecisionsPath.size() + 1 &&
             std::string_view(path).substr(0, kDecisionsPath.size() + 1) == "/api/v1/decisions/") {
    allow = "DELETE";
    target = std::string_view(path).substr(kDecisionsPath.size() + 1);
  } else if (!findings_allow(path).empty()) {
    allow = findings_allow(path);
  } else if (path == "/api/v1/record/freeze") {
    allow = "POST";
  } else {
    return error_response(404, "not_found", "no such endpoint: " + path.substr(0, 200));
  }
  if (!method_allowed(allow, method)) {
    auto r = error_response(405, "method_not_allowed",
                            std::string(request.method.substr(0, 16)) + " is not allowed on " +
                                path.substr(0, 200) + " (allowed: " + std::string(allow) + ")");
    r.allow = std::string(allow);
    return r;
  }

  if (path == "/health") return json_response(200, "{\"ok\":true}");
  if (!findings_allow(path).empty()) return findings_route(request);
  if (path == "/metrics") {
    HttpResponse r;
    r.content_type = std::string(kMetricsContentType);
    r.body = backend_.metrics_text();
    // Per-rule series from the rules document (bounded by the rule set; rule_metrics.h).
    if (auto rules = backend_.rules_json()) r.body += rule_metrics_text(*rules);
    return r;
  }
  if (path == "/api/v1/status") return json_response(200, backend_.status_json());
  if (path == "/api/v1/guard" || path == "/api/v1/record" || path == "/api/v1/record/freeze") {
    // The overload guard and the flight recorder (docs/guard.md).
    core::Result<std::string> body = core::make_error("not_found", "");
    if (path == "/api/v1/guard") {
      body = backend_.guard_json();
    } else if (path == "/api/v1/record") {
      body = backend_.records_json();
    } else {
      std::string reason = "operator";
      if (auto it = request.query.find("reason"); it != request.query.end()) {
        reason = it->second.substr(0, 200);
      }
      body = backend_.record_freeze(reason);
    }
    if (!body) return from_backend_error(body.error());
    return json_response(200, std::move(*body));
  }
  if (path == kSeriesPath) return series(request);
  if (path == kDomainsPath) {
    auto body = backend_.domains_json();
    if (!body) return from_backend_error(body.error());
    return json_response(200, std::move(*body));
  }
  if (!domain.empty()) {
    bool ok = domain.size() <= 253;
    for (char c : domain) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_' || c == ':');
    }
    if (!ok) {
      return error_response(400, "invalid_field",
                            "name: a domain name or an IP address (A-label form for IDNs)", "name");
    }
    auto body = backend_.domain_json(std::string(domain));
    if (!body) return from_backend_error(body.error());
    return json_response(200, std::move(*body));
  }
  if (method == "POST") return add_decision(request);
  if (method == "DELETE") return revoke(request, target);

  // GET /api/v1/decisions
  std::string state;
  if (auto it = request.query.find("state"); it != request.query.end()) state = it->second;
  bool known = false;
  for (auto s : kStates) known = known || state == s;
  if (!known) {
    return error_response(400, "invalid_field",
                          "state: must be one of proposed, active, expired, revoked, failed",
                          "state");
  }
  auto rows = backend_.decisions_json(state);
  if (!rows) return from_backend_error(rows.error());
  return json_response(200, std::move(*rows));
}

HttpResponse Router::series(const HttpRequest& request) const {
  const auto name = request.query.find("name");
  if (name == request.query.end()) {
    auto body = backend_.series_names_json();
    if (!body) return from_backend_error(body.error());
    return json_response(200, std::move(*body));
  }
  SeriesRequest r;
  r.name = name->second;
  if (r.name.empty() || r.name.size() > 200 || has_control(r.name)) {
    return error_response(400, "invalid_field", "name: a series name (GET /api/v1/series)", "name");
  }
  const core::TimeNs now = options_.now();
  r.to = now;
  if (auto it = request.query.find("to"); it != request.query.end()) {
    auto t = series_time(it->second, now);
    if (!t) {
      return error_response(400, "invalid_field",
                            "to: now, -DURATION (e.g. -5m), Unix seconds or RFC 3339", "to");
    }
    r.to = *t;
  }
  r.from = r.to - 900 * core::kNsPerSec;  // the last quarter of an hour
  if (auto it = request.query.find("from"); it != request.query.end()) {
    auto t = series_time(it->second, now);
    if (!t) {
      return error_response(400, "invalid_field",
                            "from: now, -DURATION (e.g. -1h), Unix seconds or RFC 3339", "from");
    }
    r.from = *t;
  }
  if (r.from > r.to) return error_response(400, "invalid_field", "from: after to", "from");
  r.step = core::kNsPerSec;
  if (auto it = request.query.find("step"); it != request.query.end()) {
    auto d = core::parse_duration_ns(it->second, true, 86400 * core::kNsPerSec);
    if (!d || *d < core::kNsPerSec || *d % core::kNsPerSec != 0) {
      return error_response(400, "invalid_field",
                            "step: whole seconds from 1s to 1d (1s, 10s, 1m, 5m, 1h)", "step");
    }
    r.step = *d;
    r.step_given = true;
  }
  auto body = backend_.series_json(r);
  if (!body) return from_backend_error(body.error());
  return json_response(200, std::move(*body));
}

HttpResponse Router::add_decision(const HttpRequest& request) const {
  // A browser can POST text/plain across origins without asking first; application/json
  // needs a CORS preflight this API never grants.
  if (media_type(request.content_type) != "application/json") {
    return error_response(415, "unsupported_media_type",
                          "send the decision as Content-Type: application/json");
  }
  RequestErrorDetail detail;
  auto d = parse_decision_request(request.body, options_.now(), &detail);
  if (!d)
    return error_response(400, d.error().code, d.error().message, detail.field, detail.offset);
  auto row = backend_.add_decision(*d);
  if (!row) return from_backend_error(row.error());
  return json_response(201, std::move(*row));
}

HttpResponse Router::revoke(const HttpRequest& request, std::string_view path_target) const {
  std::string note = "revoked through the API";
  if (auto n = request.query.find("note"); n != request.query.end()) {
    if (n->second.size() > kMaxReasonBytes || has_control(n->second)) {
      return error_response(400, "invalid_field",
                            "note: at most 1024 bytes, without control characters", "note");
    }
    if (!n->second.empty()) note = n->second;
  }
  // ?id=N: one decision of any scope (a site, a path, a file, an account …).
  if (auto idq = request.query.find("id"); idq != request.query.end()) {
    if (!path_target.empty() || request.query.contains("target")) {
      return error_response(400, "invalid_field", "id: give either an id or a target, not both",
                            "id");
    }
    const auto id = parse_positive_id(idq->second);
    if (!id) {
      return error_response(400, "invalid_field", "id: a decision id (a positive integer)", "id");
    }
    auto revoked = backend_.revoke_id(*id, note);
    if (!revoked) return from_backend_error(revoked.error());
    if (*revoked == 0) {
      return error_response(404, "not_in_force",
                            "decision " + std::to_string(*id) + " is not in force", "id");
    }
    std::string body;
    core::JsonObjectWriter o(body);
    o.integer("id", *id);
    o.integer("revoked", *revoked);
    o.close();
    return json_response(200, std::move(body));
  }
  std::string_view text = path_target;
  const auto q = request.query.find("target");
  if (q != request.query.end()) {
    if (!path_target.empty() && q->second != path_target) {
      return error_response(400, "invalid_field",
                            "target: given both in the path and as ?target=, and they differ",
                            "target");
    }
    text = q->second;
  }
  if (text.empty()) {
    return error_response(400, "missing_field",
                          "target: say what to revoke: DELETE /api/v1/decisions/{target}, "
                          "?target= or ?id=",
                          "target");
  }
  auto canonical = canonical_target(text, "", "target");
  if (!canonical)
    return error_response(400, canonical.error().code, canonical.error().message, "target");
  auto revoked = backend_.revoke(*canonical, note);
  if (!revoked) return from_backend_error(revoked.error());
  if (*revoked == 0) {
    return error_response(404, "not_in_force", "no decision in force for " + *canonical, "target");
  }
  std::string body;
  core::JsonObjectWriter o(body);
  o.string("target", *canonical);
  o.integer("revoked", *revoked);
  o.close();
  return json_response(200, std::move(body));
}

}  // namespace bannin::api
