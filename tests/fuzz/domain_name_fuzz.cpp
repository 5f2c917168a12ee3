// Fuzz target for domain names as people type them (probe/domain/domain_name.h): `bannin
// check` arguments and the daemon's `domains:` entries. Invariants: no crash, no hang; an
// accepted name is valid LDH A-labels within the RFC 1035 limits, parses again to itself, and
// its Unicode form converts back to the same A-label form.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <bannin/probe/domain/domain_name.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bannin::probe::domain;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = parse_domain_name(text);
  if (!r) {
    if (r.error().message.empty()) std::abort();
    return 0;
  }
  const std::string& a = r->ascii;
  if (a.empty() || a.size() > kMaxNameOctets) std::abort();
  std::size_t label = 0;
  for (char c : a) {
    if (c == '.') {
      if (label == 0) std::abort();
      label = 0;
      continue;
    }
    bool ldh = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ldh || ++label > kMaxLabelOctets) std::abort();
  }
  auto again = parse_domain_name(a);
  if (!again || again->ascii != a) std::abort();
  auto back = parse_domain_name(r->unicode);
  if (!back || back->ascii != a) std::abort();
  return 0;
}
