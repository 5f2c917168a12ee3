// Decisions as JSON and CSV (decision_export.h) and the reading of the store's own JSON
// columns (json_columns.h, simdjson): exact output for a known row, RFC 4180 quoting of
// commas, quotes and line breaks, a hand-damaged target_json still giving valid JSON.
#include <gtest/gtest.h>

#include <bannin/store/decision_export.h>
#include <bannin/store/json_columns.h>

namespace bannin::store {
namespace {

DecisionRow row() {
  DecisionRow d;
  d.id = 7;
  d.ts = 1'700'000'000LL * core::kNsPerSec;
  d.rule = "web.wp_login.bruteforce";
  d.action = "deny";
  d.scope = "ip";
  d.target_json = R"({"ip":"192.0.2.7"})";
  d.target_key = "192.0.2.7";
  d.ttl_s = 3600;
  d.expires = d.ts + 3600 * core::kNsPerSec;
  d.reason = "12 failed logins, from \"abroad\"\nsecond line";
  d.state = "revoked";
  d.ended = d.ts + 60 * core::kNsPerSec;
  return d;
}

TEST(DecisionExport, JsonObjectWithHistory) {
  DecisionRecord r{row(),
                   {{7, row().ts, "proposed", "created"}, {7, row().ended, "revoked", "by alice"}}};
  std::string out = decisions_json(std::span<const DecisionRecord>(&r, 1));
  EXPECT_EQ(
      out,
      "[\n{\"id\":7,\"ts\":\"2023-11-14T22:13:20Z\",\"rule\":\"web.wp_login.bruteforce\","
      "\"origin\":\"rule\",\"action\":\"deny\",\"scope\":\"ip\",\"target\":{\"ip\":\"192.0.2.7\"},"
      "\"target_key\":\"192.0.2.7\",\"ttl_s\":3600,\"expires\":\"2023-11-14T23:13:20Z\","
      "\"state\":\"revoked\",\"ended\":\"2023-11-14T22:14:20Z\","
      "\"reason\":\"12 failed logins, from \\\"abroad\\\"\\nsecond line\","
      "\"history\":[{\"ts\":\"2023-11-14T22:13:20Z\",\"state\":\"proposed\",\"note\":\"created\"},"
      "{\"ts\":\"2023-11-14T22:14:20Z\",\"state\":\"revoked\",\"note\":\"by alice\"}]}\n]\n");
  EXPECT_TRUE(detail::json_valid(out));
}

TEST(DecisionExport, JsonStaysValidWithADamagedTargetAndNoRows) {
  DecisionRow d = row();
  d.target_json = "{\"ip\":";  // edited by hand
  d.ended = 0;
  std::string out = decisions_json(std::span<const DecisionRow>(&d, 1));
  EXPECT_TRUE(detail::json_valid(out)) << out;
  EXPECT_NE(out.find("\"target\":\"{\\\"ip\\\":\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"ended\":null"), std::string::npos);
  EXPECT_EQ(out.find("history"), std::string::npos);
  EXPECT_EQ(decisions_json(std::span<const DecisionRow>()), "[]\n");
}

TEST(DecisionExport, CsvFollowsRfc4180) {
  DecisionRow d = row();
  std::string out = decisions_csv(std::span<const DecisionRow>(&d, 1));
  EXPECT_EQ(out,
            "id,ts,state,scope,target,action,rule,origin,ttl_s,expires,ended,reason,target_json\r\n"
            "7,2023-11-14T22:13:20Z,revoked,ip,192.0.2.7,deny,web.wp_login.bruteforce,rule,3600,"
            "2023-11-14T23:13:20Z,2023-11-14T22:14:20Z,"
            "\"12 failed logins, from \"\"abroad\"\"\nsecond "
            "line\",\"{\"\"ip\"\":\"\"192.0.2.7\"\"}\"\r\n");
  DecisionRecord r{row(), {{7, row().ts, "proposed", "created"}, {7, row().ended, "revoked", ""}}};
  std::string with = decisions_csv(std::span<const DecisionRecord>(&r, 1));
  EXPECT_NE(with.find(",history\r\n"), std::string::npos);
  EXPECT_NE(
      with.find(",\"2023-11-14T22:13:20Z proposed created\n2023-11-14T22:14:20Z revoked\"\r\n"),
      std::string::npos)
      << with;
  std::string f;
  append_csv_field(f, "plain");
  append_csv_field(f, "a,b");
  append_csv_field(f, "cr\rhere");
  EXPECT_EQ(f, "plain\"a,b\"\"cr\rhere\"");
}

TEST(JsonColumns, ValidatesAndReadsTopLevelStrings) {
  using detail::json_member_string;
  using detail::json_valid;
  for (const char* ok : {"{}", "[]", " {\"a\":[1,-2.5e+3,true,false,null,{\"b\":\"\\u00e9\"}]} ",
                         "\"x\"", "0", "-0.1"}) {
    EXPECT_TRUE(json_valid(ok)) << ok;
  }
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"",
                          "{\"a\":1}x", "\"tab\there\"", "tru", "{'a':1}"}) {
    EXPECT_FALSE(json_valid(bad)) << bad;
  }
  EXPECT_FALSE(json_valid(std::string(100, '[') + std::string(100, ']')));  // too deep
  EXPECT_FALSE(json_valid(std::string(65, '[') + std::string(65, ']')));
  EXPECT_TRUE(json_valid(std::string(64, '[') + std::string(64, ']')));
  // The limit holds after the thread's parser has grown for a long column.
  EXPECT_TRUE(json_valid("[\"" + std::string(100000, 'x') + "\"]"));
  EXPECT_FALSE(json_valid(std::string(65, '[') + std::string(65, ']')));
  // What simdjson refuses: bytes that are not UTF-8, a \u escape of half a surrogate pair,
  // a number beyond a double or a 64-bit integer (a hand-edited column is then shown as text).
  EXPECT_FALSE(json_valid("[\"\xff\"]"));
  EXPECT_FALSE(json_valid(R"(["\ud83d"])"));
  EXPECT_FALSE(json_valid("[123456789012345678901234567890]"));
  EXPECT_FALSE(json_valid("[1e400]"));
  EXPECT_EQ(json_member_string(R"({"ip":"192.0.2.1"})", "ip"), "192.0.2.1");
  EXPECT_EQ(json_member_string(R"({"x":{"ip":"no"},"ip":"a\"b\\c\/d"})", "ip"), "a\"b\\c/d");
  EXPECT_EQ(json_member_string(R"({"v":"\u00e9\ud83d\ude00"})", "v"), "\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(json_member_string(R"({"v":"\ud83d"})", "v"), std::nullopt);
  EXPECT_EQ(json_member_string(R"({"ip":"a","ip":"b"})", "ip"), "b");  // the last one
  EXPECT_EQ(json_member_string(R"({"ip":"a","ip":1})", "ip"), std::nullopt);
  EXPECT_EQ(json_member_string(R"({"ip":5})", "ip"), std::nullopt);
  EXPECT_EQ(json_member_string(R"({"other":"x"})", "ip"), std::nullopt);
  EXPECT_EQ(json_member_string(R"(["ip","x"])", "ip"), std::nullopt);
  EXPECT_EQ(json_member_string(R"({"ip":"x")", "ip"), std::nullopt);
}

}  // namespace
}  // namespace bannin::store
