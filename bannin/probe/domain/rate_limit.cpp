#include <algorithm>

#include <bannin/probe/domain/rate_limit.h>

namespace bannin::probe::domain {
namespace {

constexpr std::int64_t kMaxRequests = 100000;
constexpr core::TimeNs kDay = 86400 * core::kNsPerSec;

}  // namespace

std::string RateLimit::text() const {
  if (unlimited()) return "unlimited";
  std::string unit;
  std::int64_t n = period / core::kNsPerSec;
  if (period == kDay) {
    unit = "d";
  } else if (period == 3600 * core::kNsPerSec) {
    unit = "h";
  } else if (period == 60 * core::kNsPerSec) {
    unit = "min";
  } else {
    unit = std::to_string(n) + "s";
    if (n == 1) unit = "s";
  }
  return std::to_string(requests) + "/" + unit;
}

std::optional<RateLimit> parse_rate_limit(std::string_view text) {
  if (text == "unlimited" || text == "0") return RateLimit{0, 60 * core::kNsPerSec};
  auto slash = text.find('/');
  std::string_view num = text.substr(0, slash);
  if (num.empty() || num.size() > 6) return std::nullopt;
  std::int64_t n = 0;
  for (char c : num) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n > kMaxRequests) return std::nullopt;
  RateLimit r;
  r.requests = n;
  if (slash != std::string_view::npos) {
    std::string_view unit = text.substr(slash + 1);
    if (unit == "s" || unit == "sec") {
      r.period = core::kNsPerSec;
    } else if (unit == "min" || unit == "m") {
      r.period = 60 * core::kNsPerSec;
    } else if (unit == "h") {
      r.period = 3600 * core::kNsPerSec;
    } else if (unit == "d") {
      r.period = kDay;
    } else {
      return std::nullopt;
    }
  }
  return r;
}

TokenBucket::TokenBucket(RateLimit limit, core::TimeNs now)
    : limit_(limit), credit_(limit.requests * limit.period), last_(now) {}

void TokenBucket::refill(core::TimeNs now) {
  if (now <= last_) return;  // a clock going backwards never adds credit
  core::TimeNs elapsed = std::min(now - last_, limit_.period);
  std::int64_t full = limit_.requests * limit_.period;
  credit_ = std::min(full, credit_ + elapsed * limit_.requests);
  last_ = now;
}

bool TokenBucket::try_take(core::TimeNs now) {
  if (limit_.unlimited()) return now >= paused_until_;
  if (now < paused_until_) return false;
  refill(now);
  if (credit_ < limit_.period) return false;
  credit_ -= limit_.period;
  return true;
}

core::TimeNs TokenBucket::next_available(core::TimeNs now) const {
  if (now < paused_until_) return paused_until_;
  if (limit_.unlimited()) return now;
  TokenBucket copy = *this;
  copy.refill(now);
  if (copy.credit_ >= limit_.period) return now;
  std::int64_t missing = limit_.period - copy.credit_;
  return now + (missing + limit_.requests - 1) / limit_.requests;  // round up
}

void TokenBucket::pause_until(core::TimeNs until) {
  paused_until_ = std::max(paused_until_, until);
  credit_ = 0;
  last_ = std::max(last_, until);
}

}  // namespace bannin::probe::domain
