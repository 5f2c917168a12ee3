// Service KPIs from the logs (issue 16, "Service KPIs from logs as well"): what the pipeline
// thread decodes, counted — HTTP requests by status class, host-wide and per vhost (the first
// kMaxVhosts vhosts seen); DNS queries by answer code; logins by outcome; mail sent — and
// turned once a second by the KPI probe's thread into per-second rates in the series store
// (names log.*, docs/kpi.md "Service KPIs from the logs"), beside the kernel's counters.
//
// Threads: count() from the pipeline thread only (relaxed atomic adds, one cached vhost
// lookup); record() from the KPI thread. The vhost table only grows (a slot's name is
// written before the slot is published), so the reader never sees a half-made slot.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <bannin/core/string_hash.h>
#include <bannin/core/time.h>
#include <bannin/model/event.h>
#include <bannin/probe/kpi/metrics.h>
#include <bannin/probe/kpi/series_store.h>

namespace bannin::app {

class LogKpis {
 public:
  static constexpr std::size_t kMaxVhosts = 32;

  /// One decoded event (pipeline thread).
  void count(const model::Event& ev) noexcept;
  /// Per-second rates of every counter since the last call, dt after it (KPI thread).
  void record(probe::kpi::SeriesStore& st, core::TimeNs wall, core::TimeNs dt);
  /// Vhosts counted beyond kMaxVhosts (their requests count host-wide only).
  [[nodiscard]] std::uint64_t vhosts_over() const noexcept {
    return vhosts_over_.load(std::memory_order_relaxed);
  }

  /// The host-wide series (a vhost's are the same names with "/<vhost>"), for the API.
  static const std::vector<probe::kpi::MetricInfo>& infos();

 private:
  enum Counter : std::uint8_t {
    Http,
    Http2xx,
    Http3xx,
    Http4xx,
    Http5xx,
    Dns,
    DnsNoerror,
    DnsNxdomain,
    DnsServfail,
    DnsRefused,
    AuthSuccess,
    AuthFailure,
    MailSent,
    MailRejected,
    Count
  };
  struct Vhost {
    std::string name;                                    // written before `used` is published
    std::array<std::atomic<std::uint64_t>, 5> status{};  // all, 2xx, 3xx, 4xx, 5xx
    std::atomic<bool> used{false};
  };
  void add(Counter c) noexcept { c_[c].fetch_add(1, std::memory_order_relaxed); }

  std::array<std::atomic<std::uint64_t>, Count> c_{};
  std::array<Vhost, kMaxVhosts> vhosts_;
  std::atomic<std::uint64_t> vhosts_over_{0};
  // Pipeline thread: vhost -> slot, and the last one looked up (logs come in runs).
  // Looked up by string_view: no string made per event.
  std::unordered_map<std::string, std::size_t, core::StringHash, std::equal_to<>> slot_of_;
  std::string last_vhost_;
  std::size_t last_slot_ = kMaxVhosts;
  std::size_t used_ = 0;
  // KPI thread.
  std::array<probe::kpi::CounterRate, Count> readers_{};
  std::array<std::array<probe::kpi::CounterRate, 5>, kMaxVhosts> vhost_readers_{};
  std::array<std::array<std::string, 5>, kMaxVhosts> vhost_names_{};
};

}  // namespace bannin::app
