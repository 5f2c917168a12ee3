// Daemon: `bannin run`, the pipeline of `bannin replay` turned into a service
// (ARCHITECTURE "app"). Threads, each owning its stage, joined by bounded queues:
//
//   ingest ──records──▶ pipeline ──actions──▶ act          (+ store writer, API workers)
//   (inotify + epoll:   (decode, enrich,       (actuator: nftables in enforce mode, a
//    file tails,         detect, decide)        recording file in observe mode; expiry)
//    syslog sockets,          │                       │
//    journald, stdin)         └──── store writer ◀────┘   findings, decisions, history,
//                                                           actions, checkpoints
//
// Exactly-once across restarts: the ingest thread hands over lines in batches together with
// the file checkpoint just after the batch's last line; the pipeline pushes that checkpoint
// to the store writer after everything the batch produced, and the writer commits only at
// checkpoints. So a crash (kill -9) leaves the store at a checkpoint with exactly the
// findings and decisions of the lines before it, and a restart continues from there.
//
// Start is ordered (rules, store, reconcile enforcement with the store, threads, API) and
// any failure before the threads run is reported and ends start(). Stop is the reverse:
// sources stop, queues drain, last checkpoints commit. SIGHUP reloads the configuration and
// rules; detection windows and decisions in force are kept.
//
// Daemon's public methods are called from the main thread; the api::Backend methods from
// the API's worker threads (they lock what they read).
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <bannin/act/actuator.h>
#include <bannin/act/quarantine/quarantine_actuator.h>
#include <bannin/api/backend.h>
#include <bannin/api/finding_service.h>
#include <bannin/app/bounded_queue.h>
#include <bannin/app/config.h>
#include <bannin/app/file_probe.h>
#include <bannin/app/log_kpis.h>
#include <bannin/app/process_probe.h>
#include <bannin/core/result.h>
#include <bannin/decide/decider.h>
#include <bannin/detect/rule_counters.h>
#include <bannin/notify/notifier.h>
#include <bannin/ruleset/rule.h>
#include <bannin/ruleset/rule_loader.h>
#include <bannin/source/file_tail.h>

namespace bannin::act {}
namespace bannin::api {
class Server;
}
namespace bannin::enrich {
class GeoDb;
}
namespace bannin::probe::kpi {
struct Sample;
}
namespace bannin::store {
class Store;
class StoreWriter;
struct DecisionRow;
}  // namespace bannin::store

namespace bannin::app {

class Pipeline;

class DomainProbe;
struct DomainRound;
class KpiProbe;
class FindingLinker;
class GuardRunner;
struct GuardEvent;
class FlightRecorder;

/// One concrete input: a file, a socket, the journal, stdin. Counters are written by the
/// ingest and pipeline threads and read by status (atomics, relaxed).
struct Stream {
  std::uint32_t id = 0;
  std::string kind;     ///< file | syslog | journald | stdin
  std::string origin;   ///< path, listen address, "journald", "stdin"
  std::string decoder;  ///< configured decoder
  std::atomic<std::uint64_t> lines{0}, decoded{0}, decode_errors{0}, dropped{0}, errors{0};
  std::atomic<std::uint64_t> dropped_kernel{0};  ///< lost before bannin read them
  std::atomic<std::uint64_t> rotations{0}, truncations{0};
  /// file streams: bytes lost at a copytruncate (written after the copy, never read)
  std::atomic<std::uint64_t> unaccounted_bytes{0};
  std::atomic<bool> missing{false}, closed{false};
  std::atomic<std::uint64_t> lines_minute_ago{0};  ///< sampled each minute, for lines/min
  std::mutex note_mu;
  std::string note;  ///< e.g. "not available: no journal on this system"
};

/// What the ingest thread hands to the pipeline: up to kBatchLines lines of one stream.
struct Batch {
  /// Lines of a stream; a configuration reload; a round of the domain probe (`domain`); hits
  /// of the file probe (`files`); a sample of the KPI probe (`kpi`).
  /// Findings made outside the rules (the overload guard's transitions: `findings`).
  enum class Kind { Lines, Reload, Domain, Files, Kpi, Processes, Findings } kind = Kind::Lines;
  std::uint32_t stream = 0;
  std::string data;                              ///< the lines back to back
  std::vector<std::uint32_t> ends;               ///< end offset of each line in data
  std::optional<source::Checkpoint> checkpoint;  ///< resume point after the batch (files, journal)
  std::string checkpoint_key;                    ///< the file's path, or "journald"
  struct Reload {
    std::vector<std::shared_ptr<const ruleset::Rule>> rules;
    std::size_t memory_budget = 0;
  };
  std::shared_ptr<Reload> reload;
  std::shared_ptr<const DomainRound> domain;
  std::shared_ptr<const FileRound> files;
  std::shared_ptr<const probe::kpi::Sample> kpi;
  std::shared_ptr<const ProcessRound> processes;  ///< flagged processes (`processes`)
  std::shared_ptr<const std::vector<store::FindingRow>> findings;
};

/// An order for the act thread.
struct ActItem {
  enum class Kind { Apply, Revoke } kind = Kind::Apply;
  std::int64_t id = 0;
  decide::Decision decision;
  std::string note;
  bool state_written = false;  ///< Revoke: the store already says "revoked"
};

/// An input of the notify thread: a finding (first or update) or a decision, in pipeline order.
struct NotifyItem {
  std::optional<notify::FindingNote> finding;
  std::optional<decide::Decision> decision;
  core::TimeNs wall = 0;
};

struct InForce {
  decide::Decision decision;
  std::string target;        ///< canonical target text
  core::TimeNs expires = 0;  ///< wall clock
  std::string state;         ///< proposed (observe) | active
  bool revoking = false;     ///< a revoke is queued for the act thread (a second one finds none)
};

class Daemon final : public api::Backend {
 public:
  struct Options {
    std::string config_file;             ///< empty: built-in defaults
    std::vector<std::string> overrides;  ///< -o key=value
    bool quiet = false;                  ///< no informational log lines
  };
  static constexpr std::size_t kBatchLines = 1024;

  /// Loads and checks configuration, geo database, rules and decide options without
  /// starting anything; returns a one-paragraph summary, or every problem found.
  static core::Result<std::string> check(const Options& options);
  /// The checks of a configuration that need the system but change nothing: API address and
  /// token, the store's directory, nftables in enforce mode. Every problem, one per line.
  static core::Result<bool> validate(const DaemonConfig& cfg);
  /// Ordered start; on error nothing keeps running.
  static core::Result<std::unique_ptr<Daemon>> start(Options options);
  ~Daemon() override;

  /// Reloads configuration and rules (SIGHUP). Problems are logged and the old ones kept.
  void reload();
  /// Stops the sources, drains the queues, commits the last checkpoints, joins the threads.
  void stop();
  /// Prints one log line (stderr, with a UTC timestamp).
  void log(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
  // Learned baselines of the rules, in baselines.bin beside the store (pipeline thread only).
  [[nodiscard]] std::string baselines_path() const;
  void load_baselines(Pipeline& pipeline);
  void save_baselines(const Pipeline& pipeline);
  bool baselines_error_logged_ = false;

  // api::Backend
  std::string status_json() override;
  core::Result<std::string> decisions_json(const std::string& state) override;
  core::Result<std::string> add_decision(const decide::Decision& d) override;
  core::Result<int> revoke(const std::string& target, const std::string& note) override;
  std::string metrics_text() override;
  core::Result<std::string> domains_json() override;
  core::Result<std::string> domain_json(const std::string& name) override;
  core::Result<std::string> decision_stream(const api::StreamRequest& request) override;
  core::Result<std::string> bouncer_decisions(const std::string& api_key,
                                              const std::string& ip) override;
  // The KPI probe's series (daemon_kpi.cpp).
  core::Result<std::string> series_names_json() override;
  core::Result<std::string> series_json(const api::SeriesRequest& request) override;
  // Findings, incidents and rules (daemon_findings.cpp).
  core::Result<std::string> findings_json(const api::FindingQuery& query) override;
  core::Result<std::string> incidents_json(const api::FindingQuery& query) override;
  core::Result<std::string> incident_json(std::int64_t id) override;
  core::Result<std::string> rules_json() override;
  // The overload guard and the flight recorder (daemon_guard.cpp).
  core::Result<std::string> guard_json() override;
  core::Result<std::string> record_freeze(const std::string& reason) override;
  core::Result<std::string> records_json() override;

 private:
  explicit Daemon(Options options);
  core::Result<bool> boot();
  core::Result<bool> load_geo();
  /// The hosting inventory, read once (inventory_); `announce` logs its size and warnings.
  core::Result<bool> load_hosting(bool announce);
  core::Result<bool> load_rules(const DaemonConfig& cfg,
                                std::vector<std::shared_ptr<const ruleset::Rule>>& out);
  core::Result<bool> reconcile_with(store::Store& st);
  core::Result<bool> open_sources();
  core::Result<bool> make_probe(store::Store* st);
  std::string domains_status_json();  // the "domains" member of status_json (daemon_domains.cpp)
  // The file probe and quarantine (daemon_files.cpp, issue 17).
  core::Result<bool> make_file_probe(bool build_only);
  core::Result<bool> wrap_quarantine(const std::string& store_path);
  std::string files_status_json();  // the "files" member of status_json
  // The KPI probe (config `kpi:`, daemon_kpi.cpp): built at start, its status and its
  // samples' events in the pipeline thread.
  core::Result<bool> make_kpi(const std::string& store_dir);
  std::string kpi_status_json(std::vector<std::string>& problems);
  // The process probe and SIGSTOP of flagged processes (daemon_processes.cpp, issue 17).
  core::Result<bool> make_process_probe();
  core::Result<bool> wrap_process_actuator(const std::string& store_path);
  // The overload guard (config `guard:`, daemon_guard.cpp): built after the KPI probe, fed
  // its samples; transitions stored as findings (through the pipeline thread, which numbers
  // them) and told to the notice stage.
  core::Result<bool> make_guard();
  void on_guard_transition(const GuardEvent& e);
  std::string guard_status_json();
  /// Pipeline thread: findings made outside the rules (Batch::Kind::Findings).
  void write_findings(const std::vector<store::FindingRow>& rows, FindingLinker& linker);
  // The flight recorder (config `recorder:`, daemon_guard.cpp).
  core::Result<bool> make_recorder(const std::string& store_dir);
  std::string recorder_status_json();
  /// Pipeline thread: a batch of lines into its source's ring; a `record: true` rule fired.
  void record_lines(std::uint32_t stream, const std::string& origin, const Batch& b);
  void record_for_rule(const std::string& rule);

  void ingest_main();
  void pipeline_main();
  void act_main();
  void notify_main();
  core::Result<bool> make_notifier(const std::string& store_dir);
  std::string notify_status_json();  // the "notify" member of status_json

  Stream& add_stream(std::string kind, std::string origin, std::string decoder);
  void push_decision(decide::Decision d, std::int64_t finding_id = 0);

  // --- findings, incidents and rules for the API (daemon_findings.cpp) ---
  /// Opens the findings service on a store connection of its own; next_finding_id_ from it.
  core::Result<bool> make_findings_service();
  /// The counters of rule `id`, the same object for the daemon's life (kept across reloads).
  std::shared_ptr<detect::RuleCounters> rule_counters(const std::string& id);
  /// Publishes the rules in force and their load report for the API (boot and reload).
  void publish_rules(const std::vector<std::shared_ptr<const ruleset::Rule>>& rules,
                     std::vector<ruleset::LoadProblem> warnings);
  /// Records a refused reload for the API's load report.
  void record_reload_failure(const std::string& errors);
  struct RulesView;
  std::mutex rules_view_mu_;
  std::shared_ptr<const RulesView> rules_view_;  // replaced whole; readers copy the pointer
  std::mutex rule_counters_mu_;
  std::map<std::string, std::shared_ptr<detect::RuleCounters>> rule_counters_;
  std::int64_t next_finding_id_ = 1;  // the first id the pipeline thread's FindingLinker gives
  std::mutex findings_store_mu_;
  std::unique_ptr<store::Store> findings_store_;  // the findings service's own connection
  std::unique_ptr<api::FindingService> finding_service_;
  std::vector<ruleset::LoadProblem> load_warnings_;  // of the last load_rules (main thread)

  Options options_;
  DaemonConfig cfg_;
  core::TimeNs started_ = 0;
  std::unique_ptr<enrich::GeoDb> geo_;
  /// The hosting inventory (never null after load_hosting; empty without inventory.*), read
  /// once at start and shared: events' site -> account, the ladder, notices, file probe.
  std::shared_ptr<const enrich::Inventory> inventory_;
  std::vector<std::string> inventory_warnings_;
  std::vector<std::shared_ptr<const ruleset::Rule>> rules_;

  // Streams: grow while running (a file appears); pointers stay valid.
  mutable std::mutex streams_mu_;
  std::deque<std::unique_ptr<Stream>> streams_;

  std::unique_ptr<BoundedQueue<Batch>> records_;
  std::unique_ptr<BoundedQueue<ActItem>> actions_;

  std::mutex decide_mu_;  // the Decider is used by the pipeline, the act thread and the API
  std::unique_ptr<decide::Decider> decider_;
  std::atomic<std::int64_t> next_decision_id_{1};

  std::mutex in_force_mu_;
  act::ActuatorHealth actuator_health_;  // the act thread's last look; under in_force_mu_
  std::map<std::int64_t, InForce> in_force_;
  std::atomic<std::uint64_t> applied_{0}, failed_actions_{0}, expired_{0}, revoked_{0};
  std::atomic<std::uint64_t> findings_{0}, decisions_{0};

  std::unique_ptr<act::Actuator> actuator_;
  std::string actuator_name_;
  std::unique_ptr<store::StoreWriter> writer_;
  std::mutex read_store_mu_;
  std::unique_ptr<store::Store> read_store_;               // a second connection for API reads
  std::unique_ptr<api::LapiService> lapi_;                 // CrowdSec bouncers, on read_store_
  std::map<std::string, source::Checkpoint> checkpoints_;  // loaded at start, by path
  std::unique_ptr<api::Server> api_;
  std::unique_ptr<DomainProbe> probe_;               // config `domains:`; null when off
  std::unique_ptr<FileProbe> file_probe_;            // config `files:`; null when off
  std::unique_ptr<act::quarantine::Ledger> ledger_;  // enforce mode: the quarantine's records
  std::unique_ptr<KpiProbe> kpi_;                    // config `kpi:`; null when off
  std::unique_ptr<ProcessProbe> process_probe_;      // config `processes:`; null when off
  std::unique_ptr<store::Store> process_store_;      // enforce mode: process_actions rows
  std::unique_ptr<GuardRunner> guard_;               // config `guard:`; null when off
  std::unique_ptr<FlightRecorder> recorder_;         // config `recorder:`; null when off

  std::atomic<bool> stopping_{false};
  int wake_fd_ = -1;  // eventfd: wakes the ingest thread's epoll
  std::thread ingest_, pipeline_, act_, notify_;
  // Notices (config notify:): fed by the pipeline thread, sent by the notify thread.
  std::unique_ptr<notify::Notifier> notifier_;
  std::unique_ptr<BoundedQueue<NotifyItem>> notify_items_;
  std::string notify_mode_;  ///< "send" | "file" | "off", for status
  std::atomic<std::uint64_t> reloads_{0};
  std::atomic<std::size_t> rule_count_{0};  // for status (rules_ belongs to the main thread)
  std::atomic<std::uint64_t> detect_evicted_{0};
  std::atomic<std::size_t> detect_memory_{0};
  // Service KPIs from the logs: counted by the pipeline thread, recorded by the KPI thread.
  LogKpis log_kpis_;

  // Ingest thread state (ingest.cpp); set up by open_sources() before the thread starts.
  struct Ingest;
  std::unique_ptr<Ingest> ingest_state_;
};

/// The overload guard's checks that need the rest of the configuration (daemon_guard.cpp).
std::vector<std::string> guard_config_problems(const DaemonConfig& cfg);

/// Shared by the daemon's files.
core::TimeNs wall_now();
/// CLOCK_MONOTONIC in ns: intervals of the daemon's own (saves, rates).
core::TimeNs mono_now();
std::string target_text(const decide::Decision& d);

}  // namespace bannin::app
