// api::Client: the small HTTP client the `bannin` commands use to talk to a running daemon
// (`bannin status`, later `bannin decisions add/revoke`). One connection per call, bounded
// connect and read timeouts, the token sent as "Authorization: Bearer". Any HTTP status is
// a response (the caller reads the API's error body); only "nobody answered" is an error.
// Owned by the command that makes it; one thread at a time.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <bannin/core/result.h>

namespace bannin::api {

inline constexpr std::string_view kDefaultApiUrl = "http://127.0.0.1:8730";

struct ClientOptions {
  std::string url = std::string(kDefaultApiUrl);  ///< http://HOST:PORT ("[::1]" for IPv6)
  std::string token;                              ///< "" = send no Authorization
  std::chrono::milliseconds timeout{2000};        ///< connect and read, each
};

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

class Client {
 public:
  explicit Client(ClientOptions options);

  /// Error codes: bad_url (the URL is not http://HOST[:PORT]), no_daemon (connection
  /// refused or host unreachable: "no daemon answering at URL"), timeout, transport.
  core::Result<ClientResponse> get(const std::string& path);
  core::Result<ClientResponse> post(const std::string& path, const std::string& json_body);
  core::Result<ClientResponse> del(const std::string& path);

  [[nodiscard]] const std::string& url() const noexcept { return options_.url; }

 private:
  core::Result<ClientResponse> call(std::string_view method, const std::string& path,
                                    const std::string* body);
  ClientOptions options_;
};

/// The message of an API error body ({"error":{"message":…}}), or the body itself cut short
/// when it is not one; for commands that print why a request failed.
std::string api_error_message(const ClientResponse& response);

/// Percent-encodes one path segment ("2001:db8::/48" -> "2001%3Adb8%3A%3A%2F48").
std::string url_encode_segment(std::string_view text);

}  // namespace bannin::api
