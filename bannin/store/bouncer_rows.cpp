// Store: CrowdSec bouncers (migration 5, api/lapi.h): each bouncer's key hash and how far into
// decision_history it has read, and the decision stream they pull (targets changed since a
// cursor, targets in force).
#include <sqlite3.h>

#include <bannin/store/query.h>
#include <bannin/store/store.h>

namespace bannin::store {

using detail::Query;
using detail::quote_text;
using detail::sql_error;

core::Result<bool> Store::add_bouncer(const BouncerRow& b) {
  Query q(db_,
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
BouncerRow read_bouncer(Query& q) {
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
ActiveTarget read_target(Query& q) {
  ActiveTarget t;
  t.id = q.i64(0);
  t.scope = q.text(1);
  t.target_key = q.text(2);
  t.rule = q.text(3);
  t.origin = q.text(4);
  return t;
}
}  // namespace

core::Result<std::vector<BouncerRow>> Store::bouncers() {
  Query q(db_, std::string(kBouncerColumns) + "ORDER BY name;");
  return q.rows("list bouncers", read_bouncer);
}

core::Result<bool> Store::delete_bouncer(const std::string& name) {
  Query q(db_, "DELETE FROM bouncers WHERE name = ?;");
  if (!q.ok() || q.bind(1, name).step() != SQLITE_DONE) {
    return sql_error(db_, "delete bouncer " + quote_text(name));
  }
  if (sqlite3_changes(db_) == 0) {
    return core::make_error("not_found", "no bouncer named " + quote_text(name));
  }
  return true;
}

core::Result<BouncerRow> Store::bouncer_by_hash(const std::string& key_hash) {
  Query q(db_, cached("SELECT name, key_hash, created_ns, last_pull_ns, cursor FROM bouncers"
                      " WHERE key_hash = ?;"));
  if (!q.ok()) return sql_error(db_, "find bouncer");
  const int rc = q.bind(1, key_hash).step();
  if (rc == SQLITE_DONE) return core::make_error("not_found", "no bouncer has that key");
  if (rc != SQLITE_ROW) return sql_error(db_, "find bouncer");
  return read_bouncer(q);
}

core::Result<bool> Store::save_bouncer_pull(const std::string& name, core::TimeNs last_pull,
                                            std::int64_t cursor) {
  Query q(db_, cached("UPDATE bouncers SET last_pull_ns = ?, cursor = ? WHERE name = ?;"));
  if (!q.ok() || q.bind(1, last_pull).bind(2, cursor).bind(3, name).step() != SQLITE_DONE) {
    return sql_error(db_, "save bouncer " + quote_text(name));
  }
  return true;
}

core::Result<std::int64_t> Store::history_head() {
  Query q(db_, cached("SELECT COALESCE(MAX(rowid), 0) FROM decision_history;"));
  if (!q.ok() || q.step() != SQLITE_ROW) return sql_error(db_, "decision history head");
  return q.i64(0);
}

core::Result<std::vector<ActiveTarget>> Store::changed_targets(std::int64_t cursor,
                                                               std::int64_t head) {
  Query q(db_,
          cached("SELECT MAX(d.id), d.scope, d.target_key, d.rule, d.origin FROM decision_history h"
                 " JOIN decisions d ON d.id = h.decision_id"
                 " WHERE h.rowid > ? AND h.rowid <= ? AND d.scope IN ('ip', 'prefix')"
                 " GROUP BY d.scope, d.target_key ORDER BY d.scope, d.target_key;"));
  q.bind(1, cursor).bind(2, head);
  return q.rows("changed targets", read_target);
}

core::Result<std::vector<ActiveTarget>> Store::active_targets(core::TimeNs now,
                                                              const std::string& target_key) {
  // One row per target: SQLite returns the bare columns of the row that holds the MAX().
  std::string sql =
      "SELECT id, scope, target_key, rule, origin, MAX(expires_ns) FROM decisions"
      " WHERE state = 'active' AND scope IN ('ip', 'prefix') AND expires_ns > ?";
  if (!target_key.empty()) sql += " AND target_key = ?";
  sql += " GROUP BY scope, target_key ORDER BY scope, target_key;";
  Query q(db_, sql);
  q.bind(1, now);
  if (!target_key.empty()) q.bind(2, target_key);
  return q.rows("active targets", [](Query& row) {
    ActiveTarget t = read_target(row);
    t.expires = row.i64(5);
    return t;
  });
}

}  // namespace bannin::store
