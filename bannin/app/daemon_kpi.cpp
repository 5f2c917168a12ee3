// Daemon: the KPI probe (config `kpi:`, docs/kpi.md; issue 16): building it, the daemon's own
// rates it records beside the kernel's, and what status and the API show of it
// (GET /api/v1/series[?name=…]). The probe itself is kpi_probe.cpp; its samples' events go
// through the pipeline thread (daemon_threads.cpp, Batch::Kind::Kpi).
#include <cmath>
#include <cstdio>
#include <ctime>

#include <fcntl.h>
#include <unistd.h>

#include <bannin/app/daemon.h>
#include <bannin/app/kpi_probe.h>
#include <bannin/app/log_kpis.h>
#include <bannin/core/duration.h>
#include <bannin/core/json_writer.h>
#include <bannin/store/store.h>

namespace bannin::app {

namespace pk = probe::kpi;

namespace {

// The daemon's own series, beside the kernel's (docs/kpi.md "The daemon's own rates").
constexpr pk::MetricInfo kSelf[] = {
    {"bannin.lines", pk::Kind::Rate, "1/s", "lines read from a source"},
    {"bannin.decode_errors", pk::Kind::Rate, "1/s", "lines of a source no decoder accepted"},
    {"bannin.findings", pk::Kind::Rate, "1/s", "findings (rules that fired)"},
    {"bannin.decisions", pk::Kind::Rate, "1/s", "decisions taken"},
    {"bannin.queue.records", pk::Kind::Gauge, "count", "batches waiting for the pipeline"},
    {"bannin.queue.store", pk::Kind::Gauge, "count", "rows waiting for the store writer"},
    {"bannin.queue.actions", pk::Kind::Gauge, "count", "decisions waiting for the actuator"},
    {"bannin.queue_dropped", pk::Kind::Rate, "1/s", "items the bounded queues dropped"},
    {"bannin.kpi_cpu_us", pk::Kind::Gauge, "us", "CPU time one KPI sample took"},
};

const pk::MetricInfo* series_info(std::string_view name) {
  const std::string_view metric = name.substr(0, name.find('/'));
  for (const auto& m : pk::sys_metrics()) {
    if (m.name == metric) return &m;
  }
  for (const auto& m : pk::svc_metrics()) {
    if (m.name == metric) return &m;
  }
  for (const auto& m : kSelf) {
    if (m.name == metric) return &m;
  }
  for (const auto& m : LogKpis::infos()) {
    if (m.name == metric) return &m;
  }
  return nullptr;
}

// One counter of the daemon turned into a per-second rate of a series.
using SelfCounter = pk::CounterRate;

struct SelfState {
  core::TimeNs last_mono = 0;
  std::vector<SelfCounter> lines, errors;  // by stream id
  std::vector<std::string> line_names, error_names;
  SelfCounter findings, decisions, dropped;
  int q_records = -2, q_store = -2, q_actions = -2, cpu = -2;
  std::uint64_t cpu_prev = 0, samples_prev = 0;
};

int gauge_id(pk::SeriesStore& st, int& id, std::string_view name) {
  if (id == -2) id = st.id(name);
  return id;
}

}  // namespace

core::Result<bool> Daemon::make_kpi(const std::string& store_dir) {
  if (!cfg_.kpi.enabled) return true;
  auto self = std::make_shared<SelfState>();
  kpi_ = std::make_unique<KpiProbe>(
      cfg_.kpi, store_dir + "kpi-series.bin",
      [this](std::shared_ptr<const pk::Sample> s) {
        Batch b;
        b.kind = Batch::Kind::Kpi;
        b.kpi = std::move(s);
        return records_ != nullptr && records_->try_push(std::move(b));  // never waits
      },
      [this, self](core::TimeNs wall, pk::SeriesStore& st) {
        const core::TimeNs mono = mono_now();
        const core::TimeNs dt = self->last_mono == 0 ? 0 : mono - self->last_mono;
        self->last_mono = mono;
        {
          std::lock_guard lock(streams_mu_);
          for (const auto& s : streams_) {
            const std::size_t i = s->id;
            if (self->lines.size() <= i) {
              self->lines.resize(i + 1);
              self->errors.resize(i + 1);
              self->line_names.resize(i + 1);
              self->error_names.resize(i + 1);
            }
            if (self->line_names[i].empty()) {
              self->line_names[i] = "bannin.lines/" + s->origin;
              self->error_names[i] = "bannin.decode_errors/" + s->origin;
            }
            self->lines[i].record(st, self->line_names[i], wall, dt, s->lines.load());
            self->errors[i].record(st, self->error_names[i], wall, dt, s->decode_errors.load());
          }
        }
        self->findings.record(st, "bannin.findings", wall, dt, findings_.load());
        self->decisions.record(st, "bannin.decisions", wall, dt, decisions_.load());
        std::uint64_t dropped = 0;
        if (records_) {
          st.add(gauge_id(st, self->q_records, "bannin.queue.records"), wall,
                 static_cast<double>(records_->depth()));
          dropped += records_->dropped();
        }
        if (writer_) {
          st.add(gauge_id(st, self->q_store, "bannin.queue.store"), wall,
                 static_cast<double>(writer_->depth()));
          dropped += writer_->dropped();
        }
        if (actions_) {
          st.add(gauge_id(st, self->q_actions, "bannin.queue.actions"), wall,
                 static_cast<double>(actions_->depth()));
          dropped += actions_->dropped();
        }
        self->dropped.record(st, "bannin.queue_dropped", wall, dt, dropped);
        // Service KPIs counted from the logs by the pipeline thread (log_kpis.h).
        log_kpis_.record(st, wall, dt);
        // What the last sample cost (the probe's own CPU time), for the ≤ 1 % promise.
        const auto [samples, cpu_ns] = kpi_->cost();
        if (samples > self->samples_prev) {
          st.add(gauge_id(st, self->cpu, "bannin.kpi_cpu_us"), wall,
                 static_cast<double>(cpu_ns - self->cpu_prev) / 1e3 /
                     static_cast<double>(samples - self->samples_prev));
        }
        self->cpu_prev = cpu_ns;
        self->samples_prev = samples;
      },
      [this](const std::string& m) { log("%s", m.c_str()); });
  kpi_->restore();
  log("kpi: every %s from %s/net, %zu services%s", core::format_duration(cfg_.kpi.interval).c_str(),
      cfg_.kpi.proc_root.c_str(), cfg_.kpi.services.size(),
      kpi_->host().empty() ? "" : (", host " + kpi_->host()).c_str());
  return true;
}

std::string Daemon::kpi_status_json(std::vector<std::string>& problems) {
  std::string out;
  core::JsonObjectWriter o(out);
  o.boolean("enabled", kpi_ != nullptr);
  if (!kpi_) {
    o.close();
    return out;
  }
  const KpiStatus s = kpi_->status();
  o.integer("interval_s", s.interval / core::kNsPerSec);
  o.string("proc_root", s.proc_root);
  o.integer("samples", static_cast<std::int64_t>(s.samples));
  o.integer("sent", static_cast<std::int64_t>(s.sent));
  o.integer("dropped", static_cast<std::int64_t>(s.dropped));
  o.integer("busy", static_cast<std::int64_t>(s.busy));
  o.integer("late", static_cast<std::int64_t>(s.late));
  o.string("last", s.last == 0 ? std::string() : core::format_rfc3339(s.last));
  o.key("cpu_us_per_sample");
  core::json_append_number(out, s.samples == 0 ? NAN
                                               : std::round(static_cast<double>(s.cpu_ns) / 1e3 /
                                                            static_cast<double>(s.samples)));
  const auto ss = kpi_->series().stats();
  o.integer("series", static_cast<std::int64_t>(ss.series));
  o.integer("series_bytes", static_cast<std::int64_t>(ss.bytes));
  o.integer("series_refused", static_cast<std::int64_t>(ss.refused));
  o.string("saved", s.saved == 0 ? std::string() : core::format_rfc3339(s.saved));
  o.integer("save_errors", static_cast<std::int64_t>(s.save_errors));
  if (!s.save_error.empty()) o.string("save_error", s.save_error);
  o.integer("counter_resets", static_cast<std::int64_t>(s.rates.resets + s.rates.wraps));
  // Files: problems by file and reason (only those that happened), and files not there.
  o.key("rejects");
  {
    core::JsonObjectWriter r(out);
    std::uint64_t read_errors = 0;
    for (std::size_t f = 0; f < pk::kFileCount; ++f) {
      const auto& fs = s.sampler.files[f];
      read_errors += fs.errors;
      for (std::size_t k = 0; k < pk::kRejectCount; ++k) {
        if (fs.parse.rejects[k] == 0) continue;
        // A missing optional column is not worth a line per file here (PSI "full" on cpu).
        r.integer(std::string(pk::file_name(static_cast<pk::File>(f))) + "." +
                      std::string(pk::reject_name(static_cast<pk::Reject>(k))),
                  static_cast<std::int64_t>(fs.parse.rejects[k]));
      }
      if (fs.truncated != 0) {
        r.integer(std::string(pk::file_name(static_cast<pk::File>(f))) + ".truncated",
                  static_cast<std::int64_t>(fs.truncated));
      }
    }
    r.close();
    o.integer("read_errors", static_cast<std::int64_t>(read_errors));
  }
  o.key("absent");
  out += '[';
  {
    bool first = true;
    for (std::size_t f = 0; f < pk::kFileCount; ++f) {
      if (!s.sampler.files[f].absent) continue;
      if (!first) out += ',';
      first = false;
      core::json_append_string(out, pk::file_name(static_cast<pk::File>(f)));
    }
  }
  out += ']';
  if (s.sampler.files[static_cast<std::size_t>(pk::File::Snmp)].absent) {
    problems.push_back("kpi: cannot read " + s.proc_root +
                       "/net/snmp (kpi.proc_root: has that process ended?)");
  }
  // The last sample, every value it has.
  o.key("values");
  {
    core::JsonObjectWriter v(out);
    const auto& sys = pk::sys_metrics();
    for (std::size_t i = 0; i < pk::kSysCount; ++i) {
      if (s.sample.has[i]) v.integer(sys[i].name, s.sample.sys[i]);
    }
    v.close();
  }
  o.key("services");
  out += '[';
  const auto& svc = pk::svc_metrics();
  for (std::size_t k = 0; k < s.services.size() && k < s.sample.services.size(); ++k) {
    if (k) out += ',';
    core::JsonObjectWriter j(out);
    j.string("name", s.services[k]);
    for (std::size_t i = 0; i < pk::kSvcCount; ++i) {
      if (!s.sample.services[k].has[i]) continue;
      std::string_view n = svc[i].name;
      n.remove_prefix(n.find('.') + 1);  // "service.rss_bytes" -> "rss_bytes"
      j.integer(n, s.sample.services[k].v[i]);
    }
    j.close();
  }
  out += ']';
  o.close();
  return out;
}

core::Result<std::string> Daemon::series_names_json() {
  if (!kpi_) return core::make_error("not_found", "the KPI probe is off (config kpi.enabled)");
  auto& st = kpi_->series();
  const auto names = st.names();
  std::string out;
  core::JsonObjectWriter o(out);
  o.key("resolutions");
  out += "[{\"step_s\":1,\"keep_s\":3600},{\"step_s\":60,\"keep_s\":86400}]";
  o.key("series");
  out += '[';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    core::JsonObjectWriter j(out);
    j.string("name", names[i]);
    if (const auto* m = series_info(names[i])) {
      j.string("kind", m->kind == pk::Kind::Rate ? "rate" : "gauge");
      j.string("unit", m->unit);
      j.string("help", m->help);
    }
    std::int64_t sec = 0;
    const double last = st.last(static_cast<int>(i), &sec);
    j.key("last");
    core::json_append_number(out, last);
    j.string("last_ts", sec == 0 ? std::string() : core::format_rfc3339(sec * core::kNsPerSec));
    j.close();
  }
  out += ']';
  o.close();
  return out;
}

core::Result<std::string> Daemon::series_json(const api::SeriesRequest& request) {
  if (!kpi_) return core::make_error("not_found", "the KPI probe is off (config kpi.enabled)");
  core::TimeNs step = request.step;
  if (!request.step_given) {
    // No step asked for: seconds while the range is within the last hour, else minutes,
    // coarser still when that would be more points than one answer holds.
    constexpr core::TimeNs kMin = 60 * core::kNsPerSec;
    const core::TimeNs hour_ago = wall_now() - 3600 * core::kNsPerSec;
    if (request.from < hour_ago) step = kMin;
    const core::TimeNs range = request.to - request.from;
    const auto max_points = static_cast<core::TimeNs>(pk::SeriesStore::kMaxPoints - 1);
    if (range / step > max_points) step = (range / max_points / kMin + 1) * kMin;
  }
  auto a = kpi_->series().query(request.name, request.from, request.to, step);
  if (!a) return a.error();
  std::string out;
  core::JsonObjectWriter o(out);
  o.string("name", a->name);
  if (const auto* m = series_info(a->name)) {
    o.string("kind", m->kind == pk::Kind::Rate ? "rate" : "gauge");
    o.string("unit", m->unit);
  }
  o.integer("step_s", a->step_s);
  o.string("from", core::format_rfc3339(a->points.empty() ? request.from
                                                          : a->points.front().t * core::kNsPerSec));
  o.string("to", core::format_rfc3339(request.to));
  o.key("points");
  out += '[';
  for (std::size_t i = 0; i < a->points.size(); ++i) {
    const auto& p = a->points[i];
    if (i) out += ',';
    out += '[';
    core::json_append_int(out, p.t);
    out += ',';
    core::json_append_number(out, p.value);
    out += ',';
    core::json_append_number(out, p.max);
    out += ']';
  }
  out += ']';
  o.close();
  return out;
}

}  // namespace bannin::app
