// The one-shot domain and IP health check behind `bannin check` (and, later, the daemon's
// scheduled domain probe): runs every DNS step for all subjects concurrently on one DnsClient,
// then RDAP, and returns one SubjectReport per domain and per IP.
//
// Steps per domain (DOMAIN-HEALTH-REFERENCE §6.2): parent delegation asked directly (RD=0),
// child consistency at each delegated server, a resolver panel, DNSBL/URIBL zones, RDAP
// status, Safe Browsing and VirusTotal (with operator keys; "not_checked" without).
// Per IP: the IP zones of the DNSBL table. Every network step is bounded by a timeout and
// ends in a state; nothing silently counts as clean.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <bannin/core/time.h>
#include <bannin/probe/domain/dns_client.h>
#include <bannin/probe/domain/dnsbl.h>
#include <bannin/probe/domain/rdap.h>
#include <bannin/probe/domain/report.h>
#include <bannin/probe/domain/reputation.h>
#include <bannin/probe/domain/whois.h>

namespace bannin::probe::domain {

struct CheckOptions {
  /// Servers of the parent zone (the TLD). Empty: found through the first resolver (NS of
  /// the parent zone, then their addresses).
  std::vector<DnsServer> parent_servers;
  /// The resolver panel (recursive resolvers, asked with RD=1). Empty: no panel; parent
  /// discovery and DNSBL then have no resolver either and report "not_checked".
  std::vector<DnsServer> resolvers;
  /// Where DNSBL zones are asked (RD=1). Default: the first resolver.
  std::optional<DnsServer> dnsbl_server;
  std::optional<DnsblZones> zones;  ///< nullopt: DNSBL not checked
  std::optional<RdapBootstrap> rdap_bootstrap;
  std::string rdap_server;  ///< overrides the bootstrap for every domain when not empty
  bool rdap_enabled = true;
  int rdap_timeout_ms = 5000;
  DnsQueryOptions dns;
  core::TimeNs now = 0;  ///< for expiry arithmetic; time is an input
  std::size_t max_ns_per_domain = 8;
  /// Port of the delegated name servers (53; a loopback test bed may move it).
  std::uint16_t ns_port = 53;
  /// When set and raised (the daemon's probe stopping): DNS queries in flight are cancelled
  /// and RDAP is not started. The results of a cancelled run mean nothing.
  const std::atomic<bool>* cancel = nullptr;
  /// WHOIS fallback (whois.h) for domains RDAP does not cover (TLD without RDAP, --no-rdap):
  /// the server table, or one server for every domain. Neither: not asked.
  std::optional<WhoisServers> whois_servers;
  std::optional<WhoisServer> whois_server;
  WhoisFetchOptions whois;
  /// Spamhaus DQS key: zones with a dqs_zone are asked as <subject>.<key>.<dqs_zone>.
  /// Never printed or logged (results show "…zen.dq.spamhaus.net"). Empty: public mirrors.
  std::string spamhaus_dqs_key;
  /// Safe Browsing and VirusTotal (reputation.h): keys (empty: "not_checked"), base URLs,
  /// rate limits. `reputation_checker`, when set, is used instead and keeps its Safe Browsing
  /// cache and rate buckets across runs (the daemon); otherwise each run makes a fresh one.
  ReputationOptions reputation;
  std::shared_ptr<ReputationChecker> reputation_checker;
};

/// Runs all checks. `domains` are normalised (lower-case, no trailing dot) inside.
/// `dns_stats`, when given, receives the DNS client's counters (queries, timeouts, retransmits).
std::vector<SubjectReport> run_checks(const std::vector<std::string>& domains,
                                      const std::vector<std::string>& ips,
                                      const CheckOptions& options,
                                      DnsClientStats* dns_stats = nullptr);

/// The parent zone of `domain` ("shop.example.test" -> "example.test"; "test" -> "").
std::string parent_zone(const std::string& domain);

}  // namespace bannin::probe::domain
