#include <algorithm>
#include <chrono>
#include <thread>

#include <bannin/probe/domain/reputation.h>

namespace bannin::probe::domain {
namespace {

constexpr std::int64_t kDefaultRetryAfterS = 60;
constexpr std::size_t kMaxCacheEntries = 100000;

core::TimeNs system_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

CheckResult simple(std::string check, std::string source, std::string state, Severity sev,
                   std::string detail) {
  CheckResult r;
  r.check = std::move(check);
  r.source = std::move(source);
  r.state = std::move(state);
  r.severity = sev;
  r.detail = std::move(detail);
  return r;
}

std::string secs(core::TimeNs ns) {
  return std::to_string((ns + core::kNsPerSec - 1) / core::kNsPerSec) + "s";
}

}  // namespace

std::optional<std::string> clean_api_key(std::string_view t) {
  while (!t.empty() &&
         (t.front() == ' ' || t.front() == '\t' || t.front() == '\n' || t.front() == '\r')) {
    t.remove_prefix(1);
  }
  while (!t.empty() &&
         (t.back() == ' ' || t.back() == '\t' || t.back() == '\n' || t.back() == '\r')) {
    t.remove_suffix(1);
  }
  if (t.empty() || t.size() > 512) return std::nullopt;
  for (char c : t) {
    if (c <= 0x20 || c >= 0x7f) return std::nullopt;
  }
  return std::string(t);
}

ReputationChecker::ReputationChecker(ReputationOptions options, Clock clock, Sleep sleep,
                                     Transport transport)
    : opt_(std::move(options)),
      clock_(clock ? std::move(clock) : Clock(system_now)),
      sleep_(sleep ? std::move(sleep) : Sleep([](core::TimeNs ns) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(ns));
      })),
      transport_(transport ? std::move(transport) : Transport(http_request)),
      sb_bucket_(opt_.safe_browsing_rate, clock_()),
      vt_bucket_(opt_.virustotal_rate, clock_()) {}

std::vector<CheckResult> ReputationChecker::check(const std::string& domain,
                                                  std::vector<EngineVerdict>& engines) {
  std::vector<CheckResult> out;
  out.push_back(safe_browsing(domain));
  for (auto& r : virustotal(domain, engines)) out.push_back(std::move(r));
  return out;
}

std::string ReputationChecker::take(TokenBucket& bucket, std::string_view provider) {
  core::TimeNs now = clock_();
  if (bucket.try_take(now)) return {};
  core::TimeNs next = bucket.next_available(now);
  bool paused = now < bucket.paused_until();
  if (opt_.wait_for_rate_limit && next - now <= opt_.max_wait_s * core::kNsPerSec) {
    sleep_(next - now);
    now = clock_();
    if (bucket.try_take(now)) return {};
    next = bucket.next_available(now);
  }
  std::string why = paused ? std::string(provider) + " asked to wait (HTTP 429 Retry-After)"
                           : "the " + std::string(provider) + " budget (" + bucket.limit().text() +
                                 ") is used up in this run";
  why += "; not asked, so this is not a clean result. The next request is possible in " +
         secs(next - now);
  why += opt_.wait_for_rate_limit
             ? " (more than the " + std::to_string(opt_.max_wait_s) + "s bannin waits)"
             : " (--wait-rate-limit waits for it)";
  return why;
}

CheckResult ReputationChecker::safe_browsing(const std::string& domain) {
  const std::string source = "Google Safe Browsing (" + opt_.safe_browsing_url + ")";
  if (opt_.safe_browsing_key.empty()) {
    return simple("safebrowsing", "", "not_checked", Severity::Info,
                  "needs an operator's Google Safe Browsing API key: --safe-browsing-key-file "
                  "FILE or the environment variable BANNIN_SAFE_BROWSING_KEY");
  }
  core::TimeNs now = clock_();
  if (auto it = sb_cache_.find(domain); it != sb_cache_.end()) {
    if (now < it->second.expires && now >= it->second.asked) {
      CheckResult r = it->second.result;
      r.detail += "; from cache (asked " + secs(now - it->second.asked) + " ago, valid " +
                  secs(it->second.expires - now) + " more)";
      return r;
    }
    sb_cache_.erase(it);
  }
  if (!clean_api_key(opt_.safe_browsing_key)) {
    return simple("safebrowsing", source, "error", Severity::Unknown,
                  "the Safe Browsing key holds white space or control characters");
  }
  if (std::string why = take(sb_bucket_, "Safe Browsing"); !why.empty()) {
    return simple("safebrowsing", source, "deferred", Severity::Unknown, why);
  }
  HttpRequest req;
  req.method = "POST";
  req.url = safe_browsing_url(opt_.safe_browsing_url, opt_.safe_browsing_key);
  req.headers.emplace_back("Content-Type: application/json");
  req.body = safe_browsing_request_body(domain);
  req.timeout_ms = opt_.timeout_ms;
  HttpResponse resp = transport_(req);
  now = clock_();
  SafeBrowsingVerdict verdict;
  CheckResult r = safe_browsing_result(domain, resp, source, now, &verdict);
  if (r.state == "rate_limited") {
    auto s = retry_after_seconds(resp.retry_after, now).value_or(kDefaultRetryAfterS);
    sb_bucket_.pause_until(now + std::max<std::int64_t>(s, 1) * core::kNsPerSec);
  }
  if (r.state == "clean" || r.state == "listed") {
    std::int64_t keep = r.state == "clean" ? opt_.safe_browsing_clean_cache_s
                                           : std::min(verdict.cache_seconds.value_or(0),
                                                      opt_.safe_browsing_max_cache_s);
    if (keep > 0) {
      r.detail += "; cached " + std::to_string(keep) + "s";
      if (sb_cache_.size() >= kMaxCacheEntries) sb_cache_.clear();
      sb_cache_[domain] = CacheEntry{r, now, now + keep * core::kNsPerSec};
    }
  }
  return r;
}

std::vector<CheckResult> ReputationChecker::virustotal(const std::string& domain,
                                                       std::vector<EngineVerdict>& engines) {
  const std::string source = "VirusTotal";
  if (opt_.virustotal_key.empty()) {
    return {simple("virustotal", "", "not_checked", Severity::Info,
                   "needs an operator's VirusTotal API key: --virustotal-key-file FILE or the "
                   "environment variable BANNIN_VIRUSTOTAL_KEY")};
  }
  if (!clean_api_key(opt_.virustotal_key)) {
    return {simple("virustotal", source, "error", Severity::Unknown,
                   "the VirusTotal key holds white space or control characters")};
  }
  if (std::string why = take(vt_bucket_, "VirusTotal"); !why.empty()) {
    return {simple("virustotal", source, "deferred", Severity::Unknown, why)};
  }
  HttpRequest req;
  req.url = virustotal_url(opt_.virustotal_url, domain);
  req.headers.emplace_back("x-apikey: " + opt_.virustotal_key);
  req.headers.emplace_back("Accept: application/json");
  req.timeout_ms = opt_.timeout_ms;
  req.max_body = 4u << 20;  // domain objects with whois and certificates can be large
  HttpResponse resp = transport_(req);
  core::TimeNs now = clock_();
  VirusTotalReport report;
  auto results = virustotal_results(domain, resp, source, now, &report);
  if (!results.empty() && results.front().state == "rate_limited") {
    auto s = retry_after_seconds(resp.retry_after, now).value_or(kDefaultRetryAfterS);
    vt_bucket_.pause_until(now + std::max<std::int64_t>(s, 1) * core::kNsPerSec);
  }
  engines = std::move(report.engines);
  return results;
}

}  // namespace bannin::probe::domain
