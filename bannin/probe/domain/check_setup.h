// The settings of a domain check as a person writes them (`bannin check` options, the
// daemon's `domains:` section) and the one builder that turns them into CheckOptions: server
// addresses parsed, the DNSBL zone table and the RDAP bootstrap loaded. Shared so the
// one-shot check and the daemon's scheduled probe cannot drift apart.
#pragma once

#include <string>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/probe/domain/checker.h>

namespace bannin::probe::domain {

struct CheckSettings {
  std::vector<std::string> parent_servers;  ///< ADDR[:PORT]; empty: found through the resolver
  /// ADDR[:PORT]; empty: /etc/resolv.conf; "none" entries are skipped (["none"]: no panel).
  std::vector<std::string> resolvers;
  std::string dnsbl_zones;   ///< zone table file; empty: <data>/dnsbl/zones.yaml
  std::string dnsbl_server;  ///< ADDR[:PORT]; empty: the first resolver
  bool dnsbl = true;
  std::string rdap_bootstrap;  ///< empty: <data>/rdap/dns.json
  std::string rdap_server;     ///< base URL for every domain (overrides the bootstrap)
  bool rdap = true;
  int timeout_ms = 1500;
  int tries = 2;
  int rdap_timeout_ms = 5000;
  int ns_port = 53;
};

/// Where data/ is: $BANNIN_DATA_DIR, else the directory compiled in (the source tree's
/// data/ in a build, /usr/share/bannin when packaged).
std::string data_dir();

/// A domain name bannin accepts (LDH labels and '_', no empty label, at most 253 bytes;
/// IDNs in their A-label form).
bool valid_domain(const std::string& name);

/// Parses the servers, loads the zone table and the bootstrap. `now` is left 0 (the caller
/// sets it per run). Errors name the option and the file.
core::Result<CheckOptions> build_check_options(const CheckSettings& s);

}  // namespace bannin::probe::domain
