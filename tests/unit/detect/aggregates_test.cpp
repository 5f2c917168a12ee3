// Each aggregate class at its boundaries: a value counts while its bucket is among the last 16
// of the window and stops counting one bucket later; empty windows give each aggregate's
// neutral value; distinct() is exact to 1,000 values and an estimate within 2 % above; a late
// event older than the window does not overwrite a newer bucket.
#include <map>

#include <gtest/gtest.h>

#include <bannin/detect/aggregates.h>
#include <bannin/ruleset/rule_loader.h>

namespace bannin::detect {
namespace {

using model::Field;

constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr core::TimeNs kWindow = 160 * kSec;  // 16 buckets of 10 s
constexpr core::TimeNs kWidth = kWindow / 16;

// The aggregates of one rule, compiled by the real rule loader.
struct Specs {
  std::shared_ptr<const ruleset::Rule> rule;
  AggregateContext ctx(std::string_view text) const {
    const auto& texts = rule->aggregates.texts();
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (texts[i] == text) return AggregateContext{&rule->aggregates.specs()[i], kWindow, kWidth};
    }
    ADD_FAILURE() << "no aggregate " << text;
    return {};
  }
};

Specs specs() {
  const char* yaml = R"(
rules:
  - id: t.aggs
    title: all aggregates
    when: [http.request]
    group_by: [src_ip]
    window: 160s
    fire: count() >= 1 and rate() >= 0 and share(status == 404) >= 0 and distinct(src_ip) >= 0 and sum(bytes) >= 0 and min(request_time) >= 0 and max(bytes) >= 0
    then: [{action: deny, scope: ip, ttl: 1h}]
)";
  ruleset::LoadReport r;
  ruleset::load_rules_text(yaml, "t.yaml", {}, r);
  for (const auto& p : r.problems) ADD_FAILURE() << p.line << ":" << p.column << " " << p.message;
  if (r.rules.empty()) return {};
  return {r.rules[0]};
}

void http(model::Event& ev, core::TimeNs t, const char* ip, int status, std::int64_t bytes = -1,
          core::TimeNs request_time = -1) {
  ev.reset();
  ev.set_kind(model::EventKind::HttpRequest);
  ev.set_ts(t);
  ev.set_ip(Field::SrcIp, *core::IpAddress::parse(ip));
  ev.set_int(Field::Status, status);
  if (bytes >= 0) ev.set_int(Field::Bytes, bytes);
  if (request_time >= 0) ev.set_duration(Field::RequestTime, request_time);
}

TEST(BucketRing, ValueCountsForSixteenBucketsThenStops) {
  BucketRing<std::uint32_t> ring;
  *ring.at(0, kWidth, 0) += 1;  // bucket 0
  auto sum = [&](core::TimeNs t) {
    return ring.fold(t, kWidth, 0.0, [](double a, double b) { return a + b; });
  };
  EXPECT_EQ(sum(0), 1.0);
  EXPECT_EQ(sum(16 * kWidth - 1), 1.0) << "last instant of bucket 15: bucket 0 is still in";
  EXPECT_EQ(sum(16 * kWidth), 0.0) << "bucket 16: bucket 0 has left the window";
  // Jumping far ahead clears every bucket; nothing from before counts.
  *ring.at(100 * kWidth, kWidth, 0) += 2;
  EXPECT_EQ(sum(100 * kWidth), 2.0);
  // A late value within the window still counts; one older than the window is refused and
  // leaves the newer buckets alone.
  ASSERT_NE(ring.at(85 * kWidth, kWidth, 0), nullptr);
  *ring.at(85 * kWidth, kWidth, 0) += 1;
  EXPECT_EQ(sum(100 * kWidth), 3.0);
  EXPECT_EQ(ring.at(84 * kWidth, kWidth, 0), nullptr);
  EXPECT_EQ(sum(100 * kWidth), 3.0);
}

TEST(BucketRing, AdvancingOneBucketResetsOnlyThatBucket) {
  BucketRing<std::uint32_t> ring;
  for (int b = 0; b < 16; ++b) *ring.at(b * kWidth, kWidth, 0) += 1;
  auto sum = [&](core::TimeNs t) {
    return ring.fold(t, kWidth, 0.0, [](double a, double b) { return a + b; });
  };
  EXPECT_EQ(sum(15 * kWidth), 16.0);
  *ring.at(16 * kWidth, kWidth, 0) += 5;  // reuses bucket 0's slot
  EXPECT_EQ(sum(16 * kWidth), 15.0 + 5.0);
}

TEST(Aggregates, CountAndRateAtTheWindowEdge) {
  Specs s = specs();
  ASSERT_TRUE(s.rule);
  auto cc = s.ctx("count()");
  auto rc = s.ctx("rate()");
  CountAggregate count;
  RateAggregate rate;
  model::Event ev;
  EXPECT_EQ(count.value(0, cc), 0.0);
  for (int i = 0; i < 8; ++i) {
    http(ev, i * kSec, "192.0.2.1", 200);
    count.add(ev, ev.ts(), cc);
    rate.add(ev, ev.ts(), rc);
  }
  EXPECT_EQ(count.value(7 * kSec, cc), 8.0);
  EXPECT_DOUBLE_EQ(rate.value(7 * kSec, rc), 8.0 / 160.0);
  EXPECT_EQ(count.value(kWindow - 1, cc), 8.0);
  EXPECT_EQ(count.value(kWindow, cc), 0.0);
  EXPECT_EQ(rate.value(kWindow, rc), 0.0);
}

TEST(Aggregates, ShareIsZeroWithoutEventsAndHitsOverTotal) {
  Specs s = specs();
  ASSERT_TRUE(s.rule);
  auto ctx = s.ctx("share(status == 404)");
  ShareAggregate share;
  model::Event ev;
  EXPECT_EQ(share.value(0, ctx), 0.0);
  for (int i = 0; i < 4; ++i) {
    http(ev, i * kSec, "192.0.2.1", i == 0 ? 200 : 404);
    share.add(ev, ev.ts(), ctx);
  }
  EXPECT_DOUBLE_EQ(share.value(3 * kSec, ctx), 0.75);
  // Only non-matching events in a later window: 0, not a stale 0.75.
  http(ev, 2 * kWindow, "192.0.2.1", 200);
  share.add(ev, ev.ts(), ctx);
  EXPECT_EQ(share.value(2 * kWindow, ctx), 0.0);
}

TEST(Aggregates, SumMinMaxOfNumericFields) {
  Specs s = specs();
  ASSERT_TRUE(s.rule);
  auto sc = s.ctx("sum(bytes)");
  auto nc = s.ctx("min(request_time)");
  auto xc = s.ctx("max(bytes)");
  SumAggregate sum;
  MinAggregate mn;
  MaxAggregate mx;
  EXPECT_EQ(sum.value(0, sc), 0.0);
  EXPECT_EQ(mn.value(0, nc), std::numeric_limits<double>::infinity());
  EXPECT_EQ(mx.value(0, xc), -std::numeric_limits<double>::infinity());
  model::Event ev;
  http(ev, 1 * kSec, "192.0.2.1", 200, 100, 2 * kSec);
  sum.add(ev, ev.ts(), sc);
  mn.add(ev, ev.ts(), nc);
  mx.add(ev, ev.ts(), xc);
  http(ev, 30 * kSec, "192.0.2.1", 200, 50, kSec / 2);
  sum.add(ev, ev.ts(), sc);
  mn.add(ev, ev.ts(), nc);
  mx.add(ev, ev.ts(), xc);
  http(ev, 31 * kSec, "192.0.2.1", 200);  // no bytes, no request_time: ignored
  sum.add(ev, ev.ts(), sc);
  mn.add(ev, ev.ts(), nc);
  mx.add(ev, ev.ts(), xc);
  EXPECT_EQ(sum.value(31 * kSec, sc), 150.0);
  EXPECT_EQ(mn.value(31 * kSec, nc), 0.5) << "durations in seconds";
  EXPECT_EQ(mx.value(31 * kSec, xc), 100.0);
  // The first event's bucket (0-10 s) leaves the window at 160 s; the second's stays.
  EXPECT_EQ(sum.value(kWindow, sc), 50.0);
  EXPECT_EQ(mx.value(kWindow, xc), 50.0);
  EXPECT_EQ(mn.value(kWindow + 30 * kSec, nc), std::numeric_limits<double>::infinity());
}

TEST(Aggregates, DistinctExactToOneThousandThenWithinTwoPercent) {
  Specs s = specs();
  ASSERT_TRUE(s.rule);
  auto ctx = s.ctx("distinct(src_ip)");
  DistinctAggregate d;
  EXPECT_EQ(d.value(0, ctx), 0.0);
  EXPECT_EQ(d.heap_bytes(), 0u) << "nothing allocated before the first value";
  model::Event ev;
  char ip[32];
  for (int i = 0; i < 1000; ++i) {
    std::snprintf(ip, sizeof ip, "10.0.%d.%d", i >> 8, i & 255);
    http(ev, kSec, ip, 200);
    d.add(ev, ev.ts(), ctx);
    d.add(ev, ev.ts(), ctx);  // repeats do not count twice
  }
  EXPECT_EQ(d.value(kSec, ctx), 1000.0);
  for (int i = 1000; i < 5000; ++i) {
    std::snprintf(ip, sizeof ip, "10.0.%d.%d", i >> 8, i & 255);
    http(ev, 2 * kSec, ip, 200);
    d.add(ev, ev.ts(), ctx);
  }
  EXPECT_NEAR(d.value(2 * kSec, ctx), 5000.0, 100.0);
  EXPECT_EQ(d.value(kWindow + 3 * kSec, ctx), 0.0) << "all values left the window";
}

TEST(Aggregates, DistinctExpiresValuesLeavingTheWindow) {
  Specs s = specs();
  ASSERT_TRUE(s.rule);
  auto ctx = s.ctx("distinct(src_ip)");
  DistinctAggregate d;
  model::Event ev;
  http(ev, 0, "192.0.2.1", 200);
  d.add(ev, ev.ts(), ctx);
  http(ev, 100 * kSec, "192.0.2.2", 200);
  d.add(ev, ev.ts(), ctx);
  EXPECT_EQ(d.value(100 * kSec, ctx), 2.0);
  EXPECT_EQ(d.value(kWindow - 1, ctx), 2.0);
  EXPECT_EQ(d.value(kWindow, ctx), 1.0) << "a value seen exactly a window ago is out";
}

// The exact set (flat open-addressing table and FIFO ring) against a plain model: values
// come and go in a sliding window with repeats, so slots are deleted from the middle of probe
// runs (backward shift) and the ring wraps and grows, many times over.
TEST(Aggregates, DistinctMatchesAModelUnderChurn) {
  Specs s = specs();
  ASSERT_TRUE(s.rule);
  auto ctx = s.ctx("distinct(src_ip)");
  DistinctAggregate d;
  std::map<int, core::TimeNs> last_seen;  // the model: value -> last time seen
  model::Event ev;
  char ip[32];
  std::uint64_t x = 42;
  core::TimeNs t = 0;
  for (int i = 0; i < 20000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    t += static_cast<core::TimeNs>((x >> 33) % 3) * kSec / 2;  // 0, 0.5 or 1 s later
    // Few values at first, then up to 900 (below kExactMax), then few again.
    const int span = i < 5000 ? 40 : i < 15000 ? 900 : 60;
    const int v = static_cast<int>((x >> 40) % static_cast<std::uint64_t>(span));
    std::snprintf(ip, sizeof ip, "10.1.%d.%d", v >> 8, v & 255);
    http(ev, t, ip, 200);
    d.add(ev, t, ctx);
    last_seen[v] = t;
    if (i % 7 == 0) {
      std::size_t in = 0;
      for (const auto& [k, seen] : last_seen) in += seen > t - kWindow ? 1 : 0;
      ASSERT_EQ(d.value(t, ctx), static_cast<double>(in)) << "event " << i;
    }
  }
}

TEST(AggregateBlock, EachSlotIsTheClassOfItsSpecKind) {
  Specs s = specs();
  ASSERT_TRUE(s.rule);
  const auto& specs = s.rule->aggregates.specs();
  AggregateBlock block(specs);
  // Header (2 + 7 kinds, then 7 32-bit offsets from byte 12: 40) + count, rate (72 each),
  // share (144), distinct (8), sum, min, max (136 each).
  EXPECT_EQ(block.block_bytes(), 40u + 72 + 72 + 144 + 8 + 3 * 136);
  EXPECT_EQ(block.heap_bytes(), 0u);
  model::Event ev;
  http(ev, kSec, "192.0.2.1", 404, 10, kSec);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    block.add(i, ev, kSec, AggregateContext{&specs[i], kWindow, kWidth});
  }
  EXPECT_GT(block.heap_bytes(), 0u) << "the distinct set is allocated by its first value";
  for (std::size_t i = 0; i < specs.size(); ++i) {
    double v = block.value(i, kSec, AggregateContext{&specs[i], kWindow, kWidth});
    switch (specs[i].kind) {
      case ruleset::AggregateKind::Count:
      case ruleset::AggregateKind::Distinct:
      case ruleset::AggregateKind::Share:
      case ruleset::AggregateKind::Min:
        EXPECT_EQ(v, 1.0) << s.rule->aggregates.texts()[i];
        break;
      case ruleset::AggregateKind::Rate:
        EXPECT_DOUBLE_EQ(v, 1.0 / 160.0);
        break;
      case ruleset::AggregateKind::Sum:
      case ruleset::AggregateKind::Max:
        EXPECT_EQ(v, 10.0) << s.rule->aggregates.texts()[i];
        break;
      case ruleset::AggregateKind::Baseline:
      case ruleset::AggregateKind::Deviation:
        ADD_FAILURE() << "no baseline in this rule";  // baseline_test.cpp
        break;
    }
  }
  // A moved block keeps its aggregates; the moved-from one holds nothing.
  AggregateBlock moved = std::move(block);
  EXPECT_EQ(moved.value(0, kSec, AggregateContext{&specs[0], kWindow, kWidth}), 1.0);
  EXPECT_EQ(block.block_bytes(), 0u);  // NOLINT(bugprone-use-after-move): checked on purpose
}

}  // namespace
}  // namespace bannin::detect
