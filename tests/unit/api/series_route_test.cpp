// GET /api/v1/series (api/router.cpp): the list without a name, one series with from/to/step
// read as documented (now, -DURATION, Unix seconds, RFC 3339; defaults 15 minutes and 1 s),
// each bad parameter a 400 naming it; and the KPI section of `bannin status`.
#include <gtest/gtest.h>

#include <bannin/api/router.h>
#include <bannin/api/status_text.h>

namespace bannin::api {
namespace {

constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr core::TimeNs kNow = 1'800'000'000 * kSec;

struct SeriesBackend final : Backend {
  SeriesRequest last;
  int calls = 0;
  std::string status_json() override { return std::string("{}"); }
  core::Result<std::string> decisions_json(const std::string&) override {
    return std::string("[]");
  }
  core::Result<std::string> add_decision(const decide::Decision&) override {
    return std::string("{}");
  }
  core::Result<int> revoke(const std::string&, const std::string&) override { return 0; }
  core::Result<int> revoke_id(std::int64_t, const std::string&) override { return 0; }
  std::string metrics_text() override { return ""; }
  core::Result<std::string> series_names_json() override { return std::string("{\"series\":[]}"); }
  core::Result<std::string> series_json(const SeriesRequest& r) override {
    last = r;
    ++calls;
    if (r.name == "nope") return core::make_error("not_found", "no series nope");
    return "{\"name\":\"" + r.name + "\"}";
  }
};

HttpResponse get(Router& router, std::map<std::string, std::string> query) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/api/v1/series";
  r.query = std::move(query);
  return router.handle(r);
}

TEST(SeriesRoute, ListAndQuery) {
  SeriesBackend b;
  RouterOptions o;
  o.now = [] { return kNow; };
  Router router(b, o);
  auto list = get(router, {});
  EXPECT_EQ(list.status, 200);
  EXPECT_NE(list.body.find("\"series\""), std::string::npos);
  EXPECT_EQ(b.calls, 0);

  EXPECT_EQ(get(router, {{"name", "udp.rcvbuf_errors"}}).status, 200);
  EXPECT_EQ(b.last.to, kNow);
  EXPECT_EQ(b.last.from, kNow - 900 * kSec);
  EXPECT_EQ(b.last.step, kSec);
  EXPECT_FALSE(b.last.step_given);

  EXPECT_EQ(get(router, {{"name", "x.y"}, {"from", "-1h"}, {"to", "-5m"}, {"step", "10s"}}).status,
            200);
  EXPECT_EQ(b.last.from, kNow - 3600 * kSec);
  EXPECT_EQ(b.last.to, kNow - 300 * kSec);
  EXPECT_EQ(b.last.step, 10 * kSec);
  EXPECT_TRUE(b.last.step_given);

  EXPECT_EQ(
      get(router,
          {{"name", "x.y"}, {"from", "1799990000"}, {"to", "2027-01-15T06:00:00Z"}, {"step", "60"}})
          .status,
      200);
  EXPECT_EQ(b.last.from, 1'799'990'000 * kSec);
  EXPECT_EQ(b.last.to, 1'799'992'800 * kSec);
  EXPECT_EQ(b.last.step, 60 * kSec);

  EXPECT_EQ(get(router, {{"name", "nope"}}).status, 404);
}

TEST(SeriesRoute, BadParametersAreNamed) {
  SeriesBackend b;
  RouterOptions o;
  o.now = [] { return kNow; };
  Router router(b, o);
  struct Case {
    std::map<std::string, std::string> q;
    const char* field;
  };
  for (const auto& c : std::vector<Case>{
           {{{"name", ""}}, "name"},
           {{{"name", "a\x01"}}, "name"},
           {{{"name", "x.y"}, {"from", "yesterday"}}, "from"},
           {{{"name", "x.y"}, {"to", "-5 minutes"}}, "to"},
           {{{"name", "x.y"}, {"from", "-1m"}, {"to", "-1h"}}, "from"},
           {{{"name", "x.y"}, {"step", "500ms"}}, "step"},
           {{{"name", "x.y"}, {"step", "2d"}}, "step"},
           {{{"name", "x.y"}, {"step", "ten"}}, "step"},
       }) {
    auto r = get(router, c.q);
    EXPECT_EQ(r.status, 400) << c.field;
    EXPECT_NE(r.body.find(std::string("\"field\":\"") + c.field + "\""), std::string::npos)
        << r.body;
  }
  EXPECT_EQ(b.calls, 0);
  // Without a series backend the list is a 404, not a crash.
  struct Plain final : Backend {
    std::string status_json() override { return std::string("{}"); }
    core::Result<std::string> decisions_json(const std::string&) override {
      return std::string("[]");
    }
    core::Result<std::string> add_decision(const decide::Decision&) override {
      return std::string("{}");
    }
    core::Result<int> revoke(const std::string&, const std::string&) override { return 0; }
    core::Result<int> revoke_id(std::int64_t, const std::string&) override { return 0; }
    std::string metrics_text() override { return ""; }
  } plain;
  Router r2(plain, o);
  EXPECT_EQ(get(r2, {}).status, 404);
  EXPECT_EQ(get(r2, {{"name", "x.y"}}).status, 404);
}

TEST(StatusText, KpiSection) {
  auto r = render_status(R"({"kpi":{"enabled":true,"interval_s":1,"proc_root":"/proc/42",
    "samples":9,"last":"2026-12-07T15:00:00Z","cpu_us_per_sample":180,"series":55,
    "rejects":{"snmp.bad_number":2},
    "values":{"udp.rcvbuf_errors":3007,"udp.in_datagrams":20000,"conntrack.count":5,
              "conntrack.max":1000,"conntrack.fill_permille":5,"mem.available_bytes":1073741824,
              "mem.total_bytes":2147483648,"psi.cpu.some_avg10":52},
    "services":[{"name":"unbound","procs":1,"rss_bytes":1048576,"cpu_ms":430,
                 "udp_drops":3007}]},"problems":["kpi: cannot read /proc/42/net/snmp"]})");
  ASSERT_TRUE(r) << r.error().message;
  const std::string& t = r->text;
  EXPECT_NE(t.find("\nKPIs\n"), std::string::npos) << t;
  EXPECT_NE(t.find("from /proc/42"), std::string::npos) << t;
  EXPECT_NE(t.find("rcvbuf errors 3007"), std::string::npos) << t;
  EXPECT_NE(t.find("conntrack: 5 of 1000"), std::string::npos) << t;
  EXPECT_NE(t.find("available 1.0 GiB of 2.0 GiB"), std::string::npos) << t;
  EXPECT_NE(t.find("cpu 0.52%"), std::string::npos) << t;
  EXPECT_NE(t.find("snmp.bad_number 2"), std::string::npos) << t;
  EXPECT_NE(t.find("  unbound "), std::string::npos) << t;
  EXPECT_NE(t.find("1.0 MiB"), std::string::npos) << t;
  ASSERT_EQ(r->problems.size(), 1u);
  // Off: no section.
  auto off = render_status(R"({"kpi":{"enabled":false}})");
  ASSERT_TRUE(off);
  EXPECT_EQ(off->text.find("KPIs"), std::string::npos);
}

}  // namespace
}  // namespace bannin::api
