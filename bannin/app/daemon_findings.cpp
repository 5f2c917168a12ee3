// Daemon: what the API shows of findings, incidents and rules (issue 15). The findings service
// (api/finding_service.h) reads a store connection of its own, so incident views never wait
// behind a bouncer poll on the shared read connection; the rules view is a snapshot published
// at start and at every reload (rules_ belongs to the main thread); rule counters are shared
// with the pipeline thread's detector (detect/rule_counters.h) and outlive reloads.
#include <atomic>
#include <cmath>
#include <cstdlib>

#include <bannin/api/finding_service.h>
#include <bannin/app/daemon.h>
#include <bannin/core/ip_address.h>
#include <bannin/core/json_writer.h>
#include <bannin/enrich/geo_db.h>
#include <bannin/model/fields.h>
#include <bannin/store/store.h>

namespace bannin::app {

namespace {
// Numbers each published rules view, so the findings service knows when its cached
// incidents were grouped under other rules (titles, windows, campaigns).
std::atomic<std::uint64_t> rules_generation{0};
}  // namespace

struct Daemon::RulesView {
  std::uint64_t generation = 0;
  std::vector<std::shared_ptr<const ruleset::Rule>> rules;
  std::map<std::string, api::RuleFacts, std::less<>> facts;
  std::vector<ruleset::LoadProblem> warnings;
  std::vector<std::string> files;  // rule_files as configured
  core::TimeNs loaded = 0;
  std::uint64_t reloads = 0;
  // The last reload that was refused (rules and configuration stayed as they were).
  core::TimeNs refused_at = 0;
  std::string refused_errors;
};

std::shared_ptr<detect::RuleCounters> Daemon::rule_counters(const std::string& id) {
  std::lock_guard lock(rule_counters_mu_);
  auto& c = rule_counters_[id];
  if (!c) c = std::make_shared<detect::RuleCounters>();
  return c;
}

void Daemon::publish_rules(const std::vector<std::shared_ptr<const ruleset::Rule>>& rules,
                           std::vector<ruleset::LoadProblem> warnings) {
  auto view = std::make_shared<RulesView>();
  view->generation = rules_generation.fetch_add(1) + 1;
  view->rules = rules;
  view->warnings = std::move(warnings);
  view->files = cfg_.rule_files;
  view->loaded = wall_now();
  view->reloads = reloads_.load();
  for (const auto& r : rules) {
    api::RuleFacts f;
    f.title = r->title;
    f.window = r->window;
    f.campaign = r->campaign.has_value();
    for (const auto& n : r->numbers) f.number_names.emplace_back(n.text, n.name);
    view->facts.emplace(r->id, std::move(f));
  }
  std::lock_guard lock(rules_view_mu_);
  rules_view_ = std::move(view);
}

void Daemon::record_reload_failure(const std::string& errors) {
  std::lock_guard lock(rules_view_mu_);
  auto view = std::make_shared<RulesView>(rules_view_ ? *rules_view_ : RulesView{});
  view->refused_at = wall_now();
  view->refused_errors = errors;
  rules_view_ = std::move(view);
}

core::Result<bool> Daemon::make_findings_service() {
  auto max_id = read_store_->max_finding_id();
  if (!max_id) return core::make_error("store", "store: " + max_id.error().message);
  next_finding_id_ = *max_id + 1;
  auto st = store::Store::open(cfg_.store_path);
  if (!st) return core::make_error("store", "store " + cfg_.store_path + ": " + st.error().message);
  findings_store_ = std::move(*st);
  api::FindingServiceOptions o;
  o.rules_version = [this]() -> std::uint64_t {
    std::lock_guard lock(rules_view_mu_);
    return rules_view_ ? rules_view_->generation : 0;
  };
  o.now = wall_now;
  const enrich::GeoDb* geo = geo_.get();
  if (geo != nullptr) {
    o.country = [geo](std::string_view text) -> std::string {
      auto ip = core::IpAddress::parse(text);
      if (!ip) return {};
      auto c = geo->country(*ip);
      return c.known() ? std::string(c.view()) : std::string();
    };
  }
  o.rule = [this](const std::string& id) -> std::optional<api::RuleFacts> {
    std::shared_ptr<const RulesView> view;
    {
      std::lock_guard lock(rules_view_mu_);
      view = rules_view_;
    }
    if (!view) return std::nullopt;
    auto it = view->facts.find(id);
    if (it == view->facts.end()) return std::nullopt;
    return it->second;
  };
  finding_service_ =
      std::make_unique<api::FindingService>(*findings_store_, findings_store_mu_, std::move(o));
  return true;
}

core::Result<std::string> Daemon::findings_json(const api::FindingQuery& query) {
  return finding_service_->findings(query);
}

core::Result<std::string> Daemon::incidents_json(const api::FindingQuery& query) {
  return finding_service_->incidents(query);
}

core::Result<std::string> Daemon::incident_json(std::int64_t id) {
  return finding_service_->incident(id);
}

namespace {

// A parameter as JSON: a number when the whole text is one, else a string; a list as
// {"count":N,"items":[the first kListed]} (probe lists hold hundreds of entries).
void append_param(std::string& out, const ruleset::ParamValue& v) {
  auto scalar = [&](const std::string& text) {
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    const bool numeric = !text.empty() && end == text.c_str() + text.size() && std::isfinite(d) &&
                         text.find_first_not_of("0123456789.-+eE") == std::string::npos;
    if (numeric) {
      out += text;
    } else {
      core::json_append_string(out, text);
    }
  };
  if (!v.is_list) {
    if (v.items.empty()) {
      out += "null";
    } else {
      scalar(v.items.front());
    }
    return;
  }
  constexpr std::size_t kListed = 20;
  core::JsonObjectWriter o(out);
  o.integer("count", static_cast<std::int64_t>(v.items.size()));
  o.key("items");
  out += '[';
  for (std::size_t i = 0; i < v.items.size() && i < kListed; ++i) {
    if (i != 0) out += ',';
    core::json_append_string(out, v.items[i]);
  }
  out += ']';
  o.close();
}

void append_strings(std::string& out, const std::vector<std::string>& v) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != 0) out += ',';
    core::json_append_string(out, v[i]);
  }
  out += ']';
}

}  // namespace

core::Result<std::string> Daemon::rules_json() {
  std::shared_ptr<const RulesView> view;
  {
    std::lock_guard lock(rules_view_mu_);
    view = rules_view_;
  }
  if (!view) return core::make_error("unavailable", "the rules are not loaded yet");
  std::map<std::string, decide::RuleDecisionCounts, std::less<>> decided;
  {
    std::lock_guard lock(decide_mu_);
    decided = decider_->rule_counts();
  }
  std::string out;
  core::JsonObjectWriter o(out);
  o.key("load");
  {
    core::JsonObjectWriter l(out);
    l.string("loaded", core::format_rfc3339(view->loaded));
    l.key("files");
    append_strings(out, view->files);
    l.integer("rules", static_cast<std::int64_t>(view->rules.size()));
    l.u64("reloads", reloads_.load());
    l.key("warnings");
    out += '[';
    for (std::size_t i = 0; i < view->warnings.size(); ++i) {
      if (i != 0) out += ',';
      const auto& p = view->warnings[i];
      core::JsonObjectWriter w(out);
      w.string("file", p.file);
      w.integer("line", p.line);
      w.integer("column", p.column);
      w.string("code", p.code);
      w.string("message", p.message);
      w.string("rule", p.rule_id);
      w.close();
    }
    out += ']';
    l.key("refused_reload");
    if (view->refused_at != 0) {
      core::JsonObjectWriter r(out);
      r.string("ts", core::format_rfc3339(view->refused_at));
      std::vector<std::string> lines;
      std::size_t at = 0;
      while (at <= view->refused_errors.size() && lines.size() < 200) {
        const auto nl = view->refused_errors.find('\n', at);
        lines.push_back(view->refused_errors.substr(at, nl - at));
        if (nl == std::string::npos) break;
        at = nl + 1;
      }
      r.key("errors");
      append_strings(out, lines);
      r.close();
    } else {
      out += "null";
    }
    l.close();
  }
  o.key("rules");
  out += '[';
  for (std::size_t i = 0; i < view->rules.size(); ++i) {
    if (i != 0) out += ',';
    const ruleset::Rule& r = *view->rules[i];
    core::JsonObjectWriter j(out);
    j.string("id", r.id);
    j.string("title", r.title);
    j.string("file", r.file);
    j.integer("line", r.line);
    std::vector<std::string> kinds, group_by;
    for (auto k : r.when) kinds.emplace_back(model::name(k));
    for (auto f : r.group_by) group_by.emplace_back(model::name(f));
    j.key("when");
    append_strings(out, kinds);
    j.string("where", r.where_text);
    j.key("group_by");
    append_strings(out, group_by);
    j.integer("window_s", r.window / core::kNsPerSec);
    j.string("fire", r.fire_text);
    j.integer("evidence", r.evidence);
    j.key("campaign");
    if (r.campaign) {
      core::JsonObjectWriter c(out);
      c.string("member", model::name(r.campaign->member_field));
      c.integer("min_events", r.campaign->min_events);
      c.integer("max_members", static_cast<std::int64_t>(r.campaign->max_members));
      c.string("action", r.campaign->then.action);
      c.string("scope", r.campaign->then.scope);
      c.integer("ttl_s", r.campaign->then.ttl / core::kNsPerSec);
      c.close();
    } else {
      out += "null";
    }
    j.key("then");
    out += '[';
    for (std::size_t t = 0; t < r.then.size(); ++t) {
      if (t != 0) out += ',';
      core::JsonObjectWriter d(out);
      d.string("action", r.then[t].action);
      d.string("scope", r.then[t].scope);
      d.integer("ttl_s", r.then[t].ttl / core::kNsPerSec);
      d.close();
    }
    out += ']';
    j.key("params");
    {
      out += '{';
      bool first = true;
      for (const auto& [name, v] : r.params) {
        if (!first) out += ',';
        first = false;
        core::json_append_string(out, name);
        out += ':';
        append_param(out, v);
      }
      out += '}';
    }
    j.key("numbers");
    {
      out += '{';
      for (std::size_t n = 0; n < r.numbers.size(); ++n) {
        if (n != 0) out += ',';
        core::json_append_string(out, r.numbers[n].name);
        out += ':';
        core::json_append_string(out, r.numbers[n].text);
      }
      out += '}';
    }
    const auto counters = rule_counters(r.id);
    decide::RuleDecisionCounts dc;
    if (auto it = decided.find(r.id); it != decided.end()) dc = it->second;
    j.key("counters");
    {
      core::JsonObjectWriter c(out);
      c.u64("evaluations", counters->evaluations.load(std::memory_order_relaxed));
      c.u64("matched", counters->matched.load(std::memory_order_relaxed));
      c.u64("findings", counters->findings.load(std::memory_order_relaxed));
      c.u64("updates", counters->updates.load(std::memory_order_relaxed));
      c.u64("decisions", dc.decisions);
      c.u64("capped", dc.capped);
      c.u64("suppressed", dc.suppressed);
      c.u64("groups_evicted", counters->groups_evicted.load(std::memory_order_relaxed));
      c.u64("groups_expired", counters->groups_expired.load(std::memory_order_relaxed));
      c.u64("members_cut", counters->members_cut.load(std::memory_order_relaxed));
      c.close();
    }
    j.close();
  }
  out += ']';
  o.close();
  return out;
}

}  // namespace bannin::app
