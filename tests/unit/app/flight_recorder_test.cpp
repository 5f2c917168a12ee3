// FlightRecorder (app/flight_recorder.h): the byte ring keeps the newest lines in order and
// counts what it drops; a freeze writes every source's ring and the KPI samples to a gzip file
// that reads back; a rule freezes at most once per min_interval; retention keeps the newest.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include <bannin/app/flight_recorder.h>

namespace bannin::app {
namespace {

constexpr core::TimeNs kS = core::kNsPerSec;

std::vector<std::string> lines_of(const LineRing& r) {
  std::vector<std::string> out;
  r.for_each([&](core::TimeNs, std::string_view l) { out.emplace_back(l); });
  return out;
}

TEST(LineRing, KeepsTheNewestInOrderAndCountsEvictions) {
  LineRing r(200);  // room for a few 12-byte headers plus lines
  for (int i = 0; i < 50; ++i) r.push(i * kS, "line-" + std::to_string(i));
  const auto got = lines_of(r);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), "line-49");
  EXPECT_EQ(r.records() + r.evicted(), 50U);
  for (std::size_t i = 1; i < got.size(); ++i) {
    EXPECT_EQ(std::stoi(got[i].substr(5)), std::stoi(got[i - 1].substr(5)) + 1) << "in order";
  }
  EXPECT_LE(r.bytes(), 200U);
}

TEST(LineRing, WrapsAroundTheEndOfItsBuffer) {
  LineRing r(100);
  for (int i = 0; i < 1000; ++i) r.push(i, std::string(static_cast<std::size_t>(i % 13), 'x'));
  core::TimeNs last = -1;
  r.for_each([&](core::TimeNs ts, std::string_view l) {
    EXPECT_GT(ts, last);
    EXPECT_EQ(l.size(), static_cast<std::size_t>(ts % 13));
    last = ts;
  });
  EXPECT_EQ(last, 999);
}

TEST(LineRing, ALongLineIsCutNotAllowedToEmptyTheRing) {
  LineRing r(400);
  r.push(1, "short");
  r.push(2, std::string(10000, 'y'));
  const auto got = lines_of(r);
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0], "short");
  EXPECT_LT(got[1].size(), 100U);
}

class FlightRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "bannin-recorder-" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FlightRecorderTest, FreezeWritesEverySourceAndReadsBack) {
  RecorderConfig cfg;
  cfg.bytes_per_source = 4096;
  FlightRecorder rec(cfg, dir_);
  const std::string data = "a 1\nb 2\nc 3\n";
  rec.add_lines(0, "/var/log/one.log", data, {4, 8, 12}, 100 * kS);
  rec.add_lines(3, "/var/log/two.log", "z\n", {2}, 101 * kS);
  rec.add_kpi(101 * kS, R"({"udp.rcvbuf_errors":5})");
  auto f = rec.freeze(102 * kS, "test reason");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->lines, 4U);
  EXPECT_EQ(f->samples, 1U);
  EXPECT_NE(f->name.find("test_reason"), std::string::npos);
  auto text = read_frozen(f->path, 1 << 20);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->find("# reason test reason\n"), std::string::npos);
  EXPECT_NE(text->find("## source /var/log/one.log"), std::string::npos);
  const auto a = text->find("\ta 1\n");
  const auto c = text->find("\tc 3\n");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(c, std::string::npos);
  EXPECT_LT(a, c);
  EXPECT_NE(text->find("\tz\n"), std::string::npos);
  EXPECT_NE(text->find("udp.rcvbuf_errors"), std::string::npos);
  EXPECT_EQ(rec.list().size(), 1U);
}

TEST_F(FlightRecorderTest, ARuleFreezesOncePerIntervalAndRetentionKeepsTheNewest) {
  RecorderConfig cfg;
  cfg.keep = 2;
  cfg.min_interval = 60 * kS;
  FlightRecorder rec(cfg, dir_);
  rec.add_lines(0, "x.log", "l\n", {2}, 1 * kS);
  ASSERT_TRUE(rec.freeze_for_rule(1000 * kS, "r.one"));
  auto again = rec.freeze_for_rule(1030 * kS, "r.one");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "too_soon");
  ASSERT_TRUE(rec.freeze_for_rule(1030 * kS, "r.two"));  // another rule: its own interval
  ASSERT_TRUE(rec.freeze_for_rule(1061 * kS, "r.one"));
  const auto files = rec.list();
  ASSERT_EQ(files.size(), 2U) << "keep: 2";
  EXPECT_NE(files[0].name.find("r.one"), std::string::npos);  // newest first
  EXPECT_NE(rec.status_json().find("\"too_soon\":1"), std::string::npos);
}

TEST_F(FlightRecorderTest, SourcesPastTheCapAreCountedNotKept) {
  RecorderConfig cfg;
  cfg.max_sources = 1;
  FlightRecorder rec(cfg, dir_);
  rec.add_lines(0, "a.log", "1\n2\n", {2, 4}, kS);
  rec.add_lines(1, "b.log", "3\n", {2}, kS);
  EXPECT_NE(rec.status_json().find("\"refused_lines\":1"), std::string::npos);
}

}  // namespace
}  // namespace bannin::app
