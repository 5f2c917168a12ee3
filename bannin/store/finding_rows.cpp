// Store: findings and their evidence lines (migrations 1 and 9): written by the pipeline (the
// writer thread), read back for the API (GET /api/v1/findings, /api/v1/incidents). Every read
// is bounded by a limit and served by an index of migration 9: findings(rule, id),
// (rule, group_json, ts_ns), (vhost, id), (account, id), decisions(finding_id); the time
// range by findings(ts_ns).
#include <algorithm>
#include <limits>
#include <unordered_map>

#include <sqlite3.h>

#include <bannin/store/query.h>
#include <bannin/store/store.h>

namespace bannin::store {
namespace {

using detail::Query;
using detail::Savepoint;
using detail::sql_error;

constexpr const char* kFindingColumns =
    "SELECT id, ts_ns, rule, group_json, numbers_json, vhost, account FROM findings ";

StoredFinding read_finding(Query& q) {
  StoredFinding f;
  f.id = q.i64(0);
  f.ts = q.i64(1);
  f.rule = q.text(2);
  f.group_json = q.text(3);
  f.numbers_json = q.text(4);
  f.vhost = q.text(5);
  f.account = q.text(6);
  return f;
}

// LIKE pattern for "contains text", with the wildcards in text escaped.
std::string contains_pattern(std::string_view text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

std::int64_t as_limit(std::size_t n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(n, 1U << 30));
}

}  // namespace

// --- writes -------------------------------------------------------------------------------

core::Result<std::int64_t> Store::add_finding(const FindingRow& f) {
  Savepoint sp(db_);
  if (!sp.ok()) return sql_error(db_, "add finding");
  Query q(db_,
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
  Query one(db_, cached("INSERT INTO evidence(finding_id, seq, line) VALUES (?,?,?);"));
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

// --- reads --------------------------------------------------------------------------------

core::Result<std::vector<StoredFinding>> Store::findings(const FindingFilter& filter,
                                                         bool with_evidence) {
  // Only the filters given become conditions, so SQLite picks the index that serves them
  // (rule, vhost or account with id; else the id itself or the time index).
  std::string sql = kFindingColumns;
  std::vector<std::string> where;
  if (!filter.rule.empty()) where.emplace_back("rule = ?1");
  if (filter.from != std::numeric_limits<core::TimeNs>::min()) where.emplace_back("ts_ns >= ?2");
  if (filter.to != std::numeric_limits<core::TimeNs>::max()) where.emplace_back("ts_ns <= ?3");
  if (!filter.text.empty()) where.emplace_back("group_json LIKE ?4 ESCAPE '\\'");
  if (!filter.vhost.empty()) where.emplace_back("vhost = ?5");
  if (!filter.account.empty()) where.emplace_back("account = ?6");
  if (filter.before_id > 0) where.emplace_back("id < ?7");
  for (std::size_t i = 0; i < where.size(); ++i) sql += (i == 0 ? "WHERE " : " AND ") + where[i];
  sql += " ORDER BY id DESC LIMIT ?8;";
  Query q(db_, sql);
  q.bind(1, filter.rule)
      .bind(2, filter.from)
      .bind(3, filter.to)
      .bind(4, contains_pattern(filter.text))
      .bind(5, filter.vhost)
      .bind(6, filter.account)
      .bind(7, filter.before_id)
      .bind(8, as_limit(filter.limit));
  auto out = q.rows("read findings", read_finding);
  if (out && with_evidence) {
    if (auto r = load_evidence(*out); !r) return r.error();
  }
  return out;
}

core::Result<std::vector<StoredFinding>> Store::group_findings(const std::string& rule,
                                                               const std::string& group_json,
                                                               core::TimeNs from, core::TimeNs to,
                                                               std::size_t limit) {
  Query q(db_, std::string(kFindingColumns) +
                   "WHERE rule = ?1 AND group_json = ?2 AND ts_ns >= ?3 AND ts_ns <= ?4"
                   " ORDER BY ts_ns, id LIMIT ?5;");
  q.bind(1, rule).bind(2, group_json).bind(3, from).bind(4, to).bind(5, as_limit(limit));
  return q.rows("read findings of a group", read_finding);
}

core::Result<bool> Store::load_evidence(std::vector<StoredFinding>& findings) {
  std::vector<std::int64_t> ids;
  std::unordered_map<std::int64_t, std::size_t> at;
  for (std::size_t i = 0; i < findings.size(); ++i) {
    ids.push_back(findings[i].id);
    at[findings[i].id] = i;
    findings[i].evidence.clear();
  }
  return detail::for_id_chunks(db_, ids,
                               "SELECT finding_id, line FROM evidence WHERE finding_id IN ",
                               " ORDER BY finding_id, seq;", "read evidence", [&](Query& q) {
                                 if (auto it = at.find(q.i64(0)); it != at.end()) {
                                   findings[it->second].evidence.push_back(q.text(1));
                                 }
                               });
}

core::Result<std::string> Store::findings_version() {
  Query q(db_,
          "SELECT COALESCE((SELECT MAX(id) FROM findings), 0), (SELECT COUNT(*) FROM findings),"
          " COALESCE((SELECT MAX(id) FROM decisions), 0);");
  if (!q.ok() || q.step() != SQLITE_ROW) return sql_error(db_, "read the findings version");
  return std::to_string(q.i64(0)) + "/" + std::to_string(q.i64(1)) + "/" + std::to_string(q.i64(2));
}

core::Result<std::int64_t> Store::max_finding_id() {
  Query q(db_,
          "SELECT MAX(COALESCE((SELECT MAX(id) FROM findings), 0),"
          " COALESCE((SELECT MAX(finding_id) FROM decisions), 0));");
  if (!q.ok() || q.step() != SQLITE_ROW) return sql_error(db_, "read the highest finding id");
  return q.i64(0);
}

}  // namespace bannin::store
