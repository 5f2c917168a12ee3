// Rules with scope `file` and action `quarantine` (issue 17): accepted only together, with
// group_by including file_path; the shipped rules/base/files.yaml loads.
#include <gtest/gtest.h>

#include <bannin/ruleset/rule_loader.h>

namespace bannin::ruleset {
namespace {

bool has_code(const LoadReport& r, const std::string& code) {
  for (const auto& p : r.problems) {
    if (p.code == code) return true;
  }
  return false;
}

LoadReport load(const std::string& group_by, const std::string& action, const std::string& scope) {
  const std::string yaml =
      "rules:\n  - id: f.x\n    title: t\n    when: [file.found]\n"
      "    group_by: [" +
      group_by +
      "]\n    window: 1m\n"
      "    fire: count() >= 1\n    then: [{action: " +
      action + ", scope: " + scope + ", ttl: 1d}]\n";
  LoadReport r;
  load_rules_text(yaml, "f.yaml", LoadOptions{}, r);
  return r;
}

TEST(FileScope, QuarantineGoesWithFileAndFilePath) {
  auto ok = load("file_path, account", "quarantine", "file");
  EXPECT_TRUE(ok.problems.empty()) << ok.problems.front().message;
  EXPECT_EQ(ok.rules.size(), 1u);
  EXPECT_TRUE(load("file_path", "notify_only", "file").problems.empty());
  EXPECT_TRUE(has_code(load("account", "quarantine", "file"), "scope_needs_group"));
  EXPECT_TRUE(has_code(load("file_path", "deny", "file"), "bad_action"));
  EXPECT_TRUE(has_code(load("src_ip", "quarantine", "ip"), "bad_action"));
  EXPECT_TRUE(has_code(load("file_path", "quarantine", "files"), "bad_scope"));
}

TEST(FileScope, ShippedFileRulesLoad) {
  LoadReport r = load_rules({std::string(BANNIN_SOURCE_DIR) + "/rules/base/files.yaml"}, {});
  for (const auto& p : r.problems) ADD_FAILURE() << p.line << " " << p.message;
  ASSERT_EQ(r.rules.size(), 2u);
  EXPECT_EQ(r.rules[0]->then.at(0).action, "quarantine");
  EXPECT_EQ(r.rules[0]->then.at(0).scope, "file");
  EXPECT_EQ(r.rules[1]->then.at(0).action, "notify_only");
}

}  // namespace
}  // namespace bannin::ruleset
