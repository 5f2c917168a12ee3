#include <algorithm>
#include <set>

#include <bannin/probe/domain/dns_checks.h>

namespace bannin::probe::domain {
namespace {

std::string flags_text(const DnsMessage& m) {
  std::string s = rcode_name(m.rcode);
  s += m.aa ? ", aa" : ", no aa";
  s += ", answer " + std::to_string(m.answer.size()) + ", authority " +
       std::to_string(m.authority.size());
  return s;
}

CheckResult unanswered(const char* check, const DnsOutcome& o) {
  CheckResult r;
  r.check = check;
  if (o.status == DnsStatus::Timeout) {
    r.state = "timeout";
    r.detail = "no answer within the time limit";
  } else {
    r.state = "error";
    r.detail = o.error.empty() ? "query failed" : o.error;
  }
  r.severity = Severity::Unknown;
  return r;
}

}  // namespace

bool name_in(const std::string& name, const std::string& suffix) {
  if (suffix.empty()) return true;
  if (name.size() < suffix.size()) return false;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  return name.size() == suffix.size() || name[name.size() - suffix.size() - 1] == '.';
}

const std::vector<std::string>& parking_ns_suffixes() {
  static const std::vector<std::string> k = {
      "renewyourname.net",
      "suspended-domain.com",
      "expirationwarning.net",
      "pendingrenewaldeletion.com",
      "parkingcrew.net",
      "sedoparking.com",
      "bodis.com",
      "above.com",
  };
  return k;
}

std::string ede_name(std::uint16_t code) {
  switch (code) {
    case 0:
      return "EDE 0 Other";
    case 6:
      return "EDE 6 DNSSEC Bogus";
    case 9:
      return "EDE 9 DNSKEY Missing";
    case 15:
      return "EDE 15 Blocked";
    case 16:
      return "EDE 16 Censored";
    case 17:
      return "EDE 17 Filtered";
    case 18:
      return "EDE 18 Prohibited";
    case 20:
      return "EDE 20 Not Authoritative";
    case 22:
      return "EDE 22 No Reachable Authority";
    case 23:
      return "EDE 23 Network Error";
    default:
      return "EDE " + std::to_string(code);
  }
}

ParentVerdict classify_parent(const std::string& domain, const DnsOutcome& o) {
  ParentVerdict v;
  v.result.check = "delegation";
  if (!o.answered()) {
    v.result = unanswered("delegation", o);
    return v;
  }
  const DnsMessage& m = o.message;
  std::string facts = flags_text(m);
  if (m.rcode == static_cast<std::uint8_t>(Rcode::NxDomain)) {
    v.result.state = "delegation_removed";
    v.result.severity = Severity::Critical;
    v.result.detail = "the parent zone's server says the name does not exist (" + facts +
                      (m.has_soa_in_authority() ? ", SOA in authority" : "") + ")" +
                      (m.aa ? "" : "; answer not authoritative");
    return v;
  }
  if (m.rcode != static_cast<std::uint8_t>(Rcode::NoError)) {
    v.result.state = "parent_error";
    v.result.severity = Severity::Unknown;
    v.result.detail = "the parent server did not answer usefully (" + facts + ")";
    return v;
  }
  // A referral: NS for the domain in AUTHORITY (no AA). A parent that also serves the child
  // zone answers with AA and the NS in ANSWER; both count as delegated.
  std::set<std::string> ns;
  for (const auto* r : m.find(m.authority, RrType::NS, domain)) ns.insert(r->data);
  for (const auto* r : m.find(m.answer, RrType::NS, domain)) ns.insert(r->data);
  if (!ns.empty()) {
    v.ns.assign(ns.begin(), ns.end());
    for (const DnsRecord& r : m.additional) {
      if ((r.type == static_cast<std::uint16_t>(RrType::A) ||
           r.type == static_cast<std::uint16_t>(RrType::AAAA)) &&
          ns.count(r.name) != 0 && !r.data.empty()) {
        v.glue[r.name].push_back(r.data);
      }
    }
    v.result.state = "delegated";
    v.result.severity = Severity::Ok;
    std::string list;
    for (const auto& n : v.ns) list += (list.empty() ? "" : " ") + n;
    v.result.detail = "the parent delegates to " + list + " (" + facts + ")";
    return v;
  }
  // A referral to somewhere else (NS for another owner) means we did not ask the parent.
  for (const DnsRecord& r : m.authority) {
    if (r.type == static_cast<std::uint16_t>(RrType::NS) && !name_in(domain, r.name)) {
      v.result.state = "wrong_parent";
      v.result.severity = Severity::Unknown;
      v.result.detail = "the server referred to " + r.name + ", it is not the parent of " + domain;
      return v;
    }
    if (r.type == static_cast<std::uint16_t>(RrType::NS) && r.name != domain) {
      v.result.state = "wrong_parent";
      v.result.severity = Severity::Unknown;
      v.result.detail = "the server referred to the intermediate zone " + r.name +
                        "; ask that zone's servers (--parent-servers)";
      return v;
    }
  }
  if (m.aa) {
    v.result.state = "not_delegated";
    v.result.severity = Severity::Critical;
    v.result.detail = "the name exists in the parent zone but has no NS delegation (" + facts + ")";
  } else {
    v.result.state = "parent_error";
    v.result.severity = Severity::Unknown;
    v.result.detail =
        "the parent server gave neither a referral nor an authoritative answer (" + facts + ")";
  }
  return v;
}

CheckResult classify_child(const std::string& domain, const std::string& ns, const DnsOutcome& o) {
  if (!o.answered()) {
    CheckResult r = unanswered("child", o);
    r.state = o.status == DnsStatus::Timeout ? "lame_timeout" : "error";
    r.severity = o.status == DnsStatus::Timeout ? Severity::Warning : Severity::Unknown;
    r.detail = ns + ": " + r.detail;
    return r;
  }
  const DnsMessage& m = o.message;
  CheckResult r;
  r.check = "child";
  std::string facts = flags_text(m);
  if (m.rcode == static_cast<std::uint8_t>(Rcode::NoError) && m.aa &&
      !m.find(m.answer, RrType::SOA, domain).empty()) {
    r.state = "ok";
    r.severity = Severity::Ok;
    r.detail = ns + " answers authoritatively (" + facts + ")";
  } else if (m.rcode == static_cast<std::uint8_t>(Rcode::Refused)) {
    r.state = "lame";
    r.severity = Severity::Warning;
    r.detail = ns + " refuses to answer for " + domain + " (" + facts + ")";
  } else if (!m.aa) {
    r.state = "lame";
    r.severity = Severity::Warning;
    r.detail = ns + " is not authoritative for " + domain + " (" + facts + ")";
  } else {
    r.state = "bad_answer";
    r.severity = Severity::Warning;
    r.detail = ns + " answers without the zone's SOA (" + facts + ")";
  }
  return r;
}

CheckResult classify_resolver(const std::string& domain, const DnsOutcome& o) {
  if (!o.answered()) return unanswered("resolver", o);
  const DnsMessage& m = o.message;
  CheckResult r;
  r.check = "resolver";
  std::string facts = flags_text(m);
  if (m.ede_code) {
    facts += ", " + ede_name(*m.ede_code);
    if (!m.ede_text.empty()) facts += " \"" + m.ede_text + "\"";
  }
  switch (static_cast<Rcode>(m.rcode)) {
    case Rcode::NoError: {
      std::string addrs;
      for (const DnsRecord& a : m.answer) {
        if (a.type == static_cast<std::uint16_t>(RrType::A))
          addrs += (addrs.empty() ? "" : " ") + a.data;
      }
      r.state = "ok";
      r.severity = Severity::Ok;
      r.detail = addrs.empty() ? domain + " exists (no A record) (" + facts + ")"
                               : domain + " -> " + addrs;
      break;
    }
    case Rcode::NxDomain:
      if (m.has_soa_in_authority()) {
        r.state = "nxdomain";
        r.severity = Severity::Critical;
        r.detail =
            "the resolver says " + domain + " does not exist (" + facts + ", SOA in authority)";
      } else {
        r.state = "filtered";
        r.severity = Severity::Warning;
        r.detail = "NXDOMAIN without SOA: this resolver blocks " + domain + " (" + facts + ")";
      }
      break;
    case Rcode::ServFail:
      r.state = "servfail";
      r.severity = Severity::Critical;
      r.detail = "the resolver could not resolve " + domain + " (" + facts + ")";
      if (m.ede_code &&
          (*m.ede_code == 15 || *m.ede_code == 16 || *m.ede_code == 17 || *m.ede_code == 18)) {
        r.state = "filtered";
        r.severity = Severity::Warning;
      }
      break;
    case Rcode::Refused:
      r.state = "refused";
      r.severity = Severity::Unknown;
      r.detail = "the resolver refused the query (" + facts + "); is it open to this host?";
      break;
    default:
      r.state = "error";
      r.severity = Severity::Unknown;
      r.detail = facts;
      break;
  }
  return r;
}

}  // namespace bannin::probe::domain
