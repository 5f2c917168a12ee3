// Service KPIs from the logs (log_kpis.h): decoded events counted by kind, status class,
// answer code and outcome, and recorded as per-second rates into a real SeriesStore, host-wide
// and per vhost; series appear with their first event; vhosts beyond the table are counted
// host-wide only.
#include <algorithm>

#include <gtest/gtest.h>

#include <bannin/app/log_kpis.h>

namespace bannin::app {
namespace {

using model::EventKind;
using model::Field;
constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr core::TimeNs kT0 = 1'780'000'000LL * kSec;

const model::Event& http(const char* vhost, int status) {
  static model::Event ev;
  ev.reset();
  ev.set_kind(EventKind::HttpRequest);
  ev.set_string(Field::Vhost, vhost);
  ev.set_int(Field::Status, status);
  return ev;
}

double last(probe::kpi::SeriesStore& st, const char* name) {
  const int id = st.id(name);
  return st.last(id);
}

TEST(LogKpis, RatesHostWideAndPerVhost) {
  LogKpis k;
  probe::kpi::SeriesStore st;
  for (int i = 0; i < 30; ++i) k.count(http("shop.example.jp", i < 20 ? 200 : 503));
  for (int i = 0; i < 10; ++i) k.count(http("blog.example.jp", 404));
  model::Event dns;
  dns.set_kind(EventKind::DnsQuery);
  dns.set_string(Field::Rcode, "NXDOMAIN");
  for (int i = 0; i < 4; ++i) k.count(dns);
  model::Event fail;
  fail.set_kind(EventKind::AuthAttempt);
  fail.set_string(Field::Outcome, "failure");
  k.count(fail);
  k.record(st, kT0, 0);  // the probe's first call (no interval yet) keeps the counts
  k.record(st, kT0 + 2 * kSec, 2 * kSec);  // two seconds: halves
  EXPECT_DOUBLE_EQ(last(st, "log.http"), 20.0);
  EXPECT_DOUBLE_EQ(last(st, "log.http.2xx"), 10.0);
  EXPECT_DOUBLE_EQ(last(st, "log.http.5xx"), 5.0);
  EXPECT_DOUBLE_EQ(last(st, "log.http.4xx"), 5.0);
  EXPECT_DOUBLE_EQ(last(st, "log.http/shop.example.jp"), 15.0);
  EXPECT_DOUBLE_EQ(last(st, "log.http.5xx/shop.example.jp"), 5.0);
  EXPECT_DOUBLE_EQ(last(st, "log.http.4xx/blog.example.jp"), 5.0);
  EXPECT_DOUBLE_EQ(last(st, "log.dns.nxdomain"), 2.0);
  EXPECT_DOUBLE_EQ(last(st, "log.auth.failure"), 0.5);
  // No series for what never happened (a web host has no DNS answers SERVFAIL, no mail).
  std::vector<std::string> names = st.names();
  EXPECT_EQ(std::count(names.begin(), names.end(), "log.mail.sent"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "log.http.3xx/shop.example.jp"), 0);
  // A quiet second: rates of 0, not the old ones.
  k.record(st, kT0 + 3 * kSec, kSec);
  EXPECT_DOUBLE_EQ(last(st, "log.http"), 0.0);
}

TEST(LogKpis, VhostTableIsBounded) {
  LogKpis k;
  probe::kpi::SeriesStore st;
  k.record(st, kT0, kSec);
  for (std::size_t i = 0; i < LogKpis::kMaxVhosts + 5; ++i) {
    k.count(http(("site" + std::to_string(i) + ".example").c_str(), 200));
  }
  k.record(st, kT0 + kSec, kSec);
  EXPECT_EQ(k.vhosts_over(), 5u);
  EXPECT_DOUBLE_EQ(last(st, "log.http"), static_cast<double>(LogKpis::kMaxVhosts + 5));
  std::size_t per_vhost = 0;
  for (const auto& n : st.names()) per_vhost += n.rfind("log.http/", 0) == 0 ? 1 : 0;
  EXPECT_EQ(per_vhost, LogKpis::kMaxVhosts);
}

}  // namespace
}  // namespace bannin::app
