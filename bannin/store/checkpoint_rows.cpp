// Store: where each source resumes (migrations 1 and 4): a file's device, inode, offset and
// head hash, or the journal's cursor. Saved by the writer in the same transaction as the
// findings of the lines before it, so a restart neither loses nor repeats a line.
#include <charconv>
#include <limits>
#include <system_error>

#include <sqlite3.h>

#include <bannin/store/query.h>
#include <bannin/store/store.h>

namespace bannin::store {

using detail::Query;
using detail::quote_text;
using detail::sql_error;

core::Result<bool> Store::save_checkpoint(const CheckpointRow& c) {
  if (c.source.empty()) return core::make_error("bad_checkpoint", "checkpoint without a source");
  if (!c.cursor.empty()) {
    Query q(db_, cached("INSERT INTO source_cursors(source, cursor, updated_ns) VALUES (?,?,?)"
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
  Query q(
      db_,
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
  Query files(db_,
              "SELECT rowid, source, device, inode, offset_bytes, head_hash, updated_ns"
              " FROM checkpoints ORDER BY source, rowid;");
  CheckpointLoad out;
  auto read_file = [&](Query& q) {
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
      return;
    }
    c.device = static_cast<std::uint64_t>(device);
    c.inode = static_cast<std::uint64_t>(inode);
    c.offset = static_cast<std::uint64_t>(offset);
    c.updated_ts = updated;
    out.rows.push_back(std::move(c));
  };
  if (auto r = files.each("load checkpoints", read_file); !r) return r.error();
  // Cursors (the journal): text resume points, one per source.
  Query cursors(db_,
                "SELECT rowid, source, cursor, updated_ns FROM source_cursors"
                " ORDER BY source, rowid;");
  auto read_cursor = [&](Query& c) {
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
      return;
    }
    row.updated_ts = c.i64(3);
    out.rows.push_back(std::move(row));
  };
  if (auto r = cursors.each("load cursors", read_cursor); !r) return r.error();
  return out;
}

}  // namespace bannin::store
