#include <cstring>
#include <ctime>
#include <limits>
#include <string>
#include <utility>

#include <bannin/core/duration.h>
#include <bannin/core/time.h>

namespace bannin::core {
namespace {

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Reads exactly n digits at s[pos]; false if any is not a digit.
bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) noexcept {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  out = v;
  return true;
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

std::optional<TimeNs> assemble(std::int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                               unsigned sec, std::uint32_t nanos, std::int64_t offset_s) noexcept {
  if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
      mi > 59 || sec > 60) {
    return std::nullopt;
  }
  std::int64_t secs = days_from_civil(y, mo, d) * 86400 + std::int64_t{h} * 3600 +
                      std::int64_t{mi} * 60 + sec - offset_s;
  return secs * kNsPerSec + nanos;
}

// Parses ".ddd" (1..9 digits used, more ignored) at pos; advances pos.
std::uint32_t fraction(std::string_view s, std::size_t& pos) noexcept {
  if (pos >= s.size() || (s[pos] != '.' && s[pos] != ',')) return 0;
  ++pos;
  std::uint32_t ns = 0;
  int n = 0;
  while (pos < s.size() && is_digit(s[pos])) {
    if (n < 9) {
      ns = ns * 10 + static_cast<std::uint32_t>(s[pos] - '0');
      ++n;
    }
    ++pos;
  }
  for (; n < 9; ++n) ns *= 10;
  return ns;
}

// "+0900", "+09:00", "-07", "Z"; returns the offset in seconds.
bool offset(std::string_view s, std::size_t& pos, std::int64_t& out) noexcept {
  if (pos >= s.size()) return false;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
    out = 0;
    return true;
  }
  if (s[pos] != '+' && s[pos] != '-') return false;
  int sign = s[pos] == '-' ? -1 : 1;
  ++pos;
  unsigned hh = 0, mm = 0;
  if (!digits(s, pos, 2, hh)) return false;
  pos += 2;
  if (pos < s.size() && s[pos] == ':') ++pos;
  if (digits(s, pos, 2, mm)) pos += 2;
  if (hh > 23 || mm > 59) return false;
  out = sign * static_cast<std::int64_t>(hh * 3600 + mm * 60);
  return true;
}

}  // namespace

CivilTime civil_from_ns(TimeNs t) noexcept {
  std::int64_t secs = t / kNsPerSec;
  std::int64_t ns = t % kNsPerSec;
  if (ns < 0) {
    ns += kNsPerSec;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // civil_from_days (Hinnant).
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  return CivilTime{y,
                   m,
                   d,
                   static_cast<unsigned>(rem / 3600),
                   static_cast<unsigned>((rem / 60) % 60),
                   static_cast<unsigned>(rem % 60),
                   static_cast<std::uint32_t>(ns)};
}

unsigned month_from_abbrev(std::string_view s) noexcept {
  if (s.size() != 3) return 0;
  static constexpr const char* kMonths = "janfebmaraprmayjunjulaugsepoctnovdec";
  char lower[3];
  for (int i = 0; i < 3; ++i) lower[i] = static_cast<char>(s[i] | 0x20);
  for (unsigned m = 0; m < 12; ++m) {
    if (std::memcmp(kMonths + std::size_t{m} * 3, lower, 3) == 0) return m + 1;
  }
  return 0;
}

std::optional<TimeNs> parse_clf_time(std::string_view s) noexcept {
  // 19/Feb/2021:05:21:35 +0900
  unsigned d = 0, y = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 26 || !digits(s, 0, 2, d) || s[2] != '/' || s[6] != '/' || !digits(s, 7, 4, y) ||
      s[11] != ':' || !digits(s, 12, 2, h) || s[14] != ':' || !digits(s, 15, 2, mi) ||
      s[17] != ':' || !digits(s, 18, 2, sec)) {
    return std::nullopt;
  }
  unsigned mo = month_from_abbrev(s.substr(3, 3));
  if (mo == 0) return std::nullopt;
  std::size_t pos = 20;
  std::uint32_t nanos = fraction(s, pos);
  if (pos >= s.size() || s[pos] != ' ') return std::nullopt;
  ++pos;
  std::int64_t off = 0;
  if (!offset(s, pos, off) || pos != s.size()) return std::nullopt;
  return assemble(y, mo, d, h, mi, sec, nanos, off);
}

std::optional<TimeNs> parse_iso8601(std::string_view s, bool assume_utc) noexcept {
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') ||
      !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' ||
      !digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::uint32_t nanos = fraction(s, pos);
  std::int64_t off = 0;
  if (pos == s.size()) {
    if (!assume_utc) return std::nullopt;
  } else {
    if (s[pos] == ' ') ++pos;
    if (!offset(s, pos, off) || pos != s.size()) return std::nullopt;
  }
  return assemble(y, mo, d, h, mi, sec, nanos, off);
}

std::optional<TimeNs> parse_epoch_seconds(std::string_view s) noexcept {
  std::size_t pos = 0;
  std::int64_t secs = 0;
  while (pos < s.size() && is_digit(s[pos])) {
    if (pos >= 11) return std::nullopt;  // beyond year 5138: not a log timestamp
    secs = secs * 10 + (s[pos] - '0');
    ++pos;
  }
  if (pos == 0) return std::nullopt;
  // Same range as the calendar forms (up to 2200-12-31), far from int64 ns overflow (2262).
  if (secs > 7'289'654'399) return std::nullopt;
  std::uint32_t nanos = fraction(s, pos);
  if (pos != s.size()) return std::nullopt;
  return secs * kNsPerSec + nanos;
}

std::size_t format_rfc3339(TimeNs t, char* buf) noexcept {
  CivilTime c = civil_from_ns(t);
  char* p = buf;
  auto put2 = [&p](unsigned v) {
    *p++ = static_cast<char>('0' + v / 10);
    *p++ = static_cast<char>('0' + v % 10);
  };
  std::int64_t y = c.year;
  if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999;
  auto yy = static_cast<unsigned>(y);
  put2(yy / 100);
  put2(yy % 100);
  *p++ = '-';
  put2(c.month);
  *p++ = '-';
  put2(c.day);
  *p++ = 'T';
  put2(c.hour);
  *p++ = ':';
  put2(c.minute);
  *p++ = ':';
  put2(c.second);
  if (c.nanos != 0) {
    int digits_n = 9;
    std::uint32_t v = c.nanos;
    if (v % 1'000'000 == 0) {
      v /= 1'000'000;
      digits_n = 3;
    } else if (v % 1000 == 0) {
      v /= 1000;
      digits_n = 6;
    }
    *p++ = '.';
    for (int i = digits_n - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += digits_n;
  }
  *p++ = 'Z';
  *p = '\0';
  return static_cast<std::size_t>(p - buf);
}

std::string format_rfc3339(TimeNs t) {
  char buf[kRfc3339Max];
  return std::string(buf, format_rfc3339(t, buf));
}

std::optional<TimeNs> parse_duration_ns(std::string_view text, bool allow_bare_number,
                                        TimeNs max_ns) noexcept {
  if (text.empty() || text.size() > 64 || max_ns < 0) return std::nullopt;
  TimeNs total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t n = 0;
    const std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      const int digit = text[i] - '0';
      if (n > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return std::nullopt;
      n = n * 10 + digit;
      ++i;
    }
    if (i == start) return std::nullopt;
    TimeNs unit = 0;
    if (i == text.size()) {
      // A bare number: seconds, and only when it is the whole text.
      if (!allow_bare_number || start != 0) return std::nullopt;
      unit = kNsPerSec;
    } else {
      switch (text[i]) {
        case 's':
          unit = kNsPerSec;
          break;
        case 'm':
          if (i + 1 < text.size() && text[i + 1] == 's') {
            unit = 1'000'000;
            ++i;
          } else {
            unit = 60 * kNsPerSec;
          }
          break;
        case 'h':
          unit = 3600 * kNsPerSec;
          break;
        case 'd':
          unit = 86400 * kNsPerSec;
          break;
        case 'w':
          unit = TimeNs{7} * 86400 * kNsPerSec;
          break;
        default:
          return std::nullopt;
      }
      ++i;
    }
    if (n > (max_ns - total) / unit) return std::nullopt;
    total += n * unit;
  }
  return total;
}

std::optional<std::int64_t> parse_duration_seconds(std::string_view text, bool allow_bare_number,
                                                   std::int64_t max_seconds) noexcept {
  const TimeNs max_ns = max_seconds > std::numeric_limits<TimeNs>::max() / kNsPerSec
                            ? std::numeric_limits<TimeNs>::max()
                            : max_seconds * kNsPerSec;
  auto ns = parse_duration_ns(text, allow_bare_number, max_ns);
  if (!ns || *ns % kNsPerSec != 0) return std::nullopt;
  return *ns / kNsPerSec;
}

std::string format_duration(TimeNs d) {
  if (d <= 0) return "0s";
  static constexpr std::pair<TimeNs, const char*> kUnits[] = {{TimeNs{7} * 86400 * kNsPerSec, "w"},
                                                              {86400 * kNsPerSec, "d"},
                                                              {3600 * kNsPerSec, "h"},
                                                              {60 * kNsPerSec, "m"},
                                                              {kNsPerSec, "s"},
                                                              {1'000'000, "ms"}};
  std::string out;
  for (const auto& [ns, unit] : kUnits) {
    if (d >= ns) {
      out += std::to_string(d / ns) + unit;
      d %= ns;
    }
  }
  if (out.empty()) out = std::to_string(d) + "ns";
  return out;
}

TimeNs clock_ns(int clock_id) noexcept {
  timespec ts{};
  ::clock_gettime(static_cast<clockid_t>(clock_id), &ts);
  return static_cast<TimeNs>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

}  // namespace bannin::core
