#include <algorithm>
#include <set>

#include <bannin/core/json_writer.h>
#include <bannin/probe/domain/api_json.h>
#include <bannin/probe/domain/safe_browsing.h>

namespace bannin::probe::domain {
namespace {

constexpr std::size_t kMaxMatches = 500;  // the API takes at most 500 entries per request

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += sep;
    s += x;
  }
  return s;
}

// A required string member of a match; on failure `problem` names where.
bool member_string(simdjson::dom::element e, std::string_view key, std::size_t index,
                   std::string& out, std::string& problem) {
  std::string_view v;
  auto err = e[key].get_string().get(v);
  if (err == simdjson::SUCCESS) {
    out = detail::printable(v, 120);
    return true;
  }
  problem = "matches[" + std::to_string(index) + "]." + std::string(key) +
            (err == simdjson::NO_SUCH_FIELD ? " is missing" : " is not a string");
  return false;
}

}  // namespace

std::vector<std::string> SafeBrowsingVerdict::threat_types() const {
  std::set<std::string> s;
  for (const auto& m : matches) s.insert(m.threat_type);
  return {s.begin(), s.end()};
}

std::string safe_browsing_request_body(std::string_view domain) {
  std::string out;
  core::JsonObjectWriter o(out);
  o.key("client");
  {
    core::JsonObjectWriter c(out);
    c.string("clientId", "bannin");
    c.string("clientVersion", "1");
    c.close();
  }
  o.key("threatInfo");
  {
    core::JsonObjectWriter t(out);
    t.raw(
        "threatTypes",
        R"(["MALWARE","SOCIAL_ENGINEERING","UNWANTED_SOFTWARE","POTENTIALLY_HARMFUL_APPLICATION"])");
    t.raw("platformTypes", R"(["ANY_PLATFORM"])");
    t.raw("threatEntryTypes", R"(["URL"])");
    t.key("threatEntries");
    out += '[';
    bool first = true;
    for (std::string_view scheme : {"http://", "https://"}) {
      if (!first) out += ',';
      first = false;
      core::JsonObjectWriter e(out);
      e.string("url", std::string(scheme) + std::string(domain) + "/");
      e.close();
    }
    out += ']';
    t.close();
  }
  o.close();
  return out;
}

std::string safe_browsing_url(std::string_view base, std::string_view key) {
  std::string url(base);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/v4/threatMatches:find?key=" + url_encode(key);
}

std::optional<std::int64_t> parse_proto_duration(std::string_view text) {
  if (text.size() < 2 || text.size() > 24 || text.back() != 's') return std::nullopt;
  text.remove_suffix(1);
  std::int64_t secs = 0;
  bool frac = false;
  bool any = false;
  bool round_up = false;
  for (char c : text) {
    if (c == '.' && !frac) {
      frac = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    any = true;
    if (frac) {
      round_up = round_up || c != '0';
    } else {
      if (secs > 315'576'000'000LL / 10) return std::nullopt;  // proto Duration max
      secs = secs * 10 + (c - '0');
    }
  }
  if (!any) return std::nullopt;
  return secs + (round_up ? 1 : 0);
}

core::Result<SafeBrowsingVerdict> parse_safe_browsing_response(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string buf = detail::padded_json(json);
  simdjson::dom::element doc;
  if (auto err = parser.parse(buf).get(doc); err != simdjson::SUCCESS) {
    return core::make_error("safebrowsing_bad_json",
                            detail::bad_json_message("the Safe Browsing answer", json, err));
  }
  if (!doc.is_object()) {
    return core::make_error("safebrowsing_not_object",
                            "the Safe Browsing answer is not a JSON object (top level)");
  }
  SafeBrowsingVerdict v;
  simdjson::dom::element matches;
  if (doc["matches"].get(matches) != simdjson::SUCCESS) return v;  // {} : no match
  simdjson::dom::array arr;
  if (matches.get_array().get(arr) != simdjson::SUCCESS) {
    return core::make_error("safebrowsing_bad_shape",
                            "the Safe Browsing answer's \"matches\" is not an array");
  }
  std::size_t i = 0;
  for (simdjson::dom::element m : arr) {
    if (i >= kMaxMatches) break;
    std::string problem;
    SafeBrowsingMatch match;
    if (!m.is_object()) {
      problem = "matches[" + std::to_string(i) + "] is not an object";
    } else if (member_string(m, "threatType", i, match.threat_type, problem)) {
      std::string_view sv;
      if (m["platformType"].get_string().get(sv) == simdjson::SUCCESS)
        match.platform_type = detail::printable(sv, 60);
      if (m["threat"]["url"].get_string().get(sv) == simdjson::SUCCESS)
        match.url = detail::printable(sv, 200);
      if (m["cacheDuration"].get_string().get(sv) == simdjson::SUCCESS) {
        match.cache_seconds = parse_proto_duration(sv);
        if (!match.cache_seconds) {
          problem = "matches[" + std::to_string(i) + "].cacheDuration '" +
                    detail::printable(sv, 30) + "' is not a duration";
        }
      }
    }
    if (!problem.empty()) {
      return core::make_error("safebrowsing_bad_shape", "the Safe Browsing answer: " + problem);
    }
    if (match.cache_seconds && (!v.cache_seconds || *match.cache_seconds < *v.cache_seconds))
      v.cache_seconds = match.cache_seconds;
    v.matches.push_back(std::move(match));
    ++i;
  }
  return v;
}

CheckResult safe_browsing_result(const std::string& domain, const HttpResponse& f,
                                 const std::string& source, core::TimeNs now,
                                 SafeBrowsingVerdict* verdict) {
  CheckResult r;
  r.check = "safebrowsing";
  r.source = source;
  r.severity = Severity::Unknown;
  if (f.http_status == 0) {
    r.state = f.timed_out ? "timeout" : "error";
    r.detail = "no Safe Browsing answer: " + f.error;
    return r;
  }
  std::string api_msg = detail::api_error_message(f.body);
  std::string suffix = api_msg.empty() ? "" : ": " + api_msg;
  if (f.http_status == 429) {
    r.state = "rate_limited";
    auto secs = retry_after_seconds(f.retry_after, now);
    r.detail = "Google asks to slow down (HTTP 429" +
               (secs ? ", Retry-After " + std::to_string(*secs) + "s" : std::string{}) +
               "): the project's Safe Browsing quota is used up" + suffix;
    return r;
  }
  bool key_problem =
      f.http_status == 401 || f.http_status == 403 ||
      (f.http_status == 400 && (api_msg.find("API key") != std::string::npos ||
                                f.body.find("API_KEY_INVALID") != std::string::npos));
  if (key_problem) {
    r.state = "error";
    r.detail = "the Safe Browsing API key was rejected (HTTP " + std::to_string(f.http_status) +
               suffix +
               "): check the key in --safe-browsing-key-file / BANNIN_SAFE_BROWSING_KEY and that "
               "the Safe Browsing API is enabled for its Google Cloud project";
    return r;
  }
  if (f.http_status != 200) {
    r.state = "error";
    r.detail = "Safe Browsing answered HTTP " + std::to_string(f.http_status) + suffix;
    return r;
  }
  auto parsed = parse_safe_browsing_response(f.body);
  if (!parsed) {
    r.state = "error";
    r.detail = parsed.error().message;
    return r;
  }
  const SafeBrowsingVerdict& v = parsed.value();
  if (verdict != nullptr) *verdict = v;
  if (v.matches.empty()) {
    r.state = "clean";
    r.severity = Severity::Ok;
    r.detail = "http://" + domain + "/ and https://" + domain +
               "/ are on no Safe Browsing list (MALWARE, SOCIAL_ENGINEERING, UNWANTED_SOFTWARE, "
               "POTENTIALLY_HARMFUL_APPLICATION)";
    return r;
  }
  std::set<std::string> urls;
  for (const auto& m : v.matches) {
    if (!m.url.empty()) urls.insert(m.url);
  }
  r.state = "listed";
  r.severity = Severity::Critical;
  r.detail = "Google Safe Browsing lists the site as " + join(v.threat_types(), ", ") +
             " (suspected; browsers show a warning page)";
  if (!urls.empty()) r.detail += "; URLs: " + join({urls.begin(), urls.end()}, " ");
  if (v.cache_seconds) r.detail += "; cacheDuration " + std::to_string(*v.cache_seconds) + "s";
  return r;
}

}  // namespace bannin::probe::domain
