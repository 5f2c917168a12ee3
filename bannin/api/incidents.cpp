#include <algorithm>
#include <cstdint>
#include <numeric>
#include <unordered_set>

#include <bannin/api/incidents.h>

namespace bannin::api {
namespace {
// Times come from the store (hand-edited rows included): sums and differences saturate.
core::TimeNs sat_add(core::TimeNs a, core::TimeNs b) noexcept {
  core::TimeNs r = 0;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}
core::TimeNs sat_sub(core::TimeNs a, core::TimeNs b) noexcept {
  core::TimeNs r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return b < 0 ? INT64_MAX : INT64_MIN;
  return r;
}
}  // namespace

core::TimeNs incident_gap(core::TimeNs window) noexcept {
  if (window <= 0) return kDefaultGap;
  if (window > kDefaultGap * 24 * 365) return 2 * kDefaultGap * 24 * 365;  // no overflow
  return std::max(2 * window, kMinGap);
}

std::string_view sole_source(std::string_view group_json) noexcept {
  constexpr std::string_view kHead = R"({"src_ip":")";
  if (group_json.size() <= kHead.size() + 2 || group_json.substr(0, kHead.size()) != kHead ||
      group_json.substr(group_json.size() - 2) != "\"}") {
    return {};
  }
  std::string_view ip = group_json.substr(kHead.size(), group_json.size() - kHead.size() - 2);
  // An address has no quote, backslash or comma: anything else is another shape of group.
  if (ip.find_first_of("\"\\,") != std::string_view::npos) return {};
  return ip;
}

std::vector<Incident> group_incidents(
    const std::vector<IncidentFinding>& findings,
    const std::function<IncidentRule(const std::string& rule)>& rule_of,
    const std::unordered_map<std::int64_t, std::vector<std::string>>& members) {
  // 1. By rule and group, then time: runs no further apart than the gap.
  std::vector<std::size_t> order(findings.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const IncidentFinding& x = findings[a];
    const IncidentFinding& y = findings[b];
    if (x.rule != y.rule) return x.rule < y.rule;
    if (x.group_json != y.group_json) return x.group_json < y.group_json;
    if (x.ts != y.ts) return x.ts < y.ts;
    return x.id < y.id;
  });
  std::vector<Incident> out;
  std::vector<IncidentRule> facts;  // parallel to out
  std::string last_rule;
  IncidentRule rule_facts;
  for (std::size_t i : order) {
    const IncidentFinding& f = findings[i];
    if (out.empty() || f.rule != last_rule) {
      rule_facts = rule_of(f.rule);
      last_rule = f.rule;
    }
    bool extend = !out.empty() && out.back().rule == f.rule &&
                  out.back().group_json == f.group_json &&
                  sat_sub(f.ts, out.back().last) <= rule_facts.gap;
    if (!extend) {
      Incident inc;
      inc.id = f.id;
      inc.rule = f.rule;
      inc.group_json = f.group_json;
      inc.first = f.ts;
      inc.last = f.ts;
      out.push_back(std::move(inc));
      facts.push_back(rule_facts);
    }
    Incident& inc = out.back();
    inc.own.push_back(i);
    inc.id = std::min(inc.id, f.id);
    inc.last = std::max(inc.last, f.ts);
  }

  std::vector<bool> merged(out.size(), false);
  // Moves incident `from` into `into` (its findings become linked ones).
  auto merge = [&](std::size_t from, std::size_t into) {
    Incident& a = out[into];
    Incident& b = out[from];
    a.linked.insert(a.linked.end(), b.own.begin(), b.own.end());
    a.linked.insert(a.linked.end(), b.linked.begin(), b.linked.end());
    a.first = std::min(a.first, b.first);
    a.last = std::max(a.last, b.last);
    merged[from] = true;
  };

  // 2. One source, several per-source rules, one time: the same event (a scanner that trips
  // two rules, user enumeration followed by password guessing).
  std::unordered_map<std::string_view, std::vector<std::size_t>> by_source;
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (facts[k].campaign) continue;
    const std::string_view src = sole_source(out[k].group_json);
    if (!src.empty()) by_source[src].push_back(k);
  }
  for (auto& [src, list] : by_source) {
    if (list.size() < 2) continue;
    std::sort(list.begin(), list.end(), [&](std::size_t a, std::size_t b) {
      return out[a].first != out[b].first ? out[a].first < out[b].first : out[a].id < out[b].id;
    });
    std::size_t keep = list.front();
    core::TimeNs keep_gap = facts[keep].gap;
    for (std::size_t n = 1; n < list.size(); ++n) {
      std::size_t k = list[n];
      if (out[k].first > sat_add(out[keep].last, std::max(keep_gap, facts[k].gap))) {
        keep = k;
        keep_gap = facts[k].gap;
        continue;
      }
      keep_gap = std::max(keep_gap, facts[k].gap);
      if (out[k].id < out[keep].id) std::swap(k, keep);  // the lowest id takes the others
      merge(k, keep);
    }
  }

  // 3. Campaign links: source -> campaign incidents that decided on it.
  std::unordered_map<std::string_view, std::vector<std::size_t>> by_member;
  for (std::size_t c = 0; c < out.size(); ++c) {
    if (!facts[c].campaign) continue;
    std::unordered_set<std::string_view> seen;
    for (std::size_t i : out[c].own) {
      auto m = members.find(findings[i].id);
      if (m == members.end()) continue;
      for (const std::string& ip : m->second) {
        if (seen.insert(ip).second) by_member[ip].push_back(c);
      }
    }
  }
  if (!by_member.empty()) {
    for (std::size_t p = 0; p < out.size(); ++p) {
      if (facts[p].campaign || merged[p]) continue;
      const std::string_view src = sole_source(out[p].group_json);
      if (src.empty()) continue;
      auto cands = by_member.find(src);
      if (cands == by_member.end()) continue;
      std::size_t best = out.size();
      for (std::size_t c : cands->second) {
        const core::TimeNs gap = facts[c].gap;
        if (out[p].first > sat_add(out[c].last, gap) || out[p].last < sat_sub(out[c].first, gap)) {
          continue;
        }
        if (best == out.size() || out[c].id < out[best].id) best = c;
      }
      if (best != out.size()) merge(p, best);
    }
  }
  // 4. A form relay and its account's outbound mail: the mail incident joins the form's.
  std::unordered_map<std::string_view, std::vector<std::size_t>> forms_of;  // account -> forms
  auto account_of = [&](const Incident& inc) -> std::string_view {
    for (std::size_t i : inc.own) {
      if (!findings[i].account.empty()) return findings[i].account;
    }
    return {};
  };
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (merged[k] || !model::is_form_relay_rule(out[k].rule)) continue;
    const std::string_view a = account_of(out[k]);
    if (!a.empty()) forms_of[a].push_back(k);
  }
  if (!forms_of.empty()) {
    for (std::size_t m = 0; m < out.size(); ++m) {
      if (merged[m] || !model::is_mail_outbound_rule(out[m].rule)) continue;
      auto forms = forms_of.find(account_of(out[m]));
      if (forms == forms_of.end()) continue;
      std::size_t best = out.size();
      for (std::size_t f : forms->second) {
        if (merged[f]) continue;
        if (out[m].first > sat_add(out[f].last, model::kWebMailWindow) ||
            out[m].last < sat_sub(out[f].first, model::kWebMailWindow)) {
          continue;
        }
        if (best == out.size() || out[f].id < out[best].id) best = f;
      }
      if (best != out.size()) merge(m, best);
    }
  }

  std::vector<Incident> result;
  result.reserve(out.size());
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (merged[k]) continue;
    Incident& inc = out[k];
    std::sort(inc.linked.begin(), inc.linked.end(), [&](std::size_t a, std::size_t b) {
      return findings[a].ts != findings[b].ts ? findings[a].ts < findings[b].ts
                                              : findings[a].id < findings[b].id;
    });
    for (std::size_t i : inc.linked) {
      inc.first = std::min(inc.first, findings[i].ts);
      inc.last = std::max(inc.last, findings[i].ts);
    }
    result.push_back(std::move(inc));
  }
  std::sort(result.begin(), result.end(),
            [](const Incident& a, const Incident& b) { return a.id > b.id; });
  return result;
}

}  // namespace bannin::api
