#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bannin/probe/kpi/proc_sampler.h>

namespace bannin::probe::kpi {

namespace {

// /proc texts the sampler reads in one go: the largest, /proc/net/netstat, is ~5 KiB.
constexpr std::size_t kFileBuffer = std::size_t{64} * 1024;
// Socket tables are streamed through this buffer a block at a time (a line is ~150 bytes).
constexpr std::size_t kStreamBuffer = std::size_t{64} * 1024;
constexpr std::size_t kDirBuffer = std::size_t{32} * 1024;
constexpr std::size_t kCommSize = 16;  // the kernel's TASK_COMM_LEN

constexpr std::uint8_t kTcpEstablished = 0x01;
constexpr std::uint8_t kTcpListen = 0x0A;

constexpr std::size_t slot(Sys m) {
  return static_cast<std::size_t>(m);
}
constexpr std::size_t slot(Svc m) {
  return static_cast<std::size_t>(m);
}

// The values each table gives, by the name the kernel uses.
constexpr Want kSnmp[] = {
    {"Udp", "InDatagrams", slot(Sys::UdpInDatagrams)},
    {"Udp", "NoPorts", slot(Sys::UdpNoPorts)},
    {"Udp", "InErrors", slot(Sys::UdpInErrors)},
    {"Udp", "RcvbufErrors", slot(Sys::UdpRcvbufErrors)},
    {"Udp", "SndbufErrors", slot(Sys::UdpSndbufErrors)},
    {"Tcp", "ActiveOpens", slot(Sys::TcpActiveOpens)},
    {"Tcp", "PassiveOpens", slot(Sys::TcpPassiveOpens)},
    {"Tcp", "CurrEstab", slot(Sys::TcpCurrEstab)},
};
constexpr Want kSnmp6[] = {
    {"", "Udp6InDatagrams", slot(Sys::Udp6InDatagrams)},
    {"", "Udp6NoPorts", slot(Sys::Udp6NoPorts)},
    {"", "Udp6InErrors", slot(Sys::Udp6InErrors)},
    {"", "Udp6RcvbufErrors", slot(Sys::Udp6RcvbufErrors)},
    {"", "Udp6SndbufErrors", slot(Sys::Udp6SndbufErrors)},
};
constexpr Want kNetstat[] = {
    {"TcpExt", "ListenOverflows", slot(Sys::TcpListenOverflows)},
    {"TcpExt", "ListenDrops", slot(Sys::TcpListenDrops)},
};
constexpr Want kSockstat[] = {
    {"sockets", "used", slot(Sys::SocketsUsed)}, {"TCP", "inuse", slot(Sys::TcpInuse)},
    {"TCP", "orphan", slot(Sys::TcpOrphan)},     {"TCP", "tw", slot(Sys::TcpTimeWait)},
    {"TCP", "mem", slot(Sys::TcpMemBytes)},      {"UDP", "inuse", slot(Sys::UdpInuse)},
    {"UDP", "mem", slot(Sys::UdpMemBytes)},
};
constexpr Want kSockstat6[] = {
    {"TCP6", "inuse", slot(Sys::Tcp6Inuse)},
    {"UDP6", "inuse", slot(Sys::Udp6Inuse)},
};
constexpr Want kMeminfo[] = {
    {"", "MemAvailable", slot(Sys::MemAvailableBytes)},
    {"", "MemTotal", slot(Sys::MemTotalBytes)},
};

struct PsiFile {
  Sys some_avg10, some_us;
  bool has_full;
  Sys full_avg10, full_us;
};
constexpr PsiFile kPsi[3] = {
    {Sys::PsiCpuSomeAvg10, Sys::PsiCpuSomeUs, false, Sys::PsiCpuSomeAvg10, Sys::PsiCpuSomeUs},
    {Sys::PsiMemorySomeAvg10, Sys::PsiMemorySomeUs, true, Sys::PsiMemoryFullAvg10,
     Sys::PsiMemoryFullUs},
    {Sys::PsiIoSomeAvg10, Sys::PsiIoSomeUs, true, Sys::PsiIoFullAvg10, Sys::PsiIoFullUs},
};

enum class ReadResult { Ok, Absent, Error };

struct Linuxdirent64 {
  std::uint64_t d_ino;
  std::int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

}  // namespace

std::string_view file_name(File f) noexcept {
  switch (f) {
    case File::Snmp:
      return "snmp";
    case File::Snmp6:
      return "snmp6";
    case File::Netstat:
      return "netstat";
    case File::Sockstat:
      return "sockstat";
    case File::Sockstat6:
      return "sockstat6";
    case File::Conntrack:
      return "conntrack";
    case File::Meminfo:
      return "meminfo";
    case File::Pressure:
      return "pressure";
    case File::PidStat:
      return "pid_stat";
    case File::PidFile:
      return "pid_file";
    case File::Sockets:
      return "sockets";
    case File::Count:
      break;
  }
  return "?";
}

struct ProcSampler::Impl {
  // A file that may not exist on this kernel: tried again at `retry` once found absent.
  struct Path {
    std::string path;
    core::TimeNs retry = 0;
  };
  Path snmp, snmp6, netstat, sockstat, sockstat6, ct_stat, ct_count, ct_max, meminfo;
  Path psi[3];
  Path sockets[4];  // tcp, tcp6, udp, udp6
  std::string host_root;

  std::vector<char> buf = std::vector<char>(kFileBuffer);
  std::vector<char> stream = std::vector<char>(kStreamBuffer);
  std::vector<char> dir = std::vector<char>(kDirBuffer);
  std::uint64_t page_size = 4096;
  std::uint64_t clk_tck = 100;

  // Ports -> 1 + index of the service that owns them (0: nobody).
  std::vector<std::uint8_t> port_owner = std::vector<std::uint8_t>(65536, 0);
  bool any_ports = false;
  bool need_scan_table = false;  // some service is found by name or has children

  struct Tracked {
    int pid = 0;
    std::uint64_t start = 0;       // starttime: a reused pid is another process
    std::uint64_t last_ticks = 0;  // utime+stime at the last sample
    bool fresh = true;             // first sample: its past CPU time is not counted
  };
  struct Service {
    std::vector<Tracked> pids, next;  // reserved kMaxPidsPerService each
    std::uint64_t cpu_ticks = 0;      // CPU ticks summed over samples (monotonic)
    int pid_from_file = 0;
    std::array<char, kCommSize> comm{};  // process name cut as the kernel cuts it
    bool by_name = false;
    bool all_gone = false;  // no live process at the last sample: scan again now
  };
  std::vector<Service> services;

  struct ScanEntry {
    int pid = 0, ppid = 0;
    std::uint64_t start = 0;
    std::array<char, kCommSize> comm{};
  };
  std::vector<ScanEntry> scan;     // reserved kMaxScan
  std::vector<std::uint8_t> mark;  // reserved kMaxScan
  core::TimeNs next_scan = 0;

  char path_buf[256] = {};

  ReadResult read_file(const char* path, std::size_t& len, bool& truncated) {
    len = 0;
    truncated = false;
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT || errno == ESRCH ? ReadResult::Absent : ReadResult::Error;
    for (;;) {
      ssize_t n = ::read(fd, buf.data() + len, buf.size() - len);
      if (n < 0) {
        if (errno == EINTR) continue;
        ::close(fd);
        return errno == ESRCH ? ReadResult::Absent : ReadResult::Error;
      }
      if (n == 0) break;
      len += static_cast<std::size_t>(n);
      if (len == buf.size()) {
        truncated = true;
        break;
      }
    }
    ::close(fd);
    return ReadResult::Ok;
  }

  // Reads a possibly absent file into buf; counts the outcome. False when there is no text.
  bool read_counted(Path& p, FileStats& fs, core::TimeNs mono, core::TimeNs rescan,
                    std::string_view& text) {
    if (p.retry > mono) return false;
    std::size_t len = 0;
    bool truncated = false;
    switch (read_file(p.path.c_str(), len, truncated)) {
      case ReadResult::Absent:
        fs.absent = true;
        p.retry = mono + rescan;
        return false;
      case ReadResult::Error:
        ++fs.errors;
        return false;
      case ReadResult::Ok:
        break;
    }
    fs.absent = false;
    ++fs.reads;
    if (truncated) ++fs.truncated;
    text = std::string_view(buf.data(), len);
    return true;
  }

  const char* pid_path(int pid, const char* leaf) {
    std::snprintf(path_buf, sizeof path_buf, "%s/%d/%s", host_root.c_str(), pid, leaf);
    return path_buf;
  }

  // Reads /proc/<pid>/stat; false when the process is gone or the text is bad.
  bool pid_stat(int pid, PidStat& st, FileStats& fs) {
    std::size_t len = 0;
    bool truncated = false;
    ReadResult r = read_file(pid_path(pid, "stat"), len, truncated);
    if (r == ReadResult::Absent) return false;  // ended: not a problem
    if (r == ReadResult::Error) {
      ++fs.errors;
      return false;
    }
    ++fs.reads;
    return parse_pid_stat(std::string_view(buf.data(), len), st, fs.parse);
  }

  // Streams one socket table, calling on_line for each line after the header.
  template <typename F>
  ReadResult stream_lines(const char* path, FileStats& fs, F&& on_line) {
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? ReadResult::Absent : ReadResult::Error;
    std::size_t carry = 0;
    bool header = true;
    for (;;) {
      ssize_t n = ::read(fd, stream.data() + carry, stream.size() - carry);
      if (n < 0) {
        if (errno == EINTR) continue;
        ::close(fd);
        return ReadResult::Error;
      }
      if (n == 0) break;
      const std::size_t end = carry + static_cast<std::size_t>(n);
      std::size_t start = 0;
      for (;;) {
        const void* nlp = std::memchr(stream.data() + start, '\n', end - start);
        if (nlp == nullptr) break;
        const auto nl = static_cast<std::size_t>(static_cast<const char*>(nlp) - stream.data());
        if (!header) on_line(std::string_view(stream.data() + start, nl - start));
        header = false;
        start = nl + 1;
      }
      carry = end - start;
      if (carry == stream.size()) {  // a "line" as long as the buffer: not a socket table
        fs.parse.reject(Reject::BadLine);
        carry = 0;
      } else if (carry > 0 && start > 0) {
        std::memmove(stream.data(), stream.data() + start, carry);
      }
    }
    if (carry > 0 && !header) on_line(std::string_view(stream.data(), carry));
    ::close(fd);
    ++fs.reads;
    return ReadResult::Ok;
  }
};

ProcSampler::ProcSampler(SamplerOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  const std::string net = options_.proc_root + "/net/";
  const std::string& host = options_.host_root;
  m.host_root = host;
  m.snmp.path = net + "snmp";
  m.snmp6.path = net + "snmp6";
  m.netstat.path = net + "netstat";
  m.sockstat.path = net + "sockstat";
  m.sockstat6.path = net + "sockstat6";
  m.ct_stat.path = net + "stat/nf_conntrack";
  m.ct_count.path = host + "/sys/net/netfilter/nf_conntrack_count";
  m.ct_max.path = host + "/sys/net/netfilter/nf_conntrack_max";
  m.meminfo.path = host + "/meminfo";
  m.psi[0].path = host + "/pressure/cpu";
  m.psi[1].path = host + "/pressure/memory";
  m.psi[2].path = host + "/pressure/io";
  m.sockets[0].path = net + "tcp";
  m.sockets[1].path = net + "tcp6";
  m.sockets[2].path = net + "udp";
  m.sockets[3].path = net + "udp6";
  if (long ps = ::sysconf(_SC_PAGESIZE); ps > 0) m.page_size = static_cast<std::uint64_t>(ps);
  if (long t = ::sysconf(_SC_CLK_TCK); t > 0) m.clk_tck = static_cast<std::uint64_t>(t);

  m.services.resize(options_.services.size());
  for (std::size_t i = 0; i < options_.services.size(); ++i) {
    const ServiceSpec& spec = options_.services[i];
    Impl::Service& s = m.services[i];
    s.pids.reserve(kMaxPidsPerService);
    s.next.reserve(kMaxPidsPerService);
    s.by_name = !spec.process.empty();
    std::memcpy(s.comm.data(), spec.process.data(), std::min(spec.process.size(), kCommSize - 1));
    m.need_scan_table = m.need_scan_table || s.by_name || spec.children;
    for (std::uint16_t p : spec.ports) {
      if (i >= 255) break;  // the configuration allows far fewer services than this
      if (m.port_owner[p] != 0) {
        ++stats_.port_clashes;
        continue;
      }
      m.port_owner[p] = static_cast<std::uint8_t>(i + 1);
      m.any_ports = true;
    }
  }
  if (m.need_scan_table) {
    m.scan.reserve(kMaxScan);
    m.mark.reserve(kMaxScan);
  }
}

ProcSampler::~ProcSampler() = default;

RawSample ProcSampler::make_raw() const {
  RawSample r;
  r.services.resize(options_.services.size());
  return r;
}

void ProcSampler::read(RawSample& out, core::TimeNs wall, core::TimeNs mono) {
  Impl& m = *impl_;
  const core::TimeNs rescan = options_.rescan;
  out.wall = wall;
  out.mono = mono;
  out.has.fill(false);
  out.v.fill(0);
  const Slots slots{std::span<std::uint64_t>(out.v), std::span<bool>(out.has)};
  auto& files = stats_.files;
  auto fs = [&](File f) -> FileStats& { return files[static_cast<std::size_t>(f)]; };
  std::string_view text;

  if (m.read_counted(m.snmp, fs(File::Snmp), mono, rescan, text)) {
    parse_pair_table(text, kSnmp, slots, fs(File::Snmp).parse);
  }
  if (m.read_counted(m.snmp6, fs(File::Snmp6), mono, rescan, text)) {
    parse_name_value(text, kSnmp6, slots, fs(File::Snmp6).parse);
  }
  if (m.read_counted(m.netstat, fs(File::Netstat), mono, rescan, text)) {
    parse_pair_table(text, kNetstat, slots, fs(File::Netstat).parse);
  }
  if (m.read_counted(m.sockstat, fs(File::Sockstat), mono, rescan, text)) {
    parse_sockstat(text, kSockstat, slots, fs(File::Sockstat).parse);
    // `mem` is in pages.
    out.v[slot(Sys::TcpMemBytes)] *= m.page_size;
    out.v[slot(Sys::UdpMemBytes)] *= m.page_size;
  }
  if (m.read_counted(m.sockstat6, fs(File::Sockstat6), mono, rescan, text)) {
    parse_sockstat(text, kSockstat6, slots, fs(File::Sockstat6).parse);
  }
  // Conntrack: the namespace's own table from stat/nf_conntrack; the sysctl count (the
  // reader's namespace) only when that file is not there.
  {
    FileStats& f = fs(File::Conntrack);
    ConntrackStat ct;
    if (m.read_counted(m.ct_stat, f, mono, rescan, text)) {
      if (parse_conntrack_stat(text, ct, f.parse)) {
        slots.set(slot(Sys::ConntrackCount), ct.entries);
        slots.set(slot(Sys::ConntrackDrops), ct.drops);
      }
    } else if (m.read_counted(m.ct_count, f, mono, rescan, text)) {
      if (auto v = parse_single_number(text, f.parse)) slots.set(slot(Sys::ConntrackCount), *v);
    }
    if (out.has[slot(Sys::ConntrackCount)] && m.read_counted(m.ct_max, f, mono, rescan, text)) {
      if (auto v = parse_single_number(text, f.parse)) {
        slots.set(slot(Sys::ConntrackMax), *v);
        if (*v > 0) {
          slots.set(slot(Sys::ConntrackFillPermille), out.v[slot(Sys::ConntrackCount)] * 1000 / *v);
        }
      }
    }
  }
  if (m.read_counted(m.meminfo, fs(File::Meminfo), mono, rescan, text)) {
    parse_meminfo(text, kMeminfo, slots, fs(File::Meminfo).parse);
    const std::uint64_t total = out.v[slot(Sys::MemTotalBytes)];
    if (out.has[slot(Sys::MemAvailableBytes)] && out.has[slot(Sys::MemTotalBytes)] && total > 0) {
      slots.set(slot(Sys::MemAvailablePermille),
                out.v[slot(Sys::MemAvailableBytes)] / 1024 * 1000 / (total / 1024 + 1));
    }
  }
  for (std::size_t i = 0; i < 3; ++i) {
    FileStats& f = fs(File::Pressure);
    if (!m.read_counted(m.psi[i], f, mono, rescan, text)) continue;
    Pressure p;
    parse_pressure(text, p, f.parse);
    const PsiFile& k = kPsi[i];
    if (p.some) {
      slots.set(slot(k.some_avg10), p.some_avg10);
      slots.set(slot(k.some_us), p.some_total);
    }
    if (p.full && k.has_full) {
      slots.set(slot(k.full_avg10), p.full_avg10);
      slots.set(slot(k.full_us), p.full_total);
    }
  }

  // --- services ------------------------------------------------------------------------
  if (m.services.empty()) return;
  for (auto& s : out.services) {
    s.v.fill(0);
    s.has.fill(false);
  }
  bool scan_now = mono >= m.next_scan;
  for (const auto& s : m.services) scan_now = scan_now || s.all_gone;
  if (scan_now) {
    m.next_scan = mono + rescan;
    ++stats_.scans;
    // Pid files first: a restarted service has a new pid.
    for (std::size_t i = 0; i < m.services.size(); ++i) {
      const ServiceSpec& spec = options_.services[i];
      Impl::Service& s = m.services[i];
      s.pid_from_file = 0;
      if (spec.pid_file.empty()) continue;
      std::size_t len = 0;
      bool truncated = false;
      FileStats& f = fs(File::PidFile);
      ReadResult r = m.read_file(spec.pid_file.c_str(), len, truncated);
      if (r == ReadResult::Ok) {
        ++f.reads;
        auto pid = parse_single_number(std::string_view(m.buf.data(), len), f.parse);
        if (pid && *pid > 0 && *pid < (1U << 30)) s.pid_from_file = static_cast<int>(*pid);
      } else if (r == ReadResult::Error) {
        ++f.errors;
      }
    }
    if (m.need_scan_table) {
      // Every process: pid, parent, start time, name (getdents64 into a fixed buffer).
      m.scan.clear();
      int dfd = ::open(m.host_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0) {
        for (;;) {
          long n = ::syscall(SYS_getdents64, dfd, m.dir.data(), m.dir.size());
          if (n <= 0) break;
          for (long off = 0; off < n;) {
            const auto* d = reinterpret_cast<const Linuxdirent64*>(m.dir.data() + off);
            off += d->d_reclen;
            const char* name = d->d_name;
            if (name[0] < '1' || name[0] > '9') continue;
            auto pid = parse_u64(std::string_view(name, ::strnlen(name, 16)));
            if (!pid || *pid >= (1U << 30)) continue;
            if (m.scan.size() >= kMaxScan) {
              ++stats_.procs_cut;
              continue;
            }
            PidStat st;
            if (!m.pid_stat(static_cast<int>(*pid), st, fs(File::PidStat))) continue;
            Impl::ScanEntry e;
            e.pid = static_cast<int>(*pid);
            e.ppid = static_cast<int>(std::min<std::uint64_t>(st.ppid, 1U << 30));
            e.start = st.start_ticks;
            std::memcpy(e.comm.data(), st.comm.data(), std::min(st.comm.size(), kCommSize - 1));
            m.scan.push_back(e);
          }
        }
        ::close(dfd);
      } else {
        ++fs(File::PidStat).errors;
      }
      std::sort(m.scan.begin(), m.scan.end(),
                [](const Impl::ScanEntry& a, const Impl::ScanEntry& b) { return a.pid < b.pid; });
    }
    auto find_scan = [&](int pid) -> std::ptrdiff_t {
      auto it = std::lower_bound(m.scan.begin(), m.scan.end(), pid,
                                 [](const Impl::ScanEntry& e, int p) { return e.pid < p; });
      return it != m.scan.end() && it->pid == pid ? it - m.scan.begin() : -1;
    };
    for (std::size_t i = 0; i < m.services.size(); ++i) {
      const ServiceSpec& spec = options_.services[i];
      Impl::Service& s = m.services[i];
      s.next.clear();
      auto keep = [&](int pid, std::uint64_t start) {
        if (s.next.size() >= kMaxPidsPerService) {
          ++stats_.pids_cut;
          return;
        }
        Impl::Tracked t;
        t.pid = pid;
        t.start = start;
        // The same process as before keeps its CPU baseline.
        for (const auto& old : s.pids) {
          if (old.pid == pid && old.start == start) {
            t = old;
            break;
          }
        }
        s.next.push_back(t);
      };
      if (!m.need_scan_table) {
        // A pid file, no children: the one process.
        PidStat st;
        if (s.pid_from_file > 0 && m.pid_stat(s.pid_from_file, st, fs(File::PidStat))) {
          keep(s.pid_from_file, st.start_ticks);
        }
      } else {
        m.mark.assign(m.scan.size(), 0);
        for (std::size_t k = 0; k < m.scan.size(); ++k) {
          const auto& e = m.scan[k];
          if ((s.by_name && e.comm == s.comm) || (s.pid_from_file > 0 && e.pid == s.pid_from_file))
            m.mark[k] = 1;
        }
        // Descendants: a process whose parent is marked, until nothing changes (process
        // trees of services are shallow; the bound only protects against a loop).
        for (int round = 0; spec.children && round < 32; ++round) {
          bool changed = false;
          for (std::size_t k = 0; k < m.scan.size(); ++k) {
            if (m.mark[k]) continue;
            std::ptrdiff_t parent = find_scan(m.scan[k].ppid);
            if (parent >= 0 && m.mark[static_cast<std::size_t>(parent)]) {
              m.mark[k] = 1;
              changed = true;
            }
          }
          if (!changed) break;
        }
        for (std::size_t k = 0; k < m.scan.size(); ++k) {
          if (m.mark[k]) keep(m.scan[k].pid, m.scan[k].start);
        }
      }
      std::swap(s.pids, s.next);
    }
  }

  // Per process: CPU since the last sample (a process seen for the first time adds
  // nothing: its past is not this service's present), resident memory.
  for (std::size_t i = 0; i < m.services.size(); ++i) {
    Impl::Service& s = m.services[i];
    RawSample::Service& o = out.services[i];
    std::uint64_t rss_pages = 0, procs = 0;
    for (auto& t : s.pids) {
      PidStat st;
      if (!m.pid_stat(t.pid, st, fs(File::PidStat)) || st.start_ticks != t.start) continue;
      if (!t.fresh && st.cpu_ticks >= t.last_ticks) s.cpu_ticks += st.cpu_ticks - t.last_ticks;
      t.last_ticks = st.cpu_ticks;
      t.fresh = false;
      rss_pages += st.rss_pages;
      ++procs;
    }
    s.all_gone = procs == 0 && !s.pids.empty();
    o.v[slot(Svc::Procs)] = procs;
    o.v[slot(Svc::RssBytes)] = rss_pages * m.page_size;
    o.v[slot(Svc::CpuMs)] = s.cpu_ticks * 1000 / m.clk_tck;
    o.has[slot(Svc::Procs)] = o.has[slot(Svc::RssBytes)] = o.has[slot(Svc::CpuMs)] = true;
  }

  // Sockets on the services' ports.
  if (!m.any_ports) return;
  stats_.sockets = 0;
  FileStats& sf = fs(File::Sockets);
  bool tcp_read = false, udp_read = false;
  for (std::size_t k = 0; k < 4; ++k) {
    const bool tcp = k < 2;
    Impl::Path& p = m.sockets[k];
    if (p.retry > mono) continue;
    ReadResult r = m.stream_lines(p.path.c_str(), sf, [&](std::string_view line) {
      SocketLine sl;
      ++stats_.sockets;
      if (!parse_socket_line(line, sl, sf.parse)) return;
      const std::uint8_t owner = m.port_owner[sl.port];
      if (owner == 0) return;
      RawSample::Service& o = out.services[owner - 1];
      if (tcp) {
        if (sl.state == kTcpEstablished) ++o.v[slot(Svc::Connections)];
        if (sl.state == kTcpListen) o.v[slot(Svc::AcceptQueue)] += sl.rx_queue;
      } else {
        o.v[slot(Svc::UdpRxQueue)] += sl.rx_queue;
        if (sl.has_drops) o.v[slot(Svc::UdpDrops)] += sl.drops;
      }
    });
    if (r == ReadResult::Absent) {
      p.retry = mono + rescan;  // IPv6 off: no tcp6/udp6
    } else if (r == ReadResult::Error) {
      ++sf.errors;
    } else {
      (tcp ? tcp_read : udp_read) = true;
    }
  }
  for (std::size_t i = 0; i < m.services.size(); ++i) {
    if (options_.services[i].ports.empty()) continue;
    RawSample::Service& o = out.services[i];
    o.has[slot(Svc::Connections)] = o.has[slot(Svc::AcceptQueue)] = tcp_read;
    o.has[slot(Svc::UdpRxQueue)] = o.has[slot(Svc::UdpDrops)] = udp_read;
  }
}

}  // namespace bannin::probe::kpi
