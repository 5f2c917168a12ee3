#include <array>
#include <charconv>
#include <string>

#include <bannin/api/json_value.h>
#include <bannin/api/rule_metrics.h>

namespace bannin::api {
namespace {

struct Family {
  std::string_view counter;  // key in the rule's "counters" object (docs/api.md "Rules")
  std::string_view name;
  std::string_view help;
};

constexpr std::array<Family, 9> kFamilies = {{
    {"evaluations", "bannin_rule_evaluations_total", "Events of the rule's kinds it looked at."},
    {"matched", "bannin_rule_matched_total", "Events that passed the rule's where."},
    {"findings", "bannin_rule_findings_total", "Times the rule fired (findings)."},
    {"decisions", "bannin_rule_decisions_total", "Decisions admitted for the rule's findings."},
    {"capped", "bannin_rule_capped_total", "Decisions refused by decide.max_per_minute."},
    {"suppressed", "bannin_rule_suppressed_total",
     "Decisions not taken (allowlisted, already decided, covered by a prefix)."},
    {"groups_evicted", "bannin_rule_groups_evicted_total",
     "Groups dropped for the group cap or the memory budget."},
    {"groups_expired", "bannin_rule_groups_expired_total", "Groups whose window passed."},
    {"members_cut", "bannin_rule_members_cut_total", "Campaign members not tracked (max_members)."},
}};

/// A label value in the exposition format: backslash, quote and newline escaped.
void append_label(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_number(std::string& out, const JsonValue& v) {
  if (auto i = v.integer()) {
    out += std::to_string(*i);
    return;
  }
  char buf[32];
  const auto n = v.number().value_or(0);
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, ec == std::errc() ? end : buf);
}

}  // namespace

std::string rule_metrics_text(std::string_view rules_json) {
  auto doc = parse_json(rules_json);
  if (!doc) return {};
  const JsonValue* rules = doc->find("rules");
  if (rules == nullptr || !rules->is_array() || rules->size() == 0) return {};
  std::string out;
  for (const Family& f : kFamilies) {
    std::string lines;
    for (const JsonValue& rule : rules->items()) {
      const JsonValue* id = rule.find("id");
      const JsonValue* counters = rule.find("counters");
      if (id == nullptr || id->string() == nullptr || counters == nullptr) continue;
      const JsonValue* v = counters->find(f.counter);
      if (v == nullptr || !v->is_number()) continue;
      lines += f.name;
      lines += "{rule=\"";
      append_label(lines, *id->string());
      lines += "\"} ";
      append_number(lines, *v);
      lines += '\n';
    }
    if (lines.empty()) continue;
    out += "# HELP ";
    out += f.name;
    out += ' ';
    out += f.help;
    out += "\n# TYPE ";
    out += f.name;
    out += " counter\n";
    out += lines;
  }
  return out;
}

}  // namespace bannin::api
