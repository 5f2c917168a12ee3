// Router pieces without sockets: the token comparison, the Host header rule against DNS
// rebinding, the backend error -> status map, and routing of requests the HTTP library
// would not produce (empty method, odd paths).
#include <gtest/gtest.h>

#include <bannin/api/router.h>

#include "fake_backend.h"

namespace bannin::api {
namespace {

TEST(Router, TokenMatches) {
  EXPECT_TRUE(token_matches("abc123", "abc123"));
  EXPECT_FALSE(token_matches("abc123", "abc124"));
  EXPECT_FALSE(token_matches("abc123", "abc12"));
  EXPECT_FALSE(token_matches("abc123", "abc1234"));
  EXPECT_FALSE(token_matches("abc123", ""));
  EXPECT_FALSE(token_matches("", ""));  // no token configured is handled before, never "match"
  EXPECT_FALSE(token_matches("abc", "abcabc"));
}

TEST(Router, HostIsLoopback) {
  for (const char* ok : {"127.0.0.1", "127.0.0.1:8730", "127.9.9.9:1", "[::1]:8730", "[::1]", "::1",
                         "::1:8730", "localhost", "localhost:8730"}) {
    EXPECT_TRUE(host_is_loopback(ok)) << ok;
  }
  for (const char* bad :
       {"attacker.example", "attacker.example:8730", "192.0.2.1:8730", "[2001:db8::1]:8730",
        "localhost.attacker.example", "[::1", "0.0.0.0", "127.0.0.1.attacker.example:80"}) {
    EXPECT_FALSE(host_is_loopback(bad)) << bad;
  }
}

TEST(Router, BackendErrorStatuses) {
  EXPECT_EQ(status_for_backend_error("invalid_argument"), 400);
  EXPECT_EQ(status_for_backend_error("bad_target"), 400);
  EXPECT_EQ(status_for_backend_error("busy"), 503);
  EXPECT_EQ(status_for_backend_error("store_busy"), 503);
  EXPECT_EQ(status_for_backend_error("not_found"), 404);
  EXPECT_EQ(status_for_backend_error("allowlisted"), 409);
  EXPECT_EQ(status_for_backend_error("unavailable"), 503);
  EXPECT_EQ(status_for_backend_error("sqlite_busy"), 500);
}

TEST(Router, OddRequests) {
  test::FakeBackend backend;
  Router router(backend, {});
  HttpRequest r;
  r.method = "";
  r.path = "/health";
  EXPECT_EQ(router.handle(r).status, 405);
  r.method = "GE";  // a prefix of an allowed method is not one
  EXPECT_EQ(router.handle(r).status, 405);
  r.method = "GET";
  r.path = "";
  EXPECT_EQ(router.handle(r).status, 404);
  r.path = "/api/v1/decisions/";
  EXPECT_EQ(router.handle(r).status, 404);
  r.path = std::string("/\x1b[31m\xff", 8);
  HttpResponse bad = router.handle(r);
  EXPECT_EQ(bad.status, 404);
  EXPECT_EQ(bad.body.find('\x1b'), std::string::npos);  // escaped in the JSON
  r.path = "/health";
  r.host = "";  // HTTP/1.0 without Host: allowed
  EXPECT_EQ(router.handle(r).status, 200);
}

TEST(Router, ErrorShape) {
  HttpResponse e = error_response(400, "invalid_field", "ttl_s: too long", "ttl_s", 7);
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.content_type, "application/json");
  EXPECT_EQ(e.body,
            "{\"error\":{\"code\":\"invalid_field\",\"message\":\"ttl_s: too long\","
            "\"field\":\"ttl_s\",\"offset\":7}}\n");
}

/// A backend whose bouncer stream answers one key.
class BouncerBackend : public test::FakeBackend {
 public:
  core::Result<std::string> decision_stream(const StreamRequest& r) override {
    last = r;
    if (r.api_key != "good-key-0123456789")
      return core::make_error("forbidden", "access forbidden");
    return std::string(R"({"new":[],"deleted":[]})");
  }
  StreamRequest last;
};

TEST(Router, BouncerRoutesUseTheirKeyNotTheToken) {
  BouncerBackend backend;
  RouterOptions o;
  o.token = "api-token-0123456789";
  Router router(backend, o);
  HttpRequest r;
  r.method = "GET";
  r.path = "/v1/decisions/stream";
  r.query = {{"startup", "true"}, {"scopes", "ip,Range"}, {"scenarios_containing", "SSH"}};
  r.api_key = "good-key-0123456789";
  auto ok = router.handle(r);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.body, "{\"new\":[],\"deleted\":[]}\n");
  EXPECT_TRUE(backend.last.startup);
  EXPECT_EQ(backend.last.filter.scopes, (std::vector<std::string>{"ip", "range"}));
  EXPECT_EQ(backend.last.filter.scenarios_containing, std::vector<std::string>{"ssh"});
  r.query.clear();
  EXPECT_EQ(router.handle(r).status, 200);
  EXPECT_FALSE(backend.last.startup);
  r.api_key = "wrong";
  auto no = router.handle(r);
  EXPECT_EQ(no.status, 403);
  EXPECT_EQ(no.body, "{\"message\":\"access forbidden\"}\n");
  r.method = "POST";
  r.path = "/v1/usage-metrics";
  EXPECT_EQ(router.handle(r).status, 201);
  r.method = "DELETE";
  r.path = "/v1/decisions/stream";
  EXPECT_EQ(router.handle(r).status, 405);
  r.method = "GET";
  r.path = "/v1/alerts";
  EXPECT_EQ(router.handle(r).status, 404);
  // The rest of the API still wants the token.
  r.path = "/api/v1/status";
  EXPECT_EQ(router.handle(r).status, 401);
}

}  // namespace
}  // namespace bannin::api
