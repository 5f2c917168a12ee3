// Store: the quarantine of files and the process probe's actions (migration 8, issue 17).
// The account-watch tables read as one piece; same rules as the other row files: plain SQL,
// every write atomic, errors with a code and the row they concern.
#include <sqlite3.h>

#include <bannin/store/query.h>
#include <bannin/store/store.h>

namespace bannin::store {

namespace {

using detail::Query;

constexpr const char* kQuarantineColumns =
    "id, ts_ns, path, stored_path, method, old_mode, uid, gid, size, mtime_ns, sha256, reason,"
    " origin, decision_id, state, state_ns";

QuarantineRow read_quarantine(Query& q) {
  QuarantineRow r;
  r.id = q.i64(0);
  r.ts = q.i64(1);
  r.path = q.text(2);
  r.stored_path = q.text(3);
  r.method = q.text(4);
  r.old_mode = q.i64(5);
  r.uid = q.i64(6);
  r.gid = q.i64(7);
  r.size = q.i64(8);
  r.mtime = q.i64(9);
  r.sha256 = q.text(10);
  r.reason = q.text(11);
  r.origin = q.text(12);
  r.decision_id = q.i64(13);
  r.state = q.text(14);
  r.state_ts = q.i64(15);
  return r;
}

core::Result<std::vector<QuarantineRow>> select_rows(sqlite3* db, const std::string& sql,
                                                     const std::string& arg, bool bind_text,
                                                     std::int64_t arg_i) {
  Query q(db, sql);
  if (bind_text) {
    q.bind(1, arg);
  } else if (arg_i != 0) {
    q.bind(1, arg_i);
  }
  return q.rows("read quarantine", read_quarantine);
}

}  // namespace

core::Result<std::int64_t> Store::add_quarantine_event(const QuarantineEventRow& e) {
  Query q(
      db_,
      "INSERT INTO quarantine_history(quarantine_id, ts_ns, action, result, actor, path, detail)"
      " VALUES (?,?,?,?,?,?,?);");
  if (!q.ok()) return q.error("add quarantine audit row");
  q.bind(1, e.quarantine_id)
      .bind(2, e.ts)
      .bind(3, e.action)
      .bind(4, e.result)
      .bind(5, e.actor)
      .bind(6, e.path)
      .bind(7, e.detail);
  if (q.step() != SQLITE_DONE) return q.error("add quarantine audit row for " + e.path);
  return sqlite3_last_insert_rowid(db_);
}

core::Result<std::int64_t> Store::add_quarantine(const QuarantineRow& r, const std::string& actor) {
  const bool own_tx = !in_transaction();
  if (own_tx) {
    if (auto b = begin(); !b) return b.error();
  }
  auto fail = [&](core::Error e) -> core::Result<std::int64_t> {
    if (own_tx) rollback();
    return e;
  };
  Query q(db_,
          "INSERT INTO quarantine(ts_ns, path, stored_path, method, old_mode, uid, gid, size,"
          " mtime_ns, sha256, reason, origin, decision_id, state, state_ns)"
          " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,'quarantined',?);");
  if (!q.ok()) return fail(q.error("add quarantine"));
  q.bind(1, r.ts)
      .bind(2, r.path)
      .bind(3, r.stored_path)
      .bind(4, r.method)
      .bind(5, r.old_mode)
      .bind(6, r.uid)
      .bind(7, r.gid)
      .bind(8, r.size)
      .bind(9, r.mtime)
      .bind(10, r.sha256)
      .bind(11, r.reason)
      .bind(12, r.origin)
      .bind(13, r.decision_id)
      .bind(14, r.ts);
  if (q.step() != SQLITE_DONE) return fail(q.error("add quarantine of " + r.path));
  const std::int64_t id = sqlite3_last_insert_rowid(db_);
  QuarantineEventRow e{id,
                       r.ts,
                       "quarantine",
                       "ok",
                       actor,
                       r.path,
                       r.method + (r.method == "move" ? " to " + r.stored_path : " 000")};
  if (auto a = add_quarantine_event(e); !a) return fail(a.error());
  if (own_tx) {
    if (auto c = commit(); !c) return fail(c.error());
  }
  return id;
}

core::Result<std::vector<QuarantineRow>> Store::quarantines(const std::string& state) {
  std::string sql = std::string("SELECT ") + kQuarantineColumns + " FROM quarantine" +
                    (state.empty() ? "" : " WHERE state = ?") + " ORDER BY id DESC;";
  return select_rows(db_, sql, state, !state.empty(), 0);
}

core::Result<QuarantineRow> Store::quarantine(std::int64_t id) {
  std::string sql = std::string("SELECT ") + kQuarantineColumns + " FROM quarantine WHERE id = ?;";
  auto rows = select_rows(db_, sql, {}, false, id == 0 ? -1 : id);
  if (!rows) return rows.error();
  if (rows->empty()) {
    return core::make_error("not_found", "no quarantine " + std::to_string(id));
  }
  return std::move(rows->front());
}

core::Result<QuarantineRow> Store::last_quarantine(const std::string& path) {
  std::string sql = std::string("SELECT ") + kQuarantineColumns +
                    " FROM quarantine WHERE path = ? ORDER BY id DESC LIMIT 1;";
  auto rows = select_rows(db_, sql, path, true, 0);
  if (!rows) return rows.error();
  if (rows->empty()) return core::make_error("not_found", "nothing quarantined at " + path);
  return std::move(rows->front());
}

core::Result<bool> Store::end_quarantine(std::int64_t id, const std::string& state, core::TimeNs ts,
                                         const std::string& actor, const std::string& detail) {
  if (state != "restored" && state != "purged") {
    return core::make_error("bad_state", "a quarantine ends restored or purged, not " + state);
  }
  const bool own_tx = !in_transaction();
  if (own_tx) {
    if (auto b = begin(); !b) return b.error();
  }
  auto fail = [&](core::Error e) -> core::Result<bool> {
    if (own_tx) rollback();
    return e;
  };
  auto cur = quarantine(id);
  if (!cur) return fail(cur.error());
  if (cur->state != "quarantined") {
    return fail(core::make_error("bad_transition",
                                 "quarantine " + std::to_string(id) + " is already " + cur->state));
  }
  Query q(db_, "UPDATE quarantine SET state = ?, state_ns = ? WHERE id = ?;");
  if (!q.ok()) return fail(q.error("end quarantine"));
  q.bind(1, state).bind(2, ts).bind(3, id);
  if (q.step() != SQLITE_DONE) return fail(q.error("end quarantine " + std::to_string(id)));
  QuarantineEventRow e{id,        ts,    state == "restored" ? "restore" : "purge", "ok", actor,
                       cur->path, detail};
  if (auto a = add_quarantine_event(e); !a) return fail(a.error());
  if (own_tx) {
    if (auto c = commit(); !c) return fail(c.error());
  }
  return true;
}

core::Result<std::vector<QuarantineEventRow>> Store::quarantine_events(std::int64_t id) {
  Query q(db_, id == 0 ? "SELECT quarantine_id, ts_ns, action, result, actor, path, detail"
                         " FROM quarantine_history ORDER BY id;"
                       : "SELECT quarantine_id, ts_ns, action, result, actor, path, detail"
                         " FROM quarantine_history WHERE quarantine_id = ? ORDER BY id;");
  if (id != 0) q.bind(1, id);
  return q.rows("read quarantine history", [](Query& row) {
    return QuarantineEventRow{row.i64(0),  row.i64(1),  row.text(2), row.text(3),
                              row.text(4), row.text(5), row.text(6)};
  });
}

core::Result<std::int64_t> Store::add_process_action(const ProcessActionRow& a) {
  Query q(db_,
          "INSERT INTO process_actions(ts_ns, pid, uid, start_ticks, account, exe, command, action,"
          " result, actor, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?);");
  if (!q.ok()) return q.error("add process action");
  q.bind(1, a.ts)
      .bind(2, a.pid)
      .bind(3, a.uid)
      .bind(4, a.start_ticks)
      .bind(5, a.account)
      .bind(6, a.exe)
      .bind(7, a.command)
      .bind(8, a.action)
      .bind(9, a.result)
      .bind(10, a.actor)
      .bind(11, a.detail);
  if (q.step() != SQLITE_DONE) {
    return q.error("add process action on pid " + std::to_string(a.pid));
  }
  return sqlite3_last_insert_rowid(db_);
}

core::Result<std::vector<ProcessActionRow>> Store::process_actions(std::size_t limit) {
  Query q(db_,
          "SELECT id, ts_ns, pid, uid, start_ticks, account, exe, command, action, result, actor,"
          " detail FROM process_actions ORDER BY id DESC LIMIT ?;");
  q.bind(1, static_cast<std::int64_t>(limit));
  return q.rows("read process actions", [](Query& row) {
    ProcessActionRow r;
    r.id = row.i64(0);
    r.ts = row.i64(1);
    r.pid = row.i64(2);
    r.uid = row.i64(3);
    r.start_ticks = row.i64(4);
    r.account = row.text(5);
    r.exe = row.text(6);
    r.command = row.text(7);
    r.action = row.text(8);
    r.result = row.text(9);
    r.actor = row.text(10);
    r.detail = row.text(11);
    return r;
  });
}

}  // namespace bannin::store
