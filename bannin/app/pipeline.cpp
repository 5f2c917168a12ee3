#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <bannin/app/daemon.h>
#include <bannin/app/pipeline.h>
#include <bannin/decode/decoder_set.h>
#include <bannin/decode/syslog/syslog_decoder.h>
#include <bannin/detect/finding_json.h>
#include <bannin/enrich/geo_db.h>
#include <bannin/enrich/geo_enricher.h>
#include <bannin/enrich/site_accounts.h>
#include <bannin/enrich/uid_accounts.h>
#include <bannin/model/event.h>
#include <bannin/ruleset/fail2ban_import.h>
#include <bannin/ruleset/rule_loader.h>
#include <bannin/store/store.h>

namespace bannin::app {

// The detector's sink: every finding goes out once, then through the Decider.
class Pipeline::Sink final : public detect::FindingSink {
 public:
  Sink(decide::Decider& decider, std::mutex* mu, PipelineOutput& out, PipelineCounts& counts)
      : decider_(decider), mu_(mu), out_(out), counts_(counts) {}

  /// The event the detector is processing (the one that makes a rule fire).
  const model::Event* trigger = nullptr;
  PipelineOutput& out() noexcept { return out_; }

  void on_finding(const detect::Finding& f) override {
    if (!f.campaign_update) {
      ++counts_.findings;
      out_.on_finding(f, detect::group_json(f), detect::numbers_json(f), trigger);
    } else {
      out_.on_finding_update(f);
    }
    decisions_.clear();
    if (mu_ != nullptr) {
      std::lock_guard lock(*mu_);
      decider_.decide(f, decisions_);
    } else {
      decider_.decide(f, decisions_);
    }
    for (auto& d : decisions_) {
      ++counts_.decisions;
      out_.on_decision(std::move(d));
    }
  }

 private:
  decide::Decider& decider_;
  std::mutex* mu_;
  PipelineOutput& out_;
  PipelineCounts& counts_;
  std::vector<decide::Decision> decisions_;  // reused
};

Pipeline::Pipeline(const RuleList& rules, std::size_t memory_budget_bytes, const enrich::GeoDb* geo,
                   decide::Decider& decider, std::mutex* decider_mu, PipelineOutput& out,
                   RuleCounterSource counters)
    : enricher_(std::make_unique<enrich::GeoEnricher>(geo)),
      sink_(std::make_unique<Sink>(decider, decider_mu, out, counts_)),
      event_(std::make_unique<model::Event>()),
      counters_(std::move(counters)) {
  set_rules(rules);
  detect::DetectorOptions o;
  o.memory_budget = memory_budget_bytes;
  o.counters = counters_;
  detector_ = std::make_unique<detect::Detector>(rules, o);
}

void Pipeline::set_rules(const RuleList& rules) {
  rule_count_ = rules.size();
  raw_lines_ = std::any_of(rules.begin(), rules.end(), [](const auto& r) {
    return std::find(r->when.begin(), r->when.end(), model::EventKind::LogLine) != r->when.end();
  });
  if (raw_lines_ && !dates_) {
    line_event_ = std::make_unique<model::Event>();
    dates_ = std::make_unique<ruleset::fail2ban::FilterMatcher>(ruleset::fail2ban::Filter{});
  }
}

Pipeline::~Pipeline() = default;

void Pipeline::set_inventory(std::shared_ptr<const enrich::Inventory> inventory) {
  auto s = std::make_unique<enrich::SiteAccounts>(std::move(inventory));
  site_accounts_ = s->useful() ? std::move(s) : nullptr;  // no site with an account: no step
}

core::Result<bool> Pipeline::open_stream(std::uint32_t id, const std::string& decoder,
                                         core::TimeNs reference_time, int year) {
  if (streams_.size() <= id) streams_.resize(id + 1);
  StreamState& s = streams_[id];
  try {
    s.decoders = std::make_unique<decode::DecoderSet>(decoder);
  } catch (const std::exception& e) {
    return core::make_error("bad_decoder", e.what());
  }
  s.detected = !s.decoders->is_auto();
  set_syslog_year(*s.decoders, reference_time, year);
  return true;
}

Pipeline::StreamState* Pipeline::stream(std::uint32_t id) {
  if (id >= streams_.size() || !streams_[id].decoders) return nullptr;
  return &streams_[id];
}

bool Pipeline::has_stream(std::uint32_t id) const {
  return id < streams_.size() && streams_[id].decoders != nullptr;
}

bool Pipeline::format_detected(std::uint32_t id) const {
  return has_stream(id) && streams_[id].detected;
}

void Pipeline::detect_format(std::uint32_t id, const std::vector<std::string_view>& sample) {
  StreamState* s = stream(id);
  if (s == nullptr || s->detected) return;
  s->decoders->detect(sample);
  forget_detection_pass(*s->decoders);
  s->detected = true;
}

bool Pipeline::line(std::uint32_t id, std::string_view text) {
  StreamState* s = stream(id);
  if (s == nullptr) {
    ++counts_.rejected;
    return false;
  }
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  model::Event& ev = *event_;
  auto res = s->decoders->decode(text, ev);
  if (!res.result.ok()) {
    ++counts_.rejected;
    if (raw_lines_) raw_line(*s, text, nullptr);
    return false;
  }
  ++counts_.decoded;
  s->last_ts = ev.ts();
  enricher_->enrich(ev);
  if (uid_accounts_) uid_accounts_->enrich(ev);
  if (site_accounts_) site_accounts_->enrich(ev);
  sink_->out().on_event(ev);
  sink_->trigger = &ev;
  detector_->process(ev, text, *sink_);
  if (raw_lines_) raw_line(*s, text, &ev);
  return true;
}

// The line as a log.line event for rules imported from fail2ban. Its time is the decoded
// event's, or for a line no decoder read the stream's last (fail2ban's filters read lines
// bannin has no decoder for); host, program and pid come from the decoded line. src_ip and
// user are left to the rule's captures (the groups of its regexes), as fail2ban takes the
// host from its failregex, not from the line's framing.
void Pipeline::raw_line(const StreamState& s, std::string_view text, const model::Event* decoded) {
  model::Event& le = *line_event_;
  le.reset();
  le.set_kind(model::EventKind::LogLine);
  le.set_ts(decoded != nullptr ? decoded->ts() : s.last_ts);
  if (decoded != nullptr) {
    for (model::Field f : {model::Field::Host, model::Field::Program, model::Field::Pid}) {
      if (const model::FieldValue* v = decoded->get(f)) {
        if (v->type == model::FieldType::String) le.set_string(f, v->s);
        if (v->type == model::FieldType::Int) le.set_int(f, v->i);
      }
    }
  }
  message_ = dates_->strip_date(text);
  le.set_string(model::Field::Message, message_);
  ++counts_.log_lines;
  sink_->trigger = decoded != nullptr ? decoded : &le;
  detector_->process(le, text, *sink_);
}

void Pipeline::event(const model::Event& e, std::string_view raw) {
  sink_->trigger = &e;
  detector_->process(e, raw, *sink_);
}

std::size_t Pipeline::reload(const RuleList& rules, std::size_t memory_budget_bytes) {
  set_rules(rules);
  detect::DetectorOptions o;
  o.memory_budget = memory_budget_bytes;
  o.counters = counters_;
  auto next = std::make_unique<detect::Detector>(rules, o);
  std::size_t kept = next->adopt(*detector_);
  detector_ = std::move(next);
  return kept;
}

const detect::DetectorStats& Pipeline::detect_stats() const {
  return detector_->stats();
}

// The store row of a decision, as the daemon writes it (state "proposed") and replay too.
store::DecisionRow decision_row(std::int64_t id, const decide::Decision& d, core::TimeNs now) {
  store::DecisionRow row;
  row.id = id;
  row.ts = now;
  row.rule = d.rule;
  row.origin = d.origin;
  row.action = d.action;
  row.scope = d.scope;
  row.target_json = decide::target_json(d);
  row.ttl_s = d.ttl / core::kNsPerSec;
  row.reason = d.reason;
  row.state = "proposed";
  return row;
}

std::int64_t FindingLinker::on_finding(const detect::Finding& f, const std::string& group_json) {
  current_ = next_++;
  if (f.rule->campaign) {
    if (campaigns_.size() >= kMaxCampaignGroups) campaigns_.clear();
    campaigns_[f.rule->id + '\n' + group_json] = current_;
  }
  return current_;
}

void FindingLinker::on_update(const detect::Finding& f) {
  auto it = campaigns_.find(f.rule->id + '\n' + detect::group_json(f));
  current_ = it != campaigns_.end() ? it->second : 0;
}

void label_finding(store::FindingRow& row, const detect::Finding& f, const model::Event* trigger) {
  for (const auto& [field, value] : f.group) {
    if (field == model::Field::Vhost) row.vhost = value;
    if (field == model::Field::Account) row.account = value;
  }
  if (trigger == nullptr) return;
  auto text = [&](model::Field field) -> std::string {
    const model::FieldValue* v = trigger->get(field);
    return v != nullptr && v->type == model::FieldType::String ? std::string(v->s) : std::string();
  };
  if (row.vhost.empty()) row.vhost = text(model::Field::Vhost);
  if (row.account.empty()) row.account = text(model::Field::Account);
}

void set_syslog_year(const decode::DecoderSet& set, core::TimeNs reference_time, int year) {
  for (const auto& c : set.candidates()) {
    if (auto* sys = dynamic_cast<decode::syslog::SyslogDecoder*>(c.get())) {
      if (year != 0) {
        sys->set_year(year);
      } else {
        sys->set_reference_time(reference_time);
      }
    }
  }
}

void forget_detection_pass(const decode::DecoderSet& set) {
  for (const auto& c : set.candidates()) {
    if (auto* sys = dynamic_cast<decode::syslog::SyslogDecoder*>(c.get())) {
      sys->mail_correlator().clear();
    }
  }
}

// --- set-up ---------------------------------------------------------------------------------

std::shared_ptr<const enrich::UidAccounts> load_uid_accounts(const DaemonConfig& cfg,
                                                             std::string& warning) {
  if (cfg.inventory.passwd_file.empty()) return nullptr;
  const std::string path = resolve_path(cfg.inventory.passwd_file);
  std::ifstream in(path, std::ios::binary);
  std::string text;
  if (in) {
    // Bounded like every file bannin reads: a passwd file is a few hundred KiB at most.
    constexpr std::size_t kMax = 64u << 20;
    text.resize(kMax);
    in.read(text.data(), static_cast<std::streamsize>(kMax));
    text.resize(static_cast<std::size_t>(in.gcount()));
  } else {
    warning = "inventory.passwd_file " + path + ": cannot be read; mail events keep their uid only";
  }
  return std::make_shared<const enrich::UidAccounts>(
      enrich::UidAccounts::parse(text, cfg.inventory.min_uid));
}

core::Result<std::unique_ptr<enrich::GeoDb>> load_geo(const DaemonConfig& cfg) {
  auto geo = std::make_unique<enrich::GeoDb>();
  if (cfg.geo_database == "none") return geo;
  auto g = cfg.geo_database == "tor"
               ? enrich::GeoDb::load_tor(enrich::GeoDb::kTorGeoip4, enrich::GeoDb::kTorGeoip6)
               : enrich::GeoDb::load_mmdb(resolve_path(cfg.geo_database));
  if (!g) return core::make_error("geo", "geo database: " + g.error().message);
  *geo = std::move(*g);
  return geo;
}

core::Result<LoadedRules> load_rules(const DaemonConfig& cfg, const enrich::GeoDb* geo) {
  ruleset::LoadOptions lo;
  lo.geo = geo;
  ruleset::ParamValue home;
  home.is_list = true;
  home.items = cfg.home_countries;
  lo.globals["home_countries"] = home;
  lo.overrides = cfg.rule_overrides;
  std::vector<std::string> paths;
  for (const auto& p : cfg.rule_files) paths.push_back(resolve_path(p));
  ruleset::LoadReport report = ruleset::load_rules(paths, lo);
  LoadedRules out;
  std::string errors;
  for (const auto& p : report.problems) {
    char line[1024];
    std::snprintf(line, sizeof line, "%s:%u:%u: %s: %s [%s]", p.file.c_str(), p.line, p.column,
                  p.warning ? "warning" : "error", p.message.c_str(), p.code.c_str());
    if (p.warning) {
      out.warnings.emplace_back(line);
      out.warning_problems.push_back(p);
    } else {
      errors += (errors.empty() ? "" : "\n") + std::string(line);
    }
  }
  if (!report.ok()) return core::make_error("bad_rules", errors);
  if (report.rules.empty()) {
    std::string list;
    for (const auto& p : cfg.rule_files) list += (list.empty() ? "" : ", ") + p;
    return core::make_error("no_rules", "no rules loaded from rule_files (" + list + ")");
  }
  out.rules = std::move(report.rules);
  return out;
}

core::Result<decide::DeciderOptions> decider_options(
    const DaemonConfig& cfg, std::shared_ptr<const enrich::Inventory> inventory) {
  decide::DeciderOptions o;
  auto add = [&](const std::vector<std::string>& cidrs,
                 const std::string& label) -> core::Result<bool> {
    auto r = o.allowlist_set.add_cidrs(cidrs, label);
    if (!r) return r.error();
    return true;
  };
  if (auto r = add(cfg.allowlist, "config allowlist"); !r) return r.error();
  if (auto r = add(cfg.proxies, "proxy"); !r) return r.error();
  if (cfg.own_addresses) {
    auto r = o.allowlist_set.add_own_addresses();
    if (!r) return r.error();
  }
  if (!cfg.crawlers.empty()) {
    auto r = o.allowlist_set.add_crawlers_file(resolve_path(cfg.crawlers));
    if (!r) return r.error();
  }
  o.max_per_minute = cfg.max_per_minute;
  o.max_per_minute_by_rule = cfg.max_per_minute_by_rule;
  o.repeat_window = cfg.repeat_window;
  o.ttl_factor = cfg.repeat_ttl_factor;
  o.max_ttl = cfg.repeat_max_ttl;
  o.prefix_min_members = cfg.prefix_min_members;
  o.prefix_v4_len = cfg.prefix_v4_len;
  o.prefix_v6_len = cfg.prefix_v6_len;
  o.prefix_window = cfg.prefix_window;
  if (auto r = ladder_options(cfg, std::move(inventory), o.ladder); !r) return r.error();
  return o;
}

core::Result<bool> ladder_options(const DaemonConfig& cfg,
                                  std::shared_ptr<const enrich::Inventory> inventory,
                                  decide::LadderOptions& o) {
  o.enabled = cfg.ladder_enabled;
  o.step_time = cfg.ladder_step_time;
  o.warn_lead = cfg.ladder_warn_lead;
  o.reset_after = cfg.ladder_reset_after;
  auto step = [](const std::string& text, const char* key) -> core::Result<decide::LadderStep> {
    decide::LadderStep s{};
    if (!decide::parse_ladder_step(text, s)) {
      return core::make_error("bad_config", std::string(key) + ": unknown step \"" + text +
                                                "\" (notice, path, vhost or suspend)");
    }
    return s;
  };
  o.steps.clear();
  for (const auto& t : cfg.ladder_steps) {
    auto s = step(t, "decide.ladder.steps");
    if (!s) return s.error();
    o.steps.push_back(*s);
  }
  for (const auto& p : cfg.ladder_pinned) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return core::make_error("bad_config", "decide.ladder.pinned: \"" + p +
                                                "\" is not account=step (e.g. shopowner=path)");
    }
    auto s = step(p.substr(eq + 1), "decide.ladder.pinned");
    if (!s) return s.error();
    o.pinned[p.substr(0, eq)] = *s;
  }
  o.exempt = {cfg.ladder_exempt.begin(), cfg.ladder_exempt.end()};
  if (auto problems = decide::check_options(o); !problems.empty()) {
    return core::make_error("bad_config", problems.front());
  }
  if (o.enabled) {
    // Sites belong to accounts through the hosting inventory; a site not in it is its own
    // account.
    if (!inventory) inventory = std::make_shared<const enrich::Inventory>();
    o.account_of = [inv = std::move(inventory)](std::string_view vhost) {
      return inv->owner(vhost).account;
    };
  }
  return true;
}

}  // namespace bannin::app
