#include <charconv>

#include <bannin/act/process/process_actuator.h>

namespace bannin::act {

namespace pp = probe::process;

ProcessActuator::ProcessActuator(std::unique_ptr<Actuator> rest, Options options, Record record,
                                 std::function<core::TimeNs()> clock)
    : rest_(std::move(rest)),
      options_(std::move(options)),
      record_(std::move(record)),
      clock_(std::move(clock)) {}

ActionResult ProcessActuator::stop_one(const decide::Decision& d) {
  ActionResult r;
  r.target = "process " + d.process;
  ProcessActionRecord rec;
  rec.ts = clock_();
  rec.actor = "rule " + d.rule;
  std::int64_t pid = 0;
  auto [p, ec] = std::from_chars(d.process.data(), d.process.data() + d.process.size(), pid);
  if (ec != std::errc() || p != d.process.data() + d.process.size() || pid <= 1) {
    r.outcome = Outcome::Invalid;
    r.detail = "a process decision needs a pid (got \"" + d.process + "\")";
    return r;
  }
  rec.pid = pid;
  auto refuse = [&](Outcome o, std::string why) {
    r.outcome = o;
    r.detail = why;
    rec.result = o == Outcome::NotFound ? "gone" : "refused";
    rec.detail = std::move(why);
    if (record_) record_(rec);
    return r;
  };
  if (d.action != "stop") return refuse(Outcome::Unsupported, "only `stop` acts on processes");
  auto info = pp::read_process(pid, options_.proc_root);
  if (!info) return refuse(Outcome::NotFound, "the process is gone");
  rec.uid = info->uid;
  rec.start_ticks = info->start_ticks;
  rec.exe = info->exe;
  for (const auto& a : info->argv) rec.command += (rec.command.empty() ? "" : " ") + a;
  rec.account = d.account;
  // Still the process the rule saw: an account's, still flagged.
  if (pp::process_flags(*info, options_.flags).empty()) {
    return refuse(Outcome::Invalid,
                  "the process no longer shows a flag (or is not an account's); not stopped");
  }
  auto done = pp::signal_process(pid, info->start_ticks, true);
  if (!done) {
    r.outcome = Outcome::Failed;
    r.detail = "SIGSTOP: " + done.error().message;
    rec.result = "failed";
    rec.detail = r.detail;
  } else {
    r.outcome = Outcome::Applied;
    r.detail = "SIGSTOP sent (undo: bannin processes cont " + d.process + ")";
    rec.result = "ok";
    rec.detail = d.reason;
  }
  if (record_) record_(rec);
  return r;
}

std::vector<ActionResult> ProcessActuator::apply(std::span<const decide::Decision> batch) {
  return handle_or_forward(
      batch, handles, [this](const decide::Decision& d, std::size_t /*i*/) { return stop_one(d); },
      [this](std::span<const decide::Decision> b) { return rest_->apply(b); });
}

std::vector<ActionResult> ProcessActuator::revoke(std::span<const decide::Decision> batch) {
  return handle_or_forward(
      batch, handles,
      [](const decide::Decision& d, std::size_t /*i*/) {
        ActionResult r;
        r.target = "process " + d.process;
        r.outcome = Outcome::Revoked;
        r.detail = "the decision ended; the process stays stopped until `bannin processes cont " +
                   d.process + "`";
        return r;
      },
      [this](std::span<const decide::Decision> b) { return rest_->revoke(b); });
}

}  // namespace bannin::act
