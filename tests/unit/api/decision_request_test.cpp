// Validation of POST /api/v1/decisions bodies and revoke targets: a good request becomes the
// Decision the daemon gets (origin "person", canonical target, TTL in ns); each bad one is
// refused with a code and the field at fault, at the limits (TTL 1 s and one year, reason
// 1024 bytes) on both sides.
#include <string>

#include <gtest/gtest.h>

#include <bannin/api/decision_request.h>

namespace bannin::api {
namespace {

constexpr core::TimeNs kNow = 1'700'000'000 * core::kNsPerSec;

TEST(DecisionRequest, IpWithTtlSeconds) {
  auto d = parse_decision_request(
      R"({"scope":"ip","target":"192.0.2.7","action":"deny","ttl_s":3600,"reason":"brute force"})",
      kNow);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->origin, "person");
  EXPECT_EQ(d->rule, kApiRule);
  EXPECT_EQ(d->scope, "ip");
  EXPECT_EQ(d->ip, "192.0.2.7");
  EXPECT_TRUE(d->prefix.empty());
  EXPECT_EQ(d->action, "deny");
  EXPECT_EQ(d->ttl, 3600 * core::kNsPerSec);
  EXPECT_EQ(d->reason, "brute force");
  EXPECT_EQ(d->ts, kNow);
}

TEST(DecisionRequest, Ipv6PrefixWithTtlTextIsCanonical) {
  auto d = parse_decision_request(
      R"({"scope":"prefix","target":"2001:DB8:0::/48","ttl":"1h30m","reason":"scan"})", kNow);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->scope, "prefix");
  EXPECT_EQ(d->prefix, "2001:db8::/48");
  EXPECT_EQ(d->ttl, 5400 * core::kNsPerSec);
  EXPECT_EQ(d->action, "deny");  // the default
}

TEST(DecisionRequest, ScopeInferredFromTarget) {
  auto a = parse_decision_request(R"({"target":"198.51.100.0/24","ttl_s":60,"reason":"x"})", kNow);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->scope, "prefix");
  auto b = parse_decision_request(R"({"target":"198.51.100.9/32","ttl_s":60,"reason":"x"})", kNow);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->scope, "ip");
  EXPECT_EQ(b->ip, "198.51.100.9");
}

TEST(DecisionRequest, TtlLimitsBothSides) {
  const auto with = [](const std::string& ttl) {
    return parse_decision_request(R"({"target":"192.0.2.1","reason":"r",)" + ttl + "}", kNow);
  };
  EXPECT_TRUE(with(R"("ttl_s":1)"));
  EXPECT_TRUE(with(R"("ttl_s":31536000)"));
  EXPECT_TRUE(with(R"("ttl":"365d")"));
  for (const char* bad :
       {R"("ttl_s":0)", R"("ttl_s":-5)", R"("ttl_s":31536001)", R"("ttl":"366d")", R"("ttl":"0s")",
        R"("ttl_s":1.5)", R"("ttl_s":"60")", R"("ttl":60)", R"("ttl":"1y")", R"("ttl":"")",
        R"("ttl_s":1e400)", R"("ttl_s":99999999999999999999)"}) {
    RequestErrorDetail detail;
    auto d = parse_decision_request(
        R"({"target":"192.0.2.1","reason":"r",)" + std::string(bad) + "}", kNow, &detail);
    ASSERT_FALSE(d) << bad;
    if (d.error().code == "bad_json") continue;  // 1e400: out of range for JSON numbers here
    EXPECT_EQ(d.error().code, "invalid_field") << bad;
    EXPECT_TRUE(detail.field == "ttl_s" || detail.field == "ttl") << bad;
    EXPECT_EQ(d.error().message.rfind(detail.field + ": ", 0), 0u) << d.error().message;
  }
  RequestErrorDetail detail;
  auto both = parse_decision_request(R"({"target":"192.0.2.1","reason":"r","ttl_s":60,"ttl":"1m"})",
                                     kNow, &detail);
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("not both"), std::string::npos);
  auto none = parse_decision_request(R"({"target":"192.0.2.1","reason":"r"})", kNow, &detail);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "missing_field");
  EXPECT_EQ(detail.field, "ttl_s");
}

TEST(DecisionRequest, ReasonRequiredAndBounded) {
  const auto with = [](const std::string& reason, RequestErrorDetail* detail = nullptr) {
    return parse_decision_request(R"({"target":"192.0.2.1","ttl_s":60)" + reason + "}", kNow,
                                  detail);
  };
  RequestErrorDetail detail;
  auto missing = with("", &detail);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "missing_field");
  EXPECT_EQ(detail.field, "reason");
  EXPECT_TRUE(with(R"(,"reason":")" + std::string(kMaxReasonBytes, 'x') + "\""));
  auto long_reason = with(R"(,"reason":")" + std::string(kMaxReasonBytes + 1, 'x') + "\"", &detail);
  ASSERT_FALSE(long_reason);
  EXPECT_EQ(detail.field, "reason");
  EXPECT_NE(long_reason.error().message.find("1025 bytes"), std::string::npos);
  EXPECT_FALSE(with(R"(,"reason":"   ")"));
  EXPECT_FALSE(with(R"(,"reason":"two\nlines")"));
  EXPECT_FALSE(with(R"(,"reason":42)"));
}

TEST(DecisionRequest, TargetsAndScopes) {
  struct Case {
    const char* body_part;
    const char* words;
  };
  const Case cases[] = {
      {R"("target":"not-an-ip")", "not an IP address or prefix"},
      {R"("target":"192.0.2.256")", "not an IP address or prefix"},
      {R"("target":"192.0.2.7 ")", "not an IP address or prefix"},
      {R"("target":"fe80::1%eth0")", "not an IP address or prefix"},
      {R"("target":"")", "must not be empty"},
      {R"("target":"192.0.2.7/33")", "not an IP address or prefix"},
      {R"("target":"2001:db8::1/48")", "host bits set; the network is 2001:db8::/48"},
      {R"("target":"10.0.0.0/7")", "wider than /8"},
      {R"("target":"::/0")", "wider than /16"},
      {R"("scope":"ip","target":"192.0.2.0/24")", "use scope \"prefix\""},
      {R"("scope":"prefix","target":"192.0.2.7")", "use scope \"ip\""},
      {R"("target":7)", "must be a string"},
  };
  for (const Case& c : cases) {
    RequestErrorDetail detail;
    auto d = parse_decision_request(std::string("{") + c.body_part + R"(,"ttl_s":60,"reason":"r"})",
                                    kNow, &detail);
    ASSERT_FALSE(d) << c.body_part;
    EXPECT_EQ(detail.field, "target") << c.body_part;
    EXPECT_NE(d.error().message.find(c.words), std::string::npos)
        << c.body_part << ": " << d.error().message;
  }
  RequestErrorDetail detail;
  auto scope = parse_decision_request(
      R"({"scope":"vhost","target":"192.0.2.1","ttl_s":60,"reason":"r"})", kNow, &detail);
  ASSERT_FALSE(scope);
  EXPECT_EQ(detail.field, "scope");
  auto missing = parse_decision_request(R"({"ttl_s":60,"reason":"r"})", kNow, &detail);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "missing_field");
  EXPECT_EQ(detail.field, "target");
  auto action = parse_decision_request(
      R"({"target":"192.0.2.1","action":"rate_limit","ttl_s":60,"reason":"r"})", kNow, &detail);
  ASSERT_FALSE(action);
  EXPECT_EQ(detail.field, "action");
}

TEST(DecisionRequest, BadJsonAndUnknownFields) {
  RequestErrorDetail detail;
  auto bad = parse_decision_request(R"({"target":"192.0.2.1",,})", kNow, &detail);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "bad_json");
  ASSERT_TRUE(detail.offset);
  EXPECT_EQ(*detail.offset, 22u);
  auto array = parse_decision_request("[1]", kNow, &detail);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().code, "bad_json");
  EXPECT_NE(array.error().message.find("must be a JSON object"), std::string::npos);
  auto unknown =
      parse_decision_request(R"({"target":"192.0.2.1","ttls":60,"reason":"r"})", kNow, &detail);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "unknown_field");
  EXPECT_EQ(detail.field, "ttls");
}

TEST(DecisionRequest, Durations) {
  EXPECT_EQ(parse_duration_s("90"), 90);
  EXPECT_EQ(parse_duration_s("90s"), 90);
  EXPECT_EQ(parse_duration_s("15m"), 900);
  EXPECT_EQ(parse_duration_s("1h"), 3600);
  EXPECT_EQ(parse_duration_s("2d"), 172800);
  EXPECT_EQ(parse_duration_s("1w"), 604800);
  EXPECT_EQ(parse_duration_s("1h30m"), 5400);
  EXPECT_EQ(parse_duration_s("1d2h3m4s"), 93784);
  for (const char* bad : {"", "h", "1x", "1h30", "-1h", "1 h", "1.5h", "99999999999999999999s",
                          "9223372036854775807w"}) {
    EXPECT_FALSE(parse_duration_s(bad)) << bad;
  }
}

TEST(DecisionRequest, CanonicalTargets) {
  EXPECT_EQ(*canonical_target("2001:DB8::/48", ""), "2001:db8::/48");
  EXPECT_EQ(*canonical_target("192.0.2.7/32", ""), "192.0.2.7");
  EXPECT_EQ(*canonical_target("::ffff:192.0.2.7", "ip"), "192.0.2.7");
  auto e = canonical_target("nope", "", "target");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, "invalid_field");
  EXPECT_EQ(e.error().message.rfind("target: ", 0), 0u);
}

}  // namespace
}  // namespace bannin::api
