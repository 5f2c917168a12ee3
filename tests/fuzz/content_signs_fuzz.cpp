// Fuzz target for the file probe's content signs (probe/file/content_signs.h): arbitrary
// bytes as a file's content and, split at the first NUL, as its path. Invariants: no crash;
// entropy within 0..8; a decoder chain, when found, starts with eval( or assert(.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <bannin/probe/file/content_signs.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bannin::probe::file;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = content_signs(text);
  if (s.entropy < 0 || s.entropy > 8.0000001) std::abort();
  if (!s.decoder_chain.empty() && s.decoder_chain.rfind("eval(", 0) != 0 &&
      s.decoder_chain.rfind("assert(", 0) != 0) {
    std::abort();
  }
  if (s.longest_base64 > size) std::abort();
  std::string_view path = text.substr(0, text.find('\0'));
  (void)is_script_name(path);
  (void)in_upload_dir(path, {"wp-content/uploads", "/tmp", "", "/"});
  SignThresholds t;
  t.base64_min = 16;
  t.entropy_min_bytes = 0;
  (void)sign_reasons(path, s, true, t);
  return 0;
}
