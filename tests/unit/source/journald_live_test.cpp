// JournaldSource against a real systemd-journald. This machine runs no systemd, so the test
// starts its own journald in a private mount namespace: `unshare -m` re-runs this binary with
// only JournaldLiveTest.InsidePrivateNamespace, which mounts a tmpfs over /run (and over
// /var/log/journal when it exists), starts /lib/systemd/systemd-journald with kernel-log
// reading and every forwarding off, writes entries through the native journal socket and
// reads them back. Nothing outside the namespace is touched; the daemon is stopped at the end.
// Skipped without root, unshare, systemd-journald or libsystemd.
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bannin/decode/syslog/syslog_decoder.h>
#include <bannin/model/event.h>
#include <bannin/source/journald_source.h>

extern char** environ;

namespace bannin::source {
namespace {

namespace fs = std::filesystem;
using model::Field;
using namespace std::chrono_literals;

constexpr const char* kInnerEnv = "BANNIN_JOURNALD_LIVE_INNER";

std::string journald_binary() {
  for (const char* p : {"/lib/systemd/systemd-journald", "/usr/lib/systemd/systemd-journald"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return {};
}

// One entry in the native protocol (man systemd.journal-fields, "native protocol"): a value
// holding '\n' is written as NAME '\n' <64-bit LE length> value '\n'.
bool journal_send(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string dgram;
  for (const auto& [k, v] : fields) {
    dgram += k;
    if (v.find('\n') == std::string::npos) {
      dgram += '=' + v + '\n';
    } else {
      dgram += '\n';
      std::uint64_t n = v.size();
      for (int i = 0; i < 8; ++i) dgram.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
      dgram += v + '\n';
    }
  }
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::strcpy(sun.sun_path, "/run/systemd/journal/socket");  // NOLINT: fixed, fits
  ssize_t n =
      ::sendto(fd, dgram.data(), dgram.size(), 0, reinterpret_cast<sockaddr*>(&sun), sizeof sun);
  ::close(fd);
  return n == static_cast<ssize_t>(dgram.size());
}

struct Got {
  std::string line;
  bool truncated;
};

// Reads until `want` records arrived or 5 s passed, max_records per call.
std::vector<Got> collect(JournaldSource& s, std::size_t want, std::size_t max_records,
                         std::vector<std::size_t>* per_call = nullptr) {
  std::vector<Got> out;
  auto until = std::chrono::steady_clock::now() + 5s;
  while (out.size() < want && std::chrono::steady_clock::now() < until) {
    pollfd p{s.fd(), POLLIN, 0};
    if (::poll(&p, 1, 50) != 1) continue;
    std::size_t n = s.read_ready(
        [&](const model::Record& r) {
          out.push_back({std::string(r.bytes), r.truncated});
        },
        max_records);
    if (per_call != nullptr && n > 0) per_call->push_back(n);
  }
  return out;
}

// The part of the test that runs inside the private mount namespace.
TEST(JournaldLiveTest, InsidePrivateNamespace) {
  if (std::getenv(kInnerEnv) == nullptr) GTEST_SKIP() << "run by JournaldLiveTest.RealJournald";
  ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0)
      << std::strerror(errno);
  ASSERT_EQ(::mount("tmpfs", "/run", "tmpfs", 0, "mode=0755"), 0) << std::strerror(errno);
  if (fs::is_directory("/var/log/journal")) {
    ASSERT_EQ(::mount("tmpfs", "/var/log/journal", "tmpfs", 0, "mode=0755"), 0);
  }
  fs::create_directories("/run/systemd/journald.conf.d");
  std::ofstream("/run/systemd/journald.conf.d/bannin-test.conf")
      << "[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToKMsg=no\n"
         "ForwardToConsole=no\nForwardToWall=no\nRateLimitBurst=0\n";

  const std::string bin = journald_binary();
  pid_t pid = 0;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> env_s = {"SYSTEMD_LOG_TARGET=console",
                                    "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  std::vector<char*> env;
  env.reserve(env_s.size() + 1);
  for (auto& e : env_s) env.push_back(e.data());
  env.push_back(nullptr);
  std::string arg0 = bin;
  char* argv[] = {arg0.data(), nullptr};
  ASSERT_EQ(posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv, env.data()), 0);
  posix_spawn_file_actions_destroy(&fa);
  struct Stop {
    pid_t pid;
    ~Stop() {
      ::kill(pid, SIGTERM);
      int st = 0;
      ::waitpid(pid, &st, 0);
    }
  } stop{pid};

  auto until = std::chrono::steady_clock::now() + 10s;
  while (!fs::exists("/run/systemd/journal/socket") && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(fs::exists("/run/systemd/journal/socket")) << "journald did not start";
  // Written before the source opens: a source without a cursor starts at the tail.
  ASSERT_TRUE(journal_send({{"SYSLOG_IDENTIFIER", "sshd"}, {"MESSAGE", "before open"}}));
  auto has_file = [] {
    std::error_code ec;
    for (auto& e : fs::recursive_directory_iterator("/run/log/journal", ec)) {
      if (e.path().extension() == ".journal") return true;
    }
    return false;
  };
  while (!has_file() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(200ms);  // let "before open" be written

  JournaldOptions o;
  o.max_message = 100;
  auto r = JournaldSource::open(o);
  ASSERT_TRUE(r) << r.error().message;
  JournaldSource& s = **r;
  EXPECT_EQ(s.describe(), "journald");
  EXPECT_FALSE(s.cursor().empty());

  ASSERT_TRUE(
      journal_send({{"SYSLOG_IDENTIFIER", "sshd"},
                    {"SYSLOG_PID", "4242"},
                    {"MESSAGE", "Failed password for root from 203.0.113.5 port 52814 ssh2"}}));
  ASSERT_TRUE(journal_send({{"SYSLOG_IDENTIFIER", "app"}, {"MESSAGE", "line one\nline \"two\""}}));
  ASSERT_TRUE(journal_send({{"SYSLOG_IDENTIFIER", "app"}, {"MESSAGE", std::string(300, 'L')}}));
  ASSERT_TRUE(journal_send({{"SYSLOG_IDENTIFIER", "app"}, {"NO_MESSAGE_HERE", "x"}}));
  ASSERT_TRUE(journal_send({{"SYSLOG_IDENTIFIER", "app"}, {"MESSAGE", "last"}}));
  auto got = collect(s, 4, 100);
  ASSERT_EQ(got.size(), 4u);
  for (const Got& g : got) EXPECT_EQ(g.line.find("before open"), std::string::npos);

  decode::syslog::SyslogDecoder dec;
  model::Event ev;
  auto res = dec.decode(got[0].line, ev);
  ASSERT_TRUE(res.ok()) << res.reason << " " << got[0].line;
  EXPECT_EQ(ev.get(Field::SrcIp)->ip.to_string(), "203.0.113.5");
  EXPECT_EQ(ev.str(Field::Program), "sshd");
  EXPECT_EQ(ev.get(Field::Pid)->i, 4242);
  EXPECT_GT(ev.ts(), 0);
  EXPECT_NE(got[0].line.find("\"_HOSTNAME\":\""), std::string::npos) << got[0].line;
  EXPECT_NE(got[1].line.find(R"("MESSAGE":"line one\nline \"two\"")"), std::string::npos)
      << got[1].line;
  EXPECT_TRUE(got[2].truncated);
  EXPECT_NE(got[2].line.find("\"MESSAGE\":\"" + std::string(100, 'L') + "\"}"), std::string::npos);
  EXPECT_NE(got[3].line.find(R"("MESSAGE":"last")"), std::string::npos);
  EXPECT_EQ(s.without_message(), 1u);
  EXPECT_EQ(s.stats().truncated, 1u);
  EXPECT_EQ(s.stats().errors, 0u) << s.stats().last_error;

  // Restart from the stored cursor: only what came after, each entry once, and entries held
  // back by max_records keep fd() readable.
  const std::string cursor = s.cursor();
  r = JournaldSource::open(o);  // the old source is gone
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(
        journal_send({{"SYSLOG_IDENTIFIER", "sshd"},
                      {"MESSAGE", "Invalid user u" + std::to_string(i) + " from 198.51.100." +
                                      std::to_string(i) + " port 22"}}));
  }
  std::this_thread::sleep_for(200ms);
  JournaldOptions resume = o;
  resume.cursor = cursor;
  auto r2 = JournaldSource::open(resume);
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_EQ((*r2)->start_note(), "");
  std::vector<std::size_t> per_call;
  auto again = collect(**r2, 5, 2, &per_call);
  ASSERT_EQ(again.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_NE(again[i].line.find("Invalid user u" + std::to_string(i + 1) + " "), std::string::npos)
        << again[i].line;
  }
  EXPECT_EQ(per_call, (std::vector<std::size_t>{2, 2, 1}));

  resume.cursor = "s=not-a-cursor";
  auto r3 = JournaldSource::open(resume);
  ASSERT_TRUE(r3) << r3.error().message;
  EXPECT_NE((*r3)->start_note().find("starting at the tail"), std::string::npos);
}

TEST(JournaldLiveTest, RealJournald) {
  if (std::getenv(kInnerEnv) != nullptr) GTEST_SKIP();
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a private mount namespace";
  if (journald_binary().empty()) GTEST_SKIP() << "no systemd-journald binary";
  if (::access("/usr/bin/unshare", X_OK) != 0) GTEST_SKIP() << "no unshare";
  void* h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) GTEST_SKIP() << "no libsystemd.so.0";
  dlclose(h);
  std::string self = fs::read_symlink("/proc/self/exe").string();
  std::string cmd = std::string(kInnerEnv) + "=1 /usr/bin/unshare -m --propagation private '" +
                    self + "' --gtest_filter=JournaldLiveTest.InsidePrivateNamespace 2>&1";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int st = ::pclose(p);
  if (out.find("unshare failed") != std::string::npos) GTEST_SKIP() << out;
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << out;
  EXPECT_NE(out.find("[  PASSED  ] 1 test."), std::string::npos) << out;
  EXPECT_EQ(out.find("SKIPPED"), std::string::npos) << out;
}

}  // namespace
}  // namespace bannin::source
