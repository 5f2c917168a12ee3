// Fuzz target for the vhost_combined access-log decoder (and, on odd inputs, auto-detection).
// libFuzzer: make fuzz && build/fuzz/tests/fuzz/vhost_combined_fuzz
// tests/fuzz/corpus/vhost_combined
#include "access_log_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bannin::fuzz::decode_lines("vhost_combined", data, size);
  if (size > 0 && data[0] % 4 == 0) bannin::fuzz::decode_lines("auto", data, size);
  return 0;
}
