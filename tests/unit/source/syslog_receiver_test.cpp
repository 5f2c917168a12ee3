// SyslogReceiver on real sockets: UDP on 127.0.0.1 and ::1 (port 0, the bound port read back),
// a unix datagram socket in a temp dir. Byte-exact RFC 3164 / 5424 datagrams, multi-message
// datagrams, stripping, empty and oversize datagrams, max_records with the rest still
// signalled on fd(), kernel drops in a burst against a tiny receive buffer, stale and live
// socket files, and the text of listen errors.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <bannin/source/poll_support.h>
#include <bannin/source/syslog_receiver.h>

namespace bannin::source {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

struct Got {
  std::string bytes;
  std::string origin;
  std::uint64_t line_no;
  std::uint64_t offset;
  core::TimeNs received;
  std::uint32_t source_id;
  bool truncated;
};

bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

// One read_ready call into out; returns what it returned.
std::size_t read_once(PollSource& src, std::vector<Got>& out, std::size_t max_records) {
  return src.read_ready(
      [&](const model::Record& r) {
        out.push_back({std::string(r.bytes), std::string(r.origin), r.line_no, r.offset, r.received,
                       r.source_id, r.truncated});
      },
      max_records);
}

// Waits for fd() and reads until `want` records arrived or 2 s passed.
std::vector<Got> collect(PollSource& src, std::size_t want, std::size_t max_records = 64) {
  std::vector<Got> out;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (out.size() < want && std::chrono::steady_clock::now() < until) {
    if (readable(src.fd(), 50)) read_once(src, out, max_records);
  }
  return out;
}

// Reads everything there is now (socket drained).
std::size_t drain(PollSource& src, std::vector<Got>* out = nullptr) {
  std::size_t n = 0;
  std::vector<Got> sink;
  while (readable(src.fd(), 0)) {
    std::size_t k = read_once(src, out != nullptr ? *out : sink, 1024);
    sink.clear();
    n += k;
  }
  return n;
}

class UdpSender {
 public:
  UdpSender(int family, std::uint16_t port) {
    fd_ = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(fd_, 0);
    std::memset(&ss_, 0, sizeof ss_);
    if (family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss_);
      sin->sin_family = AF_INET;
      sin->sin_port = htons(port);
      sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len_ = sizeof(sockaddr_in);
    } else {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss_);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(port);
      sin6->sin6_addr = in6addr_loopback;
      len_ = sizeof(sockaddr_in6);
    }
  }
  ~UdpSender() { ::close(fd_); }
  UdpSender(const UdpSender&) = delete;
  UdpSender& operator=(const UdpSender&) = delete;
  bool send(std::string_view s) {
    return ::sendto(fd_, s.data(), s.size(), 0, reinterpret_cast<const sockaddr*>(&ss_), len_) ==
           static_cast<ssize_t>(s.size());
  }

 private:
  int fd_ = -1;
  sockaddr_storage ss_{};
  socklen_t len_ = 0;
};

class UnixSender {
 public:
  explicit UnixSender(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sun_.sun_family = AF_UNIX;
    std::memcpy(sun_.sun_path, path.data(), path.size());
  }
  ~UnixSender() { ::close(fd_); }
  UnixSender(const UnixSender&) = delete;
  UnixSender& operator=(const UnixSender&) = delete;
  bool send(std::string_view s) {
    return ::sendto(fd_, s.data(), s.size(), 0, reinterpret_cast<const sockaddr*>(&sun_),
                    sizeof sun_) == static_cast<ssize_t>(s.size());
  }

 private:
  int fd_ = -1;
  sockaddr_un sun_{};
};

struct TempDir {
  fs::path p;
  TempDir() {
    // Short: unix socket paths are limited to 107 bytes.
    p = fs::path("/tmp") /
        ("bannin-sock-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(p);
    fs::create_directories(p);
  }
  ~TempDir() { fs::remove_all(p); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  static int& counter() {
    static int c = 0;
    return c;
  }
};

constexpr std::string_view kRfc3164 =
    "<38>Feb 19 05:21:35 web1 sshd[1571]: Failed password for root from 192.0.2.1 port 56502 ssh2";
constexpr std::string_view kRfc5424 =
    "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
    "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
    "\xEF\xBB\xBF"
    "An application event log entry...";

std::unique_ptr<SyslogReceiver> udp(const std::string& addr, SyslogReceiverOptions o = {}) {
  auto r = SyslogReceiver::listen_udp(addr, o);
  if (!r) {
    ADD_FAILURE() << r.error().message;
    return nullptr;
  }
  return std::move(*r);
}

TEST(SyslogReceiverTest, UdpV4DeliversRfc3164And5424ByteExact) {
  SyslogReceiverOptions o;
  o.source_id = 7;
  auto s = udp("127.0.0.1:0", o);
  ASSERT_TRUE(s);
  ASSERT_NE(s->port(), 0);
  EXPECT_EQ(s->describe(), "syslog udp 127.0.0.1:" + std::to_string(s->port()));
  EXPECT_EQ(s->kind(), SyslogReceiver::Kind::Udp);
  EXPECT_TRUE(s->drops_reported());
  EXPECT_FALSE(readable(s->fd(), 0));

  core::TimeNs before = wall_clock_now();
  UdpSender tx(AF_INET, s->port());
  ASSERT_TRUE(tx.send(kRfc3164));
  ASSERT_TRUE(tx.send(std::string(kRfc5424) + "\n"));
  auto got = collect(*s, 2);
  core::TimeNs after = wall_clock_now();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].bytes, kRfc3164);
  EXPECT_EQ(got[1].bytes, kRfc5424);  // the trailing '\n' stripped, the BOM kept
  EXPECT_EQ(got[0].origin, s->describe());
  EXPECT_EQ(got[0].line_no, 1u);
  EXPECT_EQ(got[1].line_no, 2u);
  EXPECT_EQ(got[0].offset, 0u);
  EXPECT_EQ(got[1].offset, kRfc3164.size());
  EXPECT_EQ(got[0].source_id, 7u);
  EXPECT_FALSE(got[0].truncated);
  EXPECT_GE(got[0].received, before);
  EXPECT_LE(got[1].received, after);
  EXPECT_EQ(s->stats().records, 2u);
  EXPECT_EQ(s->stats().bytes, kRfc3164.size() + kRfc5424.size());
  EXPECT_EQ(s->stats().dropped_kernel, 0u);
  EXPECT_EQ(s->datagrams(), 2u);
  EXPECT_FALSE(readable(s->fd(), 0));  // nothing held back
}

TEST(SyslogReceiverTest, UdpV6) {
  auto r = SyslogReceiver::listen_udp("[::1]:0");
  if (!r && r.error().message.find("Cannot assign requested address") != std::string::npos) {
    GTEST_SKIP() << "no IPv6 loopback here: " << r.error().message;
  }
  ASSERT_TRUE(r) << r.error().message;
  auto& s = *r;
  EXPECT_EQ(s->describe(), "syslog udp [::1]:" + std::to_string(s->port()));
  UdpSender tx(AF_INET6, s->port());
  ASSERT_TRUE(tx.send(kRfc5424));
  auto got = collect(*s, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes, kRfc5424);
  EXPECT_EQ(got[0].origin, s->describe());
}

TEST(SyslogReceiverTest, SplitsMultiMessageDatagramsAndStripsTerminators) {
  auto s = udp("127.0.0.1:0");
  ASSERT_TRUE(s);
  UdpSender tx(AF_INET, s->port());
  ASSERT_TRUE(tx.send("first\nsecond\r\n\nthird\n\0"s));
  ASSERT_TRUE(tx.send("nul-terminated\0"s));
  ASSERT_TRUE(tx.send(""));       // empty: counted, no record
  ASSERT_TRUE(tx.send("\n\0"s));  // only terminators: empty too
  ASSERT_TRUE(tx.send("inner\0nul kept"s));
  ASSERT_TRUE(tx.send("last"));
  auto got = collect(*s, 6);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].bytes, "first");
  EXPECT_EQ(got[1].bytes, "second");
  EXPECT_EQ(got[2].bytes, "third");
  EXPECT_EQ(got[3].bytes, "nul-terminated");
  EXPECT_EQ(got[4].bytes, "inner\0nul kept"s);
  EXPECT_EQ(got[5].bytes, "last");
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].line_no, i + 1);
  EXPECT_EQ(s->empty_datagrams(), 2u);
  EXPECT_EQ(s->datagrams(), 6u);
  EXPECT_EQ(s->stats().records, 6u);
}

TEST(SyslogReceiverTest, MaxRecordsPerCallAndTheRestStillSignalled) {
  auto s = udp("127.0.0.1:0");
  ASSERT_TRUE(s);
  UdpSender tx(AF_INET, s->port());
  std::string batch;
  for (int i = 0; i < 10; ++i) batch += "m" + std::to_string(i) + "\n";
  ASSERT_TRUE(tx.send(batch));  // one datagram, ten messages
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(tx.send("d" + std::to_string(i)));
  ASSERT_TRUE(readable(s->fd(), 2000));
  // All six datagrams are queued before reading (loopback delivers inside sendto).
  std::vector<Got> got;
  std::vector<std::size_t> per_call;
  while (readable(s->fd(), 0)) per_call.push_back(read_once(*s, got, 4));
  ASSERT_EQ(got.size(), 15u);
  EXPECT_EQ(per_call, (std::vector<std::size_t>{4, 4, 4, 3}));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(got[i].bytes, "m" + std::to_string(i));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(got[10 + i].bytes, "d" + std::to_string(i));
  EXPECT_EQ(read_once(*s, got, 0), 0u);
}

TEST(SyslogReceiverTest, HeldBackMessagesKeepFdReadableOnAQuietSocket) {
  auto s = udp("127.0.0.1:0");
  ASSERT_TRUE(s);
  UdpSender tx(AF_INET, s->port());
  ASSERT_TRUE(tx.send("a\nb\nc\nd\ne"));
  ASSERT_TRUE(readable(s->fd(), 2000));
  std::vector<Got> got;
  EXPECT_EQ(read_once(*s, got, 2), 2u);
  // The socket queue is empty now, but three messages are held: fd() must still wake us.
  EXPECT_TRUE(readable(s->fd(), 0));
  EXPECT_EQ(read_once(*s, got, 2), 2u);
  EXPECT_TRUE(readable(s->fd(), 0));
  EXPECT_EQ(read_once(*s, got, 2), 1u);
  EXPECT_FALSE(readable(s->fd(), 0));
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[4].bytes, "e");
}

TEST(SyslogReceiverTest, BurstAgainstTinyBufferCountsKernelDrops) {
  SyslogReceiverOptions o;
  o.receive_buffer = 4096;
  auto s = udp("127.0.0.1:0", o);
  ASSERT_TRUE(s);
  EXPECT_LT(s->receive_buffer(), 64u << 10);
  UdpSender tx(AF_INET, s->port());
  const std::string msg = "<13>Feb 19 05:21:35 host app[1]: burst message number ";
  std::uint64_t sent = 0;
  for (int i = 0; i < 50000; ++i) sent += tx.send(msg + std::to_string(i)) ? 1 : 0;
  std::vector<Got> got;
  drain(*s, &got);
  // The kernel reports drops with the next datagram it queues: send one after the burst.
  ASSERT_TRUE(tx.send("marker"));
  ++sent;
  auto tail = collect(*s, 1);
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].bytes, "marker");
  const std::uint64_t delivered = got.size() + tail.size();
  ASSERT_TRUE(s->drops_reported());
  EXPECT_GT(s->stats().dropped_kernel, 0u) << "a 4 KiB buffer should overflow in this burst";
  EXPECT_EQ(delivered + s->stats().dropped_kernel, sent);
  EXPECT_EQ(s->stats().records, delivered);
  // Whatever arrived arrived in order.
  for (std::size_t i = 1; i < got.size(); ++i) {
    EXPECT_LT(std::stoi(got[i - 1].bytes.substr(msg.size())),
              std::stoi(got[i].bytes.substr(msg.size())));
  }
}

TEST(SyslogReceiverTest, ReceiveBufferIsReported) {
  SyslogReceiverOptions o;
  o.receive_buffer = 256u << 10;
  auto s = udp("127.0.0.1:0", o);
  ASSERT_TRUE(s);
  // Linux doubles the asked size; without CAP_NET_ADMIN it is capped by net.core.rmem_max.
  EXPECT_GT(s->receive_buffer(), 0u);
  if (::geteuid() == 0) {
    EXPECT_EQ(s->receive_buffer(), 512u << 10);
  }
}

TEST(SyslogReceiverTest, OversizeDatagramIsCutAndMarked) {
  SyslogReceiverOptions o;
  o.max_message = 100;
  auto s = udp("127.0.0.1:0", o);
  ASSERT_TRUE(s);
  UdpSender tx(AF_INET, s->port());
  ASSERT_TRUE(tx.send(std::string(150, 'x')));
  ASSERT_TRUE(tx.send("short\n" + std::string(200, 'y')));  // only its last message is cut
  ASSERT_TRUE(tx.send(std::string(100, 'z')));              // exactly the limit: whole
  auto got = collect(*s, 4);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].bytes, std::string(100, 'x'));
  EXPECT_TRUE(got[0].truncated);
  EXPECT_EQ(got[1].bytes, "short");
  EXPECT_FALSE(got[1].truncated);
  EXPECT_EQ(got[2].bytes, std::string(94, 'y'));
  EXPECT_TRUE(got[2].truncated);
  EXPECT_EQ(got[3].bytes, std::string(100, 'z'));
  EXPECT_FALSE(got[3].truncated);
  EXPECT_EQ(s->stats().truncated, 2u);
}

TEST(SyslogReceiverTest, UnixSocketDefaultLimitIs64KiB) {
  TempDir d;
  const std::string path = (d.p / "log").string();
  auto r = SyslogReceiver::listen_unix(path);
  ASSERT_TRUE(r) << r.error().message;
  auto& s = *r;
  UnixSender tx(path);
  ASSERT_TRUE(tx.send(std::string(100000, 'q')));
  ASSERT_TRUE(tx.send(std::string(65536, 'k') + "\n"));
  auto got = collect(*s, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].bytes.size(), 65536u);
  EXPECT_TRUE(got[0].truncated);
  // 65537 bytes with its '\n': the datagram is cut at 64 KiB, which happens to be the
  // message without its terminator — still marked, since bytes were lost.
  EXPECT_EQ(got[1].bytes, std::string(65536, 'k'));
  EXPECT_EQ(s->stats().truncated, 2u);
}

TEST(SyslogReceiverTest, UnixSocketCreatedWithModeAndRemovedAtEnd) {
  TempDir d;
  const std::string path = (d.p / "dev-log").string();
  {
    auto r = SyslogReceiver::listen_unix(path);
    ASSERT_TRUE(r) << r.error().message;
    auto& s = *r;
    EXPECT_EQ(s->describe(), "syslog unix " + path);
    EXPECT_EQ(s->kind(), SyslogReceiver::Kind::Unix);
    EXPECT_EQ(s->port(), 0);
    EXPECT_FALSE(s->drops_reported());
    struct stat st {};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0666u);
    UnixSender tx(path);
    ASSERT_TRUE(tx.send(std::string(kRfc3164) + "\n"));
    ASSERT_TRUE(tx.send(kRfc5424));
    auto got = collect(*s, 2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].bytes, kRfc3164);
    EXPECT_EQ(got[1].bytes, kRfc5424);
    EXPECT_EQ(got[0].origin, "syslog unix " + path);
  }
  EXPECT_FALSE(fs::exists(fs::symlink_status(path)));

  SyslogReceiverOptions o;
  o.mode = 0620;
  auto r = SyslogReceiver::listen_unix(path, o);
  ASSERT_TRUE(r) << r.error().message;
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0620u);
}

TEST(SyslogReceiverTest, StaleSocketFileIsReplaced) {
  TempDir d;
  const std::string path = (d.p / "log").string();
  {
    // A listener that died without removing its socket file.
    int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, path.data(), path.size());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun), 0);
    ::close(fd);
  }
  ASSERT_TRUE(fs::exists(fs::symlink_status(path)));
  auto r = SyslogReceiver::listen_unix(path);
  ASSERT_TRUE(r) << r.error().message;
  UnixSender tx(path);
  ASSERT_TRUE(tx.send("after stale"));
  auto got = collect(**r, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes, "after stale");
}

TEST(SyslogReceiverTest, LiveSocketFileIsRefusedAndLeftAlone) {
  TempDir d;
  const std::string path = (d.p / "log").string();
  auto first = SyslogReceiver::listen_unix(path);
  ASSERT_TRUE(first) << first.error().message;
  auto second = SyslogReceiver::listen_unix(path);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, "listen_failed");
  EXPECT_EQ(second.error().message,
            "cannot listen on unix " + path + ": another process is listening on it");
  // The first listener still owns the path and still receives.
  UnixSender tx(path);
  ASSERT_TRUE(tx.send("still mine"));
  auto got = collect(**first, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes, "still mine");
}

TEST(SyslogReceiverTest, PathThatIsNotASocketIsRefused) {
  TempDir d;
  const std::string path = (d.p / "log").string();
  { std::ofstream(path) << "keep me\n"; }
  auto r = SyslogReceiver::listen_unix(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "cannot listen on unix " + path + ": the path exists and is not a socket");
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "keep me");

  auto missing_dir = SyslogReceiver::listen_unix((d.p / "no" / "such" / "log").string());
  ASSERT_FALSE(missing_dir);
  EXPECT_NE(missing_dir.error().message.find("No such file or directory"), std::string::npos)
      << missing_dir.error().message;
}

TEST(SyslogReceiverTest, ListenErrorsAreClear) {
  auto a = udp("127.0.0.1:0");
  ASSERT_TRUE(a);
  const std::string addr = "127.0.0.1:" + std::to_string(a->port());
  auto b = SyslogReceiver::listen_udp(addr);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, "listen_failed");
  EXPECT_EQ(b.error().message, "cannot listen on udp " + addr + ": Address already in use");

  for (const char* bad : {"localhost:514", "::1:514", "127.0.0.1", "127.0.0.1:70000",
                          "127.0.0.1:", "[::1]514", "[::1", "300.1.1.1:514", ""}) {
    auto r = SyslogReceiver::listen_udp(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "bad_address") << bad;
    EXPECT_EQ(r.error().message.rfind("bad udp listen address '" + std::string(bad) + "': ", 0), 0u)
        << r.error().message;
  }

  // Not a local address: bind fails with the kernel's reason.
  auto far = SyslogReceiver::listen_udp("192.0.2.1:5514");
  ASSERT_FALSE(far);
  EXPECT_EQ(far.error().message,
            "cannot listen on udp 192.0.2.1:5514: Cannot assign requested address");

  std::string long_path = "/tmp/" + std::string(200, 'p');
  auto lp = SyslogReceiver::listen_unix(long_path);
  ASSERT_FALSE(lp);
  EXPECT_NE(lp.error().message.find("socket path must be 1 to 107 bytes long"), std::string::npos);
}

TEST(SyslogReceiverTest, OpenTakesTheConfiguredUrl) {
  auto u = SyslogReceiver::open("udp://127.0.0.1:0");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ((*u)->kind(), SyslogReceiver::Kind::Udp);
  auto u6 = SyslogReceiver::open("udp://[::1]:0");
  if (u6) {
    EXPECT_EQ((*u6)->describe().rfind("syslog udp [::1]:", 0), 0u);
  }
  TempDir d;
  const std::string path = (d.p / "log").string();
  auto x = SyslogReceiver::open("unix://" + path);
  ASSERT_TRUE(x) << x.error().message;
  EXPECT_EQ((*x)->describe(), "syslog unix " + path);
  for (const char* bad : {"tcp://127.0.0.1:514", "127.0.0.1:514", "unix://relative", "udp://x"}) {
    auto r = SyslogReceiver::open(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "bad_address") << bad;
  }
  EXPECT_EQ(SyslogReceiver::open("tcp://127.0.0.1:514").error().message,
            "bad syslog listen address 'tcp://127.0.0.1:514': expected udp://HOST:PORT or "
            "unix:///PATH");
}

TEST(SyslogReceiverTest, PrivilegedPortErrorNamesTheCause) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may bind port 514";
  int start = 1024;
  std::ifstream("/proc/sys/net/ipv4/ip_unprivileged_port_start") >> start;
  if (start <= 514) GTEST_SKIP() << "every user may bind port 514 here";
  auto r = SyslogReceiver::listen_udp("127.0.0.1:514");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cannot listen on udp 127.0.0.1:514: Permission denied");
}

}  // namespace
}  // namespace bannin::source
