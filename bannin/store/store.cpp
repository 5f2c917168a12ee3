#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <filesystem>
#include <limits>
#include <system_error>
#include <tuple>

#include <sqlite3.h>

#include <bannin/core/ip_prefix.h>
#include <bannin/store/json_scan.h>
#include <bannin/store/store.h>

namespace bannin::store {
namespace {

// Numbered migrations: migration N brings the file from version N-1 to N. Append only; never
// edit one that has shipped. Plain SQL that PostgreSQL also runs (BIGINT, TEXT, ALTER TABLE
// ADD COLUMN, CREATE/DROP INDEX, correlated subqueries); the SQLite-specific parts (PRAGMAs,
// rowid, user_version) stay in the backend code below.
constexpr const char* kMigrations[] = {
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
    // 2: the decision lifecycle. target_key (canonical target text, filled for older rows
    // by Store::backfill_target_keys in the same transaction), ended_ns (when the decision
    // became expired/revoked/failed; NULL while alive), and the indexes that in_force/due,
    // target lookups, retention and history reads use.
    R"sql(
ALTER TABLE decisions ADD COLUMN target_key TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN ended_ns BIGINT;
DROP INDEX decisions_state;
CREATE INDEX decisions_state_expires ON decisions(state, expires_ns);
CREATE INDEX decisions_target_key ON decisions(target_key);
CREATE INDEX decisions_ended ON decisions(ended_ns);
CREATE INDEX decision_history_decision ON decision_history(decision_id);
CREATE INDEX actions_decision ON actions(decision_id);
CREATE INDEX actions_ts ON actions(ts_ns);
UPDATE decisions SET ended_ns = COALESCE(
  (SELECT MAX(h.ts_ns) FROM decision_history h WHERE h.decision_id = decisions.id), ts_ns)
  WHERE state IN ('expired', 'revoked', 'failed');
)sql",
    // 3: the domain probe (bannin run, `domains:`). domain_checks holds the latest result per
    // check (replaced every round); domain_history one row per confirmed change of state, so
    // a domain's rows are its timeline (docs/decisions/2026-11-26-domain-probe.md).
    R"sql(
CREATE TABLE domain_checks (
  subject TEXT NOT NULL,
  check_name TEXT NOT NULL,
  source_key TEXT NOT NULL,
  state TEXT NOT NULL,
  severity TEXT NOT NULL,
  source TEXT NOT NULL,
  detail TEXT NOT NULL,
  since_ns BIGINT NOT NULL,
  checked_ns BIGINT NOT NULL,
  PRIMARY KEY (subject, check_name, source_key)
);
CREATE TABLE domain_history (
  id INTEGER PRIMARY KEY,
  ts_ns BIGINT NOT NULL,
  first_seen_ns BIGINT NOT NULL,
  subject TEXT NOT NULL,
  check_name TEXT NOT NULL,
  source_key TEXT NOT NULL,
  previous_state TEXT NOT NULL,
  state TEXT NOT NULL,
  severity TEXT NOT NULL,
  source TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX domain_history_subject ON domain_history(subject, ts_ns);
)sql",
    // 4: resume points that are not file offsets: the journal's cursor (sd_journal_get_cursor
    // text), committed with the findings of the entries before it, as a file's checkpoint is.
    R"sql(
CREATE TABLE source_cursors (
  source TEXT PRIMARY KEY,
  cursor TEXT NOT NULL,
  updated_ns BIGINT NOT NULL
);
)sql",
    // 5: CrowdSec bouncers that read the decision stream: the hash of each key, and how far
    // into decision_history each has read (docs/bouncers.md).
    R"sql(
CREATE TABLE bouncers (
  name TEXT PRIMARY KEY,
  key_hash TEXT NOT NULL UNIQUE,
  created_ns BIGINT NOT NULL,
  last_pull_ns BIGINT NOT NULL,
  cursor BIGINT NOT NULL
);
CREATE INDEX decisions_active_key ON decisions(state, target_key);
)sql",
    // 6: notices (notify/): one row per delivery attempt's outcome — a retry ("pending" with
    // the error), then "sent", "failed" or "observed" — so a notice that did not reach its
    // recipient is on record with why.
    R"sql(
CREATE TABLE notice_deliveries (
  id INTEGER PRIMARY KEY,
  notice_id BIGINT NOT NULL,
  ts_ns BIGINT NOT NULL,
  kind TEXT NOT NULL,
  language TEXT NOT NULL,
  incidents TEXT NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  error TEXT NOT NULL
);
CREATE INDEX notice_deliveries_ts ON notice_deliveries(ts_ns);
)sql",
    // 7: none (its number was reserved for work that needed no table).
    R"sql(
SELECT 1;
)sql",
    // 8: account watch (issue 17): files in quarantine with everything a restore needs (old
    // mode, owner, SHA-256, where the bytes are), the audit trail of every quarantine,
    // restore and purge, and the process probe's stops and continues.
    R"sql(
CREATE TABLE quarantine (
  id INTEGER PRIMARY KEY,
  ts_ns BIGINT NOT NULL,
  path TEXT NOT NULL,
  stored_path TEXT NOT NULL,
  method TEXT NOT NULL,
  old_mode BIGINT NOT NULL,
  uid BIGINT NOT NULL,
  gid BIGINT NOT NULL,
  size BIGINT NOT NULL,
  mtime_ns BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  reason TEXT NOT NULL,
  origin TEXT NOT NULL,
  decision_id BIGINT NOT NULL,
  state TEXT NOT NULL,
  state_ns BIGINT NOT NULL
);
CREATE INDEX quarantine_path ON quarantine(path);
CREATE TABLE quarantine_history (
  id INTEGER PRIMARY KEY,
  quarantine_id BIGINT NOT NULL,
  ts_ns BIGINT NOT NULL,
  action TEXT NOT NULL,
  result TEXT NOT NULL,
  actor TEXT NOT NULL,
  path TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX quarantine_history_id ON quarantine_history(quarantine_id);
CREATE TABLE process_actions (
  id INTEGER PRIMARY KEY,
  ts_ns BIGINT NOT NULL,
  pid BIGINT NOT NULL,
  uid BIGINT NOT NULL,
  start_ticks BIGINT NOT NULL,
  account TEXT NOT NULL,
  exe TEXT NOT NULL,
  command TEXT NOT NULL,
  action TEXT NOT NULL,
  result TEXT NOT NULL,
  actor TEXT NOT NULL,
  detail TEXT NOT NULL
);
)sql",
    // 9: findings for the API (GET /api/v1/findings, /incidents; docs/api.md). The site and
    // account each finding is about (filled for older rows from their group by
    // Store::backfill_finding_sites in the same transaction), the finding each decision came
    // from, and the indexes the filters and the incident view use.
    R"sql(
ALTER TABLE findings ADD COLUMN vhost TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN account TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN finding_id BIGINT;
CREATE INDEX findings_rule ON findings(rule, id);
CREATE INDEX findings_group ON findings(rule, group_json, ts_ns);
CREATE INDEX findings_vhost ON findings(vhost, id);
CREATE INDEX findings_account ON findings(account, id);
CREATE INDEX decisions_finding ON decisions(finding_id);
)sql",
};
constexpr int kMigrationCount = sizeof kMigrations / sizeof kMigrations[0];
// The migration that adds findings.vhost/account and decisions.finding_id (renumber with it).
constexpr int kFindingSitesMigration = 9;
static_assert(kMigrationCount == kSchemaVersion);

constexpr const char* kAlive = "('proposed', 'active')";
constexpr const char* kEnded = "('expired', 'revoked', 'failed')";

// --- SQLite backend helpers ---------------------------------------------------------------

// Failures worth retrying (the disk, the file or another process), as opposed to a row that
// SQLite refuses on its own.
bool is_storage_rc(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_NOMEM:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_INTERRUPT:
      return true;
    default:
      return false;
  }
}

std::string code_of(int rc) {
  if (is_storage_rc(rc)) return "storage";
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return "constraint";
  return "sqlite";
}

core::Error sql_error(sqlite3* db, const std::string& what) {
  int rc = db != nullptr ? sqlite3_extended_errcode(db) : SQLITE_CANTOPEN;
  return core::make_error(code_of(rc),
                          what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

// A prepared statement that finalizes itself, or a cached one (Store::cached) that it resets
// for the next caller.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  Stmt(sqlite3* db, const std::string& sql) : Stmt(db, sql.c_str()) {}
  explicit Stmt(sqlite3_stmt* cached) : s_(cached), owned_(false) {}
  ~Stmt() {
    if (owned_) {
      sqlite3_finalize(s_);
    } else if (s_ != nullptr) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  [[nodiscard]] bool ok() const { return s_ != nullptr; }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::int64_t i64(int c) { return sqlite3_column_int64(s_, c); }
  int type(int c) { return sqlite3_column_type(s_, c); }
  std::string text(int c) {
    const auto* p = sqlite3_column_text(s_, c);
    return p != nullptr ? std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(s_, c)))
                        : std::string();
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  bool owned_ = true;
};

// Makes one call atomic whether or not a transaction is open: SAVEPOINT nests inside the
// writer's BEGIN, and outside one it is a transaction of its own that RELEASE commits.
class Savepoint {
 public:
  explicit Savepoint(sqlite3* db) : db_(db), outer_(sqlite3_get_autocommit(db) != 0) {
    ok_ = sqlite3_exec(db_, "SAVEPOINT bannin_sp;", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~Savepoint() {
    if (!ok_ || released_) return;
    // After disk full or an I/O error SQLite may have rolled everything back already; then
    // these fail harmlessly.
    sqlite3_exec(db_, "ROLLBACK TO bannin_sp;", nullptr, nullptr, nullptr);
    sqlite3_exec(db_, "RELEASE bannin_sp;", nullptr, nullptr, nullptr);
    if (outer_ && sqlite3_get_autocommit(db_) == 0) {
      sqlite3_exec(db_, "ROLLBACK;", nullptr, nullptr, nullptr);
    }
  }
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  [[nodiscard]] bool ok() const { return ok_; }
  core::Result<bool> release(const std::string& what) {
    if (sqlite3_exec(db_, "RELEASE bannin_sp;", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return sql_error(db_, what);  // the destructor rolls back
    }
    released_ = true;
    return true;
  }

 private:
  sqlite3* db_;
  bool outer_;
  bool ok_ = false;
  bool released_ = false;
};

core::TimeNs expiry(core::TimeNs ts, std::int64_t ttl_s) {
  core::TimeNs ttl_ns = 0, out = 0;
  if (__builtin_mul_overflow(ttl_s, core::kNsPerSec, &ttl_ns) ||
      __builtin_add_overflow(ts, ttl_ns, &out)) {
    return std::numeric_limits<core::TimeNs>::max();
  }
  return out;
}

core::TimeNs days_before(core::TimeNs now, int days) {
  std::int64_t d = std::min(days, 365 * 1000);
  core::TimeNs out = 0;
  if (__builtin_sub_overflow(now, d * 86400 * core::kNsPerSec, &out)) {
    return std::numeric_limits<core::TimeNs>::min();
  }
  return out;
}

constexpr const char* kDecisionColumns =
    "SELECT id, ts_ns, rule, origin, action, scope, target_json, target_key, ttl_s, expires_ns,"
    " reason, state, ended_ns, finding_id FROM decisions ";

DecisionRow read_decision(Stmt& q) {
  DecisionRow d;
  d.id = q.i64(0);
  d.ts = q.i64(1);
  d.rule = q.text(2);
  d.origin = q.text(3);
  d.action = q.text(4);
  d.scope = q.text(5);
  d.target_json = q.text(6);
  d.target_key = q.text(7);
  d.ttl_s = q.i64(8);
  d.expires = q.i64(9);
  d.reason = q.text(10);
  d.state = q.text(11);
  d.ended = q.type(12) == SQLITE_NULL ? 0 : q.i64(12);
  d.finding_id = q.type(13) == SQLITE_NULL ? 0 : q.i64(13);
  return d;
}

core::Result<std::vector<DecisionRow>> collect(sqlite3* db, Stmt& q, const char* what) {
  if (!q.ok()) return sql_error(db, what);
  std::vector<DecisionRow> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(read_decision(q));
  if (rc != SQLITE_DONE) return sql_error(db, what);
  return out;
}

std::string quote_text(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

// --- names and keys ------------------------------------------------------------------------

bool is_state(std::string_view s) noexcept {
  return s == "proposed" || s == "active" || is_ended_state(s);
}

bool is_ended_state(std::string_view s) noexcept {
  return s == "expired" || s == "revoked" || s == "failed";
}

std::string canonical_target_key(std::string_view text) {
  if (auto p = core::IpPrefix::parse(text)) return p->text();
  return std::string(text);
}

std::string target_key_of(std::string_view scope, std::string_view target_json) {
  if (scope == "ip" || scope == "prefix") {
    if (auto v = detail::json_member_string(target_json, scope)) return canonical_target_key(*v);
  } else if (scope == "vhost_path") {
    auto vhost = detail::json_member_string(target_json, "vhost");
    auto path = detail::json_member_string(target_json, "path");
    auto method = detail::json_member_string(target_json, "method");
    if (vhost && path) {
      return (method && !method->empty() ? *method + " " : std::string()) + *vhost + *path;
    }
  } else if (scope == "vhost") {
    if (auto v = detail::json_member_string(target_json, "vhost")) return *v;
  } else if (scope == "file" || scope == "account" || scope == "user" || scope == "process") {
    if (auto v = detail::json_member_string(target_json, std::string(scope))) return *v;
  }
  return std::string(target_json);
}

// --- opening and migrations -----------------------------------------------------------------

core::Result<std::unique_ptr<Store>> Store::open(const std::string& path,
                                                 const OpenOptions& options) {
  std::error_code ec;
  if (!options.create && !std::filesystem::exists(path, ec)) {
    return core::make_error("store_missing", path +
                                                 ": no store there (`bannin run` or "
                                                 "`bannin replay --store` creates it)");
  }
  int flags = SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0);
  sqlite3* db = nullptr;
  if (int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr); rc != SQLITE_OK) {
    core::Error e = core::make_error(
        code_of(rc), path + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<Store> s(new Store(db, path));
  sqlite3_busy_timeout(db, 5000);
  sqlite3_extended_result_codes(db, 1);
  // WAL: readers (the CLI, the API) never block the writer. synchronous=NORMAL: a commit
  // survives a crash of the process (kill -9), not necessarily a power cut.
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=NORMAL;", "PRAGMA foreign_keys=ON;"}) {
    if (auto r = s->exec(pragma); !r) {
      return core::make_error(r.error().code, path + ": " + r.error().message);
    }
  }
  int to = std::clamp(options.migrate_to, 0, kSchemaVersion);
  if (auto r = s->migrate(to); !r) {
    return core::make_error(r.error().code, path + ": " + r.error().message);
  }
  return s;
}

Store::~Store() {
  for (auto& [sql, stmt] : stmts_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

sqlite3_stmt* Store::cached(const char* sql) {
  if (auto it = stmts_.find(sql); it != stmts_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) return nullptr;
  stmts_.emplace(sql, stmt);
  return stmt;
}

core::Result<bool> Store::exec(const char* sql) {
  char* msg = nullptr;
  if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg); rc != SQLITE_OK) {
    std::string m = msg != nullptr ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    return core::make_error(code_of(sqlite3_extended_errcode(db_)), m);
  }
  return true;
}

int Store::schema_version() const {
  Stmt q(db_, "PRAGMA user_version;");
  return q.ok() && q.step() == SQLITE_ROW ? static_cast<int>(q.i64(0)) : -1;
}

core::Result<bool> Store::migrate(int to) {
  int v = schema_version();
  if (v < 0) return sql_error(db_, "read schema version");
  if (v > kSchemaVersion) {
    return core::make_error("schema_too_new", "written by a newer bannin (schema " +
                                                  std::to_string(v) + ", this bannin knows " +
                                                  std::to_string(kSchemaVersion) + ")");
  }
  for (int n = v; n < to; ++n) {
    // Each migration, its data fix-ups and its version bump commit together, or not at all.
    auto fail = [&](const core::Error& e) {
      rollback();
      return core::make_error("migration", "migration " + std::to_string(n + 1) + ": " + e.message);
    };
    if (auto r = exec("BEGIN;"); !r) return fail(r.error());
    if (auto r = exec(kMigrations[n]); !r) return fail(r.error());
    if (n + 1 == 2) {
      if (auto r = backfill_target_keys(); !r) return fail(r.error());
    }
    if (n + 1 == kFindingSitesMigration) {
      if (auto r = backfill_finding_sites(); !r) return fail(r.error());
    }
    std::string bump = "PRAGMA user_version=" + std::to_string(n + 1) + ";";
    if (auto r = exec(bump.c_str()); !r) return fail(r.error());
    if (auto r = exec("COMMIT;"); !r) return fail(r.error());
  }
  return true;
}

core::Result<bool> Store::backfill_target_keys() {
  std::vector<std::pair<std::int64_t, std::string>> keys;
  {
    Stmt q(db_, "SELECT id, scope, target_json FROM decisions WHERE target_key = '';");
    if (!q.ok()) return sql_error(db_, "backfill target keys");
    int rc;
    while ((rc = q.step()) == SQLITE_ROW)
      keys.emplace_back(q.i64(0), target_key_of(q.text(1), q.text(2)));
    if (rc != SQLITE_DONE) return sql_error(db_, "backfill target keys");
  }
  Stmt u(db_, "UPDATE decisions SET target_key = ? WHERE id = ?;");
  if (!u.ok()) return sql_error(db_, "backfill target keys");
  for (const auto& [id, key] : keys) {
    u.reset();
    if (u.bind(1, key).bind(2, id).step() != SQLITE_DONE) {
      return sql_error(db_, "backfill target key of decision " + std::to_string(id));
    }
  }
  return true;
}

// Migration 9: findings.vhost and .account from each older finding's group (a rule grouped by
// vhost or account); rows whose group has neither keep "".
core::Result<bool> Store::backfill_finding_sites() {
  std::vector<std::tuple<std::int64_t, std::string, std::string>> rows;
  {
    Stmt q(db_, "SELECT id, group_json FROM findings;");
    if (!q.ok()) return sql_error(db_, "backfill finding sites");
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      const std::string group = q.text(1);
      auto vhost = detail::json_member_string(group, "vhost");
      auto account = detail::json_member_string(group, "account");
      if (vhost || account) rows.emplace_back(q.i64(0), vhost.value_or(""), account.value_or(""));
    }
    if (rc != SQLITE_DONE) return sql_error(db_, "backfill finding sites");
  }
  Stmt u(db_, "UPDATE findings SET vhost = ?, account = ? WHERE id = ?;");
  if (!u.ok()) return sql_error(db_, "backfill finding sites");
  for (const auto& [id, vhost, account] : rows) {
    u.reset();
    if (u.bind(1, vhost).bind(2, account).bind(3, id).step() != SQLITE_DONE) {
      return sql_error(db_, "backfill site of finding " + std::to_string(id));
    }
  }
  return true;
}

// --- transactions -----------------------------------------------------------------------------

core::Result<bool> Store::begin() {
  return exec("BEGIN;");
}
core::Result<bool> Store::commit() {
  return exec("COMMIT;");
}
void Store::rollback() {
  if (sqlite3_get_autocommit(db_) == 0) (void)exec("ROLLBACK;");
}
bool Store::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

// --- the domain probe ----------------------------------------------------------------------

core::Result<bool> Store::save_domain_check(const DomainCheckRow& r) {
  Stmt q(cached(
      "INSERT OR REPLACE INTO domain_checks(subject, check_name, source_key, state, severity,"
      " source, detail, since_ns, checked_ns) VALUES (?,?,?,?,?,?,?,?,?);"));
  if (!q.ok() || q.bind(1, r.subject)
                         .bind(2, r.check)
                         .bind(3, r.source_key)
                         .bind(4, r.state)
                         .bind(5, r.severity)
                         .bind(6, r.source)
                         .bind(7, r.detail)
                         .bind(8, r.since)
                         .bind(9, r.checked)
                         .step() != SQLITE_DONE) {
    return sql_error(db_, "save domain check " + r.subject + " " + r.check);
  }
  return true;
}

core::Result<std::int64_t> Store::add_domain_change(const DomainChangeRow& r) {
  Stmt q(
      cached("INSERT INTO domain_history(ts_ns, first_seen_ns, subject, check_name, source_key,"
             " previous_state, state, severity, source, detail) VALUES (?,?,?,?,?,?,?,?,?,?);"));
  if (!q.ok() || q.bind(1, r.ts)
                         .bind(2, r.first_seen)
                         .bind(3, r.subject)
                         .bind(4, r.check)
                         .bind(5, r.source_key)
                         .bind(6, r.previous)
                         .bind(7, r.state)
                         .bind(8, r.severity)
                         .bind(9, r.source)
                         .bind(10, r.detail)
                         .step() != SQLITE_DONE) {
    return sql_error(db_, "add domain change " + r.subject + " " + r.check);
  }
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

core::Result<std::vector<DomainCheckRow>> Store::domain_checks(const std::string& subject) {
  Stmt q(db_, std::string("SELECT subject, check_name, source_key, state, severity, source,"
                          " detail, since_ns, checked_ns FROM domain_checks") +
                  (subject.empty() ? "" : " WHERE subject = ?") +
                  " ORDER BY subject, check_name, source_key;");
  if (!q.ok()) return sql_error(db_, "read domain checks");
  if (!subject.empty()) q.bind(1, subject);
  std::vector<DomainCheckRow> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    DomainCheckRow r;
    r.subject = q.text(0);
    r.check = q.text(1);
    r.source_key = q.text(2);
    r.state = q.text(3);
    r.severity = q.text(4);
    r.source = q.text(5);
    r.detail = q.text(6);
    r.since = q.i64(7);
    r.checked = q.i64(8);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "read domain checks");
  return out;
}

core::Result<std::vector<DomainChangeRow>> Store::domain_changes(const std::string& subject,
                                                                 std::size_t limit) {
  // The newest `limit`, returned oldest first.
  Stmt q(db_, std::string("SELECT ts_ns, first_seen_ns, subject, check_name, source_key,"
                          " previous_state, state, severity, source, detail FROM domain_history") +
                  (subject.empty() ? "" : " WHERE subject = ?1") +
                  " ORDER BY ts_ns DESC, id DESC LIMIT ?2;");
  if (!q.ok()) return sql_error(db_, "read domain history");
  if (!subject.empty()) q.bind(1, subject);
  q.bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  std::vector<DomainChangeRow> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    DomainChangeRow r;
    r.ts = q.i64(0);
    r.first_seen = q.i64(1);
    r.subject = q.text(2);
    r.check = q.text(3);
    r.source_key = q.text(4);
    r.previous = q.text(5);
    r.state = q.text(6);
    r.severity = q.text(7);
    r.source = q.text(8);
    r.detail = q.text(9);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "read domain history");
  std::reverse(out.begin(), out.end());
  return out;
}

// --- writes -------------------------------------------------------------------------------

core::Result<std::int64_t> Store::add_finding(const FindingRow& f) {
  Savepoint sp(db_);
  if (!sp.ok()) return sql_error(db_, "add finding");
  Stmt q(
      cached("INSERT INTO findings(id, ts_ns, rule, group_json, numbers_json, vhost, account)"
             " VALUES (?,?,?,?,?,?,?);"));
  if (!q.ok()) return sql_error(db_, "add finding");
  if (f.id > 0) {
    q.bind(1, f.id);
  } else {
    q.bind_null(1);  // INTEGER PRIMARY KEY: the next id
  }
  if (q.bind(2, f.ts)
          .bind(3, f.rule)
          .bind(4, f.group_json)
          .bind(5, f.numbers_json)
          .bind(6, f.vhost)
          .bind(7, f.account)
          .step() != SQLITE_DONE) {
    return sql_error(db_, "add finding");
  }
  std::int64_t id = sqlite3_last_insert_rowid(db_);
  Stmt one(cached("INSERT INTO evidence(finding_id, seq, line) VALUES (?,?,?);"));
  if (!one.ok()) return sql_error(db_, "add evidence");
  for (std::size_t i = 0; i < f.evidence.size(); ++i) {
    one.reset();
    if (one.bind(1, id).bind(2, static_cast<std::int64_t>(i)).bind(3, f.evidence[i]).step() !=
        SQLITE_DONE) {
      return sql_error(db_, "add evidence");
    }
  }
  if (auto r = sp.release("add finding"); !r) return r.error();
  return id;
}

core::Result<std::int64_t> Store::add_decision(const DecisionRow& d) {
  if (!is_state(d.state)) {
    return core::make_error("bad_state", "add decision: unknown state " + quote_text(d.state));
  }
  if (d.ttl_s < 0 || d.id < 0) {
    return core::make_error("bad_decision",
                            "add decision: negative " + std::string(d.id < 0 ? "id" : "ttl_s"));
  }
  Savepoint sp(db_);
  if (!sp.ok()) return sql_error(db_, "add decision");
  Stmt q(
      cached("INSERT INTO decisions(id, ts_ns, rule, origin, action, scope, target_json, ttl_s,"
             " expires_ns, reason, state, target_key, ended_ns, finding_id)"
             " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?);"));
  if (!q.ok()) return sql_error(db_, "add decision");
  if (d.id != 0) {
    q.bind(1, d.id);
  } else {
    q.bind_null(1);  // INTEGER PRIMARY KEY: the next id
  }
  q.bind(2, d.ts)
      .bind(3, d.rule)
      .bind(4, d.origin)
      .bind(5, d.action)
      .bind(6, d.scope)
      .bind(7, d.target_json)
      .bind(8, d.ttl_s)
      .bind(9, expiry(d.ts, d.ttl_s))
      .bind(10, d.reason)
      .bind(11, d.state)
      .bind(12, d.target_key.empty() ? target_key_of(d.scope, d.target_json) : d.target_key);
  if (is_ended_state(d.state)) {
    q.bind(13, d.ts);
  } else {
    q.bind_null(13);
  }
  if (d.finding_id > 0) {
    q.bind(14, d.finding_id);
  } else {
    q.bind_null(14);
  }
  if (q.step() != SQLITE_DONE) return sql_error(db_, "add decision");
  std::int64_t id = sqlite3_last_insert_rowid(db_);
  Stmt h(cached("INSERT INTO decision_history(decision_id, ts_ns, state, note) VALUES (?,?,?,?);"));
  if (!h.ok() ||
      h.bind(1, id).bind(2, d.ts).bind(3, d.state).bind(4, "created").step() != SQLITE_DONE) {
    return sql_error(db_, "add decision history");
  }
  if (auto r = sp.release("add decision"); !r) return r.error();
  return id;
}

core::Result<bool> Store::set_state(std::int64_t id, std::string_view state, core::TimeNs ts,
                                    std::string_view note) {
  std::string what = "decision " + std::to_string(id);
  if (!is_state(state)) {
    return core::make_error("bad_state", what + ": unknown state " + quote_text(state));
  }
  Savepoint sp(db_);
  if (!sp.ok()) return sql_error(db_, what);
  std::string current;
  {
    Stmt q(cached("SELECT state FROM decisions WHERE id = ?;"));
    if (!q.ok()) return sql_error(db_, what);
    int rc = q.bind(1, id).step();
    if (rc == SQLITE_DONE)
      return core::make_error("not_found", "no decision " + std::to_string(id));
    if (rc != SQLITE_ROW) return sql_error(db_, what);
    current = q.text(0);
  }
  if (current == "expired" || current == "revoked") {
    return core::make_error(
        "bad_transition",
        what + " is " + current + " (final); it cannot become " + std::string(state));
  }
  Stmt u(cached("UPDATE decisions SET state = ?, ended_ns = ? WHERE id = ?;"));
  if (!u.ok()) return sql_error(db_, what + ": change state");
  u.bind(1, state).bind(3, id);
  if (is_ended_state(state)) {
    u.bind(2, ts);
  } else {
    u.bind_null(2);
  }
  if (u.step() != SQLITE_DONE) return sql_error(db_, what + ": change state");
  Stmt h(cached("INSERT INTO decision_history(decision_id, ts_ns, state, note) VALUES (?,?,?,?);"));
  if (!h.ok() || h.bind(1, id).bind(2, ts).bind(3, state).bind(4, note).step() != SQLITE_DONE) {
    return sql_error(db_, what + ": history");
  }
  if (auto r = sp.release(what); !r) return r.error();
  return true;
}

core::Result<std::int64_t> Store::add_action(const ActionRow& a) {
  Stmt q(cached(
      "INSERT INTO actions(decision_id, ts_ns, actuator, result, detail) VALUES (?,?,?,?,?);"));
  if (!q.ok() || q.bind(1, a.decision_id)
                         .bind(2, a.ts)
                         .bind(3, a.actuator)
                         .bind(4, a.result)
                         .bind(5, a.detail)
                         .step() != SQLITE_DONE) {
    return sql_error(db_, "add action for decision " + std::to_string(a.decision_id));
  }
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

core::Result<std::int64_t> Store::add_notice_delivery(const NoticeDeliveryRow& n) {
  Stmt q(
      cached("INSERT INTO notice_deliveries(notice_id, ts_ns, kind, language, incidents, channel,"
             " recipient, subject, state, attempts, error) VALUES (?,?,?,?,?,?,?,?,?,?,?);"));
  if (!q.ok() || q.bind(1, n.notice_id)
                         .bind(2, n.ts)
                         .bind(3, n.kind)
                         .bind(4, n.language)
                         .bind(5, n.incidents)
                         .bind(6, n.channel)
                         .bind(7, n.recipient)
                         .bind(8, n.subject)
                         .bind(9, n.state)
                         .bind(10, static_cast<std::int64_t>(n.attempts))
                         .bind(11, n.error)
                         .step() != SQLITE_DONE) {
    return sql_error(db_, "add notice delivery for notice " + std::to_string(n.notice_id));
  }
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

core::Result<bool> Store::save_checkpoint(const CheckpointRow& c) {
  if (c.source.empty()) return core::make_error("bad_checkpoint", "checkpoint without a source");
  if (!c.cursor.empty()) {
    Stmt q(
        cached("INSERT INTO source_cursors(source, cursor, updated_ns) VALUES (?,?,?)"
               " ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor,"
               " updated_ns = excluded.updated_ns;"));
    if (!q.ok() ||
        q.bind(1, c.source).bind(2, c.cursor).bind(3, c.updated_ts).step() != SQLITE_DONE) {
      return sql_error(db_, "save cursor of " + quote_text(c.source));
    }
    return true;
  }
  if (c.offset > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return core::make_error("bad_checkpoint", "checkpoint of " + quote_text(c.source) +
                                                  ": offset " + std::to_string(c.offset) +
                                                  " out of range");
  }
  // device and inode keep their 64 bits (two's complement in BIGINT); the head hash is a
  // decimal u64 in TEXT, as BIGINT cannot hold every u64.
  Stmt q(
      cached("INSERT INTO checkpoints(source, device, inode, offset_bytes, head_hash, updated_ns)"
             " VALUES (?,?,?,?,?,?) ON CONFLICT (source) DO UPDATE SET device = excluded.device,"
             " inode = excluded.inode, offset_bytes = excluded.offset_bytes,"
             " head_hash = excluded.head_hash, updated_ns = excluded.updated_ns;"));
  if (!q.ok() || q.bind(1, c.source)
                         .bind(2, static_cast<std::int64_t>(c.device))
                         .bind(3, static_cast<std::int64_t>(c.inode))
                         .bind(4, static_cast<std::int64_t>(c.offset))
                         .bind(5, std::to_string(c.head_hash))
                         .bind(6, c.updated_ts)
                         .step() != SQLITE_DONE) {
    return sql_error(db_, "save checkpoint of " + quote_text(c.source));
  }
  return true;
}

core::Result<CheckpointLoad> Store::load_checkpoints() {
  Stmt q(db_,
         "SELECT rowid, source, device, inode, offset_bytes, head_hash, updated_ns"
         " FROM checkpoints ORDER BY source, rowid;");
  if (!q.ok()) return sql_error(db_, "load checkpoints");
  CheckpointLoad out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    std::vector<std::string> bad;
    auto integer = [&](int col, const char* name, std::int64_t& v) {
      switch (q.type(col)) {
        case SQLITE_INTEGER:
          v = q.i64(col);
          return true;
        case SQLITE_NULL:
          bad.push_back(std::string(name) + " is NULL");
          return false;
        default:
          bad.push_back(std::string(name) + " is not an integer (" + quote_text(q.text(col)) + ")");
          return false;
      }
    };
    CheckpointRow c;
    std::int64_t row = q.i64(0), device = 0, inode = 0, offset = 0, updated = 0;
    bool source_ok = q.type(1) != SQLITE_NULL;
    c.source = q.text(1);
    if (!source_ok) {
      bad.emplace_back("source is NULL");
    } else if (c.source.empty()) {
      bad.emplace_back("source is empty");
    }
    integer(2, "device", device);
    integer(3, "inode", inode);
    if (integer(4, "offset_bytes", offset) && offset < 0) {
      bad.push_back("offset_bytes is negative (" + std::to_string(offset) + ")");
    }
    if (q.type(5) == SQLITE_NULL) {
      bad.emplace_back("head_hash is NULL");
    } else {
      std::string h = q.text(5);
      std::uint64_t v = 0;
      auto [end, ec] = std::from_chars(h.data(), h.data() + h.size(), v);
      if (h.empty() || ec != std::errc() || end != h.data() + h.size()) {
        bad.push_back("head_hash is not a number (" + quote_text(h) + ")");
      }
      c.head_hash = v;
    }
    integer(6, "updated_ns", updated);
    if (!bad.empty()) {
      std::string msg = "checkpoints row " + std::to_string(row) +
                        (source_ok ? " (source " + quote_text(c.source) + ")" : std::string()) +
                        ": ";
      for (std::size_t i = 0; i < bad.size(); ++i) msg += (i ? "; " : "") + bad[i];
      out.problems.push_back({row, c.source, std::move(msg)});
      continue;
    }
    c.device = static_cast<std::uint64_t>(device);
    c.inode = static_cast<std::uint64_t>(inode);
    c.offset = static_cast<std::uint64_t>(offset);
    c.updated_ts = updated;
    out.rows.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "load checkpoints");
  // Cursors (the journal): text resume points, one per source.
  Stmt c(db_,
         "SELECT rowid, source, cursor, updated_ns FROM source_cursors ORDER BY source, rowid;");
  if (!c.ok()) return sql_error(db_, "load cursors");
  while ((rc = c.step()) == SQLITE_ROW) {
    CheckpointRow row;
    row.source = c.text(1);
    row.cursor = c.text(2);
    std::string bad;
    if (c.type(1) != SQLITE_TEXT || row.source.empty()) {
      bad = "source is not a name";
    } else if (c.type(2) != SQLITE_TEXT || row.cursor.empty()) {
      bad = "cursor is not text (" + quote_text(row.cursor) + ")";
    } else if (c.type(3) != SQLITE_INTEGER) {
      bad = "updated_ns is not an integer";
    }
    if (!bad.empty()) {
      out.problems.push_back({c.i64(0), row.source,
                              "source_cursors row " + std::to_string(c.i64(0)) + " (source " +
                                  quote_text(row.source) + "): " + bad});
      continue;
    }
    row.updated_ts = c.i64(3);
    out.rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "load cursors");
  return out;
}

// --- reads ----------------------------------------------------------------------------------

core::Result<std::vector<DecisionRow>> Store::decisions(const std::string& state) {
  Stmt q(db_, std::string(kDecisionColumns) +
                  (state.empty() ? "ORDER BY id;" : "WHERE state = ? ORDER BY id;"));
  if (q.ok() && !state.empty()) q.bind(1, state);
  return collect(db_, q, "list decisions");
}

core::Result<std::vector<DecisionRow>> Store::in_force(core::TimeNs now) {
  Stmt q(db_, std::string(kDecisionColumns) + "WHERE state IN " + kAlive +
                  " AND expires_ns > ? ORDER BY id;");
  if (q.ok()) q.bind(1, now);
  return collect(db_, q, "decisions in force");
}

core::Result<std::vector<DecisionRow>> Store::due(core::TimeNs now) {
  Stmt q(db_, std::string(kDecisionColumns) + "WHERE state IN " + kAlive +
                  " AND expires_ns <= ? ORDER BY expires_ns, id;");
  if (q.ok()) q.bind(1, now);
  return collect(db_, q, "decisions due");
}

core::Result<std::vector<DecisionRow>> Store::find_in_force(std::string_view target_key,
                                                            core::TimeNs now) {
  Stmt q(db_, std::string(kDecisionColumns) + "WHERE target_key = ? AND state IN " + kAlive +
                  " AND expires_ns > ? ORDER BY id;");
  if (q.ok()) q.bind(1, target_key).bind(2, now);
  return collect(db_, q, "find decisions in force");
}

core::Result<DecisionRow> Store::decision(std::int64_t id) {
  Stmt q(db_, std::string(kDecisionColumns) + "WHERE id = ?;");
  if (q.ok()) q.bind(1, id);
  auto rows = collect(db_, q, "read decision");
  if (!rows) return rows.error();
  if (rows->empty()) return core::make_error("not_found", "no decision " + std::to_string(id));
  return std::move((*rows)[0]);
}

core::Result<std::int64_t> Store::max_decision_id() {
  Stmt q(db_, "SELECT COALESCE(MAX(id), 0) FROM decisions;");
  if (!q.ok() || q.step() != SQLITE_ROW) return sql_error(db_, "max decision id");
  return q.i64(0);
}

core::Result<std::vector<StateChange>> Store::history(std::int64_t decision_id) {
  Stmt q(db_,
         "SELECT ts_ns, state, note FROM decision_history WHERE decision_id = ? ORDER BY rowid;");
  if (!q.ok()) return sql_error(db_, "history");
  q.bind(1, decision_id);
  std::vector<StateChange> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW)
    out.push_back({decision_id, q.i64(0), q.text(1), q.text(2)});
  if (rc != SQLITE_DONE) return sql_error(db_, "history");
  return out;
}

core::Result<std::vector<ActionRow>> Store::actions(std::int64_t decision_id) {
  Stmt q(db_,
         "SELECT ts_ns, actuator, result, detail FROM actions WHERE decision_id = ? ORDER BY id;");
  if (!q.ok()) return sql_error(db_, "actions");
  q.bind(1, decision_id);
  std::vector<ActionRow> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    out.push_back({decision_id, q.i64(0), q.text(1), q.text(2), q.text(3)});
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "actions");
  return out;
}

core::Result<std::vector<DecisionRecord>> Store::decisions_with_history(const std::string& state) {
  auto rows = decisions(state);
  if (!rows) return rows.error();
  Stmt q(db_,
         "SELECT ts_ns, state, note FROM decision_history WHERE decision_id = ? ORDER BY rowid;");
  if (!q.ok()) return sql_error(db_, "history");
  std::vector<DecisionRecord> out;
  out.reserve(rows->size());
  for (auto& d : *rows) {
    DecisionRecord rec;
    q.reset();
    q.bind(1, d.id);
    int rc;
    while ((rc = q.step()) == SQLITE_ROW)
      rec.history.push_back({d.id, q.i64(0), q.text(1), q.text(2)});
    if (rc != SQLITE_DONE) return sql_error(db_, "history");
    rec.decision = std::move(d);
    out.push_back(std::move(rec));
  }
  return out;
}

core::Result<std::int64_t> Store::count(const std::string& table) {
  for (const char* t :
       {"findings", "evidence", "decisions", "decision_history", "actions", "checkpoints"}) {
    if (table == t) {
      Stmt q(db_, "SELECT COUNT(*) FROM " + table + ";");
      if (!q.ok() || q.step() != SQLITE_ROW) return sql_error(db_, "count " + table);
      return q.i64(0);
    }
  }
  return core::make_error("unknown_table", table);
}

// --- retention ------------------------------------------------------------------------------

core::Result<PruneReport> Store::prune(const RetentionPolicy& policy, core::TimeNs now) {
  Savepoint sp(db_);
  if (!sp.ok()) return sql_error(db_, "prune");
  PruneReport rep;
  // Counts the rows a cascade is about to take with them, then deletes. Each query binds the
  // cut-off as ?1.
  auto run = [&](const std::string& count_sql, const std::string& delete_sql, core::TimeNs cut,
                 std::int64_t& counted, std::int64_t* deleted) -> core::Result<bool> {
    if (!count_sql.empty()) {
      Stmt c(db_, count_sql);
      if (!c.ok() || c.bind(1, cut).step() != SQLITE_ROW) return sql_error(db_, "prune");
      counted = c.i64(0);
    }
    if (deleted != nullptr) {
      Stmt d(db_, delete_sql);
      if (!d.ok() || d.bind(1, cut).step() != SQLITE_DONE) return sql_error(db_, "prune");
      *deleted = sqlite3_changes(db_);
    }
    return true;
  };
  if (policy.findings_days > 0) {
    core::TimeNs cut = days_before(now, policy.findings_days);
    if (auto r = run("SELECT COUNT(*) FROM evidence WHERE finding_id IN"
                     " (SELECT id FROM findings WHERE ts_ns < ?1);",
                     "DELETE FROM findings WHERE ts_ns < ?1;", cut, rep.evidence, &rep.findings);
        !r) {
      return r.error();
    }
  }
  if (policy.decisions_days > 0) {
    // Ended decisions only: an alive decision (proposed/active) has no ended_ns and is never
    // selected, whatever its age.
    core::TimeNs cut = days_before(now, policy.decisions_days);
    std::string ended = std::string(
                            "SELECT id FROM decisions WHERE ended_ns IS NOT NULL AND"
                            " ended_ns < ?1 AND state IN ") +
                        kEnded;
    std::int64_t cascaded_actions = 0;
    if (auto r = run("SELECT COUNT(*) FROM decision_history WHERE decision_id IN (" + ended + ");",
                     "", cut, rep.history, nullptr);
        !r) {
      return r.error();
    }
    if (auto r = run("SELECT COUNT(*) FROM actions WHERE decision_id IN (" + ended + ");",
                     "DELETE FROM decisions WHERE id IN (" + ended + ");", cut, cascaded_actions,
                     &rep.decisions);
        !r) {
      return r.error();
    }
    rep.actions += cascaded_actions;
  }
  if (policy.actions_days > 0) {
    core::TimeNs cut = days_before(now, policy.actions_days);
    std::int64_t unused = 0, deleted = 0;
    if (auto r = run("",
                     std::string("DELETE FROM actions WHERE ts_ns < ?1 AND decision_id NOT IN"
                                 " (SELECT id FROM decisions WHERE state IN ") +
                         kAlive + ");",
                     cut, unused, &deleted);
        !r) {
      return r.error();
    }
    rep.actions += deleted;
    // Notice deliveries are kept as long as actions.
    if (auto r = run("", "DELETE FROM notice_deliveries WHERE ts_ns < ?1;", cut, unused,
                     &rep.notice_deliveries);
        !r) {
      return r.error();
    }
  }
  if (auto r = sp.release("prune"); !r) return r.error();
  return rep;
}

core::Result<std::int64_t> Store::prune_findings(core::TimeNs before) {
  Stmt q(db_, "DELETE FROM findings WHERE ts_ns < ?;");
  if (!q.ok() || q.bind(1, before).step() != SQLITE_DONE) return sql_error(db_, "prune findings");
  return static_cast<std::int64_t>(sqlite3_changes(db_));
}

core::Result<bool> Store::set_size_limit(std::uint64_t bytes) {
  Stmt ps(db_, "PRAGMA page_size;");
  if (!ps.ok() || ps.step() != SQLITE_ROW) return sql_error(db_, "page size");
  auto page = static_cast<std::uint64_t>(std::max<std::int64_t>(ps.i64(0), 512));
  constexpr std::uint64_t kMaxPages = 4294967294ULL;  // SQLite's own maximum
  std::uint64_t pages =
      bytes == 0 ? kMaxPages : std::clamp<std::uint64_t>(bytes / page, 1, kMaxPages);
  std::string sql = "PRAGMA max_page_count=" + std::to_string(pages) + ";";
  Stmt q(db_, sql);
  if (!q.ok()) return sql_error(db_, "size limit");
  while (true) {
    int rc = q.step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sql_error(db_, "size limit");
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// StoreWriter

namespace {
WriterOptions batch_options(std::size_t capacity, std::size_t batch) {
  WriterOptions o;
  o.capacity = capacity;
  o.batch = batch;
  return o;
}
}  // namespace

StoreWriter::StoreWriter(std::unique_ptr<Store> store, std::size_t capacity, std::size_t batch)
    : StoreWriter(std::move(store), batch_options(capacity, batch)) {}

StoreWriter::StoreWriter(std::unique_ptr<Store> store, const WriterOptions& options)
    : store_(std::move(store)), options_(options) {
  options_.capacity = std::max<std::size_t>(options_.capacity, 1);
  options_.batch = std::max<std::size_t>(options_.batch, 1);
  options_.retry_initial = std::max(options_.retry_initial, std::chrono::milliseconds(1));
  options_.retry_max = std::max(options_.retry_max, options_.retry_initial);
  thread_ = std::thread([this] { run(); });
}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool StoreWriter::push(Item item) {
  bool checkpoint = std::holds_alternative<CheckpointRow>(item);
  {
    std::lock_guard lk(mu_);
    if (pushed_ - done_ >= options_.capacity) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(item));
    ++pushed_;
    if (checkpoint) last_checkpoint_ = pushed_;
  }
  cv_.notify_one();
  return true;
}

bool StoreWriter::push_wait(Item item, std::chrono::milliseconds max_wait) {
  bool checkpoint = std::holds_alternative<CheckpointRow>(item);
  {
    std::unique_lock lk(mu_);
    if (!done_cv_.wait_for(lk, max_wait, [&] { return pushed_ - done_ < options_.capacity; })) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(item));
    ++pushed_;
    if (checkpoint) last_checkpoint_ = pushed_;
  }
  cv_.notify_one();
  return true;
}

bool StoreWriter::flush() {
  std::unique_lock lk(mu_);
  std::uint64_t target = pushed_, failures = retries_;
  flush_to_ = std::max(flush_to_, target);
  retry_now_ = true;
  cv_.notify_one();
  done_cv_.wait(lk, [&] { return done_ >= target || retries_ > failures; });
  return done_ >= target;
}

bool StoreWriter::flush_for(std::chrono::milliseconds max_wait) {
  std::unique_lock lk(mu_);
  std::uint64_t target = pushed_, failures = retries_;
  flush_to_ = std::max(flush_to_, target);
  retry_now_ = true;
  cv_.notify_one();
  done_cv_.wait_for(lk, max_wait, [&] { return done_ >= target || retries_ > failures; });
  return done_ >= target;
}

void StoreWriter::set_commit_at_checkpoints(bool on) {
  {
    std::lock_guard lk(mu_);
    options_.commit_at_checkpoints = on;
  }
  cv_.notify_one();
}

void StoreWriter::set_size_limit(std::uint64_t bytes) {
  {
    std::lock_guard lk(mu_);
    size_limit_ = bytes;
    retry_now_ = true;
  }
  cv_.notify_one();
}

std::size_t StoreWriter::depth() const {
  std::lock_guard lk(mu_);
  return static_cast<std::size_t>(pushed_ - done_);
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
std::uint64_t StoreWriter::retries() const {
  std::lock_guard lk(mu_);
  return retries_;
}
std::uint64_t StoreWriter::commits() const {
  std::lock_guard lk(mu_);
  return commits_;
}
std::uint64_t StoreWriter::early_commits() const {
  std::lock_guard lk(mu_);
  return early_commits_;
}
bool StoreWriter::healthy() const {
  std::lock_guard lk(mu_);
  return healthy_;
}
std::string StoreWriter::last_error() const {
  std::lock_guard lk(mu_);
  return last_error_;
}

// How many queued items the next transaction takes (0 = wait). Batch mode: up to `batch`.
// Checkpoint mode: everything up to the last queued checkpoint, or up to what flush() asked
// for, or everything when stopping or when `capacity` items wait with no checkpoint (early).
std::size_t StoreWriter::take_count_locked(bool& early) const {
  early = false;
  std::size_t avail = queue_.size();
  if (!options_.commit_at_checkpoints) return std::min(avail, options_.batch);
  std::uint64_t limit = std::max(last_checkpoint_, flush_to_);
  if (stop_) limit = pushed_;
  if (limit <= taken_ && avail >= options_.capacity) {
    early = true;
    limit = pushed_;
  }
  return limit > taken_ ? static_cast<std::size_t>(limit - taken_) : 0;
}

bool StoreWriter::ready_locked() const {
  if (queue_.empty()) return false;
  bool early = false;
  return take_count_locked(early) > 0;
}

StoreWriter::Attempt StoreWriter::write_batch(std::vector<Item>& batch) {
  Attempt a;
  try {
    if (auto r = store_->begin(); !r) {
      store_->rollback();
      a.error = "begin: " + r.error().message;
      return a;
    }
    for (const Item& it : batch) {
      std::optional<core::Error> err = std::visit(
          [&](const auto& row) -> std::optional<core::Error> {
            using T = std::decay_t<decltype(row)>;
            auto keep = [](const auto& r) -> std::optional<core::Error> {
              if (r) return std::nullopt;
              return r.error();
            };
            if constexpr (std::is_same_v<T, FindingRow>) {
              return keep(store_->add_finding(row));
            } else if constexpr (std::is_same_v<T, DecisionRow>) {
              return keep(store_->add_decision(row));
            } else if constexpr (std::is_same_v<T, StateChange>) {
              return keep(store_->change_state(row));
            } else if constexpr (std::is_same_v<T, ActionRow>) {
              return keep(store_->add_action(row));
            } else if constexpr (std::is_same_v<T, DomainCheckRow>) {
              return keep(store_->save_domain_check(row));
            } else if constexpr (std::is_same_v<T, DomainChangeRow>) {
              return keep(store_->add_domain_change(row));
            } else if constexpr (std::is_same_v<T, NoticeDeliveryRow>) {
              return keep(store_->add_notice_delivery(row));
            } else if (row.source.empty()) {
              return std::nullopt;  // a commit point only (rows not bound to source lines)
            } else {
              return keep(store_->save_checkpoint(row));
            }
          },
          it);
      if (!err) {
        ++a.written;
        continue;
      }
      if (err->code == "storage") {  // the whole transaction is lost: retry it all later
        store_->rollback();
        return Attempt{false, 0, 0, err->message};
      }
      ++a.refused;  // this row alone; the rest of the batch still commits
      a.error = err->message;
    }
    if (auto r = store_->commit(); !r) {
      store_->rollback();
      return Attempt{false, 0, 0, "commit: " + r.error().message};
    }
    a.ok = true;
  } catch (const std::exception& e) {  // a worker loop survives anything (STYLE §3)
    store_->rollback();
    return Attempt{false, 0, 0, e.what()};
  }
  return a;
}

void StoreWriter::run() {
  std::vector<Item> batch;  // taken from the queue, kept until committed
  auto backoff = options_.retry_initial;
  while (true) {
    std::optional<std::uint64_t> limit;
    bool stopping = false;
    {
      std::unique_lock lk(mu_);
      if (batch.empty()) {
        cv_.wait(lk, [&] { return stop_ || size_limit_.has_value() || ready_locked(); });
        if (stop_ && queue_.empty() && !size_limit_) return;
        bool early = false;
        std::size_t n = take_count_locked(early);
        batch.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        taken_ += n;
        if (early && n > 0) ++early_commits_;
      }
      limit.swap(size_limit_);
      stopping = stop_;
      retry_now_ = false;  // this attempt is the one asked for
    }
    if (limit) {
      if (auto r = store_->set_size_limit(*limit); !r) {
        std::lock_guard lk(mu_);
        last_error_ = r.error().message;
      }
    }
    if (batch.empty()) continue;

    Attempt a = write_batch(batch);
    {
      std::lock_guard lk(mu_);
      if (a.ok) {
        written_ += a.written;
        failed_ += a.refused;
        done_ += batch.size();
        ++commits_;
        healthy_ = true;
        if (!a.error.empty()) last_error_ = a.error;
        batch.clear();
        backoff = options_.retry_initial;
      } else {
        ++retries_;
        healthy_ = false;
        last_error_ = a.error;
        if (stopping) {  // the last attempt at shutdown: count what is lost
          failed_ += batch.size();
          done_ += batch.size();
          last_error_ += " (" + std::to_string(batch.size()) + " items not stored at shutdown)";
          batch.clear();
        }
      }
    }
    done_cv_.notify_all();
    if (!a.ok && !stopping) {
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, backoff, [&] { return stop_ || retry_now_; });
      backoff = std::min(backoff * 2, options_.retry_max);
    }
  }
}

// --- CrowdSec bouncers ------------------------------------------------------------------------

core::Result<bool> Store::add_bouncer(const BouncerRow& b) {
  Stmt q(db_,
         "INSERT INTO bouncers(name, key_hash, created_ns, last_pull_ns, cursor)"
         " VALUES (?,?,?,?,?);");
  if (!q.ok()) return sql_error(db_, "add bouncer");
  q.bind(1, b.name).bind(2, b.key_hash).bind(3, b.created).bind(4, b.last_pull).bind(5, b.cursor);
  if (q.step() != SQLITE_DONE) {
    if ((sqlite3_errcode(db_) & 0xff) == SQLITE_CONSTRAINT) {
      return core::make_error("conflict", "a bouncer named " + quote_text(b.name) +
                                              " exists already (or has that key)");
    }
    return sql_error(db_, "add bouncer " + quote_text(b.name));
  }
  return true;
}

namespace {
BouncerRow read_bouncer(Stmt& q) {
  BouncerRow b;
  b.name = q.text(0);
  b.key_hash = q.text(1);
  b.created = q.i64(2);
  b.last_pull = q.i64(3);
  b.cursor = q.i64(4);
  return b;
}
constexpr const char* kBouncerColumns =
    "SELECT name, key_hash, created_ns, last_pull_ns, cursor FROM bouncers ";
}  // namespace

core::Result<std::vector<BouncerRow>> Store::bouncers() {
  Stmt q(db_, std::string(kBouncerColumns) + "ORDER BY name;");
  if (!q.ok()) return sql_error(db_, "list bouncers");
  std::vector<BouncerRow> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(read_bouncer(q));
  if (rc != SQLITE_DONE) return sql_error(db_, "list bouncers");
  return out;
}

core::Result<bool> Store::delete_bouncer(const std::string& name) {
  Stmt q(db_, "DELETE FROM bouncers WHERE name = ?;");
  if (!q.ok() || q.bind(1, name).step() != SQLITE_DONE) {
    return sql_error(db_, "delete bouncer " + quote_text(name));
  }
  if (sqlite3_changes(db_) == 0) {
    return core::make_error("not_found", "no bouncer named " + quote_text(name));
  }
  return true;
}

core::Result<BouncerRow> Store::bouncer_by_hash(const std::string& key_hash) {
  Stmt q(
      cached("SELECT name, key_hash, created_ns, last_pull_ns, cursor FROM bouncers"
             " WHERE key_hash = ?;"));
  if (!q.ok()) return sql_error(db_, "find bouncer");
  const int rc = q.bind(1, key_hash).step();
  if (rc == SQLITE_DONE) return core::make_error("not_found", "no bouncer has that key");
  if (rc != SQLITE_ROW) return sql_error(db_, "find bouncer");
  return read_bouncer(q);
}

core::Result<bool> Store::save_bouncer_pull(const std::string& name, core::TimeNs last_pull,
                                            std::int64_t cursor) {
  Stmt q(cached("UPDATE bouncers SET last_pull_ns = ?, cursor = ? WHERE name = ?;"));
  if (!q.ok() || q.bind(1, last_pull).bind(2, cursor).bind(3, name).step() != SQLITE_DONE) {
    return sql_error(db_, "save bouncer " + quote_text(name));
  }
  return true;
}

core::Result<std::int64_t> Store::history_head() {
  Stmt q(cached("SELECT COALESCE(MAX(rowid), 0) FROM decision_history;"));
  if (!q.ok() || q.step() != SQLITE_ROW) return sql_error(db_, "decision history head");
  return q.i64(0);
}

core::Result<std::vector<ActiveTarget>> Store::changed_targets(std::int64_t cursor,
                                                               std::int64_t head) {
  Stmt q(
      cached("SELECT MAX(d.id), d.scope, d.target_key, d.rule, d.origin FROM decision_history h"
             " JOIN decisions d ON d.id = h.decision_id"
             " WHERE h.rowid > ? AND h.rowid <= ? AND d.scope IN ('ip', 'prefix')"
             " GROUP BY d.scope, d.target_key ORDER BY d.scope, d.target_key;"));
  if (!q.ok()) return sql_error(db_, "changed targets");
  q.bind(1, cursor).bind(2, head);
  std::vector<ActiveTarget> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    ActiveTarget t;
    t.id = q.i64(0);
    t.scope = q.text(1);
    t.target_key = q.text(2);
    t.rule = q.text(3);
    t.origin = q.text(4);
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "changed targets");
  return out;
}

core::Result<std::vector<ActiveTarget>> Store::active_targets(core::TimeNs now,
                                                              const std::string& target_key) {
  // One row per target: SQLite returns the bare columns of the row that holds the MAX().
  std::string sql =
      "SELECT id, scope, target_key, rule, origin, MAX(expires_ns) FROM decisions"
      " WHERE state = 'active' AND scope IN ('ip', 'prefix') AND expires_ns > ?";
  if (!target_key.empty()) sql += " AND target_key = ?";
  sql += " GROUP BY scope, target_key ORDER BY scope, target_key;";
  Stmt q(db_, sql);
  if (!q.ok()) return sql_error(db_, "active targets");
  q.bind(1, now);
  if (!target_key.empty()) q.bind(2, target_key);
  std::vector<ActiveTarget> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    ActiveTarget t;
    t.id = q.i64(0);
    t.scope = q.text(1);
    t.target_key = q.text(2);
    t.rule = q.text(3);
    t.origin = q.text(4);
    t.expires = q.i64(5);
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "active targets");
  return out;
}

}  // namespace bannin::store
