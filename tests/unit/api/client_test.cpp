// api::Client against a real api::Server on 127.0.0.1, against a port nobody listens on
// ("no daemon answering at …"), against a listener that never answers (timeout), and with
// URLs it must refuse before connecting.
#include <chrono>
#include <string>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bannin/api/client.h>
#include <bannin/api/server.h>

#include "fake_backend.h"

namespace bannin::api {
namespace {

/// A loopback socket bound to a free port; listening or not.
struct Socket {
  explicit Socket(bool listen) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    socklen_t len = sizeof sa;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    port = ntohs(sa.sin_port);
    if (listen) {
      EXPECT_EQ(::listen(fd, 4), 0);
    }
  }
  ~Socket() { ::close(fd); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd = -1;
  int port = 0;
};

TEST(ApiClient, TalksToTheServer) {
  test::FakeBackend backend;
  backend.put_in_force("2001:db8::/48", 1);
  ServerOptions so;
  so.listen = "127.0.0.1:0";
  so.token = "tok-123";
  Server server(so, backend);
  ASSERT_TRUE(server.start());

  ClientOptions co;
  co.url = server.url() + "/";  // a trailing slash is fine
  co.token = "tok-123";
  Client client(co);
  EXPECT_EQ(client.url(), server.url());
  auto status = client.get("/api/v1/status");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(status->status, 200);
  EXPECT_EQ(status->content_type, "application/json");
  EXPECT_NE(status->body.find("\"daemon\""), std::string::npos);

  auto add = client.post("/api/v1/decisions", R"({"target":"192.0.2.7","ttl_s":60,"reason":"x"})");
  ASSERT_TRUE(add);
  EXPECT_EQ(add->status, 201) << add->body;

  auto del = client.del("/api/v1/decisions/" + url_encode_segment("2001:db8::/48"));
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;

  auto refused = client.post("/api/v1/decisions", "{");
  ASSERT_TRUE(refused);  // an HTTP answer, not a transport error
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(api_error_message(*refused).find("not valid JSON"), std::string::npos);

  co.token = "wrong";
  Client bad_token(co);
  auto denied = bad_token.get("/api/v1/status");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
}

TEST(ApiClient, NoDaemonAnswering) {
  int port = 0;
  {
    Socket s(false);  // bound, never listening: connections are refused
    port = s.port;
    ClientOptions co;
    co.url = "http://127.0.0.1:" + std::to_string(port);
    Client client(co);
    auto r = client.get("/api/v1/status");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "no_daemon");
    EXPECT_EQ(r.error().message, "no daemon answering at http://127.0.0.1:" + std::to_string(port));
  }
}

TEST(ApiClient, TimesOutOnASilentListener) {
  Socket s(true);  // accepts into the backlog, never answers
  ClientOptions co;
  co.url = "http://127.0.0.1:" + std::to_string(s.port);
  co.timeout = std::chrono::milliseconds(300);
  Client client(co);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = client.get("/api/v1/status");
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "timeout") << r.error().message;
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(ApiClient, RefusesBadUrls) {
  for (const char* bad :
       {"127.0.0.1:8730", "https://127.0.0.1:8730", "http://", "http://:8730", "http://127.0.0.1:0",
        "http://127.0.0.1:70000", "http://127.0.0.1:", "http://::1:8730", "http://[::1:8730",
        "http://127.0.0.1:8730/api", "http://a b:1"}) {
    ClientOptions co;
    co.url = bad;
    Client client(co);
    auto r = client.get("/health");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "bad_url") << bad;
  }
}

TEST(ApiClient, Helpers) {
  EXPECT_EQ(url_encode_segment("2001:db8::/48"), "2001%3Adb8%3A%3A%2F48");
  EXPECT_EQ(url_encode_segment("192.0.2.7"), "192.0.2.7");
  ClientResponse r;
  r.status = 502;
  EXPECT_EQ(api_error_message(r), "HTTP 502");
  r.body = "{\"error\":{\"code\":\"x\",\"message\":\"it broke\"}}\n";
  EXPECT_EQ(api_error_message(r), "it broke");
  r.body = "plain words\n";
  EXPECT_EQ(api_error_message(r), "plain words");
}

}  // namespace
}  // namespace bannin::api
