#include <cctype>
#include <string>
#include <type_traits>

// The type-checking macros of curl.h would wrap calls by name; calls here go through
// function pointers (see CurlApi).
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>

#include <bannin/probe/domain/http.h>

namespace bannin::probe::domain {
namespace {

// libcurl is loaded when the first HTTP query is made, not when bannin starts: with its TLS,
// HTTP/2, LDAP and Kerberos dependencies it brings about 30 shared libraries, whose relocation
// cost every `bannin parse` or `replay` run ~6-8 ms of start-up for a library only
// `bannin check` uses (docs/decisions/2026-11-25-load-libcurl-on-demand.md).
struct CurlApi {
  CURLcode (*global_init)(long) = nullptr;
  CURL* (*easy_init)() = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
  std::string error;  ///< why libcurl cannot be used; empty when it can
};

const CurlApi& curl_api() {
  static const CurlApi api = [] {  // thread-safe, once
    CurlApi a;
    void* h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) {
      const char* e = dlerror();
      a.error = std::string("libcurl not available: ") + (e != nullptr ? e : "dlopen failed");
      return a;
    }
    auto sym = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
      if (fn == nullptr && a.error.empty()) a.error = std::string("libcurl lacks ") + name;
    };
    sym(a.global_init, "curl_global_init");
    sym(a.easy_init, "curl_easy_init");
    sym(a.easy_setopt, "curl_easy_setopt");
    sym(a.easy_perform, "curl_easy_perform");
    sym(a.easy_getinfo, "curl_easy_getinfo");
    sym(a.easy_strerror, "curl_easy_strerror");
    sym(a.easy_cleanup, "curl_easy_cleanup");
    sym(a.slist_append, "curl_slist_append");
    sym(a.slist_free_all, "curl_slist_free_all");
    if (a.error.empty() && a.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      a.error = "curl_global_init failed";
    }
    return a;
  }();
  return api;
}

struct BodySink {
  std::string* body;
  std::size_t max;
};

std::size_t on_body(char* ptr, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  std::size_t len = size * n;
  if (sink->body->size() + len > sink->max) return 0;  // aborts the transfer
  sink->body->append(ptr, len);
  return len;
}

std::size_t on_header(char* ptr, std::size_t size, std::size_t n, void* user) {
  auto* retry = static_cast<std::string*>(user);
  std::size_t len = size * n;
  std::string_view h(ptr, len);
  constexpr std::string_view kRetryAfter = "retry-after:";
  if (h.size() > kRetryAfter.size()) {
    bool match = true;
    for (std::size_t i = 0; i < kRetryAfter.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(h[i])) != kRetryAfter[i]) {
        match = false;
        break;
      }
    }
    if (match) {
      std::string_view v = h.substr(kRetryAfter.size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' '))
        v.remove_suffix(1);
      *retry = std::string(v.substr(0, 64));
    }
  }
  return len;
}

std::optional<std::int64_t> digits(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

HttpResponse http_request(const HttpRequest& req) {
  const CurlApi& api = curl_api();
  HttpResponse f;
  if (!api.error.empty()) {
    f.error = api.error;
    return f;
  }
  CURL* curl = api.easy_init();
  if (curl == nullptr) {
    f.error = "curl init failed";
    return f;
  }
  curl_slist* headers = nullptr;
  for (const std::string& h : req.headers) headers = api.slist_append(headers, h.c_str());
  BodySink sink{&f.body, req.max_body};
  api.easy_setopt(curl, CURLOPT_URL, req.url.c_str());
  if (headers != nullptr) api.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  api.easy_setopt(curl, CURLOPT_USERAGENT, "bannin-check");
  if (req.method == "POST") {
    api.easy_setopt(curl, CURLOPT_POST, 1L);
    api.easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.c_str());
    api.easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(req.body.size()));
  }
  api.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, req.max_redirects > 0 ? 1L : 0L);
  api.easy_setopt(curl, CURLOPT_MAXREDIRS, req.max_redirects);
  api.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  api.easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout_ms));
  api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.timeout_ms));
  api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  api.easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  api.easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  api.easy_setopt(curl, CURLOPT_HEADERDATA, &f.retry_after);
  CURLcode rc = api.easy_perform(curl);
  if (rc == CURLE_OK) {
    api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &f.http_status);
  } else {
    f.error = api.easy_strerror(rc);
    f.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    if (rc == CURLE_WRITE_ERROR) {
      f.error = req.max_body % (1u << 20) == 0
                    ? "answer larger than " + std::to_string(req.max_body >> 20) + " MiB"
                    : "answer larger than " + std::to_string(req.max_body) + " bytes";
    }
  }
  api.slist_free_all(headers);
  api.easy_cleanup(curl);
  return f;
}

std::optional<std::int64_t> retry_after_seconds(std::string_view v, core::TimeNs now) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  if (auto s = digits(v)) return *s;
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  if (v.size() != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' ||
      v[19] != ':' || v[22] != ':' || v.substr(25) != " GMT") {
    return std::nullopt;
  }
  auto day = digits(v.substr(5, 2));
  unsigned month = core::month_from_abbrev(v.substr(8, 3));
  auto year = digits(v.substr(12, 4));
  auto hh = digits(v.substr(17, 2));
  auto mm = digits(v.substr(20, 2));
  auto ss = digits(v.substr(23, 2));
  if (!day || month == 0 || !year || !hh || !mm || !ss || *day < 1 || *day > 31 || *hh > 23 ||
      *mm > 59 || *ss > 60) {
    return std::nullopt;
  }
  std::int64_t t = core::days_from_civil(*year, month, static_cast<unsigned>(*day)) * 86400 +
                   *hh * 3600 + *mm * 60 + *ss;
  std::int64_t delta = t - now / core::kNsPerSec;
  return delta > 0 ? delta : 0;
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace bannin::probe::domain
