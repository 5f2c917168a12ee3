// The KPI probe's reading side on a real directory tree shaped like /proc (the captured
// Linux 6.18 files, with counters changed between samples): ProcSampler finds a service's
// processes by pid file and by name with their children, reads their CPU and memory, its
// sockets by port; RateComputer turns counters into per-second rates and handles resets,
// 32-bit wraps and falling sums; events carry metric, value, host and service.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include <bannin/probe/kpi/proc_sampler.h>
#include <bannin/probe/kpi/sample.h>

namespace bannin::probe::kpi {
namespace {

namespace fs = std::filesystem;
constexpr core::TimeNs kSec = core::kNsPerSec;

std::string read_fixture(const std::string& rel) {
  std::ifstream f(std::string(BANNIN_FIXTURES) + "/proc/linux-6.18/" + rel, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string stat_line(int pid, const std::string& comm, int ppid, std::uint64_t utime,
                      std::uint64_t start, std::uint64_t rss) {
  return std::to_string(pid) + " (" + comm + ") S " + std::to_string(ppid) +
         " 1 1 0 -1 4194560 10 0 0 0 " + std::to_string(utime) + " 0 0 0 20 0 1 0 " +
         std::to_string(start) + " 1000 " + std::to_string(rss) + " 0 0 0\n";
}

std::string snmp(std::uint64_t rcvbuf, std::uint64_t in) {
  return "Tcp: RtoAlgorithm ActiveOpens PassiveOpens CurrEstab\nTcp: 1 10 20 3\n"
         "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\n"
         "Udp: " +
         std::to_string(in) + " 0 " + std::to_string(rcvbuf) + " 0 " + std::to_string(rcvbuf) +
         " 0\n";
}

class KpiSampler : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("bannin_kpi_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    for (const char* f : {"netstat", "snmp6", "sockstat", "sockstat6", "udp", "udp6", "tcp"}) {
      write(root_ / "net" / f, read_fixture(std::string("net/") + f));
    }
    write(root_ / "net/snmp", snmp(100, 1000));
    write(root_ / "meminfo", read_fixture("meminfo"));
    write(root_ / "net/stat/nf_conntrack",
          "entries drop early_drop insert_failed\n00000064 0 0 0\n00000064 0 0 0\n");
    write(root_ / "sys/net/netfilter/nf_conntrack_max", "1000\n");
    // dns: pid 100 (from its pid file) and its child 101; other: found by name (pid 200).
    write(root_ / "100/stat", stat_line(100, "unbound", 1, 100, 5000, 1000));
    write(root_ / "101/stat", stat_line(101, "unbound-worker", 100, 50, 5001, 500));
    write(root_ / "200/stat", stat_line(200, "other", 1, 10, 6000, 10));
    write(root_ / "300/stat", stat_line(300, "unrelated", 1, 10, 6000, 10));
    write(root_ / "run/unbound.pid", "100\n");
  }
  void TearDown() override { fs::remove_all(root_); }

  SamplerOptions options() const {
    SamplerOptions o;
    o.proc_root = root_.string();
    o.host_root = root_.string();
    ServiceSpec dns;
    dns.name = "dns";
    dns.pid_file = (root_ / "run/unbound.pid").string();
    dns.ports = {5353, 8053};
    ServiceSpec other;
    other.name = "other";
    other.process = "other";
    o.services = {dns, other};
    return o;
  }

  fs::path root_;
};

std::int64_t sys(const Sample& s, Sys m) {
  return s.has[static_cast<std::size_t>(m)] ? s.sys[static_cast<std::size_t>(m)] : -1;
}
std::int64_t svc(const Sample& s, std::size_t k, Svc m) {
  return s.services[k].has[static_cast<std::size_t>(m)]
             ? s.services[k].v[static_cast<std::size_t>(m)]
             : -1;
}

TEST_F(KpiSampler, CountersBecomeRatesAndServicesAreFound) {
  ProcSampler sampler(options());
  RateComputer rates(2);
  RawSample raw = sampler.make_raw();
  Sample s = rates.make_sample();
  const long tck = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);

  sampler.read(raw, 1000 * kSec, 10 * kSec);
  rates.update(raw, s);
  // First reading: gauges only (no rate without a previous reading).
  EXPECT_EQ(sys(s, Sys::UdpRcvbufErrors), -1);
  EXPECT_EQ(sys(s, Sys::TcpCurrEstab), 3);
  EXPECT_EQ(sys(s, Sys::ConntrackCount), 100);
  EXPECT_EQ(sys(s, Sys::ConntrackMax), 1000);
  EXPECT_EQ(sys(s, Sys::ConntrackFillPermille), 100);
  EXPECT_GT(sys(s, Sys::MemAvailableBytes), 0);
  EXPECT_EQ(sys(s, Sys::PsiCpuSomeAvg10), -1);  // no pressure/ in this tree
  EXPECT_TRUE(sampler.stats().files[static_cast<std::size_t>(File::Pressure)].absent);
  EXPECT_EQ(svc(s, 0, Svc::Procs), 2);  // 100 and its child 101
  EXPECT_EQ(svc(s, 0, Svc::RssBytes), 1500 * page);
  EXPECT_EQ(svc(s, 1, Svc::Procs), 1);
  EXPECT_EQ(svc(s, 0, Svc::UdpRxQueue), 0x680);  // 127.0.0.1:5353 in net/udp
  EXPECT_EQ(svc(s, 0, Svc::Connections), 1);     // 8053 established (server side)
  EXPECT_EQ(svc(s, 0, Svc::AcceptQueue), 1);     // one waiting on the 8053 listener
  EXPECT_EQ(svc(s, 1, Svc::Connections), -1);    // no ports, no socket values

  // Two seconds later: 600 more receive-buffer drops, the processes used CPU.
  write(root_ / "net/snmp", snmp(700, 3000));
  write(root_ / "100/stat", stat_line(100, "unbound", 1, 100 + 2 * tck, 5000, 1000));
  write(root_ / "101/stat", stat_line(101, "unbound-worker", 100, 50 + tck, 5001, 500));
  sampler.read(raw, 1002 * kSec, 12 * kSec);
  rates.update(raw, s);
  EXPECT_EQ(s.ts, 1002 * kSec);
  EXPECT_EQ(sys(s, Sys::UdpRcvbufErrors), 300);
  EXPECT_EQ(sys(s, Sys::UdpInErrors), 300);
  EXPECT_EQ(sys(s, Sys::UdpInDatagrams), 1000);
  EXPECT_EQ(svc(s, 0, Svc::CpuMs), 1500);  // 3 s of CPU in 2 s: 1.5 cores
  EXPECT_EQ(svc(s, 0, Svc::UdpDrops), 0);  // the socket's 198 drops did not change

  // The namespace was re-created: counters start again from 0 (reset, not a huge rate).
  write(root_ / "net/snmp", snmp(50, 10));
  sampler.read(raw, 1003 * kSec, 13 * kSec);
  rates.update(raw, s);
  EXPECT_EQ(sys(s, Sys::UdpRcvbufErrors), 50);
  EXPECT_EQ(rates.stats().resets, 3u);  // RcvbufErrors, InErrors, InDatagrams

  // The child ends: one process left, its CPU not counted as negative.
  fs::remove_all(root_ / "101");
  write(root_ / "100/stat", stat_line(100, "unbound", 1, 100 + 3 * tck, 5000, 1000));
  sampler.read(raw, 1004 * kSec, 14 * kSec);
  rates.update(raw, s);
  EXPECT_EQ(svc(s, 0, Svc::Procs), 1);
  EXPECT_EQ(svc(s, 0, Svc::CpuMs), 1000);

  // The service restarts under a new pid (its pid file says so): the whole set is gone, so
  // the next sample scans again and finds it; the new process's past CPU is not counted.
  fs::remove_all(root_ / "100");
  write(root_ / "150/stat", stat_line(150, "unbound", 1, 9999, 7000, 800));
  write(root_ / "run/unbound.pid", "150\n");
  sampler.read(raw, 1005 * kSec, 15 * kSec);
  rates.update(raw, s);
  EXPECT_EQ(svc(s, 0, Svc::Procs), 0);
  sampler.read(raw, 1006 * kSec, 16 * kSec);
  rates.update(raw, s);
  EXPECT_EQ(svc(s, 0, Svc::Procs), 1);
  EXPECT_EQ(svc(s, 0, Svc::RssBytes), 800 * page);
  EXPECT_EQ(svc(s, 0, Svc::CpuMs), 0);
  EXPECT_GE(sampler.stats().scans, 2u);
}

TEST_F(KpiSampler, ProblemsAreCountedNotFatal) {
  ProcSampler sampler(options());
  RawSample raw = sampler.make_raw();
  write(root_ / "net/snmp", "Udp: InDatagrams RcvbufErrors\nUdp: 1\n");  // a value short
  write(root_ / "200/stat", "200 (other S\n");                           // no ')'
  sampler.read(raw, kSec, kSec);
  const auto& st = sampler.stats();
  EXPECT_GE(st.files[static_cast<std::size_t>(File::Snmp)].parse.total_rejects(), 1u);
  EXPECT_FALSE(raw.has[static_cast<std::size_t>(Sys::UdpRcvbufErrors)]);
  EXPECT_TRUE(raw.has[static_cast<std::size_t>(Sys::TcpListenOverflows)]);  // netstat still read
  EXPECT_EQ(raw.services[1].v[static_cast<std::size_t>(Svc::Procs)], 0u);
  // A proc_root that does not exist: every network file absent, nothing thrown.
  SamplerOptions o = options();
  o.proc_root = (root_ / "nope").string();
  ProcSampler gone(o);
  RawSample r2 = gone.make_raw();
  gone.read(r2, kSec, kSec);
  EXPECT_TRUE(gone.stats().files[static_cast<std::size_t>(File::Snmp)].absent);
  EXPECT_FALSE(r2.has[static_cast<std::size_t>(Sys::UdpInDatagrams)]);
}

TEST(KpiRates, ResetsWrapsAndDrops) {
  Step s = Step::Normal;
  EXPECT_EQ(counter_rate(100, 300, 2 * kSec, false, s), 100);
  EXPECT_EQ(s, Step::Normal);
  EXPECT_EQ(counter_rate(100, 101, kSec / 2, false, s), 2);  // per second, not per interval
  EXPECT_EQ(counter_rate(1000, 40, kSec, false, s), 40);     // reset: the new value
  EXPECT_EQ(s, Step::Reset);
  EXPECT_EQ(counter_rate(4294967290ULL, 4, kSec, false, s), 10);  // 32-bit wrap
  EXPECT_EQ(s, Step::Wrap);
  EXPECT_EQ(counter_rate(500, 20, kSec, true, s), 0);  // a sum whose member ended
  EXPECT_EQ(s, Step::Drop);
  EXPECT_EQ(counter_rate(5, 10, 0, false, s), 0);                  // no time passed: no rate
  EXPECT_EQ(counter_rate(0, UINT64_MAX, 1, false, s), INT64_MAX);  // saturates
}

TEST(KpiEvents, OneEventPerValue) {
  Sample s;
  s.ts = 42 * kSec;
  s.services.resize(1);
  s.has[static_cast<std::size_t>(Sys::UdpRcvbufErrors)] = true;
  s.sys[static_cast<std::size_t>(Sys::UdpRcvbufErrors)] = 1234;
  s.services[0].has[static_cast<std::size_t>(Svc::UdpDrops)] = true;
  s.services[0].v[static_cast<std::size_t>(Svc::UdpDrops)] = 77;
  const std::vector<std::string> names = {"unbound"};
  model::Event ev;
  std::map<std::string, std::pair<std::int64_t, std::string>> got;
  for_each_event(s, names, "host1", ev, [&](const model::Event& e) {
    EXPECT_EQ(e.kind(), model::EventKind::KpiSample);
    EXPECT_EQ(e.ts(), 42 * kSec);
    EXPECT_EQ(e.str(model::Field::Host), "host1");
    got[std::string(e.str(model::Field::Metric))] = {e.get(model::Field::Value)->i,
                                                     std::string(e.str(model::Field::Service))};
  });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got["udp.rcvbuf_errors"].first, 1234);
  EXPECT_EQ(got["udp.rcvbuf_errors"].second, "");
  EXPECT_EQ(got["service.udp_drops"].first, 77);
  EXPECT_EQ(got["service.udp_drops"].second, "unbound");
}

TEST(KpiMetrics, NamesAreUniqueAndDotted) {
  std::map<std::string_view, int> seen;
  for (const auto& m : sys_metrics()) ++seen[m.name];
  for (const auto& m : svc_metrics()) ++seen[m.name];
  for (const auto& [name, n] : seen) {
    EXPECT_EQ(n, 1) << name;
    EXPECT_NE(name.find('.'), std::string_view::npos) << name;
    EXPECT_EQ(name.find('/'), std::string_view::npos) << name;
  }
  for (const auto& m : svc_metrics()) EXPECT_EQ(m.name.substr(0, 8), "service.") << m.name;
}

}  // namespace
}  // namespace bannin::probe::kpi
