#include <bannin/decide/overload_guard.h>

namespace bannin::decide {

double OverloadGuard::more_extreme(double a, double b) const noexcept {
  if (std::isnan(a)) return b;
  if (std::isnan(b)) return a;
  if (t_.below) return a < b ? a : b;
  return a > b ? a : b;
}

void OverloadGuard::force(bool on, core::TimeNs ts) noexcept {
  on_ = on;
  beyond_run_ = quiet_run_ = 0;
  on_since_ = on ? ts : 0;
  on_peak_ = run_peak_ = NAN;
  own_sum_ = 0;
  holding_ = on ? "hold" : "";
}

GuardChange OverloadGuard::step(const GuardInput& in) {
  const bool has = !std::isnan(in.signal);
  if (!on_) {
    if (!has) return GuardChange::None;  // neither beyond nor quiet: the run is kept
    if (!beyond(in.signal)) {
      beyond_run_ = 0;
      run_peak_ = NAN;
      return GuardChange::None;
    }
    if (beyond_run_ == 0) run_start_ = in.ts;
    ++beyond_run_;
    run_peak_ = more_extreme(run_peak_, in.signal);
    if (beyond_run_ < t_.on_after) return GuardChange::None;
    on_ = true;
    on_since_ = in.ts;
    on_peak_ = run_peak_;
    own_sum_ = 0;
    quiet_run_ = 0;
    last_ = GuardTransition{};
    last_.change = GuardChange::On;
    last_.ts = in.ts;
    last_.first_beyond = run_start_;
    last_.signal = in.signal;
    last_.peak = run_peak_;
    last_.own_drops = in.own_drops;
    last_.samples = beyond_run_;
    beyond_run_ = 0;
    holding_ = "hold";
    return GuardChange::On;
  }
  // On: the guard's own drops are summed whatever the signal says.
  if (!std::isnan(in.own_drops) && in.own_drops > 0) own_sum_ += in.own_drops;
  if (has) on_peak_ = more_extreme(on_peak_, in.signal);
  if (!has) return GuardChange::None;
  const bool signal_quiet = within_off(in.signal);
  const bool own_quiet = std::isnan(in.own_drops) || in.own_drops <= t_.own_quiet;
  if (signal_quiet && own_quiet) {
    ++quiet_run_;
  } else {
    quiet_run_ = 0;
  }
  if (in.ts - on_since_ < t_.hold) {
    holding_ = "hold";
    return GuardChange::None;
  }
  if (!signal_quiet) {
    holding_ = "signal";
    return GuardChange::None;
  }
  if (!own_quiet) {
    holding_ = "own_drops";
    return GuardChange::None;
  }
  if (quiet_run_ < t_.quiet_after) {
    holding_ = "quiet_run";
    return GuardChange::None;
  }
  last_ = GuardTransition{};
  last_.change = GuardChange::Off;
  last_.ts = in.ts;
  last_.on_since = on_since_;
  last_.signal = in.signal;
  last_.peak = on_peak_;
  last_.own_drops = in.own_drops;
  last_.own_dropped = static_cast<std::uint64_t>(std::llround(own_sum_));
  last_.samples = quiet_run_;
  on_ = false;
  on_since_ = 0;
  quiet_run_ = beyond_run_ = 0;
  run_peak_ = on_peak_ = NAN;
  own_sum_ = 0;
  holding_ = "";
  return GuardChange::Off;
}

const char* change_name(GuardChange c) noexcept {
  switch (c) {
    case GuardChange::On:
      return "on";
    case GuardChange::Off:
      return "off";
    case GuardChange::None:
      break;
  }
  return "none";
}

}  // namespace bannin::decide
