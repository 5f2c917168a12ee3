#include <charconv>
#include <utility>

#include <httplib.h>

#include <bannin/api/client.h>
#include <bannin/api/json_value.h>

namespace bannin::api {
namespace {

struct UrlParts {
  std::string host;  ///< without brackets
  int port = 80;
};

core::Result<UrlParts> split_url(std::string_view url) {
  const auto bad = [&](const char* why) {
    return core::make_error("bad_url", "API URL \"" + std::string(url.substr(0, 120)) + "\": " +
                                           why + " (example: " + std::string(kDefaultApiUrl) + ")");
  };
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return bad("only http:// is supported");
  std::string_view rest = url.substr(kScheme.size());
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos)
    return bad("give the daemon's address only, no path");
  UrlParts parts;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    parts.host = std::string(rest.substr(1, close - 1));
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return bad("expected :PORT after ']'");
      port = rest.substr(close + 2);
    }
  } else {
    const auto colon = rest.find(':');
    parts.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
    if (port.find(':') != std::string_view::npos) return bad("write an IPv6 address in brackets");
  }
  if (parts.host.empty()) return bad("no host");
  for (char c : parts.host) {
    if (c <= ' ' || c > '~') return bad("bad character in the host");
  }
  if (!port.empty() || rest.back() == ':') {
    int p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p <= 0 ||
        p > 65535) {
      return bad("the port must be 1..65535");
    }
    parts.port = p;
  }
  return parts;
}

}  // namespace

Client::Client(ClientOptions options) : options_(std::move(options)) {
  while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
}

core::Result<ClientResponse> Client::get(const std::string& path) {
  return call("GET", path, nullptr);
}

core::Result<ClientResponse> Client::post(const std::string& path, const std::string& json_body) {
  return call("POST", path, &json_body);
}

core::Result<ClientResponse> Client::del(const std::string& path) {
  return call("DELETE", path, nullptr);
}

core::Result<ClientResponse> Client::call(std::string_view method, const std::string& path,
                                          const std::string* body) {
  auto parts = split_url(options_.url);
  if (!parts) return parts.error();
  httplib::Client http(parts->host, parts->port);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(options_.timeout).count();
  const auto sec = static_cast<time_t>(us / 1'000'000);
  const auto usec = static_cast<time_t>(us % 1'000'000);
  http.set_connection_timeout(sec, usec);
  http.set_read_timeout(sec, usec);
  http.set_write_timeout(sec, usec);
  http.set_keep_alive(false);
  httplib::Headers headers;
  if (!options_.token.empty()) headers.emplace("Authorization", "Bearer " + options_.token);

  httplib::Result r = method == "POST"     ? http.Post(path, headers, *body, "application/json")
                      : method == "DELETE" ? http.Delete(path, headers)
                                           : http.Get(path, headers);
  if (!r) {
    const auto err = r.error();
    const std::string where = options_.url + path;
    if (err == httplib::Error::Connection) {
      return core::make_error("no_daemon", "no daemon answering at " + options_.url);
    }
    if (err == httplib::Error::ConnectionTimeout || err == httplib::Error::Read) {
      return core::make_error("timeout", "no answer from " + where + " within " +
                                             std::to_string(options_.timeout.count()) + " ms");
    }
    return core::make_error("transport", where + ": " + httplib::to_string(err));
  }
  ClientResponse out;
  out.status = r->status;
  out.content_type = r->get_header_value("Content-Type");
  out.body = std::move(r->body);
  return out;
}

std::string api_error_message(const ClientResponse& response) {
  auto doc = parse_json(response.body);
  if (doc) {
    if (const JsonValue* e = doc->find("error")) {
      if (const JsonValue* m = e->find("message"); m && m->string()) return *m->string();
    }
  }
  std::string text = response.body.substr(0, 200);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) text = "HTTP " + std::to_string(response.status);
  return text;
}

std::string url_encode_segment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0F]);
    }
  }
  return out;
}

}  // namespace bannin::api
