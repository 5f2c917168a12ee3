// Web-server containment: decisions checked into rules, the nginx and Apache text, the
// read-back check that stands between a rendered file and the server, the actuator in observe
// mode (files, expiry, revoke) and the routing by scope. The real servers are in
// tests/cli/webserver_containment_test.sh.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include <bannin/act/recording/recording_actuator.h>
#include <bannin/act/routing_actuator.h>
#include <bannin/act/webserver/webserver_actuator.h>
#include <bannin/act/webserver/webserver_render.h>

namespace bannin::act {
namespace {

namespace fs = std::filesystem;
using web::ServerKind;
constexpr core::TimeNs kS = core::kNsPerSec;

decide::Decision form(const std::string& vhost, const std::string& path, std::int64_t ttl_s = 60) {
  decide::Decision d;
  d.rule = "web.form";
  d.action = "deny";
  d.scope = "vhost_path";
  d.vhost = vhost;
  d.path = path;
  d.method = "POST";
  d.except_countries = {"JP"};
  d.ttl = ttl_s * kS;
  return d;
}

std::vector<core::IpPrefix> prefixes(std::initializer_list<const char*> list) {
  std::vector<core::IpPrefix> out;
  for (const char* s : list) out.push_back(*core::IpPrefix::parse(s));
  return out;
}

// JP: 120 networks (so Apache needs three Require lines), DE: one.
struct Nets {
  std::vector<core::IpPrefix> jp, de, none;
  Nets() {
    for (int i = 0; i < 119; ++i) {
      jp.push_back(*core::IpPrefix::parse("10." + std::to_string(i) + ".0.0/16"));
    }
    jp.push_back(*core::IpPrefix::parse("2001:db8:3::/48"));
    de = prefixes({"172.16.0.0/12"});
  }
  web::CountryNetworks fn() {
    return [this](const std::string& cc) -> const std::vector<core::IpPrefix>& {
      return cc == "JP" ? jp : cc == "DE" ? de : none;
    };
  }
};

TEST(WebRule, NormalisesHostPathAndMethod) {
  auto d = form("Example.JP:443", "/Contact//form/?x=1");
  d.method = "post";
  d.except_countries = {"jp", "de", "JP"};
  auto r = web::rule_of(d);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->vhost, "example.jp");
  EXPECT_EQ(r->path, "/Contact/form");
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->except_countries, (std::vector<std::string>{"DE", "JP"}));
  EXPECT_EQ(r->key, "example.jp|POST|/Contact/form");
  auto enc = web::rule_of(form("a.jp", "/%63ontact/"));
  ASSERT_TRUE(enc);
  EXPECT_EQ(enc->path, "/contact");
  auto whole = web::rule_of(form("a.jp", "/"));
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->path, "");
}

TEST(WebRule, RefusesWhatCouldChangeTheConfigurationsMeaning) {
  for (const char* path :
       {"/a\"b", "/a b", "/a$b", "/a{b}", "/a\nb", "/a%22", "/a%", "/a%zz", "contact", "/a\\b"}) {
    auto r = web::rule_of(form("a.jp", path));
    ASSERT_FALSE(r) << path;
    EXPECT_EQ(r.error().code, "invalid_target") << path;
  }
  for (const char* host : {"", "a b.jp", "a.jp;", "a\".jp", "*.jp"}) {
    EXPECT_FALSE(web::rule_of(form(host, "/x"))) << host;
  }
  auto d = form("a.jp", "/x");
  d.method = "PO ST";
  EXPECT_FALSE(web::rule_of(d));
  d = form("a.jp", "/x");
  d.except_countries = {"JPN"};
  EXPECT_FALSE(web::rule_of(d));
  d = form("a.jp", "/x");
  d.scope = "ip";
  auto r = web::rule_of(d);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "unsupported_scope");
}

std::vector<web::WebRule> rules_of(std::initializer_list<decide::Decision> ds) {
  std::vector<web::WebRule> out;
  for (const auto& d : ds) out.push_back(*web::rule_of(d));
  return out;
}

TEST(WebRender, NginxGeoMapsAndServerLineReadBack) {
  Nets n;
  auto vhost = form("b.jp", "");
  vhost.scope = "vhost";
  vhost.except_countries.clear();
  vhost.method.clear();
  auto rules = rules_of({form("a.jp", "/contact/"), vhost});
  auto r = web::render(ServerKind::Nginx, rules, n.fn());
  ASSERT_EQ(r.files.size(), 2U);
  const std::string& h = r.files.at("http.conf");
  EXPECT_NE(h.find("geo $bannin_cc {\n    default ZZ;\n    10.0.0.0/16 JP;\n"), std::string::npos);
  EXPECT_NE(h.find("    2001:db8:3::/48 JP;\n"), std::string::npos);
  EXPECT_NE(h.find("\"~*^a[.]jp[|]POST[|]/contact(/|$)\" 2;"), std::string::npos) << h;
  EXPECT_NE(h.find("\"~*^b[.]jp[|][^|]*[|]/\" 1;"), std::string::npos) << h;
  EXPECT_NE(h.find("    1 1;\n    2 $bannin_foreign_2;\n"), std::string::npos) << h;
  EXPECT_NE(h.find("map $bannin_cc $bannin_foreign_2 {\n    default 1;\n    JP 0;\n}"),
            std::string::npos);
  EXPECT_EQ(r.networks, 120U);
  EXPECT_NE(r.files.at("server.conf").find("if ($bannin_block) { return 403; }"),
            std::string::npos);
  auto ok = web::check_rendered(ServerKind::Nginx, r, rules, n.fn(), 100, {});
  EXPECT_TRUE(ok) << ok.error().message;
  // Same rules in another order: the same bytes.
  auto again = web::render(ServerKind::Nginx, {rules[1], rules[0]}, n.fn());
  EXPECT_EQ(again.files, r.files);
}

TEST(WebRender, ApacheLocationIfRequireAny50PerLine) {
  Nets n;
  auto rules = rules_of({form("a.jp", "/contact/")});
  auto r = web::render(ServerKind::Apache, rules, n.fn());
  const std::string& a = r.files.at("bannin.conf");
  EXPECT_NE(a.find("<LocationMatch \"(?i)^/contact(/|$)\">\n"
                   "    <If \"tolower(%{SERVER_NAME}) == 'a.jp' && %{REQUEST_METHOD} == 'POST'\">\n"
                   "        AuthMerging And\n        <RequireAny>\n"),
            std::string::npos)
      << a;
  std::istringstream in(a);
  std::string line;
  std::vector<std::size_t> per_line;
  while (std::getline(in, line)) {
    if (line.find("Require ip ") == std::string::npos) continue;
    per_line.push_back(static_cast<std::size_t>(std::count(line.begin(), line.end(), ' ')) - 13);
  }
  EXPECT_EQ(per_line, (std::vector<std::size_t>{50, 50, 20}));
  EXPECT_EQ(a.substr(a.size() - 13), "# bannin-end\n");
  auto ok = web::check_rendered(ServerKind::Apache, r, rules, n.fn(), 1, {});
  EXPECT_TRUE(ok) << ok.error().message;
}

// Every cut of a rendered file is refused: mid-address (Apache would read "10.1." as a /16
// and pass its own test), at a line break, before the marker.
TEST(WebCheck, RefusesEveryTruncation) {
  Nets n;
  auto rules = rules_of({form("a.jp", "/contact/")});
  for (auto kind : {ServerKind::Nginx, ServerKind::Apache}) {
    auto r = web::render(kind, rules, n.fn());
    const std::string name = kind == ServerKind::Nginx ? "http.conf" : "bannin.conf";
    const std::string full = r.files.at(name);
    std::size_t refused = 0, cuts = 0;
    for (std::size_t cut = 1; cut < full.size(); cut += 7) {
      auto t = r;
      t.files[name] = full.substr(0, cut);
      ++cuts;
      if (!web::check_rendered(kind, t, rules, n.fn(), 1, {})) ++refused;
    }
    EXPECT_EQ(refused, cuts) << name;
    // Cut mid-address but with the marker put back: the count no longer matches.
    auto at = full.find("10.1.0.0/16");
    ASSERT_NE(at, std::string::npos);
    auto t = r;
    t.files[name] = full.substr(0, at + 5) + "\n# bannin-end\n";
    auto c = web::check_rendered(kind, t, rules, n.fn(), 1, {});
    ASSERT_FALSE(c) << name;
    EXPECT_EQ(c.error().code, "unsafe_config");
  }
}

TEST(WebCheck, RefusesWrongDefaultsSmallListsAndCanaryFailures) {
  Nets n;
  auto rules = rules_of({form("a.jp", "/contact/")});
  auto r = web::render(ServerKind::Nginx, rules, n.fn());
  auto t = r;
  auto& h = t.files["http.conf"];
  h.replace(h.find("default ZZ;"), 11, "default JP;");
  EXPECT_FALSE(web::check_rendered(ServerKind::Nginx, t, rules, n.fn(), 1, {}));
  t = r;
  auto& h2 = t.files["http.conf"];
  auto m = h2.find("map $bannin_cc $bannin_foreign_1 {\n    default 1;");
  ASSERT_NE(m, std::string::npos);
  h2.replace(h2.find("default 1;", m), 10, "default 0;");
  EXPECT_FALSE(web::check_rendered(ServerKind::Nginx, t, rules, n.fn(), 1, {}));
  auto small = web::check_rendered(ServerKind::Nginx, r, rules, n.fn(), 121, {});
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message.find("min_entries"), std::string::npos);
  web::Canaries c;
  c.foreign = "10.5.5.5";  // inside 10.5.0.0/16, a JP network
  auto fc = web::check_rendered(ServerKind::Apache, web::render(ServerKind::Apache, rules, n.fn()),
                                rules, n.fn(), 1, c);
  ASSERT_FALSE(fc);
  EXPECT_NE(fc.error().message.find("foreign canary"), std::string::npos);
  c = {};
  c.domestic = "192.0.2.1";
  EXPECT_FALSE(web::check_rendered(ServerKind::Nginx, r, rules, n.fn(), 1, c));
  // A country the geo data does not know: an empty allow-list would refuse everyone.
  auto d = form("a.jp", "/contact/");
  d.except_countries = {"LI"};
  auto li = rules_of({d});
  EXPECT_FALSE(web::check_rendered(ServerKind::Nginx, web::render(ServerKind::Nginx, li, n.fn()),
                                   li, n.fn(), 1, {}));
}

class WebActuatorObserve : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("bannin-web-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<WebServerActuator> make(ServerKind kind) {
    WebServerConfig c;
    c.kind = kind;
    c.dir = dir_.string();
    c.observe = true;
    auto a = WebServerActuator::create(
        c, [this](const std::string& cc) { return cc == "JP" ? nets_.jp : nets_.none; },
        [this] { return now_; });
    EXPECT_TRUE(a) << a.error().message;
    return std::move(*a);
  }
  std::string read(const std::string& name) {
    std::ifstream in(dir_ / name);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  fs::path dir_;
  Nets nets_;
  core::TimeNs now_ = 1000 * kS;
};

TEST_F(WebActuatorObserve, WritesFilesExpiresAndRevokes) {
  auto a = make(ServerKind::Nginx);
  decide::Decision bad = form("a.jp", "/a\"b");
  decide::Decision ip;
  ip.scope = "ip";
  ip.action = "deny";
  ip.ip = "192.0.2.1";
  ip.ttl = kS;
  std::vector<decide::Decision> batch{form("a.jp", "/contact/", 10), bad, ip,
                                      form("b.jp", "/form", 100)};
  auto res = a->apply(batch);
  ASSERT_EQ(res.size(), 4U);
  EXPECT_EQ(res[0].outcome, Outcome::Recorded) << res[0].detail;
  EXPECT_EQ(res[0].timeout_s, 10);
  EXPECT_EQ(res[1].outcome, Outcome::Invalid);
  EXPECT_EQ(res[2].outcome, Outcome::Unsupported);
  EXPECT_EQ(res[3].outcome, Outcome::Recorded);
  EXPECT_NE(read("http.conf").find("a[.]jp"), std::string::npos);
  EXPECT_NE(read("http.conf").find("b[.]jp"), std::string::npos);
  EXPECT_EQ(a->reloads(), 0U);  // observe: never a reload
  auto listed = a->list();
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 2U);
  // Expiry: health() drops a.jp's rule and rewrites the files.
  now_ += 11 * kS;
  EXPECT_TRUE(a->health().ok);
  EXPECT_EQ(read("http.conf").find("a[.]jp"), std::string::npos);
  EXPECT_NE(read("http.conf").find("b[.]jp"), std::string::npos);
  // Revoke: b.jp's goes; a second revoke finds nothing.
  const decide::Decision b[] = {form("b.jp", "/form")};
  EXPECT_EQ(a->revoke(b)[0].outcome, Outcome::Revoked);
  EXPECT_EQ(read("http.conf").find("b[.]jp"), std::string::npos);
  EXPECT_EQ(a->revoke(b)[0].outcome, Outcome::NotFound);
  EXPECT_EQ(read("http.conf").substr(read("http.conf").size() - 13), "# bannin-end\n");
}

TEST_F(WebActuatorObserve, AFileThatFailsTheCheckIsNotWrittenAndTheDecisionFails) {
  auto a = make(ServerKind::Apache);
  const decide::Decision one[] = {form("a.jp", "/contact/")};
  ASSERT_EQ(a->apply(one)[0].outcome, Outcome::Recorded);
  const std::string before = read("bannin.conf");
  auto d = form("c.jp", "/x");
  d.except_countries = {"LI"};  // no networks: refused by the check
  const decide::Decision two[] = {d};
  auto r = a->apply(two);
  EXPECT_EQ(r[0].outcome, Outcome::Failed);
  EXPECT_NE(r[0].detail.find("empty"), std::string::npos) << r[0].detail;
  EXPECT_EQ(read("bannin.conf"), before);
  EXPECT_FALSE(a->health().ok);
  auto listed = a->list();
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 1U);  // the failed one is not kept
}

TEST_F(WebActuatorObserve, RoutingSendsScopesToTheirActuator) {
  auto rec = std::make_unique<RecordingActuator>([this] { return now_; });
  RecordingActuator* recp = rec.get();
  RoutingActuator route(std::move(rec), make(ServerKind::Nginx));
  decide::Decision ip;
  ip.scope = "ip";
  ip.action = "deny";
  ip.ip = "192.0.2.1";
  ip.ttl = 60 * kS;
  std::vector<decide::Decision> batch{form("a.jp", "/contact/"), ip};
  auto res = route.apply(batch);
  ASSERT_EQ(res.size(), 2U);
  EXPECT_EQ(res[0].index, 0U);
  EXPECT_EQ(res[0].outcome, Outcome::Recorded);
  EXPECT_EQ(res[0].target, "a.jp/contact POST");  // the web actuator's answer
  EXPECT_EQ(res[1].index, 1U);
  EXPECT_EQ(res[1].target, "192.0.2.1");
  EXPECT_EQ(recp->lines().find("a.jp"), std::string::npos);  // not sent to the address side
  EXPECT_EQ(route.batch_window(), std::chrono::milliseconds(500));
  auto listed = route.list();
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 2U);
}

}  // namespace
}  // namespace bannin::act
