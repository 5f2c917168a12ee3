// The query parameters of GET /api/v1/findings and /api/v1/incidents: every filter read,
// times in both forms, limits at their bounds, cursors that round-trip and refuse anything
// else (another list's cursor, edits, garbage), and every refusal naming its parameter.
#include <gtest/gtest.h>

#include <bannin/api/finding_query.h>

namespace bannin::api {
namespace {

constexpr core::TimeNs kSec = core::kNsPerSec;

TEST(FindingQuery, ReadsEveryFilter) {
  auto q = parse_finding_query({{"rule", "web.form_relay.many_sources"},
                                {"from", "2021-02-18T20:00:00Z"},
                                {"to", "1613682000"},
                                {"q", "/contact/"},
                                {"vhost", "example.jp"},
                                {"account", "shop1"},
                                {"limit", "500"}},
                               CursorKind::Findings);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->rule, "web.form_relay.many_sources");
  EXPECT_EQ(q->from, 1613678400 * kSec);
  EXPECT_EQ(q->to, 1613682000 * kSec);
  EXPECT_EQ(q->text, "/contact/");
  EXPECT_EQ(q->vhost, "example.jp");
  EXPECT_EQ(q->account, "shop1");
  EXPECT_EQ(q->limit, 500u);
  EXPECT_EQ(q->before_id, 0);

  auto d = parse_finding_query({}, CursorKind::Incidents);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->limit, kDefaultLimit);
  EXPECT_EQ(d->from, std::numeric_limits<core::TimeNs>::min());
  EXPECT_EQ(d->to, std::numeric_limits<core::TimeNs>::max());
}

TEST(FindingQuery, Times) {
  EXPECT_EQ(parse_time_parameter("2021-02-19T05:21:35+09:00"), 1613679695 * kSec);
  EXPECT_EQ(parse_time_parameter("2021-02-18T20:21:35Z"), 1613679695 * kSec);
  EXPECT_EQ(parse_time_parameter("2021-02-18T20:21:35.5Z"), 1613679695 * kSec + kSec / 2);
  EXPECT_EQ(parse_time_parameter("1613679695"), 1613679695 * kSec);
  EXPECT_EQ(parse_time_parameter("1613679695.25"), 1613679695 * kSec + kSec / 4);
  for (const char* bad :
       {"", "yesterday", "2021-02-18T20:21:35", "-5", "1e9", "12:00", "2021-13-01T00:00:00Z",
        "99999999999999999999", "1613679695.", ".5", "2021-02-18T20:21:35Z trailing"}) {
    EXPECT_FALSE(parse_time_parameter(bad)) << bad;
  }
}

TEST(FindingQuery, RefusalsNameTheParameter) {
  struct Case {
    std::string name, value, code;
  };
  for (const Case& c :
       {Case{"limit", "0", "invalid_field"}, Case{"limit", "501", "invalid_field"},
        Case{"limit", "ten", "invalid_field"}, Case{"limit", "-1", "invalid_field"},
        Case{"limit", "10 ", "invalid_field"}, Case{"from", "soon", "invalid_field"},
        Case{"to", "", "invalid_field"}, Case{"cursor", "abc", "invalid_field"},
        Case{"rules", "x", "unknown_field"}, Case{"state", "active", "unknown_field"},
        Case{"q", "a\x01", "invalid_field"},
        Case{"vhost", std::string(257, 'a'), "invalid_field"}}) {
    std::string field;
    auto q = parse_finding_query({{c.name, c.value}}, CursorKind::Findings, &field);
    ASSERT_FALSE(q) << c.name << "=" << c.value;
    EXPECT_EQ(q.error().code, c.code) << c.name;
    EXPECT_EQ(field, c.name);
    EXPECT_EQ(q.error().message.rfind(c.name + ":", 0), 0u) << q.error().message;
  }
  std::string field;
  auto q = parse_finding_query({{"from", "1613679695"}, {"to", "1613679694"}}, CursorKind::Findings,
                               &field);
  ASSERT_FALSE(q);
  EXPECT_EQ(field, "from");
}

TEST(FindingQuery, CursorsRoundTripAndAreKindBound) {
  for (std::int64_t id : {std::int64_t{1}, std::int64_t{42}, std::int64_t{999'999'999'999}}) {
    const std::string f = encode_cursor(CursorKind::Findings, id);
    const std::string i = encode_cursor(CursorKind::Incidents, id);
    EXPECT_EQ(decode_cursor(CursorKind::Findings, f), id);
    EXPECT_EQ(decode_cursor(CursorKind::Incidents, i), id);
    EXPECT_FALSE(decode_cursor(CursorKind::Incidents, f)) << "a findings cursor for incidents";
    EXPECT_FALSE(decode_cursor(CursorKind::Findings, i));
    EXPECT_EQ(
        f.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << f << " must be URL-safe";
    auto q = parse_finding_query({{"cursor", f}}, CursorKind::Findings);
    ASSERT_TRUE(q);
    EXPECT_EQ(q->before_id, id);
  }
  // Not cursors: empty, other alphabets, edited, zero, negative, leading zeros.
  for (const std::string& bad :
       {std::string(), std::string("Zjo0Mg=="), std::string("f:42"), std::string("Zjo0M"),
        encode_cursor(CursorKind::Findings, 42) + "A"}) {
    EXPECT_FALSE(decode_cursor(CursorKind::Findings, bad)) << bad;
  }
  EXPECT_FALSE(decode_cursor(CursorKind::Findings, encode_cursor(CursorKind::Findings, 0)));
  EXPECT_FALSE(decode_cursor(CursorKind::Findings, encode_cursor(CursorKind::Findings, -3)));
}

}  // namespace
}  // namespace bannin::api
