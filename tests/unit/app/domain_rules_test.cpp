// The shipped domain rules (rules/base/domain.yaml) in the daemon's own pipeline
// (app::Pipeline, the object `bannin run` runs): the domain probe's confirmed changes, as
// DomainProbe::observe makes them and change_event turns them into domain.change Events, go
// through the rules like any other event. A check into a bad state and out of it, a listing
// of one of the server's own addresses, one VirusTotal engine flagging the site, and a new NS
// set are findings with their group and evidence line; a first good state, changes between
// ok and info and an engine change that flags nothing are not.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/app/config.h>
#include <bannin/app/domain_probe.h>
#include <bannin/app/pipeline.h>

namespace bannin::app {
namespace {

namespace pd = probe::domain;
constexpr core::TimeNs kSec = core::kNsPerSec;

struct Collect final : PipelineOutput {
  struct Seen {
    std::string rule, group;
    std::vector<std::string> evidence;
  };
  std::vector<Seen> findings;
  void on_finding(const detect::Finding& f, std::string group_json, std::string /*numbers*/,
                  const model::Event* /*trigger*/) override {
    findings.push_back(Seen{f.rule->id, std::move(group_json), f.evidence});
  }
  void on_decision(decide::Decision) override { ++decisions; }
  int decisions = 0;
};

pd::CheckResult result(const std::string& check, const std::string& state, pd::Severity sev,
                       const std::string& source) {
  pd::CheckResult r;
  r.check = check;
  r.state = state;
  r.severity = sev;
  r.source = source;
  r.detail = state + " detail";
  return r;
}

pd::SubjectReport shop(const std::string& state, pd::Severity sev) {
  pd::SubjectReport r;
  r.subject = "shop.example.test";
  r.results = {result("delegation", state, sev, "127.0.0.1:53")};
  return r;
}

class DomainRules : public ::testing::Test {
 protected:
  void SetUp() override {
    DaemonConfig cfg;
    cfg.geo_database = "none";
    cfg.rule_files = {std::string(BANNIN_SOURCE_DIR) + "/rules/base/domain.yaml"};
    auto loaded = load_rules(cfg, nullptr);
    ASSERT_TRUE(loaded) << loaded.error().message;
    ASSERT_EQ(loaded->rules.size(), 4u);
    rules_ = loaded->rules;
    decider_ = std::make_unique<decide::Decider>(decide::DeciderOptions{});
    pipeline_ = std::make_unique<Pipeline>(rules_, 64 << 20, nullptr, *decider_, nullptr, out_);
    DomainsConfig dc;
    dc.list = {"shop.example.test"};
    dc.ips = {"192.0.2.25"};
    dc.reconfirm_after = 0;
    probe_ = std::make_unique<DomainProbe>(dc, pd::CheckOptions{}, DomainProbe::Sink{},
                                           DomainProbe::Log{});
  }

  // One probe round at `at` seconds, its changes through the pipeline; the new findings.
  std::vector<Collect::Seen> round(std::vector<pd::SubjectReport> reports, int at) {
    std::vector<std::pair<std::size_t, core::TimeNs>> rechecks;
    auto r = probe_->observe(std::move(reports), at * kSec, rechecks);
    const std::size_t before = out_.findings.size();
    model::Event ev;
    std::string text;
    for (const auto& c : r->changes) {
      change_event(c, ev, text);
      pipeline_->event(ev, text);
    }
    return {out_.findings.begin() + static_cast<std::ptrdiff_t>(before), out_.findings.end()};
  }

  RuleList rules_;
  Collect out_;
  std::unique_ptr<decide::Decider> decider_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<DomainProbe> probe_;
};

TEST_F(DomainRules, IntoABadStateAndOutOfIt) {
  EXPECT_TRUE(round({shop("delegated", pd::Severity::Ok)}, 100).empty()) << "a first good state";
  auto bad = round({shop("delegation_removed", pd::Severity::Critical)}, 200);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].rule, "domain.state.bad");
  EXPECT_NE(bad[0].group.find("\"domain\":\"shop.example.test\""), std::string::npos)
      << bad[0].group;
  EXPECT_NE(bad[0].group.find("\"check\":\"delegation\""), std::string::npos);
  EXPECT_NE(bad[0].group.find("\"state\":\"delegation_removed\""), std::string::npos);
  ASSERT_EQ(bad[0].evidence.size(), 1u);
  EXPECT_NE(bad[0].evidence[0].find("delegated \u2192 delegation_removed (critical); "
                                    "127.0.0.1:53: delegation_removed detail"),
            std::string::npos)
      << bad[0].evidence[0];
  auto back = round({shop("delegated", pd::Severity::Ok)}, 300);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].rule, "domain.state.recovered");
  EXPECT_NE(back[0].group.find("\"state\":\"delegated\""), std::string::npos);
  EXPECT_EQ(out_.decisions, 0) << "findings only";
}

TEST_F(DomainRules, ChangesBetweenOkAndInfoAreNoFinding) {
  auto child = [](const std::string& s, pd::Severity sev) {
    pd::SubjectReport r = shop("delegated", pd::Severity::Ok);
    r.results.push_back(result("child", s, sev, "127.0.0.2:53"));
    return r;
  };
  EXPECT_TRUE(round({child("ok", pd::Severity::Ok)}, 100).empty());
  EXPECT_TRUE(round({child("not_checked", pd::Severity::Info)}, 200).empty());
  EXPECT_TRUE(round({child("ok", pd::Severity::Ok)}, 300).empty());
}

TEST_F(DomainRules, AServerAddressOnABlocklist) {
  pd::SubjectReport ip;
  ip.subject = "192.0.2.25";
  ip.is_ip = true;
  ip.results = {result("dnsbl", "not_listed", pd::Severity::Ok, "zen.spamhaus.org"),
                result("dnsbl", "not_listed", pd::Severity::Ok, "bl.spamcop.net")};
  EXPECT_TRUE(round({ip}, 100).empty());
  ip.results[1] = result("dnsbl", "listed", pd::Severity::Critical, "bl.spamcop.net");
  auto listed = round({ip}, 200);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].rule, "domain.state.bad");
  EXPECT_NE(listed[0].group.find("\"src_ip\":\"192.0.2.25\""), std::string::npos)
      << listed[0].group;
  EXPECT_NE(listed[0].group.find("\"list_name\":\"bl.spamcop.net\""), std::string::npos);
}

TEST_F(DomainRules, OneVirusTotalEngine) {
  auto vt = [](std::vector<pd::EngineVerdict> engines) {
    pd::SubjectReport r = shop("delegated", pd::Severity::Ok);
    r.engines = std::move(engines);
    return r;
  };
  EXPECT_TRUE(
      round({vt({{"ESET", "harmless", "clean"}, {"Acme", "harmless", "clean"}})}, 100).empty());
  // harmless -> undetected flags nothing.
  EXPECT_TRUE(
      round({vt({{"ESET", "undetected", "unrated"}, {"Acme", "harmless", "clean"}})}, 200).empty());
  auto flagged =
      round({vt({{"ESET", "undetected", "unrated"}, {"Acme", "malicious", "phishing"}})}, 300);
  ASSERT_EQ(flagged.size(), 1u);
  EXPECT_EQ(flagged[0].rule, "domain.virustotal.engine_changed");
  EXPECT_NE(flagged[0].group.find("\"list_name\":\"Acme\""), std::string::npos) << flagged[0].group;
  ASSERT_EQ(flagged[0].evidence.size(), 1u);
  EXPECT_NE(flagged[0].evidence[0].find("Acme: harmless (clean) \u2192 malicious (phishing)"),
            std::string::npos)
      << flagged[0].evidence[0];
  // Lifted again: the flag going away is a finding too.
  auto lifted =
      round({vt({{"ESET", "undetected", "unrated"}, {"Acme", "harmless", "clean"}})}, 400);
  ASSERT_EQ(lifted.size(), 1u);
  EXPECT_EQ(lifted[0].rule, "domain.virustotal.engine_changed");
}

TEST_F(DomainRules, ANewNameServerSet) {
  auto ns = [](std::vector<std::string> set) {
    pd::SubjectReport r = shop("delegated", pd::Severity::Ok);
    r.nameservers = std::move(set);
    return r;
  };
  EXPECT_TRUE(round({ns({"ns1.old.test", "ns2.old.test"})}, 100).empty());
  auto moved = round({ns({"ns1.new.test"})}, 200);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].rule, "domain.delegation.ns_changed");
  ASSERT_EQ(moved[0].evidence.size(), 1u);
  EXPECT_NE(moved[0].evidence[0].find("NS ns1.old.test ns2.old.test \u2192 ns1.new.test"),
            std::string::npos)
      << moved[0].evidence[0];
}

}  // namespace
}  // namespace bannin::app
