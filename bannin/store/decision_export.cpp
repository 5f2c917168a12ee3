#include <bannin/core/json_writer.h>
#include <bannin/store/decision_export.h>
#include <bannin/store/json_columns.h>

namespace bannin::store {
namespace {

std::string time_text(core::TimeNs t) {
  return core::format_rfc3339(t);
}

void append_history_json(std::string& out, const std::vector<StateChange>& history) {
  out += '[';
  for (std::size_t i = 0; i < history.size(); ++i) {
    if (i > 0) out += ',';
    core::JsonObjectWriter h(out);
    h.string("ts", time_text(history[i].ts));
    h.string("state", history[i].state);
    h.string("note", history[i].note);
    h.close();
  }
  out += ']';
}

template <typename Row, typename Fn>
std::string json_array(std::span<const Row> rows, Fn&& one) {
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out += i == 0 ? "\n" : ",\n";
    one(out, rows[i]);
  }
  out += rows.empty() ? "]\n" : "\n]\n";
  return out;
}

constexpr const char* kCsvHeader =
    "id,ts,state,scope,target,action,rule,origin,ttl_s,expires,ended,reason,target_json";

void append_csv_row(std::string& out, const DecisionRow& d) {
  auto field = [&](std::string_view v) {
    append_csv_field(out, v);
    out += ',';
  };
  field(std::to_string(d.id));
  field(time_text(d.ts));
  field(d.state);
  field(d.scope);
  field(d.target_key);
  field(d.action);
  field(d.rule);
  field(d.origin);
  field(std::to_string(d.ttl_s));
  field(time_text(d.expires));
  field(d.ended != 0 ? time_text(d.ended) : std::string());
  field(d.reason);
  append_csv_field(out, d.target_json);
}

}  // namespace

void append_decision_json(std::string& out, const DecisionRow& d,
                          const std::vector<StateChange>* history) {
  core::JsonObjectWriter o(out);
  o.integer("id", d.id);
  o.string("ts", time_text(d.ts));
  o.string("rule", d.rule);
  o.string("origin", d.origin);
  o.string("action", d.action);
  o.string("scope", d.scope);
  if (detail::json_valid(d.target_json)) {
    o.raw("target", d.target_json);
  } else {
    o.string("target", d.target_json);
  }
  o.string("target_key", d.target_key);
  o.integer("ttl_s", d.ttl_s);
  o.string("expires", time_text(d.expires));
  o.string("state", d.state);
  if (d.ended != 0) {
    o.string("ended", time_text(d.ended));
  } else {
    o.null("ended");
  }
  o.string("reason", d.reason);
  if (d.finding_id != 0) o.integer("finding_id", d.finding_id);
  if (history != nullptr) {
    o.key("history");
    append_history_json(out, *history);
  }
  o.close();
}

std::string decisions_json(std::span<const DecisionRow> rows) {
  return json_array(rows,
                    [](std::string& out, const DecisionRow& d) { append_decision_json(out, d); });
}

std::string decisions_json(std::span<const DecisionRecord> records) {
  return json_array(records, [](std::string& out, const DecisionRecord& r) {
    append_decision_json(out, r.decision, &r.history);
  });
}

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string decisions_csv(std::span<const DecisionRow> rows) {
  std::string out = kCsvHeader;
  out += "\r\n";
  for (const auto& d : rows) {
    append_csv_row(out, d);
    out += "\r\n";
  }
  return out;
}

std::string decisions_csv(std::span<const DecisionRecord> records) {
  std::string out = kCsvHeader;
  out += ",history\r\n";
  for (const auto& r : records) {
    append_csv_row(out, r.decision);
    out += ',';
    std::string h;
    for (std::size_t i = 0; i < r.history.size(); ++i) {
      if (i > 0) h += '\n';
      h += time_text(r.history[i].ts) + " " + r.history[i].state;
      if (!r.history[i].note.empty()) h += " " + r.history[i].note;
    }
    append_csv_field(out, h);
    out += "\r\n";
  }
  return out;
}

}  // namespace bannin::store
