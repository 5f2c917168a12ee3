// Daemon: the overload guard (config `guard:`, docs/guard.md; issue 16, incident S4). Built
// after the KPI probe, which hands it every sample (KpiProbe::set_observer); it runs on its
// own thread (app/guard_runner.h). Its transitions are recorded here: a finding
// `guard.<service>.on|off` with the numbers that caused the switch (stored through the
// pipeline thread, which numbers findings: Batch::Kind::Findings), the transition as the
// finding's evidence line, a log line, and a notice (the notice stage's queue); switching on
// also freezes the flight recorder.
#include <cmath>
#include <cstdio>

#include <bannin/app/daemon.h>
#include <bannin/app/guard_runner.h>
#include <bannin/app/kpi_probe.h>
#include <bannin/app/pipeline.h>
#include <bannin/core/json_writer.h>
#include <bannin/store/store.h>

namespace bannin::app {

namespace {}  // namespace

/// Configuration checks of the guard that need the rest of the configuration (run --check
/// and start): it reads the KPI probe's samples, and a service signal names a kpi service.
std::vector<std::string> guard_config_problems(const DaemonConfig& cfg) {
  std::vector<std::string> out;
  if (cfg.guard.services.empty()) return out;
  if (!cfg.kpi.enabled) {
    out.emplace_back("guard.services: the overload guard reads the KPI probe (kpi.enabled: true)");
  }
  for (const auto& s : cfg.guard.services) {
    if (s.signal != GuardSignal::ServiceUdpDrops) continue;
    bool found = false;
    for (const auto& k : cfg.kpi.services) found = found || k.name == s.service;
    if (!found) {
      out.push_back("guard.services: " + s.name + ": service '" + s.service +
                    "' is not in kpi.services");
    }
  }
  return out;
}

core::Result<bool> Daemon::make_guard() {
  if (cfg_.guard.services.empty()) return true;
  if (auto p = guard_config_problems(cfg_); !p.empty()) {
    std::string msg;
    for (const auto& x : p) msg += (msg.empty() ? "" : "\n") + x;
    return core::make_error("bad_config", msg);
  }
  guard_ = std::make_unique<GuardRunner>(
      cfg_.guard.services, kpi_ ? kpi_->service_names() : std::vector<std::string>{}, cfg_.enforce,
      cfg_.nft_table, [this](const GuardEvent& e) { on_guard_transition(e); },
      [this](const std::string& m) { log("%s", m.c_str()); });
  if (auto r = guard_->prepare(); !r) {
    return core::make_error("guard", "overload guard: " + r.error().message);
  }
  log("guard: %zu services guarded (%s)", guard_->services(),
      cfg_.enforce ? "enforce: limits go into nftables when on"
                   : "observe: transitions are recorded, nftables is not touched");
  return true;
}

void Daemon::on_guard_transition(const GuardEvent& e) {
  // Switching on is an incident: the flight recorder keeps the lines and samples before it
  // (at most once per recorder.min_interval per service).
  if (e.t.change == decide::GuardChange::On && e.detail != "daemon stopping") {
    record_for_rule("guard." + e.service + ".on");
  }
  // The finding: its rule names the service and the direction; the numbers are what a person
  // needs to judge the switch; the transition itself, with every detail, is the evidence.
  store::FindingRow row;
  row.ts = e.t.ts;
  row.rule = "guard." + e.service + "." + decide::change_name(e.t.change);
  {
    core::JsonObjectWriter g(row.group_json);
    g.string("service", e.service);
    g.close();
  }
  std::vector<std::pair<std::string, double>> numbers = {
      {"value", e.t.signal},
      {"threshold", e.threshold},
      {"peak", e.t.peak},
      {"own_drops_per_s", e.t.own_drops},
      {"samples", static_cast<double>(e.t.samples)}};
  if (e.t.change == decide::GuardChange::Off) {
    numbers.emplace_back("own_dropped", static_cast<double>(e.t.own_dropped));
    numbers.emplace_back("on_for_s", e.t.on_since == 0
                                         ? 0.0
                                         : static_cast<double>(e.t.ts - e.t.on_since) /
                                               static_cast<double>(core::kNsPerSec));
  } else if (e.conns_total > 0) {
    numbers.emplace_back("conns_total", static_cast<double>(e.conns_total));
  }
  {
    core::JsonObjectWriter n(row.numbers_json);
    for (const auto& [k, v] : numbers) {
      n.key(k);
      core::json_append_number(row.numbers_json, v);
    }
    n.close();
  }
  row.evidence.push_back(guard_event_json(e));
  if (records_) {
    Batch b;
    b.kind = Batch::Kind::Findings;
    b.findings = std::make_shared<const std::vector<store::FindingRow>>(1, row);
    if (!records_->push_wait(std::move(b), std::chrono::milliseconds(1000))) {
      log("guard: the records queue is full: the %s transition of %s is in the log only",
          decide::change_name(e.t.change), e.service.c_str());
    }
  }
  if (notifier_ && notify_items_) {
    NotifyItem item;
    item.wall = wall_now();
    notify::FindingNote n;
    n.rule = row.rule;
    n.title = std::string("Overload guard ") + decide::change_name(e.t.change) + " for " +
              e.service + " (" + e.signal + ")";
    n.ts = e.t.ts;
    n.group.emplace_back("service", e.service);
    for (const auto& [k, v] : numbers) {
      if (!std::isnan(v)) n.numbers.emplace_back(k, v);
    }
    n.evidence = row.evidence;
    n.wall = item.wall;
    item.finding = std::move(n);
    if (!notify_items_->try_push(std::move(item))) notifier_->count_dropped(1);
  }
}

void Daemon::write_findings(const std::vector<store::FindingRow>& rows, FindingLinker& linker) {
  for (const auto& f : rows) {
    findings_.fetch_add(1, std::memory_order_relaxed);
    store::FindingRow row = f;
    row.id = linker.next_id();  // ids come from the pipeline thread only
    writer_->push_wait(std::move(row), std::chrono::milliseconds(200));
  }
  writer_->push_wait(store::CheckpointRow{}, std::chrono::milliseconds(200));
}

std::string Daemon::guard_status_json() {
  if (!guard_) return "{\"enabled\":false}";
  return guard_->status_json();
}

core::Result<std::string> Daemon::guard_json() {
  return guard_status_json();
}

}  // namespace bannin::app
