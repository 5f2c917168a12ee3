// Store: bannin's audit trail and memory, in SQLite (WAL mode, one file, no server).
// Findings with their evidence lines, Decisions with the full history of their state
// (proposed -> active -> expired / revoked / failed), Actions with their results, and source
// checkpoints. Numbered migrations bring any older file up to date; a file written by a newer
// bannin is refused rather than damaged. The SQL is plain (no SQLite-only syntax outside this
// file's implementation) so a PostgreSQL backend can follow. docs/store.md describes the
// tables, the lifecycle, retention and the writer's failure behaviour.
//
// Threading: a Store is used by one thread at a time (it is not locked). StoreWriter (below)
// owns a Store on its own thread and takes writes from any thread through a bounded queue.
// Several processes may open the same file (WAL: readers never block the writer; writers
// wait up to 5 s for each other).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/core/time.h>

struct sqlite3;
struct sqlite3_stmt;

namespace bannin::store {

/// The schema this bannin writes (the number of migrations it knows).
inline constexpr int kSchemaVersion = 9;

// --- decision lifecycle ------------------------------------------------------------------
// proposed -> active -> expired | revoked | failed. "proposed" and "active" are alive; a
// decision is in force while alive and not past its expiry. expired and revoked are final;
// failed may still become active (a retried action that succeeded) or revoked/expired.

/// One of proposed, active, expired, revoked, failed.
[[nodiscard]] bool is_state(std::string_view state) noexcept;
/// expired, revoked or failed: the decision has an end time (`ended`) and retention may
/// delete it.
[[nodiscard]] bool is_ended_state(std::string_view state) noexcept;

/// The canonical lookup key of a target: an address or prefix in act's canonical text
/// ("192.0.2.7", "2001:db8::/48", host bits cleared), anything else unchanged. Used for what
/// a person types (`bannin decisions revoke TARGET`, DELETE /api/v1/decisions/TARGET).
[[nodiscard]] std::string canonical_target_key(std::string_view text);
/// The key of a decision's target from its scope and target_json (as replay writes it):
/// ip/prefix -> canonical_target_key of the address; vhost_path -> "[METHOD ]vhost/path";
/// vhost -> the vhost; anything unreadable -> target_json itself.
[[nodiscard]] std::string target_key_of(std::string_view scope, std::string_view target_json);

// --- rows ----------------------------------------------------------------------------------

struct FindingRow {
  core::TimeNs ts = 0;
  std::string rule;
  std::string group_json;    ///< {"src_ip":"…"} as written by replay
  std::string numbers_json;  ///< {"count()":12}
  std::vector<std::string> evidence;
  /// Set by the store when 0; the daemon gives its own (from max_finding_id()) so that the
  /// decisions queued after a finding can name it (DecisionRow::finding_id).
  std::int64_t id = 0;
  /// The site and hosting account the finding is about (the group's fields, else the event
  /// that fired it; "" when unknown): filters of GET /api/v1/findings (schema 9).
  std::string vhost = {};
  std::string account = {};
};

struct DecisionRow {
  /// Set by the store. A non-zero id given to add_decision is used as is (the daemon
  /// allocates ids from max_decision_id() so that later queued items can refer to them).
  std::int64_t id = 0;
  core::TimeNs ts = 0;
  std::string rule, origin = "rule", action, scope;
  std::string target_json;  ///< {"ip":"…"} / {"prefix":…} / {"vhost":…,"path":…}
  /// Canonical target text for lookups; derived by add_decision (target_key_of) when empty.
  std::string target_key;
  std::int64_t ttl_s = 0;
  std::string reason;
  std::string state = "proposed";
  core::TimeNs expires = 0;  ///< read back: ts + ttl_s (ignored by add_decision)
  core::TimeNs ended = 0;    ///< read back: when it became expired/revoked/failed; 0 = alive
  /// The finding that caused it (schema 9); 0 for a person's decision or an older row.
  std::int64_t finding_id = 0;
};

struct StateChange {
  std::int64_t decision_id = 0;
  core::TimeNs ts = 0;
  std::string state;  ///< active | expired | revoked | failed
  std::string note;
};

/// One actuator call for one decision and what came of it (act::ActionResult).
struct ActionRow {
  std::int64_t decision_id = 0;
  core::TimeNs ts = 0;
  std::string actuator;  ///< "nftables", "recording", …
  std::string result;    ///< act::outcome_name: "applied", "revoked", "failed", …
  std::string detail;
};

/// One outcome of a notice delivery attempt (notify::Delivery): "pending" after a failed
/// attempt that will be retried, then "sent", "failed" or "observed" (observe mode's file).
struct NoticeDeliveryRow {
  std::int64_t notice_id = 0;
  core::TimeNs ts = 0;
  std::string kind;       ///< incident | digest
  std::string language;   ///< ja | en
  std::string incidents;  ///< incident ids, "3,4"
  std::string channel;    ///< smtp | webhook | syslog | recording
  std::string recipient;  ///< e-mail address; "" for webhook and syslog
  std::string subject;
  std::string state;
  std::uint32_t attempts = 0;
  std::string error;
};

/// Where a source stopped (source::Checkpoint plus its id and time). Given to a
/// StoreWriter with an empty `source`, it is a commit point only: nothing is stored, but in
/// commit_at_checkpoints mode what was queued before it may commit (the daemon's act thread
/// and API use it for rows that belong to no source line).
struct CheckpointRow {
  std::string source;  ///< text id of the source, e.g. the file path
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t offset = 0;  ///< at most INT64_MAX
  std::uint64_t head_hash = 0;
  core::TimeNs updated_ts = 0;
  /// A source resumed by a cursor instead (the journal): stored in table source_cursors, and
  /// device/inode/offset/head_hash are unused.
  std::string cursor = {};
  bool operator==(const CheckpointRow&) const = default;
};

/// A checkpoint row that could not be used, located for the operator.
struct CheckpointProblem {
  std::int64_t row = 0;  ///< the row's number in the table (SQLite rowid)
  std::string source;    ///< as stored ("" when NULL)
  std::string
      message;  ///< "checkpoints row 3 (source "/var/log/x"): offset_bytes is negative (-5)"
};

struct CheckpointLoad {
  std::vector<CheckpointRow> rows;          ///< the good rows, by source
  std::vector<CheckpointProblem> problems;  ///< one per bad row (skipped)
};

/// The latest result of one domain-probe check (table domain_checks; one row per key,
/// replaced on every probe round). The key is (subject, check, source_key): source_key is the
/// DNSBL zone for dnsbl results and "" for the others (their worst result stands for the check).
struct DomainCheckRow {
  std::string subject;  ///< domain (lower-case) or IP address
  std::string check;    ///< delegation, child, resolver, rdap, dnsbl, ...
  std::string source_key;
  std::string state;     ///< the confirmed state (docs/check.md)
  std::string severity;  ///< ok, info, warning, unknown, critical
  std::string source;    ///< the server, resolver or list that answered
  std::string detail;
  core::TimeNs since = 0;    ///< when this state was confirmed
  core::TimeNs checked = 0;  ///< the last round that saw it
};

/// A confirmed change of state of one domain-probe check (table domain_history): written
/// only when a check's state changes, so a domain's rows are its timeline.
struct DomainChangeRow {
  core::TimeNs ts = 0;          ///< when the change was confirmed
  core::TimeNs first_seen = 0;  ///< when the new state was first seen (before re-confirmation)
  std::string subject, check, source_key;
  std::string previous;  ///< the state before ("" when the check had none yet)
  std::string state, severity, source, detail;
};

/// A decision with its state history, oldest change first (exports, the API).
/// A CrowdSec bouncer allowed to read the decision stream (`bannin bouncers add`). Only the
/// SHA-256 of its key is kept. `cursor` is how far into the decision history it has read
/// (decision_history rowid), kept across restarts: a bouncer never asks for a resync.
struct BouncerRow {
  std::string name;
  std::string key_hash;  ///< lower-case hex SHA-256 of the key
  core::TimeNs created = 0;
  core::TimeNs last_pull = 0;  ///< 0 = never polled
  std::int64_t cursor = 0;
};

/// One bouncer-visible decision target in force: an ip or prefix decision in state active,
/// the longest of them when several cover the same target.
struct ActiveTarget {
  std::int64_t id = 0;  ///< the decision that ends last
  std::string scope;    ///< ip | prefix
  std::string target_key;
  std::string rule;
  std::string origin;
  core::TimeNs expires = 0;
};

/// A file in quarantine, or one that was (table quarantine; act/quarantine/quarantine.h says
/// what the fields mean). `state` moves quarantined -> restored | purged, once.
struct QuarantineRow {
  std::int64_t id = 0;  ///< set by the store
  core::TimeNs ts = 0;
  std::string path, stored_path;
  std::string method;  ///< chmod | move
  std::int64_t old_mode = 0, uid = 0, gid = 0, size = 0;
  core::TimeNs mtime = 0;
  std::string sha256, reason, origin;
  std::int64_t decision_id = 0;
  std::string state = "quarantined";
  core::TimeNs state_ts = 0;  ///< when `state` was set
};

/// One audit row of the quarantine (table quarantine_history): every quarantine, restore and
/// purge, and every attempt that failed or was refused, with who asked.
struct QuarantineEventRow {
  std::int64_t quarantine_id = 0;  ///< 0 when nothing was quarantined
  core::TimeNs ts = 0;
  std::string action;  ///< quarantine | restore | purge
  std::string result;  ///< ok | failed | refused
  std::string actor;   ///< rule id, "person" (the CLI) and the user name
  std::string path, detail;
};

/// One action of the process probe on a process (table process_actions): a stop (SIGSTOP),
/// a continue (SIGCONT), a kill, or a failure to do one.
struct ProcessActionRow {
  std::int64_t id = 0;  ///< set by the store
  core::TimeNs ts = 0;
  std::int64_t pid = 0, uid = 0;
  std::int64_t start_ticks = 0;  ///< /proc/PID/stat field 22: tells a reused pid apart
  std::string account, exe, command;
  std::string action;  ///< stop | cont | kill
  std::string result;  ///< ok | failed
  std::string actor, detail;
};

struct DecisionRecord {
  DecisionRow decision;
  std::vector<StateChange> history;
};
// --- findings for the API (store/finding_rows.cpp; GET /api/v1/findings, /incidents) ------

/// Which findings to read. Every filter is optional; rows come newest id first.
struct FindingFilter {
  std::string rule;                                              ///< exact rule id
  core::TimeNs from = std::numeric_limits<core::TimeNs>::min();  ///< ts_ns >= from
  core::TimeNs to = std::numeric_limits<core::TimeNs>::max();    ///< ts_ns <= to
  std::string text;            ///< a substring of the group (group_json), ASCII case-insensitive
  std::string vhost;           ///< exact
  std::string account;         ///< exact
  std::int64_t before_id = 0;  ///< only ids below it (a page cursor); 0 = no bound
  std::size_t limit = 100;
};

/// A finding as read back (evidence only when asked for).
struct StoredFinding {
  std::int64_t id = 0;
  core::TimeNs ts = 0;
  std::string rule, group_json, numbers_json, vhost, account;
  std::vector<std::string> evidence;
};

/// Retention, in days; 0 (or less) keeps that table forever.
struct RetentionPolicy {
  int findings_days = 30;    ///< findings and their evidence, by finding time
  int decisions_days = 365;  ///< ended decisions only, by end time (with history and actions)
  int actions_days = 90;     ///< actions of decisions that are no longer alive, by action time
};

/// Rows deleted per table by prune().
struct PruneReport {
  std::int64_t findings = 0, evidence = 0, decisions = 0, history = 0, actions = 0;
  std::int64_t notice_deliveries = 0;
};

struct OpenOptions {
  /// false: a missing file is an error (code "store_missing") instead of a new store.
  bool create = true;
  /// Migrate up to this version only (tests build files of older versions with it).
  int migrate_to = kSchemaVersion;
};

// --- the store ---------------------------------------------------------------------------

/// One connection to the store file (stage: store). Owned by whoever opened it: the
/// StoreWriter's thread, the daemon's reader, the CLI; used by one thread at a time.
/// Error codes: "storage" (disk full, I/O error, busy, read-only: worth retrying), "constraint"
/// (a row SQLite refuses, e.g. an action for no decision or a duplicate id), "not_found",
/// "bad_state", "bad_transition", "bad_decision" (negative ttl or id), "bad_checkpoint",
/// "store_missing", "schema_too_new", "migration", "sqlite" (anything else). Messages name the
/// file or the row.
class Store {
 public:
  /// Opens (creating if needed and allowed) and migrates.
  static core::Result<std::unique_ptr<Store>> open(const std::string& path,
                                                   const OpenOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  static constexpr int kSchemaVersion = store::kSchemaVersion;
  [[nodiscard]] int schema_version() const;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  // Transactions. Every write below is atomic on its own; begin/commit group many.
  core::Result<bool> begin();
  core::Result<bool> commit();
  /// Rolls back the open transaction; does nothing when none is open (SQLite may already have
  /// rolled back after disk full or an I/O error).
  void rollback();
  [[nodiscard]] bool in_transaction() const;

  core::Result<std::int64_t> add_finding(const FindingRow& f);
  /// Inserts the decision and its first history row (state, note "created").
  core::Result<std::int64_t> add_decision(const DecisionRow& d);
  /// Moves decision `id` to `state` and appends the history row, atomically. Errors:
  /// not_found, bad_state (not a state name), bad_transition (from expired or revoked).
  core::Result<bool> set_state(std::int64_t id, std::string_view state, core::TimeNs ts,
                               std::string_view note);
  core::Result<bool> change_state(const StateChange& c) {
    return set_state(c.decision_id, c.state, c.ts, c.note);
  }
  core::Result<std::int64_t> add_action(const ActionRow& a);
  core::Result<std::int64_t> add_notice_delivery(const NoticeDeliveryRow& n);
  /// Insert or replace the checkpoint of `source`.
  core::Result<bool> save_checkpoint(const CheckpointRow& c);
  /// Every usable checkpoint; a row with NULLs, wrong types, a negative offset or a head
  /// hash that is not a number is reported in `problems` and skipped.
  core::Result<CheckpointLoad> load_checkpoints();

  /// Decisions whose state is `state` (all when empty), oldest first.
  core::Result<std::vector<DecisionRow>> decisions(const std::string& state = {});
  /// Alive (proposed or active) and expires > now, oldest first.
  core::Result<std::vector<DecisionRow>> in_force(core::TimeNs now);
  /// Alive and expires <= now: what the expiry sweep must end, oldest expiry first.
  core::Result<std::vector<DecisionRow>> due(core::TimeNs now);
  /// In force (as in_force) on exactly this target key (see canonical_target_key).
  core::Result<std::vector<DecisionRow>> find_in_force(std::string_view target_key,
                                                       core::TimeNs now);
  /// One decision; error not_found when there is none.
  core::Result<DecisionRow> decision(std::int64_t id);
  /// The highest decision id (0 for none).
  core::Result<std::int64_t> max_decision_id();
  core::Result<std::vector<StateChange>> history(std::int64_t decision_id);
  core::Result<std::vector<ActionRow>> actions(std::int64_t decision_id);
  /// decisions(state) with each one's history.
  core::Result<std::vector<DecisionRecord>> decisions_with_history(const std::string& state = {});
  core::Result<std::int64_t> count(const std::string& table);

  /// Insert or replace the latest result of a domain-probe check.
  core::Result<bool> save_domain_check(const DomainCheckRow& r);
  core::Result<std::int64_t> add_domain_change(const DomainChangeRow& r);
  /// Latest results (of `subject`, or all when empty), by subject, check, source_key.
  core::Result<std::vector<DomainCheckRow>> domain_checks(const std::string& subject = {});
  /// Changes of `subject` (all when empty), oldest first; at most `limit` (the newest).
  core::Result<std::vector<DomainChangeRow>> domain_changes(const std::string& subject = {},
                                                            std::size_t limit = 1000);

  // --- CrowdSec bouncers (api/lapi.h) ---
  /// Error "conflict" when the name is taken (or the key already belongs to a bouncer).
  core::Result<bool> add_bouncer(const BouncerRow& b);
  core::Result<std::vector<BouncerRow>> bouncers();
  /// Error "not_found" when there is no such bouncer.
  core::Result<bool> delete_bouncer(const std::string& name);
  /// The bouncer with that key hash; not_found when none.
  core::Result<BouncerRow> bouncer_by_hash(const std::string& key_hash);
  core::Result<bool> save_bouncer_pull(const std::string& name, core::TimeNs last_pull,
                                       std::int64_t cursor);
  /// The newest decision_history row number (0 when empty): a stream cursor.
  core::Result<std::int64_t> history_head();
  /// Targets (ip/prefix scopes) whose decisions changed after history row `cursor`, up to
  /// row `head`; sorted, each once, with the newest decision's id, rule and origin
  /// (`expires` is not set).
  core::Result<std::vector<ActiveTarget>> changed_targets(std::int64_t cursor, std::int64_t head);
  /// Active ip/prefix targets not expired at `now`, one per target (the longest decision);
  /// only `target_key` when it is given.
  core::Result<std::vector<ActiveTarget>> active_targets(core::TimeNs now,
                                                         const std::string& target_key = {});

  // --- quarantine of files (act/quarantine/) and process actions (probe/process/) ---
  // (store/quarantine_rows.cpp)
  /// Inserts the entry (state quarantined) and its audit row "quarantine ok"; returns its id.
  core::Result<std::int64_t> add_quarantine(const QuarantineRow& q, const std::string& actor);
  /// Entries, newest first; only those in `state` when it is given.
  core::Result<std::vector<QuarantineRow>> quarantines(const std::string& state = {});
  /// One entry; not_found when there is none.
  core::Result<QuarantineRow> quarantine(std::int64_t id);
  /// The newest entry for `path`; not_found when there is none.
  core::Result<QuarantineRow> last_quarantine(const std::string& path);
  /// Moves entry `id` from quarantined to `state` (restored | purged) with its audit row, in
  /// one transaction. Errors: not_found, bad_transition (not in state quarantined).
  core::Result<bool> end_quarantine(std::int64_t id, const std::string& state, core::TimeNs ts,
                                    const std::string& actor, const std::string& detail);
  core::Result<std::int64_t> add_quarantine_event(const QuarantineEventRow& e);
  /// Audit rows of entry `id` (all when 0), oldest first.
  core::Result<std::vector<QuarantineEventRow>> quarantine_events(std::int64_t id = 0);
  core::Result<std::int64_t> add_process_action(const ProcessActionRow& a);
  /// Newest first, at most `limit`.
  core::Result<std::vector<ProcessActionRow>> process_actions(std::size_t limit = 1000);
  // --- findings for the API (store/finding_rows.cpp; the decisions and sources of findings
  // and decision_states_version in store/decision_rows.cpp) ---
  /// Findings matching `filter`, newest id first, at most filter.limit.
  core::Result<std::vector<StoredFinding>> findings(const FindingFilter& filter,
                                                    bool with_evidence);
  /// The findings of one rule and group (exact group_json) with ts in [from, to], oldest first,
  /// at most `limit`.
  core::Result<std::vector<StoredFinding>> group_findings(const std::string& rule,
                                                          const std::string& group_json,
                                                          core::TimeNs from, core::TimeNs to,
                                                          std::size_t limit);
  /// Evidence lines of the given findings (into each one's `evidence`, in order).
  core::Result<bool> load_evidence(std::vector<StoredFinding>& findings);
  /// Decisions caused by the given findings (DecisionRow::finding_id), oldest first.
  core::Result<std::vector<DecisionRow>> decisions_of_findings(
      const std::vector<std::int64_t>& finding_ids);
  /// (finding id, target key) of the ip-scope decisions of the given findings: the sources a
  /// campaign decided on, without reading whole decision rows.
  core::Result<std::vector<std::pair<std::int64_t, std::string>>> finding_sources(
      const std::vector<std::int64_t>& finding_ids);
  /// Changes when findings or decisions are added or removed (not on state changes): the
  /// highest finding id, the number of findings and the highest decision id, as one text.
  core::Result<std::string> findings_version();
  /// Changes whenever a decision's state changes (every change is a decision_history row):
  /// with findings_version(), what a rendered incidents page depends on in the store.
  core::Result<std::int64_t> decision_states_version();
  /// The highest finding id in use: of findings and of decisions.finding_id (so that an id
  /// handed out again after retention cannot point old decisions at a new finding).
  core::Result<std::int64_t> max_finding_id();

  /// Retention (see RetentionPolicy), in one transaction. Never deletes a decision that is
  /// alive, nor the actions of one.
  core::Result<PruneReport> prune(const RetentionPolicy& policy, core::TimeNs now);
  /// Deletes findings (with evidence) older than `before`.
  core::Result<std::int64_t> prune_findings(core::TimeNs before);

  /// Caps the file at about `bytes` (SQLite max_page_count, this connection only; never below
  /// the current size, so 1 means "full now"); 0 removes the cap. Writes beyond it fail with
  /// a "storage" error, as on a full disk.
  core::Result<bool> set_size_limit(std::uint64_t bytes);

 private:
  Store(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  core::Result<bool> exec(const char* sql);
  core::Result<bool> migrate(int to);
  core::Result<bool> backfill_target_keys();
  core::Result<bool> backfill_finding_sites();
  /// The prepared statement for a string literal, kept for the Store's lifetime (the write
  /// paths run the same few statements millions of times). Never used by two callers at once.
  sqlite3_stmt* cached(const char* sql);
  sqlite3* db_;
  std::string path_;
  std::unordered_map<const char*, sqlite3_stmt*> stmts_;
};

// --- the writer thread -------------------------------------------------------------------

struct WriterOptions {
  /// Items accepted and not yet committed (queued, or in a batch being written or retried).
  std::size_t capacity = 65536;
  /// Items per transaction in batch mode.
  std::size_t batch = 1024;
  /// Commit only right after a CheckpointRow (or at flush() and destruction), so the rows
  /// produced from a source's lines and the checkpoint past those lines land in one
  /// transaction (the daemon's exactly-once rule). When `capacity` items are waiting with no
  /// checkpoint among them they are committed anyway (counted in early_commits()).
  bool commit_at_checkpoints = false;
  /// After a failed commit: wait retry_initial, doubling up to retry_max, then retry.
  std::chrono::milliseconds retry_initial{1000};
  std::chrono::milliseconds retry_max{30000};
};

/// Owns a Store on a writer thread (stage: store; owner: the daemon or `bannin replay`).
///
/// Thread-safety: push, push_wait, flush, flush_for, set_size_limit and every counter may be
/// called from any thread at any time; only the writer thread touches the Store. push()
/// never blocks on I/O: when `capacity` items are waiting the item is dropped and counted
/// (`dropped()`), as every queue in bannin; push_wait() waits up to its limit for room.
///
/// Failures: an item SQLite refuses on its own (an action for no decision, a state change
/// of an unknown decision) is counted in failed() and the rest of its batch commits. A
/// storage failure (disk full, I/O error, lock timeout) rolls the whole transaction back;
/// the batch is kept and retried with backoff, healthy() is false and last_error() says why
/// until a commit succeeds. Meanwhile pushes are accepted up to capacity. At destruction a
/// failing batch gets one last attempt; what still cannot be written is counted in failed().
class StoreWriter {
 public:
  using Item = std::variant<FindingRow, DecisionRow, StateChange, ActionRow, CheckpointRow,
                            DomainCheckRow, DomainChangeRow, NoticeDeliveryRow>;
  StoreWriter(std::unique_ptr<Store> store, std::size_t capacity = 65536, std::size_t batch = 1024);
  StoreWriter(std::unique_ptr<Store> store, const WriterOptions& options);
  ~StoreWriter();  ///< commits what is queued (one last attempt when failing) and stops
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  /// Queues the item; false (dropped, counted) when `capacity` items are waiting.
  bool push(Item item);
  /// As push, but waits up to max_wait for room before dropping.
  bool push_wait(Item item, std::chrono::milliseconds max_wait);
  /// Commits everything pushed so far (in checkpoint mode too) and waits for it. Returns
  /// true when all of it is committed (or refused row by row); false as soon as a commit
  /// attempt fails (a failing store is retried at once for a flush): the items stay queued and
  /// are retried with backoff, healthy() is false and last_error() says why.
  bool flush();
  /// As flush, waiting at most max_wait (false on timeout too).
  [[nodiscard]] bool flush_for(std::chrono::milliseconds max_wait);
  /// Switches WriterOptions::commit_at_checkpoints (takes effect for the next transaction).
  void set_commit_at_checkpoints(bool on);
  /// Store::set_size_limit, applied on the writer thread before its next attempt (which it
  /// triggers at once).
  void set_size_limit(std::uint64_t bytes);

  [[nodiscard]] std::size_t depth() const;  ///< accepted, not yet committed
  [[nodiscard]] std::size_t capacity() const noexcept { return options_.capacity; }
  [[nodiscard]] std::uint64_t written() const;
  [[nodiscard]] std::uint64_t dropped() const;
  [[nodiscard]] std::uint64_t failed() const;   ///< items refused, or lost at shutdown
  [[nodiscard]] std::uint64_t retries() const;  ///< failed commit attempts
  [[nodiscard]] std::uint64_t commits() const;
  [[nodiscard]] std::uint64_t early_commits() const;
  [[nodiscard]] bool healthy() const;
  [[nodiscard]] std::string last_error() const;

 private:
  struct Attempt {
    bool ok = false;
    std::uint64_t written = 0, refused = 0;
    std::string error;  ///< the storage failure, or the last refusal
  };
  void run();
  Attempt write_batch(std::vector<Item>& batch);
  bool ready_locked() const;
  std::size_t take_count_locked(bool& early) const;

  std::unique_ptr<Store> store_;
  WriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;       // wakes the writer
  std::condition_variable done_cv_;  // wakes flush() and push_wait()
  std::deque<Item> queue_;
  bool stop_ = false;
  std::uint64_t pushed_ = 0;           // items accepted (the n-th has sequence number n)
  std::uint64_t taken_ = 0;            // items taken from the queue by the writer
  std::uint64_t done_ = 0;             // items committed, refused or lost
  std::uint64_t last_checkpoint_ = 0;  // sequence number of the last CheckpointRow accepted
  std::uint64_t flush_to_ = 0;         // flush() wants everything up to here committed
  bool retry_now_ = false;             // cut the backoff short (flush, new size limit)
  std::uint64_t written_ = 0, dropped_ = 0, failed_ = 0, retries_ = 0, commits_ = 0,
                early_commits_ = 0;
  bool healthy_ = true;
  std::string last_error_;
  std::optional<std::uint64_t> size_limit_;  // to apply on the writer thread
  std::thread thread_;
};

}  // namespace bannin::store
