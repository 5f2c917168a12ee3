// api::Server under clients that do not play along, over real sockets on 127.0.0.0/8: 200
// connections that never finish their request head while /health is asked from another
// address; a head trickled byte by byte past the deadline; keep-alive (two requests on one
// connection); the per-address connection limit. The old thread-per-request server failed
// the first (its two workers waited 5 s on each slow head).
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bannin/api/server.h>

#include "fake_backend.h"

namespace bannin::api {
namespace {

using test::FakeBackend;
using Clock = std::chrono::steady_clock;

/// A TCP connection to 127.0.0.1:port from the given loopback source address; -1 on failure.
int connect_from(const char* source, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &src.sin_addr);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// True when the peer closed the connection (or reset it) within the wait.
bool closed_within(int fd, std::chrono::milliseconds wait) {
  const auto end = Clock::now() + wait;
  char buf[512];
  while (Clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (::poll(&p, 1, static_cast<int>(left.count()) + 1) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return true;
  }
  return false;
}

std::unique_ptr<Server> start(FakeBackend& backend, ServerOptions o = {}) {
  o.listen = "127.0.0.1:0";
  auto s = std::make_unique<Server>(o, backend);
  auto r = s->start();
  EXPECT_TRUE(r) << r.error().message;
  return s;
}

TEST(ApiServerConnections, SlowHeadsDoNotSilenceIt) {
  FakeBackend backend;
  ServerOptions o;
  o.head_timeout_s = 30;  // the slow clients stay for the whole test
  auto server = start(backend, o);
  std::vector<int> slow;
  for (int i = 0; i < 200; ++i) {
    const std::string source = "127.0.1." + std::to_string(1 + i / 25);  // 25 per address
    const int fd = connect_from(source.c_str(), server->port());
    ASSERT_GE(fd, 0) << source;
    const std::string part = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    ASSERT_EQ(::send(fd, part.data(), part.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(part.size()));
    slow.push_back(fd);
  }
  // Every slow connection is still open (none was refused: 25 per address is under the limit).
  for (int fd : slow) EXPECT_FALSE(closed_within(fd, std::chrono::milliseconds(0)));
  httplib::Client c("127.0.0.1", server->port());
  c.set_connection_timeout(1, 0);
  c.set_read_timeout(1, 0);  // the old server needed 5 s per slow head here
  for (int i = 0; i < 20; ++i) {
    auto h = c.Get("/health");
    ASSERT_TRUE(h) << "request " << i << " got no answer";
    EXPECT_EQ(h->status, 200);
  }
  EXPECT_EQ(server->counters().refused, 0u);
  for (int fd : slow) ::close(fd);
}

TEST(ApiServerConnections, HeadDeadlineIsTotalNotIdle) {
  FakeBackend backend;
  ServerOptions o;
  o.head_timeout_s = 1;
  auto server = start(backend, o);
  const int fd = connect_from("127.0.0.1", server->port());
  ASSERT_GE(fd, 0);
  const std::string head =
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trickle: aaaaaaaaaaaaaaaaaaaaaa";
  // One byte every 100 ms never leaves the connection idle, yet the head is not done in 1 s.
  bool closed = false;
  const auto began = Clock::now();
  for (char ch : head) {
    if (::send(fd, &ch, 1, MSG_NOSIGNAL) != 1 ||
        closed_within(fd, std::chrono::milliseconds(100))) {
      closed = true;
      break;
    }
  }
  const auto held = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began);
  EXPECT_TRUE(closed) << "a trickled head held the connection for " << held.count() << " ms";
  EXPECT_GE(server->counters().head_timeouts, 1u);
  ::close(fd);
}

TEST(ApiServerConnections, KeepAliveServesSeveralRequests) {
  FakeBackend backend;
  auto server = start(backend);
  const int fd = connect_from("127.0.0.1", server->port());
  ASSERT_GE(fd, 0);
  const std::string req = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  std::string got;
  char buf[4096];
  for (int round = 1; round <= 3; ++round) {
    ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
    std::size_t answers = 0;
    const auto end = Clock::now() + std::chrono::seconds(3);
    while (Clock::now() < end) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      ASSERT_GT(n, 0) << "closed after " << round - 1 << " answers";
      got.append(buf, static_cast<std::size_t>(n));
      answers = 0;
      for (auto at = got.find("{\"ok\":true}"); at != std::string::npos;
           at = got.find("{\"ok\":true}", at + 1)) {
        ++answers;
      }
      if (answers == static_cast<std::size_t>(round)) break;
    }
    ASSERT_EQ(answers, static_cast<std::size_t>(round)) << got;
  }
  ::close(fd);
}

TEST(ApiServerConnections, PerClientLimit) {
  FakeBackend backend;
  ServerOptions o;
  o.per_client = 4;
  o.head_timeout_s = 30;
  auto server = start(backend, o);
  std::vector<int> held;
  for (int i = 0; i < 4; ++i) {
    const int fd = connect_from("127.0.2.1", server->port());
    ASSERT_GE(fd, 0);
    held.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let MHD take the four
  const int fifth = connect_from("127.0.2.1", server->port());
  ASSERT_GE(fifth, 0);  // the kernel accepts; bannin hands it on and MHD closes it
  EXPECT_TRUE(closed_within(fifth, std::chrono::seconds(3)));
  EXPECT_GE(server->counters().refused, 1u);
  for (int fd : held) EXPECT_FALSE(closed_within(fd, std::chrono::milliseconds(0)));
  // Another address is not affected.
  httplib::Client c("127.0.0.1", server->port());
  c.set_connection_timeout(1, 0);
  auto h = c.Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  ::close(fifth);
  for (int fd : held) ::close(fd);
}

}  // namespace
}  // namespace bannin::api
