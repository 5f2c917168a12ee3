// Syslog framing: splits a log line into timestamp, host, program, pid and message.
//
// Understands RFC 3164 ("<13>Nov 25 14:02:25 host prog[pid]: msg", with or without PRI,
// host or pid, "prog[pid]" without the colon as proftpd writes it, "[prog]:"), RFC 5424
// (structured data skipped, quotes and escapes respected), rsyslog's high-precision
// ISO-8601 timestamps, journal "short" lines without a timestamp ("host prog[pid]: msg"),
// daemontools TAI64N stamps, and the native timestamps daemons write to their own files
// (Apache/vsftpd ctime, nginx "YYYY/MM/DD", BIND "DD-Mon-YYYY", MySQL "YYMMDD",
// Roundcube "[DD-Mon-YYYY … +zzzz]", Monit "[TZ Mon DD …]", "MM/DD/YYYY"). A line with no
// timestamp it knows is not an error: the whole line is the message and ts stays 0.
// Timestamps without a zone are taken as UTC; RFC 3164 has no year, see YearInference.
#pragma once

#include <cstdint>
#include <string_view>

#include <bannin/core/time.h>

namespace bannin::decode::syslog {

/// RFC 3164 stamps carry no year. With a fixed year every line gets it; with a reference
/// time (the file's mtime) a line gets the reference's year, or the year before when its
/// month is after the reference's month (the file was written across New Year).
struct YearInference {
  std::int64_t year = 1970;
  unsigned month = 12;  ///< reference month 1..12
  bool fixed = false;   ///< --year given: no rollover

  [[nodiscard]] std::int64_t year_for(unsigned line_month) const noexcept {
    return (!fixed && line_month > month) ? year - 1 : year;
  }
};

struct Frame {
  core::TimeNs ts = 0;
  bool has_ts = false;
  std::string_view host;
  std::string_view program;  ///< tag without pid, e.g. "postfix/smtpd", "sshd"
  std::string_view pid;      ///< digits (or dovecot "(…)" contents), may be empty
  std::string_view msg;      ///< the message; the whole line when nothing else was found
};

/// Splits line into frame. Never fails: unknown framing leaves msg = line.
void parse_frame(std::string_view line, const YearInference& years, Frame& frame) noexcept;

/// Time of the leading timestamp of s in any known form; sets *len to the bytes it used.
bool parse_leading_time(std::string_view s, const YearInference& years, core::TimeNs& ts,
                        std::size_t& len, bool& syslog_like) noexcept;

}  // namespace bannin::decode::syslog
