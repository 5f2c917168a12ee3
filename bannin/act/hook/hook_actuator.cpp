#include <bannin/act/hook/hook_actuator.h>
#include <bannin/act/webserver/run_command.h>

namespace bannin::act {

std::vector<std::string> expand_argv(const std::vector<std::string>& tmpl,
                                     const std::map<std::string, std::string>& values) {
  std::vector<std::string> out;
  out.reserve(tmpl.size());
  for (const auto& arg : tmpl) {
    std::string a;
    for (std::size_t i = 0; i < arg.size();) {
      bool done = false;
      if (arg[i] == '{') {
        const auto close = arg.find('}', i);
        if (close != std::string::npos) {
          auto v = values.find(arg.substr(i + 1, close - i - 1));
          if (v != values.end()) {
            a += v->second;  // one argument stays one argument: no shell, no splitting
            i = close + 1;
            done = true;
          }
        }
      }
      if (!done) a += arg[i++];
    }
    out.push_back(std::move(a));
  }
  return out;
}

HookActuator::HookActuator(HookOptions options) : options_(std::move(options)) {}

std::vector<ActionResult> HookActuator::run_all(std::span<const decide::Decision> batch,
                                                const std::vector<std::string>& tmpl,
                                                Outcome done) {
  std::vector<ActionResult> out;
  out.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const decide::Decision& d = batch[i];
    if (d.action == "reset_password") {
      ActionResult r = reset_one(d, done);
      r.index = i;
      out.push_back(std::move(r));
      continue;
    }
    ActionResult r;
    r.index = i;
    std::string account = options_.account_of ? options_.account_of(d.vhost) : std::string();
    if (account.empty()) account = d.vhost;
    r.target = "account " + account;
    if (!handles(d)) {
      r.outcome = Outcome::Unsupported;
      r.detail = "action " + d.action + " is not carried out by the panel hook";
    } else if (d.vhost.empty()) {
      r.outcome = Outcome::Invalid;
      r.detail = "a suspend decision needs the site (vhost)";
    } else {
      const std::int64_t ttl_s = d.ttl / core::kNsPerSec;
      auto argv = expand_argv(tmpl, {{"account", account},
                                     {"vhost", d.vhost},
                                     {"reason", d.reason},
                                     {"ttl_s", std::to_string(ttl_s)}});
      std::string cmd;
      for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
      if (tmpl.empty() || options_.observe) {
        // No panel command, or observe mode: the decision is written down, nothing run.
        r.outcome = done == Outcome::Applied ? Outcome::Recorded : Outcome::NotFound;
        r.detail = tmpl.empty() ? "enforce.suspend.command is not set: recorded only"
                                : "observe mode: would run " + cmd;
      } else {
        auto res = web::run_command(argv, {}, options_.time_limit);
        if (res.ok()) {
          r.outcome = done;
          r.timeout_s = done == Outcome::Applied ? ttl_s : 0;
          r.detail = "ran " + cmd;
          if (done == Outcome::Applied) {
            in_force_[account] = ttl_s;
          } else {
            in_force_.erase(account);
          }
        } else {
          r.outcome = Outcome::Failed;
          r.detail = web::describe(argv, res);
        }
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

// A password reset: run once when applied; its end or revocation runs nothing (the owner
// keeps the new password), so a revoke only says so.
ActionResult HookActuator::reset_one(const decide::Decision& d, Outcome done) {
  ActionResult r;
  std::string account = d.account;
  if (account.empty() && options_.account_of) {
    // A mailbox "info@shop.example.jp": the account of the site shop.example.jp.
    const auto at = d.user.rfind('@');
    if (at != std::string::npos) account = options_.account_of(d.user.substr(at + 1));
  }
  r.target = d.scope == "user" ? "user " + d.user : "account " + d.account;
  if (d.user.empty() && d.account.empty()) {
    r.outcome = Outcome::Invalid;
    r.detail = "a reset_password decision needs a user or an account";
    return r;
  }
  if (done == Outcome::Revoked) {
    r.outcome = Outcome::Revoked;
    r.detail = "a password reset is not undone (the new password stays)";
    return r;
  }
  const std::int64_t ttl_s = d.ttl / core::kNsPerSec;
  auto argv = expand_argv(options_.reset_argv, {{"user", d.user},
                                                {"account", account},
                                                {"reason", d.reason},
                                                {"ttl_s", std::to_string(ttl_s)}});
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  if (options_.reset_argv.empty() || options_.observe) {
    r.outcome = Outcome::Recorded;
    r.detail = options_.reset_argv.empty()
                   ? "enforce.password_reset.command is not set: recorded only"
                   : "observe mode: would run " + cmd;
    return r;
  }
  auto res = web::run_command(argv, {}, options_.time_limit);
  if (res.ok()) {
    r.outcome = Outcome::Applied;
    r.detail = "ran " + cmd;
  } else {
    r.outcome = Outcome::Failed;
    r.detail = web::describe(argv, res);
  }
  return r;
}

std::vector<ActionResult> HookActuator::apply(std::span<const decide::Decision> batch) {
  return run_all(batch, options_.apply_argv, Outcome::Applied);
}

std::vector<ActionResult> HookActuator::revoke(std::span<const decide::Decision> batch) {
  return run_all(batch, options_.revoke_argv, Outcome::Revoked);
}

core::Result<FlushReport> HookActuator::flush() {
  // Lifting every suspension is the operator's call (the panel keeps them); bannin forgets.
  FlushReport r;
  r.existed = !in_force_.empty();
  r.description = std::to_string(in_force_.size()) + " suspension(s) left to the hosting panel";
  in_force_.clear();
  return r;
}

core::Result<std::vector<EnforcedEntry>> HookActuator::list() {
  std::vector<EnforcedEntry> out;
  for (const auto& [account, ttl] : in_force_) {
    out.push_back(EnforcedEntry{"account " + account, "panel hook", ttl, -1});
  }
  return out;
}

}  // namespace bannin::act
