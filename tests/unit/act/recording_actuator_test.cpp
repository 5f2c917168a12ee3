// The recording actuator: what it writes, what it reports in force, and per-decision results.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include <bannin/act/decision_json.h>
#include <bannin/act/recording/recording_actuator.h>

namespace bannin::act {
namespace {

constexpr core::TimeNs kS = core::kNsPerSec;

decide::Decision ip(const char* addr, std::int64_t ttl_s) {
  decide::Decision d;
  d.rule = "test.rule";
  d.action = "deny";
  d.scope = "ip";
  d.ip = addr;
  d.ttl = ttl_s * kS;
  d.reason = "because";
  return d;
}

TEST(RecordingActuator, RecordsEveryScopeAndReportsPerDecision) {
  core::TimeNs now = 1000 * kS;
  RecordingActuator rec([&] { return now; });
  decide::Decision path;
  path.rule = "web.form";
  path.action = "deny_foreign";
  path.scope = "vhost_path";
  path.vhost = "shop.example";
  path.path = "/contact";
  path.ttl = 60 * kS;
  decide::Decision bad = ip("300.1.1.1", 10);
  decide::Decision nottl = ip("192.0.2.9", 0);
  std::vector<decide::Decision> batch = {ip("192.0.2.7", 3600), path, bad, nottl};
  auto res = rec.apply(batch);
  ASSERT_EQ(res.size(), 4U);
  EXPECT_EQ(res[0].outcome, Outcome::Recorded);
  EXPECT_EQ(res[0].target, "192.0.2.7");
  EXPECT_EQ(res[0].timeout_s, 3600);
  EXPECT_EQ(res[1].outcome, Outcome::Recorded);
  EXPECT_EQ(res[2].outcome, Outcome::Invalid);
  EXPECT_EQ(res[3].outcome, Outcome::Invalid);
  for (std::size_t i = 0; i < res.size(); ++i) EXPECT_EQ(res[i].index, i);
  EXPECT_EQ(rec.lines(),
            "{\"op\":\"apply\",\"target\":\"192.0.2.7\",\"scope\":\"ip\",\"action\":\"deny\","
            "\"ttl_s\":3600,\"rule\":\"test.rule\",\"reason\":\"because\"}\n"
            "{\"op\":\"apply\",\"target\":\"vhost_path|shop.example|/contact|\","
            "\"scope\":\"vhost_path\",\"action\":\"deny_foreign\",\"ttl_s\":60,"
            "\"rule\":\"web.form\",\"reason\":\"\"}\n");
}

TEST(RecordingActuator, ListExpiresRevokeAndFlush) {
  core::TimeNs now = 1000 * kS;
  RecordingActuator rec([&] { return now; });
  std::vector<decide::Decision> batch = {ip("192.0.2.7", 3600), ip("2001:db8::1", 5)};
  (void)rec.apply(batch);
  auto l = rec.list();
  ASSERT_TRUE(l.has_value());
  ASSERT_EQ(l->size(), 2U);
  now += 10 * kS;  // the 5 s one expired
  l = rec.list();
  ASSERT_EQ(l->size(), 1U);
  EXPECT_EQ((*l)[0].target, "192.0.2.7");
  EXPECT_EQ((*l)[0].expires_s, 3590);

  std::vector<decide::Decision> rv = {ip("192.0.2.7", 0), ip("192.0.2.99", 0)};
  auto r = rec.revoke(rv);
  EXPECT_EQ(r[0].outcome, Outcome::Revoked);
  EXPECT_EQ(r[1].outcome, Outcome::NotFound);
  EXPECT_TRUE(rec.list()->empty());
  (void)rec.apply(batch);
  auto f = rec.flush();
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->existed);
  EXPECT_TRUE(rec.list()->empty());
  EXPECT_NE(rec.lines().find("{\"op\":\"revoke\",\"target\":\"192.0.2.7\"}\n"), std::string::npos);
  EXPECT_NE(rec.lines().find("{\"op\":\"flush\"}\n"), std::string::npos);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(RecordingActuator, AppendsToAFileBeforeTheCallReturns) {
  std::string path = ::testing::TempDir() + "/bannin_recording_test.jsonl";
  std::remove(path.c_str());
  auto rec = RecordingActuator::to_file(path);
  ASSERT_TRUE(rec.has_value());
  std::vector<decide::Decision> batch = {ip("192.0.2.7", 60)};
  auto r = (*rec)->apply(batch);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].outcome, Outcome::Recorded);
  // On disk already (no stdio buffer that a kill -9 would lose), and not kept in memory.
  EXPECT_NE(slurp(path).find("\"target\":\"192.0.2.7\""), std::string::npos);
  EXPECT_TRUE((*rec)->lines().empty());
  EXPECT_TRUE((*rec)->health().ok);
  rec->reset();
  std::remove(path.c_str());
  EXPECT_FALSE(RecordingActuator::to_file("/nonexistent/dir/x.jsonl").has_value());
}

// /dev/full answers every write with ENOSPC: the real error of a full disk.
TEST(RecordingActuator, FullDiskKeepsLinesForRetryAndSaysSo) {
  auto rec = RecordingActuator::to_file("/dev/full", {}, 1 << 20);
  ASSERT_TRUE(rec.has_value());
  std::vector<decide::Decision> batch = {ip("192.0.2.7", 60), ip("192.0.2.8", 60)};
  auto r = (*rec)->apply(batch);
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0].outcome, Outcome::Recorded);  // kept, in order, for the next try
  ActuatorHealth h = (*rec)->health();         // which retries, and fails again
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.problem.find("/dev/full"), std::string::npos) << h.problem;
  EXPECT_NE(h.problem.find("No space left on device"), std::string::npos) << h.problem;
  EXPECT_GT(h.pending_bytes, 60U);
  EXPECT_GE(h.errors, 2U);
  EXPECT_EQ(h.dropped, 0U);
  auto listed = (*rec)->list();
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->size(), 2U);
}

TEST(RecordingActuator, PastTheRetryBoundLinesAreDroppedCountedAndFailed) {
  auto rec = RecordingActuator::to_file("/dev/full", {}, 300);
  ASSERT_TRUE(rec.has_value());
  std::vector<decide::Decision> one = {ip("192.0.2.7", 60)};
  EXPECT_EQ((*rec)->apply(one)[0].outcome, Outcome::Recorded);
  std::vector<decide::Decision> many = {ip("192.0.2.8", 60), ip("192.0.2.9", 60),
                                        ip("192.0.2.10", 60)};
  auto r = (*rec)->apply(many);
  ASSERT_EQ(r.size(), 3U);
  for (const auto& x : r) {
    EXPECT_EQ(x.outcome, Outcome::Failed);
    EXPECT_NE(x.detail.find("3 lines dropped"), std::string::npos) << x.detail;
  }
  ActuatorHealth h = (*rec)->health();
  EXPECT_EQ(h.dropped, 3U);
  EXPECT_FALSE(h.ok);
  auto listed = (*rec)->list();
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->size(), 1U);  // the dropped ones are not reported in force
}

TEST(DecisionJson, ReadsReplayDecisionLines) {
  auto d = parse_decision_line(
      R"({"type":"decision","ts":"2026-11-25T10:00:00Z","rule":"web.scan","action":"deny",)"
      R"("scope":"prefix","target":{"prefix":"203.0.113.0/24"},"ttl_s":3600,"reason":"r",)"
      R"("state":"proposed"})");
  ASSERT_TRUE(d.has_value());
  ASSERT_TRUE(d->has_value());
  EXPECT_EQ((*d)->scope, "prefix");
  EXPECT_EQ((*d)->prefix, "203.0.113.0/24");
  EXPECT_EQ((*d)->ttl, 3600 * kS);
  EXPECT_GT((*d)->ts, 0);
  auto finding = parse_decision_line(R"({"type":"finding","rule":"x"})");
  ASSERT_TRUE(finding.has_value());
  EXPECT_FALSE(finding->has_value());
  EXPECT_FALSE(parse_decision_line("{oops").has_value());
  EXPECT_FALSE(
      parse_decision_line(R"({"type":"decision","scope":"ip","action":"deny","target":{}})")
          .has_value());
}

}  // namespace
}  // namespace bannin::act
