// HookActuator (act/hook/): the ladder's suspend step runs the operator's real command —
// here /bin/sh scripts in a temporary directory — with placeholders replaced as whole
// arguments (no shell splitting of a reason with spaces or quotes), exit status and stderr
// reported on failure, a time limit, nothing run in observe mode or without a command, and
// other decisions left alone.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include <bannin/act/hook/hook_actuator.h>

namespace bannin::act {
namespace {

namespace fs = std::filesystem;

class HookActuatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/bannin_hook_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    script_ = dir_ + "/panel.sh";
    std::ofstream(script_)
        << "#!/bin/sh\n"
           "for a in \"$@\"; do printf '<%s>' \"$a\"; done >>\"" +
               dir_ +
               "/calls\"\n"
               "echo >>\"" +
               dir_ +
               "/calls\"\n"
               "[ \"$1\" = fail ] && { echo 'panel: no such account' >&2; exit 3; }\n"
               "[ \"$1\" = slow ] && sleep 5\n"
               "exit 0\n";
    fs::permissions(script_, fs::perms::owner_all);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string calls() const {
    std::ifstream in(dir_ + "/calls");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static decide::Decision suspend(const std::string& vhost) {
    decide::Decision d;
    d.action = "suspend";
    d.scope = "vhost";
    d.vhost = vhost;
    d.ttl = 3600 * core::kNsPerSec;
    d.reason = "it's a \"relay\"; rm -rf /";
    return d;
  }
  std::string dir_, script_;
};

TEST_F(HookActuatorTest, RunsThePanelCommandWithWholeArguments) {
  HookOptions o;
  o.apply_argv = {script_, "suspend", "{account}", "--why={reason}", "{ttl_s}"};
  o.revoke_argv = {script_, "unsuspend", "{account}"};
  o.account_of = [](std::string_view v) { return v == "shop.example.jp" ? "hanako" : ""; };
  HookActuator h(o);
  std::vector<decide::Decision> batch{suspend("shop.example.jp"), suspend("other.example.jp")};
  auto r = h.apply(batch);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].outcome, Outcome::Applied) << r[0].detail;
  EXPECT_EQ(r[0].target, "account hanako");
  EXPECT_EQ(r[0].timeout_s, 3600);
  EXPECT_EQ(r[1].target, "account other.example.jp") << "unknown account: the site is named";
  EXPECT_EQ(calls(),
            "<suspend><hanako><--why=it's a \"relay\"; rm -rf /><3600>\n"
            "<suspend><other.example.jp><--why=it's a \"relay\"; rm -rf /><3600>\n");
  auto listed = h.list();
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 2u);
  auto rv = h.revoke(std::vector<decide::Decision>{suspend("shop.example.jp")});
  EXPECT_EQ(rv[0].outcome, Outcome::Revoked);
  EXPECT_NE(calls().find("<unsuspend><hanako>"), std::string::npos);
  EXPECT_EQ(h.list()->size(), 1u);
}

TEST_F(HookActuatorTest, FailureTimeLimitObserveAndOtherDecisions) {
  HookOptions o;
  o.apply_argv = {script_, "fail", "{account}"};
  o.time_limit = std::chrono::milliseconds(500);
  auto r = HookActuator(o).apply(std::vector<decide::Decision>{suspend("a.example.jp")});
  EXPECT_EQ(r[0].outcome, Outcome::Failed);
  EXPECT_NE(r[0].detail.find("exit 3"), std::string::npos) << r[0].detail;
  EXPECT_NE(r[0].detail.find("panel: no such account"), std::string::npos) << r[0].detail;

  o.apply_argv = {script_, "slow"};
  r = HookActuator(o).apply(std::vector<decide::Decision>{suspend("a.example.jp")});
  EXPECT_EQ(r[0].outcome, Outcome::Failed);
  EXPECT_NE(r[0].detail.find("killed after 500 ms"), std::string::npos) << r[0].detail;

  fs::remove(dir_ + "/calls");
  o.apply_argv = {script_, "suspend", "{account}"};
  o.observe = true;
  r = HookActuator(o).apply(std::vector<decide::Decision>{suspend("a.example.jp")});
  EXPECT_EQ(r[0].outcome, Outcome::Recorded);
  EXPECT_NE(r[0].detail.find("would run " + script_ + " suspend a.example.jp"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ + "/calls")) << "observe mode ran the command";

  o.observe = false;
  o.apply_argv.clear();
  r = HookActuator(o).apply(std::vector<decide::Decision>{suspend("a.example.jp")});
  EXPECT_EQ(r[0].outcome, Outcome::Recorded) << "no command configured: recorded only";

  decide::Decision deny = suspend("a.example.jp");
  deny.action = "deny";
  o.apply_argv = {script_, "suspend"};
  r = HookActuator(o).apply(std::vector<decide::Decision>{deny});
  EXPECT_EQ(r[0].outcome, Outcome::Unsupported);
  EXPECT_FALSE(fs::exists(dir_ + "/calls"));
}

TEST(ExpandArgv, PlaceholdersOnlyWhenKnown) {
  auto a = expand_argv({"x{account}y", "{unknown}", "{", "{account"}, {{"account", "a b"}});
  EXPECT_EQ(a, (std::vector<std::string>{"xa by", "{unknown}", "{", "{account"}));
}

}  // namespace
}  // namespace bannin::act
