// GuardRunner: the daemon's overload guard (config `guard:`, docs/guard.md; issue 16,
// incident S4). One thread. The KPI probe offers each sample (offer(), on the probe thread:
// a few numbers copied, nothing else); the guard thread then, per guarded service, reads the
// guard's own drop counter when its table is in force (a named nft counter, never a set
// listing), steps the service's decide::OverloadGuard, and on a transition adds or deletes the
// service's nftables table (act::NftGuard) — in enforce mode; in observe mode it decides and
// records only. Every transition goes to `on_transition` with the numbers that caused it (the
// daemon stores it as a finding and tells the notice stage: daemon_guard.cpp).
//
// At start a table left by an earlier run (a crash while on) is removed: in normal times
// nothing is limited. At stop every table still on is removed too, and that is recorded,
// because a guard nobody watches can never switch itself off.
//
// Threading: construct, prepare(), start(), stop() from the daemon's main thread; offer() from
// the probe thread; status_json() from any thread (locks); on_transition and log are called on
// the guard thread (and on the main thread during stop()).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <bannin/app/guard_config.h>
#include <bannin/core/result.h>
#include <bannin/decide/overload_guard.h>

namespace bannin::act {
class NftGuard;
}
namespace bannin::probe::kpi {
struct Sample;
}

namespace bannin::app {

/// One transition, with everything that made it (stored, logged, shown by status).
struct GuardEvent {
  std::string service;  ///< the guarded service's name
  std::string table;    ///< its nft table
  std::string signal;   ///< signal name
  decide::GuardTransition t;
  double threshold = 0;             ///< the on level (On) or off level (Off)
  std::uint32_t conns_total = 0;    ///< TCP: the admission size chosen (On)
  std::int64_t mem_available = -1;  ///< bytes, at the deciding sample (-1 unknown)
  bool enforced = false;            ///< the nft change was made (false: observe mode, or it failed)
  std::string detail;               ///< "observe mode", the nft error, "daemon stopping" …
  core::TimeNs decided = 0;         ///< wall clock when the guard thread decided
};

class GuardRunner {
 public:
  using OnTransition = std::function<void(const GuardEvent&)>;
  using Log = std::function<void(const std::string&)>;

  /// `kpi_services`: the KPI probe's service names, in its sample order. `table_prefix`:
  /// the nft table of service s is <table_prefix>_guard_<s>.
  GuardRunner(std::vector<GuardServiceSpec> services, std::vector<std::string> kpi_services,
              bool enforce, const std::string& table_prefix, OnTransition on_transition, Log log);
  ~GuardRunner();
  GuardRunner(const GuardRunner&) = delete;
  GuardRunner& operator=(const GuardRunner&) = delete;

  /// Enforce mode: opens libnftables and removes tables an earlier run left behind.
  core::Result<bool> prepare();
  void start();
  /// Ends the thread; removes the tables still on (recorded as Off, "daemon stopping").
  void stop();
  /// A KPI sample (probe thread): the signal values are copied for the guard thread.
  void offer(const probe::kpi::Sample& s);
  /// One tick on the caller's thread with the values of `s` (tests and the bench; not while
  /// started).
  void tick_now(const probe::kpi::Sample& s);
  /// GET /api/v1/guard and the `guard` member of the status.
  [[nodiscard]] std::string status_json() const;
  [[nodiscard]] std::size_t services() const noexcept { return svc_.size(); }

 private:
  struct Inputs {
    core::TimeNs ts = 0;
    std::vector<double> signal;  ///< per guarded service; NAN when absent
    std::int64_t mem_available = -1;
  };
  struct Svc {
    GuardServiceSpec spec;
    int kpi_index = -1;  ///< ServiceUdpDrops: the kpi service's index
    decide::OverloadGuard machine;
    bool table_on = false;
    bool have_counter = false;
    std::uint64_t last_counter = 0;
    core::TimeNs last_counter_ts = 0;
    double own_rate = NAN;
    std::uint64_t own_total = 0;  ///< the counter's value at the last read
    double last_signal = NAN;
    core::TimeNs last_ts = 0;
    std::uint64_t transitions = 0, counter_errors = 0, nft_errors = 0;
    std::string last_error;
    std::uint32_t conns_total = 0;
    explicit Svc(GuardServiceSpec s) : spec(std::move(s)), machine(spec.thresholds) {}
  };
  void main();
  Inputs extract(const probe::kpi::Sample& s) const;
  void tick(const Inputs& in);
  void transition(Svc& s, decide::GuardChange c, const Inputs& in);

  std::vector<Svc> svc_;
  std::vector<std::string> kpi_services_;
  bool enforce_;
  OnTransition on_transition_;
  Log log_;
  std::unique_ptr<act::NftGuard> nft_;

  mutable std::mutex mu_;  // pending_, the Svc status fields, history_, stats
  std::condition_variable cv_;
  Inputs pending_;
  bool has_pending_ = false;
  std::uint64_t offered_ = 0, ticks_ = 0, overwritten_ = 0;
  std::uint64_t tick_cpu_ns_ = 0, tick_cpu_max_ns_ = 0;
  std::deque<GuardEvent> history_;  ///< the last kHistory transitions
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// One transition as a JSON object (status, API, the stored finding's evidence line).
std::string guard_event_json(const GuardEvent& e);

}  // namespace bannin::app
