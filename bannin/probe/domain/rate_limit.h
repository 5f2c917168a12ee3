// A token bucket per reputation provider (VirusTotal's public API allows 4 requests a minute).
// Pure: time is an input to every call, so tests drive it without sleeping and the daemon
// can keep one bucket across scheduled runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <bannin/core/time.h>

namespace bannin::probe::domain {

/// "N/PERIOD" with PERIOD s, min, h or d ("4/min", "500/d", "1/s"); a bare "N" is per minute;
/// "0" or "unlimited" is no limit (requests == 0). At most 100000 requests per period and
/// PERIOD at most one day.
struct RateLimit {
  std::int64_t requests = 0;                   ///< 0: unlimited
  core::TimeNs period = 60 * core::kNsPerSec;  ///< > 0

  [[nodiscard]] bool unlimited() const noexcept { return requests == 0; }
  [[nodiscard]] std::string text() const;
};

std::optional<RateLimit> parse_rate_limit(std::string_view text);

class TokenBucket {
 public:
  /// A full bucket (`limit.requests` tokens) at time `now`.
  TokenBucket(RateLimit limit, core::TimeNs now);

  /// Takes a token if one is available at `now` (and no Retry-After pause is running).
  bool try_take(core::TimeNs now);

  /// When the next token can be taken (== now when one is available).
  [[nodiscard]] core::TimeNs next_available(core::TimeNs now) const;

  /// The provider said "slow down": no token before `until` (Retry-After), and the bucket is
  /// empty then.
  void pause_until(core::TimeNs until);

  [[nodiscard]] core::TimeNs paused_until() const noexcept { return paused_until_; }
  [[nodiscard]] const RateLimit& limit() const noexcept { return limit_; }

 private:
  void refill(core::TimeNs now);

  RateLimit limit_;
  // Credit in exact integers: one token is `period` units and the bucket gains `requests`
  // units per nanosecond, so it is full (requests * period) after one period. parse_rate_limit
  // bounds requests (100000) and period (one day) so this cannot overflow.
  std::int64_t credit_ = 0;
  core::TimeNs last_ = 0;
  core::TimeNs paused_until_ = 0;
};

}  // namespace bannin::probe::domain
