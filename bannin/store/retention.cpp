// Store: retention (RetentionPolicy, docs/store.md): old findings with their evidence, ended
// decisions with their history and actions, old actions and notice deliveries, in one
// transaction. An alive decision and its actions are never deleted, whatever their age.
#include <algorithm>
#include <limits>

#include <sqlite3.h>

#include <bannin/store/query.h>
#include <bannin/store/store.h>

namespace bannin::store {
namespace {

using detail::Query;
using detail::Savepoint;
using detail::sql_error;

constexpr const char* kAlive = "('proposed', 'active')";
constexpr const char* kEnded = "('expired', 'revoked', 'failed')";

core::TimeNs days_before(core::TimeNs now, int days) {
  std::int64_t d = std::min(days, 365 * 1000);
  core::TimeNs out = 0;
  if (__builtin_sub_overflow(now, d * 86400 * core::kNsPerSec, &out)) {
    return std::numeric_limits<core::TimeNs>::min();
  }
  return out;
}

}  // namespace

core::Result<PruneReport> Store::prune(const RetentionPolicy& policy, core::TimeNs now) {
  Savepoint sp(db_);
  if (!sp.ok()) return sql_error(db_, "prune");
  PruneReport rep;
  // Counts the rows a cascade is about to take with them, then deletes. Each query binds the
  // cut-off as ?1.
  auto run = [&](const std::string& count_sql, const std::string& delete_sql, core::TimeNs cut,
                 std::int64_t& counted, std::int64_t* deleted) -> core::Result<bool> {
    if (!count_sql.empty()) {
      Query c(db_, count_sql);
      if (!c.ok() || c.bind(1, cut).step() != SQLITE_ROW) return sql_error(db_, "prune");
      counted = c.i64(0);
    }
    if (deleted != nullptr) {
      Query d(db_, delete_sql);
      if (!d.ok() || d.bind(1, cut).step() != SQLITE_DONE) return sql_error(db_, "prune");
      *deleted = sqlite3_changes(db_);
    }
    return true;
  };
  if (policy.findings_days > 0) {
    core::TimeNs cut = days_before(now, policy.findings_days);
    if (auto r = run("SELECT COUNT(*) FROM evidence WHERE finding_id IN"
                     " (SELECT id FROM findings WHERE ts_ns < ?1);",
                     "DELETE FROM findings WHERE ts_ns < ?1;", cut, rep.evidence, &rep.findings);
        !r) {
      return r.error();
    }
  }
  if (policy.decisions_days > 0) {
    // Ended decisions only: an alive decision (proposed/active) has no ended_ns and is never
    // selected, whatever its age.
    core::TimeNs cut = days_before(now, policy.decisions_days);
    std::string ended = std::string(
                            "SELECT id FROM decisions WHERE ended_ns IS NOT NULL AND"
                            " ended_ns < ?1 AND state IN ") +
                        kEnded;
    std::int64_t cascaded_actions = 0;
    if (auto r = run("SELECT COUNT(*) FROM decision_history WHERE decision_id IN (" + ended + ");",
                     "", cut, rep.history, nullptr);
        !r) {
      return r.error();
    }
    if (auto r = run("SELECT COUNT(*) FROM actions WHERE decision_id IN (" + ended + ");",
                     "DELETE FROM decisions WHERE id IN (" + ended + ");", cut, cascaded_actions,
                     &rep.decisions);
        !r) {
      return r.error();
    }
    rep.actions += cascaded_actions;
  }
  if (policy.actions_days > 0) {
    core::TimeNs cut = days_before(now, policy.actions_days);
    std::int64_t unused = 0, deleted = 0;
    if (auto r = run("",
                     std::string("DELETE FROM actions WHERE ts_ns < ?1 AND decision_id NOT IN"
                                 " (SELECT id FROM decisions WHERE state IN ") +
                         kAlive + ");",
                     cut, unused, &deleted);
        !r) {
      return r.error();
    }
    rep.actions += deleted;
    // Notice deliveries are kept as long as actions.
    if (auto r = run("", "DELETE FROM notice_deliveries WHERE ts_ns < ?1;", cut, unused,
                     &rep.notice_deliveries);
        !r) {
      return r.error();
    }
  }
  if (auto r = sp.release("prune"); !r) return r.error();
  return rep;
}

core::Result<std::int64_t> Store::prune_findings(core::TimeNs before) {
  Query q(db_, "DELETE FROM findings WHERE ts_ns < ?;");
  if (!q.ok() || q.bind(1, before).step() != SQLITE_DONE) return sql_error(db_, "prune findings");
  return static_cast<std::int64_t>(sqlite3_changes(db_));
}

}  // namespace bannin::store
