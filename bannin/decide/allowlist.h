// Allowlist: the decide stage's "never decide against these" set. IPv4 and IPv6 prefixes, each
// with a label saying why it is there ("config allowlist", "own address on eth0", "proxy
// cloudflare", "crawler googlebot") and the kind of source it came from, so suppressions can
// be counted per source and explained to a person. Lookups are O(log n) for thousands of
// entries: the prefixes are flattened once, when entries are added, into sorted disjoint
// ranges (CIDR prefixes nest or are disjoint, so each range carries the most specific entry
// that covers it) and searched with binary search. Besides "is this address allowlisted"
// there is the overlap query "does this prefix contain or intersect any entry", which keeps
// a /24 decision from covering one allowlisted host.
//
// The builders read the sources: config CIDR strings, the host's own interface addresses
// (getifaddrs) and the shipped crawler list (crawler_list.h). Owned by whoever builds the
// DeciderOptions (the config loader); a built Allowlist is immutable in practice and safe to
// read from several threads; add() is not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/ip_prefix.h>
#include <bannin/core/result.h>

namespace bannin::decide {

/// Where an allowlist entry came from; suppressions are counted per kind.
enum class AllowSource : std::uint8_t { Config, OwnAddress, Proxy, Crawler };
inline constexpr std::size_t kAllowSourceCount = 4;
/// "config", "own_address", "proxy", "crawler" (metric label values).
std::string_view allow_source_name(AllowSource source) noexcept;

struct AllowEntry {
  core::IpPrefix prefix;
  AllowSource source = AllowSource::Config;
  std::string label;  ///< why: "config allowlist", "own address on eth0", "crawler googlebot"
};

class Allowlist {
 public:
  Allowlist() = default;
  explicit Allowlist(std::vector<AllowEntry> entries);

  /// Adds entries and rebuilds the lookup index once (O(n log n)); add in batches.
  void add(std::vector<AllowEntry> entries);
  void add(const core::IpPrefix& prefix, AllowSource source, std::string label);

  // Builders for the config loader; each returns how many entries it added, or an error that
  // names every bad entry (nothing is added then).
  /// Config strings ("192.0.2.7", "2001:db8::/48") with one label and source.
  core::Result<std::size_t> add_cidrs(const std::vector<std::string>& cidrs,
                                      const std::string& label, AllowSource source);
  /// As above, the source taken from the label's first word: "proxy…" -> Proxy,
  /// "crawler…" -> Crawler, "own address…" -> OwnAddress, anything else -> Config.
  core::Result<std::size_t> add_cidrs(const std::vector<std::string>& cidrs,
                                      const std::string& label);
  /// The addresses of every local interface (own_address_entries()).
  core::Result<std::size_t> add_own_addresses();
  /// The crawler list file (crawler_list.h), labels "crawler <name>".
  core::Result<std::size_t> add_crawlers_file(const std::string& path);

  /// The most specific entry containing `ip`, or nullptr.
  [[nodiscard]] const AllowEntry* find(const core::IpAddress& ip) const noexcept;
  /// An entry that contains, equals or lies inside `prefix` (any shared address), or nullptr.
  /// When several do, the one covering the lowest shared address (most specific there).
  [[nodiscard]] const AllowEntry* find_intersecting(const core::IpPrefix& prefix) const noexcept;
  [[nodiscard]] bool contains(const core::IpAddress& ip) const noexcept {
    return find(ip) != nullptr;
  }

  [[nodiscard]] const std::vector<AllowEntry>& entries() const noexcept { return entries_; }
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  /// Number of entries per AllowSource (index = static_cast<size_t>(source)).
  [[nodiscard]] std::array<std::size_t, kAllowSourceCount> count_by_source() const noexcept;

 private:
  /// Unsigned 128-bit position of an address within its family (IPv4 in the low 32 bits).
  struct U128 {
    std::uint64_t hi = 0, lo = 0;
    auto operator<=>(const U128&) const = default;  // NOLINT(modernize-use-nullptr)
  };
  /// One flattened range [lo, hi] of one family and the entry that covers it.
  struct Range {
    U128 lo, hi;
    std::uint32_t entry = 0;  ///< index into entries_
  };
  static U128 position(const core::IpAddress& ip) noexcept;
  static Range span(const core::IpPrefix& prefix) noexcept;
  const AllowEntry* search(const std::vector<Range>& ranges, U128 lo, U128 hi) const noexcept;

  void rebuild();
  std::vector<AllowEntry> entries_;
  std::vector<Range> v4_, v6_;  // sorted, disjoint
};

/// Parses config strings ("192.0.2.7", "2001:db8::/48") into entries with one source and
/// label. Every bad string is reported, each named with its position:
/// "allowlist entry 3 \"10.0.0.0/33\" is not an address or CIDR".
core::Result<std::vector<AllowEntry>> allow_entries_from_cidrs(
    const std::vector<std::string>& cidrs, AllowSource source, const std::string& label,
    const std::string& what = "allowlist");

/// Every address on every local interface (getifaddrs), loopback included, as /32 or /128
/// entries labelled "own address on <ifname>". Fails only when getifaddrs fails.
core::Result<std::vector<AllowEntry>> own_address_entries();

}  // namespace bannin::decide
