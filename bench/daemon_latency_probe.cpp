// daemon_latency_probe: the measuring half of bench/daemon_latency.sh (a benchmark, not a
// test). Runs inside the namespace where `bannin run` enforces, and
//   - a writer thread appends harmless access-log lines to LOG at RATE lines/s (batches
//     every 10 ms, on an absolute schedule, so a late tick catches up);
//   - the main thread COUNT times appends, in one write(), three failed logins from a fresh
//     source address (the rule test.login_guess of tests/fixtures/daemon/every_path.yaml
//     denies it), and waits for that address to appear in bannin's set: it listens to the
//     kernel's nf_tables notifications (netlink group NFNLGRP_NFTABLES; the kernel sends a
//     NEWSETELEM message for every element a transaction adds, when it commits), so nothing
//     polls. The latency is from just before the write() to the wakeup on the notification:
//     CLOCK_MONOTONIC, nanosecond resolution; accuracy is this thread's wakeup delay
//     (microseconds idle, up to a few ms on a busy 2-core machine).
// Prints p50/p90/p99/max, misses, the background rate achieved and, from /proc/PID, the
// daemon's CPU use and RSS over the measured interval.
//
// Usage: daemon_latency_probe LOG PID TABLE [RATE=100000] [COUNT=1000] [WARMUP_S=3]
//                            [GAP_MS=20]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <bannin/act/nftables/nft_netlink.h>

namespace {

using Clock = std::chrono::steady_clock;
namespace nl = bannin::act::nft::detail;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Combined-log timestamp of now, "[25/Nov/2026:10:00:00 +0000]".
std::string clf_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
  return buf;
}

bool write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// The background writer: GETs of static files from 64 addresses of 203.0.113.0/24.
struct Writer {
  std::string path;
  double rate = 100000;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> written{0};

  void run() {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
      std::perror("writer: open");
      return;
    }
    const auto start = Clock::now();
    std::uint64_t done = 0;
    std::string buf;
    std::uint64_t n = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      auto due = static_cast<std::uint64_t>(elapsed * rate);
      // After a stall, catch up by at most half a second of lines at once.
      if (due > done + static_cast<std::uint64_t>(rate / 2)) {
        done = due - static_cast<std::uint64_t>(rate / 2);
      }
      if (due > done) {
        const std::string ts = clf_now();
        buf.clear();
        for (std::uint64_t i = done; i < due; ++i, ++n) {
          char line[256];
          int len = std::snprintf(
              line, sizeof line,
              "203.0.113.%u - - %s \"GET /static/app-%u.css HTTP/1.1\" 200 5120 \"-\" "
              "\"Mozilla/5.0 bench\"\n",
              static_cast<unsigned>(n % 64 + 1), ts.c_str(), static_cast<unsigned>(n % 97));
          buf.append(line, static_cast<std::size_t>(len));
        }
        if (!write_all(fd, buf)) break;
        written.fetch_add(due - done, std::memory_order_relaxed);
        done = due;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::close(fd);
  }
};

// CPU seconds (user + system) of PID so far, or -1.
double cpu_seconds(long pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto p = s.rfind(')');
  if (p == std::string::npos) return -1;
  std::istringstream in(s.substr(p + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// "VmRSS" / "VmHWM" of PID in MB, or -1.
double status_mb(long pid, const std::string& key) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::atof(line.c_str() + key.size() + 1) / 1024.0;
  }
  return -1;
}

// The nf_tables notification socket.
int open_monitor() {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) return -1;
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  int group = NFNLGRP_NFTABLES;
  if (::setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0) return -1;
  int size = 8 << 20;
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  return fd;
}

// The IPv4 keys of NEWSETELEM notifications for TABLE/v4_addr in one datagram.
void new_v4_elements(const char* buf, std::size_t len, std::string_view table,
                     std::vector<std::uint32_t>& out) {
  for (auto* h = reinterpret_cast<const nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
    if (h->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM)) continue;
    std::string_view t, set;
    std::vector<std::uint32_t> keys;
    nl::for_each_msg_attr(h, [&](const nl::Attr& a) {
      if (a.type == NFTA_SET_ELEM_LIST_TABLE) t = nl::attr_string(a);
      if (a.type == NFTA_SET_ELEM_LIST_SET) set = nl::attr_string(a);
      if (a.type != NFTA_SET_ELEM_LIST_ELEMENTS) return;
      nl::for_each_attr(a.data, a.len, [&](const nl::Attr& elem) {
        nl::for_each_attr(elem.data, elem.len, [&](const nl::Attr& e) {
          if (e.type != NFTA_SET_ELEM_KEY) return;
          nl::for_each_attr(e.data, e.len, [&](const nl::Attr& v) {
            if (v.type == NFTA_DATA_VALUE && v.len == 4) {
              std::uint32_t k = 0;
              std::memcpy(&k, v.data, 4);
              keys.push_back(ntohl(k));
            }
          });
        });
      });
    });
    if (t == table && set == "v4_addr") out.insert(out.end(), keys.begin(), keys.end());
  }
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: %s LOG PID TABLE [RATE=100000] [COUNT=1000] [WARMUP_S=3] [GAP_MS=20]\n",
                 argv[0]);
    return 2;
  }
  const std::string log = argv[1];
  const long pid = std::atol(argv[2]);
  const std::string table = argv[3];
  const double rate = argc > 4 ? std::atof(argv[4]) : 100000;
  const int count = argc > 5 ? std::atoi(argv[5]) : 1000;
  const double warmup_s = argc > 6 ? std::atof(argv[6]) : 3;
  const int gap_ms = argc > 7 ? std::atoi(argv[7]) : 20;

  int mon = open_monitor();
  if (mon < 0) {
    std::perror("netlink monitor (root, inside the namespace)");
    return 2;
  }
  int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    std::perror("open log");
    return 2;
  }

  Writer writer;
  writer.path = log;
  writer.rate = rate;
  std::thread wt;
  if (rate > 0) wt = std::thread([&] { writer.run(); });
  std::this_thread::sleep_for(std::chrono::duration<double>(warmup_s));

  const double cpu0 = cpu_seconds(pid);
  const std::uint64_t lines0 = writer.written.load();
  const auto t_start = Clock::now();
  std::vector<double> lat;
  int missed = 0;
  std::vector<char> rbuf(1 << 16);
  std::vector<std::uint32_t> keys;
  for (int i = 0; i < count; ++i) {
    // 10.100.0.9, 10.100.1.9, …: a fresh address in a /24 of its own each time.
    const std::uint32_t addr = (10U << 24) | ((100U + (static_cast<unsigned>(i) >> 8)) << 16) |
                               ((static_cast<unsigned>(i) & 255U) << 8) | 9U;
    char ip[32];
    std::snprintf(ip, sizeof ip, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255,
                  addr & 255);
    const std::string ts = clf_now();
    std::string lines;
    for (int k = 0; k < 3; ++k) {
      lines += std::string(ip) + " - - " + ts +
               " \"POST /login HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0 guesser\"\n";
    }
    const auto t0 = Clock::now();
    if (!write_all(fd, lines)) {
      std::perror("write");
      return 2;
    }
    bool seen = false;
    const auto deadline = t0 + std::chrono::seconds(5);
    while (!seen) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      pollfd p{mon, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count()) + 1) <= 0) continue;
      ssize_t n = ::recv(mon, rbuf.data(), rbuf.size(), 0);
      const auto t1 = Clock::now();
      if (n <= 0) continue;  // ENOBUFS: notifications lost; keep waiting for ours
      keys.clear();
      new_v4_elements(rbuf.data(), static_cast<std::size_t>(n), table, keys);
      if (std::find(keys.begin(), keys.end(), addr) != keys.end()) {
        lat.push_back(ms_between(t0, t1));
        seen = true;
      }
    }
    if (!seen) ++missed;
    std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
  }
  const auto t_end = Clock::now();
  const double wall = std::chrono::duration<double>(t_end - t_start).count();
  const double cpu1 = cpu_seconds(pid);
  const std::uint64_t lines1 = writer.written.load();
  const double rss = status_mb(pid, "VmRSS"), hwm = status_mb(pid, "VmHWM");
  writer.stop = true;
  if (wt.joinable()) wt.join();

  std::printf("triggers            %d (missed within 5 s: %d)\n", count, missed);
  std::printf("latency ms          p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  (min %.2f)\n",
              pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 100), pct(lat, 0));
  std::printf("background lines/s  %.0f achieved (asked %.0f) over %.1f s\n",
              static_cast<double>(lines1 - lines0) / wall, rate, wall);
  std::printf("daemon cpu          %.1f %% of one core (%.2f s over %.1f s)\n",
              100.0 * (cpu1 - cpu0) / wall, cpu1 - cpu0, wall);
  std::printf("daemon rss          %.1f MB now, %.1f MB peak\n", rss, hwm);
  std::printf(
      "{\"type\":\"latency\",\"count\":%d,\"missed\":%d,\"p50_ms\":%.3f,\"p90_ms\":%.3f,"
      "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"lines_per_s\":%.0f,\"cpu_pct\":%.1f,"
      "\"rss_mb\":%.1f,\"hwm_mb\":%.1f}\n",
      count, missed, pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 100),
      static_cast<double>(lines1 - lines0) / wall, 100.0 * (cpu1 - cpu0) / wall, rss, hwm);
  ::close(fd);
  ::close(mon);
  return missed == 0 ? 0 : 1;
}
