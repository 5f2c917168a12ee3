// Router: the dashboard's files (bannin/web/assets.h), apart from the JSON routes.
//
//   GET /                 index.html (the single-page app; its routes are #/… fragments)
//   GET /index.html       the same
//   GET /assets/NAME      app.js, app.css, favicon.svg
//
// No token: the files hold no data, and the page asks for the token itself when the API
// answers 401 (docs/dashboard.md). dispatch() has checked the Host header (DNS rebinding).
// Each file has a strong ETag (a hash of its bytes, made at build time); a matching
// If-None-Match is answered 304 without the body, and "Cache-Control: no-cache" makes the
// browser ask every time, so a new binary's dashboard is never hidden behind a stale copy.
#include <bannin/api/router.h>
#include <bannin/web/assets.h>

namespace bannin::api {
namespace {

/// True when the If-None-Match value lists etag (or is "*"). Weak validators ("W/\"…\"")
/// match too: a GET may use the weak comparison (RFC 9110 13.1.2).
bool etag_listed(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.size() > 2 && item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool is_web_path(std::string_view path) noexcept {
  return path == "/" || path == "/index.html" || path.substr(0, 8) == "/assets/";
}

HttpResponse Router::web_route(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    auto r = error_response(405, "method_not_allowed",
                            std::string(request.method.substr(0, 16)) + " is not allowed on " +
                                request.path.substr(0, 200) + " (allowed: GET, HEAD)");
    r.allow = "GET, HEAD";
    return r;
  }
  const web::Asset* asset = web::find_asset(request.path);
  if (asset == nullptr) {
    return error_response(404, "not_found", "no such file: " + request.path.substr(0, 200));
  }
  HttpResponse r;
  r.content_type = std::string(asset->content_type);
  r.etag = std::string(asset->etag);
  r.cache_control = "no-cache";
  if (!request.if_none_match.empty() && etag_listed(request.if_none_match, asset->etag)) {
    r.status = 304;
    return r;
  }
  r.body = std::string(asset->body);
  return r;
}

}  // namespace bannin::api
