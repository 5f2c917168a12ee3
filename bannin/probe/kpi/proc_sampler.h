// ProcSampler: reads the KPI probe's /proc files once per sample (probe/kpi/, issue 16).
// Platform counters come from one network namespace's <proc_root>/net/ (snmp, snmp6,
// netstat, sockstat, sockstat6, stat/nf_conntrack) — proc_root "/proc" is the daemon's own
// namespace, "/proc/<pid>" the namespace of that process — and host-wide values from
// <host_root> (meminfo, pressure/, sys/net/netfilter/nf_conntrack_max). Per-service values
// come from /proc/<pid>/stat of the service's processes and, for services with ports, from
// <proc_root>/net/{tcp,tcp6,udp,udp6}.
//
// What it costs, and why (issue 16 "Speed": ≤ 1 % of a core with 20 services, nothing
// allocated per sample after warm-up): every buffer, path and table is made by the
// constructor; a sample is open/read/close of a few small files into those buffers, the
// pure parsers of proc_parse.h, and no shelling out. Processes of a service are found by a
// scan of <host_root> (getdents64 into a fixed buffer, one stat file per process) at most
// every `rescan` and when one of them ends; between scans a sample reads only the stat files
// of the processes it already knows. The socket tables are read only when a service has
// ports, and cost a line per socket of the namespace (documented in docs/kpi.md).
//
// A file that does not exist (no PSI in the kernel, no conntrack module, IPv6 off) leaves
// its metrics absent from the sample and is tried again at the next rescan; any other
// problem is counted (FileStats). Owned by one thread (the KPI probe's); not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/probe/kpi/metrics.h>
#include <bannin/probe/kpi/proc_parse.h>

namespace bannin::probe::kpi {

/// A service named in the configuration (`kpi.services`): found by pid file or process
/// name (the kernel's comm, 15 characters at most), with its descendants unless
/// `children` is false; `ports` select its sockets in the socket tables.
struct ServiceSpec {
  std::string name;
  std::string pid_file;
  std::string process;
  std::vector<std::uint16_t> ports;
  bool children = true;
  bool operator==(const ServiceSpec&) const = default;
};

struct SamplerOptions {
  std::string proc_root = "/proc";  ///< network counters: <proc_root>/net/…
  std::string host_root = "/proc";  ///< meminfo, pressure, sysctls, processes
  std::vector<ServiceSpec> services;
  core::TimeNs rescan = 10 * core::kNsPerSec;  ///< process scan at most this often
};

/// One reading: cumulative counters and gauges as the files say (rates come later,
/// RateComputer). `has` tells which were read.
struct RawSample {
  core::TimeNs wall = 0, mono = 0;
  std::array<std::uint64_t, kSysCount> v{};
  std::array<bool, kSysCount> has{};
  struct Service {
    std::array<std::uint64_t, kSvcCount> v{};
    std::array<bool, kSvcCount> has{};
  };
  std::vector<Service> services;  ///< one per ServiceSpec, in order
};

/// The files the sampler reads, for counting.
enum class File : std::uint8_t {
  Snmp,
  Snmp6,
  Netstat,
  Sockstat,
  Sockstat6,
  Conntrack,
  Meminfo,
  Pressure,
  PidStat,
  PidFile,
  Sockets,
  Count
};
inline constexpr std::size_t kFileCount = static_cast<std::size_t>(File::Count);
std::string_view file_name(File f) noexcept;

struct FileStats {
  ParseCounts parse;
  std::uint64_t reads = 0;      ///< successful reads
  std::uint64_t errors = 0;     ///< reads that failed other than "does not exist"
  std::uint64_t truncated = 0;  ///< larger than the sampler's buffer (the rest unread)
  bool absent = false;          ///< did not exist at the last try
};

struct SamplerStats {
  std::array<FileStats, kFileCount> files{};
  std::uint64_t scans = 0;         ///< process scans
  std::uint64_t pids_cut = 0;      ///< processes not tracked: a service's table was full
  std::uint64_t procs_cut = 0;     ///< processes not scanned: the scan table was full
  std::uint64_t sockets = 0;       ///< socket lines read in the last sample
  std::uint64_t port_clashes = 0;  ///< ports named by two services (the first keeps it)
};

class ProcSampler {
 public:
  /// Most processes a service tracks, and most processes one scan looks at.
  static constexpr std::size_t kMaxPidsPerService = 1024;
  static constexpr std::size_t kMaxScan = 65536;

  explicit ProcSampler(SamplerOptions options);
  ~ProcSampler();
  ProcSampler(const ProcSampler&) = delete;
  ProcSampler& operator=(const ProcSampler&) = delete;

  /// Reads everything into out (sized by the constructor: out.services must have one entry
  /// per service; make it with make_raw()).
  void read(RawSample& out, core::TimeNs wall, core::TimeNs mono);
  [[nodiscard]] RawSample make_raw() const;
  [[nodiscard]] const SamplerStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const SamplerOptions& options() const noexcept { return options_; }

 private:
  struct Impl;
  SamplerOptions options_;
  SamplerStats stats_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bannin::probe::kpi
