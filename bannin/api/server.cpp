// api::Server on cpp-httplib 0.11: one catch-all handler per method hands every request to
// api::Router, so routing, 404/405 and auth live in one tested place; httplib does the
// sockets, HTTP framing, the body limit (413) and the worker pool.
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bannin/api/router.h>
#include <bannin/api/server.h>
#include <bannin/core/ip_address.h>

namespace bannin::api {
namespace {

bool is_loopback(const core::IpAddress& ip) {
  if (ip.is_v4()) return (ip.v4() >> 24) == 127;
  return ip == *core::IpAddress::parse("::1");
}

/// Why binding failed, found by trying the same bind on a socket of our own: httplib reports
/// only "false", and the operator needs "in use" apart from "not an address of this host".
core::Error diagnose_bind(const ListenAddress& a) {
  const std::string where = a.text();
  const int fd = ::socket(a.v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int err = errno;
  if (fd >= 0) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    int rc = -1;
    if (a.v6) {
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(static_cast<std::uint16_t>(a.port));
      ::inet_pton(AF_INET6, a.host.c_str(), &sa.sin6_addr);
      rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    } else {
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(static_cast<std::uint16_t>(a.port));
      ::inet_pton(AF_INET, a.host.c_str(), &sa.sin_addr);
      rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    }
    if (rc == 0 && ::listen(fd, 1) != 0) rc = -1;
    err = rc == 0 ? 0 : errno;
    ::close(fd);
  }
  switch (err) {
    case EADDRINUSE:
      return core::make_error("in_use",
                              where + " is in use — is another bannin running? set api.listen");
    case EADDRNOTAVAIL:
      return core::make_error("address_unavailable",
                              where + " is not an address of this machine; set api.listen");
    case EACCES:
      return core::make_error("permission_denied",
                              where +
                                  ": permission denied (ports below 1024 need root or "
                                  "CAP_NET_BIND_SERVICE); set api.listen");
    case 0:
      return core::make_error("listen_failed", "could not listen on " + where);
    default:
      return core::make_error("listen_failed",
                              "could not listen on " + where + ": " + std::strerror(err));
  }
}

HttpRequest to_request(const httplib::Request& r) {
  HttpRequest out;
  out.method = r.method;
  out.path = r.path;
  for (const auto& [k, v] : r.params) out.query.emplace(k, v);  // keeps the first of each
  out.host = r.get_header_value("Host");
  out.authorization = r.get_header_value("Authorization");
  out.content_type = r.get_header_value("Content-Type");
  out.body = r.body;
  return out;
}

void write_response(const HttpResponse& in, httplib::Response& out) {
  out.status = in.status;
  if (!in.allow.empty()) out.set_header("Allow", in.allow);
  if (in.challenge) out.set_header("WWW-Authenticate", "Bearer realm=\"bannin\"");
  out.set_header("Cache-Control", "no-store");
  out.set_content(in.body, in.content_type.c_str());
}

}  // namespace

std::string ListenAddress::text(int port_override) const {
  const int p = port_override >= 0 ? port_override : port;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(p);
}

core::Result<ListenAddress> parse_listen_address(std::string_view text) {
  const auto bad = [&](const char* why) {
    return core::make_error("bad_listen_address",
                            "api.listen \"" + std::string(text.substr(0, 80)) + "\": " + why +
                                " (examples: 127.0.0.1:8730, [::1]:8730)");
  };
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') return bad("missing :PORT");
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("missing :PORT");
    host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) return bad("write an IPv6 address in brackets");
    port = text.substr(colon + 1);
  }
  auto ip = core::IpAddress::parse(host);
  if (!ip) return bad("the host must be an IP address");
  int p = -1;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p < 0 || p > 65535) {
    return bad("the port must be 0..65535");
  }
  ListenAddress a;
  a.host = ip->to_string();
  a.port = p;
  a.v6 = !ip->is_v4();
  a.loopback = is_loopback(*ip);
  return a;
}

core::Result<ListenAddress> check_options(const ServerOptions& options) {
  auto address = parse_listen_address(options.listen);
  if (!address) return address.error();
  for (char c : options.token) {
    if (c <= ' ' || c > '~') {
      return core::make_error("bad_token", "api.token must be printable ASCII without spaces");
    }
  }
  if (!address->loopback && options.token.size() < 16) {
    return core::make_error(
        "token_required",
        "api.listen " + address->text() +
            " is not a loopback address: set api.token (16 "
            "characters or more) before exposing the API, or listen on 127.0.0.1 / [::1]");
  }
  return address;
}

struct Server::Impl {
  Impl(Options o, Backend& b) : options(std::move(o)), backend(b) {}
  Options options;
  Backend& backend;
  ListenAddress address;
  std::unique_ptr<Router> router;
  httplib::Server http;
  std::thread thread;
  std::atomic<bool> thread_done{false};
  std::atomic<int> port{0};
};

Server::Server(Options options, Backend& backend)
    : impl_(std::make_unique<Impl>(std::move(options), backend)) {}

Server::~Server() {
  stop();
}

int Server::port() const noexcept {
  return impl_->port.load();
}

std::string Server::url() const {
  return "http://" + impl_->address.text(port());
}

core::Result<bool> Server::start() {
  Impl& s = *impl_;
  if (s.thread.joinable() || s.router) {
    return core::make_error("already_started", "an api::Server starts once; make a new one");
  }
  auto address = check_options(s.options);
  if (!address) return address.error();
  s.address = *address;

  RouterOptions ro;
  ro.token = s.options.token;
  ro.loopback_host_only = s.address.loopback;
  ro.now = s.options.now;
  s.router = std::make_unique<Router>(s.backend, std::move(ro));
  const Router& router = *s.router;

  const auto threads = static_cast<std::size_t>(s.options.threads > 0 ? s.options.threads : 1);
  s.http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // httplib sets SO_REUSEPORT by default, which would let a second daemon bind the same port
  // and silently share the traffic; SO_REUSEADDR alone still refuses a listening port.
  s.http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.http.set_address_family(s.address.v6 ? AF_INET6 : AF_INET);
  s.http.set_payload_max_length(s.options.max_body);
  // One request per connection: with two workers, idle keep-alive connections would hold
  // them; and a request answered before its body was read leaves nothing behind.
  s.http.set_keep_alive_max_count(1);
  s.http.set_read_timeout(s.options.timeout_s, 0);
  s.http.set_write_timeout(s.options.timeout_s, 0);

  const auto serve = [&router](const httplib::Request& req, httplib::Response& res) {
    write_response(router.handle(to_request(req)), res);
  };
  // Methods httplib reads but does not route (CONNECT, TRACE, PRI) are answered before any
  // body is read; so are bodies without a Content-Length (chunked or until EOF), which the
  // body limit would not bound.
  s.http.set_pre_routing_handler([&router](const httplib::Request& req, httplib::Response& res) {
    const std::string& m = req.method;
    if (m != "GET" && m != "HEAD" && m != "POST" && m != "PUT" && m != "DELETE" && m != "OPTIONS" &&
        m != "PATCH") {
      HttpRequest r = to_request(req);
      r.body.clear();
      write_response(router.handle(r), res);
      return httplib::Server::HandlerResponse::Handled;
    }
    const bool sized = req.has_header("Content-Length");
    const bool chunked = req.has_header("Transfer-Encoding");
    // httplib would read a DELETE without Content-Length "until EOF", i.e. until the read
    // timeout; DELETE needs no body, so answer it now. No route takes PUT or PATCH: their
    // 405 needs no body either.
    if ((m == "DELETE" && !sized && !chunked) || m == "PUT" || m == "PATCH") {
      write_response(router.handle(to_request(req)), res);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (chunked || (m == "POST" && !sized)) {
      write_response(error_response(411, "length_required",
                                    "send the body with a Content-Length (no chunked bodies)"),
                     res);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.http.Get(".*", serve);
  s.http.Post(".*", serve);
  s.http.Delete(".*", serve);
  s.http.Options(".*", serve);
  // Responses httplib makes itself (413 body too large, 400 bad request line, 414 …) get the
  // same JSON error shape as ours.
  s.http.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string code = "bad_request";
        std::string message = "the request could not be read as HTTP";
        if (res.status == 413) {
          code = "body_too_large";
          message = "the request body is larger than the API accepts";
        } else if (res.status == 414) {
          code = "uri_too_long";
          message = "the request URI is too long";
        } else if (res.status == 404) {
          code = "not_found";
          message = "no such endpoint";
        } else if (res.status >= 500) {
          code = "internal";
          message = "internal error";
        }
        write_response(error_response(res.status, code, message), res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
        write_response(error_response(500, "internal", "internal error"), res);
      });

  int bound = 0;
  if (s.address.port == 0) {
    bound = s.http.bind_to_any_port(s.address.host);
    if (bound <= 0) return diagnose_bind(s.address);
  } else {
    if (!s.http.bind_to_port(s.address.host, s.address.port)) return diagnose_bind(s.address);
    bound = s.address.port;
  }
  s.port = bound;
  s.thread = std::thread([&s] {
    s.http.listen_after_bind();
    s.thread_done = true;
  });
  // stop() is only effective once httplib runs its accept loop; wait for it so that a
  // stop() right after start() cannot be lost.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!s.http.is_running()) {
    if (s.thread_done || std::chrono::steady_clock::now() > deadline) {
      s.http.stop();
      s.thread.join();
      s.port = 0;
      return core::make_error("listen_failed",
                              "the API server on " + s.address.text(bound) + " did not start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

void Server::stop() {
  Impl& s = *impl_;
  if (!s.thread.joinable()) return;
  s.http.stop();
  s.thread.join();
}

}  // namespace bannin::api
