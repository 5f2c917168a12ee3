// The rule loader's load report: every problem, located, with a stable code; good rules in
// the same file still load; parameters and overrides; the shipped rules load cleanly.
#include <algorithm>

#include <gtest/gtest.h>

#include <bannin/ruleset/rule_loader.h>

namespace bannin::ruleset {
namespace {

bool has(const LoadReport& r, const std::string& code, std::uint32_t line) {
  return std::any_of(r.problems.begin(), r.problems.end(), [&](const LoadProblem& p) {
    return p.code == code && (line == 0 || p.line == line);
  });
}

TEST(RuleLoader, CollectsEveryProblemWithLocations) {
  const char* yaml = R"(rules:
  - id: ok.rule
    title: fine
    when: [http.request]
    window: 10m
    group_by: [src_ip]
    fire: count() >= 3
    then: [{action: deny, scope: ip, ttl: 1h}]
  - id: bad.rule
    title: broken
    when: [http.nosuchkind]
    window: ten minutes
    colour: blue
    group_by: [src_ip, no_such_field]
    fire: count() >= 3
    then: [{action: explode, scope: ip, ttl: 1h}]
  - id: ok.rule
    title: duplicate
    when: [http.request]
    window: 1m
    group_by: [src_ip]
    fire: count() >= 1
    then: [{action: deny, scope: ip}]
)";
  LoadReport r;
  load_rules_text(yaml, "x.yaml", LoadOptions{}, r);
  ASSERT_EQ(r.rules.size(), 1u);
  EXPECT_EQ(r.rules[0]->id, "ok.rule");
  EXPECT_TRUE(has(r, "unknown_kind", 11));
  EXPECT_TRUE(has(r, "bad_duration", 12));
  EXPECT_TRUE(has(r, "unknown_key", 13));
  EXPECT_TRUE(has(r, "unknown_field", 14));
  EXPECT_TRUE(has(r, "bad_action", 0));
  EXPECT_TRUE(has(r, "duplicate_id", 17));
  EXPECT_TRUE(has(r, "missing_key", 0));  // the duplicate's decision has no ttl
  for (const auto& p : r.problems) {
    EXPECT_EQ(p.file, "x.yaml");
    EXPECT_GT(p.line, 0u) << p.message;
    EXPECT_GT(p.column, 0u) << p.message;
  }
  EXPECT_GE(r.errors(), 7u);
}

TEST(RuleLoader, YamlSyntaxErrorIsLocated) {
  LoadReport r;
  load_rules_text("rules:\n  - id: x\n    title: [unclosed\n", "y.yaml", LoadOptions{}, r);
  ASSERT_FALSE(r.problems.empty());
  EXPECT_EQ(r.problems[0].code, "yaml_syntax");
  EXPECT_GE(r.problems[0].line, 3u);
  EXPECT_TRUE(r.rules.empty());
}

TEST(RuleLoader, ExpressionErrorsAreReported) {
  const char* yaml = R"(rules:
  - id: e.rule
    title: bad expression
    when: [http.request]
    where: nosuchfield == 3
    window: 1m
    fire: count() >=
    then: [{action: notify_only, scope: vhost, ttl: 1h}]
)";
  LoadReport r;
  load_rules_text(yaml, "e.yaml", LoadOptions{}, r);
  EXPECT_TRUE(r.rules.empty());
  EXPECT_TRUE(has(r, "unknown_field", 5));
  EXPECT_GE(r.errors(), 2u);
}

TEST(RuleLoader, ParamsDefaultsAndOverrides) {
  const char* yaml = R"(rules:
  - id: p.rule
    title: params
    when: [http.request]
    group_by: [src_ip]
    window: 1m
    params: {max: 5}
    fire: count() >= $max
    then: [{action: deny, scope: ip, ttl: 1h}]
)";
  LoadOptions opt;
  opt.overrides["p.rule.max"] = ParamValue{{"7"}, false};
  LoadReport r;
  load_rules_text(yaml, "p.yaml", opt, r);
  ASSERT_EQ(r.rules.size(), 1u);
  EXPECT_EQ(r.rules[0]->params.at("max").items, (std::vector<std::string>{"7"}));
  double values[1] = {6};
  EXPECT_FALSE(r.rules[0]->fire->eval(values));
  values[0] = 7;
  EXPECT_TRUE(r.rules[0]->fire->eval(values));
}

TEST(RuleLoader, DurationsParse) {
  EXPECT_EQ(parse_duration("10m"), 600 * core::kNsPerSec);
  EXPECT_EQ(parse_duration("24h"), 86400 * core::kNsPerSec);
  EXPECT_EQ(parse_duration("500ms"), 500'000'000);
  EXPECT_EQ(parse_duration("1d"), 86400 * core::kNsPerSec);
  EXPECT_FALSE(parse_duration("ten"));
  EXPECT_FALSE(parse_duration("5y"));
  EXPECT_FALSE(parse_duration(""));
}

TEST(RuleLoader, ShippedRulesLoadCleanly) {
  LoadOptions opt;
  opt.globals["home_countries"] = ParamValue{{"JP"}, true};
  LoadReport r = load_rules({std::string(BANNIN_SOURCE_DIR) + "/rules/base"}, opt);
  for (const auto& p : r.problems) ADD_FAILURE() << p.file << ":" << p.line << " " << p.message;
  EXPECT_GE(r.rules.size(), 6u);
}

}  // namespace
}  // namespace bannin::ruleset
