#include <algorithm>
#include <chrono>
#include <limits>

#include <bannin/app/domain_probe.h>
#include <bannin/core/ip_address.h>
#include <bannin/core/json_writer.h>

namespace bannin::app {

namespace pd = probe::domain;

namespace {

// Subjects checked together in one run (their DNS queries run concurrently).
constexpr std::size_t kSubjectsPerRun = 64;

core::TimeNs steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

core::TimeNs wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

store::DomainCheckRow check_row(const CheckKey& k, const CheckState& s) {
  store::DomainCheckRow r;
  r.subject = k.subject;
  r.check = k.check;
  r.source_key = k.source_key;
  r.state = s.state;
  r.severity = std::string(pd::severity_name(s.severity));
  r.source = s.source;
  r.detail = s.detail;
  r.since = s.since;
  r.checked = s.checked;
  return r;
}

// "harmless (clean)", "suspicious", "absent" for an engine missing on that side.
std::string verdict_text(const std::vector<pd::EngineVerdict>& list, const std::string& engine,
                         const std::string& category) {
  if (category.empty()) return "absent";
  for (const auto& v : list) {
    if (v.engine == engine && !v.result.empty() && v.result != v.category) {
      return category + " (" + v.result + ")";
    }
  }
  return category;
}

pd::Severity engine_severity(const std::string& category) {
  if (category == "malicious") return pd::Severity::Critical;
  if (category == "suspicious") return pd::Severity::Warning;
  return pd::Severity::Ok;
}

}  // namespace

// --- changes as events ------------------------------------------------------------------------

void change_event(const DomainRoundChange& c, model::Event& ev, std::string& text) {
  const store::DomainChangeRow& r = c.row;
  ev.reset();
  ev.set_kind(model::EventKind::DomainChange);
  ev.set_ts(r.ts);
  std::optional<core::IpAddress> ip;
  if (c.is_ip) ip = core::IpAddress::parse(r.subject);
  if (ip) {
    ev.set_ip(model::Field::SrcIp, *ip);
  } else {
    ev.set_string(model::Field::Domain, r.subject);
  }
  ev.set_string(model::Field::Check, r.check);
  if (!r.source_key.empty()) ev.set_string(model::Field::ListName, r.source_key);
  ev.set_string(model::Field::State, r.state);
  ev.set_string(model::Field::Severity, r.severity);
  if (!r.previous.empty()) {
    ev.set_string(model::Field::Previous, r.previous);
    ev.set_string(model::Field::PreviousSeverity, c.previous_severity);
  }
  ev.set_timestamp(model::Field::FirstSeen, r.first_seen);
  ev.set_string(model::Field::Detail, r.detail);

  // The evidence line: what changed, who said so, and when it was seen and confirmed.
  text.clear();
  text.append(r.subject).append(" ").append(r.check);
  if (r.check == "virustotal.engine" || r.check == "delegation.ns") {
    // The detail already reads "engine: old -> new" / "NS old -> new".
    text.append(": ").append(r.detail).append(" (").append(r.severity).append(")");
    text.append(r.check == "virustotal.engine"
                    ? "; one engine's verdict, often a false positive, but a lone flag can lead "
                      "to a registry hold (check the vendor's site)"
                    : "; expected after a planned DNS move, otherwise check who changed it at "
                      "the registrar");
    if (!r.source.empty()) text.append("; ").append(r.source);
    text.append("; seen ").append(core::format_rfc3339(r.ts));
    return;
  }
  if (!r.source_key.empty()) text.append(" (").append(r.source_key).append(")");
  text.append(": ")
      .append(r.previous.empty() ? std::string_view("first state") : std::string_view(r.previous))
      .append(" \u2192 ")
      .append(r.state)
      .append(" (")
      .append(r.severity)
      .append(")");
  if (!r.source.empty() || !r.detail.empty()) {
    text.append("; ").append(r.source);
    if (!r.source.empty() && !r.detail.empty()) text.append(": ");
    text.append(r.detail);
  }
  text.append("; first seen ").append(core::format_rfc3339(r.first_seen));
  text.append(c.reconfirmed ? ", re-confirmed " : ", confirmed ")
      .append(core::format_rfc3339(r.ts));
}

// --- the schedule ----------------------------------------------------------------------------

ProbeSchedule::ProbeSchedule(std::size_t n, core::TimeNs interval, core::TimeNs start)
    : interval_(std::max<core::TimeNs>(interval, 1)), due_(n), recheck_(n) {
  for (std::size_t i = 0; i < n; ++i) {
    due_[i] = start + static_cast<core::TimeNs>(static_cast<double>(interval_) *
                                                static_cast<double>(i) / static_cast<double>(n));
  }
}

std::vector<std::size_t> ProbeSchedule::take_due(core::TimeNs now, std::size_t max) {
  std::vector<std::pair<core::TimeNs, std::size_t>> ready;
  for (std::size_t i = 0; i < due_.size(); ++i) {
    core::TimeNs when = due_[i];
    if (recheck_[i]) when = std::min(when, *recheck_[i]);
    if (when <= now) ready.emplace_back(when, i);
  }
  std::sort(ready.begin(), ready.end());
  if (ready.size() > max) ready.resize(max);
  std::vector<std::size_t> out;
  for (const auto& [when, i] : ready) {
    out.push_back(i);
    recheck_[i].reset();  // this run is the re-check
    if (due_[i] <= now) {
      due_[i] += interval_;
      if (due_[i] <= now) due_[i] = now + interval_;  // fell behind: keep the spacing from now
    }
  }
  return out;
}

void ProbeSchedule::recheck(std::size_t i, core::TimeNs at) {
  if (i >= recheck_.size()) return;
  if (!recheck_[i] || at < *recheck_[i]) recheck_[i] = at;
}

core::TimeNs ProbeSchedule::next_due() const {
  core::TimeNs next = std::numeric_limits<core::TimeNs>::max();
  for (std::size_t i = 0; i < due_.size(); ++i) {
    next = std::min(next, due_[i]);
    if (recheck_[i]) next = std::min(next, *recheck_[i]);
  }
  return next;
}

// --- the probe -------------------------------------------------------------------------------

DomainProbe::DomainProbe(const DomainsConfig& cfg, pd::CheckOptions options, Sink sink, Log log,
                         Runner runner)
    : cfg_(cfg),
      options_(std::move(options)),
      sink_(std::move(sink)),
      log_(std::move(log)),
      runner_(runner
                  ? std::move(runner)
                  : Runner([](const std::vector<std::string>& d, const std::vector<std::string>& i,
                              const pd::CheckOptions& o) { return pd::run_checks(d, i, o); })),
      tracker_(cfg.reconfirm_after) {
  // One checker for the probe's life: its Safe Browsing cache and rate buckets span rounds.
  if (!options_.reputation_checker) {
    options_.reputation_checker = std::make_shared<pd::ReputationChecker>(options_.reputation);
  }
  for (const auto& d : cfg.list) subjects_.push_back(Subject{d, false});
  for (const auto& ip : cfg.ips) subjects_.push_back(Subject{ip, true});
  counters_.subjects = subjects_.size();
  counters_.interval = cfg.interval;
  counters_.reconfirm_after = cfg.reconfirm_after;
}

DomainProbe::~DomainProbe() {
  stop();
}

void DomainProbe::restore(const std::vector<store::DomainCheckRow>& rows) {
  std::lock_guard lock(mu_);
  for (const auto& r : rows) {
    CheckState s;
    s.state = r.state;
    s.severity = severity_from_name(r.severity);
    s.source = r.source;
    s.detail = r.detail;
    s.since = r.since;
    s.checked = r.checked;
    tracker_.restore(CheckKey{r.subject, r.check, r.source_key}, s);
  }
}

void DomainProbe::start() {
  {
    std::lock_guard lock(mu_);
    schedule_ = std::make_unique<ProbeSchedule>(subjects_.size(), cfg_.interval, steady_ns());
  }
  thread_ = std::thread([this] { main(); });
}

void DomainProbe::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<DomainRound> DomainProbe::observe(
    std::vector<pd::SubjectReport> reports, core::TimeNs wall,
    std::vector<std::pair<std::size_t, core::TimeNs>>& rechecks) {
  auto round = std::make_shared<DomainRound>();
  round->ts = wall;
  std::lock_guard lock(mu_);
  ++counters_.runs;
  counters_.last_round = wall;
  for (const pd::SubjectReport& rep : reports) {
    counters_.checks += rep.results.size();
    Observation obs = tracker_.observe(rep, wall);
    for (const auto& [key, state] : obs.latest) round->latest.push_back(check_row(key, state));
    for (const DomainChange& ch : obs.changes) {
      ++counters_.changes;
      DomainRoundChange c;
      store::DomainChangeRow& row = c.row;
      row.ts = ch.now.since;
      row.first_seen = ch.first_seen;
      row.subject = ch.key.subject;
      row.check = ch.key.check;
      row.source_key = ch.key.source_key;
      row.previous = ch.previous;
      row.state = ch.now.state;
      row.severity = std::string(pd::severity_name(ch.now.severity));
      row.source = ch.now.source;
      row.detail = ch.now.detail;
      c.previous_severity =
          ch.previous.empty() ? "" : std::string(pd::severity_name(ch.previous_severity));
      c.is_ip = rep.is_ip;
      c.reconfirmed = ch.reconfirmed;
      if (log_) {
        log_("domain: " + ch.key.subject + " " + ch.key.check +
             (ch.key.source_key.empty() ? "" : " (" + ch.key.source_key + ")") + ": " +
             (ch.previous.empty() ? "first state" : ch.previous) + " -> " + ch.now.state + " (" +
             row.severity + (ch.reconfirmed ? ", re-confirmed" : "") + ")");
      }
      round->changes.push_back(std::move(c));
    }
    for (const NotConfirmed& n : obs.not_confirmed) {
      ++counters_.not_confirmed;
      if (log_) {
        log_("domain: " + n.key.subject + " " + n.key.check +
             (n.key.source_key.empty() ? "" : " (" + n.key.source_key + ")") + ": " + n.candidate +
             " not confirmed (the next look saw " + n.seen + "); keeping " +
             (n.kept.empty() ? "no state" : n.kept));
      }
    }
    if (!rep.is_ip && !rep.engines.empty()) engine_changes(rep, wall, *round);
    if (!rep.is_ip && !rep.nameservers.empty()) ns_changes(rep, wall, *round);
    if (obs.recheck_at) {
      for (std::size_t i = 0; i < subjects_.size(); ++i) {
        if (subjects_[i].name == rep.subject && subjects_[i].is_ip == rep.is_ip) {
          rechecks.emplace_back(i, *obs.recheck_at);
        }
      }
    }
  }
  round->reports = std::move(reports);
  return round;
}

// VirusTotal: a change of one engine's category since the last report of this domain.
// Called under mu_.
void DomainProbe::engine_changes(const pd::SubjectReport& rep, core::TimeNs wall,
                                 DomainRound& round) {
  auto it = engines_.find(rep.subject);
  if (it == engines_.end()) {  // the first report since the start: the baseline
    engines_.emplace(rep.subject, rep.engines);
    return;
  }
  const std::vector<pd::EngineVerdict>& prev = it->second;
  for (const pd::EngineChange& c : pd::diff_engines(prev, rep.engines)) {
    ++counters_.engine_changes;
    const pd::Severity sev = engine_severity(c.new_category);
    const std::string text = c.engine + ": " + verdict_text(prev, c.engine, c.old_category) +
                             " \u2192 " + verdict_text(rep.engines, c.engine, c.new_category);
    DomainRoundChange ch;
    store::DomainChangeRow& row = ch.row;
    row.ts = wall;
    row.first_seen = wall;
    row.subject = rep.subject;
    row.check = "virustotal.engine";
    row.source_key = c.engine;
    row.previous = c.old_category;
    row.state = c.new_category.empty() ? "absent" : c.new_category;
    row.severity = std::string(pd::severity_name(sev));
    row.source = "VirusTotal";
    row.detail = text;
    ch.previous_severity = std::string(pd::severity_name(engine_severity(c.old_category)));
    if (log_) log_("domain: " + rep.subject + " virustotal engine " + text);
    round.changes.push_back(std::move(ch));
  }
  it->second = rep.engines;
}

// The parent's NS set: a different set since the last delegated report of this domain (a
// registrar or an attacker repointing it). Called under mu_, only with a non-empty set (the
// delegation check ended "delegated" this round).
void DomainProbe::ns_changes(const pd::SubjectReport& rep, core::TimeNs wall, DomainRound& round) {
  auto it = nameservers_.find(rep.subject);
  if (it == nameservers_.end()) {  // the first delegated report since the start: the baseline
    nameservers_.emplace(rep.subject, rep.nameservers);
    return;
  }
  if (it->second == rep.nameservers) return;
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s;
  };
  ++counters_.ns_changes;
  const std::string old_set = join(it->second), new_set = join(rep.nameservers);
  const std::string text = "NS " + old_set + " \u2192 " + new_set;
  std::string source;
  for (const pd::CheckResult& r : rep.results) {
    if (r.check == "delegation" && r.state == "delegated") {
      source = r.source;
      break;
    }
  }
  DomainRoundChange ch;
  store::DomainChangeRow& row = ch.row;
  row.ts = wall;
  row.first_seen = wall;
  row.subject = rep.subject;
  row.check = "delegation.ns";
  row.previous = old_set;
  row.state = new_set;
  row.severity = std::string(pd::severity_name(pd::Severity::Warning));
  row.source = source;
  row.detail = text;
  ch.previous_severity = std::string(pd::severity_name(pd::Severity::Ok));
  if (log_) log_("domain: " + rep.subject + " delegation " + text);
  round.changes.push_back(std::move(ch));
  it->second = rep.nameservers;
}

void DomainProbe::main() {
  if (log_) {
    log_("domain probe: " + std::to_string(cfg_.list.size()) + " domains, " +
         std::to_string(cfg_.ips.size()) + " IPs, every " +
         std::to_string(cfg_.interval / core::kNsPerSec) + " s (re-confirm after " +
         std::to_string(cfg_.reconfirm_after / core::kNsPerSec) + " s)");
  }
  std::unique_lock lock(mu_);
  while (!stop_) {
    const core::TimeNs now = steady_ns();
    std::vector<std::size_t> due = schedule_->take_due(now, kSubjectsPerRun);
    if (due.empty()) {
      core::TimeNs next = schedule_->next_due();
      if (next == std::numeric_limits<core::TimeNs>::max()) {
        cv_.wait(lock, [&] { return stop_.load(); });
      } else {
        cv_.wait_for(lock, std::chrono::nanoseconds(next - now), [&] { return stop_.load(); });
      }
      continue;
    }
    lock.unlock();
    std::vector<std::string> domains, ips;
    for (std::size_t i : due) (subjects_[i].is_ip ? ips : domains).push_back(subjects_[i].name);
    pd::CheckOptions opt = options_;
    opt.now = wall_ns();
    opt.cancel = &stop_;
    std::vector<pd::SubjectReport> reports;
    try {
      reports = runner_(domains, ips, opt);
    } catch (const std::exception& e) {  // a worker loop survives anything (STYLE §3)
      if (log_) log_(std::string("domain probe: check failed: ") + e.what());
    }
    if (stop_) {
      lock.lock();
      ++counters_.cancelled;
      break;
    }
    const core::TimeNs wall = wall_ns();
    std::vector<std::pair<std::size_t, core::TimeNs>> rechecks;
    auto round = observe(std::move(reports), wall, rechecks);
    if (sink_) sink_(round);
    lock.lock();
    const core::TimeNs steady = steady_ns();
    for (const auto& [i, at] : rechecks) schedule_->recheck(i, steady + (at - wall));
  }
}

ProbeStatus DomainProbe::status() const {
  std::lock_guard lock(mu_);
  ProbeStatus s = counters_;
  for (const Subject& sub : subjects_) {
    ProbeStatus::Subject o;
    o.name = sub.name;
    o.is_ip = sub.is_ip;
    const auto& conf = tracker_.confirmed();
    for (auto it = conf.lower_bound(CheckKey{sub.name, {}, {}});
         it != conf.end() && it->first.subject == sub.name; ++it) {
      if (!o.seen || it->second.severity > o.worst) {
        o.worst = it->second.severity;
        o.worst_check = it->first.check;
        o.worst_state = it->second.state;
      }
      o.seen = true;
      o.checked = std::max(o.checked, it->second.checked);
    }
    o.pending = tracker_.pending(sub.name).size();
    s.list.push_back(std::move(o));
  }
  return s;
}

std::vector<DomainTracker::Pending> DomainProbe::pending(const std::string& subject) const {
  std::lock_guard lock(mu_);
  return tracker_.pending(subject);
}

bool DomainProbe::knows(const std::string& subject) const {
  for (const Subject& s : subjects_) {
    if (s.name == subject) return true;
  }
  return false;
}

}  // namespace bannin::app
