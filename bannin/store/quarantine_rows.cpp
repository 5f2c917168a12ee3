// Store: the quarantine of files and the process probe's actions (migration 8, issue 17).
// Kept apart from store.cpp so the account-watch tables read as one piece; same rules: plain
// SQL, every write atomic, errors with a code and the row they concern.
#include <sqlite3.h>

#include <bannin/store/store.h>

namespace bannin::store {

namespace {

// A prepared statement for one call (these paths run a few times a day, not per line).
class Q {
 public:
  Q(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  ~Q() { sqlite3_finalize(s_); }
  Q(const Q&) = delete;
  Q& operator=(const Q&) = delete;
  [[nodiscard]] bool ok() const { return s_ != nullptr; }
  Q& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Q& bind(int i, const std::string& v) {
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
  [[nodiscard]] core::Error error(const std::string& what) const {
    const int rc = sqlite3_extended_errcode(db_);
    const int primary = rc & 0xff;
    std::string code = primary == SQLITE_FULL || primary == SQLITE_IOERR ||
                               primary == SQLITE_BUSY || primary == SQLITE_LOCKED ||
                               primary == SQLITE_READONLY
                           ? "storage"
                       : primary == SQLITE_CONSTRAINT ? "constraint"
                                                      : "sqlite";
    return core::make_error(code, what + ": " + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

constexpr const char* kQuarantineColumns =
    "id, ts_ns, path, stored_path, method, old_mode, uid, gid, size, mtime_ns, sha256, reason,"
    " origin, decision_id, state, state_ns";

QuarantineRow read_row(Q& q) {
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
  Q q(db, sql.c_str());
  if (!q.ok()) return q.error("read quarantine");
  if (bind_text) {
    q.bind(1, arg);
  } else if (arg_i != 0) {
    q.bind(1, arg_i);
  }
  std::vector<QuarantineRow> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(read_row(q));
  if (rc != SQLITE_DONE) return q.error("read quarantine");
  return out;
}

}  // namespace

core::Result<std::int64_t> Store::add_quarantine_event(const QuarantineEventRow& e) {
  Q q(db_,
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
  Q q(db_,
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
  Q q(db_, "UPDATE quarantine SET state = ?, state_ns = ? WHERE id = ?;");
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
  Q q(db_, id == 0 ? "SELECT quarantine_id, ts_ns, action, result, actor, path, detail"
                     " FROM quarantine_history ORDER BY id;"
                   : "SELECT quarantine_id, ts_ns, action, result, actor, path, detail"
                     " FROM quarantine_history WHERE quarantine_id = ? ORDER BY id;");
  if (!q.ok()) return q.error("read quarantine history");
  if (id != 0) q.bind(1, id);
  std::vector<QuarantineEventRow> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    out.push_back(QuarantineEventRow{q.i64(0), q.i64(1), q.text(2), q.text(3), q.text(4), q.text(5),
                                     q.text(6)});
  }
  if (rc != SQLITE_DONE) return q.error("read quarantine history");
  return out;
}

core::Result<std::int64_t> Store::add_process_action(const ProcessActionRow& a) {
  Q q(db_,
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
  Q q(db_,
      "SELECT id, ts_ns, pid, uid, start_ticks, account, exe, command, action, result, actor,"
      " detail FROM process_actions ORDER BY id DESC LIMIT ?;");
  if (!q.ok()) return q.error("read process actions");
  q.bind(1, static_cast<std::int64_t>(limit));
  std::vector<ProcessActionRow> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    ProcessActionRow r;
    r.id = q.i64(0);
    r.ts = q.i64(1);
    r.pid = q.i64(2);
    r.uid = q.i64(3);
    r.start_ticks = q.i64(4);
    r.account = q.text(5);
    r.exe = q.text(6);
    r.command = q.text(7);
    r.action = q.text(8);
    r.result = q.text(9);
    r.actor = q.text(10);
    r.detail = q.text(11);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return q.error("read process actions");
  return out;
}

}  // namespace bannin::store
