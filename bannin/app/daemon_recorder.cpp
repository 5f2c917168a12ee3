// Daemon: the flight recorder (config `recorder:`, app/flight_recorder.h, docs/guard.md).
// The pipeline thread adds every batch of lines to its source's ring; the KPI probe's thread
// adds each sample (as one JSON line) and hands the sample to the overload guard — both
// through the probe's observer, set here. Freezes: a rule with `record: true` that fires
// (pipeline thread), or POST /api/v1/record/freeze (`bannin record freeze`).
#include <bannin/app/daemon.h>
#include <bannin/app/flight_recorder.h>
#include <bannin/app/guard_runner.h>
#include <bannin/app/kpi_probe.h>
#include <bannin/core/json_writer.h>
#include <bannin/probe/kpi/sample.h>

namespace bannin::app {

namespace pk = probe::kpi;

namespace {

std::string frozen_json(const FrozenFile& f) {
  std::string out;
  core::JsonObjectWriter o(out);
  o.string("name", f.name);
  o.string("path", f.path);
  o.string("ts", core::format_rfc3339(f.ts));
  o.integer("bytes", static_cast<std::int64_t>(f.bytes));
  if (!f.reason.empty()) {
    o.string("reason", f.reason);
    o.integer("lines", static_cast<std::int64_t>(f.lines));
    o.integer("kpi_samples", static_cast<std::int64_t>(f.samples));
  }
  o.close();
  return out;
}

}  // namespace

core::Result<bool> Daemon::make_recorder(const std::string& store_dir) {
  if (cfg_.recorder.enabled) {
    recorder_ = std::make_unique<FlightRecorder>(cfg_.recorder, store_dir + "records");
  }
  if (kpi_ && (recorder_ || guard_)) {
    // One observer for both: the guard copies the signals it reads; the recorder keeps the
    // sample's platform values as a line (one small string a second).
    kpi_->set_observer([this, line = std::string()](const pk::Sample& s) mutable {
      // The recorder first: a guard that switches on at this sample freezes it too.
      if (recorder_) {
        line.clear();
        core::JsonObjectWriter o(line);
        const auto& sys = pk::sys_metrics();
        for (std::size_t i = 0; i < pk::kSysCount; ++i) {
          if (s.has[i]) o.integer(sys[i].name, s.sys[i]);
        }
        o.close();
        recorder_->add_kpi(s.ts, line);
      }
      if (guard_) guard_->offer(s);
    });
  }
  return true;
}

std::string Daemon::recorder_status_json() {
  if (!recorder_) return "{\"enabled\":false}";
  return recorder_->status_json();
}

core::Result<std::string> Daemon::record_freeze(const std::string& reason) {
  if (!recorder_) {
    return core::make_error("not_found", "the flight recorder is off (config recorder.enabled)");
  }
  auto f = recorder_->freeze(wall_now(), "operator " + reason);
  if (!f) return core::make_error("unavailable", f.error().message);  // 503: disk trouble
  log("recorder: frozen to %s (%llu lines, %llu KPI samples): %s", f->path.c_str(),
      static_cast<unsigned long long>(f->lines), static_cast<unsigned long long>(f->samples),
      reason.c_str());
  return frozen_json(*f);
}

core::Result<std::string> Daemon::records_json() {
  if (!recorder_) {
    return core::make_error("not_found", "the flight recorder is off (config recorder.enabled)");
  }
  std::string out;
  core::JsonObjectWriter o(out);
  o.raw("recorder", recorder_->status_json());
  o.key("files");
  out += '[';
  const auto files = recorder_->list();
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (i) out += ',';
    out += frozen_json(files[i]);
  }
  out += ']';
  o.close();
  return out;
}

void Daemon::record_lines(std::uint32_t stream, const std::string& origin, const Batch& b) {
  if (recorder_) recorder_->add_lines(stream, origin, b.data, b.ends, wall_now());
}

/// A rule with `record: true` fired (pipeline thread), or the overload guard switched on
/// (guard thread, "guard.<service>.on").
void Daemon::record_for_rule(const std::string& rule) {
  if (!recorder_) return;
  auto f = recorder_->freeze_for_rule(wall_now(), rule);
  if (f) {
    log("recorder: rule %s fired: frozen to %s (%llu lines, %llu KPI samples)", rule.c_str(),
        f->path.c_str(), static_cast<unsigned long long>(f->lines),
        static_cast<unsigned long long>(f->samples));
  } else if (f.error().code != "too_soon") {
    log("recorder: rule %s fired, but: %s", rule.c_str(), f.error().message.c_str());
  }
}

}  // namespace bannin::app
