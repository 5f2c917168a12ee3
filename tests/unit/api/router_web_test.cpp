// The dashboard's files through the router (router_web.cpp): served at / and /assets/
// without the token while the API behind them still needs it, with ETags and 304s, only for
// GET/HEAD, never for other paths, and still behind the Host-header rule.
#include <gtest/gtest.h>

#include <bannin/api/router.h>
#include <bannin/web/assets.h>

#include "fake_backend.h"

namespace bannin::api {
namespace {

HttpRequest get(std::string path) {
  HttpRequest r;
  r.method = "GET";
  r.path = std::move(path);
  r.host = "127.0.0.1:8730";
  return r;
}

TEST(RouterWeb, IndexAndAssetsNeedNoToken) {
  test::FakeBackend backend;
  RouterOptions options;
  options.token = "secret-token-0123456789";
  Router router(backend, options);
  const HttpResponse index = router.handle(get("/"));
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<html"), std::string::npos);
  EXPECT_FALSE(index.etag.empty());
  EXPECT_EQ(index.cache_control, "no-cache");
  EXPECT_EQ(router.handle(get("/index.html")).body, index.body);
  for (const web::Asset& a : web::assets()) {
    const HttpResponse r = router.handle(get(std::string(a.path)));
    EXPECT_EQ(r.status, 200) << a.path;
    EXPECT_EQ(r.body.size(), a.body.size()) << a.path;
    EXPECT_EQ(r.content_type, a.content_type) << a.path;
    EXPECT_EQ(r.etag, a.etag) << a.path;
  }
  // The API behind the page still needs the token.
  EXPECT_EQ(router.handle(get("/api/v1/status")).status, 401);
}

TEST(RouterWeb, DashboardAssetsWhenBuiltWithIt) {
  if (!web::is_dashboard()) GTEST_SKIP() << "built without the dashboard (notice page)";
  test::FakeBackend backend;
  Router router(backend, {});
  const HttpResponse js = router.handle(get("/assets/app.js"));
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(router.handle(get("/assets/app.css")).content_type, "text/css; charset=utf-8");
  EXPECT_NE(router.handle(get("/")).body.find("/assets/app.js"), std::string::npos);
}

TEST(RouterWeb, EtagRevalidation) {
  test::FakeBackend backend;
  Router router(backend, {});
  HttpRequest r = get("/");
  const std::string etag = router.handle(r).etag;
  r.if_none_match = etag;
  HttpResponse again = router.handle(r);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.etag, etag);
  r.if_none_match = "\"other\", W/" + etag;  // a list, and the weak form of ours
  EXPECT_EQ(router.handle(r).status, 304);
  r.if_none_match = "\"0000000000000000\"";
  EXPECT_EQ(router.handle(r).status, 200);
}

TEST(RouterWeb, RefusalsAndUnknownFiles) {
  test::FakeBackend backend;
  Router router(backend, {});
  EXPECT_EQ(router.handle(get("/assets/nope.js")).status, 404);
  EXPECT_EQ(router.handle(get("/assets/")).status, 404);
  EXPECT_EQ(router.handle(get("/assets/../api/v1/status")).status, 404);
  EXPECT_EQ(router.handle(get("/favicon.ico")).status, 404);
  HttpRequest post = get("/");
  post.method = "POST";
  const HttpResponse r = router.handle(post);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.allow, "GET, HEAD");
  HttpRequest head = get("/assets/favicon.svg");
  head.method = "HEAD";
  EXPECT_EQ(router.handle(head).status, web::is_dashboard() ? 200 : 404);
  // DNS rebinding: a page of another site that resolves to 127.0.0.1 gets nothing.
  HttpRequest rebound = get("/");
  rebound.host = "attacker.example:8730";
  EXPECT_EQ(router.handle(rebound).status, 403);
}

TEST(RouterWeb, IsWebPath) {
  EXPECT_TRUE(is_web_path("/"));
  EXPECT_TRUE(is_web_path("/index.html"));
  EXPECT_TRUE(is_web_path("/assets/app.js"));
  EXPECT_FALSE(is_web_path("/api/v1/status"));
  EXPECT_FALSE(is_web_path("/health"));
  EXPECT_FALSE(is_web_path("/assets"));
  EXPECT_FALSE(is_web_path(""));
}

}  // namespace
}  // namespace bannin::api
