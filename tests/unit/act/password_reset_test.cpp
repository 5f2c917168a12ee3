// reset_password decisions (rules/base/logins.yaml, issue 17) through the panel hook
// (act/hook/): the operator's real command — a /bin/sh script in a temporary directory — runs
// once per decision with {user}, {account} (from the inventory for a mailbox's domain),
// {reason} and {ttl_s} as whole arguments; failures carry the exit status and stderr;
// nothing runs in observe mode or without a command; a revoke never runs anything (the new
// password stays); and the routing actuator sends these decisions to the hook, not to
// nftables.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include <bannin/act/hook/hook_actuator.h>
#include <bannin/act/recording/recording_actuator.h>
#include <bannin/act/routing_actuator.h>

namespace bannin::act {
namespace {

namespace fs = std::filesystem;

class PasswordResetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/bannin_reset_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    script_ = dir_ + "/panel.sh";
    std::ofstream(script_) << "#!/bin/sh\n"
                              "for a in \"$@\"; do printf '<%s>' \"$a\"; done >>\"" +
                                  dir_ +
                                  "/calls\"\n"
                                  "echo >>\"" +
                                  dir_ +
                                  "/calls\"\n"
                                  "case \"$2\" in nobody@*) echo 'panel: no such mailbox' >&2; "
                                  "exit 4;; esac\n"
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
  static decide::Decision reset(const std::string& user) {
    decide::Decision d;
    d.rule = "auth.login.many_countries";
    d.action = "reset_password";
    d.scope = "user";
    d.user = user;
    d.ttl = 24 * 3600 * core::kNsPerSec;
    d.reason = "logins from \"3 countries\"; $(reboot)";
    return d;
  }
  HookOptions options() const {
    HookOptions o;
    o.reset_argv = {script_, "mail-reset", "{user}", "--account={account}", "--why={reason}"};
    o.account_of = [](std::string_view site) {
      return site == "shop.example.jp" ? std::string("hanako") : std::string();
    };
    return o;
  }
  std::string dir_, script_;
};

TEST_F(PasswordResetTest, RunsTheResetCommandOncePerLoginWithWholeArguments) {
  HookActuator h(options());
  auto r = h.apply(std::vector<decide::Decision>{reset("info@shop.example.jp"),
                                                 reset("sales@other.example.jp")});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].outcome, Outcome::Applied) << r[0].detail;
  EXPECT_EQ(r[0].target, "user info@shop.example.jp");
  EXPECT_EQ(r[1].outcome, Outcome::Applied) << r[1].detail;
  EXPECT_EQ(calls(),
            "<mail-reset><info@shop.example.jp><--account=hanako>"
            "<--why=logins from \"3 countries\"; $(reboot)>\n"
            "<mail-reset><sales@other.example.jp><--account=>"
            "<--why=logins from \"3 countries\"; $(reboot)>\n");
}

TEST_F(PasswordResetTest, AFailedCommandIsFailedWithItsExitStatusAndStderr) {
  HookActuator h(options());
  auto r = h.apply(std::vector<decide::Decision>{reset("nobody@shop.example.jp")});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].outcome, Outcome::Failed);
  EXPECT_NE(r[0].detail.find("no such mailbox"), std::string::npos) << r[0].detail;
  EXPECT_NE(r[0].detail.find('4'), std::string::npos) << r[0].detail;
}

TEST_F(PasswordResetTest, ARevokeRunsNothing) {
  HookActuator h(options());
  auto r = h.revoke(std::vector<decide::Decision>{reset("info@shop.example.jp")});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].outcome, Outcome::Revoked);
  EXPECT_EQ(calls(), "") << "a reset is not undone";
}

TEST_F(PasswordResetTest, ObserveModeAndNoCommandRecordOnly) {
  HookOptions o = options();
  o.observe = true;
  HookActuator observe(o);
  auto r = observe.apply(std::vector<decide::Decision>{reset("info@shop.example.jp")});
  EXPECT_EQ(r[0].outcome, Outcome::Recorded);
  EXPECT_NE(r[0].detail.find("would run"), std::string::npos) << r[0].detail;
  HookOptions none = options();
  none.reset_argv.clear();
  HookActuator unset(none);
  r = unset.apply(std::vector<decide::Decision>{reset("info@shop.example.jp")});
  EXPECT_EQ(r[0].outcome, Outcome::Recorded);
  EXPECT_NE(r[0].detail.find("enforce.password_reset.command"), std::string::npos);
  EXPECT_EQ(calls(), "");
}

TEST_F(PasswordResetTest, TheRoutingActuatorSendsResetsToTheHook) {
  RoutingActuator routing(std::make_unique<RecordingActuator>(), nullptr, false);
  routing.set_hook(std::make_unique<HookActuator>(options()));
  decide::Decision deny;
  deny.action = "deny";
  deny.scope = "ip";
  deny.ip = "192.0.2.7";
  deny.ttl = 60 * core::kNsPerSec;
  auto r = routing.apply(std::vector<decide::Decision>{deny, reset("info@shop.example.jp")});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].outcome, Outcome::Applied) << r[1].detail;
  EXPECT_EQ(calls(),
            "<mail-reset><info@shop.example.jp><--account=hanako>"
            "<--why=logins from \"3 countries\"; $(reboot)>\n");
}

}  // namespace
}  // namespace bannin::act
