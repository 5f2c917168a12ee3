// YARA rules through libyara (probe/file/yara_rules.h): the shipped set compiles and matches
// its harmless test strings and the well-known markers; bad rule files are reported with
// file:line, every file's problems at once.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include <bannin/probe/file/yara_rules.h>

namespace bannin::probe::file {
namespace {

namespace fs = std::filesystem;

std::string shipped() {
  return std::string(BANNIN_SOURCE_DIR) + "/rules/yara";
}

TEST(YaraRules, ShippedSetMatchesTestStringsAndMarkers) {
  auto r = YaraRules::compile({shipped()});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GE((*r)->rule_count(), 6u);
  EXPECT_EQ((*r)->match("hello BANNIN-TEST-WEBSHELL-7F3A"),
            std::vector<std::string>{"bannin_test_webshell"});
  EXPECT_EQ((*r)->match("BANNIN-TEST-MAILER-7F3A"), std::vector<std::string>{"bannin_test_mailer"});
  EXPECT_EQ((*r)->match("<?php @eval($_POST['cmd']); ?>"),
            std::vector<std::string>{"webshell_request_eval"});
  EXPECT_EQ((*r)->match("<?php system($_GET['c']);"),
            std::vector<std::string>{"webshell_request_command"});
  EXPECT_EQ((*r)->match("<?php mail($_POST['to'], 's', 'b');"),
            std::vector<std::string>{"mailer_from_request"});
  // Ordinary WordPress code matches nothing.
  EXPECT_TRUE((*r)->match("<?php\n/** Loads the WordPress Environment */\nrequire __DIR__ . "
                          "'/wp-blog-header.php';\n")
                  .empty());
  EXPECT_TRUE((*r)->match("").empty());
}

TEST(YaraRules, EveryProblemOfEveryFileWithItsLine) {
  fs::path dir = fs::temp_directory_path() / ("bannin_yara_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "a.yar") << "rule ok_one { condition: true }\n";
  std::ofstream(dir / "b.yar") << "rule broken_b {\n  strings: $a = \"x\"\n  condition: $b\n}\n";
  std::ofstream(dir / "c.yara") << "\n\nrule broken_c { condition: nonsense( }\n";
  auto r = YaraRules::compile({dir.string(), (dir / "missing.yar").string()});
  ASSERT_FALSE(r);
  const std::string& m = r.error().message;
  // libyara locates an undefined string at the end of its rule (line 4).
  EXPECT_NE(m.find((dir / "b.yar").string() + ":4: undefined string"), std::string::npos) << m;
  EXPECT_NE(m.find((dir / "c.yara").string() + ":3:"), std::string::npos) << m;
  EXPECT_NE(m.find("missing.yar: no such file"), std::string::npos) << m;
  EXPECT_EQ(m.find("a.yar:"), std::string::npos) << m;
  // The good file alone compiles; two files defining the same rule are refused.
  auto one = YaraRules::compile({(dir / "a.yar").string()});
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ((*one)->match("anything"), std::vector<std::string>{"ok_one"});
  std::ofstream(dir / "d.yar") << "rule ok_one { condition: false }\n";
  EXPECT_FALSE(YaraRules::compile({(dir / "a.yar").string(), (dir / "d.yar").string()}));
  fs::remove_all(dir);
}

TEST(YaraRules, FromText) {
  auto r = YaraRules::compile_text("rule t { strings: $a = \"abc\" condition: $a }", "inline");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->match("xxabcxx"), std::vector<std::string>{"t"});
  auto bad = YaraRules::compile_text("rule {", "inline");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("inline:1:"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace bannin::probe::file
