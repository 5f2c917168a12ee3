// Fuzz target for the WHOIS parser (probe/domain/whois.h): raw answers in any encoding
// (ISO-2022-JP goes through iconv), the server table and the result builder. Invariants: no
// crash or exception on any bytes; an answer always becomes at least one result with a state,
// and an unparsable answer is never "ok".
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <bannin/probe/domain/whois.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bannin::probe::domain;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_whois(text);
  (void)decode_whois_text(text);
  if (auto s = parse_whois_servers(std::string(text), "fuzz")) (void)s->server_for("shop.jp");
  (void)parse_whois_server(text.substr(0, 300));
  WhoisFetch f;
  f.server = "fuzz:43";
  f.body = std::string(text);
  auto results = whois_results("shop.example.jp", f, 0);
  if (results.empty() || results.front().state.empty()) std::abort();
  if (!parsed && !f.body.empty() && results.front().state == "ok") std::abort();
  return 0;
}
