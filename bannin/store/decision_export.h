// Decisions as JSON and CSV, for `bannin decisions list/export` and the API's
// GET /api/v1/decisions. Pure functions of store rows; thread-safe.
//
// JSON: one object per decision,
//   {"id":7,"ts":"2026-05-01T10:00:00Z","rule":"web.wp_login.bruteforce","origin":"rule",
//    "action":"deny","scope":"ip","target":{"ip":"192.0.2.7"},"target_key":"192.0.2.7",
//    "ttl_s":3600,"expires":"2026-05-01T11:00:00Z","state":"active","ended":null,
//    "reason":"…","history":[{"ts":"…","state":"proposed","note":"created"},…]}
// ("finding_id": the finding that caused it, only when known; "history" only for DecisionRecord
// input; "target" is the stored target_json, or that text
// as a JSON string when a hand-edited row does not hold valid JSON).
// CSV: RFC 4180 (a header line, CRLF line ends, fields with a comma, quote, CR or LF quoted,
// quotes doubled), columns id,ts,state,scope,target,action,rule,origin,ttl_s,expires,ended,
// reason,target_json and, for DecisionRecord input, history (one "TS STATE NOTE" per line).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <bannin/store/store.h>

namespace bannin::store {

/// Appends one decision object (with "history" when history is not null).
void append_decision_json(std::string& out, const DecisionRow& d,
                          const std::vector<StateChange>* history = nullptr);
/// A JSON array of decision objects, newline after each element.
std::string decisions_json(std::span<const DecisionRow> rows);
std::string decisions_json(std::span<const DecisionRecord> records);

/// Appends one RFC 4180 field (quoted only when needed).
void append_csv_field(std::string& out, std::string_view field);
std::string decisions_csv(std::span<const DecisionRow> rows);
std::string decisions_csv(std::span<const DecisionRecord> records);

}  // namespace bannin::store
