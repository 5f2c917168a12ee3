// The process probe (probe/process/): the /proc parsers on captured text, the flags on
// ProcessInfo values, and real processes this test starts — a script run from an "upload"
// directory, an executable deleted after it started, a process named like a kernel thread —
// with a SIGSTOP/SIGCONT round trip.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bannin/probe/process/proc_parse.h>
#include <bannin/probe/process/process_scan.h>

namespace bannin::probe::process {
namespace {

namespace fs = std::filesystem;

TEST(ProcParse, StatWithAwkwardNames) {
  auto st = parse_stat(
      "1234 (php-fpm: pool (x)) S 77 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 "
      "10000 100\n");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->pid, 1234);
  EXPECT_EQ(st->comm, "php-fpm: pool (x)");
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(st->ppid, 77);
  EXPECT_EQ(st->utime, 5u);
  EXPECT_EQ(st->stime, 3u);
  EXPECT_EQ(st->start_ticks, 987654u);
  EXPECT_FALSE(parse_stat(""));
  EXPECT_FALSE(parse_stat("12 (x"));
  EXPECT_FALSE(parse_stat("12 (x) S 1 2 3"));  // cut short
  EXPECT_FALSE(parse_stat("x (y) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19"));
}

TEST(ProcParse, StatusCmdlineAndSocketTables) {
  EXPECT_EQ(parse_status_uid("Name:\tphp\nUid:\t1001\t1001\t1001\t1001\n"), 1001);
  EXPECT_FALSE(parse_status_uid("Name:\tphp\n"));
  EXPECT_FALSE(parse_status_uid("Uid:\tx\n"));
  auto argv = parse_cmdline(std::string("php\0/w/x.php\0--a\0", 17));
  EXPECT_EQ(argv, (std::vector<std::string>{"php", "/w/x.php", "--a"}));
  EXPECT_TRUE(parse_cmdline("").empty());
  EXPECT_EQ(parse_cmdline(std::string(10000, 'a')).front().size(), 4096u);
  const char* tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
      "inode\n"
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 "
      "12345 1 0000000000000000 100 0 0 10 0\n"
      "   1: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 "
      "555 1\n"
      "garbage\n";
  auto l = parse_listen_sockets(tcp, false);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].port, 8080);
  EXPECT_EQ(l[0].inode, 12345u);
  EXPECT_TRUE(parse_listen_sockets(tcp, true).empty());
}

TEST(ProcessFlags, EachFlagAndTheUidFloor) {
  FlagOptions o;
  ProcessInfo p;
  p.uid = 1001;
  p.comm = "php";
  p.exe = "/usr/bin/php8.2";
  p.cwd = "/var/www/s";
  p.argv = {"php", "wp-content/uploads/x.php", "arg"};
  EXPECT_EQ(process_flags(p, o), std::vector<std::string>{"script_in_writable_dir"});
  p.argv = {"php", "index.php"};
  EXPECT_TRUE(process_flags(p, o).empty());
  p.exe = "/tmp/.x/miner (deleted)";
  p.comm = "miner";
  p.argv = {"[kworker/0:1]"};
  p.listen_ports = {31337};
  EXPECT_EQ(process_flags(p, o), (std::vector<std::string>{"exe_deleted", "exe_in_writable_dir",
                                                           "kernel_thread_name", "listening"}));
  p.uid = 33;  // below min_uid: a system daemon, not a hosting account
  EXPECT_TRUE(process_flags(p, o).empty());
}

// A child process that runs `argv` and is killed at the end of the test.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> a;
      for (auto& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      ::execv(a[0], a.data());
      ::_exit(127);
    }
  }
  ~Child() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Waits (bounded) until the process shows what `ok` wants; the last read is returned.
template <typename Ok>
std::optional<ProcessInfo> wait_for(pid_t pid, Ok ok) {
  std::optional<ProcessInfo> p;
  for (int i = 0; i < 200; ++i) {
    p = read_process(pid);
    if (p && ok(*p)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return p;
}

TEST(ProcessProbe, RealProcessesFlagsAndStopContinue) {
  fs::path dir = fs::temp_directory_path() / ("bannin_proc_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "www/wp-content/uploads");
  // A script in an upload directory, run by the shell.
  fs::path script = dir / "www/wp-content/uploads/x.sh";
  std::ofstream(script) << "while :; do sleep 1; done\n";
  Child sh({"/bin/sh", script.string()});
  // A copy of sleep, started, then deleted.
  fs::path exe = dir / "sleeper";
  fs::copy_file("/bin/sleep", exe);
  ::chmod(exe.c_str(), 0755);
  Child deleted({exe.string(), "30"});
  FlagOptions o;
  o.min_uid = 0;  // the test runs as whatever user it is
  auto p1 = wait_for(sh.pid(), [](const ProcessInfo& p) { return p.argv.size() == 2; });
  ASSERT_TRUE(p1);
  EXPECT_EQ(process_flags(*p1, o), std::vector<std::string>{"script_in_writable_dir"});
  auto p2 = wait_for(deleted.pid(), [&](const ProcessInfo& p) { return p.exe == exe.string(); });
  ASSERT_TRUE(p2);
  fs::remove(exe);
  p2 = read_process(deleted.pid());
  ASSERT_TRUE(p2);
  auto f2 = process_flags(*p2, o);
  EXPECT_NE(std::find(f2.begin(), f2.end(), "exe_deleted"), f2.end()) << p2->exe;
  // read_processes lists both (uid floor 0).
  auto all = read_processes(static_cast<std::int64_t>(::getuid()));
  EXPECT_TRUE(
      std::any_of(all.begin(), all.end(), [&](const ProcessInfo& p) { return p.pid == sh.pid(); }));

  // SIGSTOP and SIGCONT, checked against the kernel's state letter.
  ASSERT_TRUE(signal_process(deleted.pid(), p2->start_ticks, true));
  auto stopped = wait_for(deleted.pid(), [](const ProcessInfo& p) { return p.state == 'T'; });
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->state, 'T');
  ASSERT_TRUE(signal_process(deleted.pid(), p2->start_ticks, false));
  auto running = wait_for(deleted.pid(), [](const ProcessInfo& p) { return p.state != 'T'; });
  ASSERT_TRUE(running);
  EXPECT_NE(running->state, 'T');
  // A wrong start time (a reused pid) is never signalled.
  auto wrong = signal_process(deleted.pid(), p2->start_ticks + 1, true);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, "gone");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace bannin::probe::process
