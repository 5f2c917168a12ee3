// The `bannin status` text renderer on status documents: a full healthy one (exact text, so a
// layout change is a visible diff), problems found (store not ok, source errors, drops, the
// daemon's own list), a document missing most keys (dashes, no crash), hostile text
// (terminal escapes) and input that is not a status at all.
#include <string>

#include <gtest/gtest.h>

#include <bannin/api/status_text.h>

namespace bannin::api {
namespace {

constexpr const char* kHealthy = R"({
  "daemon": {"version": "0.5.0", "mode": "enforce", "started": "2026-12-01T09:00:00Z",
             "uptime_s": 11045, "config": "/etc/bannin/bannin.yaml", "pid": 4242},
  "sources": [
    {"id": "nginx", "kind": "file", "origin": "/var/log/nginx/access.log", "state": "following",
     "lines": 120034, "rate_1m": 35.25, "errors": 0, "dropped": 0, "missing": null},
    {"id": "mail", "kind": "file", "origin": "/var/log/mail.log", "state": "waiting",
     "lines": 0, "rate_1m": 0, "errors": 0, "dropped": 0, "missing": "2026-12-01T10:00:00Z"}
  ],
  "queues": [{"name": "decode", "depth": 12, "capacity": 65536, "dropped": 0}],
  "store": {"path": "/var/lib/bannin/bannin.db", "ok": true, "last_error": "", "written": 1234,
            "failed": 0, "dropped": 0},
  "decisions": {"in_force": 3, "proposed": 1, "by_scope": {"ip": 2, "prefix": 1},
                "by_state": {"active": 3, "proposed": 1},
                "latest": [{"id": 7, "ts": "2026-12-01T11:00:00Z", "state": "active",
                            "action": "deny", "scope": "ip", "target": "192.0.2.7",
                            "ttl_s": 3600, "rule": "web.wp_login.bruteforce",
                            "reason": "40 failed logins in 5m"},
                           {"id": 8, "ts": "2026-12-01T11:05:00Z", "state": "proposed",
                            "action": "deny", "scope": "prefix",
                            "target": {"prefix": "2001:db8::/48"},
                            "expires": "2026-12-02T11:05:00Z", "rule": "api.add"}]}
})";

TEST(StatusText, HealthyDocumentExactText) {
  auto r = render_status(kHealthy);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->problems.empty());
  const std::string expected =
      "bannin 0.5.0, enforce mode, up 3h 4m (since 2026-12-01T09:00:00Z)\n"
      "config: /etc/bannin/bannin.yaml, pid 4242\n"
      "\n"
      "Sources\n"
      "  ID     KIND  ORIGIN                     STATE       LINES  LINES/S 1m  DROPPED  ERRORS\n"
      "  nginx  file  /var/log/nginx/access.log  following  120034        35.2        0       0\n"
      "  mail   file  /var/log/mail.log          waiting         0         0.0        0       0  "
      "missing since 2026-12-01T10:00:00Z\n"
      "\n"
      "Queues\n"
      "  NAME    DEPTH/CAPACITY  DROPPED\n"
      "  decode        12/65536        0\n"
      "\n"
      "Store\n"
      "  /var/lib/bannin/bannin.db: ok\n"
      "  rows written 1234, failed 0, dropped 0\n"
      "\n"
      "Decisions\n"
      "  in force: 3 (ip 2, prefix 1); proposed: 1\n"
      "  by state: active 3, proposed 1\n"
      "  latest:\n"
      "    ID  TIME                  STATE     ACTION  SCOPE   TARGET         HOW LONG             "
      "       WHY\n"
      "    7   2026-12-01T11:00:00Z  active    deny    ip      192.0.2.7      for 1h               "
      "       "
      "web.wp_login.bruteforce: 40 failed logins in 5m\n"
      "    8   2026-12-01T11:05:00Z  proposed  deny    prefix  2001:db8::/48  until "
      "2026-12-02T11:05:00Z  "
      "api.add\n"
      "\n"
      "No problems.\n";
  EXPECT_EQ(r->text, expected);
}

// The shape bannin/app's Daemon::status_json writes today: integer source ids, "missing" as a
// boolean, a "note", counters in "decisions", latest with expires_in_s, a "detect" section.
TEST(StatusText, DaemonDocument) {
  auto r = render_status(R"({"daemon":{"version":"0.5.0","mode":"observe",
    "started":"2026-12-01T09:00:00Z","uptime_s":90,"config":"/etc/bannin/bannin.yaml","pid":7,
    "rules":12,"reloads":0},
    "sources":[{"id":1,"kind":"file","origin":"/var/log/nginx/access.log","decoder":"combined",
      "state":"ok","lines":10,"decoded":10,"decode_errors":0,"rate_1m":0.17,"dropped":0,
      "dropped_kernel":0,"errors":0,"rotations":1,"truncations":0,"missing":false},
     {"id":2,"kind":"file","origin":"/var/log/mail.log","state":"missing","lines":0,"rate_1m":0.00,
      "dropped":0,"errors":0,"missing":true,"note":"waiting for the file"}],
    "queues":[{"name":"records","depth":0,"capacity":65536,"dropped":0}],
    "store":{"path":"/var/lib/bannin/bannin.db","ok":true,"written":3,"failed":0,"dropped":0},
    "detect":{"findings":2,"memory_bytes":4096,"groups_evicted":0},
    "decisions":{"in_force":1,"active":0,"proposed":1,"taken":1,"applied":0,"failed":0,
      "expired":0,"revoked":0,"suppressed_active":3,
      "latest":[{"id":1,"state":"proposed","scope":"ip","target":"192.0.2.7","action":"deny",
                 "rule":"web.wp_login.bruteforce","expires_in_s":3540}]}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->problems.empty());
  const std::string expected =
      "bannin 0.5.0, observe mode, up 1m 30s (since 2026-12-01T09:00:00Z)\n"
      "config: /etc/bannin/bannin.yaml, pid 7, rules 12, reloads 0\n"
      "\n"
      "Sources\n"
      "  ID  KIND  ORIGIN                     STATE    LINES  LINES/S 1m  DROPPED  ERRORS\n"
      "  1   file  /var/log/nginx/access.log  ok          10         0.2        0       0\n"
      "  2   file  /var/log/mail.log          missing      0         0.0        0       0  "
      "missing; waiting for the file\n"
      "\n"
      "Queues\n"
      "  NAME     DEPTH/CAPACITY  DROPPED\n"
      "  records         0/65536        0\n"
      "\n"
      "Store\n"
      "  /var/lib/bannin/bannin.db: ok\n"
      "  rows written 3, failed 0, dropped 0\n"
      "\n"
      "Decisions\n"
      "  in force: 1; active: 0; proposed: 1\n"
      "  counters: taken 1, applied 0, failed 0, expired 0, revoked 0, suppressed_active 3\n"
      "  latest:\n"
      "    ID  STATE     ACTION  SCOPE  TARGET     HOW LONG        WHY\n"
      "    1   proposed  deny    ip     192.0.2.7  expires in 59m  web.wp_login.bruteforce\n"
      "\n"
      "Detect\n"
      "  findings 2, memory_bytes 4096, groups_evicted 0\n"
      "\n"
      "No problems.\n";
  EXPECT_EQ(r->text, expected);

  auto bad = render_status(R"({"sources":[{"id":3,"dropped_kernel":5}],
                               "decisions":{"failed":2}})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->problems, (std::vector<std::string>{"source 3: 5 dropped by the kernel",
                                                     "decisions: 2 actions failed"}));
}

// Bytes lost at a copytruncate (issue 11): in the source's note and among the problems.
TEST(StatusText, UnaccountedBytesAreShownAndAProblem) {
  auto r = render_status(R"({"sources":[{"id":4,"kind":"file","origin":"/var/log/a.log",
    "state":"ok","lines":9,"dropped":0,"errors":0,"unaccounted_bytes":2500}]})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(r->text.find("  2500 bytes unaccounted\n"), std::string::npos) << r->text;
  EXPECT_EQ(r->problems, (std::vector<std::string>{
                             "source 4: 2500 bytes unaccounted (written after a copytruncate's "
                             "copy, truncated before they were read)"}));
  auto none = render_status(R"({"sources":[{"id":4,"unaccounted_bytes":0}]})");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->problems.empty());
}

TEST(StatusText, ProblemsAreListed) {
  auto r = render_status(R"({
    "daemon": {"version": "0.5.0", "mode": "observe", "uptime_s": 42},
    "sources": [{"id": "nginx", "state": "following", "errors": 3, "dropped": 0},
                {"id": "auth", "state": "failed", "last_error": "permission denied",
                 "errors": 0, "dropped": 17}],
    "queues": [{"name": "detect", "depth": 4096, "capacity": 4096, "dropped": 250}],
    "store": {"path": "/var/lib/bannin/bannin.db", "ok": false, "last_error": "disk I/O error",
              "written": 10, "failed": 2, "dropped": 0},
    "problems": ["rules: 1 rule failed to load", {"message": "nft: table missing"}]
  })");
  ASSERT_TRUE(r) << r.error().message;
  const std::vector<std::string> expected = {
      "source nginx: 3 errors",
      "source auth: 17 lines dropped",
      "source auth: failed (permission denied)",
      "queue detect: 250 dropped",
      "store: disk I/O error",
      "store: 2 rows failed",
      "rules: 1 rule failed to load",
      "nft: table missing",
  };
  EXPECT_EQ(r->problems, expected);
  EXPECT_NE(r->text.find("/var/lib/bannin/bannin.db: NOT OK: disk I/O error\n"), std::string::npos)
      << r->text;
  EXPECT_NE(r->text.find("Problems\n  - source nginx: 3 errors\n"), std::string::npos);
  EXPECT_NE(r->text.find("up 42s"), std::string::npos);
  EXPECT_EQ(r->text.find("No problems."), std::string::npos);
}

TEST(StatusText, MissingKeysPrintDashes) {
  auto r = render_status(R"({"sources":[{"id":"x"}],"queues":[{}],"store":{},"decisions":{}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->problems.empty());
  EXPECT_NE(r->text.find("bannin daemon: -\n"), std::string::npos) << r->text;
  EXPECT_NE(r->text.find("  x   -     -       -          -           -        -       -\n"),
            std::string::npos)
      << r->text;
  EXPECT_NE(r->text.find("  -                -/-        -\n"), std::string::npos) << r->text;
  EXPECT_NE(r->text.find("  -: -\n  rows written -, failed -, dropped -\n"), std::string::npos)
      << r->text;
  EXPECT_NE(r->text.find("  in force: -; proposed: -\n"), std::string::npos) << r->text;

  auto empty = render_status("{}");
  ASSERT_TRUE(empty);
  EXPECT_NE(empty->text.find("Sources\n  -\n"), std::string::npos);
  EXPECT_NE(empty->text.find("No problems.\n"), std::string::npos);

  // Keys of the wrong type are shown as "-" too, never trusted.
  auto wrong = render_status(
      R"({"daemon":[],"sources":{},"queues":"x","store":[1],"decisions":7,"problems":"no"})");
  ASSERT_TRUE(wrong);
  EXPECT_TRUE(wrong->problems.empty());
}

TEST(StatusText, HostileTextIsDefanged) {
  auto r = render_status(R"({"daemon":{"version":"\u001b]0;pwned\u0007","mode":"x\u009b31m"},)"
                         R"("sources":[{"id":"a\nb","errors":1}]})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->text.find('\x1b'), std::string::npos);
  EXPECT_EQ(r->text.find('\x07'), std::string::npos);
  EXPECT_EQ(r->text.find("\xC2\x9B"), std::string::npos);
  EXPECT_NE(r->text.find("bannin ?]0;pwned?, x?31m mode"), std::string::npos) << r->text;
  ASSERT_EQ(r->problems.size(), 1u);
  EXPECT_EQ(r->problems[0], "source a?b: 1 errors");
  // Long values are cut.
  auto long_text = render_status("{\"daemon\":{\"config\":\"" + std::string(5000, 'c') + "\"}}");
  ASSERT_TRUE(long_text);
  EXPECT_LT(long_text->text.size(), 400u);
}

TEST(StatusText, NotAStatus) {
  auto bad = render_status("<html>");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "bad_status");
  EXPECT_NE(bad.error().message.find("offset 0"), std::string::npos);
  auto array = render_status("[]");
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().code, "bad_status");
}

TEST(StatusText, Durations) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(59), "59s");
  EXPECT_EQ(format_duration(60), "1m");
  EXPECT_EQ(format_duration(725), "12m 5s");
  EXPECT_EQ(format_duration(3600), "1h");
  EXPECT_EQ(format_duration(11045), "3h 4m");
  EXPECT_EQ(format_duration(86400 * 2 + 3600 * 3 + 5), "2d 3h");
  EXPECT_EQ(format_duration(-1), "-");
}

}  // namespace
}  // namespace bannin::api
