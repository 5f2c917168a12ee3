#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include <bannin/probe/domain/checker.h>
#include <bannin/probe/domain/dns_checks.h>
#include <bannin/probe/domain/domain_name.h>
#include <bannin/probe/domain/zone_cut.h>

namespace bannin::probe::domain {
namespace {

constexpr std::size_t kMaxParentServers = 3;

// Everything one domain's DNS steps collect while the client runs. Lives in a deque so
// callbacks can hold a stable pointer.
struct DomainState {
  std::string domain;
  std::vector<DnsServer> parents;
  std::vector<std::pair<DnsServer, DnsOutcome>> parent_answers;
  std::optional<DnsOutcome> ds_answer;
  std::vector<CheckResult> delegation;  // filled when every parent answer is in
  ParentVerdict verdict;
  struct Child {
    std::string ns;
    std::string address;
    std::optional<DnsOutcome> soa;
    std::optional<DnsOutcome> ns_answer;
    std::string error;
  };
  std::vector<std::unique_ptr<Child>> children;
  std::vector<std::pair<DnsServer, DnsOutcome>> resolver_answers;
  std::map<std::string, DnsOutcome> dnsbl_answers;  // zone -> answer
};

struct IpState {
  std::string ip;
  std::map<std::string, DnsOutcome> dnsbl_answers;
};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

void submit_child(DnsClient& dns, DomainState& st, const std::string& ns,
                  const std::string& address, std::uint16_t port) {
  auto child = std::make_unique<DomainState::Child>();
  child->ns = ns;
  child->address = address;
  DomainState::Child* c = child.get();
  st.children.push_back(std::move(child));
  auto server = parse_dns_server(
      address.find(':') != std::string::npos ? "[" + address + "]" : address, port);
  if (!server) {
    c->error = server.error().message;
    return;
  }
  dns.submit(*server, st.domain, RrType::SOA, false, [c](const DnsOutcome& o) { c->soa = o; });
  dns.submit(*server, st.domain, RrType::NS, false, [c](const DnsOutcome& o) { c->ns_answer = o; });
}

void on_parents_done(DnsClient& dns, DomainState& st, const CheckOptions& opt) {
  // Classify each parent server's answer; the worst answered verdict wins, disagreement is told.
  std::vector<ParentVerdict> verdicts;
  std::vector<std::string> unanswered;
  for (const auto& [server, outcome] : st.parent_answers) {
    ParentVerdict v = classify_parent(st.domain, outcome);
    v.result.source = server.text();
    if (outcome.answered())
      verdicts.push_back(std::move(v));
    else
      unanswered.push_back(server.text() + " " + v.result.state);
  }
  if (verdicts.empty()) {
    ParentVerdict v = classify_parent(
        st.domain, st.parent_answers.empty() ? DnsOutcome{} : st.parent_answers.front().second);
    v.result.detail = "no parent server answered: " + join(unanswered);
    v.result.source.clear();
    st.verdict = v;
  } else {
    std::stable_sort(verdicts.begin(), verdicts.end(),
                     [](const ParentVerdict& a, const ParentVerdict& b) {
                       return a.result.severity > b.result.severity;
                     });
    st.verdict = verdicts.front();
    std::set<std::string> states;
    for (const auto& v : verdicts) states.insert(v.result.state);
    if (states.size() > 1)
      st.verdict.result.detail += "; parent servers disagree (zone being changed?)";
    if (!unanswered.empty()) st.verdict.result.detail += "; unanswered: " + join(unanswered);
    // Referral used for the child step: the first answered "delegated" verdict.
    for (const auto& v : verdicts) {
      if (v.result.state == "delegated") {
        st.verdict.ns = v.ns;
        st.verdict.glue = v.glue;
        break;
      }
    }
  }
  if (st.ds_answer && st.ds_answer->answered() && st.verdict.result.state == "delegated") {
    bool ds =
        !st.ds_answer->message.find(st.ds_answer->message.answer, RrType::DS, st.domain).empty();
    st.verdict.result.detail +=
        ds ? "; DS present (DNSSEC signed delegation)" : "; no DS at the parent";
  }
  st.delegation.push_back(st.verdict.result);
  for (const auto& ns : st.verdict.ns) {
    for (const auto& suffix : parking_ns_suffixes()) {
      if (name_in(ns, suffix)) {
        CheckResult p;
        p.check = "delegation";
        p.source = st.verdict.result.source;
        p.state = "parking_ns";
        p.severity = Severity::Critical;
        p.detail = "the parent delegates to " + ns + ", a registrar parking/suspension host";
        st.delegation.push_back(p);
      }
    }
  }
  // Child consistency: each delegated NS, by glue or by resolving its name.
  std::size_t n = 0;
  for (const auto& ns : st.verdict.ns) {
    if (++n > opt.max_ns_per_domain) break;
    auto g = st.verdict.glue.find(ns);
    if (g != st.verdict.glue.end() && !g->second.empty()) {
      submit_child(dns, st, ns, g->second.front(), opt.ns_port);
    } else if (!opt.resolvers.empty()) {
      DomainState* sp = &st;
      dns.submit(opt.resolvers.front(), ns, RrType::A, true,
                 [sp, &dns, ns, &opt](const DnsOutcome& o) {
                   std::string addr;
                   if (o.answered()) {
                     for (const auto& r : o.message.answer) {
                       if (r.type == static_cast<std::uint16_t>(RrType::A)) {
                         addr = r.data;
                         break;
                       }
                     }
                   }
                   if (addr.empty()) {
                     auto c = std::make_unique<DomainState::Child>();
                     c->ns = ns;
                     c->error = "cannot resolve the name server's address";
                     sp->children.push_back(std::move(c));
                   } else {
                     submit_child(dns, *sp, ns, addr, opt.ns_port);
                   }
                 });
    } else {
      auto c = std::make_unique<DomainState::Child>();
      c->ns = ns;
      c->error = "no glue and no resolver to find the name server's address";
      st.children.push_back(std::move(c));
    }
  }
}

std::vector<CheckResult> child_results(const DomainState& st) {
  std::vector<CheckResult> out;
  if (st.verdict.result.state != "delegated") {
    CheckResult r;
    r.check = "child";
    r.state = "not_checked";
    r.severity = Severity::Info;
    r.detail = "no delegation from the parent, so there are no delegated servers to ask";
    out.push_back(r);
    return out;
  }
  std::size_t lame = 0;
  std::set<std::string> child_ns;
  bool have_child_ns = false;
  for (const auto& c : st.children) {
    CheckResult r;
    if (!c->error.empty()) {
      r.check = "child";
      r.state = "error";
      r.severity = Severity::Unknown;
      r.detail = c->ns + ": " + c->error;
    } else {
      r = classify_child(st.domain, c->ns, c->soa.value_or(DnsOutcome{}));
    }
    r.source = c->ns + (c->address.empty() ? "" : " (" + c->address + ")");
    if (r.state == "lame" || r.state == "lame_timeout" || r.state == "bad_answer") ++lame;
    if (r.state == "ok" && c->ns_answer && c->ns_answer->answered() && !have_child_ns) {
      for (const auto* rec :
           c->ns_answer->message.find(c->ns_answer->message.answer, RrType::NS, st.domain)) {
        child_ns.insert(rec->data);
      }
      have_child_ns = !child_ns.empty();
    }
    out.push_back(r);
  }
  if (!st.children.empty() && lame == st.children.size()) {
    CheckResult r;
    r.check = "child";
    r.state = "lame_delegation";
    r.severity = Severity::Critical;
    r.detail =
        "none of the delegated servers answers for " + st.domain + ": resolvers fail (SERVFAIL)";
    out.push_back(r);
  }
  if (have_child_ns) {
    std::set<std::string> parent(st.verdict.ns.begin(), st.verdict.ns.end());
    if (parent != child_ns) {
      CheckResult r;
      r.check = "child";
      r.state = "ns_drift";
      r.severity = Severity::Warning;
      r.detail = "parent NS {" + join({parent.begin(), parent.end()}) +
                 "} differ from the zone's own NS {" + join({child_ns.begin(), child_ns.end()}) +
                 "}";
      out.push_back(r);
    }
  }
  return out;
}

std::vector<CheckResult> resolver_results(const DomainState& st) {
  std::vector<CheckResult> out;
  std::set<std::string> answered_states;
  for (const auto& [server, outcome] : st.resolver_answers) {
    CheckResult r = classify_resolver(st.domain, outcome);
    r.source = server.text();
    if (outcome.answered()) answered_states.insert(r.state);
    out.push_back(r);
  }
  if (answered_states.size() > 1 && answered_states.count("ok") != 0) {
    CheckResult r;
    r.check = "resolver";
    r.state = "disagreement";
    r.severity = Severity::Warning;
    r.detail =
        "some resolvers resolve " + st.domain + " and others do not: users see it intermittently";
    out.push_back(r);
  }
  return out;
}

CheckResult not_checked(const std::string& check, const std::string& why) {
  CheckResult r;
  r.check = check;
  r.state = "not_checked";
  r.severity = Severity::Info;
  r.detail = why;
  return r;
}

// RDAP does not cover the domain: disabled, or no server for its TLD (e.g. .jp).
bool whois_wanted(const CheckOptions& opt, const std::string& domain) {
  return !opt.rdap_enabled || (opt.rdap_server.empty() &&
                               (!opt.rdap_bootstrap || !opt.rdap_bootstrap->base_for(domain)));
}

// The DQS key goes only into the zones' query names (apply_dqs_key masks every shown name);
// without a key the DQS-only zones are dropped.
CheckOptions with_dqs_key(const CheckOptions& in) {
  CheckOptions out = in;
  if (out.zones) apply_dqs_key(*out.zones, out.spamhaus_dqs_key);
  return out;
}

// The parent zone of each start name and up to kMaxParentServers of its servers, through
// the first resolver: rounds of "NS <name>" read by next_zone_cut_step() (a name like co.jp
// that is no zone leads to the zone holding it), then the servers' addresses (ADDITIONAL,
// else an A query). The servers are asked at opt.ns_port (53; loopback test beds move it).
struct ParentSearch {
  std::string zone;  ///< the parent zone found ("" if none)
  std::vector<DnsServer> servers;
  std::string problem;  ///< why there are no servers
  std::string trail;    ///< the zone cuts that were not there ("no zone at 'co.jp' …")
};

std::map<std::string, ParentSearch> find_parents(DnsClient& dns, const CheckOptions& opt,
                                                 const std::set<std::string>& starts) {
  const DnsServer resolver = opt.resolvers.front();
  std::map<std::string, ParentSearch> out;
  std::map<std::string, std::string> asking;  // start -> the name asked this round
  for (const auto& s : starts) asking[s] = s;
  std::map<std::string, ZoneCutStep> zones;  // zone -> its Found step
  // Every step names a proper ancestor, so a name of at most 127 labels ends in time.
  for (int round = 0; round < 128 && !asking.empty(); ++round) {
    std::map<std::string, std::optional<ZoneCutStep>> steps;
    for (const auto& [start, name] : asking) steps.emplace(name, std::nullopt);
    for (auto& [name, slot] : steps) {
      auto* sp = &slot;
      const std::string n = name;
      dns.submit(resolver, n.empty() ? "." : n, RrType::NS, true,
                 [sp, n, &resolver](const DnsOutcome& o) {
                   if (o.answered()) {
                     *sp = next_zone_cut_step(n, o.message);
                     return;
                   }
                   ZoneCutStep f;
                   f.reason = (o.status == DnsStatus::Timeout ? "no answer" : o.error) + " from " +
                              resolver.text() + " for NS '" + (n.empty() ? "." : n) + "'";
                   *sp = f;
                 });
    }
    dns.run();
    std::map<std::string, std::string> next;
    for (const auto& [start, name] : asking) {
      const std::optional<ZoneCutStep>& step = steps[name];
      ParentSearch& ps = out[start];
      if (!step || step->kind == ZoneCutStep::Kind::Failed) {
        ps.problem = "cannot find the parent zone's servers through " + resolver.text() + ": " +
                     (step ? step->reason : "no answer for NS '" + name + "'");
      } else if (step->kind == ZoneCutStep::Kind::AskParent) {
        ps.trail += (ps.trail.empty() ? "" : "; ") + step->reason;
        next[start] = step->zone;
      } else {
        ps.zone = step->zone;
        zones.emplace(step->zone, *step);
      }
    }
    asking = std::move(next);
  }
  std::map<std::string, std::vector<DnsServer>> servers;  // zone -> addresses
  for (const auto& [zone, step] : zones) {
    std::size_t n = 0;
    for (const auto& ns : step.ns) {
      if (++n > kMaxParentServers) break;
      if (auto a = step.addresses.find(ns); a != step.addresses.end()) {
        servers[zone].push_back(DnsServer{a->second.front(), opt.ns_port});
        continue;
      }
      auto* list = &servers[zone];
      dns.submit(resolver, ns, RrType::A, true, [list, &opt](const DnsOutcome& a) {
        if (!a.answered()) return;
        for (const auto& rec : a.message.answer) {
          if (rec.type == static_cast<std::uint16_t>(RrType::A) && !rec.data.empty()) {
            list->push_back(DnsServer{rec.data, opt.ns_port});
            break;
          }
        }
      });
    }
  }
  dns.run();
  for (auto& [start, ps] : out) {
    if (ps.zone.empty()) continue;
    ps.servers = servers[ps.zone];
    if (ps.servers.empty())
      ps.problem = "no address found through " + resolver.text() + " for the servers of '" +
                   (ps.zone.empty() ? "." : ps.zone) + "' (" + join(zones[ps.zone].ns) + ")";
  }
  return out;
}

}  // namespace

std::string parent_zone(const std::string& domain) {
  return zone_cut_start(domain);
}

namespace {

// One run of the checks over a list of subjects. The steps, in order (run()): the parent
// zones' servers, the WHOIS queries on their own thread, every DNS question of every subject
// submitted at once (delegation, DS, resolvers, block lists with their canaries) and answered
// by one DnsClient::run(), then one report per subject from the answers, with RDAP and the
// reputation services asked subject by subject.
class CheckRun {
 public:
  CheckRun(const std::vector<std::string>& domains, const std::vector<std::string>& ips,
           const CheckOptions& options)
      : opt_(with_dqs_key(options)), dns_(opt_.dns) {
    dns_.set_cancel(opt_.cancel);
    for (const auto& d : domains) {
      doms_.emplace_back();
      doms_.back().domain = normalize_name(d);
    }
    for (const auto& ip : ips) {
      ips_.emplace_back();
      ips_.back().ip = ip;
    }
    bl_server_ = opt_.dnsbl_server;
    if (!bl_server_ && !opt_.resolvers.empty()) bl_server_ = opt_.resolvers.front();
    reputation_ = opt_.reputation_checker;
    if (!reputation_) reputation_ = std::make_shared<ReputationChecker>(opt_.reputation);
  }
  CheckRun(const CheckRun&) = delete;
  CheckRun& operator=(const CheckRun&) = delete;
  // A DNS step that throws must not leave the WHOIS thread unjoined (std::terminate).
  ~CheckRun() {
    if (whois_thread_.joinable()) whois_thread_.join();
  }

  std::vector<SubjectReport> run(DnsClientStats* dns_stats) {
    find_parent_servers();
    start_whois();
    submit_dns();
    submit_dnsbl();
    dns_.run();
    if (dns_stats != nullptr) *dns_stats = dns_.stats();
    if (whois_thread_.joinable()) whois_thread_.join();
    std::vector<SubjectReport> reports;
    for (auto& st : doms_) reports.push_back(domain_report(st));
    for (const auto& s : ips_) reports.push_back(ip_report(s));
    return reports;
  }

 private:
  // The parent zone's servers, unless given: the zone cut above each domain (zone_cut.h),
  // found through the first resolver.
  void find_parent_servers() {
    if (!opt_.parent_servers.empty()) {
      for (auto& st : doms_) st.parents = opt_.parent_servers;
    } else if (!opt_.resolvers.empty()) {
      std::set<std::string> starts;
      for (const auto& st : doms_) starts.insert(zone_cut_start(st.domain));
      searches_ = find_parents(dns_, opt_, starts);
      for (auto& st : doms_) st.parents = searches_[zone_cut_start(st.domain)].servers;
    }
  }

  // Registry status over WHOIS for the domains RDAP does not cover: all queries at once on
  // non-blocking sockets, on their own thread while the DNS steps run.
  void start_whois() {
    for (const auto& st : doms_) {
      if (whois_index_.count(st.domain) != 0 || !whois_wanted(opt_, st.domain)) continue;
      // --whois-server replaces the table's host and port; the query suffix ("/e") stays.
      const WhoisServer* row =
          opt_.whois_servers ? opt_.whois_servers->server_for(st.domain) : nullptr;
      if (row == nullptr && !opt_.whois_server) continue;
      WhoisServer server = opt_.whois_server ? *opt_.whois_server : *row;
      if (opt_.whois_server && row != nullptr && server.query_suffix.empty())
        server.query_suffix = row->query_suffix;
      whois_index_[st.domain] = whois_queries_.size();
      whois_queries_.push_back(WhoisQuery{st.domain, server});
    }
    if (whois_queries_.empty()) return;
    whois_thread_ = std::thread([this] {
      try {
        WhoisFetchOptions wo = opt_.whois;
        if (wo.cancel == nullptr) wo.cancel = opt_.cancel;
        whois_answers_ = fetch_whois(whois_queries_, wo);
      } catch (const std::exception& e) {
        whois_answers_.clear();
        WhoisFetch f;
        f.error = std::string("WHOIS client failed: ") + e.what();
        whois_answers_.resize(whois_queries_.size(), f);
      }
    });
  }

  // Every DNS step of every domain, submitted at once: NS at each parent server (the child
  // and its answers follow in on_parents_done), DS at the first, A at each resolver.
  void submit_dns() {
    for (auto& st : doms_) {
      DomainState* sp = &st;
      if (st.parents.size() > kMaxParentServers) st.parents.resize(kMaxParentServers);
      auto remaining = std::make_shared<std::size_t>(st.parents.size());
      for (const auto& server : st.parents) {
        dns_.submit(server, st.domain, RrType::NS, false,
                    [this, sp, remaining, server](const DnsOutcome& o) {
                      sp->parent_answers.emplace_back(server, o);
                      if (--*remaining == 0) on_parents_done(dns_, *sp, opt_);
                    });
      }
      if (!st.parents.empty()) {
        // DS at the first parent server; answered before or after the NS, read after run().
        dns_.submit(st.parents.front(), st.domain, RrType::DS, false,
                    [sp](const DnsOutcome& o) { sp->ds_answer = o; });
      }
      for (const auto& r : opt_.resolvers) {
        dns_.submit(r, st.domain, RrType::A, true,
                    [sp, r](const DnsOutcome& o) { sp->resolver_answers.emplace_back(r, o); });
      }
    }
  }

  // The block lists: each zone's two canaries (a listed and a not-listed test point) and the
  // subjects it is for (IP zones: the addresses; domain zones: the domains).
  void submit_dnsbl() {
    if (!opt_.zones || !bl_server_) return;
    for (const auto& zone : opt_.zones->zones) {
      bool needed = zone.for_ip ? !ips_.empty() : !doms_.empty();
      if (!needed) continue;
      auto& slot = canaries_[zone.name];
      if (auto q = dnsbl_query_name(zone, zone.canary_listed)) {
        dns_.submit(*bl_server_, *q, RrType::A, true,
                    [&slot](const DnsOutcome& o) { slot.first = o; });
      }
      if (auto q = dnsbl_query_name(zone, zone.canary_not_listed)) {
        dns_.submit(*bl_server_, *q, RrType::A, true,
                    [&slot](const DnsOutcome& o) { slot.second = o; });
      }
      auto ask = [&](const std::string& subject, std::map<std::string, DnsOutcome>& answers) {
        std::map<std::string, DnsOutcome>* ap = &answers;
        std::string zn = zone.name;
        if (auto q = dnsbl_query_name(zone, subject)) {
          dns_.submit(*bl_server_, *q, RrType::A, true,
                      [ap, zn](const DnsOutcome& o) { (*ap)[zn] = o; });
        }
      };
      if (zone.for_ip) {
        for (auto& s : ips_) ask(s.ip, s.dnsbl_answers);
      } else {
        for (auto& s : doms_) ask(s.domain, s.dnsbl_answers);
      }
    }
  }

  // One result per block list for a subject's answers, trusted only when the list's
  // canaries answered as they should.
  void dnsbl_results(const std::map<std::string, DnsOutcome>& answers, bool for_ip,
                     std::vector<CheckResult>& out) {
    if (!opt_.zones) {
      out.push_back(not_checked("dnsbl", "no DNSBL zone table loaded"));
      return;
    }
    if (!bl_server_) {
      out.push_back(not_checked(
          "dnsbl", "no resolver to ask the block lists (--resolver or --dnsbl-server)"));
      return;
    }
    for (const auto& zone : opt_.zones->zones) {
      if (zone.for_ip != for_ip) continue;
      auto a = answers.find(zone.name);
      if (a == answers.end()) {
        CheckResult r;
        r.check = "dnsbl";
        r.source = zone.name;
        r.state = "error";
        r.severity = Severity::Unknown;
        r.detail = "no query could be built for this subject";
        out.push_back(r);
        continue;
      }
      const auto& c = canaries_[zone.name];
      std::string problem = canary_problem(zone, c.first, c.second);
      CheckResult r = classify_dnsbl(zone, a->second, problem.empty(), problem);
      if (r.state == "listed" && !zone.delist_url.empty())
        r.detail += "; delisting: " + zone.delist_url;
      out.push_back(r);
    }
  }

  // The delegation at the parent (or why it could not be asked), and the parent's NS set of
  // a delegated domain, for the daemon.
  void delegation_results(DomainState& st, SubjectReport& rep) {
    auto p = searches_.find(zone_cut_start(st.domain));
    if (st.parents.empty()) {
      CheckResult r;
      r.check = "delegation";
      r.state = opt_.resolvers.empty() ? "not_checked" : "error";
      r.severity = opt_.resolvers.empty() ? Severity::Info : Severity::Unknown;
      r.detail = p != searches_.end() && !p->second.problem.empty() ? p->second.problem
                 : opt_.resolvers.empty()
                     ? "no parent servers and no resolver to find them (--parent-servers)"
                     : "the parent zone's servers could not be found";
      if (p != searches_.end() && !p->second.trail.empty())
        r.detail += " (" + p->second.trail + ")";
      rep.results.push_back(r);
      return;
    }
    // Say which zone was asked when it was not simply the domain minus one label.
    if (p != searches_.end() && !p->second.trail.empty() && !st.delegation.empty()) {
      st.delegation.front().detail +=
          "; parent zone '" + p->second.zone + "' (" + p->second.trail + ")";
    }
    for (auto& r : st.delegation) rep.results.push_back(r);
    if (st.verdict.result.state == "delegated") {
      std::set<std::string> ns;
      for (std::string n : st.verdict.ns) {
        std::transform(n.begin(), n.end(), n.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        while (!n.empty() && n.back() == '.') n.pop_back();
        if (!n.empty()) ns.insert(std::move(n));
      }
      rep.nameservers.assign(ns.begin(), ns.end());
    }
  }

  // The registry's status: RDAP (sequential; bounded by rdap_timeout_ms each), and WHOIS
  // where it was asked.
  void registry_results(const DomainState& st, SubjectReport& rep) {
    if (opt_.cancel != nullptr && opt_.cancel->load()) {
      rep.results.push_back(not_checked("rdap", "cancelled"));
    } else if (!opt_.rdap_enabled) {
      rep.results.push_back(not_checked("rdap", "RDAP disabled (--no-rdap)"));
    } else {
      std::optional<std::string> base;
      if (!opt_.rdap_server.empty())
        base = opt_.rdap_server;
      else if (opt_.rdap_bootstrap)
        base = opt_.rdap_bootstrap->base_for(st.domain);
      if (!base) {
        rep.results.push_back(not_checked(
            "rdap", (opt_.rdap_bootstrap ? "the registry of this TLD has no RDAP service"
                                         : "no RDAP bootstrap file") +
                        std::string(whois_index_.count(st.domain) != 0
                                        ? "; registry status from WHOIS instead"
                                        : "; no WHOIS server configured for this TLD either")));
      } else {
        for (auto& r : rdap_results(
                 st.domain, fetch_rdap_domain(*base, st.domain, opt_.rdap_timeout_ms), opt_.now)) {
          rep.results.push_back(r);
        }
      }
    }
    if (auto w = whois_index_.find(st.domain); w != whois_index_.end()) {
      for (auto& r : whois_results(st.domain, whois_answers_[w->second], opt_.now))
        rep.results.push_back(r);
    }
  }

  SubjectReport domain_report(DomainState& st) {
    SubjectReport rep;
    rep.subject = st.domain;
    rep.subject_unicode = unicode_form(st.domain);
    delegation_results(st, rep);
    for (auto& r : child_results(st)) rep.results.push_back(r);
    if (opt_.resolvers.empty())
      rep.results.push_back(not_checked("resolver", "no resolver configured"));
    for (auto& r : resolver_results(st)) rep.results.push_back(r);
    registry_results(st, rep);
    dnsbl_results(st.dnsbl_answers, false, rep.results);
    // Safe Browsing and VirusTotal (sequential per domain, rate-limited per provider).
    for (auto& r : reputation_->check(st.domain, rep.engines)) rep.results.push_back(std::move(r));
    return rep;
  }

  SubjectReport ip_report(const IpState& s) {
    SubjectReport rep;
    rep.subject = s.ip;
    rep.is_ip = true;
    dnsbl_results(s.dnsbl_answers, true, rep.results);
    return rep;
  }

  const CheckOptions opt_;
  DnsClient dns_;
  std::deque<DomainState> doms_;
  std::deque<IpState> ips_;
  std::map<std::string, ParentSearch> searches_;  // zone_cut_start(domain) -> what was found
  std::vector<WhoisQuery> whois_queries_;
  std::map<std::string, std::size_t> whois_index_;  // domain -> its query
  std::vector<WhoisFetch> whois_answers_;
  std::thread whois_thread_;
  std::optional<DnsServer> bl_server_;
  std::map<std::string, std::pair<DnsOutcome, DnsOutcome>> canaries_;
  std::shared_ptr<ReputationChecker> reputation_;
};

}  // namespace

std::vector<SubjectReport> run_checks(const std::vector<std::string>& domains_in,
                                      const std::vector<std::string>& ips,
                                      const CheckOptions& options, DnsClientStats* dns_stats) {
  CheckRun run(domains_in, ips, options);
  return run.run(dns_stats);
}

}  // namespace bannin::probe::domain
