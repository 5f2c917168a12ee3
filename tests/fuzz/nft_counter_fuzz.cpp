// Fuzz target for the overload guard's counter reader (act/nftables/guard_rules.h): whatever
// libnftables prints for `list counter`, parse_counter_json answers a value or an error.
#include <cstdint>
#include <string_view>

#include <bannin/act/nftables/guard_rules.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto c = bannin::act::nft::parse_counter_json(
      std::string_view(reinterpret_cast<const char*>(data), size));
  (void)c;
  return 0;
}
