// CrawlerList: the shipped list of search-engine crawler ranges (data/allowlist/crawlers.yaml),
// a dated snapshot of the vendors' published JSON lists, refreshed by operators with
// tools/update_crawlers.sh. Loaded into the Allowlist with the source kind Crawler and labels
// "crawler <name>", so a crawler that hammers a site is rate-limited by the web server, not
// banned by bannin. The reader is a pure function of the text; every problem in the file is
// reported with file:line:column, never only the first. Value type; called by the config
// loader at start and on reload (one thread at a time).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/ip_prefix.h>
#include <bannin/core/result.h>
#include <bannin/decide/allowlist.h>

namespace bannin::decide {

struct Crawler {
  std::string name;    ///< lowercase id, e.g. "googlebot"
  std::string verify;  ///< the vendor's published JSON list (https URL), for the update tool
  std::vector<core::IpPrefix> prefixes;
};

struct CrawlerList {
  int version = 0;      ///< file format version (1)
  std::string updated;  ///< date of the snapshot, YYYY-MM-DD
  std::string source;   ///< where the ranges came from, for people
  std::vector<Crawler> crawlers;

  /// One AllowEntry per prefix: source Crawler, label "crawler <name>".
  [[nodiscard]] std::vector<AllowEntry> entries() const;
};

/// Parses the YAML text; `origin` names it in errors ("crawlers.yaml:12:9: ..."). On failure
/// the error (code "bad_crawler_list") lists every problem, one per line.
core::Result<CrawlerList> parse_crawler_list(std::string_view yaml_text, const std::string& origin);
/// Reads and parses a file (code "file_not_found" / "read_failed" when it cannot be read).
core::Result<CrawlerList> load_crawler_list(const std::string& path);

}  // namespace bannin::decide
