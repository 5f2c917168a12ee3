// The KPI probe's metrics (probe/kpi/, issue 16, incident S4): one fixed table of the
// platform counters bannin reads every second, and one of the per-service readings. A
// metric's name is what a `kpi.sample` event carries in its `metric` field, what the series
// API calls it (`GET /api/v1/series?name=udp.rcvbuf_errors`) and what docs/kpi.md lists; a
// name, once shipped, is stable (rules match on it).
//
// Counters (Kind::Rate) are published as per-second rates of the kernel's cumulative
// counter; gauges (Kind::Gauge) as read. Values are whole numbers in the unit named by the
// table (bytes, per second, hundredths of a percent, microseconds per second …), because
// the event field `value` is an int.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bannin::probe::kpi {

/// Platform metrics (one network namespace's counters, and the host's memory and pressure).
enum class Sys : std::uint8_t {
  // /proc/net/snmp Udp: (IPv4) and /proc/net/snmp6 Udp6* (IPv6): per second.
  UdpInDatagrams,
  UdpNoPorts,
  UdpInErrors,
  UdpRcvbufErrors,
  UdpSndbufErrors,
  Udp6InDatagrams,
  Udp6NoPorts,
  Udp6InErrors,
  Udp6RcvbufErrors,
  Udp6SndbufErrors,
  // /proc/net/snmp Tcp: opens per second, established now.
  TcpActiveOpens,
  TcpPassiveOpens,
  TcpCurrEstab,
  // /proc/net/netstat TcpExt: the accept queue overflowed / a SYN or ACK was dropped.
  TcpListenOverflows,
  TcpListenDrops,
  // /proc/net/sockstat and sockstat6: sockets in use, and the kernel's socket memory.
  SocketsUsed,
  TcpInuse,
  TcpOrphan,
  TcpTimeWait,
  TcpMemBytes,
  UdpInuse,
  UdpMemBytes,
  Tcp6Inuse,
  Udp6Inuse,
  // /proc/net/stat/nf_conntrack (else /proc/sys/net/netfilter/nf_conntrack_count) and
  // nf_conntrack_max: table size, how full, and entries refused (drop + early_drop +
  // insert_failed, per second).
  ConntrackCount,
  ConntrackMax,
  ConntrackFillPermille,
  ConntrackDrops,
  // /proc/meminfo.
  MemAvailableBytes,
  MemTotalBytes,
  MemAvailablePermille,
  // /proc/pressure/{cpu,memory,io}: avg10 in hundredths of a percent, stall time in
  // microseconds per second (the rate of `total`).
  PsiCpuSomeAvg10,
  PsiCpuSomeUs,
  PsiMemorySomeAvg10,
  PsiMemorySomeUs,
  PsiMemoryFullAvg10,
  PsiMemoryFullUs,
  PsiIoSomeAvg10,
  PsiIoSomeUs,
  PsiIoFullAvg10,
  PsiIoFullUs,
  Count
};
inline constexpr std::size_t kSysCount = static_cast<std::size_t>(Sys::Count);

/// Per-service readings (services named in the configuration, `kpi.services`).
enum class Svc : std::uint8_t {
  Procs,        ///< processes counted (matched, and their descendants)
  RssBytes,     ///< resident memory of those processes
  CpuMs,        ///< CPU time used, milliseconds per second (1000 = one core)
  Connections,  ///< established TCP connections on the service's ports
  AcceptQueue,  ///< connections waiting in the accept queues of its listening sockets
  UdpRxQueue,   ///< bytes waiting in the receive queues of its UDP sockets
  UdpDrops,     ///< datagrams its UDP sockets dropped, per second (the `drops` column)
  Count
};
inline constexpr std::size_t kSvcCount = static_cast<std::size_t>(Svc::Count);

enum class Kind : std::uint8_t { Gauge, Rate };

struct MetricInfo {
  std::string_view name;  ///< e.g. "udp.rcvbuf_errors", "service.rss_bytes"
  Kind kind;
  std::string_view unit;  ///< for docs and the series API: "1/s", "bytes", "count" …
  std::string_view help;  ///< one line for people (status, /metrics HELP)
};

const std::array<MetricInfo, kSysCount>& sys_metrics() noexcept;
const std::array<MetricInfo, kSvcCount>& svc_metrics() noexcept;
inline const MetricInfo& info(Sys m) noexcept {
  return sys_metrics()[static_cast<std::size_t>(m)];
}
inline const MetricInfo& info(Svc m) noexcept {
  return svc_metrics()[static_cast<std::size_t>(m)];
}

}  // namespace bannin::probe::kpi
