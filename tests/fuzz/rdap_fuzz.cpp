// Fuzz target for the RDAP parsers (probe/domain/rdap.h): a domain object, the bootstrap
// file and the status normaliser. Invariants: no crash or exception on any bytes; a 200
// answer always becomes at least one result with a state.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <bannin/probe/domain/rdap.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bannin::probe::domain;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_rdap_domain(text);
  if (auto b = parse_rdap_bootstrap(text)) (void)b->base_for("shop.example.test");
  (void)normalize_epp_status(text.substr(0, 256));
  RdapFetch f;
  f.http_status = 200;
  f.body = std::string(text);
  auto results = rdap_results("shop.example.test", f, 0);
  if (results.empty() || results.front().state.empty()) std::abort();
  return 0;
}
