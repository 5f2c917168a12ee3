#include <sqlite3.h>

#include <bannin/store/store.h>

namespace bannin::store {
namespace {

// Numbered migrations: migration N brings the file from version N-1 to N. Append only.
const char* const kMigrations[] = {
    // 1: the audit trail.
    R"sql(
CREATE TABLE findings (
  id INTEGER PRIMARY KEY,
  ts_ns BIGINT NOT NULL,
  rule TEXT NOT NULL,
  group_json TEXT NOT NULL,
  numbers_json TEXT NOT NULL
);
CREATE INDEX findings_ts ON findings(ts_ns);
CREATE TABLE evidence (
  finding_id BIGINT NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  line TEXT NOT NULL,
  PRIMARY KEY (finding_id, seq)
);
CREATE TABLE decisions (
  id INTEGER PRIMARY KEY,
  ts_ns BIGINT NOT NULL,
  rule TEXT NOT NULL,
  origin TEXT NOT NULL,
  action TEXT NOT NULL,
  scope TEXT NOT NULL,
  target_json TEXT NOT NULL,
  ttl_s BIGINT NOT NULL,
  expires_ns BIGINT NOT NULL,
  reason TEXT NOT NULL,
  state TEXT NOT NULL
);
CREATE INDEX decisions_state ON decisions(state);
CREATE TABLE decision_history (
  decision_id BIGINT NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
  ts_ns BIGINT NOT NULL,
  state TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE TABLE actions (
  id INTEGER PRIMARY KEY,
  decision_id BIGINT NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
  ts_ns BIGINT NOT NULL,
  actuator TEXT NOT NULL,
  result TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE TABLE checkpoints (
  source TEXT PRIMARY KEY,
  device BIGINT NOT NULL,
  inode BIGINT NOT NULL,
  offset_bytes BIGINT NOT NULL,
  head_hash TEXT NOT NULL,
  updated_ns BIGINT NOT NULL
);
)sql",
};
constexpr int kMigrationCount = sizeof kMigrations / sizeof kMigrations[0];
static_assert(kMigrationCount == Store::kSchemaVersion);

core::Error sql_error(sqlite3* db, const std::string& what) {
  return core::make_error("sqlite", what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "?"));
}

// A prepared statement that finalizes itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  [[nodiscard]] bool ok() const { return s_ != nullptr; }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  std::int64_t i64(int c) { return sqlite3_column_int64(s_, c); }
  std::string text(int c) {
    const auto* p = sqlite3_column_text(s_, c);
    return p != nullptr ? std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(s_, c)))
                        : std::string();
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

}  // namespace

core::Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    core::Error e = sql_error(db, path);
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<Store> s(new Store(db));
  sqlite3_busy_timeout(db, 5000);
  for (const char* pragma : {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=NORMAL;",
                             "PRAGMA foreign_keys=ON;"}) {
    if (auto r = s->exec(pragma); !r) return core::make_error("sqlite", path + ": " + r.error().message);
  }
  if (auto r = s->migrate(); !r) return core::make_error(r.error().code, path + ": " + r.error().message);
  return s;
}

Store::~Store() { sqlite3_close(db_); }

core::Result<bool> Store::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg != nullptr ? msg : "unknown error";
    sqlite3_free(msg);
    return core::make_error("sqlite", m);
  }
  return true;
}

int Store::schema_version() const {
  Stmt q(db_, "PRAGMA user_version;");
  return q.ok() && q.step() == SQLITE_ROW ? static_cast<int>(q.i64(0)) : -1;
}

core::Result<bool> Store::migrate() {
  int v = schema_version();
  if (v > kSchemaVersion) {
    return core::make_error("schema_too_new", "written by a newer bannin (schema " +
                                                  std::to_string(v) + ", this bannin knows " +
                                                  std::to_string(kSchemaVersion) + ")");
  }
  for (int n = v; n < kSchemaVersion; ++n) {
    // Each migration and its version bump commit together, or not at all.
    std::string sql = std::string("BEGIN;") + kMigrations[n] + "PRAGMA user_version=" +
                      std::to_string(n + 1) + ";COMMIT;";
    if (auto r = exec(sql.c_str()); !r) {
      (void)exec("ROLLBACK;");
      return core::make_error("migration", "migration " + std::to_string(n + 1) + ": " +
                                               r.error().message);
    }
  }
  return true;
}

core::Result<bool> Store::begin() { return exec("BEGIN;"); }
core::Result<bool> Store::commit() { return exec("COMMIT;"); }

core::Result<std::int64_t> Store::add_finding(const FindingRow& f) {
  Stmt q(db_, "INSERT INTO findings(ts_ns, rule, group_json, numbers_json) VALUES (?,?,?,?);");
  if (!q.ok() || q.bind(1, f.ts).bind(2, f.rule).bind(3, f.group_json).bind(4, f.numbers_json).step() !=
                     SQLITE_DONE) {
    return sql_error(db_, "add finding");
  }
  std::int64_t id = sqlite3_last_insert_rowid(db_);
  for (std::size_t i = 0; i < f.evidence.size(); ++i) {
    Stmt one(db_, "INSERT INTO evidence(finding_id, seq, line) VALUES (?,?,?);");
    if (!one.ok() || one.bind(1, id).bind(2, static_cast<std::int64_t>(i)).bind(3, f.evidence[i]).step() !=
                         SQLITE_DONE) {
      return sql_error(db_, "add evidence");
    }
  }
  return id;
}

core::Result<std::int64_t> Store::add_decision(const DecisionRow& d) {
  Stmt q(db_,
         "INSERT INTO decisions(ts_ns, rule, origin, action, scope, target_json, ttl_s, expires_ns,"
         " reason, state) VALUES (?,?,?,?,?,?,?,?,?,?);");
  if (!q.ok() || q.bind(1, d.ts)
                         .bind(2, d.rule)
                         .bind(3, d.origin)
                         .bind(4, d.action)
                         .bind(5, d.scope)
                         .bind(6, d.target_json)
                         .bind(7, d.ttl_s)
                         .bind(8, d.ts + d.ttl_s * core::kNsPerSec)
                         .bind(9, d.reason)
                         .bind(10, d.state)
                         .step() != SQLITE_DONE) {
    return sql_error(db_, "add decision");
  }
  std::int64_t id = sqlite3_last_insert_rowid(db_);
  Stmt h(db_, "INSERT INTO decision_history(decision_id, ts_ns, state, note) VALUES (?,?,?,?);");
  if (!h.ok() || h.bind(1, id).bind(2, d.ts).bind(3, d.state).bind(4, std::string("created")).step() !=
                     SQLITE_DONE) {
    return sql_error(db_, "add decision history");
  }
  return id;
}

core::Result<bool> Store::change_state(const StateChange& c) {
  Stmt u(db_, "UPDATE decisions SET state = ? WHERE id = ?;");
  if (!u.ok() || u.bind(1, c.state).bind(2, c.decision_id).step() != SQLITE_DONE) {
    return sql_error(db_, "change state");
  }
  if (sqlite3_changes(db_) == 0) {
    return core::make_error("not_found", "no decision " + std::to_string(c.decision_id));
  }
  Stmt h(db_, "INSERT INTO decision_history(decision_id, ts_ns, state, note) VALUES (?,?,?,?);");
  if (!h.ok() || h.bind(1, c.decision_id).bind(2, c.ts).bind(3, c.state).bind(4, c.note).step() !=
                     SQLITE_DONE) {
    return sql_error(db_, "change state history");
  }
  return true;
}

core::Result<std::vector<DecisionRow>> Store::decisions(const std::string& state) {
  Stmt q(db_, state.empty()
                  ? "SELECT id, ts_ns, rule, origin, action, scope, target_json, ttl_s, reason, state"
                    " FROM decisions ORDER BY id;"
                  : "SELECT id, ts_ns, rule, origin, action, scope, target_json, ttl_s, reason, state"
                    " FROM decisions WHERE state = ? ORDER BY id;");
  if (!q.ok()) return sql_error(db_, "list decisions");
  if (!state.empty()) q.bind(1, state);
  std::vector<DecisionRow> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    DecisionRow d;
    d.id = q.i64(0);
    d.ts = q.i64(1);
    d.rule = q.text(2);
    d.origin = q.text(3);
    d.action = q.text(4);
    d.scope = q.text(5);
    d.target_json = q.text(6);
    d.ttl_s = q.i64(7);
    d.reason = q.text(8);
    d.state = q.text(9);
    out.push_back(std::move(d));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "list decisions");
  return out;
}

core::Result<std::vector<StateChange>> Store::history(std::int64_t decision_id) {
  Stmt q(db_, "SELECT ts_ns, state, note FROM decision_history WHERE decision_id = ? ORDER BY rowid;");
  if (!q.ok()) return sql_error(db_, "history");
  q.bind(1, decision_id);
  std::vector<StateChange> out;
  while (q.step() == SQLITE_ROW) out.push_back({decision_id, q.i64(0), q.text(1), q.text(2)});
  return out;
}

core::Result<std::int64_t> Store::count(const std::string& table) {
  for (const char* t : {"findings", "evidence", "decisions", "decision_history", "actions", "checkpoints"}) {
    if (table == t) {
      Stmt q(db_, ("SELECT COUNT(*) FROM " + table + ";").c_str());
      if (!q.ok() || q.step() != SQLITE_ROW) return sql_error(db_, "count " + table);
      return q.i64(0);
    }
  }
  return core::make_error("unknown_table", table);
}

core::Result<std::int64_t> Store::prune_findings(core::TimeNs before) {
  Stmt q(db_, "DELETE FROM findings WHERE ts_ns < ?;");
  if (!q.ok() || q.bind(1, before).step() != SQLITE_DONE) return sql_error(db_, "prune findings");
  return static_cast<std::int64_t>(sqlite3_changes(db_));
}

// ---------------------------------------------------------------------------------------

StoreWriter::StoreWriter(std::unique_ptr<Store> store, std::size_t capacity, std::size_t batch)
    : store_(std::move(store)), capacity_(capacity), batch_(batch), thread_([this] { run(); }) {}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool StoreWriter::push(Item item) {
  {
    std::lock_guard lk(mu_);
    if (queue_.size() >= capacity_) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(item));
    ++pushed_;
  }
  cv_.notify_one();
  return true;
}

void StoreWriter::flush() {
  std::unique_lock lk(mu_);
  std::uint64_t target = pushed_;
  done_cv_.wait(lk, [&] { return written_ + failed_ >= target; });
}

std::uint64_t StoreWriter::written() const {
  std::lock_guard lk(mu_);
  return written_;
}
std::uint64_t StoreWriter::dropped() const {
  std::lock_guard lk(mu_);
  return dropped_;
}
std::uint64_t StoreWriter::failed() const {
  std::lock_guard lk(mu_);
  return failed_;
}
std::string StoreWriter::last_error() const {
  std::lock_guard lk(mu_);
  return last_error_;
}

void StoreWriter::run() {
  std::vector<Item> batch;
  while (true) {
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty() && stop_) return;
      while (!queue_.empty() && batch.size() < batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // One transaction per batch; an item SQLite refuses is counted, the rest still commit.
    std::uint64_t ok = 0, bad = 0;
    std::string err;
    try {
      (void)store_->begin();
      for (Item& it : batch) {
        bool good = std::visit(
            [&](auto& row) -> bool {
              using T = std::decay_t<decltype(row)>;
              if constexpr (std::is_same_v<T, FindingRow>) {
                auto r = store_->add_finding(row);
                if (!r) err = r.error().message;
                return static_cast<bool>(r);
              } else if constexpr (std::is_same_v<T, DecisionRow>) {
                auto r = store_->add_decision(row);
                if (!r) err = r.error().message;
                return static_cast<bool>(r);
              } else {
                auto r = store_->change_state(row);
                if (!r) err = r.error().message;
                return static_cast<bool>(r);
              }
            },
            it);
        (good ? ok : bad) += 1;
      }
      if (auto r = store_->commit(); !r) {
        err = r.error().message;
        bad += ok;
        ok = 0;
      }
    } catch (const std::exception& e) {  // a worker loop survives anything (STYLE §3)
      err = e.what();
      bad = batch.size();
      ok = 0;
    }
    batch.clear();
    {
      std::lock_guard lk(mu_);
      written_ += ok;
      failed_ += bad;
      if (!err.empty()) last_error_ = err;
    }
    done_cv_.notify_all();
  }
}

}  // namespace bannin::store
