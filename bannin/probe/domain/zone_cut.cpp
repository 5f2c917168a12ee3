#include <algorithm>

#include <bannin/probe/domain/dns_checks.h>
#include <bannin/probe/domain/zone_cut.h>

namespace bannin::probe::domain {
namespace {

std::string up_one(const std::string& name) {
  auto dot = name.find('.');
  return dot == std::string::npos ? std::string{} : name.substr(dot + 1);
}

std::string shown(const std::string& zone) {
  return zone.empty() ? "." : zone;
}

ZoneCutStep walk_up(const std::string& asked, const std::string& why) {
  ZoneCutStep s;
  if (asked.empty()) {
    s.kind = ZoneCutStep::Kind::Failed;
    s.reason = why + " for the root zone";
    return s;
  }
  s.kind = ZoneCutStep::Kind::AskParent;
  s.zone = up_one(asked);
  s.reason = why + " at '" + asked + "'; trying '" + shown(s.zone) + "'";
  return s;
}

// NODATA or NXDOMAIN: the SOA in AUTHORITY names the zone the asked name lies in.
ZoneCutStep enclosing_zone(const std::string& asked, const DnsMessage& m, const std::string& what) {
  for (const auto& r : m.authority) {
    if (r.type != static_cast<std::uint16_t>(RrType::SOA)) continue;
    if (r.name != asked && name_in(asked, r.name)) {
      ZoneCutStep s;
      s.kind = ZoneCutStep::Kind::AskParent;
      s.zone = r.name;
      s.reason = "no zone at '" + asked + "' (" + what + "); it lies in '" + shown(r.name) + "'";
      return s;
    }
  }
  // No SOA, or one that is not an ancestor (a broken or forged answer): one label up.
  return walk_up(asked, "no zone (" + what + ")");
}

}  // namespace

std::string zone_cut_start(const std::string& domain) {
  return up_one(domain);
}

ZoneCutStep next_zone_cut_step(const std::string& asked, const DnsMessage& m) {
  ZoneCutStep s;
  if (m.rcode == static_cast<std::uint8_t>(Rcode::NxDomain))
    return enclosing_zone(asked, m, "NXDOMAIN");
  if (m.rcode != static_cast<std::uint8_t>(Rcode::NoError)) {
    s.kind = ZoneCutStep::Kind::Failed;
    s.reason = "the resolver answered " + rcode_name(m.rcode) + " for NS '" + shown(asked) + "'";
    return s;
  }
  // The answer's NS set for the asked name; a non-recursive server's referral (NS owned by
  // the asked name in AUTHORITY, no answer) names the same cut.
  auto ns = m.find(m.answer, RrType::NS, asked);
  if (ns.empty() && m.answer.empty()) ns = m.find(m.authority, RrType::NS, asked);
  if (!ns.empty()) {
    s.kind = ZoneCutStep::Kind::Found;
    s.zone = asked;
    for (const auto* r : ns)
      if (!r->data.empty()) s.ns.push_back(r->data);
    std::sort(s.ns.begin(), s.ns.end());
    s.ns.erase(std::unique(s.ns.begin(), s.ns.end()), s.ns.end());
    if (s.ns.empty()) {
      s.kind = ZoneCutStep::Kind::Failed;
      s.reason = "the NS records of '" + shown(asked) + "' name no server";
      return s;
    }
    for (const auto& r : m.additional) {
      if (r.type != static_cast<std::uint16_t>(RrType::A) || r.data.empty()) continue;
      if (std::binary_search(s.ns.begin(), s.ns.end(), r.name))
        s.addresses[r.name].push_back(r.data);
    }
    return s;
  }
  for (const auto& r : m.answer) {
    if (r.type == static_cast<std::uint16_t>(RrType::CNAME) && r.name == asked)
      return walk_up(asked, "a CNAME, not a zone,");
  }
  return enclosing_zone(asked, m, "NODATA");
}

}  // namespace bannin::probe::domain
