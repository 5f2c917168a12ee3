#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include <bannin/core/json_writer.h>

namespace bannin::core {
namespace {

using namespace std::string_view_literals;

std::string quoted(std::string_view s, std::size_t* replaced = nullptr) {
  std::string out;
  std::size_t r = json_append_string(out, s);
  if (replaced != nullptr) *replaced = r;
  return out;
}

TEST(JsonString, PlainAsciiIsCopied) {
  EXPECT_EQ(quoted("GET /index.html"), R"("GET /index.html")");
  EXPECT_EQ(quoted(""), R"("")");
}

TEST(JsonString, QuotesBackslashesAndControlsAreEscaped) {
  EXPECT_EQ(quoted(R"(say "hi")"), R"("say \"hi\"")");
  EXPECT_EQ(quoted(R"(a\b)"), R"("a\\b")");
  EXPECT_EQ(quoted("a\nb\rc\td"), R"("a\nb\rc\td")");
  EXPECT_EQ(quoted("\x01\x1f\x7f"sv), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(quoted("\x16\x03\x01"sv), R"("\u0016\u0003\u0001")");
  EXPECT_EQ(quoted("\b\f"sv), R"("\u0008\u000c")");
}

TEST(JsonString, NulBytesAreEscapedNotTruncated) {
  EXPECT_EQ(quoted("a\0b\0"sv), R"("a\u0000b\u0000")");
}

TEST(JsonString, ValidUtf8PassesThrough) {
  std::size_t replaced = 99;
  EXPECT_EQ(quoted("caf\xC3\xA9 \xE3\x81\x82 \xF0\x9F\x98\x80"sv, &replaced),
            "\"caf\xC3\xA9 \xE3\x81\x82 \xF0\x9F\x98\x80\"");
  EXPECT_EQ(replaced, 0u);
  // Largest code points of each length, and U+FFFD itself.
  EXPECT_EQ(quoted("\xDF\xBF\xEF\xBF\xBF\xF4\x8F\xBF\xBF\xEF\xBF\xBD"sv, &replaced),
            "\"\xDF\xBF\xEF\xBF\xBF\xF4\x8F\xBF\xBF\xEF\xBF\xBD\"");
  EXPECT_EQ(replaced, 0u);
}

constexpr std::string_view kFffd = "\xEF\xBF\xBD";

struct Invalid {
  std::string_view in;
  std::size_t replaced;  // invalid bytes, each one U+FFFD
  std::string_view valid_rest;
};

class JsonInvalidUtf8 : public ::testing::TestWithParam<Invalid> {};

TEST_P(JsonInvalidUtf8, EachInvalidByteBecomesReplacementCharacter) {
  const Invalid& c = GetParam();
  std::size_t replaced = 0;
  std::string out = quoted(c.in, &replaced);
  EXPECT_EQ(replaced, c.replaced);
  std::string want = "\"";
  for (std::size_t i = 0; i < c.replaced; ++i) want += kFffd;
  want += c.valid_rest;
  want += "\"";
  EXPECT_EQ(out, want);
  // utf8_append_replacing_invalid applies the same rule, without quoting.
  std::string raw;
  EXPECT_EQ(utf8_append_replacing_invalid(raw, c.in), c.replaced);
  EXPECT_EQ("\"" + raw + "\"", want);
}

INSTANTIATE_TEST_SUITE_P(Sequences, JsonInvalidUtf8,
                         ::testing::Values(Invalid{"\xFF"sv, 1, ""}, Invalid{"\xFE\xFF"sv, 2, ""},
                                           Invalid{"\x80"sv, 1, ""},    // lone continuation byte
                                           Invalid{"\xC3"sv, 1, ""},    // truncated 2-byte sequence
                                           Invalid{"\xC3x"sv, 1, "x"},  // lead byte, then ASCII
                                           Invalid{"\xC0\xAF"sv, 2, ""},      // overlong '/'
                                           Invalid{"\xC1\xBF"sv, 2, ""},      // overlong
                                           Invalid{"\xE0\x80\xAF"sv, 3, ""},  // overlong 3-byte
                                           Invalid{"\xED\xA0\x80"sv, 3,
                                                   ""},  // UTF-16 surrogate D800
                                           Invalid{"\xF4\x90\x80\x80"sv, 4, ""},  // above U+10FFFF
                                           Invalid{"\xF5\x80\x80\x80"sv, 4, ""},
                                           Invalid{"\xE3\x81"sv, 2, ""},  // truncated at the end
                                           Invalid{"\xF0\x9F\x98"sv, 3, ""}));

TEST(JsonString, InvalidBytesBetweenValidText) {
  std::size_t replaced = 0;
  EXPECT_EQ(quoted("Mozilla\xFF\xFE/5.0 caf\xE9"sv, &replaced),
            "\"Mozilla" + std::string(kFffd) + std::string(kFffd) + "/5.0 caf" +
                std::string(kFffd) + "\"");
  EXPECT_EQ(replaced, 3u);
}

TEST(JsonString, AppendsToExistingBuffer) {
  std::string out = "[";
  json_append_string(out, "a");
  out += ",";
  json_append_string(out, "b\"");
  EXPECT_EQ(out, R"(["a","b\"")");
}

TEST(JsonInt, Values) {
  auto text = [](std::int64_t v) {
    std::string out;
    json_append_int(out, v);
    return out;
  };
  EXPECT_EQ(text(0), "0");
  EXPECT_EQ(text(7), "7");
  EXPECT_EQ(text(-42), "-42");
  EXPECT_EQ(text(5368709120), "5368709120");
  EXPECT_EQ(text(std::numeric_limits<std::int64_t>::max()), "9223372036854775807");
  EXPECT_EQ(text(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808");
}

TEST(JsonObjectWriter, WritesAFlatObject) {
  std::string out;
  JsonObjectWriter obj(out);
  obj.integer("line", 3);
  obj.null("decoder");
  obj.string("error", "bad \"x\"");
  obj.boolean("non_http", true);
  obj.boolean("b", false);
  obj.raw("n", "1.5");
  obj.close();
  EXPECT_EQ(out,
            R"({"line":3,"decoder":null,"error":"bad \"x\"","non_http":true,"b":false,"n":1.5})");
}

TEST(JsonObjectWriter, EmptyObject) {
  std::string out;
  JsonObjectWriter obj(out);
  obj.close();
  EXPECT_EQ(out, "{}");
}

}  // namespace
}  // namespace bannin::core
