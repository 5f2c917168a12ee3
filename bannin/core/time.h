// Time as bannin handles it: int64 nanoseconds since the Unix epoch, always UTC. Every
// timestamp a decoder reads is converted here, with its offset applied, so the rest of
// the pipeline never sees local time. No function here reads the clock (time is an input,
// ARCHITECTURE "Principles"); all are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bannin::core {

using TimeNs = std::int64_t;
inline constexpr TimeNs kNsPerSec = 1'000'000'000;
inline constexpr TimeNs kNsPerMin = 60 * kNsPerSec;
inline constexpr TimeNs kNsPerHour = 3600 * kNsPerSec;
inline constexpr TimeNs kNsPerDay = 86400 * kNsPerSec;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct CivilTime {
  std::int64_t year;
  unsigned month, day, hour, minute, second;
  std::uint32_t nanos;
};
CivilTime civil_from_ns(TimeNs t) noexcept;

/// Month abbreviation ("Jan".."Dec", case-insensitive) to 1..12, 0 if not a month.
unsigned month_from_abbrev(std::string_view s) noexcept;

/// Apache/nginx `%t` / `$time_local` body without brackets: "19/Feb/2021:05:21:35 +0900",
/// optionally with a fraction after the seconds ("…:35.123 +0900").
std::optional<TimeNs> parse_clf_time(std::string_view s) noexcept;

/// ISO 8601 / RFC 3339: "2021-02-19T05:21:35+09:00", "…Z", "…35.123456+0900",
/// a space instead of 'T'; an offset is required unless assume_utc is true.
std::optional<TimeNs> parse_iso8601(std::string_view s, bool assume_utc = false) noexcept;

/// Decimal Unix seconds with an optional fraction, as nginx `$msec` ("1613679695.123").
std::optional<TimeNs> parse_epoch_seconds(std::string_view s) noexcept;

/// RFC 3339 in UTC: "2021-02-18T20:21:35Z", with ".fraction" (trailing zeros trimmed to
/// 3/6/9 digits) only when the nanoseconds are non-zero. buf needs 40 bytes; returns length.
std::size_t format_rfc3339(TimeNs t, char* buf) noexcept;
std::string format_rfc3339(TimeNs t);
/// format_rfc3339, or "" for 0 (the stores' "never").
inline std::string format_rfc3339_or_empty(TimeNs t) {
  return t == 0 ? std::string() : format_rfc3339(t);
}
/// clock_gettime(clock_id) in nanoseconds (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, ...).
TimeNs clock_ns(int clock_id) noexcept;

/// A duration as people write it in configuration, on the command line and in API requests:
/// "90s", "15m", "1h", "2d", "1w", "1h30m" -> seconds. With allow_bare_number, "90" alone is
/// 90 seconds. nullopt for anything else, and for a total above max_seconds (overflow-safe).
std::optional<std::int64_t> parse_duration_seconds(std::string_view text, bool allow_bare_number,
                                                   std::int64_t max_seconds) noexcept;

inline constexpr std::size_t kRfc3339Max = 40;

}  // namespace bannin::core
