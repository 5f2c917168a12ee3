// api::Server over real HTTP on 127.0.0.1 (port 0), with a fake Backend: every endpoint, auth
// on and off, the JSON error shape of each refusal (bad JSON, oversize body, unknown route,
// wrong method, chunked body, foreign Host header), revoke of a URL-encoded IPv6 prefix, a
// throwing backend, and the start-up errors (port in use, non-loopback without a token).
#include <chrono>
#include <memory>
#include <string>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bannin/api/json_value.h>
#include <bannin/api/server.h>

#include "fake_backend.h"

namespace bannin::api {
namespace {

using test::FakeBackend;

constexpr core::TimeNs kNow = 1'700'000'000 * core::kNsPerSec;

class ApiServer : public ::testing::Test {
 protected:
  void start(std::string token = {}, std::size_t max_body = 64 * 1024) {
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.token = std::move(token);
    o.max_body = max_body;
    o.now = [] { return kNow; };
    server_ = std::make_unique<Server>(o, backend_);
    auto r = server_->start();
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_GT(server_->port(), 0);
  }
  httplib::Client client() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_connection_timeout(2, 0);
    c.set_read_timeout(5, 0);
    return c;
  }
  /// The error object of a JSON error response, checked for shape.
  static JsonValue error_of(const httplib::Result& r) {
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    auto doc = parse_json(r->body);
    EXPECT_TRUE(doc) << r->body;
    if (!doc) return {};
    const JsonValue* e = doc->find("error");
    EXPECT_TRUE(e && e->find("code") && e->find("code")->string() && e->find("message") &&
                e->find("message")->string())
        << r->body;
    return e ? *e : JsonValue{};
  }
  static std::string code_of(const httplib::Result& r) {
    JsonValue e = error_of(r);
    const JsonValue* c = e.find("code");
    return c && c->string() ? *c->string() : "";
  }

  FakeBackend backend_;
  std::unique_ptr<Server> server_;
};

/// Sends bytes as they are and returns everything the server writes back.
std::string raw_exchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return "connect failed";
  }
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

TEST_F(ApiServer, HealthStatusMetrics) {
  start();
  backend_.set_status(R"({"daemon":{"version":"9.9","mode":"enforce"}})");
  auto c = client();
  auto h = c.Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->body, "{\"ok\":true}\n");
  EXPECT_EQ(h->get_header_value("Content-Type"), "application/json");

  auto s = c.Get("/api/v1/status");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, 200);
  EXPECT_EQ(s->body, "{\"daemon\":{\"version\":\"9.9\",\"mode\":\"enforce\"}}\n");
  EXPECT_EQ(backend_.status_calls(), 1);

  auto m = c.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  EXPECT_EQ(m->get_header_value("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_NE(m->body.find("bannin_lines_total{source=\"nginx\"} 42"), std::string::npos);

  auto head = c.Head("/api/v1/status");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
}

TEST_F(ApiServer, ListDecisionsByState) {
  start();
  auto c = client();
  auto all = c.Get("/api/v1/decisions");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->status, 200);
  EXPECT_EQ(all->body, "[{\"id\":1,\"state\":\"active\"}]\n");
  auto active = c.Get("/api/v1/decisions?state=active");
  ASSERT_TRUE(active);
  EXPECT_EQ(active->status, 200);
  EXPECT_EQ(backend_.states_asked(), (std::vector<std::string>{"", "active"}));

  auto bad = c.Get("/api/v1/decisions?state=bogus");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(code_of(bad), "invalid_field");
  EXPECT_EQ(*error_of(bad).find("field")->string(), "state");
  EXPECT_EQ(backend_.states_asked().size(), 2u);  // never reached the backend
}

TEST_F(ApiServer, AddDecision) {
  start();
  auto c = client();
  auto r = c.Post("/api/v1/decisions",
                  R"({"scope":"prefix","target":"2001:db8::/48","action":"deny","ttl":"1h",)"
                  R"("reason":"scanning from this range"})",
                  "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(r->body, "{\"id\":1,\"origin\":\"person\"}\n");
  auto added = backend_.added();
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].origin, "person");
  EXPECT_EQ(added[0].scope, "prefix");
  EXPECT_EQ(added[0].prefix, "2001:db8::/48");
  EXPECT_EQ(added[0].ttl, 3600 * core::kNsPerSec);
  EXPECT_EQ(added[0].ts, kNow);
  EXPECT_EQ(added[0].reason, "scanning from this range");

  // A media type with parameters is still JSON.
  auto r2 = c.Post("/api/v1/decisions", R"({"target":"192.0.2.7","ttl_s":60,"reason":"x"})",
                   "application/json; charset=utf-8");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 201) << r2->body;
  EXPECT_EQ(backend_.added().size(), 2u);
}

TEST_F(ApiServer, AddDecisionRefusals) {
  start();
  auto c = client();
  auto bad_json =
      c.Post("/api/v1/decisions", R"({"target": "192.0.2.7" "ttl_s": 60})", "application/json");
  ASSERT_TRUE(bad_json);
  EXPECT_EQ(bad_json->status, 400);
  JsonValue e = error_of(bad_json);
  EXPECT_EQ(*e.find("code")->string(), "bad_json");
  ASSERT_TRUE(e.find("offset"));
  EXPECT_EQ(*e.find("offset")->integer(), 23);

  auto bad_field = c.Post("/api/v1/decisions", R"({"target":"192.0.2.7","ttl_s":0,"reason":"x"})",
                          "application/json");
  ASSERT_TRUE(bad_field);
  EXPECT_EQ(bad_field->status, 400);
  EXPECT_EQ(*error_of(bad_field).find("field")->string(), "ttl_s");

  auto bad_target =
      c.Post("/api/v1/decisions", R"({"target":"example.com","ttl_s":60,"reason":"x"})",
             "application/json");
  ASSERT_TRUE(bad_target);
  EXPECT_EQ(bad_target->status, 400);
  EXPECT_EQ(*error_of(bad_target).find("field")->string(), "target");

  // A browser may POST text/plain across origins without a preflight: refused.
  auto plain = c.Post("/api/v1/decisions", R"({"target":"192.0.2.7","ttl_s":60,"reason":"x"})",
                      "text/plain");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 415);
  EXPECT_EQ(code_of(plain), "unsupported_media_type");
  EXPECT_TRUE(backend_.added().empty());

  // The backend's own refusal keeps its code and maps to a status.
  backend_.set_fail("allowlisted");
  auto refused = c.Post("/api/v1/decisions", R"({"target":"192.0.2.7","ttl_s":60,"reason":"x"})",
                        "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 409);
  EXPECT_EQ(code_of(refused), "allowlisted");
}

TEST_F(ApiServer, OversizeBodyIs413) {
  start({}, 1024);
  auto c = client();
  std::string body =
      R"({"target":"192.0.2.7","ttl_s":60,"reason":")" + std::string(2000, 'x') + "\"}";
  auto r = c.Post("/api/v1/decisions", body, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(code_of(r), "body_too_large");
  EXPECT_TRUE(backend_.added().empty());
  // At the limit it is read (and then judged on its content).
  std::string at_limit = R"({"target":"192.0.2.7","ttl_s":60,"reason":")";
  at_limit += std::string(1024 - at_limit.size() - 2, 'x') + "\"}";
  ASSERT_EQ(at_limit.size(), 1024u);
  auto ok = c.Post("/api/v1/decisions", at_limit, "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 201) << ok->body;
}

TEST_F(ApiServer, DefaultLimitIs64KiB) {
  start();
  auto c = client();
  auto r = c.Post("/api/v1/decisions", std::string(64 * 1024 + 1, ' '), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  auto r2 = c.Post("/api/v1/decisions", std::string(64 * 1024, ' '), "application/json");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 400);  // read, then found to be no JSON value
  EXPECT_EQ(code_of(r2), "bad_json");
}

TEST_F(ApiServer, UnknownRouteAndWrongMethod) {
  start();
  auto c = client();
  auto nf = c.Get("/api/v2/status");
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->status, 404);
  EXPECT_EQ(code_of(nf), "not_found");

  auto put = c.Put("/api/v1/status", "{}", "application/json");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  EXPECT_EQ(code_of(put), "method_not_allowed");
  EXPECT_EQ(put->get_header_value("Allow"), "GET, HEAD");

  auto post_health = c.Post("/health", "{}", "application/json");
  ASSERT_TRUE(post_health);
  EXPECT_EQ(post_health->status, 405);

  auto get_target = c.Get("/api/v1/decisions/192.0.2.7");
  ASSERT_TRUE(get_target);
  EXPECT_EQ(get_target->status, 405);
  EXPECT_EQ(get_target->get_header_value("Allow"), "DELETE");

  auto options = c.Options("/api/v1/decisions");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->status, 405);
  EXPECT_EQ(options->get_header_value("Allow"), "GET, HEAD, POST, DELETE");
  EXPECT_FALSE(options->has_header("Access-Control-Allow-Origin"));

  const std::string trace =
      raw_exchange(server_->port(), "TRACE /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(trace.rfind("HTTP/1.1 405", 0), 0u) << trace;
}

TEST_F(ApiServer, RevokeUrlEncodedIpv6Prefix) {
  start();
  backend_.put_in_force("2001:db8::/48", 2);
  auto c = client();
  auto r = c.Delete("/api/v1/decisions/2001%3Adb8%3A%3A%2F48");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, "{\"target\":\"2001:db8::/48\",\"revoked\":2}\n");
  EXPECT_EQ(backend_.revoked(), (std::vector<std::string>{"2001:db8::/48"}));
  EXPECT_EQ(backend_.notes(), (std::vector<std::string>{"revoked through the API"}));

  // Nothing left in force: 404, with the canonical target in the message.
  auto again = c.Delete("/api/v1/decisions/2001%3ADB8%3A%3A%2F48");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 404);
  EXPECT_EQ(code_of(again), "not_in_force");
  EXPECT_NE(error_of(again).find("message")->string()->find("2001:db8::/48"), std::string::npos);
}

TEST_F(ApiServer, RevokeByQueryAndRefusals) {
  start();
  backend_.put_in_force("192.0.2.7", 1);
  auto c = client();
  auto q = c.Delete("/api/v1/decisions?target=192.0.2.7&note=false%20positive");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->status, 200) << q->body;
  EXPECT_EQ(backend_.notes().back(), "false positive");

  auto bad = c.Delete("/api/v1/decisions/not-an-address");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(*error_of(bad).find("field")->string(), "target");
  auto none = c.Delete("/api/v1/decisions");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 400);
  EXPECT_EQ(code_of(none), "missing_field");
  auto differ = c.Delete("/api/v1/decisions/192.0.2.8?target=192.0.2.9");
  ASSERT_TRUE(differ);
  EXPECT_EQ(differ->status, 400);
  EXPECT_EQ(backend_.revoked().size(), 1u);

  // A DELETE without Content-Length is answered at once, not after a read timeout.
  const auto t0 = std::chrono::steady_clock::now();
  const std::string raw = raw_exchange(
      server_->port(), "DELETE /api/v1/decisions/192.0.2.99 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 404", 0), 0u) << raw;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

// ?id=N: one decision of any scope (a site, a file, an account …), by its id.
TEST_F(ApiServer, RevokeById) {
  start();
  backend_.put_in_force("#42", 1);
  auto c = client();
  auto ok = c.Delete("/api/v1/decisions?id=42&note=owner%20fixed%20the%20form");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(ok->body, "{\"id\":42,\"revoked\":1}\n");
  EXPECT_EQ(backend_.revoked().back(), "#42");
  EXPECT_EQ(backend_.notes().back(), "owner fixed the form");
  auto again = c.Delete("/api/v1/decisions?id=42");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 404);
  EXPECT_EQ(code_of(again), "not_in_force");
  for (const char* bad :
       {"/api/v1/decisions?id=0", "/api/v1/decisions?id=-3", "/api/v1/decisions?id=4x",
        "/api/v1/decisions?id=", "/api/v1/decisions?id=99999999999999999999",
        "/api/v1/decisions/192.0.2.7?id=42", "/api/v1/decisions?id=42&target=192.0.2.7"}) {
    auto r = c.Delete(bad);
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 400) << bad << " " << r->body;
    EXPECT_EQ(*error_of(r).find("field")->string(), "id") << bad;
  }
  EXPECT_EQ(backend_.revoked().size(), 2u) << "no refused request reached the backend";
}

TEST_F(ApiServer, TokenAuth) {
  start("s3cret-token");
  auto c = client();
  auto none = c.Get("/api/v1/status");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(code_of(none), "unauthorized");
  EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer realm=\"bannin\"");

  auto wrong = c.Get("/api/v1/status", {{"Authorization", "Bearer s3cret-tokem"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto longer = c.Get("/api/v1/status", {{"Authorization", "Bearer s3cret-token-and-more"}});
  ASSERT_TRUE(longer);
  EXPECT_EQ(longer->status, 401);
  auto basic = c.Get("/api/v1/status", {{"Authorization", "Basic s3cret-token"}});
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->status, 401);
  auto post = c.Post("/api/v1/decisions", R"({"target":"192.0.2.7","ttl_s":60,"reason":"x"})",
                     "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 401);
  EXPECT_TRUE(backend_.added().empty());
  EXPECT_EQ(backend_.status_calls(), 0);

  auto ok = c.Get("/api/v1/status", {{"Authorization", "Bearer s3cret-token"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto metrics = c.Get("/metrics", {{"Authorization", "Bearer s3cret-token"}});
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  auto health = c.Get("/health");  // never needs the token
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ApiServer, NoTokenMeansNoAuth) {
  start();
  auto c = client();
  auto r = c.Get("/api/v1/status", {{"Authorization", "Bearer anything"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ApiServer, ForeignHostHeaderRefused) {
  start();
  auto c = client();
  auto r = c.Get("/api/v1/status", {{"Host", "attacker.example:8730"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(code_of(r), "forbidden_host");
  auto local = c.Get("/api/v1/status", {{"Host", "localhost:8730"}});
  ASSERT_TRUE(local);
  EXPECT_EQ(local->status, 200);
}

TEST_F(ApiServer, ChunkedAndUnframedBodiesRefused) {
  start();
  const std::string chunked = raw_exchange(
      server_->port(),
      "POST /api/v1/decisions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.rfind("HTTP/1.1 411", 0), 0u) << chunked;
  EXPECT_NE(chunked.find("\"length_required\""), std::string::npos);
  const std::string garbage = raw_exchange(server_->port(), "\x01\x02 nonsense\r\n\r\n");
  EXPECT_EQ(garbage.rfind("HTTP/1.1 400", 0), 0u) << garbage;
  EXPECT_TRUE(backend_.added().empty());
}

TEST_F(ApiServer, ThrowingBackendIs500AndServerCarriesOn) {
  start();
  backend_.set_throw_on_status(true);
  auto c = client();
  auto r = c.Get("/api/v1/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(code_of(r), "internal");
  backend_.set_throw_on_status(false);
  auto ok = c.Get("/api/v1/status");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(ApiServer, StopIsIdempotentAndCloses) {
  start();
  const int port = server_->port();
  EXPECT_EQ(server_->url(), "http://127.0.0.1:" + std::to_string(port));
  server_->stop();
  server_->stop();
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(1, 0);
  EXPECT_FALSE(c.Get("/health"));
}

TEST(ApiServerStart, PortInUse) {
  FakeBackend backend;
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  Server first(o, backend);
  ASSERT_TRUE(first.start());
  o.listen = "127.0.0.1:" + std::to_string(first.port());
  Server second(o, backend);
  auto r = second.start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "in_use");
  EXPECT_EQ(r.error().message, o.listen + " is in use — is another bannin running? set api.listen");
  // The first one still answers.
  httplib::Client c("127.0.0.1", first.port());
  auto h = c.Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
}

TEST(ApiServerStart, NonLoopbackNeedsToken) {
  FakeBackend backend;
  ServerOptions o;
  o.listen = "0.0.0.0:0";
  Server s(o, backend);
  auto r = s.start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "token_required");
  EXPECT_NE(r.error().message.find("api.token"), std::string::npos);
  o.listen = "[::]:0";
  o.token = "short";
  Server s6(o, backend);
  auto r6 = s6.start();
  ASSERT_FALSE(r6);
  EXPECT_EQ(r6.error().code, "token_required");
}

TEST(ApiServerStart, BadAddressesAndTokens) {
  FakeBackend backend;
  for (const char* bad : {"localhost:8730", "127.0.0.1", "127.0.0.1:99999", "::1:8730", "[::1]8730",
                          "[::1:8730", "127.0.0.1:-1", ":8730", ""}) {
    ServerOptions o;
    o.listen = bad;
    Server s(o, backend);
    auto r = s.start();
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "bad_listen_address") << bad;
  }
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.token = "has space";
  Server s(o, backend);
  auto r = s.start();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "bad_token");
  // An address this machine does not have.
  o.token.clear();
  o.listen = "192.0.2.1:0";
  Server foreign(o, backend);
  auto f = foreign.start();
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, "token_required");
}

TEST(ApiServerStart, ListenAddresses) {
  auto a = parse_listen_address("127.0.0.1:8730");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8730);
  EXPECT_TRUE(a->loopback);
  EXPECT_FALSE(a->v6);
  auto b = parse_listen_address("[::1]:8730");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "::1");
  EXPECT_TRUE(b->loopback);
  EXPECT_TRUE(b->v6);
  EXPECT_EQ(b->text(), "[::1]:8730");
  EXPECT_EQ(b->text(0), "[::1]:0");
  auto c = parse_listen_address("127.1.2.3:0");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->loopback);
  auto d = parse_listen_address("[2001:db8::1]:80");
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->loopback);
}

TEST(ApiServerStart, Ipv6Loopback) {
  FakeBackend backend;
  ServerOptions o;
  o.listen = "[::1]:0";
  Server s(o, backend);
  auto r = s.start();
  if (!r && r.error().code == "address_unavailable") GTEST_SKIP() << "no ::1 on this host";
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(s.url(), "http://[::1]:" + std::to_string(s.port()));
  httplib::Client c("::1", s.port());
  c.set_connection_timeout(2, 0);
  auto h = c.Get("/api/v1/status");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200) << h->body;
}

}  // namespace
}  // namespace bannin::api
