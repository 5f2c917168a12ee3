// Fuzz target for the DNSBL zone table reader (probe/domain/dnsbl.h, data/dnsbl/zones.yaml):
// yaml-cpp exceptions must become a load report, never escape.
#include <cstdint>
#include <string>

#include <bannin/probe/domain/dnsbl.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bannin::probe::domain;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto z = parse_dnsbl_zones(text, "fuzz.yaml");
  if (z) {
    for (const auto& zone : z->zones) (void)dnsbl_query_name(zone, "203.0.113.7");
  }
  return 0;
}
