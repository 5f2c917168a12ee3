// Store: the domain probe (migration 3; bannin run, `domains:`): the latest result of every
// check, replaced each round, and one history row per confirmed change of state.
#include <algorithm>
#include <climits>

#include <sqlite3.h>

#include <bannin/store/query.h>
#include <bannin/store/store.h>

namespace bannin::store {

using detail::Query;
using detail::sql_error;

core::Result<bool> Store::save_domain_check(const DomainCheckRow& r) {
  Query q(
      db_,
      cached(
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
  Query q(
      db_,
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
  Query q(db_, std::string("SELECT subject, check_name, source_key, state, severity, source,"
                           " detail, since_ns, checked_ns FROM domain_checks") +
                   (subject.empty() ? "" : " WHERE subject = ?") +
                   " ORDER BY subject, check_name, source_key;");
  if (!subject.empty()) q.bind(1, subject);
  return q.rows("read domain checks", [](Query& row) {
    DomainCheckRow r;
    r.subject = row.text(0);
    r.check = row.text(1);
    r.source_key = row.text(2);
    r.state = row.text(3);
    r.severity = row.text(4);
    r.source = row.text(5);
    r.detail = row.text(6);
    r.since = row.i64(7);
    r.checked = row.i64(8);
    return r;
  });
}

core::Result<std::vector<DomainChangeRow>> Store::domain_changes(const std::string& subject,
                                                                 std::size_t limit) {
  // The newest `limit`, returned oldest first.
  Query q(db_, std::string("SELECT ts_ns, first_seen_ns, subject, check_name, source_key,"
                           " previous_state, state, severity, source, detail FROM domain_history") +
                   (subject.empty() ? "" : " WHERE subject = ?1") +
                   " ORDER BY ts_ns DESC, id DESC LIMIT ?2;");
  if (!subject.empty()) q.bind(1, subject);
  q.bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  auto out = q.rows("read domain history", [](Query& row) {
    DomainChangeRow r;
    r.ts = row.i64(0);
    r.first_seen = row.i64(1);
    r.subject = row.text(2);
    r.check = row.text(3);
    r.source_key = row.text(4);
    r.previous = row.text(5);
    r.state = row.text(6);
    r.severity = row.text(7);
    r.source = row.text(8);
    r.detail = row.text(9);
    return r;
  });
  if (out) std::reverse(out->begin(), out->end());
  return out;
}

}  // namespace bannin::store
