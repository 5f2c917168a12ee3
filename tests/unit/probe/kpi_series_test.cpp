// SeriesStore (bannin/probe/kpi/series_store.h): one value a second for an hour, minute mean
// and maximum for a day, fixed memory, a cap on series, gaps as "no value", queries by step,
// and the bytes written to disk read back exactly — or refused, with where, when damaged.
#include <cmath>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include <bannin/probe/kpi/series_store.h>

namespace bannin::probe::kpi {
namespace {

constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr std::int64_t kT0 = 1'800'000'000;  // a whole minute (divisible by 60)

TEST(KpiSeries, SecondsMinutesAndGaps) {
  static_assert(kT0 % 60 == 0);
  SeriesStore st;
  const int id = st.id("udp.rcvbuf_errors");
  ASSERT_GE(id, 0);
  EXPECT_EQ(st.id("udp.rcvbuf_errors"), id);
  // 0..119 s: value = second; then nothing for 10 s; then 130..179 s: 1000.
  for (std::int64_t t = 0; t < 120; ++t) st.add(id, (kT0 + t) * kSec + 123, static_cast<double>(t));
  for (std::int64_t t = 130; t < 180; ++t) st.add(id, (kT0 + t) * kSec, 1000);
  auto a = st.query("udp.rcvbuf_errors", kT0 * kSec, (kT0 + 179) * kSec, kSec);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_EQ(a->points.size(), 180u);
  EXPECT_EQ(a->points[0].t, kT0);
  EXPECT_EQ(a->points[5].value, 5);
  EXPECT_TRUE(std::isnan(a->points[125].value));  // the gap
  EXPECT_EQ(a->points[150].value, 1000);
  // 10 s steps: mean and max of each step.
  auto b = st.query("udp.rcvbuf_errors", kT0 * kSec, (kT0 + 19) * kSec, 10 * kSec);
  ASSERT_TRUE(b);
  ASSERT_EQ(b->points.size(), 2u);
  EXPECT_DOUBLE_EQ(b->points[0].value, 4.5);
  EXPECT_EQ(b->points[0].max, 9);
  // Minutes: completed minutes and the one being filled.
  auto m = st.query("udp.rcvbuf_errors", kT0 * kSec, (kT0 + 179) * kSec, 60 * kSec);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->points.size(), 3u);
  EXPECT_DOUBLE_EQ(m->points[0].value, 29.5);  // mean of 0..59
  EXPECT_EQ(m->points[0].max, 59);
  EXPECT_DOUBLE_EQ(m->points[1].value, 89.5);
  EXPECT_EQ(m->points[2].value, 1000);  // 130..179, current minute
  // A value for a second already written is late: dropped and counted.
  st.add(id, (kT0 + 100) * kSec, 5);
  EXPECT_EQ(st.stats().late, 1u);
  std::int64_t sec = 0;
  EXPECT_EQ(st.last(id, &sec), 1000);
  EXPECT_EQ(sec, kT0 + 179);
}

TEST(KpiSeries, RingsForgetWhatIsOlderThanTheyHold) {
  SeriesStore st;
  const int id = st.id("x.y");
  for (std::int64_t t = 0; t < 2 * 3600; ++t) st.add(id, (kT0 + t) * kSec, 1);
  // The first hour is gone from the seconds ring, still in the minutes ring.
  auto s = st.query("x.y", kT0 * kSec, (kT0 + 59) * kSec, kSec);
  ASSERT_TRUE(s);
  for (const auto& p : s->points) EXPECT_TRUE(std::isnan(p.value));
  auto m = st.query("x.y", kT0 * kSec, (kT0 + 3599) * kSec, 60 * kSec);
  ASSERT_TRUE(m);
  for (const auto& p : m->points) EXPECT_EQ(p.value, 1);
  // A jump of two days clears everything in between, at most one ring's worth of work.
  st.add(id, (kT0 + 2 * 86400) * kSec, 7);
  auto d = st.query("x.y", (kT0 + 2 * 86400 - 3000) * kSec, (kT0 + 2 * 86400) * kSec, 60 * kSec);
  ASSERT_TRUE(d);
  for (std::size_t i = 0; i + 1 < d->points.size(); ++i)
    EXPECT_TRUE(std::isnan(d->points[i].value));
  EXPECT_EQ(d->points.back().value, 7);
}

TEST(KpiSeries, BoundedAndChecked) {
  SeriesStore st(3);
  EXPECT_GE(st.id("a.b"), 0);
  EXPECT_GE(st.id("a.c"), 0);
  EXPECT_GE(st.id("service.rss_bytes/unbound"), 0);
  EXPECT_EQ(st.id("a.d"), -1);           // full
  EXPECT_EQ(SeriesStore(3).id(""), -1);  // bad names
  EXPECT_EQ(SeriesStore(3).id("has space"), -1);
  EXPECT_EQ(st.stats().refused, 1u);
  EXPECT_EQ(st.stats().bytes, 3 * SeriesStore::kBytesPerSeries);
  st.add(-1, kSec, 1);  // a refused id is ignored
  st.add(99, kSec, 1);
  EXPECT_EQ(st.query("nope", 0, kSec, kSec).error().code, "not_found");
  EXPECT_EQ(st.query("a.b", 0, 10000 * kSec, kSec).error().code, "invalid_argument");  // points
  EXPECT_EQ(st.query("a.b", 0, kSec, 90 * kSec).error().code, "invalid_argument");     // 1m30s
  EXPECT_EQ(st.query("a.b", 5 * kSec, kSec, kSec).error().code, "invalid_argument");   // order
  EXPECT_EQ(st.query("a.b", 0, kSec, kSec / 2).error().code, "invalid_argument");
}

TEST(KpiSeries, PersistsAndRefusesDamage) {
  SeriesStore a;
  const int x = a.id("udp.in_datagrams");
  const int y = a.id("service.cpu_ms/dns");
  for (std::int64_t t = 0; t < 200; ++t) {
    a.add(x, (kT0 + t) * kSec, static_cast<double>(t));
    if (t % 2 == 0) a.add(y, (kT0 + t) * kSec, 3);
  }
  std::string bytes;
  a.serialize(bytes);
  SeriesStore b;
  auto n = b.restore(bytes);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 2u);
  for (core::TimeNs step : {kSec, 60 * kSec}) {
    auto qa = a.query("udp.in_datagrams", kT0 * kSec, (kT0 + 199) * kSec, step);
    auto qb = b.query("udp.in_datagrams", kT0 * kSec, (kT0 + 199) * kSec, step);
    ASSERT_TRUE(qa && qb);
    ASSERT_EQ(qa->points.size(), qb->points.size());
    for (std::size_t i = 0; i < qa->points.size(); ++i) {
      EXPECT_EQ(qa->points[i].value, qb->points[i].value) << i;
    }
  }
  // The restored store goes on where the old one stopped.
  b.add(b.id("udp.in_datagrams"), (kT0 + 200) * kSec, 200);
  auto after = b.query("udp.in_datagrams", (kT0 + 180) * kSec, (kT0 + 239) * kSec, 60 * kSec);
  ASSERT_TRUE(after);
  EXPECT_DOUBLE_EQ(after->points[0].value, (180.0 + 200.0) / 2);
  // Damage anywhere is refused with a located reason, and nothing is restored.
  std::string bad = bytes;
  bad[bad.size() / 2] ^= 0x40;
  SeriesStore c;
  auto r = c.restore(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "bad_series_file");
  EXPECT_NE(r.error().message.find("checksum"), std::string::npos);
  EXPECT_TRUE(c.names().empty());
  EXPECT_FALSE(c.restore(bytes.substr(0, bytes.size() - 9)));
  EXPECT_FALSE(c.restore(""));
  EXPECT_FALSE(c.restore("BNKPISR1 and then nonsense"));
  EXPECT_FALSE(SeriesStore(1).restore(bytes));  // more series than it holds
}

}  // namespace
}  // namespace bannin::probe::kpi

namespace bannin::probe::kpi {
namespace {

// The fuzz corpus's valid file (written by a separate implementation of the format, in
// Python) restores: the fuzzer's deep paths start from a real file.
TEST(KpiSeries, CorpusFileRestores) {
  std::ifstream f(std::string(BANNIN_SOURCE_DIR) + "/tests/fuzz/corpus/kpi_series/two_series",
                  std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1u);
  SeriesStore st;
  auto r = st.restore(std::string_view(bytes).substr(1));  // the first byte is the mode
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 2u);
  std::int64_t sec = 0;
  EXPECT_EQ(st.last(0, &sec), 3);
  EXPECT_EQ(sec, 1'800'000'119);
}

}  // namespace
}  // namespace bannin::probe::kpi
