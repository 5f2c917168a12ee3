// api::Server on libmicrohttpd: one handler hands every request to api::Router, so routing,
// 404/405 and auth live in one tested place; libmicrohttpd does the HTTP framing and runs the
// connections on epoll threads; bannin accepts and keeps the deadlines (see Server::Impl).
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bannin/api/router.h>
#include <bannin/api/server.h>
#include <bannin/api/text_checks.h>
#include <bannin/core/ip_address.h>

namespace bannin::api {
namespace {

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

HttpResponse internal_error() {
  return error_response(500, "internal", "internal error");
}

/// Methods the router knows; any other token (CONNECT, TRACE, PRI, …) is answered at once.
bool known_method(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "POST" || m == "PUT" || m == "DELETE" ||
         m == "OPTIONS" || m == "PATCH";
}

}  // namespace

// ---------------------------------------------------------------------------------------
// The server. libmicrohttpd parses HTTP and runs the connections on a small pool of epoll
// threads, so a slow client holds one connection slot, never a thread. bannin keeps the
// listening socket itself: its own acceptor thread hands every connection to MHD
// (MHD_add_connection) and holds a deadline per connection, which libmicrohttpd (idle
// timeouts only) has not: the request head must be complete within head_timeout_s of the
// connection's start, and the next head within keepalive_s of the previous answer. A
// connection past its deadline is shut down; MHD then closes it. The acceptor also keeps the
// per-address and total connection limits, so a refusal is immediate and counted.
// ---------------------------------------------------------------------------------------

struct Server::Impl {
  Impl(Options o, Backend& b) : options(std::move(o)), backend(b) {}

  /// What the acceptor knows of one open connection, by socket.
  struct Open {
    std::chrono::steady_clock::time_point deadline;
    bool started = false;  ///< MHD said it runs the connection (so it will say when it closes)
    bool busy = false;     ///< a request is being answered: no head deadline
    std::string client;    ///< the client's address bytes (per-address limit); "" = not counted
  };

  /// The per-request state between the handler's calls.
  struct RequestState {
    HttpRequest request;
    bool answered = false;
  };

  Options options;
  Backend& backend;
  ListenAddress address;
  std::unique_ptr<Router> router;
  MHD_Daemon* mhd = nullptr;
  int listen_fd = -1;
  int wake_fd = -1;
  std::thread acceptor;
  std::atomic<bool> stopping{false};
  std::atomic<int> port{0};

  std::mutex mu;
  std::unordered_map<int, Open> open;               // under mu
  std::unordered_map<std::string, int> per_client;  // open connections per address; under mu
  std::atomic<std::uint64_t> head_timeouts{0};
  std::atomic<std::uint64_t> refused{0};

  static int fd_of(MHD_Connection* c) {
    const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info ? info->connect_fd : -1;
  }

  void set_state(MHD_Connection* c, bool busy) {
    const int fd = fd_of(c);
    if (fd < 0) return;
    std::lock_guard lock(mu);
    auto it = open.find(fd);
    if (it == open.end()) return;
    it->second.busy = busy;
    if (!busy) {
      it->second.deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(options.keepalive_s);
    }
  }

  static void on_connection(void* cls, MHD_Connection* c, void** /*socket_context*/,
                            MHD_ConnectionNotificationCode code) {
    auto& s = *static_cast<Impl*>(cls);
    const int fd = fd_of(c);
    if (fd < 0) return;
    std::lock_guard lock(s.mu);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      auto [it, fresh] = s.open.try_emplace(fd);
      if (fresh) {
        it->second.deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(s.options.head_timeout_s);
      }
      it->second.started = true;
    } else {
      // Called before MHD closes the socket, so the number cannot have been reused yet.
      auto it = s.open.find(fd);
      if (it != s.open.end()) s.erase_locked(it);
    }
  }

  /// Forgets a connection and gives its address one slot back. Under mu.
  std::unordered_map<int, Open>::iterator erase_locked(std::unordered_map<int, Open>::iterator it) {
    if (!it->second.client.empty()) {
      auto c = per_client.find(it->second.client);
      if (c != per_client.end() && --c->second <= 0) per_client.erase(c);
    }
    return open.erase(it);
  }

  static std::string client_key(const sockaddr_storage& sa) {
    if (sa.ss_family == AF_INET6) {
      const auto& a = reinterpret_cast<const sockaddr_in6&>(sa).sin6_addr;
      return {reinterpret_cast<const char*>(&a), sizeof a};
    }
    const auto& a = reinterpret_cast<const sockaddr_in&>(sa).sin_addr;
    return {reinterpret_cast<const char*>(&a), sizeof a};
  }

  static void on_completed(void* cls, MHD_Connection* c, void** req_cls,
                           MHD_RequestTerminationCode /*code*/) {
    auto& s = *static_cast<Impl*>(cls);
    delete static_cast<RequestState*>(*req_cls);
    *req_cls = nullptr;
    s.set_state(c, false);
  }

  static MHD_Result send(MHD_Connection* c, const HttpResponse& r) {
    MHD_Response* resp = MHD_create_response_from_buffer(
        r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
    if (resp == nullptr) return MHD_NO;
    if (r.status != 304) MHD_add_response_header(resp, "Content-Type", r.content_type.c_str());
    MHD_add_response_header(resp, "Cache-Control", r.cache_control.c_str());
    if (!r.etag.empty()) MHD_add_response_header(resp, "ETag", r.etag.c_str());
    // The dashboard is served here too: every answer carries the same strict headers.
    static const std::string csp(kContentSecurityPolicy);
    MHD_add_response_header(resp, "Content-Security-Policy", csp.c_str());
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (!r.allow.empty()) MHD_add_response_header(resp, "Allow", r.allow.c_str());
    if (r.challenge) MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"bannin\"");
    const MHD_Result ok = MHD_queue_response(c, static_cast<unsigned>(r.status), resp);
    MHD_destroy_response(resp);
    return ok;
  }

  static MHD_Result first_query_value(void* cls, MHD_ValueKind /*kind*/, const char* key,
                                      const char* value) {
    auto& query = *static_cast<std::map<std::string, std::string>*>(cls);
    if (key != nullptr) query.emplace(key, value != nullptr ? value : "");
    return MHD_YES;
  }

  static std::string header(MHD_Connection* c, const char* name) {
    const char* v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    return v != nullptr ? v : "";
  }

  HttpResponse answer(const HttpRequest& request) const {
    try {
      return router->handle(request);
    } catch (...) {
      return internal_error();
    }
  }

  /// The request head is complete: read it, and answer at once what needs no body.
  MHD_Result begin(MHD_Connection* c, const char* url, const char* method, void** req_cls) {
    set_state(c, true);
    auto* st = new RequestState;
    *req_cls = st;
    HttpRequest& r = st->request;
    r.method = method;
    r.path = url;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, &first_query_value, &r.query);
    r.host = header(c, "Host");
    r.authorization = header(c, "Authorization");
    r.content_type = header(c, "Content-Type");
    r.api_key = header(c, "X-Api-Key");
    r.if_none_match = header(c, "If-None-Match");
    const std::string length = header(c, "Content-Length");
    const bool sized = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length") != nullptr;
    const bool chunked =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding") != nullptr;
    const std::string& m = r.method;
    std::optional<HttpResponse> now;
    if (!known_method(m)) {
      now = answer(r);
    } else if (chunked || (m == "POST" && !sized)) {
      // A body without a length is not bounded by the body limit; nothing here needs one.
      now = error_response(411, "length_required",
                           "send the body with a Content-Length (no chunked bodies)");
    } else if (sized) {
      std::uint64_t n = 0;
      auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
      if (ec != std::errc() || end != length.data() + length.size()) {
        now = error_response(400, "bad_request", "Content-Length is not a number");
      } else if (n > options.max_body) {
        now = error_response(413, "body_too_large",
                             "the request body is larger than the API accepts");
      }
    }
    if (!now && (m == "PUT" || m == "PATCH" || (m == "DELETE" && !sized))) now = answer(r);
    if (now) {
      st->answered = true;
      return send(c, *now);
    }
    return MHD_YES;
  }

  static MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method,
                               const char* /*version*/, const char* upload_data,
                               std::size_t* upload_size, void** req_cls) {
    auto& s = *static_cast<Impl*>(cls);
    if (*req_cls == nullptr) return s.begin(c, url, method, req_cls);
    auto& st = *static_cast<RequestState*>(*req_cls);
    if (*upload_size != 0) {
      const std::size_t n = *upload_size;
      *upload_size = 0;
      if (st.answered) return MHD_YES;  // the rest of a refused body: dropped
      if (st.request.body.size() + n > s.options.max_body) {
        st.answered = true;
        return send(c, error_response(413, "body_too_large",
                                      "the request body is larger than the API accepts"));
      }
      st.request.body.append(upload_data, n);
      return MHD_YES;
    }
    if (st.answered) return MHD_YES;
    st.answered = true;
    return send(c, s.answer(st.request));
  }

  /// Accepts connections and hands them to MHD; shuts down those past their deadline.
  void accept_loop() {
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listen_fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev);
    ev.data.fd = wake_fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, wake_fd, &ev);
    epoll_event ready[2];
    while (!stopping.load()) {
      const int n = ::epoll_wait(ep, ready, 2, 200);
      for (int i = 0; i < n; ++i) {
        if (ready[i].data.fd == listen_fd) accept_all();
      }
      sweep();
    }
    ::close(ep);
  }

  void accept_all() {
    for (;;) {
      sockaddr_storage sa{};
      socklen_t len = sizeof sa;
      const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&sa), &len,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        // Out of descriptors or memory: the listening socket stays readable, so wait a little
        // instead of spinning on it.
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return;
      }
      const std::string client = client_key(sa);
      {
        // The limits are kept here, not by MHD, so that a refusal is immediate and counted.
        std::lock_guard lock(mu);
        int& n = per_client[client];
        if (n >= options.per_client ||
            open.size() >= static_cast<std::size_t>(options.max_connections)) {
          if (n == 0) per_client.erase(client);
          refused.fetch_add(1);
          ::close(fd);
          continue;
        }
        ++n;
        if (auto old = open.find(fd); old != open.end()) erase_locked(old);  // a stale entry
        Open& o = open[fd];
        o.client = client;
        o.deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(options.head_timeout_s);
      }
      if (MHD_add_connection(mhd, fd, reinterpret_cast<sockaddr*>(&sa), len) != MHD_YES) {
        // Out of memory in MHD: it has closed the socket already.
        refused.fetch_add(1);
        std::lock_guard lock(mu);
        auto it = open.find(fd);
        if (it != open.end() && !it->second.started) erase_locked(it);
      }
    }
  }

  void sweep() {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu);
    for (auto it = open.begin(); it != open.end();) {
      Open& o = it->second;
      if (o.busy || now < o.deadline) {
        ++it;
        continue;
      }
      if (!o.started) {
        // MHD never ran it (refused in its worker) or runs it late; not ours to touch.
        if (now > o.deadline + std::chrono::seconds(options.head_timeout_s)) {
          it = erase_locked(it);
        } else {
          ++it;
        }
        continue;
      }
      // MHD notices the shutdown, closes the connection and tells on_connection (under mu,
      // so the socket number cannot be reused while we hold it here).
      head_timeouts.fetch_add(1);  // before the shutdown, which the client may see at once
      ::shutdown(it->first, SHUT_RDWR);
      o.deadline = std::chrono::steady_clock::time_point::max();
      ++it;
    }
  }
};

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

ServerCounters Server::counters() const noexcept {
  return {impl_->head_timeouts.load(), impl_->refused.load()};
}

namespace {

/// Binds and listens on the address (SO_REUSEADDR, not SO_REUSEPORT: a second daemon on the
/// same port must be refused, not given half the traffic). -1 when it failed (errno set).
int bind_listen(const ListenAddress& a) {
  const int fd = ::socket(a.v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  int rc = -1;
  if (a.v6) {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof yes);
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
  if (rc != 0 || ::listen(fd, 512) != 0) {
    const int err = errno;
    ::close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

int bound_port(int fd) {
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return 0;
  if (sa.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&sa)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&sa)->sin_port);
}

void quiet_logger(void* /*cls*/, const char* /*fmt*/, va_list /*ap*/) {}

}  // namespace

core::Result<bool> Server::start() {
  Impl& s = *impl_;
  if (s.acceptor.joinable() || s.router) {
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

  s.listen_fd = bind_listen(s.address);
  if (s.listen_fd < 0) return diagnose_bind(s.address);
  s.port = bound_port(s.listen_fd);

  const unsigned threads = static_cast<unsigned>(s.options.threads > 0 ? s.options.threads : 1);
  // No IPv6 flag: MHD never binds (MHD_USE_NO_LISTEN_SOCKET); the acceptor's sockets say
  // their own family.
  const unsigned flags = static_cast<unsigned>(MHD_USE_EPOLL_INTERNAL_THREAD) |
                         static_cast<unsigned>(MHD_USE_NO_LISTEN_SOCKET) |
                         static_cast<unsigned>(MHD_USE_ITC);
  s.mhd = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &Impl::on_request, &s,  //
      MHD_OPTION_THREAD_POOL_SIZE, threads,               //
      // The acceptor keeps the real limits (counted); MHD's total is only a backstop.
      MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned>(s.options.max_connections + 64),  //
      MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned>(s.options.timeout_s),           //
      MHD_OPTION_NOTIFY_COMPLETED, &Impl::on_completed, &s,                                //
      MHD_OPTION_NOTIFY_CONNECTION, &Impl::on_connection, &s,                              //
      MHD_OPTION_EXTERNAL_LOGGER, &quiet_logger, nullptr,                                  //
      MHD_OPTION_END);
  if (s.mhd == nullptr) {
    ::close(s.listen_fd);
    s.listen_fd = -1;
    s.port = 0;
    return core::make_error(
        "listen_failed", "the API server on " + s.address.text() + " could not start its threads");
  }
  s.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  s.acceptor = std::thread([&s] { s.accept_loop(); });
  return true;
}

void Server::stop() {
  Impl& s = *impl_;
  if (!s.acceptor.joinable()) return;
  s.stopping = true;
  const std::uint64_t one = 1;
  (void)!::write(s.wake_fd, &one, sizeof one);
  s.acceptor.join();
  ::close(s.listen_fd);
  s.listen_fd = -1;
  MHD_stop_daemon(s.mhd);  // closes every connection and joins its threads
  s.mhd = nullptr;
  ::close(s.wake_fd);
  s.wake_fd = -1;
}

}  // namespace bannin::api
