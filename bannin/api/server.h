// api::Server: the daemon's loopback HTTP+JSON API (stage api). It binds one address, serves
// the routes of api::Router on a small pool of its own epoll threads (libmicrohttpd) and calls
// the Backend from them; it never touches the pipeline itself. Many connections are served at
// once: a slow or idle client holds a connection slot, never a thread, and a request head
// that is not complete in time closes its connection (docs/api.md, "Connections"). A token is
// optional on a loopback address and required on any other. Owned by the daemon (app/); start() and
// stop() are called from the thread that owns it, port() and url() from any thread after start().
// libmicrohttpd stays behind the pointer to Impl, out of this header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <bannin/api/backend.h>
#include <bannin/core/result.h>
#include <bannin/core/time.h>

namespace bannin::api {

/// A listen address: "127.0.0.1:8730", "[::1]:8730", "0.0.0.0:8730" (IP literals only).
struct ListenAddress {
  std::string host;  ///< canonical IP text without brackets ("::1")
  int port = 0;      ///< 0 = any free port
  bool v6 = false;
  bool loopback = false;
  /// "127.0.0.1:8730" / "[::1]:8730"; with the given port instead when port >= 0.
  [[nodiscard]] std::string text(int port_override = -1) const;
};

/// Error code "bad_listen_address", with a message saying what a listen address looks like.
core::Result<ListenAddress> parse_listen_address(std::string_view text);

struct ServerOptions {
  std::string listen = "127.0.0.1:8730";  ///< config key api.listen
  std::string token;                      ///< api.token; required when listen is not loopback
  std::size_t max_body = 64UL * 1024;     ///< larger request bodies get 413
  int threads = 2;                        ///< epoll threads (each serves many connections)
  int timeout_s = 5;                      ///< idle limit while a body is read or an answer written
  int head_timeout_s = 2;                 ///< a new connection's request head, complete, within
  int keepalive_s = 15;        ///< the next request's head, complete, within (after an answer)
  int max_connections = 1024;  ///< open connections in all; more are closed at once
  int per_client = 32;         ///< open connections per client address
  std::function<core::TimeNs()> now;  ///< clock for manual decisions; empty = system
};

/// What start() checks before it binds: the listen address parses, the token is printable,
/// and a non-loopback address has a token of 16 characters or more. `bannin run --check`
/// calls it too, so a configuration it passes is one start-up accepts. Errors as start().
core::Result<ListenAddress> check_options(const ServerOptions& options);

/// What the server refused on its own, for metrics and tests.
struct ServerCounters {
  std::uint64_t head_timeouts =
      0;                      ///< connections closed: the request head was not complete in time
  std::uint64_t refused = 0;  ///< connections closed at once: over a connection limit
};

class Server {
 public:
  using Options = ServerOptions;
  /// The backend must outlive the server.
  Server(Options options, Backend& backend);
  ~Server();  ///< stops and joins
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and starts serving on the server's own threads; returns once requests are being
  /// answered. Called once per Server (also when it failed). Errors (code): bad_listen_address,
  /// token_required, bad_token, in_use, address_unavailable, permission_denied, listen_failed,
  /// already_started.
  core::Result<bool> start();
  /// Stops accepting, finishes the requests in progress and joins. Idempotent.
  void stop();
  /// The bound port (the real one when the options said port 0); 0 before start().
  [[nodiscard]] int port() const noexcept;
  /// "http://127.0.0.1:PORT" / "http://[::1]:PORT", for clients and logs.
  [[nodiscard]] std::string url() const;
  [[nodiscard]] ServerCounters counters() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bannin::api
