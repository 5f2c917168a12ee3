// Daemon: the process probe (config `processes:`) and SIGSTOP of flagged processes (issue 17,
// INCIDENTS S3). The probe runs on its own thread (process_probe.h) and hands flagged
// processes to the pipeline thread as process.seen Events (pipeline_main); the rules
// (rules/base/processes.yaml) turn them into notices and `stop` decisions on `process`
// targets, which the act thread carries out through act::ProcessActuator in enforce mode,
// recording every attempt in the store (table process_actions, as `bannin processes stop`).
#include <bannin/act/process/process_actuator.h>
#include <bannin/app/daemon.h>
#include <bannin/store/store.h>

namespace bannin::app {

core::Result<bool> Daemon::make_process_probe() {
  const ProcessesConfig& pc = cfg_.processes;
  if (!pc.enabled) return true;
  ProcessProbe::Settings s;
  s.flags.min_uid = pc.min_uid;
  s.flags.writable_dirs = pc.writable_dirs;
  s.proc_root = pc.proc_root;
  s.interval = pc.interval;
  log("processes: the processes of uid >= %lld every %lld ms from %s",
      static_cast<long long>(pc.min_uid), static_cast<long long>(pc.interval / 1'000'000),
      pc.proc_root.c_str());
  process_probe_ = std::make_unique<ProcessProbe>(
      std::move(s),
      [this](std::shared_ptr<const ProcessRound> r) {
        Batch b;
        b.kind = Batch::Kind::Processes;
        b.processes = std::move(r);
        records_->push_blocking(std::move(b));
      },
      wall_now);
  return true;
}

core::Result<bool> Daemon::wrap_process_actuator(const std::string& store_path) {
  // Observe mode: `stop` decisions go to the recording actuator with the rest; nothing is
  // signalled. Enforce mode: the process actuator in front, its records in the store.
  if (!cfg_.enforce) return true;
  auto st = store::Store::open(store_path);
  if (!st) return core::make_error("store", "store " + store_path + ": " + st.error().message);
  process_store_ = std::move(*st);
  act::ProcessActuator::Options o;
  o.flags.min_uid = cfg_.processes.min_uid;
  o.flags.writable_dirs = cfg_.processes.writable_dirs;
  o.proc_root = cfg_.processes.proc_root;
  store::Store* ledger = process_store_.get();
  actuator_ = std::make_unique<act::ProcessActuator>(
      std::move(actuator_), o,
      [this, ledger](const act::ProcessActionRecord& r) {
        store::ProcessActionRow row;
        row.ts = r.ts;
        row.pid = r.pid;
        row.uid = r.uid;
        row.start_ticks = static_cast<std::int64_t>(r.start_ticks);
        row.account = r.account;
        row.exe = r.exe;
        row.command = r.command;
        row.action = r.action;
        row.result = r.result;
        row.actor = r.actor;
        row.detail = r.detail;
        if (auto w = ledger->add_process_action(row); !w) {
          log("processes: the store refused a process_actions row: %s", w.error().message.c_str());
        }
      },
      wall_now);
  actuator_name_ += "+processes";
  return true;
}

}  // namespace bannin::app
