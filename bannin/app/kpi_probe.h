// KpiProbe: the daemon's KPI probe (config `kpi:`, docs/kpi.md; issue 16, incident S4). One
// thread reads the platform counters and the configured services every `interval` (on the
// second, by the wall clock) through probe::kpi::ProcSampler, turns counters into
// per-second rates (RateComputer), keeps every value in the series (SeriesStore: 1 s for an
// hour, 1 min for a day) and hands the Sample to the daemon through a sink — the records
// queue, so its `kpi.sample` events go through the pipeline's rules like every log line and
// domain check (Batch::Kind::Kpi, pipeline.cpp's twin in daemon_threads.cpp).
//
// Bounded and allocation-free per sample after warm-up: Samples come from a small pool of
// preallocated objects that return to it when the pipeline has read them; when the pipeline
// is behind and the pool is empty, or the records queue is full, the sample still goes into
// the series but not to the rules, and is counted (`busy`, `dropped`). The series file
// (beside the store) is read at start and written at most once a minute and at stop, by
// this thread (write to a temporary, fsync, rename: a crash leaves the old file or the new).
//
// `extra` runs on the probe thread after each sample with the sample's time: the daemon
// records its own rates there (events per source, findings, decisions, queue depths).
//
// Threading: start/stop from the daemon's main thread; status(), series() from any thread
// (status locks; SeriesStore locks itself); sink and extra are called on the probe thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <bannin/app/config.h>
#include <bannin/probe/kpi/proc_sampler.h>
#include <bannin/probe/kpi/sample.h>
#include <bannin/probe/kpi/series_store.h>

namespace bannin::app {

/// What status and the API show of the probe (a copy, taken under the probe's lock).
struct KpiStatus {
  core::TimeNs interval = 0;
  std::string proc_root;
  std::uint64_t samples = 0;  ///< readings taken
  std::uint64_t sent = 0;     ///< samples handed to the pipeline
  std::uint64_t dropped = 0;  ///< not handed over: the records queue was full
  std::uint64_t busy = 0;     ///< not handed over: every pooled sample still in the pipeline
  std::uint64_t late = 0;     ///< samples taken more than an interval after they were due
  core::TimeNs last = 0;      ///< wall clock of the last reading
  std::uint64_t cpu_ns = 0;   ///< CPU time of the probe thread spent reading, in all
  std::uint64_t saves = 0, save_errors = 0;
  core::TimeNs saved = 0;
  std::string save_error;  ///< the last failure to write the series file
  probe::kpi::SamplerStats sampler;
  probe::kpi::RateStats rates;
  probe::kpi::Sample sample;  ///< the last one (counters as rates)
  std::vector<std::string> services;
};

class KpiProbe {
 public:
  /// Takes a Sample for the pipeline; false when it could not (queue full: counted).
  using Sink = std::function<bool(std::shared_ptr<const probe::kpi::Sample>)>;
  using Extra = std::function<void(core::TimeNs wall, probe::kpi::SeriesStore&)>;
  using Log = std::function<void(const std::string&)>;

  /// `series_file` empty: the series are kept in memory only.
  KpiProbe(const KpiConfig& cfg, std::string series_file, Sink sink, Extra extra, Log log);
  ~KpiProbe();
  KpiProbe(const KpiProbe&) = delete;
  KpiProbe& operator=(const KpiProbe&) = delete;

  /// Called on the probe thread with every sample, before it goes to the pipeline (the
  /// overload guard, app/guard_runner.h: it must return quickly). Set before start().
  using Observer = std::function<void(const probe::kpi::Sample&)>;
  void set_observer(Observer o) { observer_ = std::move(o); }

  /// Reads the series file (a damaged one is set aside as <file>.bad and logged).
  void restore();
  void start();
  /// Ends the thread (within about a millisecond of a sample in progress) and writes the
  /// series file.
  void stop();

  [[nodiscard]] KpiStatus status() const;
  /// Samples taken and the probe thread's CPU time for them, in ns (cheap: no copy).
  [[nodiscard]] std::pair<std::uint64_t, std::uint64_t> cost() const;
  [[nodiscard]] probe::kpi::SeriesStore& series() noexcept { return series_; }
  [[nodiscard]] const std::vector<std::string>& service_names() const noexcept { return names_; }
  [[nodiscard]] const std::string& host() const noexcept { return host_; }

  /// One reading now, on the caller's thread (tests and the bench; not while started).
  void sample_once(core::TimeNs wall, core::TimeNs mono);

 private:
  void main();
  void record(const probe::kpi::Sample& s);
  void save();

  KpiConfig cfg_;
  std::string series_file_;
  Sink sink_;
  Extra extra_;
  Observer observer_;
  Log log_;
  std::string host_;
  std::vector<std::string> names_;

  probe::kpi::ProcSampler sampler_;
  probe::kpi::RateComputer rates_;
  probe::kpi::RawSample raw_;
  probe::kpi::SeriesStore series_;
  std::vector<std::shared_ptr<probe::kpi::Sample>> pool_;
  std::vector<int> sys_ids_;  // series id per Sys metric, -2 until first seen
  std::vector<int> svc_ids_;  // per service x Svc metric
  std::string save_buf_;
  core::TimeNs last_save_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  KpiStatus status_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace bannin::app
