// Web-server containment, the text: what bannin writes into its own include files for nginx
// and Apache (docs/enforcement.md "Web servers"; measured shapes in
// design/ref/webserver-geo-containment.md). Pure functions, no I/O.
//
// nginx (two files, each referenced once):
//   http.conf   (in http{}): `geo $bannin_cc` with the domestic CIDRs (IPv4 and IPv6,
//               `default ZZ` = foreign), a `map` on "$host|$request_method|$uri" giving the
//               rule set in scope (case-insensitive regex; "/contact" and "/contact/..." both
//               match a decision on "/contact/"), and `$bannin_block`: 1 = refuse.
//   server.conf (in every server{}): `if ($bannin_block) { return 403; }`, at server level
//               so it runs before location matching (proxy_pass locations are covered).
// Apache (one file, at server-config level, so every <VirtualHost> inherits it):
//   `<LocationMatch "(?i)^/contact(/|$)">` + `<If>` on the host name and method +
//   `AuthMerging And` + `<RequireAny>` of `Require ip` lines of 50 CIDRs each.
// Every file ends with the marker line `# bannin-end`; check_rendered() reads a rendered text
// back and refuses it unless it is whole and allows and refuses what it should.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <bannin/core/ip_prefix.h>
#include <bannin/core/result.h>
#include <bannin/decide/decision.h>

namespace bannin::act::web {

inline constexpr const char* kEndMarker = "# bannin-end";
inline constexpr std::size_t kCidrsPerRequireLine = 50;

enum class ServerKind { Nginx, Apache };

/// One containment, checked and normalised from a Decision.
struct WebRule {
  std::string key;     ///< identity: "vhost|METHOD|/path" (path "" for scope vhost)
  std::string vhost;   ///< lowercase host name, port removed
  std::string path;    ///< decoded, without query and trailing slash ("" = the whole vhost)
  std::string method;  ///< uppercase, "" = every method
  std::vector<std::string> except_countries;  ///< sorted, uppercase; empty = refuse everyone
};

/// Checks a vhost / vhost_path decision: host name, path, method and country codes must be
/// plain enough to be written into a server's configuration. Errors: "unsupported_scope"
/// (ip, prefix, …), "invalid_target" with the reason.
core::Result<WebRule> rule_of(const decide::Decision& d);

/// The domestic networks of one country (from the geo database).
using CountryNetworks = std::function<const std::vector<core::IpPrefix>&(const std::string& cc)>;

struct Rendered {
  /// file name (in the include directory) -> content
  std::map<std::string, std::string> files;
  std::size_t networks = 0;  ///< CIDRs written (all allow-lists together)
};

/// The include files for `rules` (any order; the output is sorted by key, so the same rules
/// give the same bytes).
Rendered render(ServerKind kind, const std::vector<WebRule>& rules, const CountryNetworks& nets);

/// Addresses the sanity check tries against each allow-list.
struct Canaries {
  std::string domestic;  ///< "" = the first network of each allow-list
  std::string foreign;   ///< "" = the first of 192.0.2.1, 198.51.100.1, 203.0.113.1 not listed
};

/// Reads rendered files back: each ends with the marker, sections are closed, every CIDR
/// parses, the number of CIDRs is the number written and at least `min_entries` when an
/// allow-list is used, unknown addresses are foreign, and for each allow-list the domestic
/// canary is allowed and the foreign one refused. Error "unsafe_config" names what failed.
core::Result<bool> check_rendered(ServerKind kind, const Rendered& r,
                                  const std::vector<WebRule>& rules, const CountryNetworks& nets,
                                  std::size_t min_entries, const Canaries& canaries);

/// "http.conf"/"server.conf" (nginx) or "bannin.conf" (Apache).
std::vector<std::string> file_names(ServerKind kind);

}  // namespace bannin::act::web
