// OverloadGuard: when to switch a guarded service's overload limits on and off (stage decide;
// issue 16, incident S4; docs/guard.md). A pure state machine: one step() per KPI sample, with
// the sample's time, the overload signal (drops per second, memory headroom …) and the
// guard's own drop rate (the named nftables counter of its limits, per second). No clock, no
// I/O: the daemon's guard thread (app/guard_runner.h) feeds it and carries out what it says,
// and tests/unit/decide/overload_guard_test.cpp drives it with made-up series.
//
// On: the signal is beyond `on` (above it, or below it for a headroom signal) in `on_after`
// consecutive samples. A threshold, never "any increase": a small receive buffer drops bursts
// on a quiet server (docs/decisions/2026-12-08-overload-guard.md).
// Off: only after `hold` since it went on, and only when for `quiet_after` consecutive samples
// the signal is back within `off` AND the guard's own drop rate is at most `own_quiet`. The
// second condition is what keeps it from flapping: once the limits work, the service's own
// drops fall to zero while the flood goes on, and only the guard's counter still shows it.
// A sample without the signal (a file that could not be read) changes nothing and counts as
// neither beyond nor quiet.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include <bannin/core/time.h>

namespace bannin::decide {

struct GuardThresholds {
  bool below = false;   ///< true: the signal is a headroom (on when it falls below `on`)
  double on = 100;      ///< the level that switches on (per second, percent …)
  double off = 100;     ///< the level the signal must be back within to count as quiet
  int on_after = 1;     ///< consecutive samples beyond `on`
  int quiet_after = 5;  ///< consecutive quiet samples before off
  core::TimeNs hold = 30 * core::kNsPerSec;  ///< minimum time on
  double own_quiet = 10;  ///< the guard's own drops per second still counted as quiet
};

struct GuardInput {
  core::TimeNs ts = 0;
  double signal = NAN;     ///< NAN: not in this sample
  double own_drops = NAN;  ///< the guard's drops per second; NAN: unknown (off, observe mode)
};

enum class GuardChange : std::uint8_t { None, On, Off };

/// What made the last transition, for the audit trail and status.
struct GuardTransition {
  GuardChange change = GuardChange::None;
  core::TimeNs ts = 0;            ///< the sample that decided it
  core::TimeNs first_beyond = 0;  ///< On: the first sample of the run beyond `on`
  core::TimeNs on_since = 0;      ///< Off: when it went on
  double signal = NAN;            ///< the signal at the deciding sample
  double peak = NAN;              ///< the most extreme signal while on (Off) / in the run (On)
  double own_drops = NAN;         ///< the guard's drop rate at the deciding sample
  std::uint64_t own_dropped = 0;  ///< Off: packets the guard dropped while on (sum of rates)
  int samples = 0;                ///< On: samples beyond; Off: quiet samples
};

class OverloadGuard {
 public:
  explicit OverloadGuard(GuardThresholds t) : t_(t) {}
  /// One sample; returns the transition it causes (None most of the time).
  GuardChange step(const GuardInput& in);

  [[nodiscard]] bool on() const noexcept { return on_; }
  [[nodiscard]] const GuardTransition& last() const noexcept { return last_; }
  [[nodiscard]] const GuardThresholds& thresholds() const noexcept { return t_; }
  [[nodiscard]] int beyond_run() const noexcept { return beyond_run_; }
  [[nodiscard]] int quiet_run() const noexcept { return quiet_run_; }
  [[nodiscard]] core::TimeNs on_since() const noexcept { return on_since_; }
  /// Why it is still on (status): "hold", "signal", "own_drops" or "quiet_run"; "" when off.
  [[nodiscard]] const char* holding_because() const noexcept { return holding_; }
  /// Forces the state (a restart that found the guard's table in place); counters reset.
  void force(bool on, core::TimeNs ts) noexcept;

 private:
  [[nodiscard]] bool beyond(double v) const noexcept { return t_.below ? v < t_.on : v > t_.on; }
  [[nodiscard]] bool within_off(double v) const noexcept {
    return t_.below ? v >= t_.off : v <= t_.off;
  }
  [[nodiscard]] double more_extreme(double a, double b) const noexcept;

  GuardThresholds t_;
  bool on_ = false;
  int beyond_run_ = 0, quiet_run_ = 0;
  core::TimeNs run_start_ = 0, on_since_ = 0;
  double run_peak_ = NAN, on_peak_ = NAN;
  double own_sum_ = 0;
  const char* holding_ = "";
  GuardTransition last_;
};

/// "on" / "off" / "none".
const char* change_name(GuardChange c) noexcept;

}  // namespace bannin::decide
