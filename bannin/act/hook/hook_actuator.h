// HookActuator: carries out the escalation ladder's `suspend` decisions (decide/ladder.h) by
// running the operator's own panel commands — bannin never suspends an account by itself.
// `enforce.suspend.command` and `.undo_command` are argv templates (no shell); {account},
// {vhost}, {reason} and {ttl_s} are replaced by the decision's values (the account from the
// hosting inventory, the site when unknown). A command that exits 0 within the time limit
// means Applied (Revoked); anything else is Failed with its exit status and the first line of
// its standard error. In observe mode nothing is run: Recorded, with the command it would run.
// `reset_password` decisions (a leaked mailbox or FTP password, rules/base/logins.yaml) run
// `enforce.password_reset.command` the same way, with {user} (the login, scope user),
// {account} (scope account, or the account of the login's domain in the inventory), {reason}
// and {ttl_s}; a reset is not undone, so their revoke runs nothing (the new password stays).
// Other decisions are Unsupported here.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/act/actuator.h>

namespace bannin::act {

struct HookOptions {
  std::vector<std::string> apply_argv;   ///< enforce.suspend.command
  std::vector<std::string> revoke_argv;  ///< enforce.suspend.undo_command ([] = nothing to run)
  std::vector<std::string> reset_argv;   ///< enforce.password_reset.command
  bool observe = false;
  std::chrono::milliseconds time_limit{30'000};  ///< a command still running is killed
  /// site -> account (the inventory); "" = unknown (the site is named instead).
  std::function<std::string(std::string_view vhost)> account_of{};
};

/// argv with the placeholders replaced (exposed for tests).
std::vector<std::string> expand_argv(const std::vector<std::string>& tmpl,
                                     const std::map<std::string, std::string>& values);

class HookActuator final : public Actuator {
 public:
  explicit HookActuator(HookOptions options);

  [[nodiscard]] static bool handles(const decide::Decision& d) noexcept {
    return d.action == "suspend" || d.action == "reset_password";
  }
  std::vector<ActionResult> apply(std::span<const decide::Decision> batch) override;
  std::vector<ActionResult> revoke(std::span<const decide::Decision> batch) override;
  core::Result<FlushReport> flush() override;
  core::Result<std::vector<EnforcedEntry>> list() override;

 private:
  std::vector<ActionResult> run_all(std::span<const decide::Decision> batch,
                                    const std::vector<std::string>& tmpl, Outcome done);

  HookOptions options_;
  ActionResult reset_one(const decide::Decision& d, Outcome done);

  std::map<std::string, std::int64_t> in_force_;  ///< account -> ttl_s (what list() reports)
};

}  // namespace bannin::act
