// Parsers of the /proc texts the KPI probe reads (probe/kpi/, issue 16). Each is a pure
// function of the text — no file access, no allocation, no exceptions — so it is tested on
// captured files (tests/fixtures/proc/) and on malformed text, and fuzzed
// (tests/fuzz/kpi_proc_fuzz.cpp). The reading happens in ProcSampler (proc_sampler.h).
//
// /proc text is untrusted input like a log line (STYLE §3): a kernel with other columns, a
// truncated read, a file from another system in a test. A parser never stops at the first
// problem: each malformed part is counted by reason in a ParseCounts (shown in `bannin
// status` under kpi.rejects) and the well-formed parts still give their values, so one odd
// line costs that line only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace bannin::probe::kpi {

/// Why (part of) a /proc text was refused.
enum class Reject : std::uint8_t {
  BadLine,     ///< a line without the expected shape ("Name value", "Sec: k v …")
  FieldCount,  ///< a header and its values disagree in length, or too few columns
  BadNumber,   ///< a wanted value that is not a number, or out of range
  Missing,     ///< a wanted value the text does not have
  Empty,       ///< nothing to read (empty file)
  Count
};
inline constexpr std::size_t kRejectCount = static_cast<std::size_t>(Reject::Count);
std::string_view reject_name(Reject r) noexcept;

/// Counts for one kind of file (snmp, netstat, …): texts read and problems by reason.
struct ParseCounts {
  std::uint64_t texts = 0;
  std::array<std::uint64_t, kRejectCount> rejects{};
  void reject(Reject r) noexcept { ++rejects[static_cast<std::size_t>(r)]; }
  [[nodiscard]] std::uint64_t total_rejects() const noexcept {
    std::uint64_t n = 0;
    for (auto r : rejects) n += r;
    return n;
  }
};

/// One value a caller wants from a table: the section ("Udp", "TcpExt", "TCP"; empty for
/// files without sections) and the name ("RcvbufErrors"), stored at out[slot].
struct Want {
  std::string_view section;
  std::string_view name;
  std::size_t slot;
};

/// Where the parsers put what they found: out[slot] with have[slot] = true. Slots of values
/// not found are left as they were (the caller clears `have` first).
struct Slots {
  std::span<std::uint64_t> out;
  std::span<bool> have;
  void set(std::size_t slot, std::uint64_t v) const noexcept {
    if (slot < out.size() && slot < have.size()) {
      out[slot] = v;
      have[slot] = true;
    }
  }
};

/// /proc/net/snmp and /proc/net/netstat: pairs of lines, "Udp: InDatagrams NoPorts …" then
/// "Udp: 32 0 …". A pair whose lengths differ gives nothing (FieldCount); a wanted value that
/// is not an unsigned number is BadNumber; a wanted name in no pair is Missing.
void parse_pair_table(std::string_view text, std::span<const Want> want, const Slots& slots,
                      ParseCounts& counts) noexcept;

/// /proc/net/snmp6: "Udp6RcvbufErrors   0" lines (section of every Want empty).
void parse_name_value(std::string_view text, std::span<const Want> want, const Slots& slots,
                      ParseCounts& counts) noexcept;

/// /proc/meminfo: "MemAvailable:   23928220 kB" lines; values with a "kB" unit are
/// converted to bytes. Want names are without the colon ("MemAvailable").
void parse_meminfo(std::string_view text, std::span<const Want> want, const Slots& slots,
                   ParseCounts& counts) noexcept;

/// /proc/net/sockstat and sockstat6: "TCP: inuse 1 orphan 0 tw 1 alloc 1 mem 349" lines
/// (section "TCP", name "inuse"). Values as written (`mem` is in pages: the caller scales).
void parse_sockstat(std::string_view text, std::span<const Want> want, const Slots& slots,
                    ParseCounts& counts) noexcept;

/// /proc/pressure/{cpu,memory,io}: "some avg10=0.52 avg60=… total=123" and "full …".
struct Pressure {
  bool some = false, full = false;
  std::uint64_t some_avg10 = 0, full_avg10 = 0;  ///< hundredths of a percent (0.52 -> 52)
  std::uint64_t some_total = 0, full_total = 0;  ///< microseconds stalled since boot
};
void parse_pressure(std::string_view text, Pressure& out, ParseCounts& counts) noexcept;

/// /proc/net/stat/nf_conntrack: a header of column names and one row per CPU, in hex.
/// `entries` is the table's size (the same in every row); drops are drop + early_drop +
/// insert_failed summed over the rows.
struct ConntrackStat {
  std::uint64_t entries = 0, drops = 0;
};
bool parse_conntrack_stat(std::string_view text, ConntrackStat& out, ParseCounts& counts) noexcept;

/// A file holding one unsigned number and a newline (nf_conntrack_max, a pid file).
std::optional<std::uint64_t> parse_single_number(std::string_view text,
                                                 ParseCounts& counts) noexcept;

/// /proc/<pid>/stat: "1234 (comm) S ppid … utime stime … starttime vsize rss …". The command
/// name may hold spaces and parentheses: it ends at the last ')'.
struct PidStat {
  std::string_view comm;  ///< into the text
  std::uint64_t ppid = 0;
  std::uint64_t cpu_ticks = 0;    ///< utime + stime, in clock ticks
  std::uint64_t start_ticks = 0;  ///< starttime: tells a reused pid from the old process
  std::uint64_t rss_pages = 0;
};
bool parse_pid_stat(std::string_view text, PidStat& out, ParseCounts& counts) noexcept;

/// One line of /proc/net/{tcp,tcp6,udp,udp6} after the header: local port, state, queues and
/// (udp only) the socket's drop counter. `sl local rem st tx:rx tr:when retr uid timeout
/// inode ref pointer [drops]`.
struct SocketLine {
  std::uint16_t port = 0;
  std::uint8_t state = 0;  ///< TCP_ESTABLISHED 0x01, TCP_LISTEN 0x0A; UDP 0x07 or 0x01
  std::uint64_t tx_queue = 0, rx_queue = 0;
  std::uint64_t drops = 0;
  bool has_drops = false;
};
bool parse_socket_line(std::string_view line, SocketLine& out, ParseCounts& counts) noexcept;

/// Decimal unsigned number, the whole token. Helpers shared with the sampler.
std::optional<std::uint64_t> parse_u64(std::string_view token) noexcept;

}  // namespace bannin::probe::kpi
