// Store: bannin's audit trail and memory, in SQLite (WAL mode, one file, no server).
// Findings with their evidence lines, Decisions with the full history of their state
// (proposed -> active -> expired / revoked / failed), Actions with their results, and source
// checkpoints. Numbered migrations bring any older file up to date; a file written by a newer
// bannin is refused rather than damaged. The SQL is plain (no SQLite-only syntax outside this
// file's implementation) so a PostgreSQL backend can follow.
//
// Threading: a Store is used by one thread. StoreWriter (below) owns a Store on its own
// thread and takes writes from any thread through a bounded queue, committing in batches.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/core/time.h>

struct sqlite3;

namespace bannin::store {

struct FindingRow {
  core::TimeNs ts = 0;
  std::string rule;
  std::string group_json;    ///< {"src_ip":"…"} as written by replay
  std::string numbers_json;  ///< {"count()":12}
  std::vector<std::string> evidence;
};

struct DecisionRow {
  std::int64_t id = 0;  ///< set by the store
  core::TimeNs ts = 0;
  std::string rule, origin = "rule", action, scope;
  std::string target_json;   ///< {"ip":"…"} / {"prefix":…} / {"vhost":…,"path":…}
  std::int64_t ttl_s = 0;
  std::string reason;
  std::string state = "proposed";
};

struct StateChange {
  std::int64_t decision_id = 0;
  core::TimeNs ts = 0;
  std::string state;  ///< active | expired | revoked | failed
  std::string note;
};

class Store {
 public:
  /// Opens (creating if needed) and migrates. Errors name the file and the SQLite message.
  static core::Result<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  static constexpr int kSchemaVersion = 1;
  [[nodiscard]] int schema_version() const;

  core::Result<bool> begin();
  core::Result<bool> commit();
  core::Result<std::int64_t> add_finding(const FindingRow& f);
  core::Result<std::int64_t> add_decision(const DecisionRow& d);
  core::Result<bool> change_state(const StateChange& c);
  /// Decisions whose latest state is `state` (all when empty), oldest first.
  core::Result<std::vector<DecisionRow>> decisions(const std::string& state = {});
  core::Result<std::vector<StateChange>> history(std::int64_t decision_id);
  core::Result<std::int64_t> count(const std::string& table);
  /// Retention: deletes findings (with evidence) older than `before`.
  core::Result<std::int64_t> prune_findings(core::TimeNs before);

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  core::Result<bool> exec(const char* sql);
  core::Result<bool> migrate();
  sqlite3* db_;
};

/// Owns a Store on a writer thread. push() never blocks the pipeline: when the bounded queue
/// is full the item is dropped and counted (`dropped()`), as every queue in bannin.
class StoreWriter {
 public:
  using Item = std::variant<FindingRow, DecisionRow, StateChange>;
  StoreWriter(std::unique_ptr<Store> store, std::size_t capacity = 65536,
              std::size_t batch = 1024);
  ~StoreWriter();  ///< drains the queue and commits
  bool push(Item item);
  void flush();  ///< blocks until everything pushed so far is committed
  [[nodiscard]] std::uint64_t written() const;
  [[nodiscard]] std::uint64_t dropped() const;
  [[nodiscard]] std::uint64_t failed() const;  ///< items SQLite refused (disk full …)
  [[nodiscard]] std::string last_error() const;

 private:
  void run();
  std::unique_ptr<Store> store_;
  std::size_t capacity_, batch_;
  mutable std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::deque<Item> queue_;
  bool stop_ = false;
  std::uint64_t pushed_ = 0, written_ = 0, dropped_ = 0, failed_ = 0;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace bannin::store
