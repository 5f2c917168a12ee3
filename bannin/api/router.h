// Router: the API's endpoints as a pure function from a request to a response, apart from
// the HTTP library (server.cpp only copies fields in and out), so every route, every error
// and the auth rules are tested without sockets and the request handling can be fuzzed.
//
//   GET    /, /assets/NAME              the dashboard's embedded files (web/assets.h; no token:
//                                       the page's own API requests carry it)
//   GET    /health                      {"ok":true} (never needs the token)
//   GET    /metrics                     Backend::metrics_text(), Prometheus text 0.0.4
//   GET    /v1/decisions/stream, /v1/decisions?ip=   CrowdSec bouncers (api/lapi.h; X-Api-Key)
//   GET    /api/v1/status               Backend::status_json()
//   GET    /api/v1/series[?name=&from=&to=&step=]   Backend::series_names_json / series_json
//   GET    /api/v1/decisions?state=S    Backend::decisions_json(S)
//   POST   /api/v1/decisions            Backend::add_decision (body: decision_request.h)
//   DELETE /api/v1/decisions/{target}   Backend::revoke (also ?target=; ?note= optional)
//   GET    /api/v1/findings, /api/v1/incidents[/{id}], /api/v1/rules   (router_findings.cpp)
//   GET    /api/v1/guard                Backend::guard_json() (the overload guard)
//   GET    /api/v1/record, POST /api/v1/record/freeze[?reason=]   the flight recorder
//
// Errors are {"error":{"code":…,"message":…[,"field":…][,"offset":N]}} with 400, 401, 403,
// 404, 405, 411, 413, 415, 409, 503 or 500 (docs/api.md). Owned by api::Server; handle() is
// const and may run on every worker thread at once (the Backend locks what it reads).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <bannin/api/backend.h>
#include <bannin/core/time.h>

namespace bannin::api {

struct HttpRequest {
  std::string method;                        ///< "GET", "HEAD", "POST", "DELETE", …
  std::string path;                          ///< percent-decoded path, without the query
  std::map<std::string, std::string> query;  ///< decoded parameters (first value of each)
  std::string host;                          ///< Host header ("" when absent)
  std::string authorization;                 ///< Authorization header ("" when absent)
  std::string content_type;                  ///< Content-Type header ("" when absent)
  std::string api_key;        ///< X-Api-Key header ("" when absent; CrowdSec bouncers)
  std::string if_none_match;  ///< If-None-Match header ("" when absent; dashboard files)
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;                       ///< Allow header, set with 405
  bool challenge = false;                  ///< add WWW-Authenticate: Bearer (401)
  std::string etag;                        ///< ETag header when not empty (dashboard files)
  std::string cache_control = "no-store";  ///< the dashboard's files: "no-cache" (revalidate)
};

/// Headers every answer carries (server.cpp adds them): the dashboard is served by this
/// server, so its pages and the API share these. The CSP allows only this origin's own
/// scripts, styles, images and requests — no inline code, no CDN, no framing.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'";

struct RouterOptions {
  std::string token;  ///< "" = no auth; else every route but /health needs "Bearer TOKEN"
  /// Refuse requests whose Host header is not a loopback address or "localhost" (403): a
  /// web page cannot reach a loopback API through DNS rebinding. On for loopback listeners.
  bool loopback_host_only = true;
  std::function<core::TimeNs()> now;  ///< clock for manual decisions; empty = system clock
};

class Router {
 public:
  Router(Backend& backend, RouterOptions options);
  [[nodiscard]] HttpResponse handle(const HttpRequest& request) const;

 private:
  HttpResponse dispatch(const HttpRequest& request) const;
  HttpResponse lapi(const HttpRequest& request) const;
  HttpResponse series(const HttpRequest& request) const;
  HttpResponse add_decision(const HttpRequest& request) const;
  HttpResponse revoke(const HttpRequest& request, std::string_view path_target) const;
  /// GET /api/v1/findings, /api/v1/incidents[/{id}], /api/v1/rules (router_findings.cpp).
  HttpResponse findings_route(const HttpRequest& request) const;
  /// GET / and /assets/NAME: the embedded dashboard (router_web.cpp).
  HttpResponse web_route(const HttpRequest& request) const;
  Backend& backend_;
  RouterOptions options_;
};

/// True for the paths web_route() serves: "/", "/index.html", "/assets/…".
bool is_web_path(std::string_view path) noexcept;

/// "GET, HEAD" for the paths findings_route() serves, "" for any other path.
std::string_view findings_allow(std::string_view path) noexcept;

/// {"error":{"code":…,"message":…}} as a response (field and offset added when given).
HttpResponse error_response(int status, std::string_view code, std::string_view message,
                            std::string_view field = {},
                            std::optional<std::size_t> offset = std::nullopt);

/// The HTTP status for a Backend error code: invalid_argument, invalid_field, missing_field
/// and bad_* 400; not_found 404; conflict, allowlisted 409; unavailable, busy, store_busy
/// 503; anything else 500.
int status_for_backend_error(std::string_view code) noexcept;

/// Compares in time that depends only on the lengths, not on where the texts differ.
bool token_matches(std::string_view expected, std::string_view given) noexcept;

/// True when a Host header value ("127.0.0.1:8730", "[::1]:8730", "localhost") names a
/// loopback address or localhost.
bool host_is_loopback(std::string_view host) noexcept;

}  // namespace bannin::api
