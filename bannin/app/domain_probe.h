// DomainProbe: the daemon's scheduled domain probe (config `domains:`, docs/daemon.md). One
// thread runs the checks of `bannin check` (probe/domain/checker.h) on every configured
// domain and IP once per `interval`, spread over the interval rather than all at once, and
// hands each round to the daemon through a sink (the records queue, so its domain.status
// Events go through rules like log events, and its store rows commit at the pipeline's
// commit points). Changes of state are re-confirmed before they count (DomainTracker); each
// confirmed change is a row of the subject's timeline and one `domain.change` Event, which
// the rules turn into findings (rules/base/domain.yaml: a check into or out of a bad state,
// an engine's verdict, a new NS set), so domain findings get the same decisions, store rows,
// notices and API incidents as every other finding.
//
// Stopping: stop() raises a flag the running check watches (its DNS queries are cancelled,
// RDAP is not started), so the thread ends within about a second plus, at worst, one RDAP
// request in flight (bounded by rdap_timeout_ms). A cancelled round is thrown away: it is
// no evidence of anything.
//
// Operator keys (WHOIS, Spamhaus DQS, Safe Browsing, VirusTotal) come in CheckOptions,
// built by the same builder as `bannin check` (probe/domain/check_setup.h). The probe keeps
// one ReputationChecker for its whole life (CheckOptions::reputation_checker), so the Safe
// Browsing cache and the per-provider rate buckets hold across rounds. It also keeps, in
// memory only (lost on restart; the first report after a start is the baseline), the last
// VirusTotal per-engine list of each domain: a change of any single engine's category
// (virustotal.h diff_engines) is a change of check "virustotal.engine" with the engine as
// source_key (the rule domain.virustotal.engine_changed makes a finding when either side
// flags the site: malicious, suspicious).
// Engine changes are not re-confirmed (asking VirusTotal again would spend its budget).
// The same way it remembers the last set of delegated name servers of each domain as the
// parent reports them (SubjectReport::nameservers): a different set in a later round is a
// change of check "delegation.ns" (old -> new set, warning; the rule
// domain.delegation.ns_changed, evidence "NS <old> → <new>"). A round whose
// delegation check did not end "delegated" (removed, timeout, error) leaves the last set as
// it was; removal itself is the delegation check's own state.
//
// Threading: start/stop from the daemon's main thread; status()/pending() from any thread
// (they lock); the sink is called on the probe thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <bannin/app/config.h>
#include <bannin/app/domain_tracker.h>
#include <bannin/core/time.h>
#include <bannin/model/event.h>
#include <bannin/probe/domain/checker.h>
#include <bannin/store/store.h>

namespace bannin::app {

/// One confirmed change of a round: a row of the subject's timeline, and a `domain.change`
/// Event for the rules (rules/base/domain.yaml makes the findings; the probe makes none).
struct DomainRoundChange {
  store::DomainChangeRow row;
  std::string previous_severity;  ///< "" for a check's first state
  bool is_ip = false;             ///< the subject is one of the server's own addresses
  bool reconfirmed = false;       ///< confirmed by a second look
};

/// What one probe run produced, for the pipeline thread.
struct DomainRound {
  core::TimeNs ts = 0;
  std::vector<probe::domain::SubjectReport> reports;
  std::vector<store::DomainCheckRow> latest;
  std::vector<DomainRoundChange> changes;
};

/// The `domain.change` Event of a change, and its evidence line for people ("shop.example
/// rdap: ok -> client_hold (critical); JPRS RDAP: …; first seen …, re-confirmed …"). The
/// Event's strings point into `c`.
void change_event(const DomainRoundChange& c, model::Event& ev, std::string& text);

/// When each subject is due (pure; time is an input). Subject i of n is first due at
/// start + i*interval/n, then every interval; a re-check can be asked for earlier.
class ProbeSchedule {
 public:
  ProbeSchedule(std::size_t n, core::TimeNs interval, core::TimeNs start);
  /// The subjects due at `now` (at most max, earliest first), moved to their next time.
  std::vector<std::size_t> take_due(core::TimeNs now, std::size_t max);
  /// Look at subject i again at `at` (kept if an earlier re-check is already asked for).
  void recheck(std::size_t i, core::TimeNs at);
  /// The earliest time anything is due (max TimeNs when nothing is scheduled).
  [[nodiscard]] core::TimeNs next_due() const;

 private:
  core::TimeNs interval_;
  std::vector<core::TimeNs> due_;
  std::vector<std::optional<core::TimeNs>> recheck_;
};

struct ProbeStatus {
  struct Subject {
    std::string name;
    bool is_ip = false;
    std::string worst_check, worst_state;
    probe::domain::Severity worst = probe::domain::Severity::Ok;
    bool seen = false;  ///< any confirmed state yet
    core::TimeNs checked = 0;
    std::size_t pending = 0;
  };
  std::size_t subjects = 0;
  core::TimeNs interval = 0, reconfirm_after = 0, last_round = 0;
  std::uint64_t runs = 0, checks = 0, changes = 0, not_confirmed = 0, cancelled = 0,
                engine_changes = 0, ns_changes = 0;
  std::vector<Subject> list;
};

class DomainProbe {
 public:
  using Sink = std::function<void(std::shared_ptr<const DomainRound>)>;
  using Log = std::function<void(const std::string&)>;
  /// Run the checks (a test can replace run_checks).
  using Runner = std::function<std::vector<probe::domain::SubjectReport>(
      const std::vector<std::string>&, const std::vector<std::string>&,
      const probe::domain::CheckOptions&)>;

  DomainProbe(const DomainsConfig& cfg, probe::domain::CheckOptions options, Sink sink, Log log,
              Runner runner = {});
  ~DomainProbe();
  DomainProbe(const DomainProbe&) = delete;
  DomainProbe& operator=(const DomainProbe&) = delete;

  /// Confirmed states from the store (before start()).
  void restore(const std::vector<store::DomainCheckRow>& rows);
  void start();
  void stop();

  [[nodiscard]] ProbeStatus status() const;
  [[nodiscard]] std::vector<DomainTracker::Pending> pending(const std::string& subject) const;
  [[nodiscard]] bool knows(const std::string& subject) const;

  /// Turns one round of reports into store rows and changes (the tracker under the lock).
  std::shared_ptr<DomainRound> observe(std::vector<probe::domain::SubjectReport> reports,
                                       core::TimeNs wall,
                                       std::vector<std::pair<std::size_t, core::TimeNs>>& rechecks);

 private:
  void main();
  void engine_changes(const probe::domain::SubjectReport& rep, core::TimeNs wall,
                      DomainRound& round);
  void ns_changes(const probe::domain::SubjectReport& rep, core::TimeNs wall, DomainRound& round);

  struct Subject {
    std::string name;
    bool is_ip = false;
  };
  std::vector<Subject> subjects_;
  DomainsConfig cfg_;
  probe::domain::CheckOptions options_;
  Sink sink_;
  Log log_;
  Runner runner_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  DomainTracker tracker_;
  /// The last VirusTotal engine list per domain (in memory only).
  std::map<std::string, std::vector<probe::domain::EngineVerdict>> engines_;
  /// The last delegated NS set per domain, as the parent reports it (in memory only).
  std::map<std::string, std::vector<std::string>> nameservers_;
  std::unique_ptr<ProbeSchedule> schedule_;
  ProbeStatus counters_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace bannin::app
