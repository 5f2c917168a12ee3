// Store: decisions, their state history and the actions carried out on them (migrations 1, 2
// and 9's finding_id): the decide stage's audit trail, what the expiry sweep and the API read.
#include <algorithm>
#include <limits>

#include <sqlite3.h>

#include <bannin/store/query.h>
#include <bannin/store/store.h>

namespace bannin::store {
namespace {

using detail::Query;
using detail::quote_text;
using detail::Savepoint;
using detail::sql_error;

constexpr const char* kAlive = "('proposed', 'active')";

core::TimeNs expiry(core::TimeNs ts, std::int64_t ttl_s) {
  core::TimeNs ttl_ns = 0, out = 0;
  if (__builtin_mul_overflow(ttl_s, core::kNsPerSec, &ttl_ns) ||
      __builtin_add_overflow(ts, ttl_ns, &out)) {
    return std::numeric_limits<core::TimeNs>::max();
  }
  return out;
}

constexpr const char* kDecisionColumns =
    "SELECT id, ts_ns, rule, origin, action, scope, target_json, target_key, ttl_s, expires_ns,"
    " reason, state, ended_ns, finding_id FROM decisions ";

DecisionRow read_decision(Query& q) {
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
  d.ended = q.i64_or_0(12);
  d.finding_id = q.i64_or_0(13);
  return d;
}

StateChange read_state_change(Query& q, std::int64_t decision_id) {
  return {decision_id, q.i64(0), q.text(1), q.text(2)};
}

}  // namespace

// --- writes -------------------------------------------------------------------------------

core::Result<std::int64_t> Store::add_decision(const DecisionRow& d) {
  if (!is_state(d.state)) {
    return core::make_error("bad_state", "add decision: unknown state " + quote_text(d.state));
  }
  if (d.ttl_s < 0 || d.id < 0) {
    return core::make_error("bad_decision",
                            "add decision: negative " + std::string(d.id < 0 ? "id" : "ttl_s"));
  }
  Savepoint sp(db_);
  if (!sp.ok()) return sql_error(db_, "add decision");
  Query q(db_,
          cached("INSERT INTO decisions(id, ts_ns, rule, origin, action, scope, target_json, ttl_s,"
                 " expires_ns, reason, state, target_key, ended_ns, finding_id)"
                 " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?);"));
  if (!q.ok()) return sql_error(db_, "add decision");
  if (d.id != 0) {
    q.bind(1, d.id);
  } else {
    q.bind_null(1);  // INTEGER PRIMARY KEY: the next id
  }
  q.bind(2, d.ts)
      .bind(3, d.rule)
      .bind(4, d.origin)
      .bind(5, d.action)
      .bind(6, d.scope)
      .bind(7, d.target_json)
      .bind(8, d.ttl_s)
      .bind(9, expiry(d.ts, d.ttl_s))
      .bind(10, d.reason)
      .bind(11, d.state)
      .bind(12, d.target_key.empty() ? target_key_of(d.scope, d.target_json) : d.target_key);
  if (is_ended_state(d.state)) {
    q.bind(13, d.ts);
  } else {
    q.bind_null(13);
  }
  if (d.finding_id > 0) {
    q.bind(14, d.finding_id);
  } else {
    q.bind_null(14);
  }
  if (q.step() != SQLITE_DONE) return sql_error(db_, "add decision");
  std::int64_t id = sqlite3_last_insert_rowid(db_);
  Query h(
      db_,
      cached("INSERT INTO decision_history(decision_id, ts_ns, state, note) VALUES (?,?,?,?);"));
  if (!h.ok() ||
      h.bind(1, id).bind(2, d.ts).bind(3, d.state).bind(4, "created").step() != SQLITE_DONE) {
    return sql_error(db_, "add decision history");
  }
  if (auto r = sp.release("add decision"); !r) return r.error();
  return id;
}

core::Result<bool> Store::set_state(std::int64_t id, std::string_view state, core::TimeNs ts,
                                    std::string_view note) {
  std::string what = "decision " + std::to_string(id);
  if (!is_state(state)) {
    return core::make_error("bad_state", what + ": unknown state " + quote_text(state));
  }
  Savepoint sp(db_);
  if (!sp.ok()) return sql_error(db_, what);
  std::string current;
  {
    Query q(db_, cached("SELECT state FROM decisions WHERE id = ?;"));
    if (!q.ok()) return sql_error(db_, what);
    int rc = q.bind(1, id).step();
    if (rc == SQLITE_DONE)
      return core::make_error("not_found", "no decision " + std::to_string(id));
    if (rc != SQLITE_ROW) return sql_error(db_, what);
    current = q.text(0);
  }
  if (current == "expired" || current == "revoked") {
    return core::make_error(
        "bad_transition",
        what + " is " + current + " (final); it cannot become " + std::string(state));
  }
  Query u(db_, cached("UPDATE decisions SET state = ?, ended_ns = ? WHERE id = ?;"));
  if (!u.ok()) return sql_error(db_, what + ": change state");
  u.bind(1, state).bind(3, id);
  if (is_ended_state(state)) {
    u.bind(2, ts);
  } else {
    u.bind_null(2);
  }
  if (u.step() != SQLITE_DONE) return sql_error(db_, what + ": change state");
  Query h(
      db_,
      cached("INSERT INTO decision_history(decision_id, ts_ns, state, note) VALUES (?,?,?,?);"));
  if (!h.ok() || h.bind(1, id).bind(2, ts).bind(3, state).bind(4, note).step() != SQLITE_DONE) {
    return sql_error(db_, what + ": history");
  }
  if (auto r = sp.release(what); !r) return r.error();
  return true;
}

core::Result<std::int64_t> Store::add_action(const ActionRow& a) {
  Query q(
      db_,
      cached(
          "INSERT INTO actions(decision_id, ts_ns, actuator, result, detail) VALUES (?,?,?,?,?);"));
  if (!q.ok() || q.bind(1, a.decision_id)
                         .bind(2, a.ts)
                         .bind(3, a.actuator)
                         .bind(4, a.result)
                         .bind(5, a.detail)
                         .step() != SQLITE_DONE) {
    return sql_error(db_, "add action for decision " + std::to_string(a.decision_id));
  }
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

// --- reads ----------------------------------------------------------------------------------

core::Result<std::vector<DecisionRow>> Store::decisions(const std::string& state) {
  Query q(db_, std::string(kDecisionColumns) +
                   (state.empty() ? "ORDER BY id;" : "WHERE state = ? ORDER BY id;"));
  if (!state.empty()) q.bind(1, state);
  return q.rows("list decisions", read_decision);
}

core::Result<std::vector<DecisionRow>> Store::in_force(core::TimeNs now) {
  Query q(db_, std::string(kDecisionColumns) + "WHERE state IN " + kAlive +
                   " AND expires_ns > ? ORDER BY id;");
  q.bind(1, now);
  return q.rows("decisions in force", read_decision);
}

core::Result<std::vector<DecisionRow>> Store::due(core::TimeNs now) {
  Query q(db_, std::string(kDecisionColumns) + "WHERE state IN " + kAlive +
                   " AND expires_ns <= ? ORDER BY expires_ns, id;");
  q.bind(1, now);
  return q.rows("decisions due", read_decision);
}

core::Result<std::vector<DecisionRow>> Store::find_in_force(std::string_view target_key,
                                                            core::TimeNs now) {
  Query q(db_, std::string(kDecisionColumns) + "WHERE target_key = ? AND state IN " + kAlive +
                   " AND expires_ns > ? ORDER BY id;");
  q.bind(1, target_key).bind(2, now);
  return q.rows("find decisions in force", read_decision);
}

core::Result<DecisionRow> Store::decision(std::int64_t id) {
  Query q(db_, std::string(kDecisionColumns) + "WHERE id = ?;");
  q.bind(1, id);
  auto rows = q.rows("read decision", read_decision);
  if (!rows) return rows.error();
  if (rows->empty()) return core::make_error("not_found", "no decision " + std::to_string(id));
  return std::move((*rows)[0]);
}

core::Result<std::int64_t> Store::max_decision_id() {
  Query q(db_, "SELECT COALESCE(MAX(id), 0) FROM decisions;");
  if (!q.ok() || q.step() != SQLITE_ROW) return sql_error(db_, "max decision id");
  return q.i64(0);
}

core::Result<std::vector<StateChange>> Store::history(std::int64_t decision_id) {
  Query q(db_,
          "SELECT ts_ns, state, note FROM decision_history WHERE decision_id = ? ORDER BY rowid;");
  q.bind(1, decision_id);
  return q.rows("history", [&](Query& row) { return read_state_change(row, decision_id); });
}

core::Result<std::vector<ActionRow>> Store::actions(std::int64_t decision_id) {
  Query q(db_,
          "SELECT ts_ns, actuator, result, detail FROM actions WHERE decision_id = ? ORDER BY id;");
  q.bind(1, decision_id);
  return q.rows("actions", [&](Query& row) {
    return ActionRow{decision_id, row.i64(0), row.text(1), row.text(2), row.text(3)};
  });
}

core::Result<std::vector<DecisionRecord>> Store::decisions_with_history(const std::string& state) {
  auto rows = decisions(state);
  if (!rows) return rows.error();
  Query q(db_,
          "SELECT ts_ns, state, note FROM decision_history WHERE decision_id = ? ORDER BY rowid;");
  if (!q.ok()) return sql_error(db_, "history");
  std::vector<DecisionRecord> out;
  out.reserve(rows->size());
  for (auto& d : *rows) {
    DecisionRecord rec;
    q.reset();
    q.bind(1, d.id);
    auto r =
        q.each("history", [&](Query& row) { rec.history.push_back(read_state_change(row, d.id)); });
    if (!r) return r.error();
    rec.decision = std::move(d);
    out.push_back(std::move(rec));
  }
  return out;
}

// --- decisions of findings (the API's findings and incidents) ---------------------------------

core::Result<std::vector<DecisionRow>> Store::decisions_of_findings(
    const std::vector<std::int64_t>& finding_ids) {
  std::vector<DecisionRow> out;
  auto r = detail::for_id_chunks(
      db_, finding_ids, std::string(kDecisionColumns) + "WHERE finding_id IN ", " ORDER BY id;",
      "read decisions of findings", [&](Query& q) { out.push_back(read_decision(q)); });
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
  auto r =
      detail::for_id_chunks(db_, finding_ids,
                            "SELECT finding_id, target_key FROM decisions WHERE scope = 'ip' AND"
                            " finding_id IN ",
                            ";", "read the sources of findings",
                            [&](Query& q) { out.emplace_back(q.i64(0), q.text(1)); });
  if (!r) return r.error();
  return out;
}

core::Result<std::int64_t> Store::decision_states_version() {
  Query q(db_, "SELECT COALESCE((SELECT MAX(rowid) FROM decision_history), 0);");
  if (!q.ok() || q.step() != SQLITE_ROW) return sql_error(db_, "read the decision states version");
  return q.i64(0);
}

}  // namespace bannin::store
