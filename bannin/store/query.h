// The store's own SQLite helpers, shared by its repository files (store.cpp, finding_rows.cpp,
// decision_rows.cpp, ...) and by nothing outside bannin/store/: one statement wrapper (Query)
// with the one loop that reads rows, one mapping of SQLite result codes to the store's error
// codes (store.h: "storage", "constraint", "sqlite"), SAVEPOINT atomicity, and id lists read
// in chunks. Include only from bannin/store/*.cpp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include <bannin/core/result.h>

namespace bannin::store::detail {

/// Failures worth retrying (the disk, the file or another process), as opposed to a row that
/// SQLite refuses on its own.
inline bool is_storage_rc(int rc) {
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

/// The store's error code for an SQLite result code.
inline std::string code_of(int rc) {
  if (is_storage_rc(rc)) return "storage";
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return "constraint";
  return "sqlite";
}

/// The connection's last failure as a store error: "what: SQLite's message".
inline core::Error sql_error(sqlite3* db, std::string_view what) {
  const int rc = db != nullptr ? sqlite3_extended_errcode(db) : SQLITE_CANTOPEN;
  return core::make_error(code_of(rc), std::string(what) + ": " +
                                           (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

/// A prepared statement that finalizes itself, or a cached one (Store::cached) that it resets
/// for the next caller. A statement that did not prepare is !ok(); each() and rows() then
/// return the error, so a read needs no check of its own.
class Query {
 public:
  Query(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  Query(sqlite3* db, const std::string& sql) : Query(db, sql.c_str()) {}
  Query(sqlite3* db, sqlite3_stmt* cached) : db_(db), s_(cached), owned_(false) {}
  ~Query() {
    if (owned_) {
      sqlite3_finalize(s_);
    } else if (s_ != nullptr) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  [[nodiscard]] bool ok() const { return s_ != nullptr; }
  Query& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Query& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Query& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Query& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Query& bind_null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  // Columns of the current row.
  std::int64_t i64(int c) { return sqlite3_column_int64(s_, c); }
  int type(int c) { return sqlite3_column_type(s_, c); }
  bool null(int c) { return type(c) == SQLITE_NULL; }
  /// The integer, or 0 for NULL.
  std::int64_t i64_or_0(int c) { return null(c) ? 0 : i64(c); }
  std::string text(int c) {
    const auto* p = sqlite3_column_text(s_, c);
    return p != nullptr ? std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(s_, c)))
                        : std::string();
  }

  /// This connection's last failure, as sql_error.
  [[nodiscard]] core::Error error(std::string_view what) const { return sql_error(db_, what); }

  /// The row-reading loop: calls row(*this) for every row until SQLite says done. Errors
  /// (naming `what`): the statement did not prepare, or a step failed. A cached statement
  /// may run again after reset() and new bindings.
  template <typename Fn>
  core::Result<bool> each(std::string_view what, Fn&& row) {
    if (s_ == nullptr) return error(what);
    int rc = 0;
    while ((rc = step()) == SQLITE_ROW) row(*this);
    if (rc != SQLITE_DONE) return error(what);
    return true;
  }

  /// Every row as read(*this) returns it, in order.
  template <typename Read>
  auto rows(std::string_view what, Read&& read)
      -> core::Result<std::vector<std::invoke_result_t<Read&, Query&>>> {
    std::vector<std::invoke_result_t<Read&, Query&>> out;
    if (auto r = each(what, [&](Query& q) { out.push_back(read(q)); }); !r) return r.error();
    return out;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  bool owned_ = true;
};

/// Makes one call atomic whether or not a transaction is open: SAVEPOINT nests inside the
/// writer's BEGIN, and outside one it is a transaction of its own that RELEASE commits.
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

/// Runs `head (?,?,...) tail` once per chunk of ids (bound as ?1..?n) and calls row(query)
/// for every row, so a long list never exceeds SQLite's limit on parameters.
template <typename Row>
core::Result<bool> for_id_chunks(sqlite3* db, const std::vector<std::int64_t>& ids,
                                 const std::string& head, const std::string& tail,
                                 std::string_view what, Row&& row) {
  constexpr std::size_t kChunk = 500;
  for (std::size_t at = 0; at < ids.size(); at += kChunk) {
    const std::size_t n = std::min(kChunk, ids.size() - at);
    std::string sql = head + "(";
    for (std::size_t i = 0; i < n; ++i) sql += i == 0 ? "?" : ",?";
    sql += ")" + tail;
    Query q(db, sql);
    for (std::size_t i = 0; q.ok() && i < n; ++i) q.bind(static_cast<int>(i + 1), ids[at + i]);
    if (auto r = q.each(what, row); !r) return r;
  }
  return true;
}

/// `s` in double quotes, `"` and `\` escaped: names in messages.
inline std::string quote_text(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace bannin::store::detail
