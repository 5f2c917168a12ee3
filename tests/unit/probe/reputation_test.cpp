// Safe Browsing and VirusTotal: the response parsers, the results they give, diff_engines, the
// token bucket and the ReputationChecker (cache, budget, Retry-After) with a fake clock and a
// fake transport: time is an input, nothing sleeps and nothing leaves the process.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include <bannin/probe/domain/rate_limit.h>
#include <bannin/probe/domain/reputation.h>
#include <bannin/probe/domain/safe_browsing.h>
#include <bannin/probe/domain/virustotal.h>

namespace bannin::probe::domain {
namespace {

constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr core::TimeNs kT0 = 1'795'000'000 * kSec;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(BANNIN_FIXTURES) + "/domain/reputation/" + name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

HttpResponse ok_body(std::string body) {
  HttpResponse r;
  r.http_status = 200;
  r.body = std::move(body);
  return r;
}

// ---- Safe Browsing -------------------------------------------------------------------

TEST(SafeBrowsing, RequestBodyHasTheV4Shape) {
  std::string b = safe_browsing_request_body("shop.example");
  EXPECT_NE(
      b.find(
          R"("threatTypes":["MALWARE","SOCIAL_ENGINEERING","UNWANTED_SOFTWARE","POTENTIALLY_HARMFUL_APPLICATION"])"),
      std::string::npos)
      << b;
  EXPECT_NE(b.find(R"("platformTypes":["ANY_PLATFORM"])"), std::string::npos) << b;
  EXPECT_NE(b.find(R"("threatEntryTypes":["URL"])"), std::string::npos) << b;
  EXPECT_NE(b.find(R"({"url":"http://shop.example/"},{"url":"https://shop.example/"})"),
            std::string::npos)
      << b;
  EXPECT_NE(b.find(R"("client":{"clientId":"bannin")"), std::string::npos) << b;
}

TEST(SafeBrowsing, UrlCarriesTheKeyEncoded) {
  EXPECT_EQ(safe_browsing_url("https://safebrowsing.googleapis.com/", "AIza+k/y"),
            "https://safebrowsing.googleapis.com/v4/threatMatches:find?key=AIza%2Bk%2Fy");
}

TEST(SafeBrowsing, ProtoDuration) {
  EXPECT_EQ(parse_proto_duration("300s"), 300);
  EXPECT_EQ(parse_proto_duration("600.500s"), 601);  // rounded up
  EXPECT_EQ(parse_proto_duration("5.000s"), 5);
  EXPECT_FALSE(parse_proto_duration("300"));
  EXPECT_FALSE(parse_proto_duration("s"));
  EXPECT_FALSE(parse_proto_duration("-3s"));
  EXPECT_FALSE(parse_proto_duration("99999999999999999999s"));
}

TEST(SafeBrowsing, EmptyObjectIsClean) {
  auto v = parse_safe_browsing_response("{}");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->matches.empty());
  CheckResult r = safe_browsing_result("shop.test", ok_body("{}\n"), "GSB", kT0);
  EXPECT_EQ(r.check, "safebrowsing");
  EXPECT_EQ(r.state, "clean");
  EXPECT_EQ(r.severity, Severity::Ok);
}

TEST(SafeBrowsing, MatchesAreListedWithThreatTypesAndCache) {
  auto v = parse_safe_browsing_response(fixture("safebrowsing/phishshop.test.json"));
  ASSERT_TRUE(v) << v.error().message;
  ASSERT_EQ(v->matches.size(), 3u);
  EXPECT_EQ(v->threat_types(), (std::vector<std::string>{"MALWARE", "SOCIAL_ENGINEERING"}));
  EXPECT_EQ(v->cache_seconds, 300);  // the shortest
  EXPECT_EQ(v->matches[0].url, "http://phishshop.test/");
  CheckResult r = safe_browsing_result(
      "phishshop.test", ok_body(fixture("safebrowsing/phishshop.test.json")), "GSB", kT0);
  EXPECT_EQ(r.state, "listed");
  EXPECT_EQ(r.severity, Severity::Critical);
  EXPECT_NE(r.detail.find("MALWARE, SOCIAL_ENGINEERING"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("cacheDuration 300s"), std::string::npos) << r.detail;
}

TEST(SafeBrowsing, BadJsonAndShapesAreLocatedErrors) {
  struct Case {
    const char* body;
    const char* where;
  };
  for (const Case& c :
       {Case{"", "is empty"}, Case{"{\"matches\": [", "not valid JSON"},
        Case{"[]", "not a JSON object"},
        Case{R"({"matches":{"threatType":"MALWARE"}})", "\"matches\" is not an array"},
        Case{R"({"matches":[{"threatType":"MALWARE"},{"platformType":"X"}]})",
             "matches[1].threatType is missing"},
        Case{R"({"matches":[{"threatType":7}]})", "matches[0].threatType is not a string"},
        Case{R"({"matches":[3]})", "matches[0] is not an object"},
        Case{R"({"matches":[{"threatType":"MALWARE","cacheDuration":"soon"}]})",
             "matches[0].cacheDuration 'soon' is not a duration"}}) {
    auto v = parse_safe_browsing_response(c.body);
    ASSERT_FALSE(v) << c.body;
    EXPECT_NE(v.error().message.find(c.where), std::string::npos) << v.error().message;
    CheckResult r = safe_browsing_result("shop.test", ok_body(c.body), "GSB", kT0);
    EXPECT_EQ(r.state, "error") << c.body;
    EXPECT_EQ(r.severity, Severity::Unknown);
    EXPECT_NE(r.detail.find(c.where), std::string::npos) << r.detail;
  }
}

TEST(SafeBrowsing, HttpStatuses) {
  HttpResponse r;
  r.http_status = 400;
  r.body = R"({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.",
              "status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}})";
  CheckResult c = safe_browsing_result("shop.test", r, "GSB", kT0);
  EXPECT_EQ(c.state, "error");
  EXPECT_NE(c.detail.find("key was rejected (HTTP 400"), std::string::npos) << c.detail;
  EXPECT_NE(c.detail.find("BANNIN_SAFE_BROWSING_KEY"), std::string::npos) << c.detail;
  r = {};
  r.http_status = 429;
  r.retry_after = "45";
  c = safe_browsing_result("shop.test", r, "GSB", kT0);
  EXPECT_EQ(c.state, "rate_limited");
  EXPECT_EQ(c.severity, Severity::Unknown);
  EXPECT_NE(c.detail.find("Retry-After 45s"), std::string::npos) << c.detail;
  r = {};
  r.http_status = 503;
  EXPECT_EQ(safe_browsing_result("shop.test", r, "GSB", kT0).state, "error");
  r = {};
  r.timed_out = true;
  r.error = "Timeout was reached";
  EXPECT_EQ(safe_browsing_result("shop.test", r, "GSB", kT0).state, "timeout");
}

// ---- VirusTotal ------------------------------------------------------------------------

TEST(VirusTotal, ParsesEveryEngineSorted) {
  auto rep = parse_virustotal_domain(fixture("virustotal/flaggedshop.test.json"));
  ASSERT_TRUE(rep) << rep.error().message;
  ASSERT_EQ(rep->engines.size(), 10u);
  EXPECT_TRUE(std::is_sorted(rep->engines.begin(), rep->engines.end(),
                             [](const auto& a, const auto& b) { return a.engine < b.engine; }));
  auto it = std::find_if(rep->engines.begin(), rep->engines.end(),
                         [](const EngineVerdict& e) { return e.engine == "Bfore.Ai PreCrime"; });
  ASSERT_NE(it, rep->engines.end());
  EXPECT_EQ(it->category, "suspicious");
  EXPECT_EQ(it->result, "suspicious");
  ASSERT_TRUE(rep->stats);
  EXPECT_EQ(rep->stats->suspicious, 1);
  EXPECT_EQ(rep->stats->harmless, 7);
  EXPECT_EQ(rep->last_analysis_date, 1795392000);
}

TEST(VirusTotal, SingleEngineIsNamed) {
  auto res = virustotal_results("flaggedshop.test",
                                ok_body(fixture("virustotal/flaggedshop.test.json")), "VT", kT0);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0].check, "virustotal");
  EXPECT_EQ(res[0].state, "suspicious");
  EXPECT_EQ(res[0].severity, Severity::Warning);
  EXPECT_EQ(res[0].detail.rfind("Bfore.Ai PreCrime: suspicious", 0), 0u) << res[0].detail;
  EXPECT_NE(res[0].detail.find("1 of 10 engines flag it"), std::string::npos) << res[0].detail;
  EXPECT_EQ(res[0].source, "Bfore.Ai PreCrime (via VT)");
}

TEST(VirusTotal, MaliciousIsCriticalAndListedFirst) {
  VirusTotalReport rep;
  auto res = virustotal_results("malshop.test", ok_body(fixture("virustotal/malshop.test.json")),
                                "VT", kT0, &rep);
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(res[0].state, "malicious");
  EXPECT_EQ(res[0].severity, Severity::Critical);
  EXPECT_EQ(res[0].detail.rfind("Kaspersky: malicious ('phishing')", 0), 0u) << res[0].detail;
  EXPECT_EQ(res[1].state, "suspicious");
  EXPECT_EQ(rep.engines.size(), 10u);
}

TEST(VirusTotal, CleanWhenNoEngineFlags) {
  auto res = virustotal_results("goodshop.test", ok_body(fixture("virustotal/goodshop.test.json")),
                                "VT", kT0);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0].state, "clean");
  EXPECT_EQ(res[0].severity, Severity::Ok);
  EXPECT_NE(res[0].detail.find("0 of 10 engines"), std::string::npos);
}

TEST(VirusTotal, StatusesAndKeyProblems) {
  HttpResponse r;
  r.http_status = 404;
  r.body = R"({"error":{"code":"NotFoundError","message":"Domain \"x.test\" not found"}})";
  auto res = virustotal_results("x.test", r, "VT", kT0);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0].state, "not_listed");
  EXPECT_EQ(res[0].severity, Severity::Info);
  for (long status : {401L, 403L}) {
    r = {};
    r.http_status = status;
    r.body = R"({"error":{"code":"WrongCredentialsError","message":"Wrong API key"}})";
    res = virustotal_results("x.test", r, "VT", kT0);
    EXPECT_EQ(res[0].state, "error");
    EXPECT_EQ(res[0].severity, Severity::Unknown);
    EXPECT_NE(res[0].detail.find("key was rejected"), std::string::npos) << res[0].detail;
    EXPECT_NE(res[0].detail.find("WrongCredentialsError: Wrong API key"), std::string::npos)
        << res[0].detail;
  }
  r = {};
  r.http_status = 429;
  r.retry_after = "Sun, 06 Nov 2026 08:49:37 GMT";
  core::TimeNs now = core::parse_iso8601("2026-11-06T08:47:37Z").value();
  res = virustotal_results("x.test", r, "VT", now);
  EXPECT_EQ(res[0].state, "rate_limited");
  EXPECT_NE(res[0].detail.find("Retry-After 120s"), std::string::npos) << res[0].detail;
}

TEST(VirusTotal, BadShapesAreLocatedErrors) {
  struct Case {
    const char* body;
    const char* where;
  };
  for (const Case& c :
       {Case{"{\"data\":", "not valid JSON"}, Case{"\"x\"", "not a JSON object"},
        Case{"{}", "\"data\" is missing"}, Case{R"({"data":[]})", "\"data\" is not an object"},
        Case{R"({"data":{}})", "data.attributes is missing"},
        Case{R"({"data":{"attributes":{"last_analysis_results":[]}}})",
             "data.attributes.last_analysis_results is not an object"},
        Case{R"({"data":{"attributes":{"last_analysis_results":{"ESET":"clean"}}}})",
             "last_analysis_results['ESET'] is not an object"},
        Case{R"({"data":{"attributes":{"last_analysis_results":{"ESET":{"result":"clean"}}}}})",
             "last_analysis_results['ESET'].category is missing"},
        Case{R"({"data":{"attributes":{"last_analysis_stats":{"malicious":"two"}}}})",
             "last_analysis_stats.malicious is not a count"}}) {
    auto res = virustotal_results("x.test", ok_body(c.body), "VT", kT0);
    ASSERT_EQ(res.size(), 1u) << c.body;
    EXPECT_EQ(res[0].state, "error") << c.body;
    EXPECT_NE(res[0].detail.find(c.where), std::string::npos) << res[0].detail;
  }
}

TEST(VirusTotal, NullResultAndMissingEngineName) {
  auto rep = parse_virustotal_domain(
      R"({"data":{"attributes":{"last_analysis_results":{"Quad9":{"category":"undetected","result":null}}}}})");
  ASSERT_TRUE(rep) << rep.error().message;
  ASSERT_EQ(rep->engines.size(), 1u);
  EXPECT_EQ(rep->engines[0].engine, "Quad9");  // the key when engine_name is absent
  EXPECT_EQ(rep->engines[0].result, "");
}

TEST(DiffEngines, ReportsChangedAddedAndRemovedEngines) {
  std::vector<EngineVerdict> prev = {{"Bfore.Ai PreCrime", "harmless", "clean"},
                                     {"ESET", "harmless", "clean"},
                                     {"Old", "undetected", "unrated"},
                                     {"Quad9", "undetected", "unrated"}};
  std::vector<EngineVerdict> cur = {{"ESET", "harmless", "unrated"},  // label only: no change
                                    {"Bfore.Ai PreCrime", "suspicious", "suspicious"},
                                    {"New", "malicious", "phishing"},
                                    {"Quad9", "undetected", "unrated"}};
  auto d = diff_engines(prev, cur);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0], (EngineChange{"Bfore.Ai PreCrime", "harmless", "suspicious"}));
  EXPECT_EQ(d[1], (EngineChange{"New", "", "malicious"}));
  EXPECT_EQ(d[2], (EngineChange{"Old", "undetected", ""}));
  EXPECT_TRUE(diff_engines(cur, cur).empty());
  EXPECT_TRUE(diff_engines({}, {}).empty());
}

// ---- Rate limits -----------------------------------------------------------------------

TEST(RateLimit, Parses) {
  EXPECT_EQ(parse_rate_limit("4/min")->requests, 4);
  EXPECT_EQ(parse_rate_limit("4/min")->period, 60 * kSec);
  EXPECT_EQ(parse_rate_limit("500/d")->period, 86400 * kSec);
  EXPECT_EQ(parse_rate_limit("2/s")->period, kSec);
  EXPECT_EQ(parse_rate_limit("7")->period, 60 * kSec);
  EXPECT_TRUE(parse_rate_limit("unlimited")->unlimited());
  EXPECT_TRUE(parse_rate_limit("0")->unlimited());
  EXPECT_FALSE(parse_rate_limit("4/fortnight"));
  EXPECT_FALSE(parse_rate_limit("-1/min"));
  EXPECT_FALSE(parse_rate_limit("100001/s"));
  EXPECT_FALSE(parse_rate_limit(""));
  EXPECT_EQ(parse_rate_limit("4/min")->text(), "4/min");
  EXPECT_EQ(parse_rate_limit("500/d")->text(), "500/d");
}

TEST(TokenBucket, FourPerMinute) {
  TokenBucket b(RateLimit{4, 60 * kSec}, kT0);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(b.try_take(kT0)) << i;
  EXPECT_FALSE(b.try_take(kT0));
  EXPECT_EQ(b.next_available(kT0), kT0 + 15 * kSec);
  EXPECT_FALSE(b.try_take(kT0 + 15 * kSec - 1));
  EXPECT_TRUE(b.try_take(kT0 + 15 * kSec));
  EXPECT_FALSE(b.try_take(kT0 + 15 * kSec));
  // A long idle time fills the bucket to its size, not more.
  core::TimeNs later = kT0 + 3600 * kSec;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(b.try_take(later)) << i;
  EXPECT_FALSE(b.try_take(later));
}

TEST(TokenBucket, ClockGoingBackwardsAddsNothing) {
  TokenBucket b(RateLimit{1, 60 * kSec}, kT0);
  EXPECT_TRUE(b.try_take(kT0));
  EXPECT_FALSE(b.try_take(kT0 - 3600 * kSec));
  EXPECT_FALSE(b.try_take(kT0 + 59 * kSec));
  EXPECT_TRUE(b.try_take(kT0 + 60 * kSec));
}

TEST(TokenBucket, RetryAfterPauses) {
  TokenBucket b(RateLimit{4, 60 * kSec}, kT0);
  b.pause_until(kT0 + 120 * kSec);
  EXPECT_FALSE(b.try_take(kT0 + 119 * kSec));
  EXPECT_EQ(b.next_available(kT0), kT0 + 120 * kSec);
  // After the pause the bucket refills from empty.
  EXPECT_FALSE(b.try_take(kT0 + 120 * kSec));
  EXPECT_TRUE(b.try_take(kT0 + 135 * kSec));
  TokenBucket u(RateLimit{0, 60 * kSec}, kT0);  // unlimited, but a 429 still pauses it
  EXPECT_TRUE(u.try_take(kT0));
  u.pause_until(kT0 + 10 * kSec);
  EXPECT_FALSE(u.try_take(kT0 + 9 * kSec));
  EXPECT_TRUE(u.try_take(kT0 + 10 * kSec));
}

TEST(RetryAfter, SecondsAndDates) {
  core::TimeNs now = core::parse_iso8601("1994-11-06T08:49:00Z").value();
  EXPECT_EQ(retry_after_seconds("120", now), 120);
  EXPECT_EQ(retry_after_seconds(" 5 ", now), 5);
  EXPECT_EQ(retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", now), 37);
  EXPECT_EQ(retry_after_seconds("Sun, 06 Nov 1994 08:48:00 GMT", now), 0);  // past
  EXPECT_FALSE(retry_after_seconds("", now));
  EXPECT_FALSE(retry_after_seconds("soon", now));
  EXPECT_FALSE(retry_after_seconds("Sun, 06 Nov 1994 08:49:37 PST", now));
}

// ---- ReputationChecker -----------------------------------------------------------------

struct Fake {
  core::TimeNs now = kT0;
  std::vector<HttpRequest> asked;
  std::vector<core::TimeNs> slept;
  std::function<HttpResponse(const HttpRequest&)> answer;

  ReputationChecker make(ReputationOptions o) {
    return ReputationChecker(
        std::move(o), [this] { return now; },
        [this](core::TimeNs ns) {
          slept.push_back(ns);
          now += ns;
        },
        [this](const HttpRequest& r) {
          asked.push_back(r);
          return answer(r);
        });
  }
  std::size_t count(std::string_view url_part) const {
    std::size_t n = 0;
    for (const auto& r : asked) n += r.url.find(url_part) != std::string::npos ? 1 : 0;
    return n;
  }
};

ReputationOptions keyed() {
  ReputationOptions o;
  o.safe_browsing_key = "sbkey";
  o.virustotal_key = "vtkey";
  o.safe_browsing_url = "http://127.0.0.1:1";
  o.virustotal_url = "http://127.0.0.1:1";
  return o;
}

CheckResult find(const std::vector<CheckResult>& rs, std::string_view check) {
  for (const auto& r : rs) {
    if (r.check == check) return r;
  }
  return {};
}

TEST(ReputationChecker, NoKeysAsksNothing) {
  Fake f;
  f.answer = [](const HttpRequest&) { return HttpResponse{}; };
  auto c = f.make(ReputationOptions{});
  std::vector<EngineVerdict> engines;
  auto rs = c.check("shop.test", engines);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(find(rs, "safebrowsing").state, "not_checked");
  EXPECT_EQ(find(rs, "virustotal").state, "not_checked");
  EXPECT_NE(find(rs, "virustotal").detail.find("BANNIN_VIRUSTOTAL_KEY"), std::string::npos);
  EXPECT_TRUE(f.asked.empty());
}

TEST(ReputationChecker, SendsKeysWhereTheApisWantThem) {
  Fake f;
  f.answer = [](const HttpRequest& r) {
    return r.method == "POST" ? ok_body("{}")
                              : ok_body(fixture("virustotal/flaggedshop.test.json"));
  };
  auto c = f.make(keyed());
  std::vector<EngineVerdict> engines;
  auto rs = c.check("shop.test", engines);
  ASSERT_EQ(f.asked.size(), 2u);
  EXPECT_EQ(f.asked[0].method, "POST");
  EXPECT_EQ(f.asked[0].url, "http://127.0.0.1:1/v4/threatMatches:find?key=sbkey");
  EXPECT_EQ(f.asked[0].max_redirects, 0);
  EXPECT_EQ(f.asked[1].method, "GET");
  EXPECT_EQ(f.asked[1].url, "http://127.0.0.1:1/api/v3/domains/shop.test");
  EXPECT_NE(std::find(f.asked[1].headers.begin(), f.asked[1].headers.end(), "x-apikey: vtkey"),
            f.asked[1].headers.end());
  EXPECT_EQ(f.asked[1].max_redirects, 0);
  EXPECT_EQ(engines.size(), 10u);
  for (const auto& r : rs) {
    EXPECT_EQ(r.source.find("sbkey"), std::string::npos) << r.source;
    EXPECT_EQ(r.detail.find("sbkey"), std::string::npos) << r.detail;
  }
}

TEST(ReputationChecker, SafeBrowsingCacheHonoursCacheDuration) {
  Fake f;
  f.answer = [](const HttpRequest& r) {
    if (r.method != "POST") return HttpResponse{404, "", "", false, ""};
    return ok_body(fixture("safebrowsing/phishshop.test.json"));  // cacheDuration 300s
  };
  auto c = f.make(keyed());
  std::vector<EngineVerdict> e;
  EXPECT_EQ(find(c.check("phishshop.test", e), "safebrowsing").state, "listed");
  f.now += 299 * kSec;
  CheckResult again = find(c.check("phishshop.test", e), "safebrowsing");
  EXPECT_EQ(again.state, "listed");
  EXPECT_NE(again.detail.find("from cache"), std::string::npos) << again.detail;
  EXPECT_EQ(f.count("threatMatches"), 1u);
  f.now += 1 * kSec;  // 300 s: expired
  EXPECT_EQ(find(c.check("phishshop.test", e), "safebrowsing").state, "listed");
  EXPECT_EQ(f.count("threatMatches"), 2u);
}

TEST(ReputationChecker, CleanIsCachedForTheConfiguredTimeAndErrorsNotAtAll) {
  Fake f;
  bool fail = true;
  f.answer = [&fail](const HttpRequest& r) {
    if (r.method != "POST") return HttpResponse{404, "", "", false, ""};
    return fail ? HttpResponse{503, "", "", false, ""} : ok_body("{}");
  };
  ReputationOptions o = keyed();
  o.safe_browsing_clean_cache_s = 60;
  auto c = f.make(o);
  std::vector<EngineVerdict> e;
  EXPECT_EQ(find(c.check("a.test", e), "safebrowsing").state, "error");
  fail = false;
  EXPECT_EQ(find(c.check("a.test", e), "safebrowsing").state, "clean");
  EXPECT_EQ(f.count("threatMatches"), 2u);  // the error was not cached
  f.now += 59 * kSec;
  EXPECT_EQ(find(c.check("a.test", e), "safebrowsing").state, "clean");
  EXPECT_EQ(f.count("threatMatches"), 2u);
  f.now += 1 * kSec;
  c.check("a.test", e);
  EXPECT_EQ(f.count("threatMatches"), 3u);
}

TEST(ReputationChecker, VirusTotalBudgetDefersWithoutAsking) {
  Fake f;
  f.answer = [](const HttpRequest& r) {
    return r.method == "POST" ? ok_body("{}") : HttpResponse{404, "", "", false, ""};
  };
  auto c = f.make(keyed());  // 4/min
  std::vector<EngineVerdict> e;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(find(c.check("d" + std::to_string(i) + ".test", e), "virustotal").state,
              "not_listed");
  }
  CheckResult r = find(c.check("d4.test", e), "virustotal");
  EXPECT_EQ(r.state, "deferred");
  EXPECT_EQ(r.severity, Severity::Unknown);
  EXPECT_NE(r.detail.find("budget (4/min)"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("15s"), std::string::npos) << r.detail;
  EXPECT_EQ(f.count("/api/v3/"), 4u);
  EXPECT_TRUE(f.slept.empty());
  f.now += 15 * kSec;  // the daemon's next run, a token later
  EXPECT_EQ(find(c.check("d4.test", e), "virustotal").state, "not_listed");
}

TEST(ReputationChecker, WaitsWhenAllowed) {
  Fake f;
  f.answer = [](const HttpRequest& r) {
    return r.method == "POST" ? ok_body("{}") : HttpResponse{404, "", "", false, ""};
  };
  ReputationOptions o = keyed();
  o.wait_for_rate_limit = true;
  auto c = f.make(o);
  std::vector<EngineVerdict> e;
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(find(c.check("w" + std::to_string(i) + ".test", e), "virustotal").state,
              "not_listed");
  }
  EXPECT_EQ(f.slept, (std::vector<core::TimeNs>{15 * kSec, 15 * kSec}));
  // A wait beyond max_wait_s is still deferred.
  o.max_wait_s = 10;
  Fake g;
  g.answer = f.answer;
  auto c2 = g.make(o);
  for (int i = 0; i < 4; ++i) c2.check("x" + std::to_string(i) + ".test", e);
  EXPECT_EQ(find(c2.check("x4.test", e), "virustotal").state, "deferred");
  EXPECT_TRUE(g.slept.empty());
}

TEST(ReputationChecker, RetryAfterPausesTheProvider) {
  Fake f;
  f.answer = [](const HttpRequest& r) {
    if (r.method == "POST") return ok_body("{}");
    HttpResponse h;
    h.http_status = r.url.find("limited") != std::string::npos ? 429 : 404;
    h.retry_after = "120";
    return h;
  };
  auto c = f.make(keyed());
  std::vector<EngineVerdict> e;
  EXPECT_EQ(find(c.check("limited.test", e), "virustotal").state, "rate_limited");
  CheckResult r = find(c.check("other.test", e), "virustotal");
  EXPECT_EQ(r.state, "deferred");
  EXPECT_NE(r.detail.find("asked to wait"), std::string::npos) << r.detail;
  EXPECT_EQ(f.count("/api/v3/"), 1u);
  f.now += 119 * kSec;
  EXPECT_EQ(find(c.check("other.test", e), "virustotal").state, "deferred");
  f.now += 16 * kSec;  // pause over, then one token refilled (15 s at 4/min)
  EXPECT_EQ(find(c.check("other.test", e), "virustotal").state, "not_listed");
}

TEST(ReputationChecker, KeyWithControlCharactersIsNeverSent) {
  EXPECT_FALSE(clean_api_key("a\nb"));
  EXPECT_FALSE(clean_api_key("two words"));
  EXPECT_FALSE(clean_api_key("  \n"));
  EXPECT_EQ(clean_api_key("  abc\r\n"), "abc");
  Fake f;
  f.answer = [](const HttpRequest&) { return ok_body("{}"); };
  ReputationOptions o = keyed();
  o.virustotal_key = "vt\r\nX-Evil: 1";
  auto c = f.make(o);
  std::vector<EngineVerdict> e;
  CheckResult r = find(c.check("a.test", e), "virustotal");
  EXPECT_EQ(r.state, "error");
  EXPECT_EQ(f.count("/api/v3/"), 0u);
}

}  // namespace
}  // namespace bannin::probe::domain
