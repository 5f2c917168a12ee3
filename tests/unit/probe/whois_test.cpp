#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bannin/probe/domain/whois.h>

namespace bannin::probe::domain {
namespace {

// Fixtures modelled on real answers (sources in whois.cpp): JPRS English and Japanese
// (ISO-2022-JP), organisation type, gTLD, garbage. The CLI test bed serves the same files.
std::string fixture(const std::string& name) {
  std::ifstream in(std::string(BANNIN_FIXTURES) + "/domain/whois/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

core::TimeNs t(const char* s) {
  return core::parse_iso8601(s, true).value();
}

WhoisFetch answer(const std::string& body) {
  WhoisFetch f;
  f.server = "whois.example.test:43";
  f.body = body;
  return f;
}

const CheckResult* find(const std::vector<CheckResult>& rs, const std::string& state) {
  for (const auto& r : rs) {
    if (r.state == state) return &r;
  }
  return nullptr;
}

TEST(WhoisParse, JprsEnglishActive) {
  auto r = parse_whois(fixture("goodshop.test.txt"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->format, "jprs");
  EXPECT_FALSE(r->not_found);
  EXPECT_EQ(r->domain_name, "goodshop.test");
  ASSERT_EQ(r->status.size(), 1u);
  EXPECT_EQ(r->status[0], "active");
  EXPECT_EQ(r->expiration_text, "2027/05/31");
  ASSERT_TRUE(r->expiration.has_value());
  EXPECT_EQ(*r->expiration, t("2027-05-31T14:59:59Z"));  // end of the day in JST
  ASSERT_EQ(r->nameservers.size(), 1u);
  EXPECT_EQ(r->nameservers[0], "ns1.goodshop.test");
  EXPECT_EQ(r->lock_status, "AgentLock");
  EXPECT_EQ(r->last_update, "2026/06/01 01:05:03 (JST)");
}

TEST(WhoisParse, JprsJapaneseIso2022Jp) {
  std::string raw = fixture("flaggedshop.test.txt");
  ASSERT_NE(raw.find("\x1b$B"), std::string::npos) << "fixture must be ISO-2022-JP";
  std::string text = decode_whois_text(raw);
  EXPECT_NE(text.find("[有効期限]"), std::string::npos);
  EXPECT_NE(text.find("フラッグドショップ株式会社"), std::string::npos);
  auto r = parse_whois(raw);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->format, "jprs");
  EXPECT_EQ(r->domain_name, "flaggedshop.test");
  ASSERT_EQ(r->status.size(), 1u);
  EXPECT_EQ(r->status[0], "to be suspended");
  EXPECT_EQ(r->expiration_text, "2027/02/28");
  ASSERT_EQ(r->nameservers.size(), 1u);
  EXPECT_EQ(r->nameservers[0], "ns1.flaggedshop.test");
  EXPECT_EQ(r->last_update, "2026/11/20 15:10:41 (JST)");
}

TEST(WhoisParse, JprsJapaneseUtf8Keys) {
  // The Japanese key set as JPRS sends it since 2015 (UTF-8), organisation type.
  auto r = parse_whois(
      "Domain Information: [ドメイン情報]\r\n"
      "a. [ドメイン名]                 YAHOO.CO.JP\r\n"
      "p. [ネームサーバ]               ns01.yahoo.co.jp\r\n"
      "p. [ネームサーバ]               ns02.yahoo.co.jp\r\n"
      "[状態]                          Connected (2018/11/30)\r\n"
      "[最終更新]                      2017/12/01 01:02:55 (JST)\r\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->domain_name, "yahoo.co.jp");
  EXPECT_EQ(r->status, std::vector<std::string>{"connected"});
  EXPECT_EQ(r->expiration_text, "2018/11/30");
  EXPECT_EQ(r->nameservers.size(), 2u);
}

TEST(WhoisParse, JprsOrganisationTypeStateWithExpiry) {
  auto r = parse_whois(fixture("pendingshop.test.txt"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->domain_name, "pendingshop.test");
  EXPECT_EQ(r->status, std::vector<std::string>{"connected"});
  EXPECT_EQ(r->expiration_text, "2026/12/10");
  EXPECT_EQ(r->nameservers, std::vector<std::string>{"ns1.pendingshop.test"});
}

TEST(WhoisParse, GtldKeyValue) {
  auto r = parse_whois(fixture("listedshop.test.txt"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->format, "generic");
  EXPECT_EQ(r->domain_name, "listedshop.test");
  EXPECT_EQ(r->status, (std::vector<std::string>{"client hold", "client transfer prohibited"}));
  EXPECT_EQ(r->status_text, "clientHold, clientTransferProhibited");
  EXPECT_EQ(r->expiration_text, "2027-08-13T04:00:00Z");
  EXPECT_EQ(r->registrar, "Example Registrar, Inc.");
  EXPECT_EQ(r->nameservers, std::vector<std::string>{"ns1.listedshop.test"});
}

TEST(WhoisParse, NoMatch) {
  auto jp = parse_whois(
      "[ JPRS database provides information on network administration. Its use is    ]\r\n"
      "\r\nNo match!!\r\n\r\nWith JPRS WHOIS, you can query the following domain name "
      "information\r\n");
  ASSERT_TRUE(jp.has_value());
  EXPECT_TRUE(jp->not_found);
  auto com = parse_whois(
      "No match for \"NOPE-EXAMPLE.COM\".\r\n>>> Last update of whois "
      "database: 2026-11-25T00:00:00Z <<<\r\n");
  ASSERT_TRUE(com.has_value());
  EXPECT_TRUE(com->not_found);
}

TEST(WhoisParse, GarbageAndTruncated) {
  EXPECT_FALSE(parse_whois(fixture("brokenshop.test.txt")).has_value());
  EXPECT_FALSE(parse_whois("").has_value());
  EXPECT_FALSE(parse_whois("<html><body>503 Service Unavailable</body></html>").has_value());
  // Cut in the middle of the banner: nothing to read, an error and not "clean".
  std::string good = fixture("goodshop.test.txt");
  EXPECT_FALSE(parse_whois(good.substr(0, 120)).has_value());
  // Cut before [Status]: a domain without status is reported, not invented.
  auto cut = parse_whois(good.substr(0, good.find("[Status]")));
  ASSERT_TRUE(cut.has_value());
  EXPECT_TRUE(cut->status.empty());
  // A lone escape into JIS X 0208 with unreadable bytes never crashes.
  std::string odd = "\x1b$B\xff\xfe\x80\x1b(B\r\n[Domain Name] X.JP\r\n[Status] Active\r\n";
  auto r = parse_whois(odd);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->domain_name, "x.jp");
}

TEST(WhoisResults, JprsStatesMapToReportStates) {
  const auto now = t("2026-11-25T00:00:00Z");
  auto ok = whois_results("goodshop.test", answer(fixture("goodshop.test.txt")), now);
  ASSERT_FALSE(ok.empty());
  EXPECT_EQ(ok[0].check, "whois");
  EXPECT_EQ(ok[0].state, "ok");
  EXPECT_EQ(ok[0].severity, Severity::Ok);
  EXPECT_NE(ok[0].detail.find("Active"), std::string::npos);

  auto held = whois_results("heldshop.test", answer(fixture("heldshop.test.txt")), now);
  ASSERT_NE(find(held, "suspended"), nullptr);
  EXPECT_EQ(find(held, "suspended")->severity, Severity::Critical);
  ASSERT_NE(find(held, "expired"), nullptr);  // 2026/10/31 is past

  auto tbs = whois_results("flaggedshop.test", answer(fixture("flaggedshop.test.txt")), now);
  EXPECT_EQ(tbs[0].state, "deletion_requested");
  EXPECT_EQ(tbs[0].severity, Severity::Warning);

  auto conn = whois_results("pendingshop.test", answer(fixture("pendingshop.test.txt")), now);
  EXPECT_EQ(conn[0].state, "ok");
  ASSERT_NE(find(conn, "expires_soon"), nullptr);

  auto odd = whois_results("x.jp", answer("[Domain Name] X.JP\r\n[Status] Reserved\r\n"), now);
  EXPECT_EQ(odd[0].state, "unknown_status");
  EXPECT_EQ(odd[0].severity, Severity::Warning);
}

TEST(WhoisResults, GtldHoldsAreTheRdapStates) {
  const auto now = t("2026-11-25T00:00:00Z");
  auto hold = whois_results("listedshop.test", answer(fixture("listedshop.test.txt")), now);
  EXPECT_EQ(hold[0].state, "client_hold");
  EXPECT_EQ(hold[0].severity, Severity::Critical);
  auto server = whois_results(
      "x.test",
      answer("Domain Name: X.TEST\nDomain Status: serverHold https://icann.org/epp#serverHold\n"
             "Domain Status: pendingDelete https://icann.org/epp#pendingDelete\n"),
      now);
  EXPECT_EQ(server[0].state, "server_hold");
  auto pd = whois_results("x.test",
                          answer("Domain Name: X.TEST\nDomain Status: pendingDelete "
                                 "https://icann.org/epp#pendingDelete\n"),
                          now);
  EXPECT_EQ(pd[0].state, "pending_delete");
  auto fine = whois_results(
      "x.test", answer("Domain Name: X.TEST\nDomain Status: ok https://icann.org/epp#ok\n"), now);
  EXPECT_EQ(fine[0].state, "ok");
}

TEST(WhoisResults, TroubleIsNeverClean) {
  const auto now = t("2026-11-25T00:00:00Z");
  WhoisFetch to;
  to.server = "s:43";
  to.error = "no complete answer within 500 ms";
  to.timed_out = true;
  EXPECT_EQ(whois_results("a.jp", to, now)[0].state, "timeout");
  EXPECT_EQ(whois_results("a.jp", to, now)[0].severity, Severity::Unknown);
  EXPECT_EQ(whois_results("a.jp", answer(""), now)[0].state, "error");
  EXPECT_EQ(whois_results("a.jp", answer(fixture("brokenshop.test.txt")), now)[0].state,
            "bad_answer");
  auto nm = whois_results("a.jp", answer("No match!!\r\n"), now);
  EXPECT_EQ(nm[0].state, "not_registered");
  EXPECT_EQ(nm[0].severity, Severity::Critical);
  // An answer about another name is not an answer about this one.
  auto other = whois_results("a.jp", answer(fixture("goodshop.test.txt")), now);
  EXPECT_EQ(other[0].state, "bad_answer");
}

// bannin asks about an IDN in its A-label form; the registry may name it in either form.
TEST(WhoisResults, IdnAnsweredInEitherFormIsTheSameDomain) {
  const auto now = t("2026-11-25T00:00:00Z");
  auto u =
      whois_results("xn--r8jz45g.jp", answer("[Domain Name] 例え.JP\r\n[Status] Active\r\n"), now);
  EXPECT_EQ(u[0].state, "ok") << u[0].detail;
  auto a = whois_results("xn--r8jz45g.jp",
                         answer("[Domain Name] XN--R8JZ45G.JP\r\n[Status] Active\r\n"), now);
  EXPECT_EQ(a[0].state, "ok") << a[0].detail;
  auto other = whois_results("xn--r8jz45g.jp",
                             answer("[Domain Name] 日本語.JP\r\n[Status] Active\r\n"), now);
  EXPECT_EQ(other[0].state, "bad_answer");
}

TEST(WhoisServers, TableAndOverride) {
  auto s = parse_whois_servers(
      "version: 1\nservers:\n  - tld: jp\n    server: whois.jprs.jp\n    query_suffix: /e\n"
      "  - tld: co.jp\n    server: 127.0.0.1:4343\n",
      "t.yaml");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->server_for("shop.JP")->host, "whois.jprs.jp");
  EXPECT_EQ(s->server_for("shop.jp")->query_suffix, "/e");
  EXPECT_EQ(s->server_for("shop.co.jp")->port, 4343);
  EXPECT_EQ(s->server_for("shop.com"), nullptr);
  EXPECT_EQ(s->server_for("notjp"), nullptr);
  auto bad = parse_whois_servers("version: 1\nservers:\n  - tld: jp\n  - server: x\n", "b.yaml");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("b.yaml:3"), std::string::npos) << bad.error().message;
  auto shipped = load_whois_servers(std::string(BANNIN_SOURCE_DIR) + "/data/whois/servers.yaml");
  ASSERT_TRUE(shipped.has_value()) << shipped.error().message;
  EXPECT_EQ(shipped->server_for("example.jp")->host, "whois.jprs.jp");
  EXPECT_EQ(shipped->server_for("example.jp")->query_suffix, "/e");
  EXPECT_EQ(parse_whois_server("[::1]:4343")->port, 4343);
  EXPECT_EQ(parse_whois_server("127.0.0.1")->port, 43);
  EXPECT_FALSE(parse_whois_server("a b:1").has_value());
  EXPECT_FALSE(parse_whois_server("127.0.0.1:99999").has_value());
}

// A real loopback listener: the client sends "<name>/e\r\n", reads until close, caps the size
// and times out on silence.
class Listener {
 public:
  explicit Listener(std::string reply, bool silent = false) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 4);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this, reply = std::move(reply), silent] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[256];
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n > 0) query_.assign(buf, static_cast<std::size_t>(n));
      if (silent) {
        std::this_thread::sleep_for(std::chrono::milliseconds(600));
      } else {
        std::size_t off = 0;
        while (off < reply.size()) {
          ssize_t w = ::send(c, reply.data() + off, reply.size() - off, MSG_NOSIGNAL);
          if (w <= 0) break;
          off += static_cast<std::size_t>(w);
        }
      }
      ::close(c);
    });
  }
  ~Listener() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] const std::string& query() const { return query_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::string query_;
  std::thread thread_;
};

WhoisQuery query(const std::string& domain, std::uint16_t port) {
  WhoisQuery q;
  q.domain = domain;
  q.server.host = "127.0.0.1";
  q.server.port = port;
  q.server.query_suffix = "/e";
  return q;
}

TEST(WhoisFetch, LoopbackAnswerTimeoutAndCap) {
  Listener good(fixture("goodshop.test.txt"));
  Listener silent("", true);
  Listener huge(std::string(200 * 1024, 'x'));
  WhoisFetchOptions opt;
  opt.timeout_ms = 300;
  auto start = std::chrono::steady_clock::now();
  auto out = fetch_whois({query("goodshop.test", good.port()), query("silent.test", silent.port()),
                          query("huge.test", huge.port())},
                         opt);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0].error.empty()) << out[0].error;
  EXPECT_EQ(out[0].body, fixture("goodshop.test.txt"));
  EXPECT_TRUE(out[1].timed_out);
  EXPECT_TRUE(out[2].too_large);
  EXPECT_EQ(out[2].body.size(), opt.max_bytes);
  // Concurrent: one timeout for all, not one per query.
  EXPECT_LT(took, std::chrono::milliseconds(1500));
  EXPECT_EQ(whois_results("goodshop.test", out[0], t("2026-11-25T00:00:00Z"))[0].state, "ok");
  EXPECT_EQ(good.query(), "goodshop.test/e\r\n");
}

TEST(WhoisFetch, CancelEndsEveryQuery) {
  Listener silent("", true);
  std::atomic<bool> stop{false};
  WhoisFetchOptions opt;
  opt.timeout_ms = 5000;
  opt.cancel = &stop;
  std::thread raiser([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop = true;
  });
  auto start = std::chrono::steady_clock::now();
  auto out =
      fetch_whois({query("silent.test", silent.port()), query("next.test", silent.port())}, opt);
  raiser.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].error, "cancelled");
  EXPECT_EQ(out[1].error, "cancelled");
  EXPECT_EQ(whois_results("silent.test", out[0], 0)[0].severity, Severity::Unknown);
}

TEST(WhoisFetch, RefusedConnectionIsAnError) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::uint16_t port = ntohs(a.sin_port);
  ::close(fd);  // nobody listens there now
  auto out = fetch_whois({query("a.jp", port)}, WhoisFetchOptions{});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].error.empty());
  EXPECT_FALSE(out[0].timed_out);
  EXPECT_EQ(whois_results("a.jp", out[0], 0)[0].state, "error");
}

}  // namespace
}  // namespace bannin::probe::domain
