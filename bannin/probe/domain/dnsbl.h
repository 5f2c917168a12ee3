// DNS block lists (DNSBL for IPs, RHSBL/URIBL for domains) with per-zone return-code tables
// kept as versioned data (data/dnsbl/zones.yaml), because codes and bit meanings change over
// time (DOMAIN-HEALTH-REFERENCE §1, §7.3).
//
// A query answer becomes exactly one state (reference §1.6):
//   listed      known listing code(s) for this zone
//   not_listed  NXDOMAIN (or no A), *and* the zone's canaries passed this run
//   blocked     an error/"query refused" code (Spamhaus 127.255.255.x, URIBL 127.0.0.1,
//               SURBL bit 1, …): the list did not answer, it is not a listing
//   unknown_code a 127/8 code not in the table (reported, not alerted as a listing)
//   canary_failed the zone failed its RFC 5782 test points, so its "not listed" is not trusted
//   timeout / error
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/probe/domain/dns_client.h>
#include <bannin/probe/domain/report.h>

namespace bannin::probe::domain {

struct DnsblCode {
  std::string list;     ///< short name, e.g. "SBL", "PH"
  std::string meaning;  ///< for people
  Severity severity = Severity::Critical;
};

struct DnsblZone {
  std::string name;                         ///< zone, e.g. "zen.spamhaus.org"
  std::string provider;                     ///< "Spamhaus"
  bool for_ip = false;                      ///< true: IP list (reversed octets); false: domain list
  bool bitmask = false;                     ///< true: last octet is a bit set (SURBL, URIBL)
  std::map<std::string, DnsblCode> codes;   ///< exact answers (non-bitmask zones)
  std::map<std::uint32_t, DnsblCode> bits;  ///< bit value -> meaning (bitmask zones)
  std::map<std::string, std::string> error_codes;   ///< exact answers that are errors
  std::map<std::uint32_t, std::string> error_bits;  ///< bits that mean "query blocked"
  std::string error_prefix;       ///< e.g. "127.255.255." : every such answer is an error
  std::string canary_listed;      ///< subject that must be listed ("127.0.0.2", "test")
  std::string canary_not_listed;  ///< subject that must not be listed ("127.0.0.1", "invalid")
  std::string delist_url;
  /// Spamhaus Data Query Service: with an operator's key the zone is asked as
  /// <subject>.<key>.<dqs_zone> (e.g. zen.dq.spamhaus.net) instead of the public mirror.
  std::string dqs_zone;
  bool dqs_only = false;   ///< only with a DQS key (ZRD, AuthBL); skipped without one
  std::string query_zone;  ///< the zone actually asked when not `name` (holds the key: never print)
};

struct DnsblZones {
  int version = 0;
  std::vector<DnsblZone> zones;
};

/// Reads the zone table. Problems are collected (each with line:column), not stopped at.
core::Result<DnsblZones> load_dnsbl_zones(const std::string& path);
core::Result<DnsblZones> parse_dnsbl_zones(const std::string& yaml_text, const std::string& origin);

/// True for a plausible DQS key (1..63 letters and digits: it becomes one DNS label).
bool valid_dqs_key(const std::string& key);

/// Switches every zone with a `dqs_zone` to DQS with `key` (an empty key drops the DQS-only
/// zones instead). The key goes only into `query_zone`; `name`, which every result and message
/// shows, becomes "…<dqs_zone>" so the key never reaches output or logs.
void apply_dqs_key(DnsblZones& zones, const std::string& key);

/// The name to ask: reversed octets / nibbles + zone for IPs, domain + zone for domains.
/// nullopt when `subject` is not an IP address for an IP zone.
std::optional<std::string> dnsbl_query_name(const DnsblZone& zone, const std::string& subject);

/// Classifies one answer. `canaries_ok` = the zone passed both test points in this run.
CheckResult classify_dnsbl(const DnsblZone& zone, const DnsOutcome& outcome, bool canaries_ok,
                           const std::string& canary_problem);

/// Checks the two canaries' outcomes; returns "" when they pass, else what went wrong.
std::string canary_problem(const DnsblZone& zone, const DnsOutcome& listed,
                           const DnsOutcome& not_listed);

}  // namespace bannin::probe::domain
