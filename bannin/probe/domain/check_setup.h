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
  // WHOIS fallback for domains RDAP does not cover (whois.h).
  bool whois = true;
  std::string whois_servers;  ///< server table; empty: <data>/whois/servers.yaml
  std::string whois_server;   ///< HOST[:PORT] for every domain (test beds); empty: the table
  int whois_timeout_ms = 5000;
  // Operator keys, each from its file, else from its environment variable
  // (BANNIN_SPAMHAUS_DQS_KEY, BANNIN_SAFE_BROWSING_KEY, BANNIN_VIRUSTOTAL_KEY); none: not used.
  // Only file names are kept here; the keys go into CheckOptions and are never printed.
  std::string spamhaus_dqs_key_file;
  std::string safe_browsing_key_file;
  std::string safe_browsing_url;  ///< base URL; empty: Google's
  std::string safe_browsing_rate = "60/min";
  std::string virustotal_key_file;
  std::string virustotal_url;  ///< base URL; empty: www.virustotal.com
  std::string virustotal_rate = "4/min";
  int reputation_timeout_ms = 5000;
  bool wait_rate_limit = false;
  bool operator==(const CheckSettings&) const = default;
};

/// Where data/ is: $BANNIN_DATA_DIR, else the directory compiled in (the source tree's
/// data/ in a build, /usr/share/bannin when packaged).
std::string data_dir();

/// A domain name bannin accepts already in its A-label form (parse_domain_name() in
/// domain_name.h validates and converts U-labels; prefer it).
bool valid_domain(const std::string& name);

/// An operator's API key (Safe Browsing, VirusTotal) from `file`, else from the environment
/// variable `env`; "" when neither is set. Messages name the file or the variable and `what`
/// ("VirusTotal"), never the key.
core::Result<std::string> read_api_key(const std::string& file, const char* env,
                                       const std::string& what);

/// The Spamhaus DQS key from `file`, else BANNIN_SPAMHAUS_DQS_KEY; "" when neither is set.
core::Result<std::string> read_dqs_key(const std::string& file);

/// Keys, base URLs and rates of Safe Browsing and VirusTotal (reputation.h).
core::Result<ReputationOptions> build_reputation_options(const CheckSettings& s);

/// Parses the servers, loads the zone table, the bootstrap, the WHOIS table and the keys. `now` is
/// left 0 (the caller sets it per run). Errors name the option and the file.
core::Result<CheckOptions> build_check_options(const CheckSettings& s);

}  // namespace bannin::probe::domain
