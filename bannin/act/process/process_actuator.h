// ProcessActuator: carries out `stop` decisions on `process` targets (rules/base/
// processes.yaml: a process of a hosting account with a deleted executable, or running from
// an upload directory, …; issue 17, INCIDENTS S3) by sending it SIGSTOP — frozen, nothing
// lost, `bannin processes cont PID` undoes it. Sits in front of the other actuators (like the
// quarantine) and passes every other decision on.
//
// Before signalling it reads the process again: it must still exist, belong to an account
// (uid >= min_uid) and still show a flag; the signal itself is guarded by the start time it
// read (probe::process::signal_process), so a pid reused in between is never stopped. Every
// attempt is recorded through `record` (the daemon writes the store's process_actions table).
// The end of a decision does not continue the process: like a quarantined file, a stopped
// mailer must not wake up by itself; a person runs `bannin processes cont`.
//
// Threading: the act thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <bannin/act/actuator.h>
#include <bannin/probe/process/process_scan.h>

namespace bannin::act {

struct ProcessActionRecord {
  core::TimeNs ts = 0;
  std::int64_t pid = 0, uid = -1;
  std::uint64_t start_ticks = 0;
  std::string account, exe, command;
  std::string action = "stop";
  std::string result;  ///< ok | failed | refused
  std::string actor, detail;
};

class ProcessActuator final : public Actuator {
 public:
  struct Options {
    probe::process::FlagOptions flags;
    std::string proc_root = "/proc";
  };
  using Record = std::function<void(const ProcessActionRecord&)>;
  ProcessActuator(std::unique_ptr<Actuator> rest, Options options, Record record,
                  std::function<core::TimeNs()> clock);

  std::vector<ActionResult> apply(std::span<const decide::Decision> batch) override;
  std::vector<ActionResult> revoke(std::span<const decide::Decision> batch) override;
  core::Result<FlushReport> flush() override { return rest_->flush(); }
  core::Result<std::vector<EnforcedEntry>> list() override { return rest_->list(); }
  ActuatorHealth health() override { return rest_->health(); }
  std::chrono::milliseconds batch_window() const override { return rest_->batch_window(); }

  [[nodiscard]] static bool handles(const decide::Decision& d) noexcept {
    return d.scope == "process";
  }

 private:
  ActionResult stop_one(const decide::Decision& d);

  std::unique_ptr<Actuator> rest_;
  Options options_;
  Record record_;
  std::function<core::TimeNs()> clock_;
};

}  // namespace bannin::act
