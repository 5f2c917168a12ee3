#include <cstdio>
#include <cstdlib>

#include <bannin/probe/domain/check_setup.h>
#include <bannin/probe/domain/domain_name.h>

#ifndef BANNIN_DATA_DIR
#define BANNIN_DATA_DIR "/usr/share/bannin"
#endif

namespace bannin::probe::domain {

std::string data_dir() {
  const char* env = std::getenv("BANNIN_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : BANNIN_DATA_DIR;
}

bool valid_domain(const std::string& d) {
  auto n = parse_domain_name(d);
  return n && n->ascii == normalize_name(d);
}

core::Result<std::string> read_api_key(const std::string& file, const char* env,
                                       const std::string& what) {
  std::string text;
  std::string origin;
  if (!file.empty()) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (f == nullptr)
      return core::make_error("key_unreadable", "cannot read the " + what + " key file " + file);
    char buf[1024];
    std::size_t n = std::fread(buf, 1, sizeof buf, f);
    std::fclose(f);
    text.assign(buf, n);
    origin = "the file " + file;
  } else if (const char* v = std::getenv(env); v != nullptr && *v != '\0') {
    text = v;
    origin = std::string("the environment variable ") + env;
  } else {
    return std::string{};
  }
  auto key = clean_api_key(text);
  if (!key) {
    return core::make_error("key_invalid", "the " + what + " key in " + origin +
                                               " is empty or holds spaces or control "
                                               "characters (one key, on one line)");
  }
  return *key;
}

core::Result<std::string> read_dqs_key(const std::string& file) {
  std::string key;
  if (!file.empty()) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (f == nullptr)
      return core::make_error("dqs_key_unreadable", "cannot read the DQS key file " + file);
    char buf[256];
    std::size_t n = std::fread(buf, 1, sizeof buf, f);
    std::fclose(f);
    key.assign(buf, n);
  } else if (const char* env = std::getenv("BANNIN_SPAMHAUS_DQS_KEY"); env != nullptr) {
    key = env;
  } else {
    return std::string{};
  }
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' '))
    key.pop_back();
  std::size_t start = key.find_first_not_of(" \t");
  key = start == std::string::npos ? std::string{} : key.substr(start);
  if (key.empty() && file.empty()) return key;  // empty variable: no key
  if (!valid_dqs_key(key)) {
    return core::make_error("dqs_key_invalid",
                            std::string("the Spamhaus DQS key ") +
                                (file.empty() ? "in BANNIN_SPAMHAUS_DQS_KEY" : "in " + file) +
                                " is not a key (letters and digits, at most 63)");
  }
  return key;
}

namespace {
bool http_url(const std::string& u) {
  return u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0;
}
}  // namespace

core::Result<ReputationOptions> build_reputation_options(const CheckSettings& a) {
  ReputationOptions o;
  auto sb = read_api_key(a.safe_browsing_key_file, "BANNIN_SAFE_BROWSING_KEY", "Safe Browsing");
  if (!sb) return sb.error();
  o.safe_browsing_key = std::move(sb.value());
  auto vt = read_api_key(a.virustotal_key_file, "BANNIN_VIRUSTOTAL_KEY", "VirusTotal");
  if (!vt) return vt.error();
  o.virustotal_key = std::move(vt.value());
  if (!a.safe_browsing_url.empty()) {
    if (!http_url(a.safe_browsing_url))
      return core::make_error("bad_url", "the Safe Browsing URL is not an http(s) URL");
    o.safe_browsing_url = a.safe_browsing_url;
  }
  if (!a.virustotal_url.empty()) {
    if (!http_url(a.virustotal_url))
      return core::make_error("bad_url", "the VirusTotal URL is not an http(s) URL");
    o.virustotal_url = a.virustotal_url;
  }
  auto sbr = parse_rate_limit(a.safe_browsing_rate);
  if (!sbr) {
    return core::make_error("bad_rate", "the Safe Browsing rate '" + a.safe_browsing_rate +
                                            "' is not N/s, N/min, N/h, N/d or 'unlimited'");
  }
  auto vtr = parse_rate_limit(a.virustotal_rate);
  if (!vtr) {
    return core::make_error("bad_rate", "the VirusTotal rate '" + a.virustotal_rate +
                                            "' is not N/s, N/min, N/h, N/d or 'unlimited'");
  }
  o.safe_browsing_rate = *sbr;
  o.virustotal_rate = *vtr;
  o.timeout_ms = a.reputation_timeout_ms;
  o.wait_for_rate_limit = a.wait_rate_limit;
  return o;
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
  if (a.whois) {
    if (!a.whois_server.empty()) {
      auto srv = parse_whois_server(a.whois_server);
      if (!srv) return srv.error();
      opt.whois_server = *srv;
    }
    std::string path =
        a.whois_servers.empty() ? data_dir() + "/whois/servers.yaml" : a.whois_servers;
    auto table = load_whois_servers(path);
    if (!table) return table.error();
    opt.whois_servers = std::move(table.value());
  }
  opt.whois.timeout_ms = a.whois_timeout_ms;
  auto dqs = read_dqs_key(a.spamhaus_dqs_key_file);
  if (!dqs) return dqs.error();
  opt.spamhaus_dqs_key = std::move(dqs.value());
  auto rep = build_reputation_options(a);
  if (!rep) return rep.error();
  opt.reputation = std::move(rep.value());
  return opt;
}

}  // namespace bannin::probe::domain
