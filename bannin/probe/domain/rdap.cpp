#include <algorithm>
#include <fstream>
#include <mutex>
#include <sstream>

#include <simdjson.h>

#include <bannin/core/json_writer.h>
#include <bannin/probe/domain/dns_checks.h>
#include <bannin/probe/domain/dns_message.h>
#include <bannin/probe/domain/http.h>
#include <bannin/probe/domain/rdap.h>

namespace bannin::probe::domain {
namespace {

constexpr std::size_t kMaxBody = 1u << 20;

// simdjson needs padded, valid-UTF-8 input; invalid bytes are replaced (core/json_writer.h).
simdjson::padded_string padded(std::string_view json) {
  std::string clean;
  clean.reserve(json.size());
  core::utf8_append_replacing_invalid(clean, json);
  return simdjson::padded_string(clean);
}

std::string lower(std::string_view s) {
  return normalize_name(s);
}

}  // namespace

std::optional<std::string> RdapBootstrap::base_for(std::string_view domain) const {
  std::string d = lower(domain);
  std::size_t best_len = 0;
  const Service* best = nullptr;
  for (const Service& s : services) {
    for (const std::string& e : s.entries) {
      bool match =
          d == e || (d.size() > e.size() && d.compare(d.size() - e.size(), e.size(), e) == 0 &&
                     d[d.size() - e.size() - 1] == '.');
      if (match && e.size() > best_len && !s.urls.empty()) {
        best_len = e.size();
        best = &s;
      }
    }
  }
  if (best == nullptr) return std::nullopt;
  for (const std::string& u : best->urls) {
    if (u.rfind("https://", 0) == 0) return u;
  }
  return best->urls.front();
}

core::Result<RdapBootstrap> parse_rdap_bootstrap(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string buf = padded(json);
  simdjson::dom::element doc;
  if (parser.parse(buf).get(doc) != simdjson::SUCCESS) {
    return core::make_error("bootstrap_bad_json", "the RDAP bootstrap file is not valid JSON");
  }
  simdjson::dom::array services;
  if (doc["services"].get_array().get(services) != simdjson::SUCCESS) {
    return core::make_error("bootstrap_no_services",
                            "the RDAP bootstrap file has no \"services\" array");
  }
  RdapBootstrap b;
  for (simdjson::dom::element svc : services) {
    simdjson::dom::array pair;
    if (svc.get_array().get(pair) != simdjson::SUCCESS || pair.size() < 2) continue;
    RdapBootstrap::Service s;
    simdjson::dom::array entries;
    simdjson::dom::array urls;
    if (pair.at(0).get_array().get(entries) != simdjson::SUCCESS ||
        pair.at(1).get_array().get(urls) != simdjson::SUCCESS) {
      continue;
    }
    for (simdjson::dom::element e : entries) {
      std::string_view v;
      if (e.get_string().get(v) == simdjson::SUCCESS) s.entries.push_back(lower(v));
    }
    for (simdjson::dom::element u : urls) {
      std::string_view v;
      if (u.get_string().get(v) != simdjson::SUCCESS) continue;
      std::string url(v);
      if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) continue;
      if (url.back() != '/') url.push_back('/');
      s.urls.push_back(std::move(url));
    }
    if (!s.entries.empty() && !s.urls.empty()) b.services.push_back(std::move(s));
  }
  return b;
}

core::Result<RdapBootstrap> load_rdap_bootstrap(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return core::make_error("bootstrap_not_found", "cannot read RDAP bootstrap file " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto b = parse_rdap_bootstrap(ss.str());
  if (!b) return core::make_error(b.error().code, b.error().message + " (" + path + ")");
  return b;
}

std::string normalize_epp_status(std::string_view s) {
  // WHOIS appends the ICANN URL: keep the first word.
  auto start = s.find_first_not_of(" \t");
  if (start == std::string_view::npos) return {};
  s = s.substr(start);
  auto http = s.find(" http");
  if (http != std::string_view::npos) s = s.substr(0, http);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');  // camelCase -> spaced
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c == '_' || c == '-') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (out == "ok") out = "active";
  return out;
}

bool status_removes_from_dns(std::string_view n) {
  return n == "server hold" || n == "client hold" || n == "inactive" || n == "redemption period" ||
         n == "pending delete" || n == "pending restore";
}

core::Result<RdapDomain> parse_rdap_domain(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string buf = padded(json);
  simdjson::dom::element doc;
  if (parser.parse(buf).get(doc) != simdjson::SUCCESS) {
    return core::make_error("rdap_bad_json", "the RDAP answer is not valid JSON");
  }
  if (!doc.is_object())
    return core::make_error("rdap_not_object", "the RDAP answer is not a JSON object");
  RdapDomain d;
  std::string_view sv;
  if (doc["objectClassName"].get_string().get(sv) == simdjson::SUCCESS && sv != "domain") {
    return core::make_error("rdap_not_domain", "the RDAP answer is not a domain object");
  }
  if (doc["ldhName"].get_string().get(sv) == simdjson::SUCCESS) d.ldh_name = lower(sv);
  simdjson::dom::array arr;
  if (doc["status"].get_array().get(arr) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : arr) {
      if (e.get_string().get(sv) == simdjson::SUCCESS && d.status.size() < 64) {
        std::string n = normalize_epp_status(sv);
        if (!n.empty()) d.status.push_back(std::move(n));
      }
    }
  }
  if (doc["events"].get_array().get(arr) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : arr) {
      std::string_view action;
      std::string_view date;
      if (e["eventAction"].get_string().get(action) == simdjson::SUCCESS &&
          action == "expiration" && e["eventDate"].get_string().get(date) == simdjson::SUCCESS) {
        d.expiration_text = std::string(date.substr(0, 64));
        d.expiration = core::parse_iso8601(date, true);
      }
    }
  }
  if (doc["nameservers"].get_array().get(arr) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : arr) {
      if (e["ldhName"].get_string().get(sv) == simdjson::SUCCESS && d.nameservers.size() < 32) {
        d.nameservers.push_back(lower(sv));
      }
    }
  }
  if (doc["entities"].get_array().get(arr) == simdjson::SUCCESS) {
    for (simdjson::dom::element ent : arr) {
      simdjson::dom::array roles;
      bool registrar = false;
      if (ent["roles"].get_array().get(roles) == simdjson::SUCCESS) {
        for (simdjson::dom::element r : roles) {
          if (r.get_string().get(sv) == simdjson::SUCCESS && sv == "registrar") registrar = true;
        }
      }
      if (!registrar) continue;
      // vcardArray: ["vcard", [["fn", {}, "text", "Name"], …]]
      simdjson::dom::array vcard;
      simdjson::dom::array props;
      if (ent["vcardArray"].get_array().get(vcard) != simdjson::SUCCESS || vcard.size() < 2 ||
          vcard.at(1).get_array().get(props) != simdjson::SUCCESS) {
        continue;
      }
      for (simdjson::dom::element p : props) {
        simdjson::dom::array pa;
        std::string_view key;
        std::string_view val;
        if (p.get_array().get(pa) == simdjson::SUCCESS && pa.size() >= 4 &&
            pa.at(0).get_string().get(key) == simdjson::SUCCESS && key == "fn" &&
            pa.at(3).get_string().get(val) == simdjson::SUCCESS) {
          d.registrar = std::string(val.substr(0, 200));
        }
      }
    }
  }
  return d;
}

RdapFetch fetch_rdap_domain(const std::string& base_url, const std::string& domain,
                            int timeout_ms) {
  RdapFetch f;
  f.url = base_url;
  if (!f.url.empty() && f.url.back() != '/') f.url.push_back('/');
  f.url += "domain/" + domain;
  HttpRequest req;
  req.url = f.url;
  req.headers.emplace_back("Accept: application/rdap+json, application/json");
  req.timeout_ms = timeout_ms;
  req.max_body = kMaxBody;
  req.max_redirects = 3;
  HttpResponse r = http_request(req);
  f.http_status = r.http_status;
  f.body = std::move(r.body);
  f.error = std::move(r.error);
  f.timed_out = r.timed_out;
  f.retry_after = std::move(r.retry_after);
  return f;
}

void append_registration_results(std::vector<CheckResult>& out, const char* check,
                                 const std::string& source,
                                 const std::optional<core::TimeNs>& expiration,
                                 const std::string& expiration_text,
                                 const std::vector<std::string>& nameservers, core::TimeNs now) {
  if (expiration) {
    CheckResult e;
    e.check = check;
    e.source = source;
    if (*expiration <= now) {
      e.state = "expired";
      e.severity = Severity::Critical;
      e.detail = "the registration expired on " + expiration_text;
      out.push_back(e);
    } else if (*expiration - now < 30 * core::kNsPerDay) {
      e.state = "expires_soon";
      e.severity = Severity::Warning;
      e.detail = "the registration expires on " + expiration_text + " (" +
                 std::to_string((*expiration - now) / core::kNsPerDay) + " days)";
      out.push_back(e);
    }
  }
  for (const auto& n : nameservers) {
    for (const std::string& suf : parking_ns_suffixes()) {
      if (name_in(n, suf)) {
        CheckResult pk;
        pk.check = check;
        pk.source = source;
        pk.state = "parking_ns";
        pk.severity = Severity::Critical;
        pk.detail = "the registry lists the registrar's parking/suspension name server " + n;
        out.push_back(pk);
        return;
      }
    }
  }
}

std::vector<CheckResult> rdap_results(const std::string& domain, const RdapFetch& f,
                                      core::TimeNs now) {
  std::vector<CheckResult> out;
  CheckResult r;
  r.check = "rdap";
  r.source = f.url;
  if (f.http_status == 0) {
    r.state = f.timed_out ? "timeout" : "error";
    r.severity = Severity::Unknown;
    r.detail = "no RDAP answer: " + f.error;
    out.push_back(r);
    return out;
  }
  if (f.http_status == 404) {
    r.state = "not_registered";
    r.severity = Severity::Critical;
    r.detail = "the registry's RDAP server does not know " + domain + " (HTTP 404)";
    out.push_back(r);
    return out;
  }
  if (f.http_status == 429) {
    r.state = "rate_limited";
    r.severity = Severity::Unknown;
    r.detail = "the RDAP server asks to slow down (HTTP 429" +
               (f.retry_after.empty() ? std::string(")") : ", Retry-After " + f.retry_after + ")");
    out.push_back(r);
    return out;
  }
  if (f.http_status != 200) {
    r.state = "error";
    r.severity = Severity::Unknown;
    r.detail = "RDAP answered HTTP " + std::to_string(f.http_status);
    out.push_back(r);
    return out;
  }
  auto parsed = parse_rdap_domain(f.body);
  if (!parsed) {
    r.state = "bad_answer";
    r.severity = Severity::Unknown;
    r.detail = parsed.error().message;
    out.push_back(r);
    return out;
  }
  const RdapDomain& d = parsed.value();
  std::string statuses;
  for (const auto& s : d.status) statuses += (statuses.empty() ? "" : ", ") + s;
  if (statuses.empty()) statuses = "(none)";
  // The worst status decides; holds name who set them (server = registry, client = registrar).
  r.state = "ok";
  r.severity = Severity::Ok;
  for (const auto& s : d.status) {
    if (!status_removes_from_dns(s)) continue;
    std::string key = s;
    std::replace(key.begin(), key.end(), ' ', '_');
    r.state = key;
    r.severity = Severity::Critical;
    if (s == "server hold" || s == "client hold") break;  // the most specific reason
  }
  r.detail = "status: " + statuses;
  if (!d.registrar.empty()) r.detail += "; registrar: " + d.registrar;
  if (!d.expiration_text.empty()) r.detail += "; expires " + d.expiration_text;
  if (!d.nameservers.empty()) {
    std::string ns;
    for (const auto& n : d.nameservers) ns += (ns.empty() ? "" : " ") + n;
    r.detail += "; name servers: " + ns;
  }
  out.push_back(r);
  append_registration_results(out, "rdap", f.url, d.expiration, d.expiration_text, d.nameservers,
                              now);
  return out;
}

}  // namespace bannin::probe::domain
