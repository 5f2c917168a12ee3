// Store: reading findings back for the API (GET /api/v1/findings, /api/v1/incidents). Apart
// from store.cpp so the write path stays where it was; the same SQLite connection rules apply
// (one thread at a time). Every query is bounded by a limit and served by an index of
// migration 9: findings(rule, id), (rule, group_json, ts_ns), (vhost, id), (account, id),
// decisions(finding_id); the time range by findings(ts_ns).
#include <algorithm>
#include <unordered_map>

#include <sqlite3.h>

#include <bannin/store/store.h>

namespace bannin::store {
namespace {

// A statement that finalizes itself (these reads are not on a hot path; no cache).
class Query {
 public:
  Query(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  ~Query() { sqlite3_finalize(s_); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  [[nodiscard]] bool ok() const { return s_ != nullptr; }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  int step() { return sqlite3_step(s_); }
  std::int64_t i64(int c) { return sqlite3_column_int64(s_, c); }
  bool null(int c) { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  std::string text(int c) {
    const auto* p = sqlite3_column_text(s_, c);
    return p != nullptr ? std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(s_, c)))
                        : std::string();
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

core::Error read_error(sqlite3* db, const std::string& what) {
  const int rc = sqlite3_extended_errcode(db) & 0xff;
  const bool storage = rc == SQLITE_BUSY || rc == SQLITE_LOCKED || rc == SQLITE_IOERR ||
                       rc == SQLITE_NOMEM || rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
  return core::make_error(storage ? "storage" : "sqlite", what + ": " + sqlite3_errmsg(db));
}

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

// Runs `sql` once per chunk of ids (bound as ?1..?n), so a long list never exceeds SQLite's
// limit on parameters.
template <typename Row>
core::Result<bool> for_id_chunks(sqlite3* db, const std::vector<std::int64_t>& ids,
                                 const std::string& head, const std::string& tail,
                                 const std::string& what, Row row) {
  constexpr std::size_t kChunk = 500;
  for (std::size_t at = 0; at < ids.size(); at += kChunk) {
    const std::size_t n = std::min(kChunk, ids.size() - at);
    std::string sql = head + "(";
    for (std::size_t i = 0; i < n; ++i) sql += i == 0 ? "?" : ",?";
    sql += ")" + tail;
    Query q(db, sql);
    if (!q.ok()) return read_error(db, what);
    for (std::size_t i = 0; i < n; ++i) q.bind(static_cast<int>(i + 1), ids[at + i]);
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) row(q);
    if (rc != SQLITE_DONE) return read_error(db, what);
  }
  return true;
}

}  // namespace

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
  if (!q.ok()) return read_error(db_, "read findings");
  q.bind(1, filter.rule);
  q.bind(2, filter.from);
  q.bind(3, filter.to);
  q.bind(4, contains_pattern(filter.text));
  q.bind(5, filter.vhost);
  q.bind(6, filter.account);
  q.bind(7, filter.before_id);
  q.bind(8, as_limit(filter.limit));
  std::vector<StoredFinding> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(read_finding(q));
  if (rc != SQLITE_DONE) return read_error(db_, "read findings");
  if (with_evidence) {
    if (auto r = load_evidence(out); !r) return r.error();
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
  if (!q.ok()) return read_error(db_, "read findings of a group");
  q.bind(1, rule);
  q.bind(2, group_json);
  q.bind(3, from);
  q.bind(4, to);
  q.bind(5, as_limit(limit));
  std::vector<StoredFinding> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back(read_finding(q));
  if (rc != SQLITE_DONE) return read_error(db_, "read findings of a group");
  return out;
}

core::Result<bool> Store::load_evidence(std::vector<StoredFinding>& findings) {
  std::vector<std::int64_t> ids;
  std::unordered_map<std::int64_t, std::size_t> at;
  for (std::size_t i = 0; i < findings.size(); ++i) {
    ids.push_back(findings[i].id);
    at[findings[i].id] = i;
    findings[i].evidence.clear();
  }
  return for_id_chunks(db_, ids, "SELECT finding_id, line FROM evidence WHERE finding_id IN ",
                       " ORDER BY finding_id, seq;", "read evidence", [&](Query& q) {
                         if (auto it = at.find(q.i64(0)); it != at.end()) {
                           findings[it->second].evidence.push_back(q.text(1));
                         }
                       });
}

core::Result<std::vector<DecisionRow>> Store::decisions_of_findings(
    const std::vector<std::int64_t>& finding_ids) {
  std::vector<DecisionRow> out;
  auto r = for_id_chunks(
      db_, finding_ids,
      "SELECT id, ts_ns, rule, origin, action, scope, target_json, target_key, ttl_s, expires_ns,"
      " reason, state, ended_ns, finding_id FROM decisions WHERE finding_id IN ",
      " ORDER BY id;", "read decisions of findings", [&](Query& q) {
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
        d.ended = q.null(12) ? 0 : q.i64(12);
        d.finding_id = q.null(13) ? 0 : q.i64(13);
        out.push_back(std::move(d));
      });
  if (!r) return r.error();
  // Each chunk comes in id order; more than one chunk needs a sort (of the rows' positions,
  // then one move each: a row holds several strings).
  auto by_id = [](const DecisionRow& a, const DecisionRow& b) { return a.id < b.id; };
  if (!std::is_sorted(out.begin(), out.end(), by_id)) {
    std::vector<std::size_t> order(out.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return out[a].id < out[b].id; });
    std::vector<DecisionRow> sorted;
    sorted.reserve(out.size());
    for (std::size_t i : order) sorted.push_back(std::move(out[i]));
    out = std::move(sorted);
  }
  return out;
}

core::Result<std::vector<std::pair<std::int64_t, std::string>>> Store::finding_sources(
    const std::vector<std::int64_t>& finding_ids) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  auto r = for_id_chunks(db_, finding_ids,
                         "SELECT finding_id, target_key FROM decisions WHERE scope = 'ip' AND"
                         " finding_id IN ",
                         ";", "read the sources of findings",
                         [&](Query& q) { out.emplace_back(q.i64(0), q.text(1)); });
  if (!r) return r.error();
  return out;
}

core::Result<std::string> Store::findings_version() {
  Query q(db_,
          "SELECT COALESCE((SELECT MAX(id) FROM findings), 0), (SELECT COUNT(*) FROM findings),"
          " COALESCE((SELECT MAX(id) FROM decisions), 0);");
  if (!q.ok() || q.step() != SQLITE_ROW) return read_error(db_, "read the findings version");
  return std::to_string(q.i64(0)) + "/" + std::to_string(q.i64(1)) + "/" + std::to_string(q.i64(2));
}

core::Result<std::int64_t> Store::decision_states_version() {
  Query q(db_, "SELECT COALESCE((SELECT MAX(rowid) FROM decision_history), 0);");
  if (!q.ok() || q.step() != SQLITE_ROW) return read_error(db_, "read the decision states version");
  return q.i64(0);
}

core::Result<std::int64_t> Store::max_finding_id() {
  Query q(db_,
          "SELECT MAX(COALESCE((SELECT MAX(id) FROM findings), 0),"
          " COALESCE((SELECT MAX(finding_id) FROM decisions), 0));");
  if (!q.ok() || q.step() != SQLITE_ROW) return read_error(db_, "read the highest finding id");
  return q.i64(0);
}

}  // namespace bannin::store
