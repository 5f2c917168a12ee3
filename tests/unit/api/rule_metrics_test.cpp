// Per-rule /metrics series from the rules document (api/rule_metrics.h): one counter family
// per counter with HELP and TYPE, a series per rule, label values escaped, nothing for a
// document without rules or that is not JSON.
#include <gtest/gtest.h>

#include <bannin/api/rule_metrics.h>

namespace bannin::api {
namespace {

TEST(RuleMetrics, OneFamilyPerCounterOneSeriesPerRule) {
  const std::string doc = R"({"load":{"rules":2},"rules":[
    {"id":"web.form_relay.many_sources","counters":{"evaluations":4701,"matched":86,"findings":3,
     "decisions":36,"capped":0,"suppressed":1,"groups_evicted":0,"groups_expired":2,"members_cut":0}},
    {"id":"odd\"rule\\x","counters":{"findings":1}}]})";
  const std::string m = rule_metrics_text(doc);
  EXPECT_NE(m.find("# HELP bannin_rule_findings_total "), std::string::npos);
  EXPECT_NE(m.find("# TYPE bannin_rule_findings_total counter\n"), std::string::npos);
  EXPECT_NE(m.find("bannin_rule_findings_total{rule=\"web.form_relay.many_sources\"} 3\n"),
            std::string::npos);
  EXPECT_NE(m.find("bannin_rule_evaluations_total{rule=\"web.form_relay.many_sources\"} 4701\n"),
            std::string::npos);
  EXPECT_NE(m.find("bannin_rule_decisions_total{rule=\"web.form_relay.many_sources\"} 36\n"),
            std::string::npos);
  EXPECT_NE(m.find("bannin_rule_findings_total{rule=\"odd\\\"rule\\\\x\"} 1\n"), std::string::npos);
  // The second rule has no evaluations counter: no series for it there.
  EXPECT_EQ(m.find("bannin_rule_evaluations_total{rule=\"odd"), std::string::npos);
  // Each family's TYPE appears once.
  std::size_t types = 0;
  for (std::size_t p = m.find("# TYPE bannin_rule_findings_total"); p != std::string::npos;
       p = m.find("# TYPE bannin_rule_findings_total", p + 1)) {
    ++types;
  }
  EXPECT_EQ(types, 1U);
}

TEST(RuleMetrics, NothingWithoutRules) {
  EXPECT_EQ(rule_metrics_text(R"({"rules":[]})"), "");
  EXPECT_EQ(rule_metrics_text("{}"), "");
  EXPECT_EQ(rule_metrics_text("not json"), "");
  EXPECT_EQ(rule_metrics_text(R"({"rules":[{"id":"x"}]})"), "");
}

}  // namespace
}  // namespace bannin::api
