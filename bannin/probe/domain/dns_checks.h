// Pure classifiers that turn one DNS outcome into a check state (DOMAIN-HEALTH-REFERENCE §6):
//   - the parent (TLD) asked directly with RD=0: referral = delegated; NXDOMAIN with AA =
//     delegation removed (hold or deletion);
//   - each delegated name server asked for the domain's SOA: authoritative answer = ok;
//     REFUSED, a non-authoritative answer or silence = lame;
//   - a recursive resolver asked for A: ok | nxdomain (with SOA) | filtered (NXDOMAIN without
//     SOA, how Quad9-style filtering resolvers block) | servfail (+EDE) | timeout.
// No I/O here; checker.cpp sends the queries. Unit tests: tests/unit/probe/dns_checks_test.cpp.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <bannin/probe/domain/dns_client.h>
#include <bannin/probe/domain/report.h>

namespace bannin::probe::domain {

struct ParentVerdict {
  CheckResult result;                                    ///< check = "delegation"
  std::vector<std::string> ns;                           ///< delegated NS names (sorted)
  std::map<std::string, std::vector<std::string>> glue;  ///< NS name -> addresses from ADDITIONAL
};

/// `domain` lower-case, no trailing dot.
ParentVerdict classify_parent(const std::string& domain, const DnsOutcome& outcome);

/// `ns` is the name server's name (for the detail text).
CheckResult classify_child(const std::string& domain, const std::string& ns,
                           const DnsOutcome& outcome);

CheckResult classify_resolver(const std::string& domain, const DnsOutcome& outcome);

/// Text for RFC 8914 INFO-CODEs (15 "Blocked", 17 "Filtered", …), "EDE <n>" otherwise.
std::string ede_name(std::uint16_t code);

/// True when `name` equals `suffix` or ends with "." + suffix (both lower-case, no dot).
bool name_in(const std::string& name, const std::string& suffix);

/// Known registrar parking / suspension name server domains (reference §2.5).
const std::vector<std::string>& parking_ns_suffixes();

}  // namespace bannin::probe::domain
