// Fuzz target for the hosting inventory readers (bannin/enrich/inventory.h): the YAML and CSV
// inventory files and the Apache/nginx configuration parser, on the same bytes. Nothing may
// throw or crash; every problem must be located ("fuzz.<kind>:..."), and every site that was
// accepted must be found again by each of its names.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/enrich/inventory.h>

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

void check_inventory(const bannin::enrich::Inventory& inv, const std::vector<std::string>& problems,
                     std::string_view name) {
  for (const auto& p : problems) check(p.rfind(name, 0) == 0, "problem not located");
  for (const auto& s : inv.sites()) {
    check(!s.names.empty(), "site without a name");
    for (const auto& n : s.names) {
      if (n.rfind("*.", 0) == 0) continue;
      check(inv.find(n) != nullptr, "a site's name does not find it");
    }
    if (!s.language.empty()) check(s.language == "ja" || s.language == "en", "bad language kept");
    for (const auto& c : s.contacts) check(bannin::enrich::plausible_email(c), "bad contact kept");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using bannin::enrich::Inventory;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    Inventory inv;
    std::vector<std::string> problems;
    inv.add_yaml_text(text, "fuzz.yaml", problems);
    check_inventory(inv, problems, "fuzz.yaml");
  }
  {
    Inventory inv;
    std::vector<std::string> problems;
    inv.add_csv_text(text, "fuzz.csv", problems);
    check_inventory(inv, problems, "fuzz.csv");
  }
  {
    Inventory inv;
    std::vector<std::string> problems;
    inv.add_web_config_text(text, "fuzz.conf", problems);
    check_inventory(inv, problems, "fuzz.conf");
  }
  return 0;
}
