// The rule loader's load report: every problem, located, with a stable code; good rules in
// the same file still load; parameters and overrides; list parameters from data files;
// named numbers and reason placeholders; the shipped rules load cleanly.
#include <algorithm>
#include <filesystem>
#include <fstream>

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

// A scratch directory for rule and list files, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ =
        std::filesystem::temp_directory_path() /
        ("bannin_rule_loader_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(path_ / "rules");
    std::filesystem::create_directories(path_ / "data");
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  void write(const std::string& rel, const std::string& text) const {
    std::ofstream(path_ / rel) << text;
  }
  [[nodiscard]] std::string path(const std::string& rel) const { return (path_ / rel).string(); }

 private:
  std::filesystem::path path_;
};

TEST(RuleLoader, ListParameterFromAFileRelativeToTheRuleFile) {
  TempDir d;
  d.write("data/probes.txt", "# comment\n/.env\n\n  /.git/config  \n# another\n.sql\n");
  d.write("rules/r.yaml", R"(rules:
  - id: t.probe
    title: probe
    when: [http.request]
    where: path endswith $probes
    group_by: [src_ip]
    window: 10m
    params:
      probes: {file: ../data/probes.txt}
    fire: count() >= 2
    then: {action: deny, scope: ip, ttl: 1h}
)");
  LoadReport r = load_rules({d.path("rules")}, LoadOptions{});
  for (const auto& p : r.problems) ADD_FAILURE() << p.file << ":" << p.line << " " << p.message;
  ASSERT_EQ(r.rules.size(), 1u);
  const ParamValue& v = r.rules[0]->params.at("probes");
  EXPECT_TRUE(v.is_list);
  EXPECT_EQ(v.items, (std::vector<std::string>{"/.env", "/.git/config", ".sql"}));
}

TEST(RuleLoader, MissingOrEmptyListFileIsALocatedError) {
  TempDir d;
  d.write("data/empty.txt", "# only a comment\n\n");
  d.write("rules/r.yaml", R"(rules:
  - id: t.missing
    title: missing
    when: [http.request]
    where: path endswith $probes
    group_by: [src_ip]
    window: 10m
    params:
      probes: {file: ../data/nope.txt}
    fire: count() >= 2
    then: {action: deny, scope: ip, ttl: 1h}
  - id: t.empty
    title: empty
    when: [http.request]
    where: path endswith $probes
    group_by: [src_ip]
    window: 10m
    params:
      probes: {file: ../data/empty.txt}
    fire: count() >= 2
    then: {action: deny, scope: ip, ttl: 1h}
  - id: t.nofile
    title: no file key
    when: [http.request]
    group_by: [src_ip]
    window: 10m
    params:
      probes: {path: x}
    fire: count() >= 2
    then: {action: deny, scope: ip, ttl: 1h}
)");
  LoadReport r = load_rules({d.path("rules")}, LoadOptions{});
  EXPECT_TRUE(r.rules.empty());
  EXPECT_TRUE(has(r, "list_file", 9));
  EXPECT_TRUE(has(r, "list_file", 19));
  EXPECT_TRUE(has(r, "bad_type", 0));
}

TEST(RuleLoader, NamedNumbersAndReasonPlaceholders) {
  const char* yaml = R"(rules:
  - id: t.named
    title: named
    when: [auth.attempt]
    group_by: [src_ip, service]
    window: 10m
    numbers:
      failures: count()
      users: distinct( user )
    fire: count() >= 5
    then:
      action: deny
      scope: ip
      ttl: 1h
      reason: "{failures} failed {service} logins ({users} users) from {src_ip} in {window}"
      reason_ja: "{src_ip} から{window}で{failures}回"
  - id: t.bad
    title: bad
    when: [auth.attempt]
    group_by: [src_ip]
    window: 10m
    numbers:
      ratio: count() / 60
      src_ip: count()
    fire: count() >= 5
    then:
      action: deny
      scope: ip
      ttl: 1h
      reason: "{failurs} from {src_ip}"
      reason_ja: "{vhost}"
)";
  LoadReport r;
  load_rules_text(yaml, "n.yaml", LoadOptions{}, r);
  ASSERT_EQ(r.rules.size(), 1u);
  const Rule& rule = *r.rules[0];
  ASSERT_EQ(rule.numbers.size(), 2u);
  EXPECT_EQ(rule.numbers[0].name, "failures");
  EXPECT_EQ(rule.numbers[0].text, "count()");
  EXPECT_EQ(rule.numbers[1].text, "distinct(user)");
  // count() is shared with `fire`; distinct(user) gets its own slot.
  EXPECT_EQ(rule.aggregates.texts(), (std::vector<std::string>{"count()", "distinct(user)"}));
  EXPECT_EQ(rule.then.at(0).reason_ja, "{src_ip} から{window}で{failures}回");
  EXPECT_TRUE(has(r, "bad_number", 23));           // an expression, not one aggregate
  EXPECT_TRUE(has(r, "bad_name", 24));             // a field name would shadow {src_ip}
  EXPECT_TRUE(has(r, "unknown_placeholder", 30));  // {failurs}
  EXPECT_TRUE(has(r, "unknown_placeholder", 31));  // {vhost} is not grouped
}

TEST(RuleLoader, ShippedRulesLoadCleanly) {
  LoadOptions opt;
  opt.globals["home_countries"] = ParamValue{{"JP"}, true};
  LoadReport r = load_rules({std::string(BANNIN_SOURCE_DIR) + "/rules/base"}, opt);
  for (const auto& p : r.problems) ADD_FAILURE() << p.file << ":" << p.line << " " << p.message;
  EXPECT_GE(r.rules.size(), 9u);
  // Every shipped rule speaks in named numbers and in both languages.
  for (const auto& rule : r.rules) {
    EXPECT_FALSE(rule->numbers.empty()) << rule->id;
    for (const auto& t : rule->then) {
      EXPECT_FALSE(t.reason_ja.empty()) << rule->id;
      EXPECT_EQ(t.reason.find("{numbers}"), std::string::npos) << rule->id;
    }
    if (rule->campaign) {
      EXPECT_FALSE(rule->campaign->then.reason_ja.empty()) << rule->id;
    }
  }
}

}  // namespace
}  // namespace bannin::ruleset
