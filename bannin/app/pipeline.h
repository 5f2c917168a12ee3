// Pipeline: decode -> enrich -> detect -> decide, the one chain of stages that `bannin run`
// (on live batches, in its pipeline thread) and `bannin replay` (on files, as fast as they
// can be read) both build from the same DaemonConfig. So a replay of a day with the daemon's
// configuration gives the findings and decisions the daemon would have given for those lines:
// the same rules and parameters, the same allowlists (config, own addresses, proxies,
// crawlers), per-rule caps, repeat offenders and /24–/64 escalation, with time taken from the
// records.
//
// What the pipeline produces goes to a PipelineOutput: the daemon turns findings and
// decisions into store rows and actuator orders, replay prints them (and may store them).
// Probes (the domain probe, later KPIs) hand their Events in through event(), so their
// findings and decisions take the same path as those of log lines.
//
// A Pipeline belongs to one thread (the daemon's pipeline thread, or replay's main thread).
// The Decider may be shared with other threads (the daemon's act thread and API expire,
// forget and add decisions): pass the mutex that guards it, and the pipeline holds it while
// it decides.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <bannin/app/config.h>
#include <bannin/core/result.h>
#include <bannin/decide/decider.h>
#include <bannin/detect/detector.h>
#include <bannin/ruleset/rule.h>
#include <bannin/ruleset/rule_loader.h>

namespace bannin::decode {
class DecoderSet;
}
namespace bannin::enrich {
class GeoDb;
class GeoEnricher;
class Inventory;
class SiteAccounts;
class UidAccounts;
}  // namespace bannin::enrich
namespace bannin::model {
class Event;
}
namespace bannin::store {
struct DecisionRow;
struct FindingRow;
}  // namespace bannin::store
namespace bannin::ruleset::fail2ban {
class FilterMatcher;
}

namespace bannin::app {

using RuleList = std::vector<std::shared_ptr<const ruleset::Rule>>;

/// Where the pipeline's results go. Called on the pipeline's thread, in the order the
/// findings fire; a finding's decisions follow it.
class PipelineOutput {
 public:
  virtual ~PipelineOutput() = default;
  /// A new finding, its group and numbers serialised once (detect::group_json/numbers_json).
  /// Not called for a campaign's later updates, which only decide on new members. `trigger`
  /// is the event that made the rule fire (null when unknown): its vhost and account label
  /// the finding when the group has none.
  virtual void on_finding(const detect::Finding& f, std::string group_json,
                          std::string numbers_json, const model::Event* trigger) = 0;
  /// A campaign's later finding (new members to decide on); the notices count them.
  virtual void on_finding_update(const detect::Finding& /*f*/) {}
  /// A decision the Decider admitted (allowlist, de-duplication, caps, repeat, escalation).
  virtual void on_decision(decide::Decision d) = 0;
  /// Every event decoded from a log line, enriched, before the rules see it (the daemon
  /// counts service KPIs from them: log_kpis.h). Keep it cheap: it runs for every line.
  virtual void on_event(const model::Event& /*ev*/) {}
};

/// Per-stream counts the caller may read after each call (the pipeline's thread only).
struct PipelineCounts {
  std::uint64_t decoded = 0, rejected = 0, findings = 0, decisions = 0;
  std::uint64_t log_lines = 0;  ///< log.line events made (only when a rule reads them)
};

/// Where the detector gets each rule's counters (the daemon's, kept across reloads).
using RuleCounterSource =
    std::function<std::shared_ptr<detect::RuleCounters>(const ruleset::Rule&)>;

class Pipeline {
 public:
  /// `decider` outlives the pipeline; `decider_mu` (may be null) guards it when other threads
  /// use it too. `geo` may be null (no country enrichment). `counters` may be empty.
  Pipeline(const RuleList& rules, std::size_t memory_budget_bytes, const enrich::GeoDb* geo,
           decide::Decider& decider, std::mutex* decider_mu, PipelineOutput& out,
           RuleCounterSource counters = {});
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  /// Registers stream `id` with its decoder ("auto" or a name from `bannin parse --help`).
  /// RFC 3164 syslog lines (no year in the timestamp) get `year`, or when 0 the year that
  /// makes them no later than `reference_time` (the file's mtime in replay, now in the
  /// daemon). Error "bad_decoder" for an unknown decoder name.
  core::Result<bool> open_stream(std::uint32_t id, const std::string& decoder,
                                 core::TimeNs reference_time, int year = 0);
  [[nodiscard]] bool has_stream(std::uint32_t id) const;
  /// Picks the stream's format from a sample of its first lines (once; auto streams only).
  void detect_format(std::uint32_t id, const std::vector<std::string_view>& sample);
  [[nodiscard]] bool format_detected(std::uint32_t id) const;
  /// One line of a stream (a trailing '\r' is dropped): decode, enrich, detect, decide.
  /// False when no decoder accepted it (counted in counts().rejected). When a rule reads
  /// `log.line` events (rules imported from fail2ban), every line — decoded or not — also
  /// becomes one: `message` is the line with its timestamp removed as fail2ban removes it,
  /// the time is the decoded line's or else the stream's last; without such a rule this
  /// costs one test of a flag.
  bool line(std::uint32_t id, std::string_view line);
  /// An Event made by a probe, with its text as evidence: detect, decide. Probe events carry
  /// their fields as made (no address to enrich: domain.status, kpi.sample).
  void event(const model::Event& e, std::string_view raw);

  /// uid -> hosting account for mail events (inventory.passwd_file); null: none.
  void set_uid_accounts(std::shared_ptr<const enrich::UidAccounts> m) {
    uid_accounts_ = std::move(m);
  }
  /// site -> hosting account for web events (the hosting inventory); null: none.
  void set_inventory(std::shared_ptr<const enrich::Inventory> inventory);

  /// New rules (SIGHUP): detection windows of rules that stay are kept. Returns how many.
  std::size_t reload(const RuleList& rules, std::size_t memory_budget_bytes);

  /// The detector's learned baselines (rules with baseline()/deviation()), for the file
  /// beside the store; load_baselines() gives them back after a restart.
  [[nodiscard]] std::string save_baselines() const { return detector_->save_baselines(); }
  detect::Detector::BaselineLoad load_baselines(std::string_view blob) {
    return detector_->load_baselines(blob);
  }

  [[nodiscard]] const PipelineCounts& counts() const noexcept { return counts_; }
  [[nodiscard]] const detect::DetectorStats& detect_stats() const;
  [[nodiscard]] std::size_t rule_count() const noexcept { return rule_count_; }
  /// True when the rules read `log.line` events (a rule's `when` names the kind).
  [[nodiscard]] bool raw_lines() const noexcept { return raw_lines_; }

 private:
  class Sink;
  struct StreamState {
    std::unique_ptr<decode::DecoderSet> decoders;
    bool detected = false;
    core::TimeNs last_ts = 0;  // time of the stream's last decoded line (for log.line)
  };
  StreamState* stream(std::uint32_t id);
  void set_rules(const RuleList& rules);
  void raw_line(const StreamState& s, std::string_view text, const model::Event* decoded);

  std::unique_ptr<detect::Detector> detector_;
  std::unique_ptr<enrich::GeoEnricher> enricher_;
  std::shared_ptr<const enrich::UidAccounts> uid_accounts_;
  std::unique_ptr<enrich::SiteAccounts> site_accounts_;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<model::Event> event_;  // reused for every line
  std::vector<StreamState> streams_;     // by stream id
  std::size_t rule_count_ = 0;
  PipelineCounts counts_;
  // log.line events, only when a rule reads them: the event, its message and fail2ban's
  // default date templates (the importer's, so `message` is what `import --test` matches).
  bool raw_lines_ = false;
  std::unique_ptr<model::Event> line_event_;
  std::unique_ptr<ruleset::fail2ban::FilterMatcher> dates_;
  std::string message_;
  RuleCounterSource counters_;
};

// --- decoder set-up shared by the pipeline and `bannin parse` ----------------------------

/// RFC 3164 timestamps carry no year: the syslog decoders of `set` get `year`, or when 0 the
/// year that makes a line no later than `reference_time`.
void set_syslog_year(const decode::DecoderSet& set, core::TimeNs reference_time, int year);
/// Format detection decodes a stream's first lines once already: the mail queue-id tables
/// start again from the top, so the real pass sees each message once.
void forget_detection_pass(const decode::DecoderSet& set);

// --- set-up shared by `bannin run`, `bannin run --check` and `bannin replay` --------------

/// The geo database the configuration names: "tor" (Debian tor-geoipdb), "none", or an
/// .mmdb path (resolved like every data path).
core::Result<std::unique_ptr<enrich::GeoDb>> load_geo(const DaemonConfig& cfg);
/// The uid -> account map of `inventory.passwd_file` (null when ""); a file that cannot be
/// read gives an empty map and a warning (the daemon starts without it).
std::shared_ptr<const enrich::UidAccounts> load_uid_accounts(const DaemonConfig& cfg,
                                                             std::string& warning);

/// The rules of cfg.rule_files with cfg's parameters and overrides. Errors: every problem,
/// one per line, file:line:col; warnings are returned for the caller to print.
struct LoadedRules {
  RuleList rules;
  std::vector<std::string> warnings;
  std::vector<ruleset::LoadProblem> warning_problems;  ///< the same, as the loader gave them
};
core::Result<LoadedRules> load_rules(const DaemonConfig& cfg, const enrich::GeoDb* geo);

/// The store row of a decision: `ts` is when it was taken (the daemon: the wall clock;
/// replay: the record's time), state "proposed"; id 0 lets the store number it.
store::DecisionRow decision_row(std::int64_t id, const decide::Decision& d, core::TimeNs ts);

/// Numbers findings and tells which finding a decision follows, for the store rows of the
/// daemon and of `bannin replay --store` alike: a finding gets the next id (from
/// Store::max_finding_id() + 1), the decisions after it name it, and a campaign's later
/// decisions (on_finding_update) the group's finding, found by rule and group (bounded: past
/// kMaxCampaignGroups groups the table starts again, and such later decisions name none).
/// One per pipeline thread.
class FindingLinker {
 public:
  static constexpr std::size_t kMaxCampaignGroups = 100'000;
  explicit FindingLinker(std::int64_t next_id) : next_(next_id) {}
  /// A new finding: its id (also the current one).
  std::int64_t on_finding(const detect::Finding& f, const std::string& group_json);
  /// A campaign's update: the current finding becomes its group's (0 when forgotten).
  void on_update(const detect::Finding& f);
  /// An id for a finding that decides nothing (the domain probe's).
  std::int64_t next_id() { return next_++; }
  /// The finding the next decisions follow (0: none).
  [[nodiscard]] std::int64_t current() const noexcept { return current_; }

 private:
  std::int64_t next_;
  std::int64_t current_ = 0;
  std::unordered_map<std::string, std::int64_t> campaigns_;  // rule \n group -> finding id
};

/// The finding's site and account for its store row (FindingRow::vhost/account): the group's
/// vhost/account fields, else the trigger event's (null: none).
void label_finding(store::FindingRow& row, const detect::Finding& f, const model::Event* trigger);

/// The decide stage's options from cfg.decide.* (allowlists read and checked here);
/// `inventory` (may be null: no sites) maps sites to accounts for the ladder.
core::Result<decide::DeciderOptions> decider_options(
    const DaemonConfig& cfg, std::shared_ptr<const enrich::Inventory> inventory);
/// decide.ladder.* as LadderOptions (site -> account from `inventory`); errors name the key.
core::Result<bool> ladder_options(const DaemonConfig& cfg,
                                  std::shared_ptr<const enrich::Inventory> inventory,
                                  decide::LadderOptions& out);
/// The hosting inventory of cfg, read once per run and shared by every stage that needs it
/// (site -> account for events and the ladder, owners for notices, document roots for the
/// file probe). inventory.file must load cleanly; problems in the web servers' configuration
/// are `warnings`.
core::Result<std::shared_ptr<const enrich::Inventory>> load_inventory(
    const DaemonConfig& cfg, std::vector<std::string>& warnings);

}  // namespace bannin::app
