// Sample: one second of KPIs as the rest of bannin sees them (probe/kpi/, issue 16):
// counters turned into per-second rates, gauges as read. RateComputer makes a Sample from two
// successive RawSamples (proc_sampler.h); for_each_event turns it into `kpi.sample` Events,
// one per metric, for the pipeline's rules.
//
// Counters that go backwards: a kernel counter of a namespace that was re-created (a
// proc_root whose process was restarted) starts again from 0, so the rate is the new value
// over the interval (Reset); a counter printed as 32 bits that passed 2^32 wrapped, and the
// rate counts across the wrap (Wrap). Sums over sockets or processes that come and go (a
// service's UDP drops) may fall when one ends; that interval's rate is 0 (Drop). All three
// are counted. Pure: time comes in the RawSamples.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/model/event.h>
#include <bannin/probe/kpi/metrics.h>
#include <bannin/probe/kpi/proc_sampler.h>

namespace bannin::probe::kpi {

struct Sample {
  core::TimeNs ts = 0;  ///< wall clock of the reading
  std::array<std::int64_t, kSysCount> sys{};
  std::array<bool, kSysCount> has{};
  struct Service {
    std::array<std::int64_t, kSvcCount> v{};
    std::array<bool, kSvcCount> has{};
  };
  std::vector<Service> services;  ///< one per configured service, in order
};

/// What happened to a counter between two readings.
enum class Step : std::uint8_t { Normal, Reset, Wrap, Drop };

/// The per-second rate of a counter that went from prev to cur in dt_ns (> 0), rounded;
/// `sum` says the counter is a sum over things that come and go (a fall is Drop, rate 0).
std::int64_t counter_rate(std::uint64_t prev, std::uint64_t cur, core::TimeNs dt_ns, bool sum,
                          Step& step) noexcept;

struct RateStats {
  std::uint64_t samples = 0, resets = 0, wraps = 0, drops = 0;
};

class RateComputer {
 public:
  explicit RateComputer(std::size_t services);
  /// Gauges are copied; counters get a rate when the previous reading had them too (so the
  /// first reading, and the first after a file came back, gives gauges only).
  void update(const RawSample& raw, Sample& out);
  /// A Sample with room for the services (no allocation in update()).
  [[nodiscard]] Sample make_sample() const;
  [[nodiscard]] const RateStats& stats() const noexcept { return stats_; }

 private:
  RawSample prev_;
  bool have_prev_ = false;
  RateStats stats_;
};

/// One `kpi.sample` Event per value of the sample: metric, value, host and (service values)
/// service. `ev` is reused; the Event's strings point into `names` and `host`, valid during
/// the callback.
void for_each_event(const Sample& s, std::span<const std::string> service_names,
                    std::string_view host, model::Event& ev,
                    const std::function<void(const model::Event&)>& sink);

}  // namespace bannin::probe::kpi
