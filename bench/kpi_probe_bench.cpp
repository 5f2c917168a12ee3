// The KPI probe's cost per sample (issue 16 "Speed": the 1 s probe with 20 services costs
// ≤ 1 % of one core and allocates nothing per sample after warm-up). A benchmark: it prints
// numbers, asserts nothing. Run by bench/kpi_probe.sh.
//
// Usage: bench_kpi [SAMPLES=3000] [SERVICES=20] [PORTS=1]  (PORTS=0: services without ports,
// so the socket tables are not read)
//
// It starts SERVICES child processes (each holding a UDP socket and a TCP listener on
// loopback, found by its pid file, children counted), then measures, in alternating blocks
// of the same run (the best block of each counts, so a busy neighbour costs both alike):
//   reference  open + read + close of /proc/net/snmp and its parse: the least a probe reads;
//   sample     ProcSampler::read (every platform file, the services' stat files, the socket
//              tables, a process scan every 10 s of sample time) + RateComputer::update +
//              every value into a SeriesStore — what the daemon's KPI thread does a second.
// CPU time comes from CLOCK_PROCESS_CPUTIME_ID (one thread runs). Allocations are counted by
// a replaced operator new, over the samples after the first 20.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bannin/probe/kpi/proc_parse.h>
#include <bannin/probe/kpi/proc_sampler.h>
#include <bannin/probe/kpi/sample.h>
#include <bannin/probe/kpi/series_store.h>

namespace {
std::atomic<std::uint64_t> g_allocs{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;  // NOLINT(cppcoreguidelines-no-malloc)
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);  // NOLINT(cppcoreguidelines-no-malloc)
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);  // NOLINT(cppcoreguidelines-no-malloc)
}

namespace {

namespace pk = bannin::probe::kpi;
using bannin::core::TimeNs;

TimeNs cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<TimeNs>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::uint16_t bound_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// A child that holds a UDP socket and a TCP listener on 127.0.0.1 and waits to be killed.
pid_t spawn_service(std::uint16_t& udp_port, std::uint16_t& tcp_port) {
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  int t = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a);
  bind(t, reinterpret_cast<sockaddr*>(&a), sizeof a);
  listen(t, 16);
  udp_port = bound_port(u);
  tcp_port = bound_port(t);
  pid_t pid = fork();
  if (pid == 0) {
    for (;;) pause();
  }
  close(u);
  close(t);
  return pid;
}

}  // namespace

int main(int argc, char** argv) {
  const int samples = argc > 1 ? std::max(100, std::atoi(argv[1]))
                               : 3000;  // banned-call-ok: a benchmark's argument
  const int nsvc =
      argc > 2 ? std::max(0, std::atoi(argv[2])) : 20;  // banned-call-ok: a benchmark's argument
  const bool ports =
      argc > 3 ? std::atoi(argv[3]) != 0 : true;  // banned-call-ok: a benchmark's argument
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("bannin_kpi_bench_" + std::to_string(getpid()));
  fs::create_directories(dir);

  pk::SamplerOptions opt;
  std::vector<pid_t> kids;
  for (int i = 0; i < nsvc; ++i) {
    std::uint16_t up = 0, tp = 0;
    pid_t pid = spawn_service(up, tp);
    kids.push_back(pid);
    const fs::path pf = dir / ("svc" + std::to_string(i) + ".pid");
    std::ofstream(pf) << pid << "\n";
    pk::ServiceSpec s;
    s.name = "svc" + std::to_string(i);
    s.pid_file = pf.string();
    if (ports) s.ports = {up, tp};
    opt.services.push_back(s);
  }

  pk::ProcSampler sampler(opt);
  pk::RateComputer rates(opt.services.size());
  pk::RawSample raw = sampler.make_raw();
  pk::Sample out = rates.make_sample();
  pk::SeriesStore series;
  std::vector<int> sys_ids(pk::kSysCount, -2), svc_ids(opt.services.size() * pk::kSvcCount, -2);
  TimeNs mono = 1'000'000'000, wall = 1'800'000'000LL * 1'000'000'000;
  auto one_sample = [&] {
    sampler.read(raw, wall, mono);
    rates.update(raw, out);
    for (std::size_t i = 0; i < pk::kSysCount; ++i) {
      if (sys_ids[i] == -2 && out.has[i]) sys_ids[i] = series.id(pk::sys_metrics()[i].name);
      if (sys_ids[i] >= 0) series.add(sys_ids[i], out.ts, out.has[i] ? out.sys[i] : NAN);
    }
    for (std::size_t k = 0; k < out.services.size(); ++k) {
      for (std::size_t i = 0; i < pk::kSvcCount; ++i) {
        int& id = svc_ids[k * pk::kSvcCount + i];
        if (id == -2 && out.services[k].has[i]) {
          id = series.id(std::string(pk::svc_metrics()[i].name) + "/" + opt.services[k].name);
        }
        if (id >= 0) series.add(id, out.ts, static_cast<double>(out.services[k].v[i]));
      }
    }
    mono += 1'000'000'000;  // one second of sample time: a process scan every 10 samples
    wall += 1'000'000'000;
  };
  std::vector<char> buf(64 * 1024);
  constexpr pk::Want kSnmp[] = {
      {"Udp", "InDatagrams", 0}, {"Udp", "RcvbufErrors", 1}, {"Udp", "InErrors", 2}};
  std::uint64_t v[3] = {};
  bool has[3] = {};
  pk::ParseCounts counts;
  auto reference = [&] {
    int fd = open("/proc/net/snmp", O_RDONLY | O_CLOEXEC);
    ssize_t n = read(fd, buf.data(), buf.size());
    close(fd);
    pk::parse_pair_table(std::string_view(buf.data(), n > 0 ? static_cast<std::size_t>(n) : 0),
                         kSnmp, pk::Slots{std::span<std::uint64_t>(v), std::span<bool>(has)},
                         counts);
  };

  for (int i = 0; i < 20; ++i) one_sample();  // warm-up: series registered, buffers sized
  const std::uint64_t allocs0 = g_allocs.load();
  int done = 0;
  double best_ref = 1e18, best_sample = 1e18;
  const int block = std::max(10, samples / 10);
  while (done < samples) {
    TimeNs t0 = cpu_now();
    for (int i = 0; i < block; ++i) reference();
    TimeNs t1 = cpu_now();
    const std::uint64_t a0 = g_allocs.load();
    for (int i = 0; i < block; ++i) one_sample();
    TimeNs t2 = cpu_now();
    (void)a0;
    best_ref = std::min(best_ref, static_cast<double>(t1 - t0) / block);
    best_sample = std::min(best_sample, static_cast<double>(t2 - t1) / block);
    done += block;
  }
  const std::uint64_t allocs = g_allocs.load() - allocs0;
  const auto& st = sampler.stats();
  std::printf("kpi probe, %d services%s, %d samples (best of %d blocks), same run:\n", nsvc,
              ports ? " with ports" : " without ports", done, done / block);
  std::printf("  reference: read+parse /proc/net/snmp   %8.1f us CPU\n", best_ref / 1e3);
  std::printf("  one sample (read, rates, series)      %8.1f us CPU  = %.1fx the reference\n",
              best_sample / 1e3, best_sample / best_ref);
  std::printf("  at one sample a second: %.3f %% of one core\n", best_sample / 1e9 * 100);
  std::printf("  allocations after warm-up: %llu in %d samples (%.3f per sample)\n",
              static_cast<unsigned long long>(allocs), done, static_cast<double>(allocs) / done);
  std::printf("  process scans %llu, sockets in the last sample %llu, series %zu\n",
              static_cast<unsigned long long>(st.scans),
              static_cast<unsigned long long>(st.sockets), series.stats().series);
  for (pid_t k : kids) kill(k, SIGKILL);
  for (pid_t k : kids) waitpid(k, nullptr, 0);
  fs::remove_all(dir);
  return 0;
}
