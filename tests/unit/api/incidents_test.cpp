// Grouping findings into incidents: one rule and group within the gap is one incident, a
// quiet gap starts another, other groups and rules stay apart, a per-source finding joins
// the campaign incident that decided on its source (within the campaign's time span and
// gap, not outside), a form relay and its account's outbound mail within the hour are one
// incident (another account's, or a later one's, are not), ids are the first finding's and
// do not depend on the input order.
#include <algorithm>

#include <gtest/gtest.h>

#include <bannin/api/incidents.h>

namespace bannin::api {
namespace {

constexpr core::TimeNs kMin = 60 * core::kNsPerSec;
const std::string kRelay = "web.form_relay.many_sources";
const std::string kContact = R"({"vhost":"example.jp","path":"/contact/"})";
const std::string kOther = R"({"vhost":"example.jp","path":"/inquiry/"})";

IncidentRule facts(const std::string& rule) {
  IncidentRule r;
  if (rule == kRelay) {
    r.gap = incident_gap(15 * kMin);
    r.campaign = true;
  } else {
    r.gap = incident_gap(10 * kMin);
  }
  return r;
}

std::string src(const std::string& ip) {
  return R"({"src_ip":")" + ip + R"("})";
}

TEST(Incidents, Gap) {
  EXPECT_EQ(incident_gap(15 * kMin), 30 * kMin);
  EXPECT_EQ(incident_gap(1 * kMin), kMinGap);
  EXPECT_EQ(incident_gap(0), kDefaultGap);
}

TEST(Incidents, SoleSource) {
  EXPECT_EQ(sole_source(src("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(sole_source(src("2001:db8::1")), "2001:db8::1");
  EXPECT_EQ(sole_source(R"({"src_ip":"192.0.2.7","service":"sshd"})"), "");
  EXPECT_EQ(sole_source(kContact), "");
  EXPECT_EQ(sole_source(R"({"src_ip":""})"), "");
  EXPECT_EQ(sole_source("{"), "");
}

TEST(Incidents, SameRuleAndGroupWithinTheGap) {
  // A wave refiring every window (15 min) is one incident; after 31 quiet minutes, another.
  std::vector<IncidentFinding> in = {
      {10, 0, kRelay, kContact, ""},         {11, 15 * kMin, kRelay, kContact, ""},
      {12, 30 * kMin, kRelay, kContact, ""}, {20, 61 * kMin, kRelay, kContact, ""},
      {13, 5 * kMin, kRelay, kOther, ""},    {14, 5 * kMin, "web.other", kContact, ""},
  };
  auto out = group_incidents(in, facts, {});
  ASSERT_EQ(out.size(), 4u);
  // Newest (highest id) first.
  EXPECT_EQ(out[0].id, 20);
  EXPECT_EQ(out[1].id, 14);
  EXPECT_EQ(out[2].id, 13);
  EXPECT_EQ(out[3].id, 10);
  EXPECT_EQ(out[3].own.size(), 3u);
  EXPECT_EQ(out[3].first, 0);
  EXPECT_EQ(out[3].last, 30 * kMin);
  EXPECT_EQ(out[0].own.size(), 1u);  // 31 min after the last: a new incident
  EXPECT_TRUE(out[3].linked.empty());

  // Same rows in another order: the same incidents.
  std::reverse(in.begin(), in.end());
  auto again = group_incidents(in, facts, {});
  ASSERT_EQ(again.size(), 4u);
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(again[i].id, out[i].id);
    EXPECT_EQ(again[i].own.size(), out[i].own.size());
  }
}

TEST(Incidents, CampaignLinksItsSourcesFindings) {
  std::vector<IncidentFinding> in = {
      {5, 10 * kMin, kRelay, kContact, ""},
      {6, 12 * kMin, "web.scanner.probe_paths", src("198.51.100.7"), ""},   // a member: linked
      {7, 12 * kMin, "web.scanner.probe_paths", src("198.51.100.8"), ""},   // not a member
      {8, 300 * kMin, "web.scanner.probe_paths", src("198.51.100.9"), ""},  // member, too late
  };
  std::unordered_map<std::int64_t, std::vector<std::string>> members = {
      {5, {"198.51.100.7", "198.51.100.9", "203.0.113.1"}}};
  auto out = group_incidents(in, facts, members);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].id, 8);
  EXPECT_EQ(out[1].id, 7);
  const Incident& relay = out[2];
  EXPECT_EQ(relay.id, 5);
  ASSERT_EQ(relay.linked.size(), 1u);
  EXPECT_EQ(in[relay.linked[0]].id, 6);
  EXPECT_EQ(relay.first, 10 * kMin);
  EXPECT_EQ(relay.last, 12 * kMin);

  // Without the decisions (members) nothing is linked.
  EXPECT_EQ(group_incidents(in, facts, {}).size(), 4u);
  // A non-campaign rule's decisions never link.
  auto plain = [](const std::string& rule) {
    IncidentRule r = facts(rule);
    r.campaign = false;
    return r;
  };
  EXPECT_EQ(group_incidents(in, plain, members).size(), 4u);
}

TEST(Incidents, OneSourceSeveralRulesAtOneTimeIsOneIncident) {
  std::vector<IncidentFinding> in = {
      {3, 10 * kMin, "web.wordpress.user_enum", src("192.0.2.7"), ""},
      {4, 11 * kMin, "web.wp_login.bruteforce", src("192.0.2.7"), ""},
      {5, 11 * kMin, "web.wp_login.bruteforce", src("192.0.2.8"), ""},   // another source
      {6, 200 * kMin, "web.wp_login.bruteforce", src("192.0.2.7"), ""},  // hours later
  };
  auto out = group_incidents(in, facts, {});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].id, 6);
  EXPECT_EQ(out[1].id, 5);
  EXPECT_EQ(out[2].id, 3);
  ASSERT_EQ(out[2].linked.size(), 1u);
  EXPECT_EQ(in[out[2].linked[0]].id, 4);
  EXPECT_EQ(out[2].last, 11 * kMin);
}

TEST(Incidents, AFormRelayAndItsAccountsMailAreOneIncident) {
  const std::string burst = "mail.outbound.burst";
  std::vector<IncidentFinding> in = {
      {10, 60 * kMin, kRelay, kContact, "hanako"},                   // the form, 01:00
      {11, 100 * kMin, burst, R"({"account":"hanako"})", "hanako"},  // its mail, 40 min on
      {12, 90 * kMin, burst, R"({"account":"taro"})", "taro"},       // another account
      {13, 200 * kMin, burst, R"({"account":"jiro"})", "jiro"},      // too late for a form
      {14, 130 * kMin, kRelay, R"({"vhost":"b.jp","path":"/f/"})", "jiro"},
      {15, 5 * kMin, kRelay, R"({"vhost":"c.jp","path":"/f/"})", ""},  // no account known
  };
  auto out = group_incidents(in, facts, {});
  ASSERT_EQ(out.size(), 5u);
  auto find = [&](std::int64_t id) {
    return *std::find_if(out.begin(), out.end(), [&](const Incident& i) { return i.id == id; });
  };
  const Incident form = find(10);
  EXPECT_EQ(form.rule, kRelay);
  ASSERT_EQ(form.linked.size(), 1u);
  EXPECT_EQ(in[form.linked[0]].id, 11);
  EXPECT_EQ(form.last, 100 * kMin);
  EXPECT_TRUE(find(12).linked.empty());
  // jiro's mail came 70 minutes after its form's last finding: two incidents.
  EXPECT_TRUE(find(13).linked.empty());
  EXPECT_TRUE(find(14).linked.empty());
  // The same whatever the input order.
  std::reverse(in.begin(), in.end());
  auto again = group_incidents(in, facts, {});
  ASSERT_EQ(again.size(), 5u);
  EXPECT_EQ(again[again.size() - 1].id, 10);
}

TEST(Incidents, HostileTimesDoNotOverflow) {
  std::vector<IncidentFinding> in = {{1, INT64_MAX, kRelay, kContact, ""},
                                     {2, INT64_MIN, kRelay, kContact, ""},
                                     {3, INT64_MAX - 1, "x", src("192.0.2.1"), ""}};
  std::unordered_map<std::int64_t, std::vector<std::string>> members = {{1, {"192.0.2.1"}}};
  auto out = group_incidents(in, facts, members);
  EXPECT_EQ(out.size(), 2u);  // the two relay findings are far apart; 3 joins the first
}

}  // namespace
}  // namespace bannin::api
