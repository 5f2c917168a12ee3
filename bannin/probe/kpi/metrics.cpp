#include <bannin/probe/kpi/metrics.h>

namespace bannin::probe::kpi {

namespace {

constexpr Kind kG = Kind::Gauge;
constexpr Kind kR = Kind::Rate;

// In the order of enum Sys (a unit test checks the names are unique and dotted).
constexpr std::array<MetricInfo, kSysCount> kSys = {{
    {"udp.in_datagrams", kR, "1/s", "UDP datagrams delivered to sockets (IPv4)"},
    {"udp.no_ports", kR, "1/s", "UDP datagrams to a port nobody listens on (IPv4)"},
    {"udp.in_errors", kR, "1/s", "UDP datagrams not delivered: errors incl. full buffers (IPv4)"},
    {"udp.rcvbuf_errors", kR, "1/s",
     "UDP datagrams dropped: a socket's receive buffer was full (IPv4)"},
    {"udp.sndbuf_errors", kR, "1/s",
     "UDP datagrams not sent: a socket's send buffer was full (IPv4)"},
    {"udp6.in_datagrams", kR, "1/s", "UDP datagrams delivered to sockets (IPv6)"},
    {"udp6.no_ports", kR, "1/s", "UDP datagrams to a port nobody listens on (IPv6)"},
    {"udp6.in_errors", kR, "1/s", "UDP datagrams not delivered: errors incl. full buffers (IPv6)"},
    {"udp6.rcvbuf_errors", kR, "1/s",
     "UDP datagrams dropped: a socket's receive buffer was full (IPv6)"},
    {"udp6.sndbuf_errors", kR, "1/s",
     "UDP datagrams not sent: a socket's send buffer was full (IPv6)"},
    {"tcp.active_opens", kR, "1/s", "TCP connections this host opened"},
    {"tcp.passive_opens", kR, "1/s", "TCP connections this host accepted"},
    {"tcp.curr_estab", kG, "count", "TCP connections established now"},
    {"tcp.listen_overflows", kR, "1/s",
     "connections refused: a listening socket's accept queue was full"},
    {"tcp.listen_drops", kR, "1/s",
     "SYNs or ACKs dropped by listening sockets (overflows and more)"},
    {"sockets.used", kG, "count", "sockets in use"},
    {"tcp.inuse", kG, "count", "TCP sockets in use (IPv4)"},
    {"tcp.orphan", kG, "count", "TCP sockets no process holds any more"},
    {"tcp.time_wait", kG, "count", "TCP sockets in TIME_WAIT"},
    {"tcp.mem_bytes", kG, "bytes", "memory the kernel holds for TCP buffers"},
    {"udp.inuse", kG, "count", "UDP sockets in use (IPv4)"},
    {"udp.mem_bytes", kG, "bytes", "memory the kernel holds for UDP buffers"},
    {"tcp6.inuse", kG, "count", "TCP sockets in use (IPv6)"},
    {"udp6.inuse", kG, "count", "UDP sockets in use (IPv6)"},
    {"conntrack.count", kG, "count", "connection tracking entries"},
    {"conntrack.max", kG, "count", "connection tracking table size (nf_conntrack_max)"},
    {"conntrack.fill_permille", kG, "1/1000",
     "connection tracking table fill, count per 1000 of max"},
    {"conntrack.drops", kR, "1/s", "packets dropped because a tracking entry could not be made"},
    {"mem.available_bytes", kG, "bytes",
     "memory available for new work without swapping (MemAvailable)"},
    {"mem.total_bytes", kG, "bytes", "usable memory (MemTotal)"},
    {"mem.available_permille", kG, "1/1000", "MemAvailable per 1000 of MemTotal"},
    {"psi.cpu.some_avg10", kG, "0.01%", "share of time some task waited for CPU, last 10 s"},
    {"psi.cpu.some_us", kR, "us/s", "time some task waited for CPU, per second"},
    {"psi.memory.some_avg10", kG, "0.01%", "share of time some task waited for memory, last 10 s"},
    {"psi.memory.some_us", kR, "us/s", "time some task waited for memory, per second"},
    {"psi.memory.full_avg10", kG, "0.01%", "share of time all tasks waited for memory, last 10 s"},
    {"psi.memory.full_us", kR, "us/s", "time all tasks waited for memory, per second"},
    {"psi.io.some_avg10", kG, "0.01%", "share of time some task waited for I/O, last 10 s"},
    {"psi.io.some_us", kR, "us/s", "time some task waited for I/O, per second"},
    {"psi.io.full_avg10", kG, "0.01%", "share of time all tasks waited for I/O, last 10 s"},
    {"psi.io.full_us", kR, "us/s", "time all tasks waited for I/O, per second"},
}};

constexpr std::array<MetricInfo, kSvcCount> kSvc = {{
    {"service.procs", kG, "count", "processes of the service (matched and their descendants)"},
    {"service.rss_bytes", kG, "bytes", "resident memory of the service's processes"},
    {"service.cpu_ms", kR, "ms/s", "CPU time of the service's processes (1000 = one core)"},
    {"service.connections", kG, "count", "established TCP connections on the service's ports"},
    {"service.accept_queue", kG, "count", "connections waiting to be accepted on its ports"},
    {"service.udp_rx_queue", kG, "bytes", "bytes waiting in its UDP sockets' receive queues"},
    {"service.udp_drops", kR, "1/s", "datagrams its UDP sockets dropped (full receive buffer)"},
}};

}  // namespace

const std::array<MetricInfo, kSysCount>& sys_metrics() noexcept {
  return kSys;
}
const std::array<MetricInfo, kSvcCount>& svc_metrics() noexcept {
  return kSvc;
}

}  // namespace bannin::probe::kpi
