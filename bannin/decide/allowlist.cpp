#include <algorithm>
#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <bannin/decide/allowlist.h>
#include <bannin/decide/crawler_list.h>

namespace bannin::decide {

std::string_view allow_source_name(AllowSource source) noexcept {
  switch (source) {
    case AllowSource::Config:
      return "config";
    case AllowSource::OwnAddress:
      return "own_address";
    case AllowSource::Proxy:
      return "proxy";
    case AllowSource::Crawler:
      return "crawler";
  }
  return "config";
}

Allowlist::Allowlist(std::vector<AllowEntry> entries) : entries_(std::move(entries)) {
  rebuild();
}

void Allowlist::add(std::vector<AllowEntry> entries) {
  if (entries.empty()) return;
  entries_.insert(entries_.end(), std::make_move_iterator(entries.begin()),
                  std::make_move_iterator(entries.end()));
  rebuild();
}

void Allowlist::add(const core::IpPrefix& prefix, AllowSource source, std::string label) {
  entries_.push_back(AllowEntry{prefix, source, std::move(label)});
  rebuild();
}

core::Result<std::size_t> Allowlist::add_cidrs(const std::vector<std::string>& cidrs,
                                               const std::string& label, AllowSource source) {
  auto entries = allow_entries_from_cidrs(cidrs, source, label,
                                          label == "config allowlist" ? "allowlist" : label);
  if (!entries) return entries.error();
  std::size_t n = entries->size();
  add(std::move(*entries));
  return n;
}

core::Result<std::size_t> Allowlist::add_cidrs(const std::vector<std::string>& cidrs,
                                               const std::string& label) {
  AllowSource source = AllowSource::Config;
  if (label.rfind("proxy", 0) == 0) {
    source = AllowSource::Proxy;
  } else if (label.rfind("crawler", 0) == 0) {
    source = AllowSource::Crawler;
  } else if (label.rfind("own address", 0) == 0) {
    source = AllowSource::OwnAddress;
  }
  return add_cidrs(cidrs, label, source);
}

core::Result<std::size_t> Allowlist::add_own_addresses() {
  auto entries = own_address_entries();
  if (!entries) return entries.error();
  std::size_t n = entries->size();
  add(std::move(*entries));
  return n;
}

core::Result<std::size_t> Allowlist::add_crawlers_file(const std::string& path) {
  auto list = load_crawler_list(path);
  if (!list) return list.error();
  std::vector<AllowEntry> entries = list->entries();
  std::size_t n = entries.size();
  add(std::move(entries));
  return n;
}

Allowlist::U128 Allowlist::position(const core::IpAddress& ip) noexcept {
  if (ip.is_v4()) return U128{0, ip.v4()};
  U128 v;
  const auto& b = ip.bytes();
  for (int i = 0; i < 8; ++i) v.hi = (v.hi << 8) | b[static_cast<std::size_t>(i)];
  for (int i = 8; i < 16; ++i) v.lo = (v.lo << 8) | b[static_cast<std::size_t>(i)];
  return v;
}

Allowlist::Range Allowlist::span(const core::IpPrefix& prefix) noexcept {
  Range r;
  r.lo = position(prefix.network);
  unsigned host = prefix.max_len() - std::min(prefix.len, prefix.max_len());
  U128 mask;
  if (host >= 64) {
    mask.lo = ~std::uint64_t{0};
    mask.hi = host == 128 ? ~std::uint64_t{0} : (std::uint64_t{1} << (host - 64)) - 1;
  } else {
    mask.lo = host == 0 ? 0 : (std::uint64_t{1} << host) - 1;
  }
  // Host bits of the network are already clear (IpPrefix invariant); clear them anyway so a
  // hand-built prefix cannot produce lo > hi.
  r.lo.hi &= ~mask.hi;
  r.lo.lo &= ~mask.lo;
  r.hi = U128{r.lo.hi | mask.hi, r.lo.lo | mask.lo};
  return r;
}

// Flattens nested/disjoint prefixes into sorted disjoint ranges, each labelled with the most
// specific entry covering it. Sweep over the prefixes sorted by start (outer before inner at
// the same start) with a stack of the open ones; a range is emitted whenever the innermost
// open prefix changes. Exact duplicates keep the entry added first.
void Allowlist::rebuild() {
  v4_.clear();
  v6_.clear();
  for (int family = 0; family < 2; ++family) {
    const bool v4 = family == 0;
    std::vector<Range> spans;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].prefix.is_v4() != v4) continue;
      Range r = span(entries_[i].prefix);
      r.entry = static_cast<std::uint32_t>(i);
      spans.push_back(r);
    }
    std::sort(spans.begin(), spans.end(), [](const Range& a, const Range& b) {
      if (a.lo != b.lo) return a.lo < b.lo;
      if (a.hi != b.hi) return a.hi > b.hi;
      return a.entry < b.entry;
    });
    std::vector<Range>& out = v4 ? v4_ : v6_;
    auto emit = [&out](U128 lo, U128 hi, std::uint32_t entry) {
      if (!out.empty() && out.back().entry == entry) {
        // Adjacent piece of the same entry (after an inner duplicate was skipped): merge.
        U128 next = out.back().hi;
        if (++next.lo == 0) ++next.hi;
        if (next == lo) {
          out.back().hi = hi;
          return;
        }
      }
      out.push_back(Range{lo, hi, entry});
    };
    auto plus1 = [](U128 v) {
      if (++v.lo == 0) ++v.hi;
      return v;
    };
    auto minus1 = [](U128 v) {
      if (v.lo-- == 0) --v.hi;
      return v;
    };
    const U128 max = v4 ? U128{0, 0xffffffffULL} : U128{~std::uint64_t{0}, ~std::uint64_t{0}};
    std::vector<Range> stack;
    U128 cursor;
    bool cursor_valid = true;  // false once the cursor would pass the family's last address
    const Range* prev = nullptr;
    for (const Range& s : spans) {
      if (prev != nullptr && prev->lo == s.lo && prev->hi == s.hi) continue;  // duplicate
      prev = &s;
      while (!stack.empty() && stack.back().hi < s.lo) {
        const Range& top = stack.back();
        if (cursor_valid && cursor <= top.hi) emit(cursor, top.hi, top.entry);
        cursor = plus1(top.hi);  // top.hi < s.lo <= max: no overflow
        cursor_valid = true;
        stack.pop_back();
      }
      if (!stack.empty() && cursor_valid && cursor < s.lo) {
        emit(cursor, minus1(s.lo), stack.back().entry);
      }
      cursor = s.lo;
      cursor_valid = true;
      stack.push_back(s);
    }
    while (!stack.empty()) {
      const Range& top = stack.back();
      if (cursor_valid && cursor <= top.hi) emit(cursor, top.hi, top.entry);
      if (top.hi == max) {
        cursor_valid = false;
      } else {
        cursor = plus1(top.hi);
      }
      stack.pop_back();
    }
  }
}

const AllowEntry* Allowlist::search(const std::vector<Range>& ranges, U128 lo,
                                    U128 hi) const noexcept {
  // Ranges are disjoint and sorted, so their ends are sorted too: the first range ending at
  // or after `lo` is the only candidate for the lowest shared address.
  auto it = std::lower_bound(ranges.begin(), ranges.end(), lo,
                             [](const Range& r, const U128& v) { return r.hi < v; });
  if (it == ranges.end() || it->lo > hi) return nullptr;
  return &entries_[it->entry];
}

const AllowEntry* Allowlist::find(const core::IpAddress& ip) const noexcept {
  U128 p = position(ip);
  return search(ip.is_v4() ? v4_ : v6_, p, p);
}

const AllowEntry* Allowlist::find_intersecting(const core::IpPrefix& prefix) const noexcept {
  Range r = span(prefix);
  return search(prefix.is_v4() ? v4_ : v6_, r.lo, r.hi);
}

std::array<std::size_t, kAllowSourceCount> Allowlist::count_by_source() const noexcept {
  std::array<std::size_t, kAllowSourceCount> n{};
  for (const AllowEntry& e : entries_) ++n[static_cast<std::size_t>(e.source)];
  return n;
}

core::Result<std::vector<AllowEntry>> allow_entries_from_cidrs(
    const std::vector<std::string>& cidrs, AllowSource source, const std::string& label,
    const std::string& what) {
  std::vector<AllowEntry> out;
  std::string problems;
  for (std::size_t i = 0; i < cidrs.size(); ++i) {
    auto p = core::IpPrefix::parse(cidrs[i]);
    if (!p) {
      if (!problems.empty()) problems += "\n";
      problems += what + " entry " + std::to_string(i + 1) + " \"" + cidrs[i] +
                  "\" is not an address or CIDR (e.g. 192.0.2.7, 192.0.2.0/24, 2001:db8::/48)";
      continue;
    }
    out.push_back(AllowEntry{*p, source, label});
  }
  if (!problems.empty()) return core::make_error("bad_allowlist_entry", problems);
  return out;
}

core::Result<std::vector<AllowEntry>> own_address_entries() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    return core::make_error(
        "getifaddrs_failed",
        std::string("cannot list the interface addresses: ") + std::strerror(errno));
  }
  std::vector<AllowEntry> out;
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr) continue;
    std::string label = std::string("own address on ") + (a->ifa_name ? a->ifa_name : "?");
    if (a->ifa_addr->sa_family == AF_INET) {
      sockaddr_in sin;
      std::memcpy(&sin, a->ifa_addr, sizeof sin);
      core::IpAddress ip = core::IpAddress::from_v4(ntohl(sin.sin_addr.s_addr));
      out.push_back(AllowEntry{core::IpPrefix{ip, 32}, AllowSource::OwnAddress, std::move(label)});
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      sockaddr_in6 sin6;
      std::memcpy(&sin6, a->ifa_addr, sizeof sin6);
      std::array<std::uint8_t, 16> bytes{};
      std::memcpy(bytes.data(), sin6.sin6_addr.s6_addr, 16);
      core::IpAddress ip = core::IpAddress::from_bytes(bytes);
      // An IPv4-mapped address on an interface is an IPv4 address for bannin.
      unsigned len = ip.is_v4() ? 32U : 128U;
      out.push_back(AllowEntry{core::IpPrefix{ip, len}, AllowSource::OwnAddress, std::move(label)});
    }
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace bannin::decide
