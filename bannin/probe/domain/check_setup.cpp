#include <cstdlib>

#include <bannin/probe/domain/check_setup.h>

#ifndef BANNIN_DATA_DIR
#define BANNIN_DATA_DIR "/usr/share/bannin"
#endif

namespace bannin::probe::domain {

std::string data_dir() {
  const char* env = std::getenv("BANNIN_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : BANNIN_DATA_DIR;
}

bool valid_domain(const std::string& d) {
  if (d.empty() || d.size() > 253 || d.front() == '.' || d.find("..") != std::string::npos)
    return false;
  for (char c : d) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

core::Result<CheckOptions> build_check_options(const CheckSettings& a) {
  CheckOptions opt;
  for (const auto& s : a.parent_servers) {
    auto srv = parse_dns_server(s);
    if (!srv) return srv.error();
    opt.parent_servers.push_back(*srv);
  }
  if (a.resolvers.empty()) {
    opt.resolvers = system_resolvers();
  } else {
    for (const auto& s : a.resolvers) {
      if (s == "none") continue;
      auto srv = parse_dns_server(s);
      if (!srv) return srv.error();
      opt.resolvers.push_back(*srv);
    }
  }
  if (!a.dnsbl_server.empty()) {
    auto srv = parse_dns_server(a.dnsbl_server);
    if (!srv) return srv.error();
    opt.dnsbl_server = *srv;
  }
  if (a.dnsbl) {
    std::string path = a.dnsbl_zones.empty() ? data_dir() + "/dnsbl/zones.yaml" : a.dnsbl_zones;
    auto zones = load_dnsbl_zones(path);
    if (!zones) return zones.error();
    opt.zones = std::move(zones.value());
  }
  opt.rdap_enabled = a.rdap;
  opt.rdap_server = a.rdap_server;
  if (opt.rdap_enabled && opt.rdap_server.empty()) {
    std::string path = a.rdap_bootstrap.empty() ? data_dir() + "/rdap/dns.json" : a.rdap_bootstrap;
    auto boot = load_rdap_bootstrap(path);
    if (!boot) return boot.error();
    opt.rdap_bootstrap = std::move(boot.value());
  }
  opt.rdap_timeout_ms = a.rdap_timeout_ms;
  opt.dns.timeout_ms = a.timeout_ms;
  opt.dns.tries = a.tries;
  opt.ns_port = static_cast<std::uint16_t>(a.ns_port);
  return opt;
}

}  // namespace bannin::probe::domain
