// Decision: what to do, to whom, for how long, and why (ARCHITECTURE "The nouns").
#pragma once

#include <string>
#include <vector>

#include <bannin/core/time.h>

namespace bannin::decide {

struct Decision {
  core::TimeNs ts = 0;  ///< event time at which it was taken
  std::string rule;     ///< rule id (origin "rule"), or a person/import
  std::string origin = "rule";
  /// deny | rate_limit | deny_foreign | notify_only | quarantine | suspend | reset_password |
  /// stop
  std::string action;
  std::string scope;  ///< ip | prefix | vhost_path | vhost | file | account | user | process
  // Target, by scope:
  std::string ip;                   ///< scope ip
  std::string prefix;               ///< scope prefix, e.g. "203.0.113.0/24"
  std::string vhost, path, method;  ///< scope vhost_path / vhost
  std::string file;                 ///< scope file: absolute path (act/quarantine/)
  std::string account;              ///< scope account: a hosting account (Unix user)
  std::string user;                 ///< scope user: a mailbox or FTP login
  std::string process;              ///< scope process: its pid (act/process/)
  std::vector<std::string> except_countries;
  core::TimeNs ttl = 0;
  std::string reason;              ///< for people, in English
  std::string reason_ja;           ///< the same in Japanese when the rule has reason_ja, else ""
  std::string state = "proposed";  ///< replay and observe mode act on nothing
  /// The escalation ladder's announcement of its next step (action notify_only): notices send
  /// it at once, not in the next digest. In-process only (the store keeps the reason).
  bool warning = false;

  /// Identity of the target, for "is this already decided?".
  [[nodiscard]] std::string key() const;
};

/// The target as the JSON object replay prints and the store keeps: {"ip":…}, {"prefix":…},
/// {"file":…}, {"account":…}, {"user":…}, {"process":…} or
/// {"vhost":…,"path":…[,"method":…],"except_countries":[…]}.
std::string target_json(const Decision& d);

}  // namespace bannin::decide
