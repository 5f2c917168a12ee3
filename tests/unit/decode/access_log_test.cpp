// Unit tests of the access-log decoding pieces that the fixture files do not pin down one by
// one: log-field unescaping, request-line splitting, the per-line decoder contract (any
// bytes in, an event or a reason out), and DecoderSet's detection and fallback.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/decode/access_log/clf_decoder.h>
#include <bannin/decode/access_log/http_fields.h>
#include <bannin/decode/access_log/ltsv_decoder.h>
#include <bannin/decode/access_log/nginx_json_decoder.h>
#include <bannin/decode/decoder_set.h>

namespace bannin::decode::access_log {
namespace {

using model::Field;
using namespace std::string_literals;
using namespace std::string_view_literals;

TEST(UnescapeLogField, ApacheAndNginxEscapes) {
  model::Event ev;
  EXPECT_EQ(unescape_log_field("plain", ev), "plain");
  EXPECT_EQ(unescape_log_field(R"(say \"hi\")", ev), R"(say "hi")");
  EXPECT_EQ(unescape_log_field(R"(a\\b)", ev), R"(a\b)");
  EXPECT_EQ(unescape_log_field(R"(\n\t\r)", ev), "\n\t\r");
  EXPECT_EQ(unescape_log_field(R"(\x16\x03\x01)", ev), "\x16\x03\x01");
  EXPECT_EQ(unescape_log_field(R"(caf\xC3\xA9 \xc3\xa9)", ev), "caf\xC3\xA9 \xC3\xA9");
  EXPECT_EQ(unescape_log_field(R"(\x00)", ev), "\0"s);
  EXPECT_EQ(unescape_log_field(R"(\x22quoted\x22)", ev), R"("quoted")");  // nginx's \"
}

TEST(UnescapeLogField, MalformedEscapesAreKept) {
  model::Event ev;
  EXPECT_EQ(unescape_log_field(R"(\xZZ)", ev), R"(\xZZ)");
  EXPECT_EQ(unescape_log_field(R"(\x4)", ev), R"(\x4)");
  EXPECT_EQ(unescape_log_field(R"(\x)", ev), R"(\x)");
  EXPECT_EQ(unescape_log_field(R"(end\)", ev), R"(end\)");
  EXPECT_EQ(unescape_log_field(R"(\q)", ev), R"(\q)");
}

TEST(UnescapeLogField, ViewsStayValidTogether) {
  model::Event ev;
  std::vector<std::string_view> views;
  std::vector<std::string> want;
  for (int i = 0; i < 100; ++i) {
    std::string in = R"(\")" + std::string(static_cast<std::size_t>(i * 50), 'k') + R"(\x41)";
    views.push_back(unescape_log_field(in, ev));
    want.push_back("\"" + std::string(static_cast<std::size_t>(i * 50), 'k') + "A");
  }
  for (std::size_t i = 0; i < views.size(); ++i) EXPECT_EQ(views[i], want[i]);
}

struct Request {
  std::string_view line;
  std::string_view method{}, path{}, query{}, proto{};  // method "-" = not HTTP
  bool has_query = false;
};

class RequestLine : public ::testing::TestWithParam<Request> {};

TEST_P(RequestLine, Splits) {
  const Request& r = GetParam();
  model::Event ev;
  set_request_fields(r.line, r.line, ev);
  if (r.method == "-") {
    EXPECT_EQ(ev.str(Field::Method), "");
    ASSERT_TRUE(ev.has(Field::Method));
    ASSERT_TRUE(ev.has(Field::NonHttp));
    EXPECT_TRUE(ev.get(Field::NonHttp)->b);
    EXPECT_EQ(ev.str(Field::RequestRaw), r.line);
    EXPECT_FALSE(ev.has(Field::Path));
    return;
  }
  EXPECT_EQ(ev.str(Field::Method), r.method);
  EXPECT_EQ(ev.str(Field::Path), r.path);
  EXPECT_EQ(ev.has(Field::Query), r.has_query);
  EXPECT_EQ(ev.str(Field::Query), r.query);
  EXPECT_EQ(ev.has(Field::Proto), !r.proto.empty());
  EXPECT_EQ(ev.str(Field::Proto), r.proto);
  EXPECT_FALSE(ev.has(Field::NonHttp));
  EXPECT_FALSE(ev.has(Field::RequestRaw));
}

INSTANTIATE_TEST_SUITE_P(
    Lines, RequestLine,
    ::testing::Values(
        Request{"GET / HTTP/1.1", "GET", "/", "", "HTTP/1.1"},
        Request{"GET /a/b.php?x=1&y=2 HTTP/1.0", "GET", "/a/b.php", "x=1&y=2", "HTTP/1.0", true},
        Request{"GET /?  HTTP/1.1", "-"},
        Request{"GET /? HTTP/1.1", "GET", "/", "", "HTTP/1.1", true},
        Request{"GET /a?b?c HTTP/2.0", "GET", "/a", "b?c", "HTTP/2.0", true},
        Request{"POST /xmlrpc.php HTTP/1.1", "POST", "/xmlrpc.php", "", "HTTP/1.1"},
        Request{"M-SEARCH * HTTP/1.1", "M-SEARCH", "*", "", "HTTP/1.1"},
        Request{"PRI * HTTP/2.0", "PRI", "*", "", "HTTP/2.0"},
        Request{"GET /index.html", "GET", "/index.html", "", ""},  // HTTP/0.9
        Request{"CONNECT example.com:443 HTTP/1.1", "CONNECT", "example.com:443", "", "HTTP/1.1"},
        Request{"GET http://example.com/x?q HTTP/1.1", "GET", "http://example.com/x", "q",
                "HTTP/1.1", true},
        // Not HTTP: TLS bytes, "-", empty, garbage, scanners.
        Request{"\x16\x03\x01\x00\xca\x01"sv, "-"}, Request{"-", "-"}, Request{"", "-"},
        Request{"SSH-2.0-Go", "-"}, Request{"GET", "-"}, Request{"GET ", "-"},
        Request{"GET  HTTP/1.1", "-"}, Request{"get / HTTP/1.1", "-"},
        Request{"GET / FTP/1.0", "-"}, Request{"GET / HTTP/1.1 extra", "-"},
        Request{"GET /a b HTTP/1.1", "-"}, Request{"\0\0\0\0"sv, "-"}, Request{"GET / HTTP/", "-"},
        Request{"{\"jsonrpc\":\"2.0\"}", "-"}));

TEST(ParseAnyTime, Forms) {
  const core::TimeNs t = 1613679695LL * core::kNsPerSec;
  EXPECT_EQ(parse_any_time("19/Feb/2021:05:21:35 +0900"), t);
  EXPECT_EQ(parse_any_time("[19/Feb/2021:05:21:35 +0900]"), t);
  EXPECT_EQ(parse_any_time("2021-02-19T05:21:35+09:00"), t);
  EXPECT_EQ(parse_any_time("1613679695"), t);
  EXPECT_EQ(parse_any_time("1613679695.250"), t + 250'000'000);
  EXPECT_FALSE(parse_any_time("").has_value());
  EXPECT_FALSE(parse_any_time("[]").has_value());
  EXPECT_FALSE(parse_any_time("yesterday").has_value());
  EXPECT_FALSE(parse_any_time("2021-02-19T05:21:35").has_value());  // no offset
}

TEST(TimestampCache, SameLengthDifferentTextIsNotConfused) {
  TimestampCache cache;
  auto a = cache.get("19/Feb/2021:05:21:35 +0900", core::parse_clf_time);
  auto b = cache.get("19/Feb/2021:05:21:36 +0900", core::parse_clf_time);
  auto a2 = cache.get("19/Feb/2021:05:21:35 +0900", core::parse_clf_time);
  auto bad = cache.get("19/Feb/2021:05:21:99 +0900", core::parse_clf_time);
  ASSERT_TRUE(a && b && a2);
  EXPECT_EQ(*b - *a, core::kNsPerSec);
  EXPECT_EQ(*a2, *a);
  EXPECT_FALSE(bad.has_value());
  EXPECT_FALSE(cache.get("19/Feb/2021:05:21:99 +0900", core::parse_clf_time).has_value());
}

TEST(ParseSecondsNs, Values) {
  EXPECT_EQ(parse_seconds_ns("0.005"), 5'000'000);
  EXPECT_EQ(parse_seconds_ns("12"), 12'000'000'000);
  EXPECT_EQ(parse_seconds_ns("1.5"), 1'500'000'000);
  EXPECT_EQ(parse_seconds_ns("0.123456789"), 123'456'789);
  EXPECT_FALSE(parse_seconds_ns("").has_value());
  EXPECT_FALSE(parse_seconds_ns("-").has_value());
  EXPECT_FALSE(parse_seconds_ns("1.").has_value());
  EXPECT_FALSE(parse_seconds_ns("1.x").has_value());
}

// Any bytes in, an event or a reason out, whatever the decoder: the hostile inputs of the
// issue's "Bad input" section, decoded by each access-log decoder directly.
TEST(Decoders, HostileLinesGiveAnEventOrAReason) {
  const std::string ok =
      R"(192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET / HTTP/1.1" 200 1 "-" "-")";
  std::vector<std::string> lines = {
      "",
      " ",
      "\0"s,
      std::string(1000, '\0'),
      "\xff\xfe\xfd",
      "[",
      "\"",
      "\\",
      "{",
      "{}",
      "{\"time\":",
      "[19/Feb/2021:05:21:35 +0900]",
      "- - - [",
      "- - - [19/Feb/2021:05:21:35 +0900",
      "- - - [19/Feb/2021:05:21:35 +0900] \"",
      "- - - [19/Feb/2021:05:21:35 +0900] \"GET \\",
      "- - - [19/Feb/2021:05:21:35 +0900] \"\\\"",
      "a:b\tc",
      "time:\thost:",
      "\t\t\t",
      ok.substr(0, 20),
      ok.substr(0, 50),
      ok + "\0"s,
      ok + " \"x",
      ok + std::string(70000, '"'),
      std::string(1 << 20, 'x'),
      "x " + std::string(1 << 16, '\\'),
  };
  for (std::size_t cut = 0; cut < ok.size(); cut += 7) lines.push_back(ok.substr(0, cut));
  std::vector<std::unique_ptr<Decoder>> decoders;
  for (const DecoderInfo& d : all_decoders()) decoders.push_back(d.make());
  model::Event ev;
  for (auto& d : decoders) {
    for (const std::string& line : lines) {
      ev.reset();
      DecodeResult r = d->decode(line, ev);
      if (!r.ok()) {
        EXPECT_FALSE(r.reason.empty());
        EXPECT_LE(r.column, line.size() + 1) << d->name() << " reason " << r.reason;
      }
      EXPECT_EQ(ev.dropped(), 0u);
    }
  }
}

TEST(ClfDecoder, RejectReasonsAndColumns) {
  ClfDecoder d(ClfVariant::Combined);
  model::Event ev;
  auto r =
      d.decode(R"(192.0.2.1 - - 19/Feb/2021:05:21:35 +0900 "GET / HTTP/1.1" 200 1 "-" "-")", ev);
  EXPECT_EQ(r.reason, "bad_timestamp");
  EXPECT_EQ(r.column, 15u);  // 1-based column of the missing '['
  ev.reset();
  r = d.decode(R"(192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET / HTTP/1.1 200 1 "-" "-")", ev);
  EXPECT_FALSE(r.ok());
  ev.reset();
  r = d.decode(R"(192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET / HTTP/1.1" 2000 1 "-" "-")", ev);
  EXPECT_EQ(r.reason, "bad_status");
  ev.reset();
  r = d.decode(R"(192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET / HTTP/1.1" 200 1k "-" "-")", ev);
  EXPECT_EQ(r.reason, "bad_size");
  ev.reset();
  r = d.decode(
      R"(192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET / HTTP/1.1" 200 1 "-" "unterminated)", ev);
  EXPECT_EQ(r.reason, "unterminated_user_agent");
}

TEST(ClfDecoder, EscapedQuoteAtEndOfFieldDoesNotCloseIt) {
  ClfDecoder d(ClfVariant::Combined);
  model::Event ev;
  auto r = d.decode(
      R"(192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET / HTTP/1.1" 200 1 "-" "ua \"x\\")", ev);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(ev.str(Field::UserAgent), R"(ua "x\)");
}

TEST(ClfDecoder, VhostPortOnlyWhenNumeric) {
  ClfDecoder d(ClfVariant::VhostCombined);
  model::Event ev;
  auto r = d.decode(
      R"(example.com 192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET / HTTP/1.1" 200 1 "-" "-")",
      ev);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(ev.str(Field::Vhost), "example.com");
  EXPECT_FALSE(ev.has(Field::ServerPort));
  ev.reset();
  r = d.decode(
      R"(example.com:https 192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET / HTTP/1.1" 200 1 "-" "-")",
      ev);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(ev.str(Field::Vhost), "example.com:https");
}

TEST(LtsvDecoder, ValuesMayHoldColons) {
  LtsvDecoder d;
  model::Event ev;
  auto r = d.decode(
      "time:2021-02-18T20:21:35Z\thost:2001:db8::5\treq:GET /a:b HTTP/1.1\t"
      "referer:http://x.example:8080/\tstatus:200",
      ev);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(ev.get(Field::SrcIp)->ip.to_string(), "2001:db8::5");
  EXPECT_EQ(ev.str(Field::Path), "/a:b");
  EXPECT_EQ(ev.str(Field::Referer), "http://x.example:8080/");
  EXPECT_EQ(ev.ts(), 1613679695LL * core::kNsPerSec);
}

TEST(NginxJsonDecoder, InvalidUtf8IsReplacedNotRejected) {
  NginxJsonDecoder d;
  model::Event ev;
  auto r = d.decode(
      "{\"time_local\":\"19/Feb/2021:05:21:35 +0900\",\"remote_addr\":\"192.0.2.1\","
      "\"request\":\"GET /\xff HTTP/1.1\",\"http_user_agent\":\"\xc3\"}"sv,
      ev);
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(ev.str(Field::Path), "/\xEF\xBF\xBD");
  EXPECT_EQ(ev.str(Field::UserAgent), "\xEF\xBF\xBD");
  // Invalid JSON stays invalid after the replacement.
  ev.reset();
  r = d.decode("{\"time_local\":\"\xff\",", ev);
  EXPECT_EQ(r.reason, "bad_json");
}

TEST(DecoderSet, UnknownNameThrowsWithTheKnownNames) {
  try {
    DecoderSet set("apache");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("unknown decoder 'apache'"), std::string::npos) << what;
    EXPECT_NE(what.find("combined"), std::string::npos) << what;
    EXPECT_NE(what.find("ltsv"), std::string::npos) << what;
  }
}

TEST(DecoderSet, EveryAccessLogDecoderIsKnownByName) {
  for (const char* n : {"combined", "common", "vhost_combined", "nginx_json", "ltsv"}) {
    auto d = make_decoder(n);
    ASSERT_NE(d, nullptr) << n;
    EXPECT_EQ(d->name(), n);
    DecoderSet set(n);
    EXPECT_FALSE(set.is_auto());
  }
  EXPECT_EQ(make_decoder("auto"), nullptr);
}

TEST(DecoderSet, DetectionPicksTheMajorityAndSpecificOnTies) {
  const std::string combined =
      R"(192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET / HTTP/1.1" 200 1 "-" "-")";
  const std::string common = R"(192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET / HTTP/1.1" 200 1)";
  const std::string vhost = "www.example.com:443 " + combined;
  auto primary = [](const std::vector<std::string>& lines) {
    DecoderSet set("auto");
    std::vector<std::string_view> sample(lines.begin(), lines.end());
    set.detect(sample);
    return std::string(set.candidates()[static_cast<std::size_t>(set.primary())]->name());
  };
  EXPECT_EQ(primary({combined, combined, common}), "combined");
  EXPECT_EQ(primary({common, common, combined}), "common");
  EXPECT_EQ(primary({vhost, vhost, combined}), "vhost_combined");
  EXPECT_EQ(primary({combined + "\r", combined + "\r"}), "combined");  // CRLF sample
  // A combined line is also... only combined: "common" rejects its trailing fields, so
  // a file of combined lines is combined, never common.
  EXPECT_EQ(primary({combined}), "combined");
}

TEST(DecoderSet, FallbackReadsAnotherFormatsLine) {
  DecoderSet set("auto");
  std::vector<std::string_view> sample = {
      R"(192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET / HTTP/1.1" 200 1 "-" "-")"};
  set.detect(sample);
  model::Event ev;
  auto out = set.decode(R"(192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET / HTTP/1.1" 200 1)", ev);
  ASSERT_TRUE(out.result.ok());
  EXPECT_EQ(set.candidates()[static_cast<std::size_t>(out.decoder)]->name(), "common");
  out = set.decode("", ev);
  EXPECT_EQ(out.result.reason, "empty_line");
  out = set.decode("garbage", ev);
  EXPECT_FALSE(out.result.ok());
  EXPECT_EQ(out.decoder, -1);
  // Forced: no fallback.
  DecoderSet forced("combined");
  out = forced.decode(R"(192.0.2.1 - - [19/Feb/2021:05:21:35 +0900] "GET / HTTP/1.1" 200 1)", ev);
  EXPECT_FALSE(out.result.ok());
}

}  // namespace
}  // namespace bannin::decode::access_log
