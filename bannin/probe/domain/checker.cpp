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

// A DNS step that throws must not leave the WHOIS thread unjoined (std::terminate).
struct ThreadJoiner {
  std::thread& t;
  explicit ThreadJoiner(std::thread& thread) : t(thread) {}
  ThreadJoiner(const ThreadJoiner&) = delete;
  ThreadJoiner& operator=(const ThreadJoiner&) = delete;
  ~ThreadJoiner() {
    if (t.joinable()) t.join();
  }
};

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

std::vector<SubjectReport> run_checks(const std::vector<std::string>& domains_in,
                                      const std::vector<std::string>& ips,
                                      const CheckOptions& options, DnsClientStats* dns_stats) {
  const CheckOptions opt = with_dqs_key(options);
  DnsClient dns(opt.dns);
  dns.set_cancel(opt.cancel);
  std::deque<DomainState> doms;
  for (const auto& d : domains_in) {
    doms.emplace_back();
    doms.back().domain = normalize_name(d);
  }
  std::deque<IpState> ipst;
  for (const auto& ip : ips) {
    ipst.emplace_back();
    ipst.back().ip = ip;
  }

  // Phase 0: the parent zone's servers, unless given: the zone cut above each domain
  // (zone_cut.h), found through the first resolver.
  std::map<std::string, ParentSearch> searches;  // zone_cut_start(domain) -> what was found
  if (!opt.parent_servers.empty()) {
    for (auto& st : doms) st.parents = opt.parent_servers;
  } else if (!opt.resolvers.empty()) {
    std::set<std::string> starts;
    for (const auto& st : doms) starts.insert(zone_cut_start(st.domain));
    searches = find_parents(dns, opt, starts);
    for (auto& st : doms) st.parents = searches[zone_cut_start(st.domain)].servers;
  }

  // Registry status over WHOIS for the domains RDAP does not cover: all queries at once on
  // non-blocking sockets, on their own thread while the DNS steps below run.
  std::vector<WhoisQuery> whois_queries;
  std::map<std::string, std::size_t> whois_index;  // domain -> its query
  for (const auto& st : doms) {
    if (whois_index.count(st.domain) != 0 || !whois_wanted(opt, st.domain)) continue;
    // --whois-server replaces the table's host and port; the query suffix ("/e") stays.
    const WhoisServer* row = opt.whois_servers ? opt.whois_servers->server_for(st.domain) : nullptr;
    if (row == nullptr && !opt.whois_server) continue;
    WhoisServer server = opt.whois_server ? *opt.whois_server : *row;
    if (opt.whois_server && row != nullptr && server.query_suffix.empty())
      server.query_suffix = row->query_suffix;
    whois_index[st.domain] = whois_queries.size();
    whois_queries.push_back(WhoisQuery{st.domain, server});
  }
  std::vector<WhoisFetch> whois_answers;
  std::thread whois_thread;
  ThreadJoiner whois_joiner(whois_thread);
  if (!whois_queries.empty()) {
    whois_thread = std::thread([&whois_answers, &whois_queries, &opt] {
      try {
        WhoisFetchOptions wo = opt.whois;
        if (wo.cancel == nullptr) wo.cancel = opt.cancel;
        whois_answers = fetch_whois(whois_queries, wo);
      } catch (const std::exception& e) {
        whois_answers.clear();
        WhoisFetch f;
        f.error = std::string("WHOIS client failed: ") + e.what();
        whois_answers.resize(whois_queries.size(), f);
      }
    });
  }

  // Phase 1: every DNS step for every subject, concurrently.
  for (auto& st : doms) {
    DomainState* sp = &st;
    if (st.parents.size() > kMaxParentServers) st.parents.resize(kMaxParentServers);
    auto remaining = std::make_shared<std::size_t>(st.parents.size());
    for (const auto& server : st.parents) {
      dns.submit(server, st.domain, RrType::NS, false,
                 [sp, remaining, &dns, &opt, server](const DnsOutcome& o) {
                   sp->parent_answers.emplace_back(server, o);
                   if (--*remaining == 0) on_parents_done(dns, *sp, opt);
                 });
    }
    if (!st.parents.empty()) {
      // DS at the first parent server; answered before or after the NS, read after run().
      dns.submit(st.parents.front(), st.domain, RrType::DS, false,
                 [sp](const DnsOutcome& o) { sp->ds_answer = o; });
    }
    for (const auto& r : opt.resolvers) {
      dns.submit(r, st.domain, RrType::A, true,
                 [sp, r](const DnsOutcome& o) { sp->resolver_answers.emplace_back(r, o); });
    }
  }
  std::optional<DnsServer> bl_server = opt.dnsbl_server;
  if (!bl_server && !opt.resolvers.empty()) bl_server = opt.resolvers.front();
  std::map<std::string, std::pair<DnsOutcome, DnsOutcome>> canaries;
  if (opt.zones && bl_server) {
    for (const auto& zone : opt.zones->zones) {
      bool needed = zone.for_ip ? !ipst.empty() : !doms.empty();
      if (!needed) continue;
      auto& slot = canaries[zone.name];
      if (auto q = dnsbl_query_name(zone, zone.canary_listed)) {
        dns.submit(*bl_server, *q, RrType::A, true,
                   [&slot](const DnsOutcome& o) { slot.first = o; });
      }
      if (auto q = dnsbl_query_name(zone, zone.canary_not_listed)) {
        dns.submit(*bl_server, *q, RrType::A, true,
                   [&slot](const DnsOutcome& o) { slot.second = o; });
      }
      if (zone.for_ip) {
        for (auto& s : ipst) {
          IpState* sp = &s;
          std::string zn = zone.name;
          if (auto q = dnsbl_query_name(zone, s.ip)) {
            dns.submit(*bl_server, *q, RrType::A, true,
                       [sp, zn](const DnsOutcome& o) { sp->dnsbl_answers[zn] = o; });
          }
        }
      } else {
        for (auto& s : doms) {
          DomainState* sp = &s;
          std::string zn = zone.name;
          if (auto q = dnsbl_query_name(zone, s.domain)) {
            dns.submit(*bl_server, *q, RrType::A, true,
                       [sp, zn](const DnsOutcome& o) { sp->dnsbl_answers[zn] = o; });
          }
        }
      }
    }
  }
  dns.run();
  if (dns_stats != nullptr) *dns_stats = dns.stats();
  if (whois_thread.joinable()) whois_thread.join();

  auto dnsbl_for = [&](const std::map<std::string, DnsOutcome>& answers, bool for_ip,
                       std::vector<CheckResult>& out) {
    if (!opt.zones) {
      out.push_back(not_checked("dnsbl", "no DNSBL zone table loaded"));
      return;
    }
    if (!bl_server) {
      out.push_back(not_checked(
          "dnsbl", "no resolver to ask the block lists (--resolver or --dnsbl-server)"));
      return;
    }
    for (const auto& zone : opt.zones->zones) {
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
      const auto& c = canaries[zone.name];
      std::string problem = canary_problem(zone, c.first, c.second);
      CheckResult r = classify_dnsbl(zone, a->second, problem.empty(), problem);
      if (r.state == "listed" && !zone.delist_url.empty())
        r.detail += "; delisting: " + zone.delist_url;
      out.push_back(r);
    }
  };

  // Safe Browsing and VirusTotal (sequential per domain, rate-limited per provider).
  std::shared_ptr<ReputationChecker> reputation = opt.reputation_checker;
  if (!reputation) reputation = std::make_shared<ReputationChecker>(opt.reputation);
  std::vector<SubjectReport> reports;
  for (auto& st : doms) {
    SubjectReport rep;
    rep.subject = st.domain;
    rep.subject_unicode = unicode_form(st.domain);
    if (st.parents.empty()) {
      CheckResult r;
      r.check = "delegation";
      r.state = opt.resolvers.empty() ? "not_checked" : "error";
      r.severity = opt.resolvers.empty() ? Severity::Info : Severity::Unknown;
      auto p = searches.find(zone_cut_start(st.domain));
      r.detail = p != searches.end() && !p->second.problem.empty() ? p->second.problem
                 : opt.resolvers.empty()
                     ? "no parent servers and no resolver to find them (--parent-servers)"
                     : "the parent zone's servers could not be found";
      if (p != searches.end() && !p->second.trail.empty()) r.detail += " (" + p->second.trail + ")";
      rep.results.push_back(r);
    } else {
      // Say which zone was asked when it was not simply the domain minus one label.
      if (auto p = searches.find(zone_cut_start(st.domain));
          p != searches.end() && !p->second.trail.empty() && !st.delegation.empty()) {
        st.delegation.front().detail +=
            "; parent zone '" + p->second.zone + "' (" + p->second.trail + ")";
      }
      for (auto& r : st.delegation) rep.results.push_back(r);
      if (st.verdict.result.state == "delegated") {  // the parent's NS set, for the daemon
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
    for (auto& r : child_results(st)) rep.results.push_back(r);
    if (opt.resolvers.empty())
      rep.results.push_back(not_checked("resolver", "no resolver configured"));
    for (auto& r : resolver_results(st)) rep.results.push_back(r);
    // RDAP (sequential; bounded by rdap_timeout_ms each).
    if (opt.cancel != nullptr && opt.cancel->load()) {
      rep.results.push_back(not_checked("rdap", "cancelled"));
    } else if (!opt.rdap_enabled) {
      rep.results.push_back(not_checked("rdap", "RDAP disabled (--no-rdap)"));
    } else {
      std::optional<std::string> base;
      if (!opt.rdap_server.empty())
        base = opt.rdap_server;
      else if (opt.rdap_bootstrap)
        base = opt.rdap_bootstrap->base_for(st.domain);
      if (!base) {
        rep.results.push_back(not_checked(
            "rdap", (opt.rdap_bootstrap ? "the registry of this TLD has no RDAP service"
                                        : "no RDAP bootstrap file") +
                        std::string(whois_index.count(st.domain) != 0
                                        ? "; registry status from WHOIS instead"
                                        : "; no WHOIS server configured for this TLD either")));
      } else {
        for (auto& r : rdap_results(
                 st.domain, fetch_rdap_domain(*base, st.domain, opt.rdap_timeout_ms), opt.now)) {
          rep.results.push_back(r);
        }
      }
    }
    if (auto w = whois_index.find(st.domain); w != whois_index.end()) {
      for (auto& r : whois_results(st.domain, whois_answers[w->second], opt.now))
        rep.results.push_back(r);
    }
    dnsbl_for(st.dnsbl_answers, false, rep.results);
    for (auto& r : reputation->check(st.domain, rep.engines)) rep.results.push_back(std::move(r));
    reports.push_back(std::move(rep));
  }
  for (auto& s : ipst) {
    SubjectReport rep;
    rep.subject = s.ip;
    rep.is_ip = true;
    dnsbl_for(s.dnsbl_answers, true, rep.results);
    reports.push_back(std::move(rep));
  }
  return reports;
}

}  // namespace bannin::probe::domain
