// The domain probe's pure parts: re-confirmation of a new bad state (DomainTracker), the
// per-key reduction of a report, changes only for real changes, and the schedule that
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
  EXPECT_EQ(o.changes[0].now.severity, pd::Severity::Ok);
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
  // At the re-check: confirmed, a change with the first-seen time.
  o = t.observe(delegation("delegation_removed", pd::Severity::Critical), 220 * kSec);
  ASSERT_EQ(o.changes.size(), 1u);
  const DomainChange& c = o.changes[0];
  EXPECT_EQ(c.now.severity, pd::Severity::Critical);
  EXPECT_TRUE(c.reconfirmed);
  EXPECT_EQ(c.key.check, "delegation");
  EXPECT_EQ(c.now.state, "delegation_removed");
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

TEST(DomainTracker, RecoveryIsConfirmedAtOnce) {
  DomainTracker t(120 * kSec);
  CheckState held;
  held.state = "delegation_removed";
  held.severity = pd::Severity::Critical;
  t.restore(CheckKey{"shop.example.test", "delegation", ""}, held);
  Observation o = t.observe(delegation("delegated", pd::Severity::Ok), 10 * kSec);
  ASSERT_EQ(o.changes.size(), 1u);
  EXPECT_FALSE(o.changes[0].reconfirmed);
  EXPECT_EQ(o.changes[0].previous, "delegation_removed");
  EXPECT_EQ(o.changes[0].previous_severity, pd::Severity::Critical);
  EXPECT_EQ(o.changes[0].now.state, "delegated");
}

TEST(DomainTracker, ChangesBetweenOkAndInfoAreConfirmedAtOnce) {
  DomainTracker t(120 * kSec);
  auto child = [](const std::string& s, pd::Severity sev) {
    return report({result("child", s, sev)});
  };
  t.observe(child("ok", pd::Severity::Ok), 0);
  Observation o = t.observe(child("not_checked", pd::Severity::Info), kSec);
  ASSERT_EQ(o.changes.size(), 1u);  // confirmed at once (not bad), in the timeline
  EXPECT_EQ(o.changes[0].now.severity, pd::Severity::Info);
  o = t.observe(child("ok", pd::Severity::Ok), 2 * kSec);
  ASSERT_EQ(o.changes.size(), 1u);
  EXPECT_EQ(o.changes[0].previous_severity, pd::Severity::Info);
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

TEST(DomainTracker, FirstBadStateIsAChangeAfterReconfirmation) {
  DomainTracker t(30 * kSec);
  t.observe(delegation("delegation_removed", pd::Severity::Critical), 0);
  Observation o = t.observe(delegation("delegation_removed", pd::Severity::Critical), 30 * kSec);
  ASSERT_EQ(o.changes.size(), 1u);
  EXPECT_EQ(o.changes[0].previous, "");
  EXPECT_EQ(o.changes[0].now.severity, pd::Severity::Critical);
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

TEST(DomainProbe, RoundRowsAndChanges) {
  DomainsConfig cfg;
  cfg.list = {"shop.example.test"};
  cfg.reconfirm_after = 0;
  DomainProbe probe(cfg, pd::CheckOptions{}, {}, {});
  std::vector<std::pair<std::size_t, core::TimeNs>> rechecks;
  probe.observe({delegation("delegated", pd::Severity::Ok)}, kSec, rechecks);
  auto round =
      probe.observe({delegation("delegation_removed", pd::Severity::Critical)}, 2 * kSec, rechecks);
  ASSERT_EQ(round->changes.size(), 1u);
  const DomainRoundChange& c = round->changes[0];
  EXPECT_EQ(c.row.previous, "delegated");
  EXPECT_EQ(c.row.severity, "critical");
  EXPECT_EQ(c.previous_severity, "ok");
  EXPECT_FALSE(c.is_ip);
  // Its domain.change Event and the evidence line people read.
  model::Event ev;
  std::string text;
  change_event(c, ev, text);
  EXPECT_EQ(ev.kind(), model::EventKind::DomainChange);
  EXPECT_EQ(ev.ts(), 2 * kSec);
  EXPECT_EQ(ev.str(model::Field::Domain), "shop.example.test");
  EXPECT_EQ(ev.str(model::Field::Check), "delegation");
  EXPECT_EQ(ev.str(model::Field::State), "delegation_removed");
  EXPECT_EQ(ev.str(model::Field::Previous), "delegated");
  EXPECT_EQ(ev.str(model::Field::Severity), "critical");
  EXPECT_EQ(ev.str(model::Field::PreviousSeverity), "ok");
  EXPECT_EQ(ev.get(model::Field::SrcIp), nullptr);
  EXPECT_EQ(text,
            "shop.example.test delegation: delegated \u2192 delegation_removed (critical); "
            "127.0.0.1:53: delegation_removed detail; first seen 1970-01-01T00:00:02Z, "
            "confirmed 1970-01-01T00:00:02Z");
  ASSERT_EQ(round->latest.size(), 1u);
  EXPECT_EQ(round->latest[0].state, "delegation_removed");
  ProbeStatus st = probe.status();
  ASSERT_EQ(st.list.size(), 1u);
  EXPECT_EQ(st.list[0].worst_state, "delegation_removed");
  EXPECT_EQ(st.changes, 2u);
}

// One of the server's own addresses: the Event names it as src_ip, not as a domain.
TEST(DomainProbe, AnOwnAddressIsTheEventsSrcIp) {
  DomainsConfig cfg;
  cfg.ips = {"192.0.2.25"};
  cfg.reconfirm_after = 0;
  DomainProbe probe(cfg, pd::CheckOptions{}, {}, {});
  pd::SubjectReport r =
      report({result("dnsbl", "listed", pd::Severity::Critical, "zen.spamhaus.org")}, "192.0.2.25");
  r.is_ip = true;
  r.results[0].source = "zen.spamhaus.org";
  std::vector<std::pair<std::size_t, core::TimeNs>> rechecks;
  auto round = probe.observe({r}, kSec, rechecks);
  ASSERT_EQ(round->changes.size(), 1u);
  EXPECT_TRUE(round->changes[0].is_ip);
  EXPECT_EQ(round->changes[0].row.source_key, "zen.spamhaus.org");
  model::Event ev;
  std::string text;
  change_event(round->changes[0], ev, text);
  ASSERT_NE(ev.get(model::Field::SrcIp), nullptr);
  EXPECT_EQ(ev.get(model::Field::SrcIp)->ip.to_string(), "192.0.2.25");
  EXPECT_EQ(ev.str(model::Field::Domain), "");
  EXPECT_EQ(ev.str(model::Field::ListName), "zen.spamhaus.org");
  EXPECT_EQ(ev.get(model::Field::Previous), nullptr);  // the check's first state
  EXPECT_NE(text.find("192.0.2.25 dnsbl (zen.spamhaus.org): first state \u2192 listed"),
            std::string::npos)
      << text;
}

// VirusTotal: a change of one engine between two reports is a change with both severities
// (the rule domain.virustotal.engine_changed decides on a finding); the first report after a
// start is the baseline.
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
  EXPECT_TRUE(first->changes.size() == 1u);  // the delegation's first state only
  auto flagged = probe.observe({report({eset, {"Bfore.Ai PreCrime", "suspicious", "suspicious"}})},
                               2 * kSec, rechecks);
  ASSERT_EQ(flagged->changes.size(), 1u);
  const store::DomainChangeRow& f = flagged->changes[0].row;
  EXPECT_EQ(f.check, "virustotal.engine");
  EXPECT_EQ(f.source_key, "Bfore.Ai PreCrime");
  EXPECT_EQ(f.previous, "harmless");
  EXPECT_EQ(f.state, "suspicious");
  EXPECT_EQ(f.severity, "warning");
  EXPECT_EQ(f.detail, "Bfore.Ai PreCrime: harmless (clean) \u2192 suspicious");
  EXPECT_EQ(flagged->changes[0].previous_severity, "ok");
  // No report this round (deferred): the last list is kept, nothing changes.
  auto none = probe.observe({report({})}, 3 * kSec, rechecks);
  EXPECT_TRUE(none->changes.empty());
  // harmless -> undetected: a change on both sides not flagged.
  auto quiet = probe.observe(
      {report({{"ESET", "undetected", "unrated"}, {"Bfore.Ai PreCrime", "suspicious", ""}})},
      4 * kSec, rechecks);
  ASSERT_EQ(quiet->changes.size(), 1u);
  EXPECT_EQ(quiet->changes[0].row.source_key, "ESET");
  EXPECT_EQ(quiet->changes[0].row.severity, "ok");
  EXPECT_EQ(quiet->changes[0].previous_severity, "ok");
  EXPECT_EQ(probe.status().engine_changes, 2u);
}

// NS: a different delegated NS set between two rounds is a change (delegation.ns); the
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
  EXPECT_EQ(first->changes.size(), 1u);  // the delegation's first state only
  auto same = probe.observe({report(old_ns)}, 2 * kSec, rechecks);
  EXPECT_TRUE(same->changes.empty());
  // A timeout of the delegation check: no NS set, nothing about NS (the tracker handles it).
  pd::SubjectReport failed = delegation("timeout", pd::Severity::Unknown);
  auto timeout = probe.observe({failed}, 3 * kSec, rechecks);
  for (const auto& c : timeout->changes) EXPECT_NE(c.row.check, "delegation.ns");
  auto moved = probe.observe({report({"ns1.new.test", "ns2.new.test"})}, 4 * kSec, rechecks);
  const store::DomainChangeRow* row = nullptr;
  for (const auto& c : moved->changes)
    if (c.row.check == "delegation.ns") row = &c.row;
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->previous, "ns1.old.test ns2.old.test");
  EXPECT_EQ(row->state, "ns1.new.test ns2.new.test");
  EXPECT_EQ(row->severity, "warning");
  EXPECT_EQ(row->detail, "NS ns1.old.test ns2.old.test \u2192 ns1.new.test ns2.new.test");
  // The new set is the baseline now: the next round with it is quiet.
  auto again = probe.observe({report({"ns1.new.test", "ns2.new.test"})}, 5 * kSec, rechecks);
  for (const auto& c : again->changes) EXPECT_NE(c.row.check, "delegation.ns");
  EXPECT_EQ(probe.status().ns_changes, 1u);
}

}  // namespace
}  // namespace bannin::app
