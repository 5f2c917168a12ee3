// DnsClient against a UDP socket on loopback that this test owns: answers, silence
// (timeout) and garbage, without any DNS daemon.
#include <atomic>
#include <chrono>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bannin/probe/domain/dns_client.h>

#include "dns_packet_builder.h"

namespace bannin::probe::domain {
namespace {

// A one-thread UDP server on 127.0.0.1:<ephemeral>; `mode` picks the reply.
class FakeServer {
 public:
  enum class Mode { Referral, Silent, Garbage };
  explicit FakeServer(Mode mode) : mode_(mode) {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~FakeServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  [[nodiscard]] DnsServer server() const { return DnsServer{"127.0.0.1", port_}; }
  std::atomic<int> rd_seen{-1};

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      std::uint8_t buf[1500];
      sockaddr_in from{};
      socklen_t fl = sizeof from;
      ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
      if (n < 12) continue;
      rd_seen = (buf[2] & 0x01) != 0 ? 1 : 0;
      if (mode_ == Mode::Silent) continue;
      std::vector<std::uint8_t> out;
      if (mode_ == Mode::Garbage) {
        out.assign(buf, buf + 12);
        out[2] |= 0x80;
        out[5] = 1;  // claims a question that is not there
      } else {
        testing::PacketBuilder b(testing::kQr, "goodshop.test", 2);
        b.rr(1, "goodshop.test", 2, testing::PacketBuilder::name_rdata("ns1.goodshop.test"));
        out = b.bytes();
        out[0] = buf[0];
        out[1] = buf[1];
      }
      sendto(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
    }
  }
  Mode mode_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(DnsClient, SendsRdZeroAndReadsTheReferral) {
  FakeServer s(FakeServer::Mode::Referral);
  DnsOutcome o = query_once(s.server(), "goodshop.test", RrType::NS, false, {300, 2});
  ASSERT_EQ(o.status, DnsStatus::Answered) << o.error;
  EXPECT_EQ(s.rd_seen.load(), 0);
  ASSERT_EQ(o.message.authority.size(), 1u);
  EXPECT_EQ(o.message.authority[0].data, "ns1.goodshop.test");
  query_once(s.server(), "goodshop.test", RrType::NS, true, {300, 2});
  EXPECT_EQ(s.rd_seen.load(), 1);
}

TEST(DnsClient, SilenceIsATimeoutWithinTheBound) {
  FakeServer s(FakeServer::Mode::Silent);
  auto start = std::chrono::steady_clock::now();
  DnsOutcome o = query_once(s.server(), "x.test", RrType::A, true, {100, 2});
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  EXPECT_EQ(o.status, DnsStatus::Timeout);
  EXPECT_LT(ms, 2000);
}

TEST(DnsClient, GarbageIsAnErrorNotACrash) {
  FakeServer s(FakeServer::Mode::Garbage);
  DnsOutcome o = query_once(s.server(), "x.test", RrType::A, true, {200, 1});
  EXPECT_NE(o.status, DnsStatus::Answered);
}

TEST(DnsClient, ManyQueriesAllComplete) {
  FakeServer s(FakeServer::Mode::Referral);
  DnsClient c({300, 2});
  int done = 0;
  for (int i = 0; i < 200; ++i) {
    c.submit(s.server(), "goodshop.test", RrType::NS, false, [&done](const DnsOutcome& o) {
      if (o.answered()) ++done;
    });
  }
  c.run();
  EXPECT_EQ(done, 200);
}

TEST(DnsClient, WindowBoundsQueriesInFlightPerServer) {
  FakeServer s(FakeServer::Mode::Referral);
  DnsQueryOptions o{300, 2};
  o.max_in_flight = 8;
  DnsClient c(o);
  int done = 0;
  for (int i = 0; i < 500; ++i) {
    c.submit(s.server(), "goodshop.test", RrType::NS, false, [&done](const DnsOutcome& out) {
      if (out.answered()) ++done;
    });
  }
  EXPECT_LE(c.stats().sent, 8u);  // the rest wait in the queue until run()
  c.run();
  EXPECT_EQ(done, 500);
  EXPECT_EQ(c.stats().sent, 500u);
  EXPECT_EQ(c.stats().answered, 500u);
  EXPECT_EQ(c.stats().peak_in_flight, 8u);
  EXPECT_EQ(c.stats().servers, 1u);
}

TEST(DnsClient, NoLimitSendsEverythingAtOnce) {
  FakeServer s(FakeServer::Mode::Referral);
  DnsQueryOptions o{300, 2};
  o.max_in_flight = 0;
  DnsClient c(o);
  for (int i = 0; i < 50; ++i)
    c.submit(s.server(), "goodshop.test", RrType::NS, false, [](const DnsOutcome&) {});
  EXPECT_EQ(c.stats().sent, 50u);
  c.run();
  EXPECT_EQ(c.stats().peak_in_flight, 50u);
}

TEST(DnsClient, ASilentServerIsGivenUpOnNotWaitedForQueryByQuery) {
  FakeServer s(FakeServer::Mode::Silent);
  DnsQueryOptions o{100, 1};
  o.max_in_flight = 10;  // gives up after 2 * 10 = 20 timeouts in a row
  DnsClient c(o);
  int timeouts = 0;
  int not_sent = 0;
  int answered = 0;
  for (int i = 0; i < 200; ++i) {
    c.submit(s.server(), "x.test", RrType::A, true, [&](const DnsOutcome& out) {
      if (out.status == DnsStatus::Timeout) ++timeouts;
      if (out.status == DnsStatus::Error && out.error.rfind("not sent", 0) == 0) ++not_sent;
      if (out.answered()) ++answered;
    });
  }
  auto start = std::chrono::steady_clock::now();
  c.run();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  EXPECT_EQ(answered, 0);
  // 20 in a row time out (plus what was in flight then); every other query ends unsent.
  EXPECT_GE(timeouts, 20);
  EXPECT_LT(timeouts, 30);
  EXPECT_EQ(timeouts + not_sent, 200);
  EXPECT_EQ(c.stats().not_sent, static_cast<std::uint64_t>(not_sent));
  EXPECT_EQ(c.stats().sent, static_cast<std::uint64_t>(timeouts));
  EXPECT_LT(ms, 2000);  // about two windows of 100 ms timeouts, not 20 windows
}

}  // namespace
}  // namespace bannin::probe::domain
