// Tests of the rule expression language (bannin/ruleset/expr.h, docs/rules.md): every
// operator and function, absent-field semantics, thresholds, and the diagnostics a rule
// author sees (codes, offsets, several problems in one expression).
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/core/ip_address.h>
#include <bannin/enrich/geo_db.h>
#include <bannin/model/event.h>
#include <bannin/model/fields.h>
#include <bannin/ruleset/expr.h>
#include <bannin/ruleset/expr_nodes.h>

namespace bannin::ruleset {
namespace {

using model::Field;

core::IpAddress ip(std::string_view s) {
  return *core::IpAddress::parse(s);
}

class ExprTest : public ::testing::Test {
 protected:
  ExprTest() {
    params_["home_countries"] = ParamValue{{"JP"}, true};
    params_["allowlist"] = ParamValue{{"192.0.2.0/24", "198.51.100.7", "2001:db8::/32"}, true};
    params_["form_paths"] = ParamValue{{"/contact/", "/inquiry/"}, true};
    params_["min_sources"] = ParamValue{{"20"}, false};
    params_["ratio"] = ParamValue{{"0.6"}, false};
    params_["method"] = ParamValue{{"POST"}, false};
    params_["statuses"] = ParamValue{{"400", "403", "404"}, true};
    params_["slow"] = ParamValue{{"2s"}, false};
    params_["bad_list"] = ParamValue{{"10.0.0.0/8", "not-an-ip"}, true};
    params_["probe_prefixes"] = ParamValue{{"/.env", "/.git"}, true};
    params_["regex"] = ParamValue{{"^/wp-(login|admin)"}, false};
    geo_ = enrich::GeoDb::from_ranges({
        {ip("1.0.0.0"), ip("1.255.255.255"), enrich::CountryCode::from("JP")},
        {ip("5.0.0.0"), ip("5.255.255.255"), enrich::CountryCode::from("RU")},
        {ip("2001:db8::"), ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"),
         enrich::CountryCode::from("DE")},
    });
    env_.params = &params_;
    env_.geo = &geo_;
    reset_event();
  }

  void reset_event() {
    ev_.reset();
    ev_.set_kind(model::EventKind::HttpRequest);
    ev_.set_ts(1'700'000'000'000'000'000);
    ev_.set_ip(Field::SrcIp, ip("5.6.7.8"));
    ev_.set_string(Field::Method, "POST");
    ev_.set_string(Field::Path, "/contact/");
    ev_.set_int(Field::Status, 200);
    ev_.set_int(Field::Bytes, 1500);
    ev_.set_string(Field::Country, "RU");
    ev_.set_string(Field::UserAgent, "Mozilla/5.0 (compatible; SQLmap)");
    ev_.set_duration(Field::RequestTime, 250'000'000);  // 250 ms
    ev_.set_bool(Field::NonHttp, false);
  }

  /// Compiles text as a predicate (must succeed) and evaluates it on ev_.
  bool eval(std::string_view text) {
    auto c = compile_predicate(text, env_);
    EXPECT_TRUE(c.value) << text << ": " << dump(c.diagnostics);
    if (!c.value) return false;
    return c.value->eval(ev_);
  }

  std::vector<Diagnostic> errors(std::string_view text) {
    auto c = compile_predicate(text, env_);
    EXPECT_FALSE(c.value) << text;
    EXPECT_FALSE(c.diagnostics.empty()) << text;
    return c.diagnostics;
  }

  std::vector<Diagnostic> cond_errors(std::string_view text) {
    AggregateRegistry reg;
    auto c = compile_condition(text, env_, reg);
    EXPECT_FALSE(c.value) << text;
    EXPECT_FALSE(c.diagnostics.empty()) << text;
    EXPECT_TRUE(reg.specs().empty()) << "a rejected condition must not register aggregates";
    return c.diagnostics;
  }

  static std::string dump(const std::vector<Diagnostic>& d) {
    std::string s;
    for (const auto& x : d) s += x.code + "@" + std::to_string(x.offset) + ": " + x.message + "\n";
    return s;
  }

  Params params_;
  enrich::GeoDb geo_;
  CompileEnv env_;
  model::Event ev_;
};

// ---- comparisons --------------------------------------------------------------------------

TEST_F(ExprTest, StringComparisonsAreBytewise) {
  EXPECT_TRUE(eval(R"(method == "POST")"));
  EXPECT_FALSE(eval(R"(method == "post")"));
  EXPECT_TRUE(eval(R"(method != "GET")"));
  EXPECT_TRUE(eval(R"(path < "/d")"));
  EXPECT_TRUE(eval(R"(path <= "/contact/")"));
  EXPECT_TRUE(eval(R"(path > "/a")"));
  EXPECT_TRUE(eval(R"(path >= "/contact/")"));
  EXPECT_TRUE(eval(R"("POST" == method)"));
  EXPECT_TRUE(eval(R"(method == $method)"));
}

TEST_F(ExprTest, IntComparisonsAndThresholds) {
  EXPECT_TRUE(eval("status == 200"));
  EXPECT_TRUE(eval("status < 400"));
  EXPECT_FALSE(eval("status >= 400"));
  EXPECT_TRUE(eval("status <= 200"));
  EXPECT_FALSE(eval("status > 200"));
  EXPECT_TRUE(eval("200 <= status"));  // constant on the left
  EXPECT_FALSE(eval("201 <= status"));
  EXPECT_TRUE(eval("bytes > 1499.5"));  // int vs decimal compares numerically
  EXPECT_FALSE(eval("bytes > 1500.0"));
  EXPECT_TRUE(eval("bytes == 1500.0"));
}

TEST_F(ExprTest, DurationsAreNanoseconds) {
  EXPECT_TRUE(eval("request_time == 250ms"));
  EXPECT_TRUE(eval("request_time < 1s"));
  EXPECT_FALSE(eval("request_time >= $slow"));
  EXPECT_TRUE(eval("request_time > 0.2s"));
  EXPECT_TRUE(
      eval("1h == 60m and 1m == 60s and 1s == 1000ms and 1ms == 1000us and "
           "1us == 1000ns and 1d == 24h"));
  EXPECT_TRUE(eval("ts > 0"));  // the event's timestamp is always there
}

TEST_F(ExprTest, IpEqualityAndBoolFields) {
  EXPECT_TRUE(eval("src_ip == 5.6.7.8"));
  EXPECT_TRUE(eval(R"(src_ip == "5.6.7.8")"));  // a quoted address is read as one
  EXPECT_TRUE(eval("src_ip != 5.6.7.9"));
  EXPECT_FALSE(eval("non_http"));
  EXPECT_TRUE(eval("not non_http"));
  EXPECT_TRUE(eval("non_http == false"));
  EXPECT_TRUE(eval("(status == 200) == true"));
  ev_.set_bool(Field::NonHttp, true);
  EXPECT_TRUE(eval("non_http"));
  EXPECT_TRUE(eval("non_http and true"));
  EXPECT_FALSE(eval("false or not non_http"));
}

TEST_F(ExprTest, Ipv6Literals) {
  ev_.set_ip(Field::SrcIp, ip("2001:db8::1"));
  EXPECT_TRUE(eval("src_ip == 2001:db8::1"));
  EXPECT_TRUE(eval("src_ip in 2001:db8::/32"));
  EXPECT_FALSE(eval("src_ip in 2001:db9::/32"));
  EXPECT_TRUE(eval("src_ip != ::1"));
  EXPECT_TRUE(eval("src_ip in [fe80::/10, 2001:db8::/48]"));
}

// ---- logic and precedence -----------------------------------------------------------------

TEST_F(ExprTest, LogicAndPrecedence) {
  EXPECT_TRUE(eval(R"(method == "GET" or method == "POST" and path == "/contact/")"));
  EXPECT_FALSE(eval(R"((method == "GET" or method == "POST") and path == "/x")"));
  EXPECT_TRUE(eval(R"(not method == "GET")"));  // not binds looser than ==
  EXPECT_TRUE(eval(R"(not not method == "POST")"));
  EXPECT_TRUE(eval("status == 100 + 50 * 2"));
  EXPECT_TRUE(eval("status == (100 + 100) * 1"));
  EXPECT_TRUE(eval("status - 100 == 100 and -status == -200 and - -status == 200"));
  EXPECT_TRUE(eval("status / 100 == 2"));
  EXPECT_TRUE(eval("status / 400 == 0.5"));  // division is on numbers
  EXPECT_FALSE(eval("status / 0 == 0"));     // division by zero is absent
  EXPECT_TRUE(eval("status / 0 != 0"));
}

// ---- membership ---------------------------------------------------------------------------

TEST_F(ExprTest, InLists) {
  EXPECT_TRUE(eval(R"(path in ["/contact/", "/inquiry/"])"));
  EXPECT_FALSE(eval(R"(path in ["/contact", "/inquiry/"])"));
  EXPECT_TRUE(eval(R"(path not in ["/contact", "/inquiry/"])"));
  EXPECT_TRUE(eval("path in $form_paths"));
  EXPECT_TRUE(eval("status in [200, 204]"));
  EXPECT_FALSE(eval("status in $statuses"));
  EXPECT_TRUE(eval("status not in $statuses"));
  EXPECT_TRUE(eval("status in [200.0, 1.5]"));
  EXPECT_TRUE(eval("status in [-1, 200]"));
  EXPECT_FALSE(eval("status in []"));
  EXPECT_TRUE(eval("country not in $home_countries"));
  EXPECT_TRUE(eval("non_http in [false]"));
  // Long lists use binary search: check both ends and a miss.
  std::string big = "status in [";
  for (int k = 0; k < 100; ++k) big += std::to_string(k * 3) + ",";
  big += "1000]";
  EXPECT_FALSE(eval(big));
  ev_.set_int(Field::Status, 297);
  EXPECT_TRUE(eval(big));
  ev_.set_int(Field::Status, 0);
  EXPECT_TRUE(eval(big));
  ev_.set_int(Field::Status, 1000);
  EXPECT_TRUE(eval(big));
}

TEST_F(ExprTest, CidrMembership) {
  EXPECT_TRUE(eval("src_ip in 5.6.0.0/16"));
  EXPECT_FALSE(eval("src_ip in 192.0.2.0/24"));
  EXPECT_TRUE(eval("src_ip not in 192.0.2.0/24"));
  EXPECT_TRUE(eval("src_ip in 0.0.0.0/0"));
  EXPECT_TRUE(eval("src_ip in [192.0.2.0/24, 5.6.7.8]"));
  EXPECT_TRUE(eval(R"(src_ip in ["192.0.2.0/24", "5.6.7.0/24"])"));
  EXPECT_FALSE(eval("src_ip in $allowlist"));
  ev_.set_ip(Field::SrcIp, ip("192.0.2.99"));
  EXPECT_TRUE(eval("src_ip in $allowlist"));
  ev_.set_ip(Field::SrcIp, ip("198.51.100.7"));
  EXPECT_TRUE(eval("src_ip in $allowlist"));
  ev_.set_ip(Field::SrcIp, ip("198.51.100.8"));
  EXPECT_FALSE(eval("src_ip in $allowlist"));
  ev_.set_ip(Field::SrcIp, ip("2001:db8:5::1"));
  EXPECT_TRUE(eval("src_ip in $allowlist"));
  EXPECT_FALSE(eval("src_ip in 5.0.0.0/8"));  // v6 never falls in a v4 network
}

// ---- string operators and regex -----------------------------------------------------------

TEST_F(ExprTest, StringOperators) {
  EXPECT_TRUE(eval(R"(path startswith "/con")"));
  EXPECT_FALSE(eval(R"(path startswith "/wp-")"));
  EXPECT_TRUE(eval(R"(path not startswith "/wp-")"));
  EXPECT_TRUE(eval(R"(path endswith "act/")"));
  EXPECT_TRUE(eval(R"(user_agent contains "SQLmap")"));
  EXPECT_FALSE(eval(R"(user_agent contains "sqlmap")"));
  EXPECT_TRUE(eval(R"(user_agent not contains "curl")"));
  EXPECT_TRUE(eval(R"(path startswith ["/.env", "/con"])"));  // any of
  EXPECT_FALSE(eval("path startswith $probe_prefixes"));
  EXPECT_TRUE(eval("path contains method or path endswith path"));  // computed needle
}

// A long list (a probe list read from data/) is matched with one RE2 automaton; it must
// answer exactly as comparing item by item does, regular-expression characters, bytes
// above 0x7f and the empty subject included.
TEST_F(ExprTest, LongStringListsMatchLikeItemByItem) {
  std::vector<std::string> items = {".sql",  "/.env", "a.b", "(x)", "[y]",    "\\",
                                    "$",     "^",     "a|b", "q+",  "%2e%2e", "\xc3\xa9",
                                    "/.git", "/pma",  "../", "*?",  "{2}",    ".bak"};
  ASSERT_GE(items.size(), detail::kStrListRegexMin);
  params_["long"] = ParamValue{items, true};
  params_["short"] = ParamValue{{"/.env", "a.b", "(x)"}, true};
  const std::vector<std::string> subjects = {
      "/dump.sql", "/dump.sqlx", "/.env", "/x/.env.bak", "/aXb",      "/a.b/",
      "/(x)",      "/x",         "/[y]",  "\\",          "$",         "/^",
      "/a|b",      "/ab",        "/qq+",  "/q",          "/..%2e%2e", "/caf\xc3\xa9",
      "/.git",     "/.github",   "/pma/", "/a/../b",     "/*?",       "/{2}",
      "/x.bak",    "",           "/"};
  for (const std::string& subject : subjects) {
    ev_.set_string(Field::Path, subject);
    for (const char* op : {"startswith", "endswith", "contains"}) {
      bool want = false;
      for (const std::string& n : items) {
        std::string_view h(subject);
        if (std::string_view(op) == "startswith") want = want || h.starts_with(n);
        if (std::string_view(op) == "endswith") want = want || h.ends_with(n);
        if (std::string_view(op) == "contains") want = want || h.find(n) != std::string::npos;
      }
      EXPECT_EQ(eval(std::string("path ") + op + " $long"), want) << op << " " << subject;
      EXPECT_EQ(eval(std::string("path not ") + op + " $long"), !want) << op << " " << subject;
    }
  }
  ev_.set_string(Field::Path, "/x/.env");
  EXPECT_TRUE(eval("path endswith $short"));  // short lists: item by item, same answers
  EXPECT_FALSE(eval("path startswith $short"));
}

TEST_F(ExprTest, Regex) {
  EXPECT_FALSE(eval(R"x(path ~ "^/wp-(login|admin)")x"));
  EXPECT_TRUE(eval(R"x(path !~ "^/wp-(login|admin)")x"));
  EXPECT_TRUE(eval(R"(path not ~ "^/wp-")"));
  EXPECT_TRUE(eval(R"(path ~ "con.act")"));  // partial match
  ev_.set_string(Field::Path, "/wp-login.php");
  EXPECT_TRUE(eval(R"x(path ~ "^/wp-(login|admin)")x"));
  EXPECT_TRUE(eval(R"(path ~ "\.php$")"));  // unknown escapes stay for the regex
  EXPECT_FALSE(eval(R"(path ~ "\.PHP$")"));
  EXPECT_TRUE(eval("path ~ $regex"));
  EXPECT_TRUE(eval(R"(path ~ "(?i)\.PHP$")"));
}

TEST_F(ExprTest, StringEscapes) {
  ev_.set_string(Field::UserAgent, R"(say "hi" \o/)");
  EXPECT_TRUE(eval(R"(user_agent == "say \"hi\" \\o/")"));
  EXPECT_TRUE(eval(R"(user_agent contains "\"hi\"")"));
}

// ---- functions ----------------------------------------------------------------------------

TEST_F(ExprTest, Functions) {
  EXPECT_TRUE(eval(R"(country(src_ip) == "RU")"));
  EXPECT_TRUE(eval("country(src_ip) not in $home_countries"));
  EXPECT_TRUE(eval(R"(country(1.2.3.4) == "JP")"));
  EXPECT_FALSE(eval(R"(country(9.9.9.9) == "")"));  // unknown country is absent
  EXPECT_TRUE(eval(R"(country(9.9.9.9) != "JP")"));
  EXPECT_FALSE(eval("asn(src_ip) > 0"));  // range tables carry no ASN
  EXPECT_TRUE(eval(R"(prefix(src_ip, 24) == "5.6.7.0/24")"));
  EXPECT_TRUE(eval(R"(prefix(src_ip, 16) in ["5.6.0.0/16", "10.0.0.0/8"])"));
  EXPECT_TRUE(eval(R"(prefix(src_ip, 64) == "5.6.7.8/32")"));  // v4 capped at /32
  EXPECT_TRUE(eval(R"(prefix(src_ip, 24, 64) == "5.6.7.0/24")"));
  EXPECT_TRUE(eval(R"(lower(user_agent) contains "sqlmap")"));
  EXPECT_TRUE(eval(R"(lower(path) == path)"));
  EXPECT_TRUE(eval("len(path) == 9"));
  EXPECT_TRUE(eval(R"(len("") == 0)"));
  ev_.set_ip(Field::SrcIp, ip("2001:db8:1:2:3:4:5:6"));
  EXPECT_TRUE(eval(R"(prefix(src_ip, 64) == "2001:db8:1:2::/64")"));
  EXPECT_TRUE(eval(R"(prefix(src_ip, 24, 48) == "2001:db8:1::/48")"));
  EXPECT_TRUE(eval(R"(country(src_ip) == "DE")"));
}

TEST_F(ExprTest, CountryFieldAndFunctionDiffer) {
  ev_.set_string(Field::Country, "JP");  // as enrichment set it
  EXPECT_TRUE(eval(R"(country == "JP" and country(src_ip) == "RU")"));
}

TEST_F(ExprTest, GeoMissingMeansAbsent) {
  env_.geo = nullptr;
  EXPECT_FALSE(eval(R"(country(src_ip) == "RU")"));
  EXPECT_TRUE(eval(R"(country(src_ip) not in ["RU"])"));
}

TEST_F(ExprTest, LowerMatchesReferenceOnAllLengths) {
  // Word-at-a-time lowering: check every length and position around the 8-byte words,
  // including the bytes next to 'A'..'Z' and non-ASCII bytes, which must be kept.
  const std::string alphabet = "@AZ[`az{\xc3\x84Mm0 ";
  for (std::size_t len = 0; len < 40; ++len) {
    std::string in, want;
    for (std::size_t k = 0; k < len; ++k) {
      char ch = alphabet[(k * 7 + len) % alphabet.size()];
      in.push_back(ch);
      want.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch);
    }
    ev_.set_string(Field::UserAgent, in);
    ev_.set_string(Field::Referer, want);
    EXPECT_TRUE(eval("lower(user_agent) == referer")) << len;
  }
}

TEST_F(ExprTest, LowerOfLongStringsIsExact) {
  std::string ua(100'000, 'A');
  ua += "SQLMAP";
  ev_.set_string(Field::UserAgent, ua);
  EXPECT_TRUE(eval(R"(lower(user_agent) endswith "sqlmap" and len(lower(user_agent)) == 100006)"));
}

// ---- absent fields ------------------------------------------------------------------------

TEST_F(ExprTest, AbsentFields) {
  // referer, query, qname and server_port are not set on ev_.
  EXPECT_FALSE(eval(R"(referer == "x")"));
  EXPECT_TRUE(eval(R"(referer != "x")"));
  EXPECT_FALSE(eval(R"(referer < "x")"));
  EXPECT_FALSE(eval(R"(referer >= "")"));
  EXPECT_FALSE(eval(R"(referer in ["x"])"));
  EXPECT_TRUE(eval(R"(referer not in ["x"])"));
  EXPECT_FALSE(eval(R"(referer startswith "")"));
  EXPECT_TRUE(eval(R"(referer not contains "x")"));
  EXPECT_FALSE(eval(R"(referer ~ ".*")"));
  EXPECT_TRUE(eval(R"(referer !~ ".*")"));
  EXPECT_FALSE(eval("server_port == 0"));
  EXPECT_TRUE(eval("server_port != 0"));
  EXPECT_FALSE(eval("server_port + 1 > 0"));
  EXPECT_FALSE(eval("len(query) == 0"));
  EXPECT_FALSE(eval(R"(lower(query) == "")"));
  EXPECT_FALSE(eval("forwarded_for == forwarded_for"));
  EXPECT_FALSE(eval("not (forwarded_for == forwarded_for) == false"));
  model::Event empty;
  auto p = compile_predicate(R"(src_ip in 0.0.0.0/0 or prefix(src_ip, 24) == "")", env_);
  ASSERT_TRUE(p.value);
  EXPECT_FALSE(p.value->eval(empty));
  auto q = compile_predicate("src_ip not in $allowlist and not non_http", env_);
  ASSERT_TRUE(q.value);
  EXPECT_TRUE(q.value->eval(empty));
}

TEST_F(ExprTest, IntegerOverflowIsAbsent) {
  ev_.set_int(Field::Bytes, std::numeric_limits<std::int64_t>::max());
  EXPECT_FALSE(eval("bytes + 1 > 0"));
  EXPECT_FALSE(eval("bytes * 2 > 0"));
  EXPECT_TRUE(eval("bytes - 1 > 0"));
}

TEST_F(ExprTest, FieldsRead) {
  auto p = compile_predicate(
      R"(method == "POST" and (path in $form_paths or lower(user_agent) contains "x") and )"
      R"(country(src_ip) != "JP" and path != "")",
      env_);
  ASSERT_TRUE(p.value) << dump(p.diagnostics);
  std::vector<Field> want = {Field::SrcIp, Field::Method, Field::Path, Field::UserAgent};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(p.value->fields(), want);
}

// ---- examples from the incidents (docs/rules.md) ------------------------------------------

TEST_F(ExprTest, IncidentExamples) {
  // contact-form relay: foreign POSTs to the form
  const char* relay = R"(method == "POST" and path in ["/contact/", "/inquiry/"] and )"
                      R"(country not in $home_countries)";
  EXPECT_TRUE(eval(relay));
  ev_.set_string(Field::Country, "JP");
  EXPECT_FALSE(eval(relay));
  // wp-login botnet: failed logins (200 = form shown again)
  const char* wp = R"(method == "POST" and path ~ "^/wp-login\.php$" and status == 200)";
  EXPECT_FALSE(eval(wp));
  ev_.set_string(Field::Path, "/wp-login.php");
  EXPECT_TRUE(eval(wp));
  // scanners
  const char* scan = R"((path startswith ["/.env", "/.git/", "/phpmyadmin/"] and status >= 400) )"
                     R"(or non_http)";
  EXPECT_FALSE(eval(scan));
  ev_.set_string(Field::Path, "/.git/config");
  ev_.set_int(Field::Status, 404);
  EXPECT_TRUE(eval(scan));
}

// ---- conditions and aggregates ------------------------------------------------------------

TEST_F(ExprTest, ConditionThresholds) {
  AggregateRegistry reg;
  auto c = compile_condition(
      "distinct(src_ip) >= $min_sources and share(country not in "
      "$home_countries) >= $ratio",
      env_, reg);
  ASSERT_TRUE(c.value) << dump(c.diagnostics);
  ASSERT_EQ(reg.specs().size(), 2u);
  EXPECT_EQ(reg.texts()[0], "distinct(src_ip)");
  EXPECT_EQ(reg.texts()[1], "share(country not in $home_countries)");
  EXPECT_EQ(reg.specs()[0].kind, AggregateKind::Distinct);
  EXPECT_EQ(reg.specs()[0].field, Field::SrcIp);
  ASSERT_TRUE(reg.specs()[1].predicate);
  EXPECT_EQ(reg.specs()[1].kind, AggregateKind::Share);
  // The share predicate is a working event predicate.
  EXPECT_TRUE(reg.specs()[1].predicate->eval(ev_));
  EXPECT_EQ(reg.specs()[1].predicate->fields(), std::vector<Field>{Field::Country});

  std::vector<double> v = {19, 0.9};
  EXPECT_FALSE(c.value->eval(v));  // just below
  v = {20, 0.6};
  EXPECT_TRUE(c.value->eval(v));  // at the threshold
  v = {20, 0.59};
  EXPECT_FALSE(c.value->eval(v));
  v = {std::nan(""), 1.0};
  EXPECT_FALSE(c.value->eval(v));                          // NaN reads as absent
  EXPECT_FALSE(c.value->eval(std::span<const double>{}));  // missing slots too
}

TEST_F(ExprTest, ConditionArithmeticAndAllAggregates) {
  AggregateRegistry reg;
  auto c = compile_condition(
      "count() / 60 > 5 and rate() >= 0.5 and sum(bytes) > 1000 and min(request_time) < 1s "
      "and max(status) >= 500 and not count() == 0 or -count() < -1000",
      env_, reg);
  ASSERT_TRUE(c.value) << dump(c.diagnostics);
  ASSERT_EQ(reg.specs().size(), 5u);  // count() is registered once
  EXPECT_EQ(reg.texts(), (std::vector<std::string>{"count()", "rate()", "sum(bytes)",
                                                   "min(request_time)", "max(status)"}));
  EXPECT_EQ(reg.specs()[0].kind, AggregateKind::Count);
  EXPECT_EQ(reg.specs()[1].kind, AggregateKind::Rate);
  EXPECT_EQ(reg.specs()[2].kind, AggregateKind::Sum);
  EXPECT_EQ(reg.specs()[3].kind, AggregateKind::Min);
  EXPECT_EQ(reg.specs()[4].kind, AggregateKind::Max);
  std::vector<double> v = {301, 0.5, 1001, 1e8, 500};
  EXPECT_TRUE(c.value->eval(v));
  v[0] = 300;  // 300 / 60 == 5, not > 5
  EXPECT_FALSE(c.value->eval(v));
  v[0] = 1001;  // the `or` branch alone
  v[1] = 0;
  EXPECT_TRUE(c.value->eval(v));
}

// The detector's lazy reading (docs/decisions/2026-12-08-detect-speed.md): only the slots
// the evaluation reaches are computed, and the result is the eager one's.
TEST_F(ExprTest, ConditionReadsOnlyTheSlotsItReaches) {
  AggregateRegistry reg;
  auto c = compile_condition(
      "count() >= 50 and distinct(sender) >= 20 and share(status == 404) >= 0.8 or count() > 1000",
      env_, reg);
  ASSERT_TRUE(c.value) << dump(c.diagnostics);
  ASSERT_EQ(reg.specs().size(), 3u);
  struct Values final : AggregateValues {
    std::vector<double> v;
    std::vector<int> reads;
    [[nodiscard]] std::size_t size() const noexcept override { return v.size(); }
    [[nodiscard]] double get(std::size_t i) noexcept override {
      ++reads[i];
      return v[i];
    }
  };
  Values lazy;
  lazy.v = {49, 30, 0.9};
  lazy.reads = {0, 0, 0};
  EXPECT_EQ(c.value->eval(lazy), c.value->eval(std::span<const double>(lazy.v)));
  lazy.reads = {0, 0, 0};
  EXPECT_FALSE(c.value->eval(lazy));
  EXPECT_EQ(lazy.reads, (std::vector<int>{2, 0, 0})) << "count() below 50: nothing else read";
  lazy.v = {60, 30, 0.9};
  lazy.reads = {0, 0, 0};
  EXPECT_TRUE(c.value->eval(lazy));
  EXPECT_EQ(lazy.reads, (std::vector<int>{1, 1, 1}));
  lazy.v = {60, 10, 0.9};
  EXPECT_FALSE(c.value->eval(lazy));
  EXPECT_EQ(c.value->eval(lazy), c.value->eval(std::span<const double>(lazy.v)));
  lazy.v = {std::nan(""), 30, 0.9};  // NaN still reads as absent
  EXPECT_FALSE(c.value->eval(lazy));
  Values none;  // fewer slots than the condition reads: absent
  EXPECT_FALSE(c.value->eval(none));
}

TEST_F(ExprTest, AggregateDeduplicationAcrossConditions) {
  AggregateRegistry reg;
  auto a = compile_condition("count() > 1 and share(path == \"/x\") > 0.5", env_, reg);
  auto b = compile_condition(
      "count()>2 and share( (path==\"/x\") ) > 0.1 and "
      "distinct(src_ip) > 1",
      env_, reg);
  ASSERT_TRUE(a.value && b.value);
  ASSERT_EQ(reg.specs().size(), 3u);
  EXPECT_EQ(reg.texts()[1], "share(path == \"/x\")");
  std::vector<double> v = {3, 0.6, 2};
  EXPECT_TRUE(a.value->eval(v));
  EXPECT_TRUE(b.value->eval(v));
  v[0] = 2;
  EXPECT_TRUE(a.value->eval(v));
  EXPECT_FALSE(b.value->eval(v));
  // Direct registration normalises whitespace.
  EXPECT_EQ(
      reg.add(AggregateSpec{AggregateKind::Distinct, Field::SrcIp, nullptr}, " distinct( src_ip) "),
      2u);
  EXPECT_EQ(reg.texts()[2], "distinct(src_ip)");
  EXPECT_EQ(reg.add(AggregateSpec{AggregateKind::Distinct, Field::Path, nullptr}, "distinct(path)"),
            3u);
}

TEST_F(ExprTest, ConditionErrors) {
  auto d = cond_errors("src_ip == 1.2.3.4");
  EXPECT_EQ(d[0].code, "field_in_condition");
  d = cond_errors("count()");
  EXPECT_EQ(d[0].code, "not_boolean");
  d = cond_errors("count(src_ip) > 1");
  EXPECT_EQ(d[0].code, "wrong_arity");
  d = cond_errors("sum(path) > 1");
  EXPECT_EQ(d[0].code, "type_mismatch");
  EXPECT_EQ(d[0].offset, 4u);
  d = cond_errors("distinct(nope) > 1");
  EXPECT_EQ(d[0].code, "unknown_field");
  d = cond_errors("distinct(lower(path)) > 1");
  EXPECT_EQ(d[0].code, "type_mismatch");
  d = cond_errors("share(count() > 1) > 0.5");
  EXPECT_EQ(d[0].code, "aggregate_in_predicate");
  EXPECT_EQ(d[0].offset, 6u);
  d = cond_errors("share(path) > 0.5");
  EXPECT_EQ(d[0].code, "type_mismatch");
  d = cond_errors("count() > 1 and distinct(src_ip) > 2 and $nope");
  EXPECT_EQ(d[0].code, "unknown_param");
}

// ---- diagnostics --------------------------------------------------------------------------

TEST_F(ExprTest, DiagnosticCodesAndOffsets) {
  auto d = errors(R"(pth == "/")");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].code, "unknown_field");
  EXPECT_EQ(d[0].offset, 0u);
  EXPECT_NE(d[0].message.find("'pth'"), std::string::npos) << d[0].message;

  d = errors(R"(method == "POST" and path == 5)");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].code, "type_mismatch");
  EXPECT_EQ(d[0].offset, 26u);  // the operator
  EXPECT_NE(d[0].message.find("'path'"), std::string::npos) << d[0].message;
  EXPECT_NE(d[0].message.find("'5'"), std::string::npos) << d[0].message;

  d = errors("src_ip in $nope");
  EXPECT_EQ(d[0].code, "unknown_param");
  EXPECT_EQ(d[0].offset, 10u);

  d = errors(R"(path ~ "([a-z")");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].code, "bad_regex");
  EXPECT_EQ(d[0].offset, 7u);

  d = errors("src_ip in 192.0.2.5/24");
  EXPECT_EQ(d[0].code, "bad_cidr");
  EXPECT_EQ(d[0].offset, 10u);
  d = errors("src_ip in 192.0.2.0/33");
  EXPECT_EQ(d[0].code, "bad_cidr");

  d = errors("count() > 5");
  EXPECT_EQ(d[0].code, "aggregate_in_predicate");
  d = errors("frobnicate(path)");
  EXPECT_EQ(d[0].code, "unknown_function");
  d = errors("path(1)");
  EXPECT_EQ(d[0].code, "unknown_function");
  d = errors("prefix(src_ip)");
  EXPECT_EQ(d[0].code, "wrong_arity");
  d = errors(R"(prefix(src_ip, 200) == "x")");
  EXPECT_EQ(d[0].code, "bad_argument");
  EXPECT_EQ(d[0].offset, 15u);
  d = errors("path");
  EXPECT_EQ(d[0].code, "not_boolean");
  d = errors("status + 1");
  EXPECT_EQ(d[0].code, "not_boolean");
  d = errors("status == $method");
  EXPECT_EQ(d[0].code, "type_mismatch");
  d = errors("status == $statuses");
  EXPECT_EQ(d[0].code, "type_mismatch");
  d = errors("src_ip in $bad_list");
  EXPECT_EQ(d[0].code, "type_mismatch");
  EXPECT_NE(d[0].message.find("not-an-ip"), std::string::npos);
  d = errors("src_ip < 1.2.3.4");
  EXPECT_EQ(d[0].code, "type_mismatch");
  d = errors("src_ip == 1.2.3.0/24");
  EXPECT_EQ(d[0].code, "type_mismatch");
  d = errors("path in \"x\"");
  EXPECT_EQ(d[0].code, "type_mismatch");
  d = errors("path in [path]");
  EXPECT_EQ(d[0].code, "type_mismatch");
  d = errors("status in [1, \"x\"]");
  EXPECT_EQ(d[0].code, "type_mismatch");
  EXPECT_EQ(d[0].offset, 14u);
  d = errors("path ~ path");
  EXPECT_EQ(d[0].code, "type_mismatch");
  d = errors("status startswith \"1\"");
  EXPECT_EQ(d[0].code, "type_mismatch");
  d = errors("not status");
  EXPECT_EQ(d[0].code, "type_mismatch");
  d = errors("-path == 1");
  EXPECT_EQ(d[0].code, "type_mismatch");
}

TEST_F(ExprTest, SyntaxErrors) {
  auto d = errors("method = \"POST\"");
  EXPECT_EQ(d[0].code, "syntax");
  EXPECT_EQ(d[0].offset, 7u);
  d = errors("path == \"unterminated");
  EXPECT_EQ(d[0].code, "syntax");
  EXPECT_EQ(d[0].offset, 8u);
  d = errors("(status == 1");
  EXPECT_EQ(d[0].code, "syntax");
  d = errors("status == 1)");
  EXPECT_EQ(d[0].code, "syntax");
  EXPECT_EQ(d[0].offset, 11u);
  d = errors("1 < status < 3");
  EXPECT_EQ(d[0].code, "syntax");
  d = errors("status == 10x");
  EXPECT_EQ(d[0].code, "syntax");
  d = errors("status == 99999999999999999999");
  EXPECT_EQ(d[0].code, "syntax");
  d = errors("path in [\"a\",");
  EXPECT_EQ(d[0].code, "syntax");
  d = errors("src_ip == 1.2.3");
  EXPECT_EQ(d[0].code, "syntax");
  d = errors("status == 1 && path == \"x\"");
  EXPECT_EQ(d[0].code, "syntax");
  d = errors("");
  EXPECT_EQ(d[0].code, "syntax");
  d = errors("$");
  EXPECT_EQ(d[0].code, "syntax");
  d = errors("path not == \"x\"");
  EXPECT_EQ(d[0].code, "syntax");
}

TEST_F(ExprTest, ReportsEveryProblem) {
  // Three independent problems: unknown field, type mismatch, bad regex.
  const char* text = R"(pth == "/" and status == "x" and path ~ "(" and method == "GET")";
  auto d = errors(text);
  ASSERT_EQ(d.size(), 3u) << dump(d);
  EXPECT_EQ(d[0].code, "unknown_field");
  EXPECT_EQ(d[0].offset, 0u);
  EXPECT_EQ(d[1].code, "type_mismatch");
  EXPECT_EQ(d[1].offset, 22u);
  EXPECT_EQ(d[2].code, "bad_regex");
  EXPECT_EQ(d[2].offset, 40u);

  // A syntax error in one clause does not hide the type errors of the others.
  d = errors(R"(status == == 1 or nope == 2 or path == 3)");
  ASSERT_EQ(d.size(), 3u) << dump(d);
  EXPECT_EQ(d[0].code, "syntax");
  EXPECT_EQ(d[0].offset, 10u);
  EXPECT_EQ(d[1].code, "unknown_field");
  EXPECT_EQ(d[1].offset, 18u);
  EXPECT_EQ(d[2].code, "type_mismatch");

  // Both sides of one comparison.
  d = errors("foo == $bar");
  ASSERT_EQ(d.size(), 2u) << dump(d);
  EXPECT_EQ(d[0].code, "unknown_field");
  EXPECT_EQ(d[1].code, "unknown_param");
}

TEST_F(ExprTest, DeepNestingIsRejectedNotCrashing) {
  std::string deep(5000, '(');
  deep += "true";
  deep += std::string(5000, ')');
  auto d = errors(deep);
  EXPECT_EQ(d[0].code, "too_complex");
  std::string chain = "status == 0";
  for (int k = 0; k < 5000; ++k) chain += " + 1";
  d = errors(chain);
  EXPECT_EQ(d[0].code, "too_complex");
  std::string nots;
  for (int k = 0; k < 5000; ++k) nots += "not ";
  d = errors(nots + "true");
  EXPECT_EQ(d[0].code, "too_complex");
  // Long flat and/or chains are fine (n-ary nodes).
  std::string flat = "status == 0";
  for (int k = 0; k < 2000; ++k) flat += " or status == " + std::to_string(k + 1);
  EXPECT_TRUE(eval(flat));
}

TEST_F(ExprTest, NoParamsDefined) {
  CompileEnv bare;
  auto c = compile_predicate("path in $form_paths", bare);
  EXPECT_FALSE(c.value);
  ASSERT_EQ(c.diagnostics.size(), 1u);
  EXPECT_EQ(c.diagnostics[0].code, "unknown_param");
}

}  // namespace
}  // namespace bannin::ruleset
