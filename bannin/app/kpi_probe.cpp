#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <unistd.h>

#include <bannin/app/kpi_probe.h>
#include <bannin/core/file_io.h>

namespace bannin::app {

namespace pk = probe::kpi;

namespace {

// Samples in flight between this thread and the pipeline: one being read by the pipeline,
// one queued behind it, and room for a slow second. More would only hide a stuck pipeline.
constexpr std::size_t kPool = 4;
constexpr core::TimeNs kSaveEvery = 60 * core::kNsPerSec;
constexpr int kUnseen = -2;

std::string host_name() {
  char h[256] = {};
  if (::gethostname(h, sizeof h - 1) != 0) return {};
  return h;
}

pk::SamplerOptions sampler_options(const KpiConfig& cfg) {
  pk::SamplerOptions o;
  o.proc_root = cfg.proc_root;
  o.services = cfg.services;
  return o;
}

}  // namespace

KpiProbe::KpiProbe(const KpiConfig& cfg, std::string series_file, Sink sink, Extra extra, Log log)
    : cfg_(cfg),
      series_file_(std::move(series_file)),
      sink_(std::move(sink)),
      extra_(std::move(extra)),
      log_(std::move(log)),
      host_(host_name()),
      sampler_(sampler_options(cfg)),
      rates_(cfg.services.size()),
      raw_(sampler_.make_raw()),
      sys_ids_(pk::kSysCount, kUnseen),
      svc_ids_(cfg.services.size() * pk::kSvcCount, kUnseen) {
  for (const auto& s : cfg.services) names_.push_back(s.name);
  for (std::size_t i = 0; i < kPool; ++i) {
    pool_.push_back(std::make_shared<pk::Sample>(rates_.make_sample()));
  }
  status_.interval = cfg.interval;
  status_.proc_root = cfg.proc_root;
  status_.sample = rates_.make_sample();
  status_.services = names_;
}

KpiProbe::~KpiProbe() {
  stop();
}

void KpiProbe::restore() {
  if (series_file_.empty()) return;
  auto read = core::read_small_file(series_file_);
  if (!read || !*read) {
    if (!read && log_) log_("kpi: " + read.error().message + "; the series start empty");
    return;  // first start
  }
  auto r = series_.restore(**read);
  if (!r) {
    // Kept for a person to look at; the series start afresh.
    const std::string aside = series_file_ + ".bad";
    std::rename(series_file_.c_str(), aside.c_str());
    if (log_) {
      log_("kpi: " + series_file_ + ": " + r.error().message + "; set aside as " + aside +
           ", the series start empty");
    }
    return;
  }
  if (log_) log_("kpi: " + std::to_string(*r) + " series restored from " + series_file_);
}

void KpiProbe::start() {
  stop_ = false;
  thread_ = std::thread([this] { main(); });
}

void KpiProbe::stop() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    save();
  }
}

KpiStatus KpiProbe::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::pair<std::uint64_t, std::uint64_t> KpiProbe::cost() const {
  std::lock_guard lock(mu_);
  return {status_.samples, status_.cpu_ns};
}

void KpiProbe::sample_once(core::TimeNs wall, core::TimeNs mono) {
  const core::TimeNs cpu0 = core::clock_ns(CLOCK_THREAD_CPUTIME_ID);
  sampler_.read(raw_, wall, mono);
  // A pooled Sample nobody else holds (the pipeline let go of it).
  pk::Sample* s = nullptr;
  std::shared_ptr<pk::Sample> handed;
  for (auto& p : pool_) {
    if (p.use_count() == 1) {
      handed = p;
      s = p.get();
      break;
    }
  }
  bool busy = s == nullptr;
  if (busy) {
    // Every pooled sample is still in the pipeline: the rates are kept in step with the
    // counters anyway, in the status copy.
    std::lock_guard lock(mu_);
    rates_.update(raw_, status_.sample);
  } else {
    rates_.update(raw_, *s);
  }
  const pk::Sample& out = busy ? status_.sample : *s;  // status_.sample: written only here
  record(out);
  if (observer_) observer_(out);
  bool sent = false;
  if (!busy && sink_) sent = sink_(std::shared_ptr<const pk::Sample>(handed));
  if (extra_) extra_(wall, series_);
  const core::TimeNs cpu = core::clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  std::lock_guard lock(mu_);
  ++status_.samples;
  status_.last = wall;
  status_.cpu_ns += static_cast<std::uint64_t>(std::max<core::TimeNs>(cpu, 0));
  if (busy) {
    ++status_.busy;
  } else {
    if (sent) {
      ++status_.sent;
    } else if (sink_) {
      ++status_.dropped;
    }
    status_.sample.ts = out.ts;
    status_.sample.sys = out.sys;
    status_.sample.has = out.has;
    for (std::size_t k = 0; k < status_.sample.services.size() && k < out.services.size(); ++k) {
      status_.sample.services[k] = out.services[k];
    }
  }
  status_.sampler = sampler_.stats();
  status_.rates = rates_.stats();
}

void KpiProbe::record(const pk::Sample& s) {
  const auto& sys = pk::sys_metrics();
  for (std::size_t i = 0; i < pk::kSysCount; ++i) {
    int& id = sys_ids_[i];
    if (id == kUnseen) {
      if (!s.has[i]) continue;
      id = series_.id(sys[i].name);  // allocated once, when the metric is first seen
    }
    series_.add(id, s.ts, s.has[i] ? static_cast<double>(s.sys[i]) : NAN);
  }
  const auto& svc = pk::svc_metrics();
  for (std::size_t k = 0; k < s.services.size() && k < names_.size(); ++k) {
    for (std::size_t i = 0; i < pk::kSvcCount; ++i) {
      int& id = svc_ids_[k * pk::kSvcCount + i];
      const bool has = s.services[k].has[i];
      if (id == kUnseen) {
        if (!has) continue;
        id = series_.id(std::string(svc[i].name) + "/" + names_[k]);
      }
      series_.add(id, s.ts, has ? static_cast<double>(s.services[k].v[i]) : NAN);
    }
  }
}

void KpiProbe::save() {
  if (series_file_.empty()) return;
  series_.serialize(save_buf_);
  std::string problem;
  if (auto w = core::write_file_atomic(series_file_, save_buf_); !w) problem = w.error().message;
  bool first_failure = false;
  {
    std::lock_guard lock(mu_);
    if (problem.empty()) {
      ++status_.saves;
      status_.saved = core::clock_ns(CLOCK_REALTIME);
      status_.save_error.clear();
    } else {
      first_failure = status_.save_error.empty();
      ++status_.save_errors;
      status_.save_error = problem;
    }
  }
  if (first_failure && log_) log_("kpi: cannot write the series file: " + problem);
}

void KpiProbe::main() {
  const core::TimeNs interval = std::max<core::TimeNs>(cfg_.interval, core::kNsPerSec / 10);
  last_save_ = core::clock_ns(CLOCK_MONOTONIC);
  for (;;) {
    // The next sample is due on the next multiple of the interval by the wall clock, so
    // samples fall on whole seconds and the series' seconds line up across restarts.
    const core::TimeNs wall = core::clock_ns(CLOCK_REALTIME);
    const core::TimeNs due = (wall / interval + 1) * interval;
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, std::chrono::nanoseconds(due - wall), [&] { return stop_.load(); })) {
        break;
      }
    }
    const core::TimeNs now = core::clock_ns(CLOCK_REALTIME);
    const core::TimeNs mono = core::clock_ns(CLOCK_MONOTONIC);
    if (now - due > interval) {
      std::lock_guard lock(mu_);
      ++status_.late;
    }
    try {
      sample_once(now, mono);
    } catch (const std::exception& e) {
      if (log_) log_(std::string("kpi: ") + e.what());
    }
    if (mono - last_save_ >= kSaveEvery) {
      last_save_ = mono;
      save();
    }
  }
}

}  // namespace bannin::app
