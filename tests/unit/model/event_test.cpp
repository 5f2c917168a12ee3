#include <cstring>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include <bannin/core/json_writer.h>
#include <bannin/core/time.h>
#include <bannin/model/event.h>
#include <bannin/model/event_format.h>
#include <bannin/model/fields.h>

namespace bannin::model {
namespace {

using namespace std::string_view_literals;

TEST(Registry, NamesAndTypesOfAccessLogFields) {
  EXPECT_EQ(name(Field::SrcIp), "src_ip");
  EXPECT_EQ(type(Field::SrcIp), FieldType::Ip);
  EXPECT_EQ(name(Field::UserAgent), "user_agent");
  EXPECT_EQ(type(Field::Status), FieldType::Int);
  EXPECT_EQ(type(Field::RequestTime), FieldType::Duration);
  EXPECT_EQ(type(Field::NonHttp), FieldType::Bool);
  EXPECT_EQ(type(Field::Ts), FieldType::Timestamp);
  for (std::string_view n :
       {"ts"sv, "src_ip"sv, "vhost"sv, "method"sv, "path"sv, "query"sv, "proto"sv, "status"sv,
        "bytes"sv, "referer"sv, "user_agent"sv, "user"sv, "non_http"sv, "request_raw"sv}) {
    auto f = field_by_name(n);
    ASSERT_TRUE(f.has_value()) << n;
    EXPECT_EQ(name(*f), n);
  }
  EXPECT_FALSE(field_by_name("no_such_field").has_value());
  auto k = kind_by_name("http.request");
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(*k, EventKind::HttpRequest);
  EXPECT_EQ(name(EventKind::HttpRequest), "http.request");
  EXPECT_FALSE(kind_by_name("http").has_value());
}

TEST(Event, SetGetAndOrder) {
  Event ev;
  EXPECT_EQ(ev.size(), 0u);
  EXPECT_FALSE(ev.has(Field::Method));
  EXPECT_EQ(ev.get(Field::Method), nullptr);
  EXPECT_EQ(ev.str(Field::Method), "");
  ev.set_ts(42);
  ev.set_string(Field::Method, "GET");
  ev.set_int(Field::Status, 404);
  ev.set_bool(Field::NonHttp, true);
  ev.set_duration(Field::RequestTime, 5'000'000);
  ev.set_ip(Field::SrcIp, *core::IpAddress::parse("192.0.2.1"));
  EXPECT_EQ(ev.ts(), 42);
  EXPECT_EQ(ev.size(), 5u);
  EXPECT_EQ(ev.str(Field::Method), "GET");
  EXPECT_EQ(ev.get(Field::Status)->i, 404);
  EXPECT_EQ(ev.get(Field::Status)->type, FieldType::Int);
  EXPECT_TRUE(ev.get(Field::NonHttp)->b);
  EXPECT_EQ(ev.get(Field::RequestTime)->i, 5'000'000);
  EXPECT_EQ(ev.get(Field::SrcIp)->ip.to_string(), "192.0.2.1");
  EXPECT_EQ(ev.str(Field::Status), "");  // not a string
  // Iteration is in the order fields were set; setting again replaces in place.
  ev.set_string(Field::Method, "POST");
  EXPECT_EQ(ev.size(), 5u);
  const Field order[] = {Field::Method, Field::Status, Field::NonHttp, Field::RequestTime,
                         Field::SrcIp};
  std::size_t i = 0;
  for (const FieldValue& v : ev) {
    ASSERT_LT(i, 5u);
    EXPECT_EQ(v.field, order[i++]);
  }
  EXPECT_EQ(ev.str(Field::Method), "POST");
}

TEST(Event, ResetClearsEverything) {
  Event ev;
  ev.set_kind(EventKind::HttpRequest);
  ev.set_ts(7);
  ev.set_string(Field::Path, "/");
  char* p = ev.scratch(16);
  std::memcpy(p, "0123456789abcdef", 16);
  ev.reset();
  EXPECT_EQ(ev.size(), 0u);
  EXPECT_EQ(ev.ts(), 0);
  EXPECT_FALSE(ev.has(Field::Path));
  EXPECT_EQ(ev.dropped(), 0u);
}

TEST(Event, TooManyFieldsAreCountedNotStored) {
  Event ev;
  std::size_t n = 0;
  for (std::size_t f = 0; f < kFieldCount && n < Event::kMaxFields + 3; ++f, ++n) {
    ev.set_int(static_cast<Field>(f), static_cast<std::int64_t>(f));
  }
  if (kFieldCount <= Event::kMaxFields) GTEST_SKIP() << "registry smaller than kMaxFields";
  EXPECT_EQ(ev.size(), Event::kMaxFields);
  EXPECT_EQ(ev.dropped(), n - Event::kMaxFields);
  EXPECT_FALSE(ev.has(static_cast<Field>(Event::kMaxFields)));
  EXPECT_EQ(ev.get(static_cast<Field>(0))->i, 0);
}

// Views handed out by scratch() must stay valid (and keep their bytes) until reset(),
// however many further blocks are requested.
TEST(Event, ScratchViewsStayValid) {
  Event ev;
  std::vector<std::pair<char*, std::string>> given;
  for (std::size_t i = 0; i < 200; ++i) {
    std::size_t n = 1 + (i * 37) % 5000;
    if (i == 100) n = (1u << 20) + 10;  // larger than the arena's block
    char* p = ev.scratch(n);
    std::string content(n, static_cast<char>('a' + i % 26));
    std::memcpy(p, content.data(), n);
    given.emplace_back(p, content);
  }
  for (const auto& [p, content] : given) {
    ASSERT_EQ(std::string_view(p, content.size()), content);
  }
  // Reuse after reset: still usable.
  ev.reset();
  char* p = ev.scratch(8);
  std::memcpy(p, "reusable", 8);
  EXPECT_EQ(std::string_view(p, 8), "reusable");
}

TEST(Event, ShrinkScratchGivesBackTheTail) {
  Event ev;
  char* a = ev.scratch(100);
  std::memcpy(a, "abc", 3);
  ev.shrink_scratch(a, 100, 3);
  char* b = ev.scratch(4);
  if (b == a + 3) SUCCEED();  // the tail was reused (same block)
  std::memcpy(b, "wxyz", 4);
  EXPECT_EQ(std::string_view(a, 3), "abc");
  EXPECT_EQ(std::string_view(b, 4), "wxyz");
}

std::string json_of(EventFormatter& fmt, const Event& ev) {
  std::string out;
  core::JsonObjectWriter obj(out);
  fmt.append_json_members(obj, ev);
  obj.close();
  return out;
}

TEST(EventFormatter, JsonMembersInOrderWithTypes) {
  Event ev;
  ev.set_kind(EventKind::HttpRequest);
  ev.set_ts(1613679695LL * core::kNsPerSec);
  ev.set_ip(Field::SrcIp, *core::IpAddress::parse("2001:db8::1"));
  ev.set_string(Field::Method, "");
  ev.set_bool(Field::NonHttp, true);
  ev.set_string(Field::RequestRaw, "\x16\x03\x01\xCA"sv);
  ev.set_int(Field::Status, 400);
  ev.set_duration(Field::RequestTime, 1'500'000'000);
  EventFormatter fmt;
  EXPECT_EQ(json_of(fmt, ev),
            R"({"kind":"http.request","ts":"2021-02-18T20:21:35Z","src_ip":"2001:db8::1",)"
            R"("method":"","non_http":true,"request_raw":"\u0016\u0003\u0001)"
            "\xEF\xBF\xBD"
            R"(","status":400,"request_time":1.5})");
  EXPECT_EQ(fmt.replaced_bytes(), 1u);
}

TEST(EventFormatter, Durations) {
  EventFormatter fmt;
  Event ev;
  ev.set_ts(0);
  auto dur = [&](std::int64_t ns) {
    ev.set_duration(Field::RequestTime, ns);
    std::string j = json_of(fmt, ev);
    std::string key = R"("request_time":)";
    auto at = j.find(key);
    return j.substr(at + key.size(), j.size() - 1 - at - key.size());
  };
  EXPECT_EQ(dur(0), "0");
  EXPECT_EQ(dur(12 * core::kNsPerSec), "12");
  EXPECT_EQ(dur(250'000'000), "0.25");
  EXPECT_EQ(dur(1'000), "0.000001");
  EXPECT_EQ(dur(1), "0.000000001");
  EXPECT_EQ(dur(-1'500'000'000), "-1.5");
}

TEST(EventFormatter, TimestampCacheGivesTheRightText) {
  EventFormatter fmt;
  const core::TimeNs t = 1613679695LL * core::kNsPerSec;
  EXPECT_EQ(fmt.ts_text(t), "2021-02-18T20:21:35Z");
  EXPECT_EQ(fmt.ts_text(t), "2021-02-18T20:21:35Z");  // from the cache
  EXPECT_EQ(fmt.ts_text(t + 5), "2021-02-18T20:21:35.000000005Z");
  EXPECT_EQ(fmt.ts_text(t + core::kNsPerSec), "2021-02-18T20:21:36Z");
  EXPECT_EQ(fmt.ts_text(t), "2021-02-18T20:21:35Z");
  EXPECT_EQ(fmt.ts_text(0), "1970-01-01T00:00:00Z");
}

// The first timestamp formatted may be any second, including one before the epoch
// (01/Jan/1970:00:59:59 +0100 is -1 s): the cache must not treat it as already formatted.
TEST(EventFormatter, FirstTimestampJustBeforeEpoch) {
  EventFormatter fmt;
  EXPECT_EQ(fmt.ts_text(-core::kNsPerSec), "1969-12-31T23:59:59Z");
  EXPECT_EQ(fmt.ts_text(-core::kNsPerSec + 1), "1969-12-31T23:59:59.000000001Z");
}

TEST(EventFormatter, TextLine) {
  Event ev;
  ev.set_ts(1613679695LL * core::kNsPerSec + 123'000'000);
  ev.set_ip(Field::SrcIp, *core::IpAddress::parse("192.0.2.1"));
  ev.set_string(Field::Method, "GET");
  ev.set_string(Field::UserAgent, "Mozilla/5.0 (X11)");
  ev.set_string(Field::Query, "a=b");
  ev.set_int(Field::Status, 200);
  ev.set_bool(Field::NonHttp, false);
  ev.set_string(Field::Referer, "");
  EventFormatter fmt;
  std::string out;
  fmt.append_text(out, ev);
  EXPECT_EQ(out,
            R"(http.request 2021-02-18T20:21:35.123Z src_ip="192.0.2.1" method=GET )"
            R"x(user_agent="Mozilla/5.0 (X11)" query="a=b" status=200 non_http=false referer="")x");
}

}  // namespace
}  // namespace bannin::model
