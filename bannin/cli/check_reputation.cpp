#include <cstdio>
#include <cstdlib>

#include <bannin/cli/check_reputation.h>

namespace bannin::cli {
namespace {

namespace pd = bannin::probe::domain;

// The key from `file`, else from the environment variable `env`; "" when neither is set.
core::Result<std::string> read_key(const std::string& file, const char* env,
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
  auto key = pd::clean_api_key(text);
  if (!key) {
    return core::make_error("key_invalid", "the " + what + " key in " + origin +
                                               " is empty or holds spaces or control "
                                               "characters (one key, on one line)");
  }
  return *key;
}

bool http_url(const std::string& u) {
  return u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0;
}

}  // namespace

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

core::Result<pd::ReputationOptions> reputation_options(const ReputationArgs& a) {
  pd::ReputationOptions o;
  auto sb = read_key(a.safe_browsing_key_file, "BANNIN_SAFE_BROWSING_KEY", "Safe Browsing");
  if (!sb) return sb.error();
  o.safe_browsing_key = std::move(sb.value());
  auto vt = read_key(a.virustotal_key_file, "BANNIN_VIRUSTOTAL_KEY", "VirusTotal");
  if (!vt) return vt.error();
  o.virustotal_key = std::move(vt.value());
  if (!a.safe_browsing_url.empty()) {
    if (!http_url(a.safe_browsing_url))
      return core::make_error("bad_url", "--safe-browsing-url: not an http(s) URL");
    o.safe_browsing_url = a.safe_browsing_url;
  }
  if (!a.virustotal_url.empty()) {
    if (!http_url(a.virustotal_url))
      return core::make_error("bad_url", "--virustotal-url: not an http(s) URL");
    o.virustotal_url = a.virustotal_url;
  }
  auto sbr = pd::parse_rate_limit(a.safe_browsing_rate);
  if (!sbr) {
    return core::make_error("bad_rate", "--safe-browsing-rate: '" + a.safe_browsing_rate +
                                            "' is not N/s, N/min, N/h, N/d or 'unlimited'");
  }
  auto vtr = pd::parse_rate_limit(a.virustotal_rate);
  if (!vtr) {
    return core::make_error("bad_rate", "--virustotal-rate: '" + a.virustotal_rate +
                                            "' is not N/s, N/min, N/h, N/d or 'unlimited'");
  }
  o.safe_browsing_rate = *sbr;
  o.virustotal_rate = *vtr;
  o.timeout_ms = a.timeout_ms;
  o.wait_for_rate_limit = a.wait_rate_limit;
  return o;
}

}  // namespace bannin::cli
