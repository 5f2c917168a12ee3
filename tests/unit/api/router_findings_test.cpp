// The routes of findings, incidents and rules through the Router: parameters reach the
// Backend, a bad or unknown parameter is a 400 naming it (the Backend never asked), methods
// other than GET/HEAD are 405 with Allow, the token and Host rules hold, incident ids are
// checked, and the Backend's not_found / store_busy keep their statuses.
#include <gtest/gtest.h>

#include <bannin/api/json_value.h>
#include <bannin/api/router.h>

#include "fake_backend.h"

namespace bannin::api {
namespace {

class FindingsBackend : public test::FakeBackend {
 public:
  core::Result<std::string> findings_json(const FindingQuery& q) override {
    asked.push_back(q);
    if (!fail.empty()) return core::make_error(fail, "no");
    return std::string(R"({"findings":[],"next_cursor":null,"limit":50})");
  }
  core::Result<std::string> incidents_json(const FindingQuery& q) override {
    asked.push_back(q);
    return std::string(R"({"incidents":[],"next_cursor":null})");
  }
  core::Result<std::string> incident_json(std::int64_t id) override {
    ids.push_back(id);
    if (id == 404) return core::make_error("not_found", "no incident 404");
    return std::string(R"({"id":)") + std::to_string(id) + "}";
  }
  core::Result<std::string> rules_json() override { return std::string(R"({"rules":[]})"); }
  std::vector<FindingQuery> asked;
  std::vector<std::int64_t> ids;
  std::string fail;
};

HttpRequest get(const std::string& path, std::map<std::string, std::string> query = {}) {
  HttpRequest r;
  r.method = "GET";
  r.path = path;
  r.query = std::move(query);
  r.host = "127.0.0.1:8730";
  return r;
}

std::string field_of(const HttpResponse& r) {
  auto v = parse_json(r.body);
  if (!v) return "(not json)";
  const JsonValue* e = v->find("error");
  const JsonValue* f = e != nullptr ? e->find("field") : nullptr;
  return f != nullptr && f->string() != nullptr ? *f->string() : "";
}

TEST(RouterFindings, ParametersReachTheBackend) {
  FindingsBackend b;
  Router router(b, {});
  auto r = router.handle(get("/api/v1/findings", {{"rule", "web.x"}, {"limit", "7"}}));
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(b.asked.size(), 1u);
  EXPECT_EQ(b.asked[0].rule, "web.x");
  EXPECT_EQ(b.asked[0].limit, 7u);
  r = router.handle(get("/api/v1/incidents",
                        {{"cursor", encode_cursor(CursorKind::Incidents, 12)}, {"q", "contact"}}));
  EXPECT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(b.asked.size(), 2u);
  EXPECT_EQ(b.asked[1].before_id, 12);
  EXPECT_EQ(b.asked[1].text, "contact");
  r = router.handle(get("/api/v1/incidents/31"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(b.ids, (std::vector<std::int64_t>{31}));
  r = router.handle(get("/api/v1/rules"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"rules\":[]}\n");
  auto head = get("/api/v1/findings");
  head.method = "HEAD";
  EXPECT_EQ(router.handle(head).status, 200);
}

TEST(RouterFindings, BadParametersAre400NamingThem) {
  FindingsBackend b;
  Router router(b, {});
  struct Case {
    std::string path, name, value;
  };
  for (const Case& c :
       {Case{"/api/v1/findings", "limit", "0"}, Case{"/api/v1/findings", "limit", "100000"},
        Case{"/api/v1/findings", "from", "tuesday"}, Case{"/api/v1/incidents", "to", "2021-02-18"},
        Case{"/api/v1/incidents", "cursor", encode_cursor(CursorKind::Findings, 3)},
        Case{"/api/v1/findings", "sort", "asc"}, Case{"/api/v1/rules", "verbose", "1"},
        Case{"/api/v1/incidents/5", "x", "1"}}) {
    auto r = router.handle(get(c.path, {{c.name, c.value}}));
    EXPECT_EQ(r.status, 400) << c.path << "?" << c.name << "=" << c.value;
    EXPECT_EQ(field_of(r), c.name) << r.body;
  }
  EXPECT_TRUE(b.asked.empty()) << "the backend must not be asked with a bad parameter";
  for (const char* id : {"0", "-1", "abc", "1e3", "99999999999999999999", "12/3", " 7"}) {
    auto r = router.handle(get(std::string("/api/v1/incidents/") + id));
    EXPECT_EQ(r.status, 400) << id;
    EXPECT_EQ(field_of(r), "id") << id;
  }
  EXPECT_TRUE(b.ids.empty());
}

TEST(RouterFindings, MethodsTokenHostAndBackendErrors) {
  FindingsBackend b;
  RouterOptions o;
  o.token = "0123456789abcdef";
  Router router(b, o);
  auto r = router.handle(get("/api/v1/incidents"));
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(r.challenge);
  auto authed = [](HttpRequest q) {
    q.authorization = "Bearer 0123456789abcdef";
    return q;
  };
  for (const char* path :
       {"/api/v1/findings", "/api/v1/incidents", "/api/v1/incidents/3", "/api/v1/rules"}) {
    auto post = authed(get(path));
    post.method = "POST";
    post.content_type = "application/json";
    r = router.handle(post);
    EXPECT_EQ(r.status, 405) << path;
    EXPECT_EQ(r.allow, "GET, HEAD");
  }
  auto rebinding = authed(get("/api/v1/findings"));
  rebinding.host = "attacker.example";
  EXPECT_EQ(router.handle(rebinding).status, 403);
  EXPECT_EQ(router.handle(authed(get("/api/v1/incidents/404"))).status, 404);
  b.fail = "store_busy";
  EXPECT_EQ(router.handle(authed(get("/api/v1/findings"))).status, 503);
  EXPECT_EQ(router.handle(authed(get("/api/v1/incidents/"))).status, 404);
}

TEST(RouterFindings, DefaultBackendAnswersNotFound) {
  test::FakeBackend plain;  // a Backend without findings (tests, old daemons)
  Router router(plain, {});
  EXPECT_EQ(router.handle(get("/api/v1/findings")).status, 404);
  EXPECT_EQ(router.handle(get("/api/v1/rules")).status, 404);
  EXPECT_EQ(router.handle(get("/api/v1/incidents/1")).status, 404);
}

}  // namespace
}  // namespace bannin::api
