// Store: notices (migration 6, notify/): one row per delivery attempt's outcome, so a notice
// that did not reach its recipient is on record with why.
#include <sqlite3.h>

#include <bannin/store/query.h>
#include <bannin/store/store.h>

namespace bannin::store {

using detail::Query;
using detail::sql_error;

core::Result<std::int64_t> Store::add_notice_delivery(const NoticeDeliveryRow& n) {
  Query q(
      db_,
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

}  // namespace bannin::store
