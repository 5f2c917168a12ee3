#include <algorithm>
#include <map>

#include <bannin/probe/domain/api_json.h>
#include <bannin/probe/domain/virustotal.h>

namespace bannin::probe::domain {
namespace {

constexpr std::size_t kMaxEngines = 500;

core::Error shape(std::string msg) {
  return core::make_error("virustotal_bad_shape", "the VirusTotal answer: " + std::move(msg));
}

std::string quoted_key(std::string_view k) {
  return "['" + detail::printable(k, 60) + "']";
}

}  // namespace

std::string virustotal_url(std::string_view base, std::string_view domain) {
  std::string url(base);
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/api/v3/domains/" + std::string(domain);
}

bool flags_site(std::string_view c) noexcept {
  return c == "malicious" || c == "suspicious";
}

core::Result<VirusTotalReport> parse_virustotal_domain(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string buf = detail::padded_json(json);
  simdjson::dom::element doc;
  if (auto err = parser.parse(buf).get(doc); err != simdjson::SUCCESS) {
    return core::make_error("virustotal_bad_json",
                            detail::bad_json_message("the VirusTotal answer", json, err));
  }
  if (!doc.is_object()) return shape("the top level is not a JSON object");
  simdjson::dom::object attrs;
  simdjson::dom::element data;
  if (doc["data"].get(data) != simdjson::SUCCESS) return shape("\"data\" is missing");
  if (!data.is_object()) return shape("\"data\" is not an object");
  auto aerr = data["attributes"].get_object().get(attrs);
  if (aerr == simdjson::NO_SUCH_FIELD) return shape("data.attributes is missing");
  if (aerr != simdjson::SUCCESS) return shape("data.attributes is not an object");

  VirusTotalReport rep;
  simdjson::dom::element el;
  if (attrs["last_analysis_stats"].get(el) == simdjson::SUCCESS) {
    simdjson::dom::object st;
    if (el.get_object().get(st) != simdjson::SUCCESS)
      return shape("data.attributes.last_analysis_stats is not an object");
    VirusTotalStats s;
    for (auto [name, field] :
         {std::pair{"harmless", &s.harmless}, std::pair{"malicious", &s.malicious},
          std::pair{"suspicious", &s.suspicious}, std::pair{"undetected", &s.undetected},
          std::pair{"timeout", &s.timeout}}) {
      simdjson::dom::element v;
      if (st[name].get(v) != simdjson::SUCCESS) continue;  // absent counts as 0
      std::int64_t n = 0;
      if (v.get_int64().get(n) != simdjson::SUCCESS || n < 0 || n > 100000) {
        return shape(std::string("data.attributes.last_analysis_stats.") + name +
                     " is not a count");
      }
      *field = n;
    }
    rep.stats = s;
  }
  if (attrs["last_analysis_date"].get(el) == simdjson::SUCCESS) {
    std::int64_t t = 0;
    if (el.get_int64().get(t) == simdjson::SUCCESS && t > 0 && t < 32503680000LL)
      rep.last_analysis_date = t;
  }
  if (attrs["last_analysis_results"].get(el) == simdjson::SUCCESS) {
    simdjson::dom::object results;
    if (el.get_object().get(results) != simdjson::SUCCESS)
      return shape("data.attributes.last_analysis_results is not an object");
    for (auto [key, val] : results) {
      if (rep.engines.size() >= kMaxEngines) break;
      std::string where = "data.attributes.last_analysis_results" + quoted_key(key);
      if (!val.is_object()) return shape(where + " is not an object");
      EngineVerdict e;
      std::string_view sv;
      auto cerr = val["category"].get_string().get(sv);
      if (cerr == simdjson::NO_SUCH_FIELD) return shape(where + ".category is missing");
      if (cerr != simdjson::SUCCESS) return shape(where + ".category is not a string");
      e.category = detail::printable(sv, 40);
      if (val["engine_name"].get_string().get(sv) == simdjson::SUCCESS && !sv.empty())
        e.engine = detail::printable(sv, 80);
      else
        e.engine = detail::printable(key, 80);
      if (val["result"].get_string().get(sv) == simdjson::SUCCESS)  // null for "no opinion"
        e.result = detail::printable(sv, 80);
      rep.engines.push_back(std::move(e));
    }
    std::sort(rep.engines.begin(), rep.engines.end(),
              [](const EngineVerdict& a, const EngineVerdict& b) { return a.engine < b.engine; });
  }
  return rep;
}

std::vector<CheckResult> virustotal_results(const std::string& domain, const HttpResponse& f,
                                            const std::string& source, core::TimeNs now,
                                            VirusTotalReport* out) {
  CheckResult r;
  r.check = "virustotal";
  r.source = source;
  r.severity = Severity::Unknown;
  if (f.http_status == 0) {
    r.state = f.timed_out ? "timeout" : "error";
    r.detail = "no VirusTotal answer: " + f.error;
    return {r};
  }
  std::string api_msg = detail::api_error_message(f.body);
  std::string suffix = api_msg.empty() ? "" : ": " + api_msg;
  if (f.http_status == 404) {
    r.state = "not_listed";
    r.severity = Severity::Info;
    r.detail = "VirusTotal has no report for " + domain +
               " (HTTP 404): no vendor has rated it there" + suffix;
    return {r};
  }
  if (f.http_status == 429) {
    auto secs = retry_after_seconds(f.retry_after, now);
    r.state = "rate_limited";
    r.detail = "VirusTotal asks to slow down (HTTP 429" +
               (secs ? ", Retry-After " + std::to_string(*secs) + "s" : std::string{}) +
               "): the key's quota is used up (public API: 4/min, 500/day)" + suffix;
    return {r};
  }
  if (f.http_status == 401 || f.http_status == 403) {
    r.state = "error";
    r.detail = "the VirusTotal API key was rejected (HTTP " + std::to_string(f.http_status) +
               suffix + "): check the key in --virustotal-key-file / BANNIN_VIRUSTOTAL_KEY";
    return {r};
  }
  if (f.http_status != 200) {
    r.state = "error";
    r.detail = "VirusTotal answered HTTP " + std::to_string(f.http_status) + suffix;
    return {r};
  }
  auto parsed = parse_virustotal_domain(f.body);
  if (!parsed) {
    r.state = "error";
    r.detail = parsed.error().message;
    return {r};
  }
  const VirusTotalReport& rep = parsed.value();
  if (out != nullptr) *out = rep;

  VirusTotalStats s;
  if (rep.stats) {
    s = *rep.stats;
  } else {
    for (const auto& e : rep.engines) {
      if (e.category == "harmless") ++s.harmless;
      if (e.category == "malicious") ++s.malicious;
      if (e.category == "suspicious") ++s.suspicious;
      if (e.category == "undetected") ++s.undetected;
      if (e.category == "timeout") ++s.timeout;
    }
  }
  std::int64_t flagged = 0;
  for (const auto& e : rep.engines) flagged += flags_site(e.category) ? 1 : 0;
  std::string facts = "; " + std::to_string(flagged) + " of " + std::to_string(rep.engines.size()) +
                      " engines flag it (malicious " + std::to_string(s.malicious) +
                      ", suspicious " + std::to_string(s.suspicious) + ", harmless " +
                      std::to_string(s.harmless) + ", undetected " + std::to_string(s.undetected) +
                      ")";
  if (rep.last_analysis_date) {
    facts += "; last analysis " + core::format_rfc3339(*rep.last_analysis_date * core::kNsPerSec);
  }
  if (rep.engines.empty() && !rep.stats) {
    r.state = "not_listed";
    r.severity = Severity::Info;
    r.detail = "VirusTotal knows " + domain + " but no engine has analysed it yet";
    return {r};
  }
  std::vector<CheckResult> results;
  // Malicious first, then suspicious; by engine name within each.
  for (std::string_view cat : {"malicious", "suspicious"}) {
    for (const auto& e : rep.engines) {
      if (e.category != cat) continue;
      CheckResult x;
      x.check = "virustotal";
      x.source = e.engine + " (via " + source + ")";
      x.state = std::string(cat);
      x.severity = cat == "malicious" ? Severity::Critical : Severity::Warning;
      x.detail = e.engine + ": " + e.category;
      if (!e.result.empty() && e.result != e.category) x.detail += " ('" + e.result + "')";
      x.detail += facts;
      results.push_back(std::move(x));
    }
  }
  if (results.empty()) {
    r.state = "clean";
    r.severity = Severity::Ok;
    r.detail = "no engine on VirusTotal flags " + domain + facts;
    results.push_back(std::move(r));
  }
  return results;
}

std::vector<EngineChange> diff_engines(const std::vector<EngineVerdict>& prev,
                                       const std::vector<EngineVerdict>& cur) {
  std::map<std::string, std::pair<std::string, std::string>> m;  // engine -> (old, new)
  for (const auto& e : prev) m[e.engine].first = e.category;
  for (const auto& e : cur) m[e.engine].second = e.category;
  std::vector<EngineChange> out;
  for (const auto& [engine, cats] : m) {
    if (cats.first != cats.second) out.push_back({engine, cats.first, cats.second});
  }
  return out;
}

}  // namespace bannin::probe::domain
