// Fuzz target for the crawler list reader (bannin/decide/crawler_list.h,
// data/allowlist/crawlers.yaml): yaml-cpp exceptions must become a located error, never
// escape. A list that parses must hold what the reader promises (version 1, a real date,
// unique lowercase names, https verify URLs, canonical prefixes no wider than /16 or /32),
// and its entries, loaded into an Allowlist, must find every address they cover.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include <bannin/decide/allowlist.h>
#include <bannin/decide/crawler_list.h>

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bannin;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto list = decide::parse_crawler_list(text, "fuzz.yaml");
  if (!list) {
    check(list.error().code == "bad_crawler_list", "unexpected crawler list error code");
    check(list.error().message.rfind("fuzz.yaml:", 0) == 0, "crawler list error not located");
    return 0;
  }
  check(list->version == 1, "accepted a version other than 1");
  check(list->updated.size() == 10, "accepted a date that is not YYYY-MM-DD");
  check(!list->source.empty(), "accepted an empty source");
  check(!list->crawlers.empty(), "accepted an empty crawler list");
  std::set<std::string> names;
  std::size_t prefixes = 0;
  for (const auto& c : list->crawlers) {
    check(!c.name.empty() && c.name.size() <= 64, "crawler name size");
    check(names.insert(c.name).second, "duplicate crawler name accepted");
    check(c.verify.rfind("https://", 0) == 0, "verify is not an https URL");
    check(!c.prefixes.empty(), "crawler without prefixes accepted");
    for (const auto& p : c.prefixes) {
      check(p.len <= p.max_len(), "prefix length past the family");
      check(p.len >= (p.is_v4() ? 16U : 32U), "crawler prefix too broad");
      auto again = core::IpPrefix::parse(p.text());
      check(again.has_value() && again->network == p.network && again->len == p.len,
            "crawler prefix text does not parse back");
    }
    prefixes += c.prefixes.size();
  }
  auto entries = list->entries();
  check(entries.size() == prefixes, "entries() count differs from the prefixes");
  decide::Allowlist allow(entries);
  check(allow.size() == entries.size(), "allowlist lost entries");
  for (const auto& e : entries) {
    check(e.source == decide::AllowSource::Crawler, "crawler entry with another source");
    check(e.label.rfind("crawler ", 0) == 0, "crawler entry label");
    const decide::AllowEntry* hit = allow.find(e.prefix.network);
    check(hit != nullptr && hit->prefix.contains(e.prefix.network),
          "allowlist misses a crawler address");
    check(allow.find_intersecting(e.prefix) != nullptr, "allowlist misses a crawler prefix");
  }
  return 0;
}
