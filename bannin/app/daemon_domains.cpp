// Daemon: the scheduled domain probe (config `domains:`): building it from the configuration,
// and what the API and status show of it (GET /api/v1/domains[/NAME]). The probe itself is
// domain_probe.cpp; its rounds go through the pipeline thread (pipeline.cpp).
#include <algorithm>
#include <map>

#include <bannin/app/daemon.h>
#include <bannin/app/domain_probe.h>
#include <bannin/core/json_writer.h>
#include <bannin/probe/domain/check_setup.h>
#include <bannin/store/store.h>

namespace bannin::app {

namespace pd = probe::domain;

namespace {

// Above this many subjects, status lists only those not ok (the API has them all).
constexpr std::size_t kStatusListAll = 100;

void check_json(std::string& out, const store::DomainCheckRow& r) {
  core::JsonObjectWriter c(out);
  c.string("check", r.check);
  if (!r.source_key.empty()) c.string("list", r.source_key);
  c.string("state", r.state);
  c.string("severity", r.severity);
  c.string("source", r.source);
  c.string("detail", r.detail);
  c.string("since", core::format_rfc3339_or_empty(r.since));
  c.string("checked", core::format_rfc3339_or_empty(r.checked));
  c.close();
}

void pending_json(std::string& out, const std::vector<DomainTracker::Pending>& pending) {
  out += '[';
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (i) out += ',';
    const auto& p = pending[i];
    core::JsonObjectWriter j(out);
    j.string("check", p.key.check);
    if (!p.key.source_key.empty()) j.string("list", p.key.source_key);
    j.string("state", p.candidate.state);
    j.string("severity", pd::severity_name(p.candidate.severity));
    j.string("confirmed_state", p.confirmed_state);
    j.string("first_seen", core::format_rfc3339_or_empty(p.candidate.since));
    j.string("recheck_after", core::format_rfc3339_or_empty(p.due));
    j.string("detail", p.candidate.detail);
    j.close();
  }
  out += ']';
}

}  // namespace

core::Result<bool> Daemon::make_probe(store::Store* st) {
  const DomainsConfig& dc = cfg_.domains;
  if (!dc.enabled()) return true;
  // Data paths are looked for in the working directory, then the share directory; key files
  // are the operator's own and used as given.
  pd::CheckSettings s = dc.check;
  auto data_path = [](const std::string& p) { return p.empty() ? p : resolve_path(p); };
  s.dnsbl_zones = data_path(s.dnsbl_zones);
  s.rdap_bootstrap = data_path(s.rdap_bootstrap);
  s.whois_servers = data_path(s.whois_servers);
  // Keys come from the files or the environment (check_setup.cpp); messages name the file or
  // the variable, never the key, and the key stays in CheckOptions (never logged or stored).
  auto opt = pd::build_check_options(s);
  if (!opt) return core::make_error("domains", "domains: " + opt.error().message);
  if (opt->resolvers.empty() && dc.check.resolvers.empty()) {
    log("domains: no resolver in /etc/resolv.conf: parent discovery and block lists will not "
        "be checked (set domains.resolvers)");
  }
  {
    const auto& r = opt->reputation;
    log("domains: WHOIS %s, Spamhaus DQS %s, Safe Browsing %s, VirusTotal %s",
        opt->whois_servers || opt->whois_server ? "on" : "off",
        opt->spamhaus_dqs_key.empty() ? "no key (public mirrors)" : "key set",
        r.safe_browsing_key.empty() ? "no key (not checked)" : "key set",
        r.virustotal_key.empty() ? "no key (not checked)" : "key set");
  }
  if (st == nullptr) return true;  // `bannin run --check`: built, not started
  probe_ = std::make_unique<DomainProbe>(
      dc, std::move(*opt),
      [this](std::shared_ptr<const DomainRound> r) {
        Batch b;
        b.kind = Batch::Kind::Domain;
        b.domain = std::move(r);
        records_->push_blocking(std::move(b));  // the pipeline drains until stop() closes it
      },
      [this](const std::string& m) { log("%s", m.c_str()); });
  auto rows = st->domain_checks();
  if (rows) {
    probe_->restore(*rows);
  } else {
    log("store: domain states unreadable, every check starts afresh: %s",
        rows.error().message.c_str());
  }
  return true;
}

std::string Daemon::domains_status_json() {
  std::string out;
  core::JsonObjectWriter d(out);
  d.boolean("enabled", probe_ != nullptr);
  if (!probe_) {
    d.close();
    return out;
  }
  ProbeStatus s = probe_->status();
  d.integer("subjects", static_cast<std::int64_t>(s.subjects));
  d.integer("interval_s", s.interval / core::kNsPerSec);
  d.integer("reconfirm_after_s", s.reconfirm_after / core::kNsPerSec);
  d.integer("runs", static_cast<std::int64_t>(s.runs));
  d.integer("results", static_cast<std::int64_t>(s.checks));
  d.integer("changes", static_cast<std::int64_t>(s.changes));
  d.integer("not_confirmed", static_cast<std::int64_t>(s.not_confirmed));
  d.integer("engine_changes", static_cast<std::int64_t>(s.engine_changes));
  d.integer("ns_changes", static_cast<std::int64_t>(s.ns_changes));
  d.string("last_round", core::format_rfc3339_or_empty(s.last_round));
  std::size_t pending = 0, bad = 0;
  for (const auto& x : s.list) {
    pending += x.pending;
    if (x.worst >= pd::Severity::Warning) ++bad;
  }
  d.integer("pending", static_cast<std::int64_t>(pending));
  d.integer("not_ok", static_cast<std::int64_t>(bad));
  d.key("list");
  out += '[';
  bool first = true;
  for (const auto& x : s.list) {
    if (s.list.size() > kStatusListAll && x.worst < pd::Severity::Warning && x.pending == 0)
      continue;
    if (!first) out += ',';
    first = false;
    core::JsonObjectWriter j(out);
    j.string("subject", x.name);
    j.string("type", x.is_ip ? "ip" : "domain");
    j.string("severity", x.seen ? pd::severity_name(x.worst) : "");
    j.string("check", x.worst_check);
    j.string("state", x.seen ? x.worst_state : "not checked yet");
    j.string("checked", core::format_rfc3339_or_empty(x.checked));
    j.integer("pending", static_cast<std::int64_t>(x.pending));
    j.close();
  }
  out += ']';
  d.close();
  return out;
}

core::Result<std::string> Daemon::domains_json() {
  if (!probe_) return core::make_error("not_found", "the domain probe is off (config domains:)");
  std::vector<store::DomainCheckRow> rows;
  {
    std::lock_guard lock(read_store_mu_);
    auto r = read_store_->domain_checks();
    if (!r) return r.error();
    rows = std::move(*r);
  }
  std::map<std::string, std::vector<const store::DomainCheckRow*>> by_subject;
  for (const auto& r : rows) by_subject[r.subject].push_back(&r);
  ProbeStatus st = probe_->status();
  std::string out;
  core::JsonObjectWriter o(out);
  o.key("domains");
  out += '[';
  bool first = true;
  for (const auto& sub : st.list) {
    if (!first) out += ',';
    first = false;
    core::JsonObjectWriter j(out);
    j.string(sub.is_ip ? "ip" : "domain", sub.name);
    j.string("type", sub.is_ip ? "ip" : "domain");
    j.string("severity", sub.seen ? pd::severity_name(sub.worst) : "");
    j.key("checks");
    out += '[';
    auto it = by_subject.find(sub.name);
    if (it != by_subject.end()) {
      for (std::size_t i = 0; i < it->second.size(); ++i) {
        if (i) out += ',';
        check_json(out, *it->second[i]);
      }
    }
    out += ']';
    j.key("pending");
    pending_json(out, probe_->pending(sub.name));
    j.close();
  }
  out += ']';
  o.close();
  return out;
}

core::Result<std::string> Daemon::domain_json(const std::string& name_in) {
  std::string name = name_in;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!name.empty() && name.back() == '.') name.pop_back();
  std::vector<store::DomainCheckRow> rows;
  std::vector<store::DomainChangeRow> changes;
  {
    std::lock_guard lock(read_store_mu_);
    auto r = read_store_->domain_checks(name);
    if (!r) return r.error();
    rows = std::move(*r);
    auto c = read_store_->domain_changes(name, 1000);
    if (!c) return c.error();
    changes = std::move(*c);
  }
  const bool probed = probe_ && probe_->knows(name);
  if (!probed && rows.empty() && changes.empty()) {
    return core::make_error(
        "not_found", "no domain " + name.substr(0, 253) + " in the domain probe or its history");
  }
  std::string out;
  core::JsonObjectWriter o(out);
  o.string("subject", name);
  o.boolean("probed", probed);
  o.key("checks");
  out += '[';
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i) out += ',';
    check_json(out, rows[i]);
  }
  out += ']';
  o.key("pending");
  pending_json(out, probe_ ? probe_->pending(name) : std::vector<DomainTracker::Pending>{});
  o.key("timeline");
  out += '[';
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (i) out += ',';
    const auto& c = changes[i];
    core::JsonObjectWriter t(out);
    t.string("ts", core::format_rfc3339_or_empty(c.ts));
    t.string("first_seen", core::format_rfc3339_or_empty(c.first_seen));
    t.string("check", c.check);
    if (!c.source_key.empty()) t.string("list", c.source_key);
    t.string("from", c.previous);
    t.string("to", c.state);
    t.string("severity", c.severity);
    t.string("source", c.source);
    t.string("detail", c.detail);
    t.close();
  }
  out += ']';
  o.close();
  return out;
}

}  // namespace bannin::app
