// The API's strict JSON reader: valid documents read back exactly, and every kind of
// malformed input is refused with the offset where it went wrong (never a crash, never a
// partial value), including deep nesting and invalid UTF-8.
#include <string>

#include <gtest/gtest.h>

#include <bannin/api/json_value.h>

namespace bannin::api {
namespace {

TEST(JsonValue, ReadsEveryType) {
  auto v =
      parse_json(R"( {"s":"a\"b\\c\/\n\u00e9\ud83d\ude00","i":-42,"f":1.5e2,"t":true,"n":null,)"
                 R"("a":[1,[],{}],"o":{"k":"v"}} )");
  ASSERT_TRUE(v) << v.error().message;
  ASSERT_TRUE(v->is_object());
  EXPECT_EQ(v->size(), 7u);
  EXPECT_EQ(*v->find("s")->string(), "a\"b\\c/\n\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(*v->find("i")->integer(), -42);
  EXPECT_FALSE(v->find("f")->integer());
  EXPECT_DOUBLE_EQ(*v->find("f")->number(), 150.0);
  EXPECT_EQ(v->find("f")->number_text(), "1.5e2");
  EXPECT_TRUE(*v->find("t")->boolean());
  EXPECT_TRUE(v->find("n")->is_null());
  ASSERT_EQ(v->find("a")->items().size(), 3u);
  EXPECT_TRUE(v->find("a")->items()[1].is_array());
  EXPECT_EQ(*v->find("o")->find("k")->string(), "v");
  EXPECT_EQ(v->find("missing"), nullptr);
  EXPECT_EQ(v->find("i")->find("x"), nullptr);  // not an object
  EXPECT_EQ(v->keys()[0], "s");
}

TEST(JsonValue, IntegersBeyondInt64StayNumbers) {
  auto v = parse_json("[9223372036854775807, 9223372036854775808, -0]");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v->items()[0].integer(), INT64_MAX);
  EXPECT_FALSE(v->items()[1].integer());
  EXPECT_DOUBLE_EQ(*v->items()[1].number(), 9223372036854775808.0);
  EXPECT_EQ(*v->items()[2].integer(), 0);
}

struct Bad {
  const char* text;
  std::size_t offset;
  const char* words;
};

TEST(JsonValue, RefusesMalformedInputWithItsOffset) {
  const Bad cases[] = {
      {"", 0, "unexpected end"},
      {"   ", 3, "unexpected end"},
      {"{\"a\":1,}", 7, "expected a string key"},
      {"{\"a\" 1}", 5, "expected ':'"},
      {"{\"a\":1 \"b\":2}", 7, "expected ',' or '}'"},
      {"[1,2", 4, "expected ',' or ']'"},
      {"[1,]", 3, "expected a value"},
      {"{\"a\":1,\"a\":2}", 7, "duplicate key"},
      {"\"abc", 4, "unterminated string"},
      {"\"a\tb\"", 2, "control character"},
      {"\"\\x\"", 1, "invalid escape"},
      {"\"\\u12\"", 3, "truncated \\u escape"},
      {"\"\\ud800\"", 1, "high surrogate"},
      {"\"\\udc00\"", 1, "lone low surrogate"},
      {"\"\xC3\x28\"", 1, "invalid UTF-8"},
      {"\"\xED\xA0\x80\"", 1, "invalid UTF-8"},      // encoded surrogate
      {"\"\xC0\xAF\"", 1, "invalid UTF-8"},          // overlong
      {"\"\xF4\x90\x80\x80\"", 1, "invalid UTF-8"},  // above U+10FFFF
      {"01", 1, "leading zero"},
      {"-", 1, "expected a digit"},
      {"1.", 2, "after '.'"},
      {"1e", 2, "exponent"},
      {"1e999", 0, "out of range"},
      {"tru", 0, "invalid literal"},
      {"nul", 0, "invalid literal"},
      {"{} x", 3, "unexpected text after"},
      {"'a'", 0, "expected a value"},
      {"\xEF\xBB\xBF{}", 0, "expected a value"},  // a BOM is not JSON
  };
  for (const Bad& c : cases) {
    std::size_t offset = 999;
    auto v = parse_json(c.text, &offset);
    ASSERT_FALSE(v) << c.text;
    EXPECT_EQ(v.error().code, "bad_json");
    EXPECT_EQ(offset, c.offset) << c.text << ": " << v.error().message;
    EXPECT_NE(v.error().message.find(c.words), std::string::npos)
        << c.text << ": " << v.error().message;
    EXPECT_NE(v.error().message.find("offset " + std::to_string(c.offset)), std::string::npos);
  }
}

TEST(JsonValue, ReportsLineAndColumn) {
  auto v = parse_json("{\n  \"a\": 1,\n  \"b\" 2\n}");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("line 3, column 7"), std::string::npos) << v.error().message;
}

TEST(JsonValue, BoundsNesting) {
  std::string ok(kJsonMaxDepth, '[');
  ok += std::string(kJsonMaxDepth, ']');
  EXPECT_TRUE(parse_json(ok));
  std::string deep(100000, '[');  // would overflow the stack without the bound
  auto v = parse_json(deep);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("nesting deeper than 64"), std::string::npos);
  std::string objects;
  for (int i = 0; i < 100; ++i) objects += "{\"a\":";
  EXPECT_FALSE(parse_json(objects));
}

TEST(JsonValue, NeverCrashesOnTruncationsAndByteFlips) {
  const std::string doc =
      R"({"scope":"prefix","target":"2001:db8::/48","ttl":"1h","reason":"caf\u00e9 \ud83d\ude00",)"
      R"("n":[1.5,-2,true,false,null,{"x":[]}]})";
  ASSERT_TRUE(parse_json(doc));
  for (std::size_t i = 0; i <= doc.size(); ++i) {
    (void)parse_json(std::string_view(doc).substr(0, i));
  }
  for (std::size_t i = 0; i < doc.size(); ++i) {
    for (unsigned char b : {0x00, 0x22, 0x5C, 0x7B, 0x5D, 0x80, 0xFF}) {
      std::string m = doc;
      m[i] = static_cast<char>(b);
      (void)parse_json(m);
    }
  }
}

}  // namespace
}  // namespace bannin::api
