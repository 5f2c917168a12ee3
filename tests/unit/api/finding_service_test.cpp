// FindingService on a real SQLite store: findings with their evidence and the decisions they
// caused, every filter, cursor pages that return each finding exactly once while new findings
// arrive between the pages, incidents with their numbers, sources by country and decisions in
// force, the incident of any of its findings, and not_found.
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include <bannin/api/finding_service.h>
#include <bannin/api/json_value.h>

namespace bannin::api {
namespace {

constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr core::TimeNs kT0 = 1613679695 * kSec;  // 2021-02-18T20:21:35Z
const std::string kRelay = "web.form_relay.many_sources";
const std::string kContact = R"({"vhost":"example.jp","path":"/contact/"})";

class FindingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "bannin_finding_service.db";
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + s);
    auto st = store::Store::open(path_);
    ASSERT_TRUE(st) << st.error().message;
    store_ = std::move(*st);
    FindingServiceOptions o;
    o.now = [this] { return now_; };
    o.country = [](std::string_view ip) -> std::string {
      if (ip.rfind("198.51.100.", 0) == 0) return "US";
      if (ip.rfind("203.0.113.", 0) == 0) return "BR";
      return "";
    };
    o.rule = [](const std::string& id) -> std::optional<RuleFacts> {
      if (id != kRelay) return std::nullopt;
      RuleFacts f;
      f.title = "A web form used as a relay";
      f.window = 15 * 60 * kSec;
      f.campaign = true;
      f.number_names = {{"distinct(src_ip)", "sources"}};
      return f;
    };
    service_ = std::make_unique<FindingService>(*store_, mu_, o);
  }

  std::int64_t finding(core::TimeNs ts, const std::string& rule, const std::string& group,
                       const std::string& numbers, const std::string& vhost = {},
                       std::vector<std::string> evidence = {"line"}) {
    store::FindingRow f;
    f.ts = ts;
    f.rule = rule;
    f.group_json = group;
    f.numbers_json = numbers;
    f.vhost = vhost;
    f.evidence = std::move(evidence);
    auto id = store_->add_finding(f);
    EXPECT_TRUE(id);
    return id ? *id : 0;
  }
  void decision(std::int64_t finding_id, const std::string& ip, const std::string& state,
                core::TimeNs ts = kT0) {
    store::DecisionRow d;
    d.ts = ts;
    d.rule = kRelay;
    d.action = "deny";
    d.scope = "ip";
    d.target_json = R"({"ip":")" + ip + R"("})";
    d.ttl_s = 86400;
    d.reason = "relay wave";
    d.state = state;
    d.finding_id = finding_id;
    ASSERT_TRUE(store_->add_decision(d));
  }
  JsonValue get(const core::Result<std::string>& r) {
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    if (!r) return {};
    auto v = parse_json(*r);
    EXPECT_TRUE(v) << *r;
    return v ? *v : JsonValue{};
  }

  std::string path_;
  std::unique_ptr<store::Store> store_;
  std::mutex mu_;
  core::TimeNs now_ = kT0 + 600 * kSec;
  std::unique_ptr<FindingService> service_;
};

TEST_F(FindingServiceTest, FindingWithEvidenceAndDecisions) {
  const auto id = finding(kT0, kRelay, kContact, R"j({"distinct(src_ip)":3})j", "example.jp",
                          {"POST one", "POST two"});
  decision(id, "198.51.100.7", "active");
  decision(id, "198.51.100.8", "revoked");
  auto v = get(service_->findings(FindingQuery{}));
  const JsonValue* list = v.find("findings");
  ASSERT_TRUE(list && list->size() == 1u);
  const JsonValue& f = list->items()[0];
  EXPECT_EQ(f.find("id")->integer(), id);
  EXPECT_EQ(*f.find("ts")->string(), "2021-02-18T20:21:35Z");
  EXPECT_EQ(*f.find("title")->string(), "A web form used as a relay");
  EXPECT_EQ(*f.find("group")->find("path")->string(), "/contact/");
  EXPECT_EQ(f.find("numbers")->find("distinct(src_ip)")->integer(), 3);
  EXPECT_EQ(*f.find("vhost")->string(), "example.jp");
  ASSERT_EQ(f.find("evidence")->size(), 2u);
  EXPECT_EQ(*f.find("evidence")->items()[1].string(), "POST two");
  EXPECT_EQ(f.find("decisions_total")->integer(), 2);
  ASSERT_EQ(f.find("decisions")->size(), 2u);
  EXPECT_EQ(f.find("decisions")->items()[0].find("finding_id")->integer(), id);
  EXPECT_TRUE(v.find("next_cursor")->is_null());
}

TEST_F(FindingServiceTest, Filters) {
  finding(kT0, kRelay, kContact, "{}", "example.jp");
  finding(kT0 + 100 * kSec, "web.wp_login.bruteforce", R"({"src_ip":"192.0.2.1"})", "{}",
          "blog.example.jp");
  finding(kT0 + 200 * kSec, kRelay, R"({"vhost":"other.jp","path":"/Inquiry/"})", "{}", "other.jp");
  auto ids = [&](FindingQuery q) {
    std::vector<std::int64_t> out;
    auto v = get(service_->findings(q));
    for (const auto& f : v.find("findings")->items()) out.push_back(*f.find("id")->integer());
    return out;
  };
  FindingQuery q;
  EXPECT_EQ(ids(q), (std::vector<std::int64_t>{3, 2, 1}));
  q.rule = kRelay;
  EXPECT_EQ(ids(q), (std::vector<std::int64_t>{3, 1}));
  q = {};
  q.vhost = "blog.example.jp";
  EXPECT_EQ(ids(q), (std::vector<std::int64_t>{2}));
  q = {};
  q.text = "inquiry";  // case-insensitive
  EXPECT_EQ(ids(q), (std::vector<std::int64_t>{3}));
  q = {};
  q.text = "%";  // a LIKE wildcard is a plain character
  EXPECT_TRUE(ids(q).empty());
  q = {};
  q.from = kT0 + 50 * kSec;
  q.to = kT0 + 150 * kSec;
  EXPECT_EQ(ids(q), (std::vector<std::int64_t>{2}));
  q = {};
  q.account = "nobody";
  EXPECT_TRUE(ids(q).empty());
}

TEST_F(FindingServiceTest, PagesReturnEveryFindingOnceWhileFindingsArrive) {
  for (int i = 0; i < 23; ++i) {
    finding(kT0 + i * kSec, "web.scanner.probe_paths",
            R"({"src_ip":"192.0.2.)" + std::to_string(i) + R"("})", "{}");
  }
  std::set<std::int64_t> seen;
  FindingQuery q;
  q.limit = 5;
  int pages = 0;
  for (;;) {
    auto v = get(service_->findings(q));
    for (const auto& f : v.find("findings")->items()) {
      EXPECT_TRUE(seen.insert(*f.find("id")->integer()).second) << "twice";
    }
    ++pages;
    // New findings between pages land above the cursor and never shift a page.
    finding(kT0 + 100 * kSec, "web.scanner.probe_paths", R"({"src_ip":"203.0.113.1"})", "{}");
    const JsonValue* next = v.find("next_cursor");
    if (next->is_null()) break;
    auto c = decode_cursor(CursorKind::Findings, *next->string());
    ASSERT_TRUE(c);
    q.before_id = *c;
  }
  EXPECT_EQ(pages, 5);
  ASSERT_EQ(seen.size(), 23u);
  EXPECT_EQ(*seen.begin(), 1);
  EXPECT_EQ(*seen.rbegin(), 23);
}

TEST_F(FindingServiceTest, IncidentWithNumbersCountriesAndDecisionsInForce) {
  // A relay wave: two findings 15 min apart (one incident), decisions on three members, one
  // per-source finding of a member (linked), and an unrelated source elsewhere.
  const auto a = finding(kT0, kRelay, kContact, R"j({"distinct(src_ip)":3,"share(x)":0.75})j",
                         "example.jp", {"POST /contact/ 1", "POST /contact/ 2"});
  const auto b = finding(kT0 + 900 * kSec, kRelay, kContact, R"j({"distinct(src_ip)":41})j",
                         "example.jp", {"POST /contact/ 2", "POST /contact/ 3"});
  decision(a, "198.51.100.7", "active");
  decision(a, "198.51.100.8", "active");
  decision(b, "203.0.113.9", "expired");
  const auto linked =
      finding(kT0 + 60 * kSec, "web.scanner.probe_paths", R"({"src_ip":"198.51.100.7"})", "{}");
  const auto alone =
      finding(kT0 + 60 * kSec, "web.scanner.probe_paths", R"({"src_ip":"192.0.2.200"})", "{}");
  auto v = get(service_->incidents(FindingQuery{}));
  const JsonValue* list = v.find("incidents");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u) << "the wave and the unrelated source";
  EXPECT_EQ(list->items()[0].find("id")->integer(), alone);
  const JsonValue& inc = list->items()[1];
  EXPECT_EQ(inc.find("id")->integer(), a);
  EXPECT_EQ(*inc.find("rule")->string(), kRelay);
  EXPECT_EQ(*inc.find("path")->string(), "/contact/");
  EXPECT_EQ(*inc.find("first_seen")->string(), "2021-02-18T20:21:35Z");
  EXPECT_EQ(*inc.find("last_seen")->string(), "2021-02-18T20:36:35Z");
  EXPECT_EQ(inc.find("numbers")->find("distinct(src_ip)")->integer(), 41);  // the largest
  EXPECT_EQ(*inc.find("number_names")->find("distinct(src_ip)")->string(), "sources");
  const JsonValue* counts = inc.find("counts");
  EXPECT_EQ(counts->find("findings")->integer(), 2);
  EXPECT_EQ(counts->find("linked_findings")->integer(), 1);
  EXPECT_EQ(counts->find("sources")->integer(), 41);
  EXPECT_EQ(counts->find("sources_located")->integer(), 3);
  EXPECT_EQ(counts->find("countries")->integer(), 2);
  EXPECT_EQ(counts->find("decisions")->integer(), 3);
  EXPECT_EQ(counts->find("in_force")->integer(), 2);
  const JsonValue* countries = inc.find("countries");
  ASSERT_EQ(countries->size(), 2u);
  EXPECT_EQ(*countries->items()[0].find("country")->string(), "US");
  EXPECT_EQ(countries->items()[0].find("sources")->integer(), 2);
  EXPECT_EQ(*countries->items()[1].find("country")->string(), "BR");
  EXPECT_EQ(inc.find("in_force")->size(), 2u);
  EXPECT_EQ(inc.find("decisions_by_state")->find("expired")->integer(), 1);
  // Evidence: distinct lines, the incident's own findings first, then the linked one's.
  const JsonValue* ev = inc.find("evidence");
  ASSERT_EQ(ev->size(), 4u);
  EXPECT_EQ(*ev->items()[2].string(), "POST /contact/ 3");
  EXPECT_EQ(*ev->items()[3].string(), "line");
  EXPECT_TRUE(inc.find("open")->boolean().value());
  std::vector<std::string> rules;
  for (const auto& r : inc.find("rules")->items()) rules.push_back(*r.string());
  EXPECT_EQ(rules, (std::vector<std::string>{kRelay, "web.scanner.probe_paths"}));

  // The detail, from the incident id or from any of its findings (the linked one too).
  for (std::int64_t id : {a, b, linked}) {
    auto d = get(service_->incident(id));
    EXPECT_EQ(d.find("id")->integer(), a) << id;
    EXPECT_EQ(d.find("findings")->size(), 3u);
    EXPECT_EQ(d.find("decisions")->size(), 3u);
    EXPECT_FALSE(d.find("decisions_truncated")->boolean().value());
  }
  auto missing = service_->incident(999);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "not_found");

  // Filters select incidents by any of their findings; the time range bounds the scan.
  FindingQuery q;
  q.vhost = "example.jp";
  EXPECT_EQ(get(service_->incidents(q)).find("incidents")->size(), 1u);
  q = {};
  q.rule = "web.scanner.probe_paths";
  EXPECT_EQ(get(service_->incidents(q)).find("incidents")->size(), 2u);
  q = {};
  q.limit = 1;
  auto first = get(service_->incidents(q));
  ASSERT_EQ(first.find("incidents")->size(), 1u);
  auto c = decode_cursor(CursorKind::Incidents, *first.find("next_cursor")->string());
  ASSERT_TRUE(c);
  q.before_id = *c;
  auto second = get(service_->incidents(q));
  ASSERT_EQ(second.find("incidents")->size(), 1u);
  EXPECT_EQ(second.find("incidents")->items()[0].find("id")->integer(), a);
  EXPECT_TRUE(second.find("next_cursor")->is_null());

  // Later, the wave is over.
  now_ = kT0 + 3 * 3600 * kSec;
  auto later = get(service_->incidents(FindingQuery{}));
  EXPECT_FALSE(later.find("incidents")->items()[1].find("open")->boolean().value());
}

TEST_F(FindingServiceTest, GroupingIsCachedUntilTheStoreChanges) {
  const auto a = finding(kT0, kRelay, kContact, "{}", "example.jp");
  ASSERT_TRUE(service_->incidents(FindingQuery{}));
  ASSERT_TRUE(service_->incidents(FindingQuery{}));
  ASSERT_TRUE(service_->incident(a));  // another range: computed once, then cached
  ASSERT_TRUE(service_->incident(a));
  // The second list request is the rendered page again (no grouping asked); the second
  // detail view reuses its range's grouping.
  EXPECT_EQ(service_->page_hits(), 1u);
  EXPECT_EQ(service_->cache_counts(), (std::pair<std::uint64_t, std::uint64_t>{1, 2}));
  // A new decision of the wave names a new source: grouped again, and the answer shows it.
  decision(a, "198.51.100.7", "active");
  auto v = get(service_->incidents(FindingQuery{}));
  EXPECT_EQ(v.find("incidents")->items()[0].find("counts")->find("decisions")->integer(), 1);
  EXPECT_EQ(service_->cache_counts().second, 3u);
  // A state change needs no regrouping, but the page shows it (rendered per request).
  ASSERT_TRUE(store_->set_state(1, "revoked", kT0 + 1, "test"));
  v = get(service_->incidents(FindingQuery{}));
  EXPECT_EQ(v.find("incidents")->items()[0].find("counts")->find("in_force")->integer(), 0);
  EXPECT_EQ(service_->cache_counts().second, 3u);
  // A new finding: grouped again.
  finding(kT0 + 60 * kSec, kRelay, kContact, "{}", "example.jp");
  v = get(service_->incidents(FindingQuery{}));
  EXPECT_EQ(v.find("incidents")->items()[0].find("counts")->find("findings")->integer(), 2);
  EXPECT_EQ(service_->cache_counts().second, 4u);
}

TEST_F(FindingServiceTest, PagesAreReusedWhileNothingTheyShowChanged) {
  const auto a = finding(kT0, kRelay, kContact, "{}", "example.jp");
  decision(a, "198.51.100.7", "active");
  auto first = service_->incidents(FindingQuery{});
  ASSERT_TRUE(first);
  auto again = service_->incidents(FindingQuery{});
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(service_->page_hits(), 1u);
  FindingQuery other;
  other.limit = 1;
  ASSERT_TRUE(service_->incidents(other));  // another query: rendered
  EXPECT_EQ(service_->page_hits(), 1u);
  // A revocation changes what the page shows: rendered again, and it shows it.
  ASSERT_TRUE(store_->set_state(1, "revoked", kT0 + 1, "test"));
  auto v = get(service_->incidents(FindingQuery{}));
  EXPECT_EQ(v.find("incidents")->items()[0].find("counts")->find("in_force")->integer(), 0);
  EXPECT_EQ(service_->page_hits(), 1u);
  // The next second: "in force" and "open" depend on the clock.
  ASSERT_TRUE(service_->incidents(FindingQuery{}));
  EXPECT_EQ(service_->page_hits(), 2u);
  now_ += core::kNsPerSec;
  ASSERT_TRUE(service_->incidents(FindingQuery{}));
  EXPECT_EQ(service_->page_hits(), 2u);
}

TEST_F(FindingServiceTest, ScanBoundIsReported) {
  FindingServiceOptions o;
  o.max_scan = 3;
  FindingService small(*store_, mu_, o);
  for (int i = 0; i < 5; ++i) {
    finding(kT0 + i * kSec, "x", R"({"src_ip":"192.0.2.)" + std::to_string(i) + R"("})", "{}");
  }
  auto v = get(small.incidents(FindingQuery{}));
  EXPECT_TRUE(v.find("truncated")->boolean().value());
  EXPECT_EQ(v.find("scanned")->integer(), 3);
  EXPECT_EQ(v.find("incidents")->size(), 3u);
}

TEST_F(FindingServiceTest, HandEditedRowsStayJson) {
  store::FindingRow f;
  f.ts = kT0;
  f.rule = "r";
  f.group_json = "not json {";
  f.numbers_json = "[1,2";
  ASSERT_TRUE(store_->add_finding(f));
  auto r = service_->findings(FindingQuery{});
  ASSERT_TRUE(r);
  ASSERT_TRUE(parse_json(*r)) << *r;
  auto i = service_->incidents(FindingQuery{});
  ASSERT_TRUE(i);
  ASSERT_TRUE(parse_json(*i)) << *i;
}

}  // namespace
}  // namespace bannin::api
