// Store: the connection (open, PRAGMAs, cached statements), the numbered migrations and the
// transactions. The rows of each table are read and written in their own file:
// finding_rows.cpp, decision_rows.cpp, checkpoint_rows.cpp, domain_rows.cpp,
// notice_rows.cpp, bouncer_rows.cpp, quarantine_rows.cpp; retention in retention.cpp, the
// writer thread in store_writer.cpp; the shared SQLite helpers in query.h.
#include <algorithm>
#include <filesystem>
#include <system_error>
#include <tuple>

#include <sqlite3.h>

#include <bannin/core/ip_prefix.h>
#include <bannin/store/json_columns.h>
#include <bannin/store/migrations_gen.h>
#include <bannin/store/query.h>
#include <bannin/store/store.h>

namespace bannin::store {
namespace {

using detail::code_of;
using detail::Query;
using detail::sql_error;

// Numbered migrations: migration N brings the file from version N-1 to N, and is the file
// bannin/store/migrations/NNN_<name>.sql, embedded at build time (tools/codegen/
// gen_migrations.py). Append only; never edit one that has shipped (tests/unit/store/
// schema_test.cpp compares the schema after each with a snapshot). Plain SQL that PostgreSQL
// also runs (BIGINT, TEXT, ALTER TABLE ADD COLUMN, CREATE/DROP INDEX, correlated subqueries);
// the SQLite-specific parts (PRAGMAs, rowid, user_version) stay in the code below.
static_assert(detail::kMigrationCount == kSchemaVersion);
// The migrations whose rows are filled in by code in the same transaction (renumber with them).
constexpr int kTargetKeysMigration = 2;    // 002_decision_lifecycle.sql
constexpr int kFindingSitesMigration = 9;  // 009_finding_sites.sql

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
  Query q(db_, "PRAGMA user_version;");
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
    if (auto r = exec(detail::kMigrations[n]); !r) return fail(r.error());
    if (n + 1 == kTargetKeysMigration) {
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
    Query q(db_, "SELECT id, scope, target_json FROM decisions WHERE target_key = '';");
    auto r = q.each("backfill target keys", [&](Query& row) {
      keys.emplace_back(row.i64(0), target_key_of(row.text(1), row.text(2)));
    });
    if (!r) return r;
  }
  Query u(db_, "UPDATE decisions SET target_key = ? WHERE id = ?;");
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
    Query q(db_, "SELECT id, group_json FROM findings;");
    auto r = q.each("backfill finding sites", [&](Query& row) {
      const std::string group = row.text(1);
      auto vhost = detail::json_member_string(group, "vhost");
      auto account = detail::json_member_string(group, "account");
      if (vhost || account) {
        rows.emplace_back(row.i64(0), vhost.value_or(""), account.value_or(""));
      }
    });
    if (!r) return r;
  }
  Query u(db_, "UPDATE findings SET vhost = ?, account = ? WHERE id = ?;");
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

// --- counts and limits ----------------------------------------------------------------------

core::Result<std::int64_t> Store::count(const std::string& table) {
  for (const char* t :
       {"findings", "evidence", "decisions", "decision_history", "actions", "checkpoints"}) {
    if (table == t) {
      Query q(db_, "SELECT COUNT(*) FROM " + table + ";");
      if (!q.ok() || q.step() != SQLITE_ROW) return sql_error(db_, "count " + table);
      return q.i64(0);
    }
  }
  return core::make_error("unknown_table", table);
}

core::Result<bool> Store::set_size_limit(std::uint64_t bytes) {
  Query ps(db_, "PRAGMA page_size;");
  if (!ps.ok() || ps.step() != SQLITE_ROW) return sql_error(db_, "page size");
  auto page = static_cast<std::uint64_t>(std::max<std::int64_t>(ps.i64(0), 512));
  constexpr std::uint64_t kMaxPages = 4294967294ULL;  // SQLite's own maximum
  std::uint64_t pages =
      bytes == 0 ? kMaxPages : std::clamp<std::uint64_t>(bytes / page, 1, kMaxPages);
  std::string sql = "PRAGMA max_page_count=" + std::to_string(pages) + ";";
  Query q(db_, sql);
  return q.each("size limit", [](Query&) {});
}

}  // namespace bannin::store
