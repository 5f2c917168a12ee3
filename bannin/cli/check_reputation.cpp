#include <bannin/cli/check_reputation.h>

namespace bannin::cli {
namespace pd = bannin::probe::domain;

void add_reputation_options(CLI::App& cmd, ReputationArgs& a) {
  cmd.add_option("--safe-browsing-key-file", a.safe_browsing_key_file,
                 "File holding a Google Safe Browsing API key (default: "
                 "$BANNIN_SAFE_BROWSING_KEY; none: not checked)");
  cmd.add_option("--safe-browsing-url", a.safe_browsing_url,
                 "Safe Browsing base URL (default: https://safebrowsing.googleapis.com)");
  cmd.add_option("--safe-browsing-rate", a.safe_browsing_rate,
                 "Safe Browsing requests allowed: N/s, N/min, N/h, N/d or 'unlimited'")
      ->capture_default_str();
  cmd.add_option("--virustotal-key-file", a.virustotal_key_file,
                 "File holding a VirusTotal API key (default: $BANNIN_VIRUSTOTAL_KEY; none: "
                 "not checked)");
  cmd.add_option("--virustotal-url", a.virustotal_url,
                 "VirusTotal base URL (default: https://www.virustotal.com)");
  cmd.add_option("--virustotal-rate", a.virustotal_rate,
                 "VirusTotal requests allowed (public API: 4/min, 500/d)")
      ->capture_default_str();
  cmd.add_option("--reputation-timeout-ms", a.timeout_ms,
                 "Safe Browsing / VirusTotal timeout per request in ms")
      ->check(CLI::Range(10, 120000))
      ->capture_default_str();
  cmd.add_flag("--wait-rate-limit", a.wait_rate_limit,
               "Wait (up to 15 min per domain) when a provider's rate limit is reached, instead "
               "of reporting the domain 'deferred'");
}

void apply_reputation_args(const ReputationArgs& a, pd::CheckSettings& s) {
  s.safe_browsing_key_file = a.safe_browsing_key_file;
  s.safe_browsing_url = a.safe_browsing_url;
  s.safe_browsing_rate = a.safe_browsing_rate;
  s.virustotal_key_file = a.virustotal_key_file;
  s.virustotal_url = a.virustotal_url;
  s.virustotal_rate = a.virustotal_rate;
  s.reputation_timeout_ms = a.timeout_ms;
  s.wait_rate_limit = a.wait_rate_limit;
}

}  // namespace bannin::cli
