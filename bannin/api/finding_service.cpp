#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

#include <bannin/api/finding_service.h>
#include <bannin/api/incidents.h>
#include <bannin/api/json_value.h>
#include <bannin/api/text_checks.h>
#include <bannin/core/json_writer.h>
#include <bannin/store/decision_export.h>
#include <bannin/store/json_scan.h>

namespace bannin::api {

struct FindingService::Grouped {
  std::vector<store::StoredFinding> rows;  // scanned, newest id first
  std::vector<IncidentFinding> inputs;     // parallel to rows
  std::vector<Incident> incidents;         // newest first
  std::unordered_map<std::int64_t, std::vector<std::string>> members;
  std::map<std::string, std::optional<RuleFacts>> facts;  // per request
  bool truncated = false;
};

namespace {

core::Error store_error(const core::Error& e) {
  return core::make_error(e.code == "storage" ? "store_busy" : "store",
                          "the store could not be read: " + e.message);
}

std::string time_text(core::TimeNs t) {
  return core::format_rfc3339(t);
}

// A JSON key that may hold any text (aggregate texts have quotes: share(path == "/x")).
void key(std::string& out, bool& first, std::string_view k) {
  if (!first) out += ',';
  first = false;
  core::json_append_string(out, k);
  out += ':';
}

void number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  out += buf;
}

// A stored JSON column as a value: itself when valid, else as a string (a hand-edited row).
void raw_or_string(core::JsonObjectWriter& o, std::string_view k, const std::string& json) {
  if (store::detail::json_valid(json)) {
    o.raw(k, json);
  } else {
    o.string(k, json);
  }
}

bool in_force(const store::DecisionRow& d, core::TimeNs now) {
  return (d.state == "proposed" || d.state == "active") && d.expires > now;
}

bool matches(const store::StoredFinding& f, const FindingQuery& q, const std::string& text) {
  if (!q.rule.empty() && f.rule != q.rule) return false;
  if (!q.vhost.empty() && f.vhost != q.vhost) return false;
  if (!q.account.empty() && f.account != q.account) return false;
  if (!text.empty() && ascii_lower(f.group_json).find(text) == std::string::npos) return false;
  return true;
}

void append_finding(std::string& out, const store::StoredFinding& f,
                    const std::optional<RuleFacts>& facts,
                    const std::vector<const store::DecisionRow*>* decisions,
                    std::size_t decisions_total) {
  core::JsonObjectWriter o(out);
  o.integer("id", f.id);
  o.string("ts", time_text(f.ts));
  o.string("rule", f.rule);
  o.string("title", facts ? facts->title : std::string());
  raw_or_string(o, "group", f.group_json);
  raw_or_string(o, "numbers", f.numbers_json);
  o.string("vhost", f.vhost);
  o.string("account", f.account);
  o.key("evidence");
  out += '[';
  for (std::size_t i = 0; i < f.evidence.size(); ++i) {
    if (i != 0) out += ',';
    core::json_append_string(out, f.evidence[i]);
  }
  out += ']';
  o.integer("decisions_total", static_cast<std::int64_t>(decisions_total));
  if (decisions != nullptr) {
    o.key("decisions");
    out += '[';
    for (std::size_t i = 0; i < decisions->size(); ++i) {
      if (i != 0) out += ',';
      store::append_decision_json(out, *(*decisions)[i]);
    }
    out += ']';
  }
  o.close();
}

void append_cursor(core::JsonObjectWriter& o, bool more, CursorKind kind, std::int64_t last_id) {
  if (more) {
    o.string("next_cursor", encode_cursor(kind, last_id));
  } else {
    o.null("next_cursor");
  }
}

}  // namespace

FindingService::FindingService(store::Store& store, std::mutex& store_mu,
                               FindingServiceOptions options)
    : store_(store), mu_(store_mu), options_(std::move(options)) {
  if (!options_.now) {
    options_.now = [] {
      return std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

std::optional<RuleFacts> FindingService::facts(const std::string& rule) const {
  if (!options_.rule) return std::nullopt;
  return options_.rule(rule);
}

// --- GET /api/v1/findings ----------------------------------------------------------------

core::Result<std::string> FindingService::findings(const FindingQuery& q) {
  store::FindingFilter filter;
  filter.rule = q.rule;
  filter.from = q.from;
  filter.to = q.to;
  filter.text = q.text;
  filter.vhost = q.vhost;
  filter.account = q.account;
  filter.before_id = q.before_id;
  filter.limit = q.limit + 1;  // one more: is there a next page?
  std::vector<store::StoredFinding> rows;
  std::vector<store::DecisionRow> decisions;
  {
    std::lock_guard lock(mu_);
    auto r = store_.findings(filter, true);
    if (!r) return store_error(r.error());
    rows = std::move(*r);
    const bool more = rows.size() > q.limit;
    if (more) rows.pop_back();
    std::vector<std::int64_t> ids;
    ids.reserve(rows.size());
    for (const auto& f : rows) ids.push_back(f.id);
    auto d = store_.decisions_of_findings(ids);
    if (!d) return store_error(d.error());
    decisions = std::move(*d);
    if (more) filter.before_id = -1;  // marker: there is a next page
  }
  const bool more = filter.before_id == -1;
  std::unordered_map<std::int64_t, std::vector<const store::DecisionRow*>> by_finding;
  std::unordered_map<std::int64_t, std::size_t> totals;
  for (const auto& d : decisions) {
    ++totals[d.finding_id];
    auto& v = by_finding[d.finding_id];
    if (v.size() < kDecisionsPerFinding) v.push_back(&d);
  }
  std::map<std::string, std::optional<RuleFacts>> facts_of;
  const std::vector<const store::DecisionRow*> no_decisions;
  std::string out;
  core::JsonObjectWriter o(out);
  o.key("findings");
  out += '[';
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i != 0) out += ',';
    auto fit = facts_of.find(rows[i].rule);
    if (fit == facts_of.end()) fit = facts_of.emplace(rows[i].rule, facts(rows[i].rule)).first;
    auto b = by_finding.find(rows[i].id);
    append_finding(out, rows[i], fit->second, b != by_finding.end() ? &b->second : &no_decisions,
                   totals[rows[i].id]);
  }
  out += ']';
  append_cursor(o, more, CursorKind::Findings, rows.empty() ? 0 : rows.back().id);
  o.integer("limit", static_cast<std::int64_t>(q.limit));
  o.close();
  return out;
}

// --- incidents ---------------------------------------------------------------------------

std::pair<std::uint64_t, std::uint64_t> FindingService::cache_counts() const {
  std::lock_guard lock(mu_);
  return {hits_, misses_};
}

core::Result<std::shared_ptr<const FindingService::Grouped>> FindingService::group(
    core::TimeNs from, core::TimeNs to) {
  // Called with mu_ held.
  auto version = store_.findings_version();
  if (!version) return store_error(version.error());
  if (options_.rules_version) *version += "/" + std::to_string(options_.rules_version());
  for (auto it = cache_.begin(); it != cache_.end(); ++it) {
    if (it->from == from && it->to == to && it->version == *version) {
      ++hits_;
      Cached hit = *it;
      cache_.erase(it);
      cache_.push_back(hit);
      return hit.grouped;
    }
  }
  ++misses_;
  auto g = std::make_shared<Grouped>();
  store::FindingFilter filter;
  filter.from = from;
  filter.to = to;
  filter.limit = options_.max_scan + 1;
  auto rows = store_.findings(filter, false);
  if (!rows) return store_error(rows.error());
  g->rows = std::move(*rows);
  if (g->rows.size() > options_.max_scan) {
    g->rows.pop_back();
    g->truncated = true;
  }
  auto facts_of = [&](const std::string& rule) -> const std::optional<RuleFacts>& {
    auto it = g->facts.find(rule);
    if (it == g->facts.end()) it = g->facts.emplace(rule, facts(rule)).first;
    return it->second;
  };
  std::vector<std::int64_t> campaign_ids;
  g->inputs.reserve(g->rows.size());
  for (const auto& f : g->rows) {
    g->inputs.push_back(IncidentFinding{f.id, f.ts, f.rule, f.group_json, f.account});
    const auto& rf = facts_of(f.rule);
    if (rf && rf->campaign) campaign_ids.push_back(f.id);
  }
  if (!campaign_ids.empty()) {
    auto sources = store_.finding_sources(campaign_ids);
    if (!sources) return store_error(sources.error());
    for (auto& [finding, ip] : *sources) g->members[finding].push_back(std::move(ip));
  }
  g->incidents = group_incidents(
      g->inputs,
      [&](const std::string& rule) {
        IncidentRule r;
        const auto& rf = facts_of(rule);
        if (rf) {
          r.gap = incident_gap(rf->window);
          r.campaign = rf->campaign;
        }
        return r;
      },
      g->members);
  if (cache_.size() >= kCacheEntries) cache_.erase(cache_.begin());
  cache_.push_back(Cached{from, to, std::move(*version), g});
  return std::shared_ptr<const Grouped>(g);
}

namespace {

// Writes one incident from the grouped rows, the decisions of its findings and their
// evidence (already loaded into `evidence_rows` by finding id).
class IncidentWriter {
 public:
  IncidentWriter(const std::vector<store::StoredFinding>& rows,
                 const std::map<std::string, std::optional<RuleFacts>>& facts,
                 const FindingServiceOptions& options, core::TimeNs now,
                 std::function<std::string(const std::string&)> country)
      : rows_(rows), facts_(facts), options_(options), now_(now), country_(std::move(country)) {}

  void write(std::string& out, const Incident& inc,
             const std::vector<const store::DecisionRow*>& decisions,
             const std::unordered_map<std::int64_t, const store::StoredFinding*>& with_evidence,
             bool detail) const {
    const store::StoredFinding& head = rows_[inc.own.front()];
    const std::optional<RuleFacts>* rf = nullptr;
    if (auto it = facts_.find(inc.rule); it != facts_.end()) rf = &it->second;
    const bool known = rf != nullptr && rf->has_value();

    core::JsonObjectWriter o(out);
    o.integer("id", inc.id);
    o.string("rule", inc.rule);
    o.string("title", known ? (*rf)->title : std::string());
    raw_or_string(o, "group", inc.group_json);
    std::string vhost, account;
    for (std::size_t i : inc.own) {
      if (vhost.empty()) vhost = rows_[i].vhost;
      if (account.empty()) account = rows_[i].account;
    }
    o.string("vhost", vhost);
    o.string("path", store::detail::json_member_string(head.group_json, "path").value_or(""));
    o.string("account", account);
    o.string("first_seen", time_text(inc.first));
    o.string("last_seen", time_text(inc.last));
    const core::TimeNs gap = incident_gap(known ? (*rf)->window : 0);
    o.boolean("open", now_ - inc.last <= gap);

    // Rules involved (the incident's, then linked ones).
    std::vector<std::string> rules{inc.rule};
    for (std::size_t i : inc.linked) {
      if (std::find(rules.begin(), rules.end(), rows_[i].rule) == rules.end()) {
        rules.push_back(rows_[i].rule);
      }
    }
    o.key("rules");
    out += '[';
    for (std::size_t i = 0; i < rules.size(); ++i) {
      if (i != 0) out += ',';
      core::json_append_string(out, rules[i]);
    }
    out += ']';

    // Numbers: the largest value each reached over the incident's own findings.
    std::map<std::string, double> numbers;
    for (std::size_t i : inc.own) {
      auto v = parse_json(rows_[i].numbers_json);
      if (!v || !v->is_object()) continue;
      for (std::size_t k = 0; k < v->size(); ++k) {
        auto n = v->items()[k].number();
        if (!n) continue;
        auto [it, fresh] = numbers.try_emplace(v->keys()[k], *n);
        if (!fresh) it->second = std::max(it->second, *n);
      }
    }
    o.key("numbers");
    {
      out += '{';
      bool first = true;
      for (const auto& [text, v] : numbers) {
        key(out, first, text);
        number(out, v);
      }
      out += '}';
    }
    o.key("number_names");
    {
      out += '{';
      bool first = true;
      if (known) {
        for (const auto& [text, name] : (*rf)->number_names) {
          key(out, first, text);
          core::json_append_string(out, name);
        }
      }
      out += '}';
    }

    // Sources: the single source of per-source groups and every address a decision named.
    std::set<std::string> sources;
    auto add_source = [&](std::string_view s) {
      if (!s.empty() && sources.size() < 100'000) sources.emplace(s);
    };
    add_source(sole_source(inc.group_json));
    for (std::size_t i : inc.linked) add_source(sole_source(rows_[i].group_json));
    for (const auto* d : decisions) {
      if (d->scope == "ip") add_source(d->target_key);
    }
    std::int64_t counted = static_cast<std::int64_t>(sources.size());
    if (auto it = numbers.find("distinct(src_ip)");
        it != numbers.end() && std::isfinite(it->second)) {
      counted = std::max<std::int64_t>(counted, std::llround(std::min(it->second, 1e15)));
    }
    std::map<std::string, std::int64_t> countries;
    if (options_.country) {
      for (const auto& s : sources) {
        std::string cc = country_(s);
        ++countries[cc.empty() ? "??" : cc];
      }
    }
    std::vector<std::pair<std::int64_t, std::string>> by_count;
    by_count.reserve(countries.size());
    for (const auto& [cc, n] : countries) by_count.emplace_back(n, cc);
    std::sort(by_count.begin(), by_count.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });

    std::size_t forced = 0;
    std::map<std::string, std::int64_t> by_state, by_scope;
    for (const auto* d : decisions) {
      if (in_force(*d, now_)) ++forced;
      ++by_state[d->state];
      ++by_scope[d->scope];
    }
    o.key("counts");
    {
      core::JsonObjectWriter c(out);
      c.integer("findings", static_cast<std::int64_t>(inc.own.size()));
      c.integer("linked_findings", static_cast<std::int64_t>(inc.linked.size()));
      c.integer("sources", counted);
      c.integer("sources_located", static_cast<std::int64_t>(sources.size()));
      c.integer("countries", static_cast<std::int64_t>(
                                 std::count_if(by_count.begin(), by_count.end(),
                                               [](const auto& p) { return p.second != "??"; })));
      c.integer("decisions", static_cast<std::int64_t>(decisions.size()));
      c.integer("in_force", static_cast<std::int64_t>(forced));
      c.close();
    }
    o.key("countries");
    out += '[';
    for (std::size_t i = 0; i < by_count.size(); ++i) {
      if (i != 0) out += ',';
      core::JsonObjectWriter c(out);
      c.string("country", by_count[i].second);
      c.integer("sources", by_count[i].first);
      c.close();
    }
    out += ']';
    auto counts_object = [&](const char* k, const std::map<std::string, std::int64_t>& m) {
      o.key(k);
      out += '{';
      bool first = true;
      for (const auto& [name, n] : m) {
        key(out, first, name);
        core::json_append_int(out, n);
      }
      out += '}';
    };
    counts_object("decisions_by_state", by_state);
    counts_object("decisions_by_scope", by_scope);

    // Evidence: distinct lines of the findings whose evidence was loaded, oldest first.
    std::vector<std::string_view> evidence;
    auto add_lines = [&](std::size_t i) {
      auto it = with_evidence.find(rows_[i].id);
      if (it == with_evidence.end()) return;
      for (const auto& line : it->second->evidence) {
        if (evidence.size() >= kEvidencePerIncident) return;
        if (std::find(evidence.begin(), evidence.end(), line) == evidence.end()) {
          evidence.push_back(line);
        }
      }
    };
    for (std::size_t i : inc.own) add_lines(i);
    for (std::size_t i : inc.linked) add_lines(i);
    o.key("evidence");
    out += '[';
    for (std::size_t i = 0; i < evidence.size(); ++i) {
      if (i != 0) out += ',';
      core::json_append_string(out, evidence[i]);
    }
    out += ']';

    // The decisions in force (the first kInForceListed), then in detail every decision.
    constexpr std::size_t kInForceListed = 20;
    o.key("in_force");
    out += '[';
    std::size_t listed = 0;
    for (const auto* d : decisions) {
      if (!in_force(*d, now_) || listed >= kInForceListed) continue;
      if (listed++ != 0) out += ',';
      store::append_decision_json(out, *d);
    }
    out += ']';
    if (detail) {
      std::unordered_map<std::int64_t, std::size_t> per_finding;
      for (const auto* d : decisions) ++per_finding[d->finding_id];
      o.key("findings");
      out += '[';
      bool first = true;
      // The findings whose evidence was loaded (the caller's bound), own then linked.
      std::size_t left_out = 0;
      auto put = [&](std::size_t i) {
        auto it = with_evidence.find(rows_[i].id);
        if (it == with_evidence.end()) {
          ++left_out;
          return;
        }
        if (!first) out += ',';
        first = false;
        const std::optional<RuleFacts> none;
        auto fit = facts_.find(rows_[i].rule);
        append_finding(out, *it->second, fit != facts_.end() ? fit->second : none, nullptr,
                       per_finding[rows_[i].id]);
      };
      for (std::size_t i : inc.own) put(i);
      for (std::size_t i : inc.linked) put(i);
      out += ']';
      o.boolean("findings_truncated", left_out > 0);
      o.key("decisions");
      out += '[';
      for (std::size_t i = 0; i < decisions.size() && i < options_.max_decisions; ++i) {
        if (i != 0) out += ',';
        store::append_decision_json(out, *decisions[i]);
      }
      out += ']';
      o.boolean("decisions_truncated", decisions.size() > options_.max_decisions);
    }
    o.close();
  }

 private:
  const std::vector<store::StoredFinding>& rows_;
  const std::map<std::string, std::optional<RuleFacts>>& facts_;
  const FindingServiceOptions& options_;
  core::TimeNs now_;
  std::function<std::string(const std::string&)> country_;
};

}  // namespace

std::string FindingService::country_of(const std::string& ip) {
  // Called with mu_ held.
  if (auto it = countries_.find(ip); it != countries_.end()) return it->second;
  if (countries_.size() >= kCountryMemo) countries_.clear();
  return countries_.emplace(ip, options_.country(ip)).first->second;
}

std::uint64_t FindingService::page_hits() const {
  std::lock_guard lock(mu_);
  return page_hits_;
}

core::Result<std::string> FindingService::incidents(const FindingQuery& q) {
  const core::TimeNs now = options_.now();
  std::lock_guard lock(mu_);
  // The rendered page, when nothing it shows can have changed.
  std::string key = q.rule + '\x1f' + q.text + '\x1f' + q.vhost + '\x1f' + q.account + '\x1f' +
                    std::to_string(q.from) + '/' + std::to_string(q.to) + '/' +
                    std::to_string(q.before_id) + '/' + std::to_string(q.limit);
  auto fv = store_.findings_version();
  if (!fv) return store_error(fv.error());
  auto sv = store_.decision_states_version();
  if (!sv) return store_error(sv.error());
  std::string version = *fv + "/" + std::to_string(*sv) + "/" +
                        std::to_string(options_.rules_version ? options_.rules_version() : 0) +
                        "/" + std::to_string(now / core::kNsPerSec);
  for (auto it = pages_.begin(); it != pages_.end(); ++it) {
    if (it->key == key && it->version == version) {
      ++page_hits_;
      CachedPage hit = std::move(*it);
      pages_.erase(it);
      pages_.push_back(std::move(hit));
      return pages_.back().body;
    }
  }
  auto grouped = group(q.from, q.to);
  if (!grouped) return grouped.error();
  const Grouped& g = **grouped;

  // The page: incidents below the cursor with a finding that matches the filters.
  const std::string text = ascii_lower(q.text);
  const bool filtered = !q.rule.empty() || !q.vhost.empty() || !q.account.empty() || !text.empty();
  std::vector<const Incident*> page;
  bool more = false;
  for (const Incident& inc : g.incidents) {
    if (q.before_id > 0 && inc.id >= q.before_id) continue;
    if (filtered) {
      bool hit = false;
      for (std::size_t i : inc.own) hit = hit || matches(g.rows[i], q, text);
      for (std::size_t i : inc.linked) hit = hit || matches(g.rows[i], q, text);
      if (!hit) continue;
    }
    if (page.size() == q.limit) {
      more = true;
      break;
    }
    page.push_back(&inc);
  }

  // Their decisions and some of their evidence.
  std::vector<std::int64_t> ids;
  std::vector<store::StoredFinding> evidence_rows;
  for (const Incident* inc : page) {
    for (std::size_t i : inc->own) ids.push_back(g.rows[i].id);
    for (std::size_t i : inc->linked) ids.push_back(g.rows[i].id);
    // Lines from the first findings are enough for a list (kEvidencePerIncident at most).
    for (std::size_t k = 0; k < inc->own.size() && k < 4; ++k) {
      evidence_rows.push_back(g.rows[inc->own[k]]);
    }
    for (std::size_t k = 0; k < inc->linked.size() && k < 2; ++k) {
      evidence_rows.push_back(g.rows[inc->linked[k]]);
    }
  }
  auto decisions = store_.decisions_of_findings(ids);
  if (!decisions) return store_error(decisions.error());
  if (auto r = store_.load_evidence(evidence_rows); !r) return store_error(r.error());
  std::unordered_map<std::int64_t, const store::StoredFinding*> with_evidence;
  for (const auto& f : evidence_rows) with_evidence[f.id] = &f;
  std::unordered_map<std::int64_t, std::vector<const store::DecisionRow*>> by_finding;
  for (const auto& d : *decisions) by_finding[d.finding_id].push_back(&d);

  IncidentWriter writer(g.rows, g.facts, options_, now,
                        [this](const std::string& ip) { return country_of(ip); });
  std::string out;
  core::JsonObjectWriter o(out);
  o.key("incidents");
  out += '[';
  for (std::size_t p = 0; p < page.size(); ++p) {
    if (p != 0) out += ',';
    std::vector<const store::DecisionRow*> ds;
    for (std::size_t i : page[p]->own) {
      if (auto it = by_finding.find(g.rows[i].id); it != by_finding.end()) {
        ds.insert(ds.end(), it->second.begin(), it->second.end());
      }
    }
    for (std::size_t i : page[p]->linked) {
      if (auto it = by_finding.find(g.rows[i].id); it != by_finding.end()) {
        ds.insert(ds.end(), it->second.begin(), it->second.end());
      }
    }
    std::sort(ds.begin(), ds.end(), [](const auto* a, const auto* b) { return a->id < b->id; });
    writer.write(out, *page[p], ds, with_evidence, false);
  }
  out += ']';
  append_cursor(o, more, CursorKind::Incidents, page.empty() ? 0 : page.back()->id);
  o.integer("limit", static_cast<std::int64_t>(q.limit));
  o.integer("scanned", static_cast<std::int64_t>(g.rows.size()));
  o.boolean("truncated", g.truncated);
  o.close();
  if (pages_.size() >= kPageEntries) pages_.erase(pages_.begin());
  pages_.push_back(CachedPage{std::move(key), std::move(version), out});
  return out;
}

core::Result<std::string> FindingService::incident(std::int64_t id) {
  const core::TimeNs now = options_.now();
  std::lock_guard lock(mu_);
  store::FindingFilter one;
  one.before_id = id == INT64_MAX ? id : id + 1;
  one.limit = 1;
  auto found = store_.findings(one, false);
  if (!found) return store_error(found.error());
  if (found->empty() || found->front().id != id) {
    return core::make_error("not_found", "no incident with finding " + std::to_string(id));
  }
  const store::StoredFinding target = found->front();
  // The finding's run of its rule and group, then every finding around it (for campaign
  // links) grouped as the list groups them.
  auto rf = facts(target.rule);
  const core::TimeNs gap = incident_gap(rf ? rf->window : 0);
  auto chain = store_.group_findings(target.rule, target.group_json,
                                     std::numeric_limits<core::TimeNs>::min(),
                                     std::numeric_limits<core::TimeNs>::max(), options_.max_scan);
  if (!chain) return store_error(chain.error());
  core::TimeNs first = target.ts, last = target.ts;
  // Walk out from the target while the findings stay within the gap of each other.
  auto at = std::find_if(chain->begin(), chain->end(),
                         [&](const store::StoredFinding& f) { return f.id == id; });
  if (at != chain->end()) {
    for (auto it = at; it != chain->begin() && (it - 1)->ts >= it->ts - gap; --it) {
      first = (it - 1)->ts;
    }
    for (auto it = at; it + 1 != chain->end() && (it + 1)->ts <= it->ts + gap; ++it) {
      last = (it + 1)->ts;
    }
  }
  // Two days each side: campaign gaps and more.
  constexpr core::TimeNs kWiden = core::TimeNs{172'800} * core::kNsPerSec;
  auto grouped = group(first > INT64_MIN + kWiden ? first - kWiden : INT64_MIN,
                       last < INT64_MAX - kWiden ? last + kWiden : INT64_MAX);
  if (!grouped) return grouped.error();
  const Grouped& g = **grouped;
  const Incident* inc = nullptr;
  for (const Incident& candidate : g.incidents) {
    for (std::size_t i : candidate.own) inc = g.rows[i].id == id ? &candidate : inc;
    for (std::size_t i : candidate.linked) inc = g.rows[i].id == id ? &candidate : inc;
    if (inc != nullptr) break;
  }
  if (inc == nullptr) {
    return core::make_error("not_found", "finding " + std::to_string(id) +
                                             " is outside the findings an incident is made from");
  }
  std::vector<std::int64_t> ids;
  std::vector<store::StoredFinding> evidence_rows;
  constexpr std::size_t kFindingsListed = 1'000;
  for (std::size_t i : inc->own) {
    ids.push_back(g.rows[i].id);
    if (evidence_rows.size() < kFindingsListed) evidence_rows.push_back(g.rows[i]);
  }
  for (std::size_t i : inc->linked) {
    ids.push_back(g.rows[i].id);
    if (evidence_rows.size() < kFindingsListed) evidence_rows.push_back(g.rows[i]);
  }
  auto decisions = store_.decisions_of_findings(ids);
  if (!decisions) return store_error(decisions.error());
  if (auto r = store_.load_evidence(evidence_rows); !r) return store_error(r.error());
  std::unordered_map<std::int64_t, const store::StoredFinding*> with_evidence;
  for (const auto& f : evidence_rows) with_evidence[f.id] = &f;
  std::vector<const store::DecisionRow*> ds;
  for (const auto& d : *decisions) ds.push_back(&d);
  IncidentWriter writer(g.rows, g.facts, options_, now,
                        [this](const std::string& ip) { return country_of(ip); });
  std::string out;
  writer.write(out, *inc, ds, with_evidence, true);
  return out;
}

}  // namespace bannin::api
