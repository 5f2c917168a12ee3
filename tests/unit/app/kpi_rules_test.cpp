// The shipped KPI rules (rules/base/kpi.yaml) in the daemon's own pipeline (app::Pipeline,
// the object `bannin run` runs): kpi.sample events as the KPI probe makes them
// (probe::kpi::for_each_event) go through the rules like any other event. At the thresholds:
// just below does not fire, just above does, another metric and another service stay quiet,
// and a rule fires once per incident, not once per second.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/app/config.h>
#include <bannin/app/pipeline.h>
#include <bannin/core/json_writer.h>
#include <bannin/model/event_format.h>
#include <bannin/probe/kpi/sample.h>

namespace bannin::app {
namespace {

namespace pk = probe::kpi;
constexpr core::TimeNs kSec = core::kNsPerSec;

struct Collect final : PipelineOutput {
  std::vector<std::string> findings;  // "rule [group] numbers"
  void on_finding(const detect::Finding& f, std::string group_json, std::string numbers_json,
                  const model::Event* /*trigger*/) override {
    findings.push_back(f.rule->id + " " + group_json + " " + numbers_json);
  }
  void on_decision(decide::Decision) override { ++decisions; }
  int decisions = 0;
};

class KpiRules : public ::testing::Test {
 protected:
  void SetUp() override {
    DaemonConfig cfg;
    cfg.geo_database = "none";
    cfg.rule_files = {std::string(BANNIN_SOURCE_DIR) + "/rules/base/kpi.yaml"};
    auto loaded = load_rules(cfg, nullptr);
    ASSERT_TRUE(loaded) << loaded.error().message;
    ASSERT_EQ(loaded->rules.size(), 6u);
    // The fixed thresholds here; the learned one (host.udp.drops_out_of_line) on its own below.
    RuleList fixed, learned;
    for (const auto& r : loaded->rules) {
      (r->id == "host.udp.drops_out_of_line" ? learned : fixed).push_back(r);
    }
    ASSERT_EQ(learned.size(), 1u);
    learned_ = learned;
    decider_ = std::make_unique<decide::Decider>(decide::DeciderOptions{});
    pipeline_ = std::make_unique<Pipeline>(fixed, 64 << 20, nullptr, *decider_, nullptr, out_);
  }
  void use_learned() {
    pipeline_ = std::make_unique<Pipeline>(learned_, 64 << 20, nullptr, *decider_, nullptr, out_);
  }

  // One sample a second: udp.rcvbuf_errors = v[i]; service "dns" drops = svc[i] when given.
  void feed(core::TimeNs start, const std::vector<std::int64_t>& v, pk::Sys metric,
            const std::vector<std::int64_t>& svc = {}) {
    const std::vector<std::string> names = {"dns", "mail"};
    model::EventFormatter fmt;
    model::Event ev;
    std::string raw;
    for (std::size_t i = 0; i < v.size(); ++i) {
      pk::Sample s;
      s.ts = start + static_cast<core::TimeNs>(i) * kSec;
      s.services.resize(2);
      s.has[static_cast<std::size_t>(metric)] = true;
      s.sys[static_cast<std::size_t>(metric)] = v[i];
      if (i < svc.size()) {
        s.services[0].has[static_cast<std::size_t>(pk::Svc::UdpDrops)] = true;
        s.services[0].v[static_cast<std::size_t>(pk::Svc::UdpDrops)] = svc[i];
        s.services[1].has[static_cast<std::size_t>(pk::Svc::UdpDrops)] = true;
        s.services[1].v[static_cast<std::size_t>(pk::Svc::UdpDrops)] = 5;  // quiet
      }
      pk::for_each_event(s, names, "ns1", ev, [&](const model::Event& e) {
        raw.clear();
        core::JsonObjectWriter o(raw);
        fmt.append_json_members(o, e);
        o.close();
        pipeline_->event(e, raw);
      });
    }
  }

  std::string all() const {
    std::string s;
    for (const auto& f : out_.findings) s += f + "\n";
    return s;
  }

  Collect out_;
  RuleList learned_;
  std::unique_ptr<decide::Decider> decider_;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(KpiRules, RcvbufDropsAtTheThreshold) {
  // 99/s for a minute (just below min_per_second 100): nothing.
  feed(1000 * kSec, std::vector<std::int64_t>(60, 99), pk::Sys::UdpRcvbufErrors);
  EXPECT_TRUE(out_.findings.empty());
  // Two seconds at 100/s in ten (below min_seconds 3): nothing.
  feed(2000 * kSec, {100, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0}, pk::Sys::UdpRcvbufErrors);
  EXPECT_TRUE(out_.findings.empty());
  // Three seconds at 100/s and above: one finding, with the numbers.
  feed(3000 * kSec, {100, 5000, 100, 100, 100, 100, 100, 100}, pk::Sys::UdpRcvbufErrors);
  ASSERT_EQ(out_.findings.size(), 1u) << all();
  EXPECT_NE(out_.findings[0].find("host.udp.rcvbuf_drops"), std::string::npos);
  EXPECT_NE(out_.findings[0].find("\"metric\":\"udp.rcvbuf_errors\""), std::string::npos)
      << out_.findings[0];
  EXPECT_NE(out_.findings[0].find("\"max(value)\":5000"), std::string::npos) << out_.findings[0];
  EXPECT_NE(out_.findings[0].find("\"sum(value)\":5200"), std::string::npos) << out_.findings[0];
  EXPECT_EQ(out_.decisions, 0);  // findings only (then: [])
}

TEST_F(KpiRules, OtherMetricsAndServicesStayQuiet) {
  // Huge values of a metric no rule reads.
  feed(1000 * kSec, std::vector<std::int64_t>(20, 1'000'000), pk::Sys::UdpInDatagrams);
  EXPECT_TRUE(out_.findings.empty());
  // The service "dns" drops 500/s: one finding for dns, none for "mail" (5/s).
  feed(2000 * kSec, std::vector<std::int64_t>(10, 0), pk::Sys::UdpInDatagrams,
       std::vector<std::int64_t>(10, 500));
  ASSERT_EQ(out_.findings.size(), 1u);
  EXPECT_NE(out_.findings[0].find("service.udp.rcvbuf_drops"), std::string::npos);
  EXPECT_NE(out_.findings[0].find("\"service\":\"dns\""), std::string::npos) << out_.findings[0];
}

TEST_F(KpiRules, ConntrackAndMemory) {
  feed(1000 * kSec, {899, 899, 899, 899, 899}, pk::Sys::ConntrackFillPermille);
  EXPECT_TRUE(out_.findings.empty());
  feed(2000 * kSec, {900, 950, 990}, pk::Sys::ConntrackFillPermille);
  ASSERT_EQ(out_.findings.size(), 1u);
  EXPECT_NE(out_.findings[0].find("host.conntrack.near_full"), std::string::npos);
  feed(3000 * kSec, {51, 51, 51, 51, 51, 51}, pk::Sys::MemAvailablePermille);
  EXPECT_EQ(out_.findings.size(), 1u);
  feed(4000 * kSec, {50, 40, 30, 20, 10}, pk::Sys::MemAvailablePermille);
  ASSERT_EQ(out_.findings.size(), 2u);
  EXPECT_NE(out_.findings[1].find("host.memory.low"), std::string::npos);
  EXPECT_NE(out_.findings[1].find("\"min(value)\":10"), std::string::npos) << out_.findings[1];
}

TEST_F(KpiRules, DropsOutOfLineWithTheHostsNormal) {
  use_learned();
  // A host that always drops ~40 datagrams a second (200 per 5 s, above min_dropped 50): for
  // ten minutes its normal, never out of line; the fixed rule would not fire either (< 100/s).
  std::vector<std::int64_t> usual;
  for (int i = 0; i < 600; ++i) usual.push_back(30 + (i * 7) % 21);  // 30, 37, 44: 37 a second
  feed(1000 * kSec, usual, pk::Sys::UdpRcvbufErrors);
  EXPECT_TRUE(out_.findings.empty()) << all();
  // Then 90/s for 10 s: still below the fixed 100/s, but more than twice its normal — far
  // outside its usual spread: one finding naming the usual.
  // (10 s is two windows: it fires again in the second while the drops go on.)
  feed(1600 * kSec, std::vector<std::int64_t>(10, 90), pk::Sys::UdpRcvbufErrors);
  ASSERT_EQ(out_.findings.size(), 2u) << all();
  EXPECT_NE(out_.findings[0].find("host.udp.drops_out_of_line"), std::string::npos);
  EXPECT_NE(out_.findings[0].find("\"baseline(sum(value))\":18"), std::string::npos)
      << out_.findings[0];  // 185 per 5 s
  EXPECT_NE(out_.findings[1].find("host.udp.drops_out_of_line"), std::string::npos);
}

TEST_F(KpiRules, DropsOutOfLineNotWhileLearning) {
  use_learned();
  // A new host floods at once: the baseline has nothing yet (deviation 0): no finding from
  // this rule (host.udp.rcvbuf_drops covers a first flood with its fixed threshold).
  feed(1000 * kSec, std::vector<std::int64_t>(30, 5000), pk::Sys::UdpRcvbufErrors);
  EXPECT_TRUE(out_.findings.empty()) << all();
}

}  // namespace
}  // namespace bannin::app
