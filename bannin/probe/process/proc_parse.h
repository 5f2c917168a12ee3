// Parsers of /proc text for the process probe (stage: probe; STYLE §8 "parse apart from
// I/O"): /proc/PID/stat, the Uid line of /proc/PID/status, /proc/PID/cmdline and the socket
// tables /proc/net/{tcp,tcp6,udp,udp6}. Pure functions of text; never throw; a malformed
// input gives nullopt (or skips the line), never a crash. tests/fuzz/proc_parse_fuzz.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bannin::probe::process {

struct ProcStat {
  std::int64_t pid = 0;
  std::string comm;  ///< the name in parentheses (may hold spaces and ')')
  char state = '?';
  std::int64_t ppid = 0;
  std::uint64_t utime = 0, stime = 0;  ///< clock ticks
  std::uint64_t start_ticks = 0;       ///< field 22: start time after boot, in clock ticks
};

/// "1234 (php-fpm: pool x) S 1 ..." -> ProcStat; nullopt when malformed.
std::optional<ProcStat> parse_stat(std::string_view text);
/// The real uid from the "Uid:" line of /proc/PID/status; nullopt when there is none.
std::optional<std::int64_t> parse_status_uid(std::string_view text);
/// NUL-separated argv -> arguments (at most `max_args`, each at most 4096 bytes).
std::vector<std::string> parse_cmdline(std::string_view raw, std::size_t max_args = 64);

/// A listening socket: its inode (to find the process through /proc/PID/fd) and local port.
struct ListenSocket {
  std::uint64_t inode = 0;
  int port = 0;
};
/// Sockets of one /proc/net table that listen: TCP state 0A (LISTEN); for UDP (`udp` true)
/// state 07 (unconnected, bound). The header line and malformed lines are skipped.
std::vector<ListenSocket> parse_listen_sockets(std::string_view table, bool udp);

}  // namespace bannin::probe::process
