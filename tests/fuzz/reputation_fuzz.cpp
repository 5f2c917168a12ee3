// Fuzz target for the Safe Browsing and VirusTotal answer parsers (probe/domain/
// safe_browsing.h, virustotal.h) and Retry-After. Invariants: no crash or exception on any
// bytes; a 200 answer always becomes at least one result with a state, and an unparsable one
// is "error", never "clean".
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <bannin/probe/domain/safe_browsing.h>
#include <bannin/probe/domain/virustotal.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bannin::probe::domain;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  HttpResponse f;
  f.http_status = 200;
  f.body = std::string(text);
  auto sb = parse_safe_browsing_response(text);
  CheckResult r = safe_browsing_result("shop.example.test", f, "GSB", 0);
  if (r.state.empty() || (!sb && r.state != "error")) std::abort();
  if (sb && sb->matches.empty() != (r.state == "clean")) std::abort();
  auto vt = parse_virustotal_domain(text);
  auto results = virustotal_results("shop.example.test", f, "VT", 0);
  if (results.empty() || results.front().state.empty()) std::abort();
  if (!vt && results.front().state != "error") std::abort();
  if (vt) (void)diff_engines(vt->engines, {});
  (void)parse_proto_duration(text.substr(0, 32));
  (void)retry_after_seconds(text.substr(0, 64), 0);
  return 0;
}
