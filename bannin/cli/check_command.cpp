// `bannin check DOMAIN... [--ip ADDR...]`: domain and IP health from the outside (issue 6,
// incident S1). Runs the probe/domain checks once and prints text for people, JSON for
// programs or domain.status Events; the exit code is 0 ok, 1 warning, 2 critical, 3 could
// not check. docs/check.md describes every state and the loopback test bed.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <bannin/cli/check_reputation.h>
#include <bannin/cli/commands.h>
#include <bannin/core/ip_address.h>
#include <bannin/core/json_writer.h>
#include <bannin/core/time.h>
#include <bannin/model/event_format.h>
#include <bannin/probe/domain/check_setup.h>
#include <bannin/probe/domain/checker.h>
#include <bannin/probe/domain/domain_name.h>
#include <bannin/probe/domain/report_format.h>

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
  int max_in_flight = 64;
  bool stats = false;
  std::string now;
  ReputationArgs reputation;  // Safe Browsing, VirusTotal (check_reputation.h)
  std::string whois_servers;
  std::string whois_server;
  bool no_whois = false;
  int whois_timeout_ms = 5000;
  std::string dqs_key_file;
};

// Could not check: a bad argument (kUsageExitCode, the same for every command) or a file or
// key the options name that cannot be used; both are 3 in docs/check.md.
int check_fail(const std::string& msg) {
  std::fprintf(stderr, "bannin check: %s\n", msg.c_str());
  return kUsageExitCode;
}

int run_check(const CheckArgs& a) {
  pd::CheckOptions opt;
  // U-labels (例え.jp) are converted to A-labels here; a typo (a 64-octet label, a leading
  // '-') is refused before any query is sent, instead of ending as an alarming RDAP
  // "not registered".
  std::vector<std::string> domains;
  for (const auto& d : a.domains) {
    auto name = pd::parse_domain_name(d);
    if (!name) return check_fail("'" + d + "' is not a domain name: " + name.error().message);
    domains.push_back(name->ascii);
  }
  for (const auto& ip : a.ips) {
    if (!core::IpAddress::parse(ip)) return check_fail("'" + ip + "' is not an IP address");
  }
  if (a.domains.empty() && a.ips.empty())
    return check_fail("give at least one DOMAIN or --ip ADDR");
  // The options the daemon's probe shares (probe/domain/check_setup.h), then the CLI's own.
  pd::CheckSettings settings;
  settings.parent_servers = a.parent_servers;
  settings.resolvers = a.resolvers;
  settings.dnsbl_zones = a.dnsbl_zones;
  settings.dnsbl_server = a.dnsbl_server;
  settings.dnsbl = !a.no_dnsbl;
  settings.rdap_bootstrap = a.rdap_bootstrap;
  settings.rdap_server = a.rdap_server;
  settings.rdap = !a.no_rdap;
  settings.timeout_ms = a.timeout_ms;
  settings.tries = a.tries;
  settings.rdap_timeout_ms = a.rdap_timeout_ms;
  settings.ns_port = a.ns_port;
  settings.whois = !a.no_whois;
  settings.whois_servers = a.whois_servers;
  settings.whois_server = a.whois_server;
  settings.whois_timeout_ms = a.whois_timeout_ms;
  settings.spamhaus_dqs_key_file = a.dqs_key_file;
  apply_reputation_args(a.reputation, settings);
  if (auto built = pd::build_check_options(settings); !built) {
    return check_fail(built.error().message);
  } else {
    opt = std::move(built.value());
  }
  opt.dns.timeout_ms = a.timeout_ms;
  opt.dns.tries = a.tries;
  opt.dns.max_in_flight = a.max_in_flight;
  opt.ns_port = static_cast<std::uint16_t>(a.ns_port);
  if (!a.now.empty()) {
    auto t = core::parse_iso8601(a.now, true);
    if (!t) return check_fail("--now: '" + a.now + "' is not an RFC 3339 time");
    opt.now = *t;
  } else {
    opt.now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  }

  auto started = std::chrono::steady_clock::now();
  pd::DnsClientStats dns_stats;
  std::vector<pd::SubjectReport> reports = pd::run_checks(domains, a.ips, opt, &dns_stats);
  auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  const auto& st = dns_stats;
  if (a.stats) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();
    std::fprintf(stderr,
                 "dns: %llu queries to %llu servers: %llu answered, %llu timed out, %llu errors, "
                 "%llu not sent (server gave up), %llu retransmissions; at most %llu in flight "
                 "per server (--max-in-flight %d); %lld ms for all steps\n",
                 u(st.sent), u(st.servers), u(st.answered), u(st.timeouts), u(st.errors),
                 u(st.not_sent), u(st.retransmits), u(st.peak_in_flight), a.max_in_flight,
                 static_cast<long long>(ms));
  }
  // Timeouts with many queries in flight may be self-inflicted (a server dropping a burst):
  // say so, so that such "timeout" states are not taken at face value.
  if (st.timeouts + st.retransmits > 0 && st.peak_in_flight > 8) {
    std::fprintf(stderr,
                 "bannin check: note: %llu DNS queries timed out and %llu tries were resent, "
                 "with up to %llu queries in flight at one server; a server that drops bursts "
                 "causes such timeouts: compare with a lower --max-in-flight\n",
                 u(st.timeouts), u(st.retransmits), u(st.peak_in_flight));
  }
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
      "Check domains (delegation at the TLD, name servers, resolvers, RDAP or WHOIS status, "
      "block lists, Safe Browsing and VirusTotal with operator keys) and IPs (block lists) "
      "from the outside.\n"
      "Exit code: 0 ok, 1 warning, 2 critical, 3 could not check or bad arguments.");
  cmd->add_option("domains", a->domains,
                  "Domain names to check (U-labels such as 例え.jp are converted to A-labels)");
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
  cmd->add_option("--max-in-flight", a->max_in_flight,
                  "DNS queries outstanding at once per server; more wait their turn, so a "
                  "server is not overrun (0 = no limit)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_flag("--stats", a->stats,
                "Print DNS counters (queries, timeouts, retransmissions) to stderr");
  cmd->add_option("--rdap-timeout-ms", a->rdap_timeout_ms, "RDAP total timeout in ms")
      ->check(CLI::Range(10, 120000))
      ->capture_default_str();
  cmd->add_option("--whois-servers", a->whois_servers,
                  "WHOIS server table for TLDs without RDAP (default: <data>/whois/servers.yaml)");
  cmd->add_option("--whois-server", a->whois_server,
                  "HOST[:PORT] of the WHOIS server for every domain RDAP does not cover");
  cmd->add_flag("--no-whois", a->no_whois, "Do not ask WHOIS");
  cmd->add_option("--whois-timeout-ms", a->whois_timeout_ms,
                  "WHOIS timeout per query in ms (connect and answer)")
      ->check(CLI::Range(10, 120000))
      ->capture_default_str();
  cmd->add_option("--spamhaus-dqs-key-file", a->dqs_key_file,
                  "File holding a Spamhaus DQS key: ask <key>.zen.dq.spamhaus.net etc. instead "
                  "of the public mirrors (default: $BANNIN_SPAMHAUS_DQS_KEY; never printed)");
  add_reputation_options(*cmd, a->reputation);
  cmd->add_option("--now", a->now,
                  "Current time (RFC 3339) for expiry arithmetic; default: the clock");
  cmd->callback([a, &exit_code] { exit_code = run_check(*a); });
}

}  // namespace bannin::cli
