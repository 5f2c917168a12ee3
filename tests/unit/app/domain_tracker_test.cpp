// The domain probe's pure parts: re-confirmation of a new bad state (DomainTracker), the
// per-key reduction of a report, findings only for real changes, and the schedule that
// spreads subjects over the interval. Time is an input: nothing sleeps.
#include <gtest/gtest.h>

#include <bannin/app/domain_probe.h>
#include <bannin/app/domain_tracker.h>

namespace bannin::app {
namespace {

namespace pd = probe::domain;
constexpr core::TimeNs kSec = core::kNsPerSec;

pd::CheckResult result(const std::string& check, const std::string& state, pd::Severity sev,
                       const std::string& source = "") {
  pd::CheckResult r;
  r.check = check;
  r.state = state;
  r.severity = sev;
  r.source = source;
  r.detail = state + " detail";
  return r;
}

pd::SubjectReport report(std::vector<pd::CheckResult> results,
                         const std::string& subject = "shop.example.test") {
  pd::SubjectReport r;
  r.subject = subject;
  r.results = std::move(results);
  return r;
}

pd::SubjectReport delegation(const std::string& state, pd::Severity sev) {
  return report({result("delegation", state, sev, "127.0.0.1:53")});
}

TEST(DomainTracker, FirstOkStateIsStoredButIsNoFinding) {
  DomainTracker t(120 * kSec);
  Observation o = t.observe(delegation("delegated", pd::Severity::Ok), 1000 * kSec);
  ASSERT_EQ(o.changes.size(), 1u);
  EXPECT_EQ(o.changes[0].previous, "");
  EXPECT_FALSE(o.changes[0].is_finding());
  ASSERT_EQ(o.latest.size(), 1u);
  EXPECT_EQ(o.latest[0].second.state, "delegated");
  EXPECT_FALSE(o.recheck_at);
  // Seen again: no change, the latest row is refreshed.
  o = t.observe(delegation("delegated", pd::Severity::Ok), 1010 * kSec);
  EXPECT_TRUE(o.changes.empty());
  ASSERT_EQ(o.latest.size(), 1u);
  EXPECT_EQ(o.latest[0].second.checked, 1010 * kSec);
  EXPECT_EQ(o.latest[0].second.since, 1000 * kSec);
}

TEST(DomainTracker, BadStateIsConfirmedOnlyAfterReconfirmAfter) {
  DomainTracker t(120 * kSec);
  t.observe(delegation("delegated", pd::Severity::Ok), 0);
  Observation o = t.observe(delegation("delegation_removed", pd::Severity::Critical), 100 * kSec);
  EXPECT_TRUE(o.changes.empty());
  ASSERT_TRUE(o.recheck_at);
  EXPECT_EQ(*o.recheck_at, 220 * kSec);
  EXPECT_TRUE(o.latest.empty());  // the confirmed state was not seen this round
  ASSERT_EQ(t.pending().size(), 1u);
  EXPECT_EQ(t.pending()[0].confirmed_state, "delegated");
  // Still removed, but too early: keep waiting.
  o = t.observe(delegation("delegation_removed", pd::Severity::Critical), 150 * kSec);
  EXPECT_TRUE(o.changes.empty());
  EXPECT_EQ(t.pending().size(), 1u);
  // At the re-check: confirmed, a Finding with the first-seen time.
  o = t.observe(delegation("delegation_removed", pd::Severity::Critical), 220 * kSec);
  ASSERT_EQ(o.changes.size(), 1u);
  const DomainChange& c = o.changes[0];
  EXPECT_TRUE(c.is_finding());
  EXPECT_TRUE(c.reconfirmed);
  EXPECT_EQ(c.rule_id(), "domain.delegation.delegation_removed");
  EXPECT_EQ(c.previous, "delegated");
  EXPECT_EQ(c.first_seen, 100 * kSec);
  EXPECT_EQ(c.now.since, 220 * kSec);
  EXPECT_EQ(c.now.detail, "delegation_removed detail");
  EXPECT_TRUE(t.pending().empty());
  EXPECT_EQ(t.confirmed().begin()->second.state, "delegation_removed");
}

TEST(DomainTracker, FlapIsNotConfirmedAndTheOldStateIsKept) {
  DomainTracker t(120 * kSec);
  t.observe(delegation("delegated", pd::Severity::Ok), 0);
  t.observe(delegation("delegation_removed", pd::Severity::Critical), 100 * kSec);
  Observation o = t.observe(delegation("delegated", pd::Severity::Ok), 220 * kSec);
  EXPECT_TRUE(o.changes.empty());
  ASSERT_EQ(o.not_confirmed.size(), 1u);
  EXPECT_EQ(o.not_confirmed[0].candidate, "delegation_removed");
  EXPECT_EQ(o.not_confirmed[0].kept, "delegated");
  EXPECT_EQ(o.not_confirmed[0].seen, "delegated");
  EXPECT_TRUE(t.pending().empty());
  EXPECT_EQ(t.confirmed().begin()->second.state, "delegated");
  EXPECT_FALSE(o.recheck_at);
}

TEST(DomainTracker, AThirdStateReplacesTheCandidate) {
  DomainTracker t(60 * kSec);
  t.observe(delegation("delegated", pd::Severity::Ok), 0);
  t.observe(delegation("timeout", pd::Severity::Unknown), 10 * kSec);
  Observation o = t.observe(delegation("delegation_removed", pd::Severity::Critical), 80 * kSec);
  ASSERT_EQ(o.not_confirmed.size(), 1u);
  EXPECT_EQ(o.not_confirmed[0].candidate, "timeout");
  EXPECT_TRUE(o.changes.empty());
  ASSERT_TRUE(o.recheck_at);
  EXPECT_EQ(*o.recheck_at, 140 * kSec);
  o = t.observe(delegation("delegation_removed", pd::Severity::Critical), 140 * kSec);
  ASSERT_EQ(o.changes.size(), 1u);
  EXPECT_EQ(o.changes[0].first_seen, 80 * kSec);
}

TEST(DomainTracker, RecoveryIsConfirmedAtOnceAndIsAFinding) {
  DomainTracker t(120 * kSec);
  CheckState held;
  held.state = "delegation_removed";
  held.severity = pd::Severity::Critical;
  t.restore(CheckKey{"shop.example.test", "delegation", ""}, held);
  Observation o = t.observe(delegation("delegated", pd::Severity::Ok), 10 * kSec);
  ASSERT_EQ(o.changes.size(), 1u);
  EXPECT_FALSE(o.changes[0].reconfirmed);
  EXPECT_TRUE(o.changes[0].is_finding());
  EXPECT_EQ(o.changes[0].rule_id(), "domain.delegation.delegated");
}

TEST(DomainTracker, ChangesBetweenOkAndInfoAreHistoryOnly) {
  DomainTracker t(120 * kSec);
  auto child = [](const std::string& s, pd::Severity sev) {
    return report({result("child", s, sev)});
  };
  t.observe(child("ok", pd::Severity::Ok), 0);
  Observation o = t.observe(child("not_checked", pd::Severity::Info), kSec);
  ASSERT_EQ(o.changes.size(), 1u);  // confirmed at once (not bad), in the timeline
  EXPECT_FALSE(o.changes[0].is_finding());
  o = t.observe(child("ok", pd::Severity::Ok), 2 * kSec);
  ASSERT_EQ(o.changes.size(), 1u);
  EXPECT_FALSE(o.changes[0].is_finding());
}

TEST(DomainTracker, RestoredStateIsNoChange) {
  DomainTracker t(120 * kSec);
  CheckState ok;
  ok.state = "delegated";
  t.restore(CheckKey{"shop.example.test", "delegation", ""}, ok);
  Observation o = t.observe(delegation("delegated", pd::Severity::Ok), 10 * kSec);
  EXPECT_TRUE(o.changes.empty());
}

TEST(DomainTracker, ZeroReconfirmConfirmsAtOnce) {
  DomainTracker t(0);
  t.observe(delegation("delegated", pd::Severity::Ok), 0);
  Observation o = t.observe(delegation("delegation_removed", pd::Severity::Critical), kSec);
  ASSERT_EQ(o.changes.size(), 1u);
  EXPECT_FALSE(o.changes[0].reconfirmed);
}

TEST(DomainTracker, WorstResultPerCheckAndOneKeyPerList) {
  auto rep = report({result("resolver", "ok", pd::Severity::Ok, "r1"),
                     result("resolver", "filtered", pd::Severity::Warning, "r2"),
                     result("resolver", "disagreement", pd::Severity::Warning, ""),
                     result("dnsbl", "not_listed", pd::Severity::Ok, "dbl.spamhaus.org"),
                     result("dnsbl", "listed", pd::Severity::Critical, "multi.surbl.org")});
  auto keys = DomainTracker::reduce(rep);
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].first.check, "resolver");
  EXPECT_EQ(keys[0].second.state, "filtered");  // worst; ties keep the first
  EXPECT_EQ(keys[1].first.source_key, "dbl.spamhaus.org");
  EXPECT_EQ(keys[2].first.source_key, "multi.surbl.org");
  // A new listing on one list waits for re-confirmation; the other list is confirmed at once.
  DomainTracker t(60 * kSec);
  Observation o = t.observe(rep, 0);
  ASSERT_EQ(o.changes.size(), 1u);
  EXPECT_EQ(o.changes[0].key.source_key, "dbl.spamhaus.org");
  EXPECT_EQ(t.pending().size(), 2u);  // resolver filtered, surbl listed
}

TEST(DomainTracker, FirstBadStateIsAFindingAfterReconfirmation) {
  DomainTracker t(30 * kSec);
  t.observe(delegation("delegation_removed", pd::Severity::Critical), 0);
  Observation o = t.observe(delegation("delegation_removed", pd::Severity::Critical), 30 * kSec);
  ASSERT_EQ(o.changes.size(), 1u);
  EXPECT_EQ(o.changes[0].previous, "");
  EXPECT_TRUE(o.changes[0].is_finding());
}

TEST(ProbeSchedule, SpreadsSubjectsOverTheInterval) {
  ProbeSchedule s(4, 100 * kSec, 1000 * kSec);
  EXPECT_EQ(s.take_due(1000 * kSec, 64), (std::vector<std::size_t>{0}));
  EXPECT_EQ(s.next_due(), 1025 * kSec);
  EXPECT_TRUE(s.take_due(1024 * kSec, 64).empty());
  EXPECT_EQ(s.take_due(1050 * kSec, 64), (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(s.take_due(1075 * kSec, 64), (std::vector<std::size_t>{3}));
  EXPECT_EQ(s.next_due(), 1100 * kSec);  // subject 0 again, one interval later
  EXPECT_EQ(s.take_due(1100 * kSec, 64), (std::vector<std::size_t>{0}));
}

TEST(ProbeSchedule, RecheckComesEarlyOnceAndKeepsTheCadence) {
  ProbeSchedule s(1, 3600 * kSec, 0);
  EXPECT_EQ(s.take_due(0, 64).size(), 1u);
  s.recheck(0, 120 * kSec);
  EXPECT_EQ(s.next_due(), 120 * kSec);
  EXPECT_EQ(s.take_due(120 * kSec, 64).size(), 1u);
  EXPECT_EQ(s.next_due(), 3600 * kSec);  // the regular time is unchanged
}

TEST(ProbeSchedule, MaxPerRunAndFallingBehind) {
  ProbeSchedule s(3, 10 * kSec, 0);
  EXPECT_EQ(s.take_due(100 * kSec, 2).size(), 2u);
  EXPECT_EQ(s.take_due(100 * kSec, 2).size(), 1u);
  EXPECT_EQ(s.next_due(), 110 * kSec);  // behind: next one interval from now, not a burst
}

TEST(DomainProbe, RoundRowsAndFindings) {
  DomainsConfig cfg;
  cfg.list = {"shop.example.test"};
  cfg.reconfirm_after = 0;
  DomainProbe probe(cfg, pd::CheckOptions{}, {}, {});
  std::vector<std::pair<std::size_t, core::TimeNs>> rechecks;
  probe.observe({delegation("delegated", pd::Severity::Ok)}, kSec, rechecks);
  auto round =
      probe.observe({delegation("delegation_removed", pd::Severity::Critical)}, 2 * kSec, rechecks);
  ASSERT_EQ(round->changes.size(), 1u);
  EXPECT_EQ(round->changes[0].previous, "delegated");
  EXPECT_EQ(round->changes[0].severity, "critical");
  ASSERT_EQ(round->findings.size(), 1u);
  EXPECT_EQ(round->findings[0].rule, "domain.delegation.delegation_removed");
  EXPECT_NE(round->findings[0].group_json.find("\"domain\":\"shop.example.test\""),
            std::string::npos);
  ASSERT_FALSE(round->findings[0].evidence.empty());
  EXPECT_EQ(round->findings[0].evidence[0], "127.0.0.1:53: delegation_removed detail");
  ASSERT_EQ(round->latest.size(), 1u);
  EXPECT_EQ(round->latest[0].state, "delegation_removed");
  ProbeStatus st = probe.status();
  ASSERT_EQ(st.list.size(), 1u);
  EXPECT_EQ(st.list[0].worst_state, "delegation_removed");
  EXPECT_EQ(st.findings, 1u);
}

// VirusTotal: a change of one engine between two reports is a timeline row; a Finding when
// either side flags the site; the first report after a start is the baseline.
TEST(DomainProbe, VirusTotalEngineChange) {
  DomainsConfig cfg;
  cfg.list = {"shop.example.test"};
  cfg.reconfirm_after = 0;
  DomainProbe probe(cfg, pd::CheckOptions{}, {}, {});
  auto report = [](std::vector<pd::EngineVerdict> engines) {
    pd::SubjectReport r = delegation("delegated", pd::Severity::Ok);
    r.engines = std::move(engines);
    return r;
  };
  const pd::EngineVerdict eset{"ESET", "harmless", "clean"};
  std::vector<std::pair<std::size_t, core::TimeNs>> rechecks;
  auto first =
      probe.observe({report({eset, {"Bfore.Ai PreCrime", "harmless", "clean"}})}, kSec, rechecks);
  EXPECT_TRUE(first->findings.empty());
  EXPECT_TRUE(first->changes.size() == 1u);  // the delegation's first state only
  auto flagged = probe.observe({report({eset, {"Bfore.Ai PreCrime", "suspicious", "suspicious"}})},
                               2 * kSec, rechecks);
  ASSERT_EQ(flagged->findings.size(), 1u);
  const auto& f = flagged->findings[0];
  EXPECT_EQ(f.rule, "domain.virustotal.engine_changed");
  EXPECT_NE(f.group_json.find("\"engine\":\"Bfore.Ai PreCrime\""), std::string::npos)
      << f.group_json;
  ASSERT_FALSE(f.evidence.empty());
  EXPECT_EQ(f.evidence[0], "Bfore.Ai PreCrime: harmless (clean) \u2192 suspicious");
  ASSERT_EQ(flagged->changes.size(), 1u);
  EXPECT_EQ(flagged->changes[0].check, "virustotal.engine");
  EXPECT_EQ(flagged->changes[0].source_key, "Bfore.Ai PreCrime");
  EXPECT_EQ(flagged->changes[0].previous, "harmless");
  EXPECT_EQ(flagged->changes[0].state, "suspicious");
  EXPECT_EQ(flagged->changes[0].severity, "warning");
  // No report this round (deferred): the last list is kept, nothing changes.
  auto none = probe.observe({report({})}, 3 * kSec, rechecks);
  EXPECT_TRUE(none->changes.empty());
  // harmless -> undetected: history only, no finding.
  auto quiet = probe.observe(
      {report({{"ESET", "undetected", "unrated"}, {"Bfore.Ai PreCrime", "suspicious", ""}})},
      4 * kSec, rechecks);
  EXPECT_TRUE(quiet->findings.empty());
  ASSERT_EQ(quiet->changes.size(), 1u);
  EXPECT_EQ(quiet->changes[0].source_key, "ESET");
  EXPECT_EQ(probe.status().engine_changes, 2u);
}

// NS: a different delegated NS set between two rounds is a timeline row and a Finding; the
// first delegated report after a start is the baseline; a round whose delegation check
// failed (no NS set) neither changes nor forgets the last set.
TEST(DomainProbe, DelegationNsChange) {
  DomainsConfig cfg;
  cfg.list = {"shop.example.test"};
  cfg.reconfirm_after = 0;
  DomainProbe probe(cfg, pd::CheckOptions{}, {}, {});
  auto report = [](std::vector<std::string> ns) {
    pd::SubjectReport r = delegation("delegated", pd::Severity::Ok);
    r.nameservers = std::move(ns);
    return r;
  };
  std::vector<std::pair<std::size_t, core::TimeNs>> rechecks;
  const std::vector<std::string> old_ns{"ns1.old.test", "ns2.old.test"};
  auto first = probe.observe({report(old_ns)}, kSec, rechecks);
  EXPECT_TRUE(first->findings.empty());
  EXPECT_EQ(first->changes.size(), 1u);  // the delegation's first state only
  auto same = probe.observe({report(old_ns)}, 2 * kSec, rechecks);
  EXPECT_TRUE(same->changes.empty());
  EXPECT_TRUE(same->findings.empty());
  // A timeout of the delegation check: no NS set, nothing about NS (the tracker handles it).
  pd::SubjectReport failed = delegation("timeout", pd::Severity::Unknown);
  auto timeout = probe.observe({failed}, 3 * kSec, rechecks);
  for (const auto& c : timeout->changes) EXPECT_NE(c.check, "delegation.ns");
  for (const auto& f : timeout->findings) EXPECT_NE(f.rule, "domain.delegation.ns_changed");
  auto moved = probe.observe({report({"ns1.new.test", "ns2.new.test"})}, 4 * kSec, rechecks);
  std::vector<store::FindingRow> ns_findings;
  for (const auto& f : moved->findings)
    if (f.rule == "domain.delegation.ns_changed") ns_findings.push_back(f);
  ASSERT_EQ(ns_findings.size(), 1u);
  ASSERT_FALSE(ns_findings[0].evidence.empty());
  EXPECT_EQ(ns_findings[0].evidence[0],
            "NS ns1.old.test ns2.old.test \u2192 ns1.new.test ns2.new.test");
  EXPECT_NE(ns_findings[0].group_json.find("\"domain\":\"shop.example.test\""), std::string::npos);
  const store::DomainChangeRow* row = nullptr;
  for (const auto& c : moved->changes)
    if (c.check == "delegation.ns") row = &c;
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->previous, "ns1.old.test ns2.old.test");
  EXPECT_EQ(row->state, "ns1.new.test ns2.new.test");
  EXPECT_EQ(row->severity, "warning");
  // The new set is the baseline now: the next round with it is quiet.
  auto again = probe.observe({report({"ns1.new.test", "ns2.new.test"})}, 5 * kSec, rechecks);
  for (const auto& c : again->changes) EXPECT_NE(c.check, "delegation.ns");
  EXPECT_TRUE(again->findings.empty());
  EXPECT_EQ(probe.status().ns_changes, 1u);
}

}  // namespace
}  // namespace bannin::app
