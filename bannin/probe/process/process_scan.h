// The process probe (stage: probe; INCIDENTS S3, issue 17): every few seconds, the processes
// of hosting accounts (uid >= min_uid) from /proc, each with its executable, working
// directory, command line, parent, start time and listening ports, and the flags that make
// one suspicious:
//
//   exe_deleted             its executable was deleted after it started (a dropper that
//                           cleans up after itself)
//   exe_in_writable_dir     its executable lies in /tmp, /dev/shm, /var/tmp or an upload or
//                           cache directory of a site
//   script_in_writable_dir  an interpreter (php, perl, python, sh …) running a script from
//                           such a directory
//   kernel_thread_name      a user process whose name looks like a kernel thread
//                           ("[kworker/0:1]"): kernel threads have no command line at all
//   listening               it listens on a TCP port (shared-hosting accounts run none)
//
// The flags are a pure function of a ProcessInfo (process_flags); reading /proc is
// read_processes. Stop and continue (SIGSTOP/SIGCONT) check the process's start time first,
// so a pid reused by another process is never signalled.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <bannin/core/result.h>

namespace bannin::probe::process {

struct ProcessInfo {
  std::int64_t pid = 0, ppid = 0, uid = -1;
  std::string comm;               ///< the kernel's name (stat field 2)
  std::string exe;                ///< readlink of /proc/PID/exe ("" when unreadable)
  std::string cwd;                ///< readlink of /proc/PID/cwd
  std::vector<std::string> argv;  ///< from /proc/PID/cmdline
  std::uint64_t start_ticks = 0;  ///< stat field 22
  std::vector<int> listen_ports;  ///< TCP ports it listens on, sorted
  char state = '?';               ///< R, S, T (stopped) …
};

struct FlagOptions {
  std::int64_t min_uid = 1000;  ///< accounts start here; system daemons are below
  std::vector<std::string> writable_dirs{
      "/tmp", "/dev/shm", "/var/tmp", "wp-content/uploads", "wp-content/cache", "uploads", "cache"};
};

/// The flags of one process, in the order listed above; empty for uid < min_uid.
std::vector<std::string> process_flags(const ProcessInfo& p, const FlagOptions& o);

/// Every process of uid >= min_uid under `proc_root` ("/proc"), with listening TCP ports.
/// Processes that vanish while being read are skipped.
std::vector<ProcessInfo> read_processes(std::int64_t min_uid,
                                        const std::string& proc_root = "/proc");
/// One process (any uid); nullopt when it is gone.
std::optional<ProcessInfo> read_process(std::int64_t pid, const std::string& proc_root = "/proc");

/// SIGSTOP (stop = true) or SIGCONT to `pid`, if it is still the process that started at
/// `start_ticks`. Errors: gone (no such process, or its pid now belongs to another), io.
core::Result<bool> signal_process(std::int64_t pid, std::uint64_t start_ticks, bool stop);

}  // namespace bannin::probe::process
