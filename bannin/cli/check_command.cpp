// `bannin check DOMAIN... [--ip ADDR...]`: domain and IP health from the outside (issue 6,
// incident S1). Runs the probe/domain checks once and prints text for people, JSON for
// programs or domain.status Events; the exit code is 0 ok, 1 warning, 2 critical, 3 could
// not check. docs/check.md describes every state and the loopback test bed.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <bannin/cli/commands.h>
#include <bannin/core/ip_address.h>
#include <bannin/core/json_writer.h>
#include <bannin/core/time.h>
#include <bannin/model/event_format.h>
#include <bannin/probe/domain/checker.h>
#include <bannin/probe/domain/report_format.h>

#ifndef BANNIN_DATA_DIR
#define BANNIN_DATA_DIR "/usr/share/bannin"
#endif

namespace bannin::cli {
namespace {

namespace pd = bannin::probe::domain;

struct CheckArgs {
  std::vector<std::string> domains;
  std::vector<std::string> ips;
  std::string format = "text";
  std::string lang = "en";
  std::vector<std::string> parent_servers;
  std::vector<std::string> resolvers;
  std::string dnsbl_zones;
  std::string dnsbl_server;
  bool no_dnsbl = false;
  std::string rdap_bootstrap;
  std::string rdap_server;
  bool no_rdap = false;
  int timeout_ms = 1500;
  int tries = 2;
  int rdap_timeout_ms = 5000;
  int ns_port = 53;
  std::string now;
};

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

int fail(const std::string& msg) {
  std::fprintf(stderr, "bannin check: %s\n", msg.c_str());
  return 3;
}

int run_check(const CheckArgs& a) {
  pd::CheckOptions opt;
  for (const auto& d : a.domains) {
    if (!valid_domain(d))
      return fail("'" + d + "' is not a domain name (use the A-label form for IDNs)");
  }
  for (const auto& ip : a.ips) {
    if (!core::IpAddress::parse(ip)) return fail("'" + ip + "' is not an IP address");
  }
  if (a.domains.empty() && a.ips.empty()) return fail("give at least one DOMAIN or --ip ADDR");
  for (const auto& s : a.parent_servers) {
    auto srv = pd::parse_dns_server(s);
    if (!srv) return fail(srv.error().message);
    opt.parent_servers.push_back(*srv);
  }
  if (a.resolvers.empty()) {
    opt.resolvers = pd::system_resolvers();
  } else {
    for (const auto& s : a.resolvers) {
      if (s == "none") continue;
      auto srv = pd::parse_dns_server(s);
      if (!srv) return fail(srv.error().message);
      opt.resolvers.push_back(*srv);
    }
  }
  if (!a.dnsbl_server.empty()) {
    auto srv = pd::parse_dns_server(a.dnsbl_server);
    if (!srv) return fail(srv.error().message);
    opt.dnsbl_server = *srv;
  }
  if (!a.no_dnsbl) {
    std::string path = a.dnsbl_zones.empty() ? data_dir() + "/dnsbl/zones.yaml" : a.dnsbl_zones;
    auto zones = pd::load_dnsbl_zones(path);
    if (!zones) return fail(zones.error().message);
    opt.zones = std::move(zones.value());
  }
  opt.rdap_enabled = !a.no_rdap;
  opt.rdap_server = a.rdap_server;
  if (opt.rdap_enabled && opt.rdap_server.empty()) {
    std::string path = a.rdap_bootstrap.empty() ? data_dir() + "/rdap/dns.json" : a.rdap_bootstrap;
    auto boot = pd::load_rdap_bootstrap(path);
    if (!boot) return fail(boot.error().message);
    opt.rdap_bootstrap = std::move(boot.value());
  }
  opt.rdap_timeout_ms = a.rdap_timeout_ms;
  opt.dns.timeout_ms = a.timeout_ms;
  opt.dns.tries = a.tries;
  opt.ns_port = static_cast<std::uint16_t>(a.ns_port);
  if (!a.now.empty()) {
    auto t = core::parse_iso8601(a.now, true);
    if (!t) return fail("--now: '" + a.now + "' is not an RFC 3339 time");
    opt.now = *t;
  } else {
    opt.now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  }

  std::vector<pd::SubjectReport> reports = pd::run_checks(a.domains, a.ips, opt);
  pd::Lang lang = a.lang == "ja" ? pd::Lang::Ja : pd::Lang::En;
  std::string out;
  if (a.format == "json") {
    out = pd::format_json(reports, lang);
  } else if (a.format == "events") {
    model::EventFormatter fmt;
    pd::for_each_event(reports, opt.now, [&](const model::Event& ev) {
      core::JsonObjectWriter o(out);
      fmt.append_json_members(o, ev);
      o.close();
      out += '\n';
    });
  } else {
    out = pd::format_text(reports, lang);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return pd::exit_code_for(reports);
}

}  // namespace

void add_check_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<CheckArgs>();
  auto* cmd = app.add_subcommand(
      "check",
      "Check domains (delegation at the TLD, name servers, resolvers, RDAP status, "
      "block lists) and IPs (block lists) from the outside.\n"
      "Exit code: 0 ok, 1 warning, 2 critical, 3 could not check.");
  cmd->add_option("domains", a->domains, "Domain names to check");
  // Repeatable options take one value per occurrence, so they never swallow the domains.
  cmd->add_option("--ip", a->ips, "Server IP address to check against IP block lists (repeatable)")
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_option("--format", a->format, "text, json or events (domain.status events, JSON lines)")
      ->check(CLI::IsMember({"text", "json", "events"}))
      ->capture_default_str();
  cmd->add_option("--lang", a->lang, "Language of explanations: en or ja")
      ->check(CLI::IsMember({"en", "ja"}))
      ->capture_default_str();
  cmd->add_option("--parent-servers", a->parent_servers,
                  "ADDR[:PORT] of a server of the parent (TLD) zone (repeatable); default: found "
                  "through the "
                  "resolver")
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_option("--resolver", a->resolvers,
                  "ADDR[:PORT] of a recursive resolver for the panel (repeatable); default: "
                  "/etc/resolv.conf; "
                  "'none' for no panel")
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_option("--ns-port", a->ns_port, "Port of the delegated name servers (test beds)")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_option("--dnsbl-zones", a->dnsbl_zones,
                  "DNSBL zone table (default: <data>/dnsbl/zones.yaml)");
  cmd->add_option("--dnsbl-server", a->dnsbl_server,
                  "ADDR[:PORT] to ask the block lists (default: first resolver)");
  cmd->add_flag("--no-dnsbl", a->no_dnsbl, "Do not check block lists");
  cmd->add_option("--rdap-bootstrap", a->rdap_bootstrap,
                  "IANA RDAP bootstrap file (default: <data>/rdap/dns.json)");
  cmd->add_option("--rdap-server", a->rdap_server,
                  "RDAP base URL for every domain (overrides the bootstrap)");
  cmd->add_flag("--no-rdap", a->no_rdap, "Do not ask RDAP");
  cmd->add_option("--timeout-ms", a->timeout_ms, "DNS timeout per try in ms")
      ->check(CLI::Range(10, 60000))
      ->capture_default_str();
  cmd->add_option("--tries", a->tries, "DNS tries per query")
      ->check(CLI::Range(1, 5))
      ->capture_default_str();
  cmd->add_option("--rdap-timeout-ms", a->rdap_timeout_ms, "RDAP total timeout in ms")
      ->check(CLI::Range(10, 120000))
      ->capture_default_str();
  cmd->add_option("--now", a->now,
                  "Current time (RFC 3339) for expiry arithmetic; default: the clock");
  cmd->callback([a, &exit_code] { exit_code = run_check(*a); });
}

}  // namespace bannin::cli
